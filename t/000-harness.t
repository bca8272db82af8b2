# The harness itself (t/lib/MM/TestNginx.pm, t/lib/MM/Redis.pm) against
# stock nginx, no module loaded: each section, several requests per block,
# raw and chunked requests, logs, must_die, worker processes, the Redis
# helpers, and (last block) a nested run whose blocks must all fail.
use lib 't/lib';
use MM::TestNginx;

$ENV{TEST_NGINX_MM_GREETING} = 'hello from the environment';

# Blocks that must fail, run by the last block as a test file of their own.
# "@@DATA@@" stands for the data marker, which cannot appear at the start
# of a line above this file's own; "@@SUBS@@" for $Subs below.
our $Failing = <<'EOT';
use lib 't/lib';
use MM::TestNginx;
no_modules();
no_redis();
run_tests();
@@SUBS@@
@@DATA@@

=== TEST 1: wrong status and body
--- config
    location = /x { return 200 "x"; }
--- request
GET /x
--- error_code: 201
--- response_body: y

=== TEST 2: nginx never gets the end of the header
--- raw_request eval
"GET / HTTP/1.1\r\nHost: localhost\r\n"
--- timeout: 0.5

=== TEST 3: an unknown variable
--- config
    location = /x { return 200 "$TEST_NGINX_NO_SUCH_VARIABLE"; }
--- request
GET /x

=== TEST 4: must_die with a good configuration
--- config
    location = /x { return 200; }
--- must_die

=== TEST 5: log patterns
--- request
GET /nope.html
--- error_code: 404
--- error_log
this is never logged
--- no_error_log
[error]

=== TEST 6: init dies
--- init
die "init boom\n";
--- request
GET /

=== TEST 7: check dies
--- config
    location = /x { return 200 "x"; }
--- request
GET /x
--- check
die "check boom\n";

=== TEST 8: headers
--- config
    location = /x { return 200 "x"; }
--- request
GET /x
--- response_headers
X-Missing: 1
!Content-Type
--- response_headers_like
Content-Type: ^image/

