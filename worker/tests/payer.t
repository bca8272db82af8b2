# The running worker pays the operator's payouts by itself (chain/mm_payer.c)
# against the stateful local NEAR node with a finality delay: rows recorded
# with `payouts add` are paid without `payouts run`, a prize waits for its
# winner's wallet, a worker SIGKILLed between signing and committing, while
# the node holds a transaction and after the node applied one before the
# worker heard, a stale nonce after another client used the key, `near
# add-keys` puts keys on the account that the pool then signs with, two
# workers pay 200 rows at once (one SIGKILLed with rows in flight), a
# provider failing mid-payout (the fallback serves), and `payouts list` /
# `payouts retry` — every reward paid exactly once on the node, to the
# yoctoNEAR.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use JSON::PP;
use Math::BigInt;
use Time::HiRes qw(sleep time);
use MM::NearNode;
use MM::Pg;
use MM::Stack;

plan skip_all => 'PostgreSQL is not installed' unless MM::Pg::available();
my $json = JSON::PP->new->canonical;
my $master = do { open my $f, '<', 'worker/tests/near-vectors/vectors.json' or die; local $/;
                  $json->decode(<$f>)->{keys}{master} };
my $near = '000000000000000000000000';
my $s = MM::Stack->new(name => 'payer');
my %accounts = ('quizbot.testnet' => { amount => "100000$near",
                                      keys => [{ public_key => $master->{public_key}, nonce => 0 }] });
$accounts{"r$_.testnet"} = { amount => '0', keys => [] } for 1 .. 10;
my $node = MM::NearNode->new(dir => $s->dir, accounts => \%accounts, final_ms => 300, fallback => 1);
$s->{env} = { NEAR_WALLET_ADDRESS => 'quizbot.testnet', NEAR_WALLET_PRIVATE_KEY => $master->{secret_key},
              WALLET_ENCRYPTION_KEY => 'a wallet sealing key of at least thirty-two characters',
              NEAR_RPC_ENDPOINT => $node->url, NEAR_RPC_BACKOFF_MS => 20, NEAR_RPC_TIMEOUT_MS => 1500,
              NEAR_SIGNER_WAIT_MS => 2000, MM_JOB_LEASE_MS => 3000 };

