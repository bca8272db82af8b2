# Polling ingress, for a bot without public HTTPS: the worker long-polls
# getUpdates into the same stream the webhook fills.  A scripted user
# plays; a restart loses and repeats nothing; a webhook left set is named.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use Time::HiRes qw(sleep time);
use MM::Stack;

my $s = MM::Stack->new(name => 'bot-polling', webhook => 0);
$s->start_worker(0);
for (1 .. 50) { last if $s->worker_log(0) =~ /long polling getUpdates from/; sleep 0.1 }
like($s->worker_log(0), qr/long polling getUpdates from offset 0/, 'the worker polls');

my $cy = { id => 4001, first_name => 'Cy' };
$s->user_message($cy, '/start');
my ($welcome) = $s->wait_calls(chat_id => 4001, method => 'sendMessage', count => 1);
like($welcome->{params}{text}, qr/Welcome/, '/start over polling');

$s->user_message($cy, '/play maze');
my @m = $s->wait_calls(chat_id => 4001, method => 'sendMessage', count => 3);
my $q = $m[-1];
for my $n (1 .. 5) {
    like($q->{params}{text}, qr/Question $n\/5/, "question $n");
    my $data = $q->{params}{reply_markup}{inline_keyboard}[0][0]{callback_data};
    $s->press($cy, $q->{response}{result}, $data);
    @m = $s->wait_calls(chat_id => 4001, method => 'sendMessage', count => 3 + $n);
    $q = $m[-1];
}
like($q->{params}{text}, qr/Run complete/, 'a whole run played over polling');
$s->user_message($cy, '/leaderboard');
@m = $s->wait_calls(chat_id => 4001, method => 'sendMessage', count => 9);
like($m[-1]{params}{text}, qr/Leaderboards/, '/leaderboard over polling');

# stop; updates arrive while nobody polls; start: each handled once
is($s->stop_worker(0), 0, 'the worker stops');
$s->user_message($cy, "/p$_") for 1 .. 5;
$s->start_worker(0);
@m = $s->wait_calls(chat_id => 4001, method => 'sendMessage', count => 14);
my @texts = map { $_->{params}{text} =~ m{/p(\d)} ? $1 : () } @m;
is("@texts", '1 2 3 4 5', 'updates sent while it was down arrive once, in order');
sleep 1;
is(scalar($s->calls(chat_id => 4001, method => 'sendMessage')), 14, 'nothing repeated');
is($s->redis->cli('GET', 'mm:updates:poll_offset'), $s->psql('SELECT max(update_id) + 1 FROM processed_updates'),
   'the offset is kept in Redis');

# a webhook left set: getUpdates answers 409, the worker says what to do
$s->api('POST', "/bot$MM::Stack::Token/setWebhook", { url => 'http://127.0.0.1:9/x' });
sleep 3;
like($s->worker_log(0), qr/getUpdates refused: Conflict: can't use getUpdates method while webhook is active.*run mm-worker delete-webhook/,
     'a webhook blocking getUpdates is reported with the fix');
my $out = `env DATABASE_URL=unused TELEGRAM_TOKEN=$MM::Stack::Token TELEGRAM_API_BASE=@{[$s->api_url]} @{[$s->worker_bin]} delete-webhook 2>&1`;
is($? >> 8, 0, 'delete-webhook') or diag $out;
$s->user_message($cy, '/p6');
@m = $s->wait_calls(chat_id => 4001, method => 'sendMessage', count => 15);
like($m[-1]{params}{text}, qr{/p6}, 'polling resumes after delete-webhook');

is($s->stop_worker(0), 0, 'stops cleanly');
done_testing;
