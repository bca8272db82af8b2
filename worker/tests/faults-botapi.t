# Restart faults through the whole stack, the Bot API (MM::Faults: nginx +
# ngx_mm_module on the webhook, Redis with its append-only file,
# PostgreSQL, the Bot API emulator, the local NEAR node, two mm-worker
# processes; players keep playing practice runs and sending commands, a
# withdrawal is in flight): the Bot API fails for MM_FAULTS_API_OUTAGE
# seconds (default 60, as the issue says) — first every call answered 500,
# 502 (a proxy's HTML page) or 503, then the emulator paused with SIGSTOP
# (connections hang: the sender's 30 s timeout runs out) — and comes back.
# Meanwhile Telegram goes on delivering updates while it answers errors
# (the pause stops those too).  Then every update the edge acknowledged is
# processed once in effect, every reply is sent (duplicates only for calls
# in flight when the API hung), the withdrawal is paid once, the workers
# were never restarted and their logs are JSON without secrets.
use strict;
use warnings;
use utf8;
use lib 'tests/lib';
use Test::More;
use Time::HiRes qw(sleep time);
use MM::Faults;
use MM::Pg;

plan skip_all => 'PostgreSQL is not installed' unless MM::Pg::available();
binmode(Test::More->builder->$_, ":encoding(UTF-8)") for qw(output failure_output todo_output);

my $outage = $ENV{MM_FAULTS_API_OUTAGE} || 60;
my $hang = $outage > 40 ? 35 : int($outage / 2);    # the last part: no answer at all
my $errors = $outage - $hang;

my $f = MM::Faults->new(name => 'faults-botapi', players => 20, base => 5000);
my $s = $f->stack;
my $wes = { id => 5901, first_name => 'Wes' };
$f->wallet($wes, 5);
$f->drive(seconds => 2);
$f->settle('before the outage', 60);

# errors: every Bot API call fails; updates keep coming, a withdrawal is in flight
$f->withdraw($wes, '0.5', 1);
my $t_down = time;
my $html = '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad '
         . 'Gateway</h1></center><hr><center>nginx</center></body></html>';
my $q = $s->faults(responses => [map { ({ status => 500 }, { status => 502, body => $html },
                                        { status => 503 }) } 1 .. 10_000]);
ok($q->{ok}, "the Bot API answers 5xx to every call for $errors s");
$f->drive(seconds => $errors, every => 1);
my $failed = $s->api('GET', '/_ctl/stats')->{faults_consumed} // 0;
$s->faults(clear => 1);

# no answer at all: the emulator paused (no deliveries either)
kill 'STOP', $s->{api_pid};
$f->{api_paused} = 1;
pass("the Bot API stops answering for $hang s (SIGSTOP)");
sleep $hang;
kill 'CONT', $s->{api_pid};
$f->{api_paused} = 0;
my $t_up = time;
pass(sprintf('the Bot API is back after %.0f s', $t_up - $t_down));

# a little more play once it is back, then everything settles
$f->drive(seconds => 2);
my $took = $f->settle('after the Bot API outage', 120, payouts_later => 1);
diag(sprintf('Bot API down %.0f s (%d calls answered 5xx, then %d s without an answer): '
             . 'settled %.1f s after it was back', $t_up - $t_down, $failed, $hang,
             defined $took ? time - $t_up : -1));
my $failed_for_good = $s->psql('SELECT count(*) FROM outbox WHERE failed_at IS NOT NULL');
diag("replies the sender gave up on during the outage: $failed_for_good") if $failed_for_good;
# a reply is sent twice only when its call was in flight as the API hung:
# the sender timed out and sent it again, and the emulator, woken up, had
# executed the first one too
my $timeouts = () = join('', map { $s->log_since($_, 0) } glob($s->dir . '/logs/worker*.log'))
                    =~ /"sender".{0,200}Timeout was reached/g;
diag("sends that timed out while the API hung: $timeouts");
$f->check('Bot API outage', max_dupes => $timeouts);
$f->settle('the withdrawal', 150);
$f->check('at the end', payouts_final => 1, max_dupes => $timeouts);
$f->finish;
done_testing;
