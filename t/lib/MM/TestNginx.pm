package MM::TestNginx;

# Runs Test::Nginx-style data blocks against a real nginx with our module
# and a private Redis.  Built on Debian's Test::Base; the block format and
# the TEST_NGINX_* variables follow openresty's Test::Nginx::Socket, so the
# suites read like those of any nginx module.
#
# Sections: main_config http_config config workers init request
# raw_request more_headers timeout error_code response_body
# response_body_like response_headers error_log no_error_log
# grep_error_log grep_error_log_out wait check must_die no_flush log_level
# no_valgrind
# (eval works on each; request, raw_request, more_headers and the
# response sections take arrayrefs for several requests).
#
# Environment: TEST_NGINX_BINARY, TEST_NGINX_LOAD_MODULES,
# TEST_NGINX_LOG_LEVEL, TEST_NGINX_SLEEP, TEST_NGINX_USE_VALGRIND,
# TEST_NGINX_LD_PRELOAD, TEST_NGINX_ASAN_OPTIONS, TEST_NGINX_NO_CLEAN.

use strict;
use warnings;

use Test::Base;
use Test::More ();
use Cwd qw(abs_path);
use File::Basename qw(basename dirname);
use File::Path qw(make_path remove_tree);
use IO::Select;
use IO::Socket::INET;
use POSIX ();
use Time::HiRes ();
use MM::Redis;

our @EXPORT = qw(run_tests no_redis redis_cli redis_stop redis_start
                 redis_port redis_signal http_request nginx_port servroot
                 metrics_like);

# the test file gets these and Test::More's functions, as with Test::Nginx
sub import {
    my $caller = caller;
    no strict 'refs';
    *{"${caller}::$_"} = \&{"MM::TestNginx::$_"} for @EXPORT;
    eval "package $caller; use Test::More; 1" or die $@;
}

my $Root = abs_path(dirname(__FILE__) . '/../../..');
my $Binary = $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx';
my $Valgrind = $ENV{TEST_NGINX_USE_VALGRIND};
my $Slow = $Valgrind ? 10 : 1;
my $Sleep = $ENV{TEST_NGINX_SLEEP} || 0.1;
my $Servroot = $ENV{TEST_NGINX_SERVROOT}
    || "$Root/t/servroot-" . basename($0, '.t');
my $Port = $ENV{TEST_NGINX_PORT} || MM::Redis::free_port();
my ($Redis, $NoRedis, $NginxPid, $LogPos);

sub no_redis { $NoRedis = 1 }
sub nginx_port { $Port }
sub servroot { $Servroot }
sub redis_port { $Redis->port }
sub redis_cli { $Redis->cli(@_) }
sub redis_stop { $Redis->stop }
sub redis_start { $Redis->start }
sub redis_signal { kill $_[0], $Redis->{pid} }

sub run_tests {
    remove_tree($Servroot);
    make_path(map { "$Servroot/$_" } qw(conf logs html tmp));
    unless ($NoRedis) {
        $Redis = MM::Redis->new(dir => "$Servroot/redis");
        $Redis->start;
    }
    local %ENV = %ENV;
    $ENV{TEST_NGINX_PORT} = $ENV{TEST_NGINX_SERVER_PORT} = $Port;
    $ENV{TEST_NGINX_SERVROOT} = $Servroot;
    $ENV{TEST_NGINX_ROOT} = $Root;
    $ENV{TEST_NGINX_REDIS_PORT} = $Redis->port if $Redis;

    for my $block (Test::Base::blocks()) {
        run_block($block);
    }
    stop_nginx();
    check_sanitizers("the last nginx's exit", '');
    $Redis->stop if $Redis && !$ENV{TEST_NGINX_NO_CLEAN};
    Test::More::done_testing();
}

END {
    local $?;
    stop_nginx() unless $ENV{TEST_NGINX_NO_CLEAN};
    $Redis->stop if $Redis;
}

