# The payout ledger against real PostgreSQL and Redis and a scripted node:
# a reward is recorded once, its signed transaction is stored before it is
# sent, a pass after a timeout re-sends the very same bytes, a paid reward
# is never touched again, a transaction refused before execution is
# replaced, and two payers at once pay a reward once.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use JSON::PP;
use MM::FakeHttp;
use MM::NearAnswers;
use MM::Pg;
use MM::Stores;

plan skip_all => 'PostgreSQL is not installed' unless MM::Pg::available();
my $json = JSON::PP->new->canonical;
my $file = $ENV{MM_NEAR_VECTORS} || 'worker/tests/near-vectors/vectors.json';
plan skip_all => "$file not found" unless -f $file;
my $master = do { open my $f, '<', $file or die; local $/; $json->decode(<$f>)->{keys}{master} };
my $block = '2fGYErCeD3qzAAmzCBCUEi1UJwme1SdmnhqCGcQ645Bs';

my ($pg, $redis) = MM::Stores::start('payouts');
$ENV{NEAR_WALLET_ADDRESS} = 'quizbot.testnet';
$ENV{NEAR_WALLET_PRIVATE_KEY} = $master->{secret_key};
$ENV{NEAR_RPC_BACKOFF_MS} = 10;

sub payouts {
    my ($server, @args) = @_;
    local $ENV{NEAR_RPC_ENDPOINT} = $server ? $server->url : 'http://127.0.0.1:1/';
    my $out = `build/mm-worker payouts @args 2>&1`;
    return ($? >> 8, eval { $json->decode($out) } || { raw => $out },
            $server ? [map { $json->decode($_->{body}) } $server->requests] : []);
}
sub row { my %r; @r{qw(state tx_hash signed_tx nonce attempts)} = split /\|/,
          $pg->psql("SELECT state, coalesce(tx_hash,''), coalesce(signed_tx,''), coalesce(nonce::text,''), attempts FROM payouts WHERE id = $_[0]"); \%r }
my $head = head($block);
my $final = outcome('FINAL', { SuccessValue => '' });

# recorded once
my ($rc, $a) = payouts(undef, 'add', 'quiz:1:rank:1', 'user1.quizbot.testnet', 'NEAR', '1820000000000000000000');
my (undef, $b) = payouts(undef, 'add', 'quiz:1:rank:1', 'user1.quizbot.testnet', 'NEAR', '999');
is($rc, 0, 'a reward is recorded');
is($b->{id}, $a->{id}, 'recording it again returns the same row');
is($pg->psql('SELECT count(*) FROM payouts'), 1, 'one row');
my $id = $a->{id};

# the node times out and does not know the hash: stays signed, bytes kept
my $s = MM::FakeHttp->new([ak(41), $head, error('TIMEOUT_ERROR'), error('UNKNOWN_TRANSACTION'),
                           error('TIMEOUT_ERROR'), error('UNKNOWN_TRANSACTION')]);
my ($rc2, $stats, $reqs) = payouts($s, 'run');
is_deeply($stats, { paid => 0, failed => 0, pending => 1, skipped => 0 }, 'outcome unknown: pending');
my $r = row($id);
is($r->{state}, 'signed', 'the row is signed');
is($r->{nonce}, 42, 'with its nonce');
is($r->{signed_tx}, $reqs->[2]{params}{signed_tx_base64}, 'the stored bytes are the ones sent');
my $signed = $r->{signed_tx};

# the next pass re-sends exactly those bytes and learns they landed
$s = MM::FakeHttp->new([$final]);
(undef, $stats, $reqs) = payouts($s, 'run');
is_deeply($stats, { paid => 1, failed => 0, pending => 0, skipped => 0 }, 'paid');
is_deeply([map { $_->{method} } @$reqs], ['send_tx'], 'no new nonce, no new block: a resend');
is($reqs->[0]{params}{signed_tx_base64}, $signed, 'of the very same bytes');
is(row($id)->{state}, 'paid', 'the row is paid');

# paid is final: nothing is sent again
$s = MM::FakeHttp->new([$final]);
(undef, $stats, $reqs) = payouts($s, 'run');
is(scalar @$reqs, 0, 'a paid reward is never sent again');

# refused (Expired) and unknown by hash: replaced by a new transaction
(undef, $a) = payouts(undef, 'add', 'quiz:2:rank:1', 'user2.quizbot.testnet', 'NEAR', '5');
$s = MM::FakeHttp->new([$head, error('INVALID_TRANSACTION', { TxExecutionError => { InvalidTxError => 'Expired' } }),
                        error('UNKNOWN_TRANSACTION')]);
(undef, $stats) = payouts($s, 'run');
$r = row($a->{id});
is($r->{state}, 'pending', 'Expired: back to pending');
is($r->{tx_hash}, '', 'the dead transaction is forgotten');
is($r->{attempts}, 1, 'one attempt counted');
$s = MM::FakeHttp->new([$head, $final]);
(undef, $stats, $reqs) = payouts($s, 'run');
is(row($a->{id})->{state}, 'paid', 'paid by the second transaction');
is(row($a->{id})->{nonce}, 44, 'with a fresh nonce');

# a failure on chain is final and recorded
(undef, $a) = payouts(undef, 'add', 'quiz:3:rank:1', 'user3.quizbot.testnet', 'NEAR', '5');
$s = MM::FakeHttp->new([$head, outcome('FINAL', { Failure => { ActionError => { index => 0,
    kind => { AccountDoesNotExist => { account_id => 'user3.quizbot.testnet' } } } } })]);
payouts($s, 'run');
is(row($a->{id})->{state}, 'failed', 'a failed transfer is recorded as failed');
like($pg->psql("SELECT last_error FROM payouts WHERE id = $a->{id}"), qr/AccountDoesNotExist/, 'with why');

# two payers at once: the reward is paid once
(undef, $a) = payouts(undef, 'add', 'quiz:4:rank:1', 'user4.quizbot.testnet', 'NEAR', '5');
$s = MM::FakeHttp->new([$head, { %$final, delay => 0.5 }, $head, $final]);
local $ENV{NEAR_RPC_ENDPOINT} = $s->url;
my @kids = map { open my $fh, '-|', 'build/mm-worker payouts run 2>&1' or die; $fh } 1 .. 2;
my @outs = map { local $/; my $o = <$_>; close $_; $json->decode($o) } @kids;
is(scalar(grep { $_->{method} eq 'send_tx' } map { $json->decode($_->{body}) } $s->requests), 1,
   'one transaction sent');
is((grep { $_->{paid} == 1 } @outs) + 0, 1, 'one payer paid it');
is((grep { $_->{skipped} == 1 } @outs) + 0, 1, 'the other left it alone');
is(row($a->{id})->{state}, 'paid', 'paid');

$redis->stop;
$pg->stop;
done_testing();
