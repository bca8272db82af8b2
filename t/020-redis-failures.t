# Redis down, hung, refusing or behind a password: never a 200 for an update
# Redis did not take, one log line per outage, recovery without help.
use lib 't/lib';
use MM::TestNginx;

our $Post = "POST /tg/webhook\n{\"update_id\":20}";

sub post_update {
    my ($id) = @_;
    return http_request(method => 'POST', uri => '/tg/webhook',
                        headers => ['X-Telegram-Bot-Api-Secret-Token: s'],
                        body => "{\"update_id\":$id}");
}

# posts until the module answers 200 (it reconnects by itself), up to $tries
sub post_until_stored {
    my ($id, $tries) = @_;
    my $r;
    for (1 .. $tries || 50) {
        $r = post_update($id);
        last if $r->{status} == 200;
        select(undef, undef, undef, 0.1);
    }
    return $r;
}

run_tests();

__DATA__

=== TEST 1: Redis stopped: 503 with Retry-After, logged once for many requests
--- init
redis_stop();
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    mm_redis_reconnect 200ms;
--- config
    location = /tg/webhook { mm_webhook; mm_webhook_secret "s"; mm_retry_after 7s; }
--- more_headers
X-Telegram-Bot-Api-Secret-Token: s
--- request eval
[($::Post) x 5]
--- error_code eval
[(503) x 5]
--- response_headers eval
[("Retry-After: 7") x 5]
--- response_body eval
[("update store unavailable, retry later\n") x 5]
--- wait: 0.5
--- grep_error_log eval: qr/mm: redis "[^"]+" failed: [^,]+/
--- grep_error_log_out eval
qr/\Amm: redis "127\.0\.0\.1:\d+" failed: connect failed: Connection refused\n\z/
--- check
redis_start();

=== TEST 2: Redis comes back: the module reconnects by itself and stores again
--- init
redis_stop();
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    mm_redis_reconnect 200ms;
--- config
    location = /tg/webhook { mm_webhook; mm_webhook_secret "s"; }
--- more_headers
X-Telegram-Bot-Api-Secret-Token: s
--- request eval
$::Post
--- error_code: 503
--- check
redis_start();
my $r = main::post_until_stored(21, 50);
is($r->{status}, 200, 'stored once Redis is back');
is(redis_cli('XLEN', 'mm:updates'), 1, 'exactly the acknowledged update');
--- error_log eval
[qr/mm: redis "[^"]+" recovered after \d+ ms/]

=== TEST 3: Redis restarted under a live connection: 503 at worst, then 200
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    mm_redis_reconnect 200ms;
--- config
    location = /tg/webhook { mm_webhook; mm_webhook_secret "s"; }
--- more_headers
X-Telegram-Bot-Api-Secret-Token: s
--- request eval
$::Post
--- error_code: 200
--- check
redis_stop();
my $down = main::post_update(22);
is($down->{status}, 503, 'down: 503');
redis_start();
my $r = main::post_until_stored(23, 50);
is($r->{status}, 200, 'back: 200');
--- error_log eval
[qr/failed: connection lost: Server closed the connection/, qr/recovered after/]

=== TEST 4: Redis hung past mm_redis_timeout: 503, reconnect, then 200
--- no_valgrind
--- init
redis_cli('CLIENT', 'PAUSE', '1500', 'WRITE');
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    mm_redis_timeout 300ms;
    mm_redis_reconnect 200ms;
--- config
    location = /tg/webhook { mm_webhook; mm_webhook_secret "s"; }
--- more_headers
X-Telegram-Bot-Api-Secret-Token: s
--- request eval
$::Post
--- error_code: 503
--- response_body
update store timed out, retry later
--- check
select(undef, undef, undef, 1.5);
my $r = main::post_until_stored(24, 30);
is($r->{status}, 200, 'stored after the pause');
--- error_log
failed: command timed out: no reply within 300 ms

=== TEST 5: Redis out of memory: 503, nothing stored; 200 once it has room
--- init
redis_cli('CONFIG', 'SET', 'maxmemory', '1');
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /tg/webhook { mm_webhook; mm_webhook_secret "s"; }
--- more_headers
X-Telegram-Bot-Api-Secret-Token: s
--- request eval
[($::Post) x 3]
--- error_code eval
[503, 503, 503]
--- check
is(redis_cli('XLEN', 'mm:updates'), 0, 'nothing stored');
redis_cli('CONFIG', 'SET', 'maxmemory', '0');
my $r = main::post_update(25);
is($r->{status}, 200, 'stored with room');
--- grep_error_log eval: qr/failed: command failed: OOM/
--- grep_error_log_out
failed: command failed: OOM

=== TEST 6: a wrong Redis password: 503 and one clear line, the password never logged
--- init
redis_cli('CONFIG', 'SET', 'requirepass', 'right-pw');
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT password=wrong-pw;
--- config
    location = /tg/webhook { mm_webhook; mm_webhook_secret "s"; }
--- more_headers
X-Telegram-Bot-Api-Secret-Token: s
--- request eval
$::Post
--- error_code: 503
--- check
redis_cli('-a', 'right-pw', '--no-auth-warning', 'CONFIG', 'SET', 'requirepass', '');
--- error_log
failed: AUTH: WRONGPASS
--- no_error_log
wrong-pw

=== TEST 7: the right Redis password: stored
--- init
redis_cli('CONFIG', 'SET', 'requirepass', 'right-pw');
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT password=right-pw;
--- config
    location = /tg/webhook { mm_webhook; mm_webhook_secret "s"; }
--- more_headers
X-Telegram-Bot-Api-Secret-Token: s
--- request eval
$::Post
--- error_code: 200
--- check
is(redis_cli('-a', 'right-pw', '--no-auth-warning', 'XLEN', 'mm:updates'), 1, 'stored');
redis_cli('-a', 'right-pw', '--no-auth-warning', 'CONFIG', 'SET', 'requirepass', '');
--- no_error_log
[error]

=== TEST 8: the stream key holds another type: 503 with Redis's reason logged
--- init
redis_cli('SET', 'mm:updates', 'not a stream');
--- no_flush
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /tg/webhook { mm_webhook; mm_webhook_secret "s"; }
--- more_headers
X-Telegram-Bot-Api-Secret-Token: s
--- request eval
$::Post
--- error_code: 503
--- error_log
failed: command failed: WRONGTYPE