=== TEST 9: a broken eval section
--- request eval
"GET /x" . (

=== TEST 10: a pairwise section of the wrong length
--- config
    location = /x { return 200 "x"; }
--- request eval
["GET /x", "GET /x"]
--- error_code eval
[200]

=== TEST 11: nginx killed during the block
--- config
    location = /x { return 200 "x"; }
--- request
GET /x
--- check
kill 'KILL', main::master_pid();

=== TEST 12: a worker process crashes, the master lives on
--- workers: 1
--- main_config
    worker_rlimit_core 0;
--- config
    location = /x { return 200 "x"; }
--- request
GET /x
--- check
kill 'SEGV', main::children(main::master_pid());

=== TEST 13: a sanitizer report
--- config
    location = /x { return 200 "x"; }
--- request
GET /x
--- check
open my $f, '>', servroot() . '/logs/asan.12345' or die $!;
print $f "==12345==ERROR: AddressSanitizer: heap-use-after-free (made up)\n";
close $f;

=== TEST 14: the last block run
--- config
    location = /x { return 200 "x"; }
--- request
GET /x
--- response_body: x
--- LAST

=== TEST 15: after LAST: never run
--- request
GET /x
--- error_code: 599
EOT

# helpers for checks, here and (a copy) in the nested file
our $Subs = <<'EOT';
sub master_pid {
    open my $f, '<', servroot() . '/logs/nginx.pid' or die "nginx.pid: $!";
    return (<$f> // '') =~ s/\s+//gr;
}

# the pids whose parent is $ppid
sub children {
    my ($ppid) = @_;
    my @pids;
    for my $stat (glob '/proc/[0-9]*/stat') {
        open my $f, '<', $stat or next;
        my ($pid, $parent) = (<$f> // '') =~ /^(\d+) .*\) \S+ (\d+) /;
        push @pids, $pid if defined $parent && $parent == $ppid;
    }
    return @pids;
}
EOT
eval "$Subs; 1" or die $@;

no_modules();
no_shuffle();
run_tests();

__DATA__

=== TEST 1: a plain return
--- config
    location = /hi { return 200 "hi"; }
--- request
GET /hi
--- error_code: 200
--- response_body chomp
hi
--- response_headers
Content-Type: text/plain
Content-Length: 2
!X-Nothing
--- response_headers_like
Server: ^nginx/
--- no_error_log
[error]
[alert]



=== TEST 2: the default request is GET /, the default status 200
--- config
    location = / { return 200 "$request_method $request_uri\n"; }
--- response_body
GET /



=== TEST 3: a POST body, trimmed, with Content-Length added
--- config
    location = /echo {
        proxy_pass http://127.0.0.1:$TEST_NGINX_PORT/back;
        proxy_set_header X-Body $request_body;
        proxy_set_header X-Len $content_length;
    }
    location = /back { return 200 "$http_x_body|$http_x_len\n"; }
--- request
POST /echo
   {"update_id":1}
--- response_body
{"update_id":1}|15



=== TEST 4: a POST without a body still says Content-Length: 0
--- config
    location = /len { return 200 "[$http_content_length]\n"; }
--- request
POST /len
--- response_body
[0]



=== TEST 5: headers from add_header, an empty 204
--- config
    location = /h {
        add_header X-Mm "maze" always;
        add_header X-Num 42;
        return 204;
    }
--- request
GET /h
--- error_code: 204
--- response_body chomp
--- response_headers
X-Mm: maze
X-Num: 42
!Content-Type
--- response_headers_like
X-Num: ^\d+$
Date: GMT$



=== TEST 6: 405 from an if, more_headers, body regex
--- config
    location = /only-get {
        if ($request_method !~ ^(GET|HEAD)$) { return 405; }
        return 200 "ok $http_x_tag\n";
    }
--- more_headers
X-Tag: first
--- request
DELETE /only-get
--- error_code: 405
--- response_body_like: 405 Not Allowed



=== TEST 7: a missing file: 404 and an [error] in the log
--- request
GET /missing.html
--- error_code: 404
--- error_log
[error]
missing.html" failed (2: No such file or directory)
--- no_error_log
[alert]
[crit]



=== TEST 8: error_log eval with a string and a qr//
--- request
GET /gone.txt
--- error_code: 404
--- error_log eval
["gone.txt", qr/open\(\) "\S+\/html\/gone\.txt" failed/]



=== TEST 9: grep_error_log counts the lines exactly
--- request eval
["GET /a.txt", "GET /b.txt", "GET /a.txt"]
--- error_code eval
[404, 404, 404]
--- grep_error_log eval: qr/\w\.txt" failed/
--- grep_error_log_out
a.txt" failed
b.txt" failed
a.txt" failed



=== TEST 10: a plain grep_error_log is a literal string
--- request eval
["GET /c.txt", "GET /c.txt"]
--- error_code eval
[404, 404]
--- grep_error_log: c.txt" failed (2:
--- grep_error_log_out
c.txt" failed (2:
c.txt" failed (2:



=== TEST 11: must_die on an unknown directive
--- config
    foo_bar 1;
--- must_die
--- error_log
unknown directive "foo_bar"



=== TEST 12: two requests, each response checked against its own values
--- config
    location = /a { return 200 "a:$http_x_tag\n"; }
    location = /b { add_header X-B yes; return 201 "b:$http_x_tag\n"; }
--- more_headers
X-Tag: t1
--- request eval
["GET /a", "GET /b"]
--- error_code eval
[200, 201]
--- response_body eval
["a:t1\n", "b:t1\n"]
--- response_headers eval
["!X-B", "X-B: yes"]
--- check
is(scalar @main::responses, 2, 'two responses in @main::responses');



=== TEST 13: more_headers eval, one set per request
--- config
    location = /a { return 200 "a:$http_x_tag\n"; }
--- more_headers eval
["X-Tag: one", "X-Tag: two"]
--- request eval
["GET /a", "GET /a"]
--- response_body eval
["a:one\n", "a:two\n"]



=== TEST 14: a raw request with a chunked body; a chunked response
--- config
    location = /echo {
        proxy_pass http://127.0.0.1:$TEST_NGINX_PORT/back;
        proxy_set_header X-Body $request_body;
        sub_filter hello HELLO;
        sub_filter_types *;
    }
    location = /back { return 200 "$http_x_body|\n"; }
--- raw_request eval
"POST /echo HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
. "Transfer-Encoding: chunked\r\n\r\n"
. "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
--- response_headers
Transfer-Encoding: chunked
!Content-Length
--- response_body
HELLO world|



=== TEST 15: two worker processes under a master
--- workers: 2
--- no_valgrind
--- config
    location = /pid { return 200 "$pid"; }
--- request
GET /pid
--- response_body_like: ^\d+$
--- check
my $conf = do { local (@ARGV, $/) = (servroot() . '/conf/nginx.conf'); <> };
like($conf, qr/^master_process on;$/m, 'master on');
like($conf, qr/^worker_processes 2;$/m, 'two workers');
like($conf, qr/^user root;$/m, 'user root when run as root') if $> == 0;
my @workers = main::children(main::master_pid());
is(scalar @workers, 2, 'two worker processes');
ok((grep { $_ == $main::responses[0]{body} } @workers), 'a worker answered');



=== TEST 16: $TEST_NGINX_* in configs and requests
--- http_config
    map $uri $mm_greeting { default "$TEST_NGINX_MM_GREETING"; }
--- config
    location = /port/$TEST_NGINX_PORT {
        return 200 "$mm_greeting|$TEST_NGINX_SERVER_PORT|$TEST_NGINX_REDIS_PORT|$TEST_NGINX_SERVROOT|$TEST_NGINX_ROOT";
    }
--- request
GET /port/$TEST_NGINX_PORT
--- check
my ($greeting, $port, $redis, $servroot, $root) = split /\|/, $main::responses[0]{body};
is($greeting, 'hello from the environment', 'a variable from %ENV');
is($port, nginx_port(), 'SERVER_PORT is the nginx port');
is($redis, redis_port(), 'REDIS_PORT');
is($servroot, servroot(), 'SERVROOT');
ok(-f "$root/t/lib/MM/TestNginx.pm", 'ROOT is the repository');
is($ENV{TEST_NGINX_PORT}, nginx_port(), 'the port is in %ENV too');



=== TEST 17: main_config and http_config land where they belong
--- main_config
    worker_rlimit_nofile 4096;
--- http_config
    server_tokens off;
--- config
    location = /hi { return 200 "hi"; }
--- request
GET /hi
--- response_headers
Server: nginx
--- check
my $conf = do { local (@ARGV, $/) = (servroot() . '/conf/nginx.conf'); <> };
like($conf, qr/^\s*worker_rlimit_nofile 4096;\s+events \{/m, 'main_config before events');
like($conf, qr/^http \{.*server_tokens off;.*server \{/ms, 'http_config inside http, before server');
unlike($conf, qr/load_module/, 'no_modules(): no load_module');



=== TEST 18: log_level
--- log_level: warn
--- request
GET /nothing-here.txt
--- error_code: 404
--- error_log
[error]
--- no_error_log
[debug]



=== TEST 19: the default level is debug
--- request
GET /
--- error_code: 403
--- error_log
[debug]
directory index of



=== TEST 20: Redis helpers: SET/GET, stop and start on the same port
--- init
redis_cli('SET', 'harness:init', 'from init');
--- config
    location = /hi { return 200 "hi"; }
--- request
GET /hi
--- check
is(redis_cli('GET', 'harness:init'), 'from init', 'init ran before the block');
is(redis_cli('SET', 'harness:k', 'v1'), 'OK', 'SET');
is(redis_cli('GET', 'harness:k'), 'v1', 'GET');
is_deeply([redis_cli('MGET', 'harness:k', 'harness:init')], ['v1', 'from init'],
          'a list in list context');
my $port = redis_port();
redis_stop();
ok(!IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port),
   'the port is closed after redis_stop');
redis_start();
is(redis_port(), $port, 'the same port after redis_start');
is(redis_cli('PING'), 'PONG', 'answers again');
is(redis_cli('GET', 'harness:k'), '', 'nothing persisted');
redis_cli('SET', 'harness:keep', 'yes');



=== TEST 21: no_flush keeps what the previous block left
--- no_flush
--- config
    location = /hi { return 200 "hi"; }
--- request
GET /hi
--- check
is(redis_cli('GET', 'harness:keep'), 'yes', 'still there');



=== TEST 22: init may stop Redis, and the block runs without it
--- init
redis_stop();
--- config
    location = /hi { return 200 "hi"; }
--- request
GET /hi
--- check
ok(!IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => redis_port()),
   'down: init stopped it');



=== TEST 23: the next block starts with Redis up again, and empty
--- config
    location = /hi { return 200 "hi"; }
--- request
GET /hi
--- check
is(redis_cli('PING'), 'PONG', 'up');
is(redis_cli('DBSIZE'), 0, 'empty');



=== TEST 24: wait, timeout, http_request from a check
--- wait: 0.2
--- timeout: 1
--- config
    location = /hi { return 200 "hi $arg_n"; }
--- request
GET /hi?n=1
--- response_body: hi 1
--- check
my $r = http_request(method => 'GET', uri => '/hi?n=2', headers => ['X-A: 1']);
is($r->{status}, 200, 'http_request: status');
is($r->{body}, 'hi 2', 'http_request: body');
is($r->{headers}{'content-type'}, 'text/plain', 'headers by lower-case name');
like($r->{raw}, qr{^HTTP/1\.1 200 OK\r\n}, 'the raw response');
is($main::block->name, 'TEST 24: wait, timeout, http_request from a check', '$main::block');



=== TEST 25: a connection closed without a response is status 0; HTTP/1.0
--- config
    location = /drop { return 444; }
    location = /proto { return 200 "$server_protocol"; }
--- request eval
["GET /drop", "GET /proto HTTP/1.0"]
--- error_code eval
[0, 200]
--- response_body eval
["", "HTTP/1.0"]



=== TEST 26: SKIP drops a block
--- SKIP
--- config
    this would not start;
--- request
GET /



=== TEST 27: blocks that must fail do, and leave nothing running
--- no_valgrind
--- config
    location = /hi { return 200 "hi"; }
--- request
GET /hi
--- timeout: 30
--- check
my $dir = servroot() . '/nested';
mkdir $dir;
my $file = "$dir/failing.t";
open my $f, '>', $file or die "$file: $!";
print $f $main::Failing =~ s/^\@\@DATA\@\@$/__DATA__/mr =~ s/^\@\@SUBS\@\@$/$main::Subs/mr;
close $f;
my @tap = do {
    local %ENV = %ENV;
    delete @ENV{qw(TEST_NGINX_PORT TEST_NGINX_SERVER_PORT TEST_NGINX_REDIS_PORT)};
    $ENV{TEST_NGINX_SERVROOT} = "$dir/servroot";
    open my $p, '-|', "$^X -It/lib $file 2>&1" or die "perl: $!";
    my @out = <$p>;
    close $p;
    @out;
};
isnt($?, 0, 'the nested run fails');
my @failed = map { /^not ok \d+ - (.*?)\s*$/ ? $1 : () } @tap;
my @expected = (
    'TEST 1: wrong status and body - status',
    'TEST 1: wrong status and body - body',
    'TEST 2: nginx never gets the end of the header - request timed out',
    'TEST 3: an unknown variable - config: --- config: $TEST_NGINX_NO_SUCH_VARIABLE is not set',
    'TEST 4: must_die with a good configuration - nginx refuses the configuration',
    'TEST 5: log patterns - error log has: this is never logged',
    'TEST 5: log patterns - error log lacks: [error]',
    'TEST 6: init dies - init died: init boom',
    'TEST 7: check dies - check died: check boom',
    'TEST 8: headers - header X-Missing',
    'TEST 8: headers - no Content-Type header',
    'TEST 8: headers - header Content-Type like',
    qr/^TEST 9: a broken eval section - sections: eval: syntax error/,
    'TEST 10: a pairwise section of the wrong length - --- error_code has 1 values for 2 requests',
    'TEST 11: nginx killed during the block - nginx exited on signal 9 during the block',
    qr/^TEST 12: a worker process crashes, the master lives on - .*\[alert\].* worker process \d+ exited on signal 11$/,
    qr{^TEST 13: a sanitizer report - sanitizer report \S+/logs/asan\.12345$},
);
is(scalar @failed, scalar @expected, 'as many failures as expected')
    or diag(join '', @tap);
for my $i (0 .. $#expected) {
    my $want = $expected[$i];
    ref $want ? like($failed[$i] // '', $want, "failure: $want")
              : is($failed[$i], $want, "failure: $want");
}
ok((grep { /^ok \d+ - TEST 14: the last block run - body$/ } @tap), 'the LAST block passes');
ok(!(grep { /TEST 15/ } @tap), 'nothing after LAST');
my @left;
for my $cmdline (glob '/proc/[0-9]*/cmdline') {
    open my $c, '<', $cmdline or next;
    push @left, $cmdline if (<$c> // '') =~ /\Q$dir\E/;
}
is(scalar @left, 0, 'no nginx left running by the nested run');
