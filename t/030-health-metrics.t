# /healthz tells whether Redis answers; /metrics counts for every worker process.
use lib 't/lib';
use MM::TestNginx;
use IO::Socket::INET;

$ENV{TEST_NGINX_REUSEPORT_PORT} = do {
    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1', LocalPort => 0);
    $s->sockport;
};

run_tests();

__DATA__

=== TEST 1: healthy: 200 with a small JSON document
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /healthz { mm_health; }
--- request
GET /healthz
--- error_code: 200
--- response_headers
Content-Type: application/json
--- response_body_like
^\{"status":"ok","redis":"up","redis_ms":\d+\.\d{3},"pid":\d+\}$

=== TEST 2: HEAD answers like GET, without a body; POST is refused
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /healthz { mm_health; }
--- request eval
["HEAD /healthz", "POST /healthz\nx"]
--- error_code eval
[200, 405]
--- response_body eval
["", "only GET and HEAD are allowed\n"]
--- response_headers eval
["", "Allow: GET, HEAD"]

=== TEST 3: Redis down: 503 "down" and Retry-After; Redis's own words only in the error log
--- init
redis_stop();
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /healthz { mm_health; }
--- request
GET /healthz
--- error_code: 503
--- response_headers
Retry-After: 5
--- response_body_like
^\{"status":"unavailable","redis":"down","pid":\d+\}$
--- check
redis_start();
--- error_log
failed: connect failed: Connection refused

=== TEST 4: Redis hung: the PING times out, 503 "timeout"
--- no_valgrind
--- init
redis_cli('CLIENT', 'PAUSE', '1000', 'ALL');
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    mm_redis_timeout 200ms;
    mm_redis_connect_timeout 200ms;
--- config
    location = /healthz { mm_health; }
--- request
GET /healthz
--- error_code: 503
--- response_body_like
^\{"status":"unavailable","redis":"(connecting|timeout)","pid":\d+\}$
--- check
# past mm_redis_connect_timeout, still inside the pause
select(undef, undef, undef, 0.3);
my $r = http_request(uri => '/healthz');
like($r->{body}, qr/^\{"status":"unavailable","redis":"timeout","pid":\d+\}$/, 'then "timeout"');
select(undef, undef, undef, 1.0);
--- error_log
timed out

=== TEST 9: Redis refuses the handshake (a wrong password): 503 "error", the reason only in the log
--- init
redis_cli('CONFIG', 'SET', 'requirepass', 'right-pw');
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT password=wrong-pw;
--- config
    location = /healthz { mm_health; }
--- request
GET /healthz
--- error_code: 503
--- response_body_like
^\{"status":"unavailable","redis":"error","pid":\d+\}$
--- check
redis_cli('-a', 'right-pw', '--no-auth-warning', 'CONFIG', 'SET', 'requirepass', '');
--- error_log
failed: AUTH: WRONGPASS
--- no_error_log
wrong-pw

=== TEST 10: Redis answers the PING with an error: 503 "error", not Redis's text
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /healthz { mm_health; }
--- request
GET /healthz
--- error_code: 200
--- check
# the connection is ready and authenticated; its user may no longer PING
redis_cli('ACL', 'SETUSER', 'default', '-ping');
my $r = http_request(uri => '/healthz');
redis_cli('ACL', 'SETUSER', 'default', '+@all');
is($r->{status}, 503, 'refused PING: 503');
like($r->{body}, qr/^\{"status":"unavailable","redis":"error","pid":\d+\}$/, 'one word');
unlike($r->{body}, qr/NOPERM|permission/i, "not Redis's text");
--- error_log
failed: command failed: NOPERM

=== TEST 11: one log line per kind of failure: refused while down, then WRONGPASS when back
--- init
redis_stop();
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT password=wrong-pw;
    mm_redis_reconnect 100ms;
--- config
    location = /healthz { mm_health; }
--- request
GET /healthz
--- error_code: 503
--- response_body_like
"redis":"down"
--- check
redis_start();
redis_cli('CONFIG', 'SET', 'requirepass', 'right-pw');
my $r;
for (1 .. 50) {
    $r = http_request(uri => '/healthz');
    last if $r->{body} =~ /"redis":"error"/;
    select(undef, undef, undef, 0.1);
}
like($r->{body}, qr/"redis":"error"/, 'then "error"');
redis_cli('-a', 'right-pw', '--no-auth-warning', 'CONFIG', 'SET', 'requirepass', '');
--- grep_error_log eval: qr/mm: redis "[^"]+" failed: [^:]+/
--- grep_error_log_out eval
qr/\Amm: redis "127\.0\.0\.1:\d+" failed: connect failed\nmm: redis "127\.0\.0\.1:\d+" failed: AUTH\n\z/

=== TEST 5: metrics: Prometheus text, counting what the webhook answered
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /tg/webhook { mm_webhook; mm_webhook_secret "s"; }
    location = /metrics { mm_metrics; }
--- more_headers
X-Telegram-Bot-Api-Secret-Token: s
--- request eval
["POST /tg/webhook\n{\"update_id\":1}", "POST /tg/webhook\n{\"update_id\":2}",
 "POST /tg/webhook\n{}", "GET /tg/webhook", "GET /metrics"]
