# Configuration errors are caught when nginx reads its configuration.
use lib 't/lib';
use MM::TestNginx;

run_tests();

__DATA__

=== TEST 1: mm_webhook without a secret
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /tg/webhook { mm_webhook; }
--- must_die
--- error_log
"mm_webhook" requires "mm_webhook_secret"

=== TEST 2: handlers without mm_redis
--- config
    location = /healthz { mm_health; }
--- must_die
--- error_log
require "mm_redis" in the http block

=== TEST 3: a secret Telegram would refuse
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /tg/webhook { mm_webhook; mm_webhook_secret "has space"; }
--- must_die
--- error_log
may only contain A-Z, a-z, 0-9, "_" and "-"

=== TEST 4: a secret longer than 256 characters
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config eval
"location = /tg/webhook { mm_webhook; mm_webhook_secret " . ("a" x 257) . "; }"
--- must_die
--- error_log
must be 1 to 256 characters long

=== TEST 5: an unknown mm_redis parameter is refused without echoing it
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT passwd=hunter2;
--- config
    location = /healthz { mm_health; }
--- must_die
--- error_log
invalid parameter #2 of "mm_redis", expected "db=" or "password="
--- no_error_log
hunter2

=== TEST 6: mm_redis twice
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    mm_redis 127.0.0.1:6379;
--- config
    location = /healthz { mm_health; }
--- must_die
--- error_log
"mm_redis" directive is duplicate

=== TEST 7: a bad database number
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT db=x;
--- config
    location = /healthz { mm_health; }
--- must_die
--- error_log
invalid database number "db=x"

=== TEST 8: two content handlers in one location
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /x { mm_health; mm_metrics; }
--- must_die
--- error_log
the location already has a content handler

=== TEST 9: mm_webhook only in a location
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    mm_webhook;
--- must_die
--- error_log
"mm_webhook" directive is not allowed here

=== TEST 10: a unix socket address, db and password parse; db= selects the database
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT db=3;
--- config
    location = /tg/webhook { mm_webhook; mm_webhook_secret "s"; }
    location = /unused { mm_health; }
--- more_headers
X-Telegram-Bot-Api-Secret-Token: s
--- request
POST /tg/webhook
{"update_id":1}
--- error_code: 200
--- check
is(redis_cli('-n', 3, 'XLEN', 'mm:updates'), 1, 'stored in db 3');
is(redis_cli('-n', 0, 'XLEN', 'mm:updates'), 0, 'not in db 0');
redis_cli('-n', 3, 'FLUSHDB');

=== TEST 11: a unix socket address is accepted
--- http_config
    mm_redis unix:/nonexistent/redis.sock password=pw db=1;
--- config
    location = /healthz { mm_health; }
--- request
GET /healthz
--- error_code: 503
--- response_body_like
^\{"status":"unavailable","redis":"down","pid":\d+\}$

=== TEST 12: the placeholder secret of conf/production.conf is refused, saying what to do
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /tg/webhook { mm_webhook; mm_webhook_secret "replace-with-the-setWebhook-secret_token"; }
--- must_die
--- error_log
"mm_webhook_secret" directive is still the example's placeholder: set it to the secret_token given to setWebhook

=== TEST 13: a secret that only resembles the placeholder is accepted
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /tg/webhook { mm_webhook; mm_webhook_secret "replace-with-the-setWebhook-secret_token2"; }
--- more_headers
X-Telegram-Bot-Api-Secret-Token: replace-with-the-setWebhook-secret_token2
--- request
POST /tg/webhook
{"update_id":1}
--- error_code: 200
