# Reporting questions: the flag under every question, one report per
# player, the question hidden once MM_REPORT_HIDE players reported it, and
# the moderator's review queue (mm-worker review list|approve|reject).
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use JSON::PP;
use MM::Stack;

my $s = MM::Stack->new(name => 'review', webhook => 0, env => { MM_REPORT_HIDE => 3 });
my $bin = $s->worker_bin;

# a topic with a single question, so every player gets the same one
open my $fh, '|-', "$bin questions import test >/dev/null" or die;
print $fh encode_json({ topic => 'solo', question => 'Which metal is liquid at room temperature?',
    options => ['Mercury', 'Iron', 'Copper', 'Silver'], correct => 0,
    explanation => 'Mercury melts at about minus 39 degrees Celsius.', sdi => 2 }), "\n";
close $fh;
is($?, 0, 'a one-question topic imported');
$s->start_worker(0);

sub report {
    my ($id, $twice) = @_;
    my $u = { id => $id, first_name => "R$id" };
    $s->user_message($u, '/play solo');
    my @m = $s->wait_calls(chat_id => $id, method => 'sendMessage', count => 2);
    my ($flag) = grep { $_->{callback_data} =~ /^r:/ } map { @$_ } @{ $m[-1]{params}{reply_markup}{inline_keyboard} };
    my @acks;
    for (1 .. ($twice ? 2 : 1)) {
        my @before = $s->calls(method => 'answerCallbackQuery');
        $s->press($u, $m[-1]{response}{result}, $flag->{callback_data});
        @acks = $s->wait_calls(method => 'answerCallbackQuery', count => @before + 1);
    }
    return $acks[-1]{params}{text};
}

like(report(5001, 1), qr/already reported/, 'a player reports a question once');
is($s->psql('SELECT count(*) FROM question_reports'), 1, 'one report recorded');

# the flag of someone else's run (forged callback data) reports nothing
{
    my $other = { id => 5009, first_name => 'Mallory' };
    my $session = $s->psql('SELECT min(id) FROM play_sessions WHERE user_id = 5001');
    $s->user_message($other, '/start');
    my @m = $s->wait_calls(chat_id => 5009, method => 'sendMessage', count => 1);
    my @before = $s->calls(method => 'answerCallbackQuery');
    $s->press($other, $m[-1]{response}{result}, "r:$session:1");
    my @acks = $s->wait_calls(method => 'answerCallbackQuery', count => @before + 1);
    like($acks[-1]{params}{text}, qr/expired/, "a report button of another player's run is refused");
    is($s->psql('SELECT count(*) FROM question_reports WHERE user_id = 5009'), 0, 'and records nothing');
}
like(report(5002), qr/Thanks/, 'a second player');
is($s->psql("SELECT status FROM questions WHERE topic = 'solo'"), 'active', 'two reports: still served');
like(report(5003), qr/Thanks/, 'a third player');
is($s->psql("SELECT status FROM questions WHERE topic = 'solo'"), 'hidden', 'three: hidden');

# the hidden question also waits in the ready cache (as a generated one
# would, for 24 h): it is not served from there either
my $hidden = $s->psql("SELECT id FROM questions WHERE topic = 'solo'");
$s->redis->cli('RPUSH', 'mm:ready:3:solo', encode_json({ id => $hidden + 0, topic => 'solo',
    question => 'Which metal is liquid at room temperature?', options => ['Mercury', 'Iron', 'Copper', 'Silver'],
    correct => 0, explanation => 'Mercury melts at about minus 39 degrees Celsius.', sdi => 2 }));
my $u = { id => 5004, first_name => 'Late' };
$s->user_message($u, '/play solo');
my @m = $s->wait_calls(chat_id => 5004, method => 'sendMessage', count => 1);
like($m[-1]{params}{text}, qr/No questions are available on that topic/, 'a hidden question is not served');

my @queue = map { decode_json($_) } split /\n/, `$bin review list`;
is(scalar(@queue), 1, 'the review queue lists it');
is($queue[0]{reports}, 3, 'with its reports');
is($queue[0]{status}, 'hidden', 'and its state');
like(`$bin review approve $queue[0]{id}`, qr/approved/, 'a moderator approves it');
is($s->psql("SELECT status FROM questions WHERE topic = 'solo'"), 'active', 'served again');
is(`$bin review list`, '', 'its reports are cleared');
like(`$bin review reject $queue[0]{id}`, qr/rejected/, 'or rejects it');
is($s->psql("SELECT status FROM questions WHERE topic = 'solo'"), 'rejected', 'never served');
system("$bin review approve 999999 2>/dev/null");
is($? >> 8, 1, 'an unknown question id is an error');
system("$bin review frob 2>/dev/null");
is($? >> 8, 2, 'a bad subcommand is refused');
is($s->stop_worker(0), 0, 'stops cleanly');
done_testing;
