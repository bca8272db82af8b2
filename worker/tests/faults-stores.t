# Restart faults through the whole stack, the stores (MM::Faults: nginx +
# ngx_mm_module on the webhook, Redis with its append-only file, PostgreSQL,
# the Bot API emulator, the local NEAR node, two mm-worker processes;
# players keep playing practice runs and sending commands, a withdrawal is
# in flight each time):
#   0. Redis SIGKILLed and started again while idle, then a withdrawal;
#   1. Redis SIGKILLed during a burst of webhooks and started again on the
#      same data directory 2 s later (the edge answers 503, the emulator
#      delivers again, as Telegram does);
#   2. Redis SIGKILLed again while the workers consume a backlog;
#   3. PostgreSQL stopped (pg_ctl stop -m fast) mid-burst and started 2 s later.
# After each: every update the edge acknowledged is processed once in
# effect, every reply is sent, no payout doubled; at the end every payout
# is paid by one transaction and each player was told; the
# workers recover without being restarted; their logs are JSON without
# secrets.
#
# Redis runs with appendonly yes and appendfsync always: the edge answers
# Telegram 200 only after Redis said OK to the XADD, and an update answered
# 200 is never sent again, so the OK must mean "on disk".  With everysec a
# SIGKILL of the process alone loses nothing written to the kernel, but
# Redis postpones the write (and still answers) while a background fsync
# is slow, and a crash of the machine loses up to a second of acknowledged
# updates; always costs one fsync per event-loop batch, not per update.
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

my $f = MM::Faults->new(name => 'faults-stores', players => 24, base => 4000);
my $s = $f->stack;
my $wanda = { id => 4901, first_name => 'Wanda' };
my $walt = { id => 4902, first_name => 'Walt' };
$f->wallet($_, 5) for $wanda, $walt;

# everyone in a practice run before the first fault
$f->drive(seconds => 2);
$f->settle('before any fault', 60);

# the edge answers /healthz 200 again; returns the seconds that took
sub edge_back {
    my $t0 = time;
    sleep 0.05 until $f->edge_up || time - $t0 > 30;
    return time - $t0;
}

# 0. Redis SIGKILLed and started again while nothing happens; then a
#    withdrawal: paid at once (the workers' connections to the old Redis
#    are stale, not broken for good)
my %fig;
my $wil = { id => 4903, first_name => 'Wil' };
$f->wallet($wil, 5);
ok($s->redis->crash, 'Redis SIGKILLed while the stack is idle');
ok($s->redis->start, 'and started again');
$fig{edge0} = edge_back();
sleep 1;
my @before = $s->calls(chat_id => $wil->{id}, method => 'sendMessage');
$f->withdraw($wil, '0.1');
my @told = $s->wait_calls(chat_id => $wil->{id}, method => 'sendMessage', count => @before + 2,
                          timeout => 20);
like($told[-1]{params}{text} // '', qr/✅ Sent 0\.1 NEAR to/,
     'with Redis back and nothing failing, the withdrawal is sent at once')
    or diag $s->psql("SELECT id, state, attempts, coalesce(last_error, '') FROM payouts "
                     . "WHERE signer_id = 'user4903.quizbot.testnet'");

# 1. Redis SIGKILLed during the burst, a withdrawal in flight
is($s->redis->cli('CONFIG', 'GET', 'appendfsync'), "appendfsync\nalways", 'Redis syncs its AOF on every write');
$f->withdraw($wanda, '0.5', 1);
$f->drive(seconds => 6, at => {
    1 => sub {
        $s->redis->cli('SET', 'faults:canary', 'written just before the kill');
        ok($s->redis->crash, 'Redis SIGKILLed mid-burst');
    },
    3 => sub {
        ok($s->redis->start, 'Redis started again on the same directory (AOF)');
        is($s->redis->cli('GET', 'faults:canary'), 'written just before the kill',
           'what Redis acknowledged before the kill is there');
        $fig{edge1} = edge_back();
    } });
$fig{settle1} = $f->settle('after Redis was killed mid-burst', 90, payouts_later => 1);
diag(sprintf('Redis killed mid-burst: the edge answered 200 %.2f s after Redis was back; '
             . 'settled %.1f s after the burst', $fig{edge1}, $fig{settle1} // -1));
$f->check('Redis killed mid-burst');

# 2. Redis SIGKILLed while the workers consume a backlog: a burst of
#    commands from every player, Redis killed once a third of it is
#    processed, another withdrawal in flight
$f->withdraw($walt, '0.25', 1);
my $base = $s->psql('SELECT count(*) FROM processed_updates');
my ($at, $backlog);
my $burst = $f->burst(count => 20, poll => sub {
    my $done = $s->psql('SELECT count(*) FROM processed_updates') - $base;
    return 0 if $done < 150;
    my $stored = 0;
    $stored += $s->redis->cli('XLEN', $_) for grep { /^mm:updates(:p:\d+)?$/ } $s->redis->cli('KEYS', 'mm:updates*');
    return 0 unless $stored;    # entries acknowledged by the edge, not yet by a worker
    ok($s->redis->crash, "Redis SIGKILLed during consumption ($done processed, $stored in the streams)");
    ($at, $backlog) = ($done, $stored);
    return 1;
});
ok($backlog, "the workers had a backlog when Redis died ($backlog entries)");
sleep 1;
ok($s->redis->start, 'Redis started again');
$fig{edge2} = edge_back();
$fig{settle2} = $f->settle('after Redis was killed during consumption', 90, payouts_later => 1);
diag(sprintf('Redis killed during consumption (%d of %d processed, %d entries in the streams): '
             . 'the edge back in %.2f s, settled in %.1f s', $at // -1, $burst, $backlog // -1,
             $fig{edge2}, $fig{settle2} // -1));
$f->check('Redis killed during consumption');

# 3. PostgreSQL stopped with -m fast mid-burst and started 2 s later; the
#    first withdrawal's player asks for another meanwhile
$f->withdraw($wanda, '0.75', 1);
my ($pg_up, $first_commit);
$f->drive(seconds => 6, at => {
    1 => sub { ok(eval { $s->pg->server_stop('fast'); 1 }, 'PostgreSQL stopped (-m fast) mid-burst') or diag $@ },
    3 => sub {
        ok(eval { $s->pg->server_start; 1 }, 'PostgreSQL started again') or diag $@;
        $pg_up = time;
        my $t = time;
        sleep 0.05 until $s->psql("SELECT count(*) FROM processed_updates WHERE processed_at > now() - interval '1 s'") > 0
                         || time - $t > 30;
        $first_commit = time - $pg_up;
    } });
$fig{settle3} = $f->settle('after PostgreSQL was restarted mid-burst', 90, payouts_later => 1);
diag(sprintf('PostgreSQL restarted mid-burst: the first update committed %.2f s after it was up; '
             . 'settled %.1f s after the burst', $first_commit // -1, $fig{settle3} // -1));
$f->check('PostgreSQL restarted mid-burst');

# the withdrawals: each paid once (100 s is more than three times the
# chain thread's 30 s sweep)
$f->settle('the withdrawals', 100);
# the chain thread settles a stalled withdrawal every 30 s (README): with
# a few seconds for the node, 45 s
$f->check('at the end', payouts_final => 1, payout_within => 45);

$f->finish;
done_testing;
