# The webhook: what is stored, what is refused, and that refusals store nothing.
use lib 't/lib';
use MM::TestNginx;

our $Update = '{"update_id":873201554,"message":{"message_id":48211,"from":{"id":5127384901,"is_bot":false,"first_name":"Adaeze"},"chat":{"id":-1001873520946,"title":"Mental Maze \u2014 Friday","type":"supergroup"},"date":1732813521,"text":"\/quiz@MentalMazeBot history \ud83c\udfc6"}}';

sub stored { scalar grep { /^\d+-\d+$/ } redis_cli('XRANGE', 'mm:updates', '-', '+') }

run_tests();

__DATA__

=== TEST 1: an update is stored byte for byte, with its id and receive time
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /tg/webhook { mm_webhook; mm_webhook_secret "s3cret-Token_1"; }
--- more_headers
X-Telegram-Bot-Api-Secret-Token: s3cret-Token_1
Content-Type: application/json
--- request eval
"POST /tg/webhook\n$::Update"
--- error_code: 200
--- response_body chomp
--- check
my @e = redis_cli('XRANGE', 'mm:updates', '-', '+');
is(scalar @e, 7, 'one entry of three fields');
is($e[1], 'update', 'field update');
is($e[2], $::Update, 'the body, byte for byte');
is($e[3], 'update_id', 'field update_id');
is($e[4], '873201554', 'the update id');
is($e[5], 'received_at', 'field received_at');
ok(abs($e[6] / 1000 - time) < 60, 'received_at is unix milliseconds');
--- no_error_log
[error]

=== TEST 2: mm_stream chooses the stream
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /tg/webhook { mm_webhook; mm_webhook_secret "s"; mm_stream bot:7:in; }
--- more_headers
X-Telegram-Bot-Api-Secret-Token: s
--- request
POST /tg/webhook
{"update_id":1}
--- error_code: 200
--- check
is(redis_cli('XLEN', 'bot:7:in'), 1, 'in the configured stream');
is(redis_cli('XLEN', 'mm:updates'), 0, 'not in the default one');

=== TEST 3: the secret and stream are inherited from the server level
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    mm_webhook_secret "srv";
    mm_stream srv:updates;
    location = /tg/webhook { mm_webhook; }
--- more_headers
X-Telegram-Bot-Api-Secret-Token: srv
--- request
POST /tg/webhook
{"update_id":2}
--- error_code: 200
--- check
is(redis_cli('XLEN', 'srv:updates'), 1, 'stored');

=== TEST 4: no secret header: 401, nothing stored
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /tg/webhook { mm_webhook; mm_webhook_secret "s3cret"; }
--- request
POST /tg/webhook
{"update_id":3}
--- error_code: 401
--- response_body
missing secret token
--- check
is(main::stored(), 0, 'nothing stored');
--- error_log
webhook refused: no X-Telegram-Bot-Api-Secret-Token

=== TEST 5: wrong secrets (other value, prefix, longer, empty, other case): 403, nothing stored
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /tg/webhook { mm_webhook; mm_webhook_secret "s3cret"; }
--- request eval
[map { "POST /tg/webhook\n{\"update_id\":4}" } 1..5]
--- more_headers eval
["X-Telegram-Bot-Api-Secret-Token: wrong!",
 "X-Telegram-Bot-Api-Secret-Token: s3cre",
 "X-Telegram-Bot-Api-Secret-Token: s3cret0",
 "X-Telegram-Bot-Api-Secret-Token: ",
 "X-Telegram-Bot-Api-Secret-Token: S3CRET"]
--- error_code eval
[403, 403, 403, 403, 403]
--- check
is(main::stored(), 0, 'nothing stored');
--- error_log
webhook refused: wrong X-Telegram-Bot-Api-Secret-Token

=== TEST 6: methods other than POST: 405 with Allow, nothing stored
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /tg/webhook { mm_webhook; mm_webhook_secret "s"; }
--- more_headers
X-Telegram-Bot-Api-Secret-Token: s
--- request eval
["GET /tg/webhook", "PUT /tg/webhook\n{\"update_id\":5}", "HEAD /tg/webhook", "DELETE /tg/webhook"]
--- error_code eval
[405, 405, 405, 405]
--- response_headers eval
["Allow: POST", "Allow: POST", "Allow: POST", "Allow: POST"]
--- check
is(main::stored(), 0, 'nothing stored');

=== TEST 7: bodies that are not a Telegram update: 400 with the reason, nothing stored
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /tg/webhook { mm_webhook; mm_webhook_secret "s"; }
--- more_headers
X-Telegram-Bot-Api-Secret-Token: s
--- request eval
["POST /tg/webhook\n",
 "POST /tg/webhook\n{\"update_id\":",
 "POST /tg/webhook\n[1,2]",
 "POST /tg/webhook\n{\"message\":{}}",
 "POST /tg/webhook\n{\"update_id\":\"6\"}",
 "POST /tg/webhook\n{\"update_id\":6.5}",
 "POST /tg/webhook\n{\"update_id\":-6}",
 "POST /tg/webhook\n{\"update_id\":6,\"update_id\":7}",
 "POST /tg/webhook\n{\"update_id\":6} trailing",
 "POST /tg/webhook\n{\"update_id\":6,\"message\":{\"text\":\"\xff\"}}",
 "POST /tg/webhook\n{\"message\":{\"update_id\":6}}"]
--- error_code eval
[(400) x 11]
--- response_body_like eval
[qr/empty/, qr/JSON/, qr/object/, qr/update_id.*missing/, qr/update_id.*integer/,
 qr/update_id.*integer/, qr/update_id.*integer/, qr/update_id/, qr/JSON/, qr/JSON/,
 qr/update_id.*missing/]