# "$TEST_NGINX_X" from the environment; an unknown one is a mistake
sub expand {
    my ($text, $name) = @_;
    return $text unless defined $text;
    $text =~ s{\$(TEST_NGINX_[A-Z0-9_]+)}{
        defined $ENV{$1} ? $ENV{$1} : die "$name: \$$1 is not set\n"
    }ge;
    return $text;
}

sub list {
    my ($v, $n) = @_;
    return ref $v eq 'ARRAY' ? $v : [($v) x $n];
}

sub run_block {
    my ($block) = @_;
    my $name = $block->name;

    if ($Valgrind && defined $block->no_valgrind) {
        Test::More::diag("$name - skipped under valgrind (timing or worker processes)");
        return;
    }

    $Redis->cli('FLUSHALL') if $Redis && !defined $block->no_flush;

    if (defined(my $init = $block->init)) {
        eval "package main; no strict; $init; 1"
            or return Test::More::fail("$name - init: $@");
    }

    stop_nginx();
    check_sanitizers("$name - the previous nginx's exit", '');
    my $conf = eval { write_config($block) }
        or return Test::More::fail("$name - config: $@");

    if (defined $block->must_die) {
        my $out = do {
            local %ENV = %ENV;
            sanitizer_env();
            `$Binary -t -p $Servroot/ -c $conf -e $Servroot/logs/error.log 2>&1`;
        };
        Test::More::isnt($? >> 8, 0, "$name - nginx refuses the configuration");
        check_log_patterns($block, $out);
        return;
    }

    $LogPos = -s "$Servroot/logs/error.log" || 0;
    unless (start_nginx($conf)) {
        Test::More::fail("$name - nginx did not start");
        Test::More::diag(tail("$Servroot/logs/error.log"));
        return;
    }

    my @responses = send_requests($block);

    Time::HiRes::sleep($block->wait) if defined $block->wait;

    check_responses($block, \@responses);

    if (defined(my $check = $block->check)) {
        local @main::responses = @responses;
        local $main::block = $block;
        eval "package main; no strict; $check; 1"
            or Test::More::fail("$name - check: $@");
    }

    Time::HiRes::sleep($Sleep * 3 * $Slow);
    my $log = new_log();
    check_log_patterns($block, $log);
    check_sanitizers($name, $log);
}

