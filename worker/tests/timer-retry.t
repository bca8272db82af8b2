# A timer whose handling keeps failing is never forgotten: a quiz's end
# that fails until its entry is dead-lettered fires again from its row
# (MM_TIMER_RETRY_S later) and ends the quiz once — before, the row was
# deleted when it fired, the dead letter kept nothing of the timer, and the
# quiz stayed open for good (its prizes neither paid nor refunded).
use strict;
use warnings;
use utf8;
use lib 'tests/lib';
use Test::More;
use JSON::PP;
use Time::HiRes qw(sleep time);
use MM::Stack;

my $s = MM::Stack->new(name => 'timer-retry', webhook => 1,
                       env => { MM_TIMER_RETRY_S => 4, MM_MAX_ATTEMPTS => 2 });
my $out = $s->set_webhook;
is($? >> 8, 0, 'webhook set') or diag $out;
$s->start_worker(0);

$s->api('POST', '/_ctl/users', { id => 101, first_name => 'Ann' });
my (undef, $g) = $s->api('POST', '/_ctl/groups', { title => 'Retry club', admin_id => 101,
                                                    member_ids => [101] });
my $G = $g->{chat_id};
for (1 .. 100) { last if $s->psql("SELECT count(*) FROM groups WHERE chat_id = $G") eq '1'; sleep 0.05 }
my ($code, $json, $err) = $s->cli('quiz', 'create', '--chat', $G, '--creator', 101, '--topic',
                                  'space', '--count', 2, '--seconds', 10, '--duration', 600);
is($code, 0, 'a quiz') or diag $err;
my $Q = (eval { decode_json($json) } || {})->{id} // 0;

# its end fails, whatever worker handles it, until the fault is lifted
$s->hold_updates('quizzes', q{NEW.status IN ('ended', 'closed')});
$s->psql("UPDATE timers SET due_at = now() WHERE kind = 'quiz_end'");
my $dead = 0;
for (1 .. 150) {
    last if ($dead = $s->redis->cli('XLEN', 'mm:updates:dead') || 0) > 0;
    sleep 0.1;
}
is($dead, 1, 'the end failed until its entry was dead-lettered');
my (undef, %letter) = $s->redis->cli('XRANGE', 'mm:updates:dead', '-', '+');
like($letter{timer} // '', qr/"kind":"quiz_end"/, 'the dead letter keeps the timer, for the record');
like($letter{error} // '', qr/held by the test/, 'and why');
is($s->psql("SELECT status FROM quizzes WHERE id = $Q"), 'active', 'the quiz is still open');
is($s->psql("SELECT count(*) FROM timers WHERE kind = 'quiz_end'"), 1,
   'its end timer is still there');

# the fault lifted: the row fires again and the quiz ends, once
$s->lift_updates('quizzes');
for (1 .. 150) {
    last if $s->psql("SELECT status FROM quizzes WHERE id = $Q") =~ /ended|closed/;
    sleep 0.1;
}
like($s->psql("SELECT status FROM quizzes WHERE id = $Q"), qr/^(ended|closed)$/,
     'fired again, it ends the quiz');
my @over;
for (1 .. 100) {
    last if @over = grep { ($_->{params}{text} // '') =~ /Quiz over/ }
                    $s->calls(chat_id => $G, method => 'sendMessage');
    sleep 0.1;
}
sleep 4.5;      # another firing, if there were one, would have come by now
@over = grep { ($_->{params}{text} // '') =~ /Quiz over/ } $s->calls(chat_id => $G, method => 'sendMessage');
is(scalar(@over), 1, 'one results message');
is($s->psql("SELECT count(*) FROM timers WHERE kind = 'quiz_end'"), 0,
   'the timer is gone with the handling');
is($s->redis->cli('XLEN', 'mm:updates:dead') || 0, 1, 'nothing else dead-lettered');
$s->stop_worker(0, 'TERM');
done_testing;