--- check
is(main::stored(), 0, 'nothing stored');
--- no_error_log
[error]

=== TEST 8: a body above client_max_body_size: 413 by nginx itself, nothing stored
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    client_max_body_size 1k;
    location = /tg/webhook { mm_webhook; mm_webhook_secret "s"; }
    location = /metrics { mm_metrics; }
--- more_headers
X-Telegram-Bot-Api-Secret-Token: s
--- request eval
"POST /tg/webhook\n{\"update_id\":8,\"pad\":\"" . ("x" x 2000) . "\"}"
--- error_code: 413
--- check
is(main::stored(), 0, 'nothing stored');
metrics_like(qr/^mm_webhook_responses_total\{code="413"\} 1$/m, '413 counted');

=== TEST 9: a chunked body above client_max_body_size: 413, nothing stored
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    client_max_body_size 1k;
    location = /tg/webhook { mm_webhook; mm_webhook_secret "s"; }
--- raw_request eval
"POST /tg/webhook HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nX-Telegram-Bot-Api-Secret-Token: s\r\nTransfer-Encoding: chunked\r\n\r\n"
. "800\r\n" . ("x" x 2048) . "\r\n0\r\n\r\n"
--- error_code: 413
--- check
is(main::stored(), 0, 'nothing stored');

=== TEST 10: a chunked update is stored whole
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /tg/webhook { mm_webhook; mm_webhook_secret "s"; }
--- raw_request eval
"POST /tg/webhook HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nX-Telegram-Bot-Api-Secret-Token: s\r\nTransfer-Encoding: chunked\r\n\r\n"
. "5\r\n{\"upd\r\n" . "b\r\nate_id\":10}\r\n0\r\n\r\n"
--- error_code: 200
--- check
my @e = redis_cli('XRANGE', 'mm:updates', '-', '+');
is($e[2], '{"update_id":10}', 'reassembled body');

=== TEST 11: a body nginx buffered to a temporary file is stored byte for byte
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    client_body_buffer_size 1k;
    location = /tg/webhook { mm_webhook; mm_webhook_secret "s"; }
--- more_headers
X-Telegram-Bot-Api-Secret-Token: s
--- request eval
"POST /tg/webhook\n{\"update_id\":11,\"pad\":\"" . ("y" x 5000) . "\"}"
--- error_code: 200
--- check
my @e = redis_cli('XRANGE', 'mm:updates', '-', '+');
is(length $e[2], 5025, 'whole body');
like($e[2], qr/^\{"update_id":11,"pad":"y{5000}"\}$/, 'same bytes');
--- error_log
a client request body is buffered to a temporary file

=== TEST 12: keep-alive: two updates on one connection, both stored in order
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /tg/webhook { mm_webhook; mm_webhook_secret "s"; }
--- raw_request eval
"POST /tg/webhook HTTP/1.1\r\nHost: localhost\r\nX-Telegram-Bot-Api-Secret-Token: s\r\nContent-Length: 17\r\n\r\n{\"update_id\":121}"
. "POST /tg/webhook HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nX-Telegram-Bot-Api-Secret-Token: s\r\nContent-Length: 17\r\n\r\n{\"update_id\":122}"
--- error_code: 200
--- check
my @ids = grep { /^12[12]$/ } redis_cli('XRANGE', 'mm:updates', '-', '+');
is("@ids", "121 122", 'both, in order');
like($main::responses[0]{raw}, qr/\A(HTTP\/1\.1 200 OK\r\n.*?\r\n\r\n){2}\z/s, 'two 200 responses');

=== TEST 13: a top-level "mm_" field is the worker's own (mm_timer): 400 naming it, nothing stored
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /tg/webhook { mm_webhook; mm_webhook_secret "s"; }
    location = /metrics { mm_metrics; }
--- more_headers
X-Telegram-Bot-Api-Secret-Token: s
--- request eval
["POST /tg/webhook\n{\"update_id\":13,\"mm_timer\":{\"kind\":\"q_timeout\",\"chat_id\":1,\"user_id\":1}}",
 "POST /tg/webhook\n{\"mm_timer\":{\"kind\":\"q_timeout\",\"chat_id\":1}}",
 "POST /tg/webhook\n{\"update_id\":13,\"mm\\u005ftimer\":{}}",
 "POST /tg/webhook\n{\"update_id\":13,\"mm_" . ("x" x 100) . "\":1}",
 "POST /tg/webhook\n{\"update_id\":13,\"mm_\":1"]
--- error_code eval
[(400) x 5]
--- response_body eval
["reserved field \"mm_timer\"\n",
 "reserved field \"mm_timer\"\n",
 "reserved field \"mm\\u005ftimer\"\n",
 "reserved field \"mm_" . ("x" x 61) . "\"...\n",
 "body is not valid JSON\n"]
--- check
is(main::stored(), 0, 'nothing stored');
metrics_like(qr/^mm_webhook_responses_total\{code="400"\} 5$/m, 'five 400s counted');
--- error_log
webhook refused: reserved field "mm_timer"
--- no_error_log
[error]

=== TEST 14: "mm_" below the top level, or in another case, is an ordinary field: stored
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /tg/webhook { mm_webhook; mm_webhook_secret "s"; }
--- more_headers
X-Telegram-Bot-Api-Secret-Token: s
--- request eval
["POST /tg/webhook\n{\"update_id\":141,\"message\":{\"text\":\"mm_timer\",\"mm_timer\":{}}}",
 "POST /tg/webhook\n{\"update_id\":142,\"MM_timer\":1,\"mmx\":2}"]
--- error_code eval
[200, 200]
--- check
my @ids = grep { /^14[12]$/ } redis_cli('XRANGE', 'mm:updates', '-', '+');
is("@ids", "141 142", 'both stored');
