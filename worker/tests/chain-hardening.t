# The payout ledger's hard cases against the local NEAR node
# (worker/tests/near-peer/node.mjs): rows that can never be signed end
# failed with the reason; payouts run reads rows by numeric id and puts the
# ones that keep failing last; a re-send refused as Expired asks for the
# original by hash before anything new is signed; RPC URLs (where providers
# keep API keys) never reach last_error, logs or the metrics' labels.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use JSON::PP;
use Time::HiRes qw(sleep time);
use MM::NearNode;
use MM::Pg;
use MM::Stores;

plan skip_all => 'PostgreSQL is not installed' unless MM::Pg::available();
my $json = JSON::PP->new->canonical;
my $master = do { open my $f, '<', 'worker/tests/near-vectors/vectors.json' or die; local $/;
                  $json->decode(<$f>)->{keys}{master} };
my $near = '000000000000000000000000';
my ($pg, $redis) = MM::Stores::start('chain-hardening');
my $dir = 't/servroot-chain-hardening';

my %accounts = ('quizbot.testnet' => { amount => "1000$near", keys => [{ public_key => $master->{public_key},
                                                                         nonce => 0 }] });
$accounts{"h$_.testnet"} = { amount => '0', keys => [] } for 1 .. 4;
my $node = MM::NearNode->new(dir => $dir, accounts => \%accounts);
sub paid_to { $node->paid_to(@_) }

$ENV{NEAR_WALLET_ADDRESS} = 'quizbot.testnet';
$ENV{NEAR_WALLET_PRIVATE_KEY} = $master->{secret_key};
$ENV{NEAR_RPC_ENDPOINT} = $node->url;
$ENV{NEAR_RPC_BACKOFF_MS} = 20;
$ENV{NEAR_RPC_TIMEOUT_MS} = 1000;
$ENV{NEAR_SIGNER_WAIT_MS} = 2000;

sub add { my ($purpose, $to, $amount) = @_;
    my $out = `build/mm-worker payouts add $purpose $to NEAR ${\($amount // "1$near")}`;
    return $json->decode($out)->{id} }
sub row { my ($id, $cols) = @_; $pg->psql("SELECT $cols FROM payouts WHERE id = $id") }
sub run_payer {
    my %env = @_;
    local @ENV{keys %env} = values %env;
    my $out = `build/mm-worker payouts run 2>>$dir/payer.log`;
    return $out;
}
sub lease_expires { $redis->cli('DEL', "mm:near:signer:quizbot.testnet:$master->{public_key}") }
sub payer {
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

# 1. rows that can never be signed: an amount above u128::MAX (numeric(39)
#    holds it), a malformed recipient; written as a bug or an old parser would
my $huge = '9' x 39;
$pg->psql("INSERT INTO payouts (purpose, recipient, token, amount) VALUES "
          . "('huge', 'h1.testnet', 'NEAR', $huge), ('badrecipient', 'Not An Account!', 'NEAR', 1)");
my ($p_huge) = $pg->psql("SELECT id FROM payouts WHERE purpose = 'huge'");
my ($p_bad) = $pg->psql("SELECT id FROM payouts WHERE purpose = 'badrecipient'");
my $out = run_payer();
is(row($p_huge, 'state'), 'failed', 'an amount above u128::MAX: the row fails') or diag $out;
like(row($p_huge, 'last_error'), qr/cannot sign: the amount/, 'saying why');
is(row($p_bad, 'state'), 'failed', 'a malformed recipient: the row fails');
like(row($p_bad, 'last_error'), qr/cannot sign: the recipient/, 'saying why');
is(paid_to('h1.testnet'), 0, 'nothing was sent');
my $again = run_payer();
like($again, qr/"failed":0/, 'a second pass does not touch them again') or diag $again;

# 2. the order payouts run reads: numeric, with rows that keep failing last
$pg->psql("INSERT INTO payouts (id, purpose, recipient, token, amount) VALUES (3, 'order:0', 'h2.testnet', 'NEAR', 1)");
$pg->psql("SELECT setval('payouts_id_seq', 9)");
my @ids = map { add("order:$_", 'h2.testnet', '1') } 1 .. 3;   # ids 10, 11, 12
$pg->psql("SELECT setval('payouts_id_seq', 20)");
run_payer();
my @nonces = split /\n/, $pg->psql("SELECT id FROM payouts WHERE purpose LIKE 'order:%' ORDER BY nonce");
is_deeply(\@nonces, [3, @ids], 'payouts run pays in numeric id order (3 before 10)');

# a row the chain keeps refusing (no such token contract) goes behind the others
my $stuck = $pg->psql("INSERT INTO payouts (purpose, recipient, token, amount) VALUES "
                      . "('stuck', 'h2.testnet', 'nosuchtoken.testnet', 1) RETURNING id");
run_payer();
is(row($stuck, 'state'), 'pending', 'a token that cannot be read: still pending');
my $later = add('after:stuck', 'h2.testnet', '2');
ok($later > $stuck, 'a newer row');
my $order = $pg->psql("SELECT string_agg(id::text, ',' ORDER BY next_attempt_at, id) FROM payouts "
                      . "WHERE state IN ('pending', 'signed')");
is($order, "$later,$stuck", 'the failing row waits behind the newer one');
$pg->psql("UPDATE payouts SET state = 'failed' WHERE id = $stuck");
run_payer();
is(row($later, 'state'), 'paid', 'which is paid');

# 3. a re-send answered Expired after the first send landed: found by hash,
#    settled as paid, never signed anew
my $p3 = add('expired:landed', 'h3.testnet');
$node->fault(method => 'send_tx', kind => 'drop_after_apply');
my $pid = payer(NEAR_RPC_TIMEOUT_MS => 20000);
my $t0 = time;
sleep 0.05 until paid_to('h3.testnet') || time - $t0 > 10;
sleep 0.2;
kill 'KILL', $pid;
waitpid $pid, 0;
lease_expires();
is(row($p3, 'state'), 'signed', 'killed after the node applied it: the row is signed');
my $hash3 = row($p3, 'tx_hash');
$node->fault(method => 'send_tx', kind => 'expired');
run_payer();
run_payer();
is(row($p3, 'state'), 'paid', 'the re-send refused as Expired: found by hash, paid');
is(row($p3, 'tx_hash'), $hash3, 'by the transaction first signed');
is(paid_to('h3.testnet'), 1, 'once');

# 4. a re-send refused as Expired that never landed: proven unknown, signed anew, paid once
my $p4 = add('expired:lost', 'h4.testnet');
$node->fault(method => 'send_tx', kind => 'hold');
$pid = payer(NEAR_RPC_TIMEOUT_MS => 20000);
$t0 = time;
sleep 0.05 until row($p4, 'state') eq 'signed' || time - $t0 > 10;
sleep 0.2;
kill 'KILL', $pid;
waitpid $pid, 0;
lease_expires();
is(paid_to('h4.testnet'), 0, 'held: nothing applied');
$node->fault(method => 'send_tx', kind => 'expired');
run_payer();
run_payer();
is(row($p4, 'state'), 'paid', 'an expired transaction the node does not know: signed anew, paid');
is(paid_to('h4.testnet'), 1, 'once');

$node->stop;
$redis->stop;
$pg->stop;
done_testing;
