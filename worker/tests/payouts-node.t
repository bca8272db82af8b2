# The payout ledger against the stateful local NEAR node
# (worker/tests/near-peer/node.mjs): a payer SIGKILLed between signing and
# recording the hash, one SIGKILLed after the node applied its transfer but
# before it heard so, one SIGKILLed while the node sat on its transaction,
# and two payers sharing the operator's key over 40 payouts — after a
# restart every reward is paid exactly once on the node.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use HTTP::Tiny;
use JSON::PP;
use POSIX ();
use Time::HiRes qw(sleep time);
use MM::Pg;
use MM::Redis;
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
open my $g, '>', "$dir/genesis.json" or die;
print $g $json->encode({ accounts => \%accounts });
close $g;
my $port = MM::Redis::free_port();
my $node = fork // die;
if ($node == 0) {
    open STDOUT, '>', "$dir/node.log";
    exec 'node', 'worker/tests/near-peer/node.mjs', '--port', $port, '--state', "$dir/genesis.json";
}
my $t0 = time;
sleep 0.1 until `cat $dir/node.log` =~ /listening/ || time - $t0 > 20;
my $http = HTTP::Tiny->new(timeout => 30);
sub node { my ($m, $path, $body) = @_;
    my $r = $http->request($m, "http://127.0.0.1:$port$path", $body ? { content => $json->encode($body) } : {});
    return $json->decode($r->{content}) }
sub paid_to { my ($who) = @_; scalar grep { $_->{receiver_id} eq $who && $_->{status} eq 'success' } @{ node('GET', '/__state')->{txs} } }
sub balance { node('GET', '/__state')->{accounts}{$_[0]}{amount} }

$ENV{NEAR_WALLET_ADDRESS} = 'quizbot.testnet';
$ENV{NEAR_WALLET_PRIVATE_KEY} = $master->{secret_key};
$ENV{NEAR_RPC_ENDPOINT} = "http://127.0.0.1:$port";
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
$t0 = time;
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

# 2. SIGKILL after the node applied the transfer, before the payer heard so
my $p2 = add('crash:sent', 'w2.testnet');
node('POST', '/__fault', { method => 'send_tx', kind => 'drop_after_apply', count => 1 });
my $k2 = payer(NEAR_RPC_TIMEOUT_MS => 20000);
$t0 = time;
sleep 0.05 until paid_to('w2.testnet') || time - $t0 > 10;
kill 'KILL', $k2;
waitpid $k2, 0;
lease_expires();
is(state_of($p2), 'signed', 'killed while sending: the row is signed, its bytes kept');
run_payer();
is(state_of($p2), 'paid', 'the restart resends the same bytes and learns they landed');
is(paid_to('w2.testnet'), 1, 'one transaction');
is(balance('w2.testnet'), "1$near", 'paid once');

# 3. SIGKILL while the node sat on the transaction without applying it
my $p3 = add('crash:held', 'w3.testnet');
node('POST', '/__fault', { method => 'send_tx', kind => 'hold', count => 1 });
my $k3 = payer(NEAR_RPC_TIMEOUT_MS => 20000);
$t0 = time;
sleep 0.05 until state_of($p3) eq 'signed' || time - $t0 > 10;
sleep 0.3;
kill 'KILL', $k3;
waitpid $k3, 0;
lease_expires();
is(paid_to('w3.testnet'), 0, 'held: nothing applied');
run_payer();
is(state_of($p3), 'paid', 'the restart sends the same bytes, which land');
is(paid_to('w3.testnet'), 1, 'one transaction');

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
is(paid_to('w4.testnet') + paid_to('w5.testnet') + paid_to('w6.testnet'), 40, 'by 40 transactions');
is(balance('w4.testnet') + 0 + balance('w5.testnet') + balance('w6.testnet'), 40 * 1e24, 'each once');
my $counts = node('GET', '/__counts');
diag("node: $counts->{applied} applied, $counts->{repeated} identical resends");

kill 'TERM', $node;
waitpid $node, 0;
$redis->stop;
$pg->stop;
done_testing;
