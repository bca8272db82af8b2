# The nginx.conf examples in conf/ are valid and behave as they say: the
# production one is refused while its secret is the placeholder, and with a
# real secret, over TLS, refuses addresses outside Telegram's ranges and
# serves /healthz to loopback; the local one stores an update.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Cwd qw(abs_path);
use File::Path qw(make_path remove_tree);
use IO::Socket::INET;
use MM::Redis;

my $root = abs_path('.');
my $dir = "$root/t/servroot-060-conf-examples";
remove_tree($dir);
make_path("$dir/logs", "$dir/tmp", "$dir/ssl");

my $redis = MM::Redis->new(dir => "$dir/redis");
$redis->start;
my $rport = $redis->port;
my $port = MM::Redis::free_port();
my $module = $ENV{TEST_NGINX_LOAD_MODULES} || "$root/build/ngx_mm_module.so";

sub slurp { open my $f, '<', $_[0] or die "$_[0]: $!"; local $/; <$f> }
sub spew { open my $f, '>', $_[0] or die "$_[0]: $!"; print $f $_[1] }

# under scripts/test.sh's sanitizer pass nginx gets the ASan runtime too
my @env = $ENV{TEST_NGINX_LD_PRELOAD}
    ? ('env', "LD_PRELOAD=$ENV{TEST_NGINX_LD_PRELOAD}",
       "ASAN_OPTIONS=log_path=$dir/logs/asan:" . ($ENV{TEST_NGINX_ASAN_OPTIONS} || ''))
    : ();

sub run_nginx {
    my ($conf, $name, $probe) = @_;
    my $t = `@env /usr/sbin/nginx -t -p $dir/ -c $conf -e $dir/logs/error.log 2>&1`;
    is($? >> 8, 0, "$name: nginx -t accepts it") or diag($t);
    my $pid = fork // die;
    if (!$pid) { { exec @env, '/usr/sbin/nginx', '-p', "$dir/", '-c', $conf, '-e', "$dir/logs/error.log", '-g', 'daemon off;' }; exit 127 }
    for (1 .. 100) { last if IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port); select undef, undef, undef, 0.05 }
    select undef, undef, undef, 0.2;
    $probe->();
    kill 'QUIT', $pid;
    waitpid $pid, 0;
}

# production.conf, with a throwaway certificate and paths under the test dir
system("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
       . "-keyout $dir/ssl/privkey.pem -out $dir/ssl/fullchain.pem >/dev/null 2>&1") == 0
    or BAIL_OUT('openssl failed');
my $prod = slurp("$root/conf/production.conf");
$prod =~ s{load_module modules/ngx_mm_module.so;}{load_module $module;};
$prod =~ s{/var/log/nginx/}{$dir/logs/}g;
$prod =~ s{/run/nginx-mental-maze.pid}{$dir/logs/nginx.pid};
$prod =~ s{/etc/ssl/mental-maze/}{$dir/ssl/}g;
$prod =~ s{listen 8443 ssl http2;}{listen 127.0.0.1:$port ssl http2;};
$prod =~ s{mm_redis 127.0.0.1:6379 db=0;}{mm_redis 127.0.0.1:$rport db=0;};
$prod =~ s{^(http \{)}{$1\n    client_body_temp_path $dir/tmp;}m;
like($prod, qr/allow 149\.154\.160\.0\/20;/, 'production allows Telegram 149.154.160.0/20');
like($prod, qr/allow 91\.108\.4\.0\/22;/, 'production allows Telegram 91.108.4.0/22');
like($prod, qr/limit_req zone=mm_webhook/, 'production limits the request rate');

# as shipped, its secret is the placeholder the module refuses: an operator
# who forgets to set it gets no running edge
my ($placeholder) = $prod =~ /^\s*mm_webhook_secret "([^"]+)";/m;
ok($placeholder, 'production has an mm_webhook_secret');
spew("$dir/production-placeholder.conf", $prod);
my $t = `@env /usr/sbin/nginx -t -p $dir/ -c $dir/production-placeholder.conf -e $dir/logs/error.log 2>&1`;
isnt($? >> 8, 0, 'production with the placeholder: nginx -t refuses it');
like($t, qr/"mm_webhook_secret" directive is still the example's placeholder: set it to the secret_token given to setWebhook/,
     'production with the placeholder: the message says what to do');

my $secret = 'prod-test-Secret_42';
$prod =~ s{mm_webhook_secret "\Q$placeholder\E";}{mm_webhook_secret "$secret";} or die 'no secret';
spew("$dir/production.conf", $prod);

run_nginx("$dir/production.conf", 'production', sub {
    my $code = `curl -sk -o /dev/null -w '%{http_code}' -X POST -H 'X-Telegram-Bot-Api-Secret-Token: $secret' --data '{"update_id":1}' https://127.0.0.1:$port/tg/webhook`;
    is($code, '403', 'production: a sender outside Telegram\'s ranges is refused');
    my $health = `curl -sk https://127.0.0.1:$port/healthz`;
    like($health, qr/"status":"ok"/, 'production: /healthz over TLS from loopback');
    is($redis->cli('XLEN', 'mm:updates'), 0, 'production: nothing stored');
});

# local.conf, as scripts/run.sh uses it (prefix build/run, Redis on 6380)
my $local = slurp("$root/conf/local.conf");
$local =~ s{load_module ../ngx_mm_module.so;}{load_module $module;};
$local =~ s{mm_redis 127.0.0.1:6380;}{mm_redis 127.0.0.1:$rport;};
$local =~ s{listen 127.0.0.1:8080;}{listen 127.0.0.1:$port;};
spew("$dir/local.conf", $local);

run_nginx("$dir/local.conf", 'local', sub {
    my $code = `curl -s -o /dev/null -w '%{http_code}' -H 'X-Telegram-Bot-Api-Secret-Token: local-dev-secret' --data '{"update_id":2}' http://127.0.0.1:$port/tg/webhook`;
    is($code, '200', 'local: the README\'s curl is acknowledged');
    is($redis->cli('XLEN', 'mm:updates'), 1, 'local: stored');
});

$redis->stop;
my @reports = grep { -s } glob("$dir/logs/asan*");
is(scalar @reports, 0, 'no sanitizer reports') or diag(`cat @reports`);
ok(`cat $dir/logs/error.log` !~ /runtime error:|\[alert\]/, 'no UBSan report or alert in error.log');
done_testing();
