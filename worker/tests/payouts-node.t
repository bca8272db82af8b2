# The payout ledger against the stateful local NEAR node
# (worker/tests/near-peer/node.mjs): a payer SIGKILLed between signing and
# recording the hash, one SIGKILLed after the node applied its transfer but
# before it heard so, one SIGKILLed while the node sat on its transaction,
# and two payers sharing the operator's key over 40 payouts — after a
# restart every reward is paid exactly once on the node.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use JSON::PP;
use POSIX ();
use Time::HiRes qw(sleep time);
use MM::NearNode;
use MM::Pg;
use MM::Stores;

plan skip_all => 'PostgreSQL is not installed' unless MM::Pg::available();
my $json = JSON::PP->new->canonical;
my $master = do { open my $f, '<', 'worker/tests/near-vectors/vectors.json' or die; local $/;
                  $json->decode(<$f>)->{keys}{master} };
my $near = '000000000000000000000000';
my ($pg, $redis) = MM::Stores::start('payouts-node');
my $dir = 't/servroot-payouts-node';

my %accounts = ('quizbot.testnet' => { amount => "1000$near", keys => [{ public_key => $master->{public_key},
                                                                         nonce => 0 }] });
$accounts{"w$_.testnet"} = { amount => '0', keys => [] } for 1 .. 6;
my $node = MM::NearNode->new(dir => $dir, accounts => \%accounts);
sub paid_to { $node->paid_to(@_) }
sub balance { $node->state->{accounts}{$_[0]}{amount} }

$ENV{NEAR_WALLET_ADDRESS} = 'quizbot.testnet';
$ENV{NEAR_WALLET_PRIVATE_KEY} = $master->{secret_key};
$ENV{NEAR_RPC_ENDPOINT} = $node->url;
$ENV{NEAR_RPC_BACKOFF_MS} = 20;
$ENV{NEAR_RPC_TIMEOUT_MS} = 1000;
$ENV{NEAR_SIGNER_WAIT_MS} = 2000;

sub add { my ($purpose, $to) = @_;
    my $out = `build/mm-worker payouts add $purpose $to NEAR 1$near`;
    return $json->decode($out)->{id} }
sub payer {                             # a payer in the background
    my %env = @_;
    my $pid = fork // die;
    if ($pid == 0) {
        $ENV{$_} = $env{$_} for keys %env;
        open STDOUT, '>>', "$dir/payer.log";
        open STDERR, '>&', \*STDOUT;
        exec 'build/mm-worker', 'payouts', 'run';
    }
    return $pid;
}
sub run_payer { my $pid = payer(@_); waitpid $pid, 0; return $? >> 8 }
# a killed payer's signer lease (one signer per key across processes) runs
# out after 60 s; the tests let it run out now
sub lease_expires { $redis->cli('DEL', "mm:near:signer:quizbot.testnet:$master->{public_key}") }
sub state_of { $pg->psql("SELECT state FROM payouts WHERE id = $_[0]") }

# 1. SIGKILL between signing and recording the hash: the row is locked by
#    another session, so the payer signs and then waits on its UPDATE
my $p1 = add('crash:sign', 'w1.testnet');
open my $lock, '|-', "psql -X -q -h 127.0.0.1 -p $pg->{port} -U postgres -d $pg->{db} >/dev/null" or die;
select((select($lock), $| = 1)[0]);
print $lock "BEGIN; SELECT 1 FROM payouts WHERE id = $p1 FOR UPDATE;\n";
sleep 0.3;
my $k1 = payer();
my $t0 = time;
sleep 0.05 until $pg->psql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                           . "AND query LIKE 'UPDATE payouts SET state = ''signed''%'") || time - $t0 > 10;
ok(time - $t0 < 10, 'the payer signed and is recording the hash');
kill 'KILL', $k1;
waitpid $k1, 0;
lease_expires();
print $lock "ROLLBACK;\n";
close $lock;
is(paid_to('w1.testnet'), 0, 'nothing reached the node');
run_payer();
is(state_of($p1), 'paid', 'after a restart the reward is paid');
is(paid_to('w1.testnet'), 1, 'by one transaction');
is(balance('w1.testnet'), "1$near", 'once');