sub write_config {
    my ($block) = @_;
    my $workers = $block->workers;
    my $master = $workers || ($ENV{TEST_NGINX_MASTER_PROCESS} || '') eq 'on';
    # valgrind follows one process: no master, one worker
    ($master, $workers) = (0, 1) if $Valgrind;
    $workers ||= 1;
    my $level = $block->log_level || $ENV{TEST_NGINX_LOG_LEVEL} || 'debug';

    my $modules = $ENV{TEST_NGINX_LOAD_MODULES};
    $modules = "$Root/build/ngx_mm_module.so"
        if !defined $modules && -f "$Root/build/ngx_mm_module.so";
    my $load = join '', map {
        my $m = m{^/} ? $_ : "$Root/$_";
        "load_module $m;\n"
    } split ' ', $modules // '';

    my $main = expand($block->main_config // '', 'main_config');
    my $http = expand($block->http_config // '', 'http_config');
    my $server = expand($block->config // '', 'config');
    my $user = ($> == 0 && $master) ? "user root;\n" : '';
    my $master_flag = $master ? 'on' : 'off';

    my $conf = "$Servroot/conf/nginx.conf";
    open my $fh, '>', $conf or die "$conf: $!";
    print $fh <<"EOT";
$load${user}daemon off;
master_process $master_flag;
worker_processes $workers;
error_log $Servroot/logs/error.log $level;
pid $Servroot/logs/nginx.pid;
$main
events {
    accept_mutex off;
    worker_connections 1024;
}

http {
    access_log $Servroot/logs/access.log;
    client_body_temp_path $Servroot/tmp/body;
    proxy_temp_path $Servroot/tmp/proxy;
    fastcgi_temp_path $Servroot/tmp/fastcgi;
    uwsgi_temp_path $Servroot/tmp/uwsgi;
    scgi_temp_path $Servroot/tmp/scgi;
    default_type text/plain;
    keepalive_timeout 68;

$http

    server {
        listen 127.0.0.1:$Port;
        server_name localhost;

$server

        location / {
            root html;
        }
    }
}
EOT
    close $fh;
    return $conf;
}

sub start_nginx {
    my ($conf) = @_;
    unlink "$Servroot/logs/nginx.pid";
    my @cmd = ($Binary, '-p', "$Servroot/", '-c', $conf,
               '-e', "$Servroot/logs/error.log");
    if ($Valgrind) {
        my $supp = "$Root/t/valgrind.suppress";
        unshift @cmd, 'valgrind', '-q', '--leak-check=full',
            '--show-possibly-lost=no', '--errors-for-leak-kinds=definite',
            "--log-file=$Servroot/logs/valgrind.log",
            (-f $supp ? ("--suppressions=$supp") : ());
    }
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        POSIX::setsid();
        sanitizer_env();
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', "$Servroot/logs/stderr.log";
        open STDERR, '>&', \*STDOUT;
        { exec @cmd };
        POSIX::_exit(127);
    }
    $NginxPid = $pid;

    my $deadline = Time::HiRes::time() + 5 * $Slow;
    while (Time::HiRes::time() < $deadline) {
        if (waitpid($pid, POSIX::WNOHANG()) == $pid) {
            undef $NginxPid;
            return 0;
        }
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $Port);
        if ($s) {
            close $s;
            # let every worker process connect to Redis before the request
            Time::HiRes::sleep($Sleep * $Slow);
            return 1;
        }
        Time::HiRes::sleep(0.02);
    }
    return 0;
}

# the ASan runtime preloaded into an uninstrumented nginx, reports to files
sub sanitizer_env {
    return unless $ENV{TEST_NGINX_LD_PRELOAD};
    $ENV{LD_PRELOAD} = $ENV{TEST_NGINX_LD_PRELOAD};
    my $opts = "log_path=$Servroot/logs/asan";
    $opts .= ":$ENV{TEST_NGINX_ASAN_OPTIONS}" if $ENV{TEST_NGINX_ASAN_OPTIONS};
    $ENV{ASAN_OPTIONS} = $opts;
    $ENV{UBSAN_OPTIONS} = "log_path=$Servroot/logs/ubsan:print_stacktrace=1";
}

sub stop_nginx {
    my $pid = $NginxPid or return;
    undef $NginxPid;
    kill 'QUIT', $pid;
    my $deadline = Time::HiRes::time() + 5 * $Slow;
    while (Time::HiRes::time() < $deadline) {
        return if waitpid($pid, POSIX::WNOHANG()) == $pid;
        Time::HiRes::sleep(0.02);
    }
    kill 'TERM', $pid;
    Time::HiRes::sleep(0.5);
    kill 'KILL', -$pid;
    kill 'KILL', $pid;
    waitpid $pid, 0;
}

# --- requests

sub send_requests {
    my ($block) = @_;
    my $raw = $block->raw_request;
    my $req = $block->request;
    return () unless defined $raw || defined $req;

    my $many = ref($raw // $req) eq 'ARRAY';
    my $items = $many ? ($raw // $req) : [$raw // $req];
    my $headers = list($block->more_headers // '', scalar @$items);
    my $timeout = ($block->timeout || 3) * $Slow;

    my @responses;
    for my $i (0 .. $#$items) {
        my $bytes = defined $raw ? $items->[$i] : build_request($items->[$i], $headers->[$i]);
        push @responses, exchange($bytes, $timeout);
    }
    return @responses;
}

# "METHOD URI" then the body; Host, Connection and Content-Length added
sub build_request {
    my ($text, $more) = @_;
    $text = expand($text, 'request');
    my ($line, $body) = split /\n/, $text, 2;
    $line =~ s/^\s+|\s+$//g;
    my ($method, $uri) = split ' ', $line || 'GET /';
    $uri //= '/';
    $body //= '';
    $body =~ s/^\s+|\s+$//g;

    my %have;
    my $head = '';
    for my $h (split /\n/, expand($more // '', 'more_headers')) {
        next unless $h =~ /\S/;
        my ($k) = $h =~ /^([^:]+):/;
        $have{lc $k} = 1 if defined $k;
        $head .= "$h\r\n";
    }
    $head .= "Host: localhost\r\n" unless $have{host};
    $head .= "Connection: close\r\n" unless $have{connection};
    $head .= "Content-Length: " . length($body) . "\r\n"
        if !$have{'content-length'} && !$have{'transfer-encoding'}
           && (length $body || $method =~ /^(POST|PUT|PATCH)$/);
    return "$method $uri HTTP/1.1\r\n$head\r\n$body";
}

sub exchange {
    my ($bytes, $timeout) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $Port,
                                  Timeout => $timeout)
        or return { status => 0, error => "connect: $!", headers => {}, body => '', raw => '' };
    $s->blocking(0);
    my $sel = IO::Select->new($s);
    my $deadline = Time::HiRes::time() + $timeout;

    while (length $bytes) {
        my $left = $deadline - Time::HiRes::time();
        last if $left <= 0 || !$sel->can_write($left);
        my $n = syswrite($s, $bytes);
        last unless defined $n;
        substr($bytes, 0, $n, '');
    }

    my $raw = '';
    my $error;
    while (1) {
        my $left = $deadline - Time::HiRes::time();
        if ($left <= 0 || !$sel->can_read($left)) { $error = 'request timed out'; last }
        my $n = sysread($s, $raw, 65536, length $raw);
        last if defined $n && $n == 0;
        if (!defined $n) { next if $!{EAGAIN}; last }
    }
    close $s;
    my $resp = parse_response($raw);
    $resp->{error} = $error if $error;
    return $resp;
}

sub parse_response {
    my ($raw) = @_;
    my %r = (raw => $raw, status => 0, headers => {}, body => '');
    my ($head, $rest) = split /\r\n\r\n/, $raw, 2;
    return \%r unless defined $head && $head =~ m{^HTTP/\d\.\d (\d{3})};
    $r{status} = $1;
    for my $line (split /\r\n/, $head) {
        next unless $line =~ /^([^:]+):\s*(.*)$/;
        $r{headers}{lc $1} = $2;
    }
    $rest //= '';
    if (($r{headers}{'transfer-encoding'} // '') =~ /chunked/i) {
        my $body = '';
        while ($rest =~ s/^([0-9a-fA-F]+)\r\n//) {
            my $n = hex $1;
            last if $n == 0;
            $body .= substr($rest, 0, $n, '');
            $rest =~ s/^\r\n//;
        }
        $r{body} = $body;
    } elsif (defined(my $len = $r{headers}{'content-length'})) {
        $r{body} = substr($rest, 0, $len);
    } else {
        $r{body} = $rest;
    }
    return \%r;
}

# one request for a test's own code: http_request(method =>, uri =>,
# headers => [lines], body =>, timeout =>)
sub http_request {
    my (%a) = @_;
    my $text = ($a{method} || 'GET') . ' ' . ($a{uri} || '/') . "\n" . ($a{body} // '');
    return exchange(build_request($text, join("\n", @{ $a{headers} || [] })),
                    ($a{timeout} || 3) * $Slow);
}

# --- checks

# like() on /metrics, polled for up to 3 s: nginx counts a request in its
# log phase, which may run just after the client has its response
sub metrics_like {
    my ($re, $name, $uri) = @_;
    my $m = '';
    my $deadline = Time::HiRes::time() + 3 * $Slow;
    do {
        $m = http_request(uri => $uri || '/metrics')->{body};
        return Test::More::pass($name) if $m =~ $re;
        Time::HiRes::sleep(0.05);
    } while (Time::HiRes::time() < $deadline);
    return Test::More::like($m, $re, $name);
}

sub check_responses {
    my ($block, $responses) = @_;
    my $name = $block->name;
    my $n = @$responses or return;

    for my $i (0 .. $n - 1) {
        my $r = $responses->[$i];
        my $tag = $n > 1 ? "$name - request #" . ($i + 1) : $name;
        Test::More::diag("$tag: $r->{error}") if $r->{error};

        my $code = list($block->error_code // 200, $n)->[$i];
        Test::More::is($r->{status}, $code, "$tag - status");

        if (defined(my $want = $block->response_body)) {
            Test::More::is($r->{body}, list($want, $n)->[$i], "$tag - body");
        }
        if (defined(my $want = $block->response_body_like)) {
            my $re = list($want, $n)->[$i];
            unless (ref $re) { chomp $re; $re = qr/$re/s }
            Test::More::like($r->{body}, $re, "$tag - body like");
        }
        if (defined(my $want = $block->response_headers)) {
            for my $line (split /\n/, list($want, $n)->[$i]) {
                next unless $line =~ /\S/;
                if ($line =~ /^!\s*(\S+)/) {
                    Test::More::ok(!exists $r->{headers}{lc $1}, "$tag - no $1");
                } elsif ($line =~ /^([^:]+):\s*(.*)$/) {
                    Test::More::is($r->{headers}{lc $1}, $2, "$tag - header $1");
                }
            }
        }
    }
}

sub new_log {
    my $file = "$Servroot/logs/error.log";
    open my $fh, '<', $file or return '';
    seek $fh, $LogPos // 0, 0;
    local $/;
    my $text = <$fh> // '';
    $LogPos = tell $fh;
    return $text;
}

sub patterns {
    my ($v) = @_;
    return () unless defined $v;
    return @$v if ref $v eq 'ARRAY';
    return ($v) if ref $v;
    return grep { /\S/ } split /\n/, $v;
}

sub check_log_patterns {
    my ($block, $log) = @_;
    my $name = $block->name;
    for my $p (patterns($block->error_log)) {
        my $ok = ref $p ? $log =~ $p : index($log, $p) >= 0;
        Test::More::ok($ok, "$name - error log has: $p")
            or Test::More::diag(substr($log, -2000));
    }
    for my $p (patterns($block->no_error_log)) {
        my $ok = ref $p ? $log !~ $p : index($log, $p) < 0;
        Test::More::ok($ok, "$name - error log lacks: $p")
            or Test::More::diag(join "\n", grep { ref $p ? /$p/ : index($_, $p) >= 0 }
                                             split /\n/, $log);
    }
    if (defined(my $re = $block->grep_error_log)) {
        $re = qr/$re/ unless ref $re;
        my $got = join '', map { "$_\n" } $log =~ /($re)/g;
        my $want = $block->grep_error_log_out // '';
        if (ref $want) {
            Test::More::like($got, $want, "$name - grep error log");
        } else {
            Test::More::is($got, $want, "$name - grep error log");
        }
    }
}

# ASan writes to its log_path; UBSan and nginx's own alerts to error.log
sub check_sanitizers {
    my ($name, $log) = @_;
    for my $line (grep { /runtime error:|AddressSanitizer|LeakSanitizer/ } split /\n/, $log) {
        Test::More::fail("$name - sanitizer: $line");
    }
    my @reports = grep { -s $_ } glob("$Servroot/logs/asan* $Servroot/logs/ubsan*");
    if ($Valgrind && -s "$Servroot/logs/valgrind.log") {
        push @reports, "$Servroot/logs/valgrind.log";
    }
    for my $f (@reports) {
        Test::More::fail("$name - $f");
        Test::More::diag(tail($f, 60));
        unlink $f;
    }
}

sub tail {
    my ($file, $n) = @_;
    open my $fh, '<', $file or return "($file: $!)";
    my @l = <$fh>;
    $n ||= 20;
    return join '', @l[($#l - $n + 1 < 0 ? 0 : $#l - $n + 1) .. $#l];
}

1;
