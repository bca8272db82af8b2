# A Bot API that pushes back: 429 with retry_after, 500s, a proxy's 502
# page, a hang, and a permanent 400.  Replies still arrive, in order per
# chat, after the pause Telegram asked for; a permanent error is recorded
# and does not block what follows; an outage longer than MM_OUTBOX_GIVE_UP
# ends in a failure only once the reply is that old.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use Time::HiRes qw(sleep time);
use MM::Stack;

my $s = MM::Stack->new(name => 'bot-flaky', webhook => 1);
my $out = `env DATABASE_URL=unused TELEGRAM_TOKEN=$MM::Stack::Token TELEGRAM_API_BASE=@{[$s->api_url]} WEBHOOK_URL=@{[$s->webhook_url]} WEBHOOK_SECRET=$MM::Stack::Secret @{[$s->worker_bin]} set-webhook 2>&1`;
is($? >> 8, 0, 'webhook set') or diag $out;
$s->start_worker(0);

my $ann = { id => 2001, first_name => 'Ann' };
my $bob = { id => 2002, first_name => 'Bob' };

# Ann's chat: a 429 asking for 2 s, two 500s and a 502 from a proxy
$s->faults(chat_id => 2001, method => 'sendMessage', responses => [
    { status => 429, retry_after => 2 }, { status => 500 }, { status => 500 },
    { status => 502, body => '<html><body>502 Bad Gateway</body></html>' } ]);
my $t0 = time;
$s->user_message($ann, "/c$_") for 1 .. 5;
$s->user_message($bob, '/c1');

# Bob is not held up by Ann's trouble
my ($b1) = $s->wait_calls(chat_id => 2002, method => 'sendMessage', count => 1);
cmp_ok($b1->{at_ms} / 1000 - $t0, '<', 1.5, 'another chat is served meanwhile');

my @ok = grep { $_->{status} == 200 }
         $s->wait_calls(chat_id => 2001, method => 'sendMessage', count => 9, timeout => 30);
my @texts = map { $_->{params}{text} =~ m{/c(\d)} ? $1 : '?' } @ok;
is("@texts", '1 2 3 4 5', 'every reply arrived, in order');
my @all = $s->calls(chat_id => 2001, method => 'sendMessage');
is_deeply([map { $_->{status} } @all[0 .. 3]], [429, 500, 500, 502], 'after the faults');
cmp_ok(($ok[0]{at_ms} - $all[0]{at_ms}) / 1000, '>=', 2, 'the first retry waited retry_after');
my $log = $s->worker_log(0);
like($log, qr/Too Many Requests: retry after 2; retrying in 2000 ms/, 'the 429 is logged with its pause');
like($log, qr/not a Bot API answer; retrying/, 'the proxy page is classified as retryable');

# a permanent error: recorded, not retried, and the chat goes on
$s->faults(chat_id => 2002, method => 'sendMessage', responses => [ { status => 400,
    description => 'Bad Request: chat not found' } ]);
my @before = $s->calls(chat_id => 2002, method => 'sendMessage');
$s->user_message($bob, '/c2');
$s->user_message($bob, '/c3');
my @b = $s->wait_calls(chat_id => 2002, method => 'sendMessage', count => @before + 2);
is($b[-2]{status}, 400, 'a permanent error is not retried');
like($b[-1]{params}{text}, qr{/c3}, 'and does not block the next reply');
sleep 0.5;
is($s->psql("SELECT last_error FROM outbox WHERE failed_at IS NOT NULL"), 'Bad Request: chat not found',
   'the failure is recorded with Telegram\'s description');
like($s->worker_log(0), qr/"chat_id":2002,"msg":"sendMessage failed for good: Bad Request: chat not found"/,
     'and logged once');

# answering a button press does not wait behind the chat's pause
$s->faults(chat_id => 2002, method => 'sendMessage', responses => [ { status => 429, retry_after => 3 } ]);
$s->user_message($bob, '/c4');
sleep 0.5;
my $t1 = time;
$s->press($bob, $b1->{response}{result}, 'm:help');
my ($ack) = grep { $_->{params}{callback_query_id} } $s->wait_calls(method => 'answerCallbackQuery', count => 1);
cmp_ok($ack->{at_ms} / 1000 - $t1, '<', 1, 'the button press is answered at once');
my @after = $s->wait_calls(chat_id => 2002, method => 'sendMessage', count => @before + 5, timeout => 10);
my @t = map { $_->{params}{text} =~ m{/c(\d)} ? "c$1" : $_->{params}{text} =~ /Mental Maze/ ? 'help' : '?' }
        grep { $_->{status} == 200 } @after;
is("@t[-2, -1]", 'c4 help', 'the paused reply still comes first, then the help');
cmp_ok(($after[-2]{at_ms} - $after[-3]{at_ms}) / 1000, '>=', 3, 'after retry_after');

is($s->stop_worker(0), 0, 'stops cleanly');

# an outage longer than MM_OUTBOX_GIVE_UP (3 s here): 5xx retried until
# the reply is that old, not for a number of tries, the chat's next reply
# (2.5 s younger) waiting behind it; then it fails for good and the next one
# goes, retried while it is young
$s->start_worker(1, MM_OUTBOX_GIVE_UP => 3);
my $cy = { id => 2003, first_name => 'Cy' };
$s->faults(chat_id => 2003, method => 'sendMessage', responses => [map { { status => 503 } } 1 .. 50]);
$s->user_message($cy, '/c1');
sleep 2.5;
$s->user_message($cy, '/c2');
my $t2 = time;
sleep 0.2 until $s->psql("SELECT count(*) FROM outbox WHERE chat_id = 2003 AND failed_at IS NOT NULL")
                || time - $t2 > 15;
$s->faults(clear => 1);
$t2 = time;
sleep 0.2 until grep({ $_->{status} == 200 } $s->calls(chat_id => 2003, method => 'sendMessage'))
                || time - $t2 > 40;
my @c1 = grep { $_->{params}{text} =~ m{/c1} } $s->calls(chat_id => 2003, method => 'sendMessage');
my @c2 = grep { $_->{params}{text} =~ m{/c2} } $s->calls(chat_id => 2003, method => 'sendMessage');
is($s->psql("SELECT count(*) FROM outbox WHERE chat_id = 2003 AND failed_at IS NOT NULL"), 1,
   'the first reply failed for good once it was older than MM_OUTBOX_GIVE_UP');
cmp_ok(($c1[-1]{at_ms} - $c1[0]{at_ms}) / 1000, '>=', 3, 'retried for 3 s')
    and cmp_ok(scalar @c1, '>=', 4, "in $#c1 retries, the pauses doubling");
ok(@c2 && $c2[0]{at_ms} >= $c1[-1]{at_ms}, 'the next reply of the chat waited behind it');
is($c2[-1]{status}, 200, 'and was sent once the API was back');
like($s->worker_log(1), qr/"chat_id":2003,"msg":"sendMessage failed for good \(retried too long\)/,
     'the give-up is logged');
is($s->stop_worker(1), 0, 'stops cleanly');
done_testing;