sub balance { $node->state->{accounts}{$_[0]}{amount} }
sub add {
    my ($purpose, $to, $amount) = @_;
    my ($code, $out, $err) = $s->cli('payouts', 'add', $purpose, $to, 'NEAR', $amount // "1$near");
    die "payouts add: $err" if $code;
    return $json->decode($out)->{id};
}
sub state_of { $s->psql("SELECT state FROM payouts WHERE id = $_[0]") }
sub wait_for {
    my ($what, $cond, $secs) = @_;
    my $t0 = time;
    sleep 0.05 until $cond->() || time - $t0 > ($secs // 30);
    ok($cond->(), $what);
}
sub unpaid { $s->psql("SELECT count(*) FROM payouts WHERE state IN ('pending', 'signed')") }
sub txs_to { my ($to) = @_; scalar grep { $_->{receiver_id} eq $to } @{ $node->state->{txs} } }
sub lease_expires {                     # a killed worker's signer leases run out after 60 s
    $s->redis->cli('DEL', $_) for grep { /signer/ } $s->redis->cli('KEYS', 'mm:near:signer:*');
}

# 1. the worker pays by itself, and a prize waits for its winner's wallet
$s->start_worker(0);
wait_for('the payer starts with the main key alone',
         sub { $s->worker_log(0) =~ /paying the operator's payouts with 1 key, 8 in flight each/ }, 5);
my @first = map { add("quiz:1:rank:$_", "r$_.testnet") } 1 .. 5;
my $prize = add('quiz:2:rank:1', 'r6.testnet');
$s->psql("UPDATE payouts SET recipient_user = 4242 WHERE id = $prize");
wait_for('the running worker paid five rewards by itself', sub { !grep { state_of($_) ne 'paid' } @first });
is(balance("r$_.testnet"), "1$near", "r$_ was paid once") for 1 .. 5;
sleep 1;
is(state_of($prize), 'pending', 'a prize waits while its winner has no active wallet');
$s->psql("INSERT INTO wallets (telegram_user_id, account_id, public_key, sealed_key, state) "
         . "VALUES (4242, 'user4242.quizbot.testnet', 'ed25519:x', 'x', 'active')");
wait_for('and is paid once the wallet is active', sub { state_of($prize) eq 'paid' });
is(balance('r6.testnet'), "1$near", 'once');

# 2. payouts list
my ($code, $out) = $s->cli('payouts', 'list', '--quiz', '1');
my @rows = map { $json->decode($_) } split /\n/, $out;
is(scalar @rows, 5, 'payouts list --quiz 1: its five rows');
is_deeply([sort keys %{ $rows[0] }], [qw(amount error id purpose recipient state token tx_hash)],
          'each a JSON line with the listed fields');
is($rows[0]{state}, 'paid', 'paid');
like($rows[0]{tx_hash}, qr/^[1-9A-HJ-NP-Za-km-z]{43,44}$/, 'with its hash');

# 3a. SIGKILL between signing and committing the hash: the row is locked by
#     another session, so the payer signs and then waits on its UPDATE
$s->stop_worker(0);
my $unsent = add('crash:sign', 'r10.testnet');
my ($pg_port, $pg_db) = ($s->pg->{port}, $s->pg->{db});
open my $lock, '|-', "psql -X -q -h 127.0.0.1 -p $pg_port -U postgres -d $pg_db >/dev/null" or die;
select((select($lock), $| = 1)[0]);
my $locked = $s->dir . '/row-locked';
unlink $locked;
print $lock "BEGIN; SELECT 1 FROM payouts WHERE id = $unsent FOR UPDATE;\n\\! touch $locked\n";
wait_for('another session locks the row', sub { -e $locked }, 10);
$s->start_worker(0);
wait_for('the payer signed and is committing the hash', sub {
    $s->psql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
             . "AND query LIKE 'UPDATE payouts SET state = ''signed''%'") }, 10);
$s->stop_worker(0, 'KILL');
lease_expires();
print $lock "ROLLBACK;\n";
close $lock;
is(txs_to('r10.testnet'), 0, 'nothing reached the node');
# (the orphaned UPDATE may still commit once the lock is gone: signed, never sent)
like(state_of($unsent), qr/^(pending|signed)$/, 'the row is unsettled');
$s->start_worker(0);
wait_for('after a restart it is paid', sub { state_of($unsent) eq 'paid' });
is(txs_to('r10.testnet'), 1, 'by one transaction');
is(balance('r10.testnet'), "1$near", 'once');

# 3. SIGKILL while the node holds the transaction (received, never applied)
$node->fault(method => 'send_tx', kind => 'hold');
my $held = add('crash:hold', 'r7.testnet');
wait_for('the row is signed and its bytes are at the node', sub { state_of($held) eq 'signed' }, 10);
sleep 0.2;
$s->stop_worker(0, 'KILL');
lease_expires();
is(txs_to('r7.testnet'), 0, 'held: nothing applied');
$s->start_worker(0);
wait_for('after a restart the same bytes are sent and land', sub { state_of($held) eq 'paid' });
is(txs_to('r7.testnet'), 1, 'one transaction');
is(balance('r7.testnet'), "1$near", 'paid once');

# 4. SIGKILL after the node applied the transaction, before the worker heard
$node->fault(method => 'send_tx', kind => 'drop_after_apply');
my $dropped = add('crash:applied', 'r8.testnet');
wait_for('the node applied it', sub { txs_to('r8.testnet') == 1 }, 10);
$s->stop_worker(0, 'KILL');
lease_expires();
is(state_of($dropped), 'signed', 'killed before it heard: the row is signed, its bytes kept');
$s->start_worker(0);
wait_for('after a restart it learns by hash that they landed', sub { state_of($dropped) eq 'paid' });
is(txs_to('r8.testnet'), 1, 'still one transaction');
is(balance('r8.testnet'), "1$near", 'paid once');

# 4b. another client used the key far ahead: the payer's cached nonce is
#     stale, the node says InvalidNonce, the cache catches up to the chain's
#     nonce (never down), the row is signed anew and paid once
my ($c1, $ak) = $s->cli('near', 'nonce', 'quizbot.testnet', $master->{public_key});
$ak = $json->decode($ak)->{nonce};
my ($c2, $head) = $s->cli('near', 'block');
$head = $json->decode($head)->{hash};
my $desc = $json->encode({ signer_id => 'quizbot.testnet', secret_key => $master->{secret_key},
                           receiver_id => 'r5.testnet', nonce => $ak + 1000, block_hash => $head,
                           actions => [{ Transfer => { deposit => '1' } }] });
my $sent = `echo '$desc' | build/mm-worker near sign | env NEAR_RPC_ENDPOINT=@{[$node->url]} build/mm-worker near send quizbot.testnet 2>&1`;
is($? >> 8, 0, 'another client used the main key with a nonce far ahead') or diag $sent;
my $refused = $node->counts->{refused}{InvalidNonce} // 0;
my $stale = add('stale:nonce', 'r4.testnet');
wait_for('the payer pays despite the stale nonce', sub { state_of($stale) eq 'paid' });
is($node->counts->{refused}{InvalidNonce}, $refused + 1, 'the node refused the stale nonce once');
is($s->psql("SELECT attempts FROM payouts WHERE id = $stale"), 2, 'the row was signed twice');
is(balance('r4.testnet'), "2$near", 'and paid once');
my %metrics = $s->redis->cli('HGETALL', 'mm:metrics');
ok($metrics{'mm_payer_outcomes_total{outcome="rejected"}'} && $metrics{'mm_payer_outcomes_total{outcome="success"}'},
   'mm:metrics counts the payer\'s outcomes');

# 5. near add-keys: new full-access keys on the account, used by the pool
($code, $out, my $err) = $s->cli('near', 'add-keys', 4);
is($code, 0, 'near add-keys 4') or diag $err;
my ($line, $report) = split /\n/, $out;
like($line, qr/^NEAR_SIGNER_KEYS=ed25519:\w+(,ed25519:\w+){3}$/, 'prints NEAR_SIGNER_KEYS first');
$report = $json->decode($report);
is($report->{result}, 'success', 'the AddKey transaction succeeded');
my %on_chain = map { $_->{public_key} => $_->{nonce} } @{ $node->state->{accounts}{'quizbot.testnet'}{keys} };
is(scalar(grep { exists $on_chain{$_} } @{ $report->{public_keys} }), 4, 'the node has the four keys');
my @secrets = (split /[=,]/, $line)[1 .. 4];
unlike($err . $s->worker_log(0), qr/\Q$secrets[0]\E/, 'no secret outside stdout');
(my $pool = $line) =~ s/^NEAR_SIGNER_KEYS=//;
$s->stop_worker(0);
$s->{env}{NEAR_SIGNER_KEYS} = $pool;
$s->{env}{NEAR_PAYER_INFLIGHT} = 4;
$s->start_worker(0);
wait_for('the pool has the four keys', sub { $s->worker_log(0) =~ /with 4 keys, 4 in flight each/ }, 5);
unlike($s->worker_log(0), qr/\Q$secrets[1]\E/, 'and logs none of them');

# 6. two workers at once over 200 rows, one SIGKILLed halfway: each paid exactly once
$s->start_worker(1);
my %before = map { ("r$_.testnet" => balance("r$_.testnet")) } 1 .. 10;
my @pair = map { add("pair:$_", 'r' . (1 + $_ % 10) . '.testnet', "$_$near") } 1 .. 200;
wait_for('two workers are paying', sub {
    $s->psql("SELECT count(*) FROM payouts WHERE purpose LIKE 'pair:%' AND state = 'paid'") >= 40 }, 30);
my $flying = $s->psql("SELECT count(*) FROM payouts WHERE purpose LIKE 'pair:%' AND state = 'signed'");
$s->stop_worker(1, 'KILL');
diag("worker 1 SIGKILLed with $flying rows signed, not yet settled");
wait_for('worker 0 pays the rest, worker 1\'s in-flight rows too', sub { !unpaid() }, 60);
is($s->psql("SELECT count(*) FROM payouts WHERE purpose LIKE 'pair:%' AND state = 'paid'"), 200, 'paid in the ledger');
my %want;
$want{'r' . (1 + $_ % 10) . '.testnet'} += $_ for 1 .. 200;
for my $r (sort keys %want) {
    my $got = Math::BigInt->new(balance($r)) - Math::BigInt->new($before{$r});
    is("$got", Math::BigInt->new($want{$r}) * Math::BigInt->new("1$near") . '', "$r got exactly its rewards");
}
my $st = $node->state;
my %nonces = map { $_->{public_key} => $_->{nonce} } @{ $st->{accounts}{'quizbot.testnet'}{keys} };
is(scalar(grep { $nonces{$_} > $on_chain{$_} } @{ $report->{public_keys} }), 4, 'every pool key signed');
my %by_hash = map { $_->{hash} => 1 } @{ $st->{txs} };
is(scalar(grep { $by_hash{$_} } $s->psql("SELECT tx_hash FROM payouts WHERE purpose LIKE 'pair:%'")), 200,
   'each row\'s hash is a transaction on the node');

# 7. the provider fails mid-payout: the fallback serves
$s->stop_worker(0);
$s->{env}{NEAR_RPC_FALLBACKS} = $node->url2;
$s->start_worker(0);
my $r9_txs = txs_to('r9.testnet');
my @fo = map { add("failover:$_", 'r9.testnet') } 1 .. 80;
wait_for('some are paid through the primary', sub { $s->psql("SELECT count(*) FROM payouts WHERE purpose LIKE 'failover:%' AND state = 'paid'") >= 5 });
$node->fault(method => '*', kind => 'http_503', count => 100000, port => $node->port);
my $left = unpaid();
ok($left > 0, "the primary fails with $left payouts unsettled");
wait_for('the rest are paid through the fallback', sub { !unpaid() }, 60);
is($s->psql("SELECT count(*) FROM payouts WHERE purpose LIKE 'failover:%' AND state = 'paid'"), 80, 'all 80');
is(txs_to('r9.testnet') - $r9_txs, 80, 'by 80 transactions');
my %m = $s->redis->cli('HGETALL', 'mm:metrics');
my ($fails) = grep { /^mm_near_rpc_calls_total\{.*rank="0",outcome="(?!ok)/ } keys %m;
my ($served) = grep { /^mm_near_rpc_calls_total\{.*rank="1",outcome="ok"/ } keys %m;
ok($fails && $served && $m{$served} >= $left, 'the primary failed, the fallback answered (mm:metrics)')
    or diag join "\n", map { "$_ $m{$_}" } grep { /calls_total/ } keys %m;

# 8. payouts retry: a transfer that landed and failed stays failed; one that never landed goes again
my $ghost = add('retry:landed', 'nobody.testnet');
wait_for('a transfer to a missing account lands and fails', sub { state_of($ghost) eq 'failed' });
($code, $out) = $s->cli('payouts', 'retry', $ghost);
is($json->decode($out)->{result}, 'unchanged', 'retry: landed and failed, not re-queued') or diag $out;
like($json->decode($out)->{reason}, qr/landed and failed/, 'and says why');
$s->stop_worker(0);
my $lost = add('retry:lost', 'r10.testnet');
my $r10 = balance('r10.testnet');
$s->psql("UPDATE payouts SET state = 'failed', tx_hash = '11111111111111111111111111111111', "
         . "signed_tx = 'AA==', last_error = 'test' WHERE id = $lost");
($code, $out) = $s->cli('payouts', 'list', '--state', 'failed');
is(scalar(split /\n/, $out), 2, 'payouts list --state failed');
($code, $out) = $s->cli('payouts', 'retry', $lost);
is($code, 0, 'retry: a transaction unknown to the chain');
is($json->decode($out)->{result}, 'pending', 'goes back to pending');
($code, $out) = $s->cli('payouts', 'retry', $lost);
is($json->decode($out)->{result}, 'unchanged', 'a second retry finds it pending');
$s->start_worker(0);
wait_for('and the worker pays it', sub { state_of($lost) eq 'paid' });
is(Math::BigInt->new(balance('r10.testnet')) - Math::BigInt->new($r10) . '', "1$near", 'once');
is(scalar(grep { $_->{receiver_id} eq 'nobody.testnet' } @{ $node->state->{txs} }), 1,
   'the failed transfer was not sent again');

$s->stop_worker(0);
$node->stop;
done_testing;