# A payer SIGKILLed once the node has its transaction under a fault, and
# a restart: the row kept its signed bytes, and they are what is sent.
sub crash_sending {
    my ($to, $fault, $arrived) = @_;
    my $id = add("crash:$fault", $to);
    $node->fault(method => 'send_tx', kind => $fault);
    my $pid = payer(NEAR_RPC_TIMEOUT_MS => 20000);
    my $t0 = time;
    sleep 0.05 until $arrived->($id) || time - $t0 > 10;
    sleep 0.2;
    kill 'KILL', $pid;
    waitpid $pid, 0;
    lease_expires();
    is(state_of($id), 'signed', "$fault: killed while sending, the row is signed, its bytes kept");
    return $id;
}

# 2. after the node applied the transfer, before the payer heard so
my $p2 = crash_sending('w2.testnet', 'drop_after_apply', sub { paid_to('w2.testnet') });
run_payer();
is(state_of($p2), 'paid', 'the restart resends the same bytes and learns they landed');
is(paid_to('w2.testnet'), 1, 'one transaction');
is(balance('w2.testnet'), "1$near", 'paid once');

# 3. while the node sat on the transaction without applying it
my $p3 = crash_sending('w3.testnet', 'hold', sub { state_of($_[0]) eq 'signed' });
is(paid_to('w3.testnet'), 0, 'held: nothing applied');
run_payer();
is(state_of($p3), 'paid', 'the restart sends the same bytes, which land');
is(paid_to('w3.testnet'), 1, 'one transaction');

# 5. the node answers TIMEOUT_ERROR after accepting: the payer asks by hash
my $p5 = add('timeout:error', 'w1.testnet');
$node->fault(method => 'send_tx', kind => 'timeout_error');
run_payer();
is(state_of($p5), 'paid', 'TIMEOUT_ERROR after accepting: found by hash, paid');
is(paid_to('w1.testnet'), 2, 'by one more transaction');

# 6. someone else used the operator's key: the cached nonce is stale, the
#    node says InvalidNonce, the payer re-reads the nonce and pays once
my $ak = $json->decode(`build/mm-worker near nonce quizbot.testnet $master->{public_key}`)->{nonce};
my $head = $json->decode(`build/mm-worker near block`)->{hash};
my $desc = $json->encode({ signer_id => 'quizbot.testnet', secret_key => $master->{secret_key},
                           receiver_id => 'w6.testnet', nonce => $ak + 1000, block_hash => $head,
                           actions => [{ Transfer => { deposit => '1' } }] });
my $sent = `echo '$desc' | build/mm-worker near sign | build/mm-worker near send quizbot.testnet 2>&1`;
is($? >> 8, 0, 'another client used the key with a nonce far ahead') or diag $sent;
my $p6 = add('stale:nonce', 'w6.testnet');
my $refused = $node->counts->{refused}{InvalidNonce} // 0;
run_payer();
is($node->counts->{refused}{InvalidNonce}, $refused + 1, 'the node refused the stale nonce once');
is(state_of($p6), 'paid', 'InvalidNonce: rebuilt with the fresh nonce and paid');
is(paid_to('w6.testnet'), 2, 'one payout transaction besides the other client\'s');

# 4. two payers sharing the key
my @ids = map { add("pair:$_", 'w' . (4 + $_ % 3) . '.testnet') } 1 .. 40;
my @kids = map { my $i = $_; my $pid = fork // die;
    if ($pid == 0) {
        for (1 .. 30) {
            system('build/mm-worker payouts run >/dev/null 2>&1');
            last unless $pg->psql("SELECT count(*) FROM payouts WHERE state IN ('pending', 'signed')");
        }
        POSIX::_exit(0);
    }
    $pid } 1 .. 2;
waitpid $_, 0 for @kids;
is($pg->psql("SELECT count(*) FROM payouts WHERE purpose LIKE 'pair:%' AND state = 'paid'"), 40,
   'two payers: all 40 paid');
is(paid_to('w4.testnet') + paid_to('w5.testnet') + paid_to('w6.testnet') - 2, 40, 'by 40 transactions');
is(balance('w4.testnet') + 0 + balance('w5.testnet') + balance('w6.testnet'), 40 * 1e24 + 1e24 + 1, 'each once');
my $counts = $node->counts;
diag("node: $counts->{applied} applied, $counts->{repeated} identical resends");

$node->stop;
$redis->stop;
$pg->stop;
done_testing;