--- error_code eval
[200, 200, 400, 405, 200]
--- check
my $m = $main::responses[-1]{body};
is($main::responses[-1]{headers}{'content-type'}, 'text/plain; version=0.0.4; charset=utf-8', 'content type');
like($m, qr/^# TYPE mm_webhook_responses_total counter$/m, 'typed');
like($m, qr/^mm_webhook_responses_total\{code="200"\} 2$/m, 'two 200');
like($m, qr/^mm_webhook_responses_total\{code="400"\} 1$/m, 'one 400');
like($m, qr/^mm_webhook_responses_total\{code="405"\} 1$/m, 'one 405');
like($m, qr/^mm_webhook_update_bytes_total 30$/m, 'bytes stored');
like($m, qr/^mm_redis_commands_total\{result="ok"\} 2$/m, 'two XADDs');
like($m, qr/^mm_redis_connected 1$/m, 'one connected worker');
like($m, qr/^mm_redis_pending_commands 0$/m, 'nothing pending');
like($m, qr/^mm_webhook_ack_seconds_count 2$/m, 'histogram count');
like($m, qr/^mm_webhook_ack_seconds_bucket\{le="\+Inf"\} 2$/m, 'histogram +Inf');
my @b = $m =~ /^mm_webhook_ack_seconds_bucket\{le="[^"]+"\} (\d+)$/mg;
is(scalar @b, 14, 'fourteen buckets');
is_deeply([sort { $a <=> $b } @b], \@b, 'cumulative');
like($m, qr/^mm_webhook_ack_seconds_sum \d+\.\d{6}$/m, 'histogram sum');
# every sample line is "name{labels} value" or "name value", every family typed
for my $line (grep { !/^#/ } split /\n/, $m) {
    like($line, qr/^[a-z_]+(\{[a-z]+="[^"]*"\})? \d+(\.\d+)?$/, "sample: $line");
}

=== TEST 6: metrics are summed over worker processes
--- workers: 2
--- no_valgrind
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    log_format pids $pid;
    server {
        # reuseport: the kernel spreads connections over both workers
        listen 127.0.0.1:$TEST_NGINX_REUSEPORT_PORT reuseport;
        access_log logs/pids.log pids;
        location = /tg/webhook { mm_webhook; mm_webhook_secret "s"; }
    }
--- config
    location = /metrics { mm_metrics; }
--- request
GET /metrics
--- check
my $n = 0;
for my $round (1 .. 20) {
    my @socks = map {
        IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                              PeerPort => $ENV{TEST_NGINX_REUSEPORT_PORT})
            or die "connect: $!"
    } 1 .. 8;
    for my $s (@socks) {
        $n++;
        my $body = "{\"update_id\":$n}";
        print $s "POST /tg/webhook HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
               . "X-Telegram-Bot-Api-Secret-Token: s\r\nContent-Length: "
               . length($body) . "\r\n\r\n$body";
    }
    for my $s (@socks) { local $/; my $resp = <$s>; }
}
metrics_like(qr/^mm_webhook_responses_total\{code="200"\} $n$/m, "all $n counted");
metrics_like(qr/^mm_redis_connected 2$/m, 'both workers connected');
is(redis_cli('XLEN', 'mm:updates'), $n, 'all stored');
open my $log, '<', servroot() . '/logs/pids.log' or die "pids.log: $!";
my %pids = map { chomp; ($_ => 1) } <$log>;
is(scalar keys %pids, 2, 'both workers served updates');
--- error_code: 200

=== TEST 7: metrics: the worker's series from Redis follow, grouped and typed, garbage dropped
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /metrics { mm_metrics; }
--- init
redis_cli('HSET', 'mm:metrics',
          'mm_engine_calls_total{provider="openai",outcome="ok"}', 7,
          'mm_engine_call_seconds_bucket{provider="openai",le="+Inf"}', 7,
          'mm_engine_rejects_total{reason="filler_option"}', 2,
          'mm_engine_call_seconds_sum{provider="openai"}', '3.25',
          'mm_engine_calls_total{provider="openai",outcome="timeout"}', 1,
          "mm_evil\n# TYPE injected counter", 1,
          'mm_engine_call_seconds_count{provider="openai"}', 7,
          'mm_engine_jobs_total{state="done"}', 'NaN; rm');
--- request
GET /metrics
--- error_code: 200
--- check
my $m = $main::responses[-1]{body};
like($m, qr/^mm_webhook_responses_total\{code="200"\} 0$/m, "the edge's own series first");
like($m, qr/^# TYPE mm_engine_call_seconds histogram\n(mm_engine_call_seconds_\w+\{[^}]*\} [\d.]+\n){3}# TYPE mm_engine_calls_total counter\nmm_engine_calls_total\{provider="openai",outcome="ok"\} 7\nmm_engine_calls_total\{provider="openai",outcome="timeout"\} 1\n/m,
     'each family one group under its type');
like($m, qr/^mm_engine_rejects_total\{reason="filler_option"\} 2$/m, 'rejects by reason');
unlike($m, qr/evil|injected|NaN/, 'fields that are not Prometheus text are dropped');
like($m, qr/^mm_worker_metrics_up 1$/m, 'and says they were read');
my @types = $m =~ /^# TYPE (\S+)/mg;
my %seen;
is(scalar(grep { $seen{$_}++ } @types), 0, 'no family typed twice');

=== TEST 8: metrics: Redis down, the edge's series alone and mm_worker_metrics_up 0
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /metrics { mm_metrics; }
--- init
redis_stop();
--- request
GET /metrics
--- error_code: 200
--- check
my $m = $main::responses[-1]{body};
like($m, qr/^mm_redis_connected 0$/m, 'the edge knows Redis is away');
like($m, qr/^mm_worker_metrics_up 0$/m, 'no worker series');
redis_start();
