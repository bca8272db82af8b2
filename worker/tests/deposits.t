# Deposit verification against a scripted node, then the local NEAR node
# (worker/tests/near-peer/node.mjs), and real PostgreSQL/Redis: final,
# successful, paying the user's own wallet enough (NEAR, or a token by call
# and by event) or the operator by ft_transfer with memo quiz:<id> for that
# quiz's creator, recent, credited once, rate-limited; nothing written on a
# refusal.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use JSON::PP;
use MIME::Base64 qw(encode_base64);
use MM::FakeHttp;
use MM::NearAnswers;
use MM::Pg;
use MM::Stores;

plan skip_all => 'PostgreSQL is not installed' unless MM::Pg::available();
my $json = JSON::PP->new->canonical;
my ($pg, $redis) = MM::Stores::start('deposits');
$ENV{NEAR_WALLET_ADDRESS} = 'quizbot.testnet';
$ENV{NEAR_RPC_BACKOFF_MS} = 10;

my $now_ns = time * 1_000_000_000;
sub block_at { result({ header => { height => 5, hash => 'B', timestamp => $_[0] } }) }
sub tx_outcome {
    my (%o) = @_;
    result({ final_execution_status => $o{level} || 'FINAL', status => $o{status} || { SuccessValue => '' },
             transaction => { signer_id => $o{signer} || 'alice.testnet', receiver_id => $o{receiver},
                              actions => $o{actions}, hash => 'H' },
             transaction_outcome => { block_hash => 'B', outcome => { status => { SuccessValue => '' } } },
             receipts_outcome => $o{receipts} || [] });
}
sub near_tx { tx_outcome(receiver => 'user1.quizbot.testnet', actions => [{ Transfer => { deposit => $_[0] } }], @_[1 .. $#_]) }
sub ft_call { { FunctionCall => { method_name => 'ft_transfer', gas => 30000000000000, deposit => '1',
                                  args => encode_base64($json->encode({ receiver_id => $_[0], amount => $_[1] }), '') } } }
sub ft_event { 'EVENT_JSON:' . $json->encode({ standard => 'nep141', version => '1.0.0', event => 'ft_transfer',
                 data => [{ old_owner_id => 'alice.testnet', new_owner_id => $_[0], amount => $_[1] }] }) }

sub verify {
    my ($script, $user, $hash, $token, $min, @more) = @_;
    my $s = MM::FakeHttp->new($script);
    local $ENV{NEAR_RPC_ENDPOINT} = $s->url;
    my $out = `build/mm-worker deposits verify $user $hash alice.testnet $token $min @more 2>&1`;
    my $r = eval { $json->decode($out) } || { raw => $out };
    $r->{rc} = $? >> 8;
    $r->{requests} = [map { $json->decode($_->{body}) } $s->requests];
    return $r;
}

my $r = verify([near_tx('2000'), block_at($now_ns)], 1, 'H1', 'NEAR', '1500');
is($r->{result}, 'credited', 'a NEAR deposit') or diag($json->encode($r));
is($r->{amount}, '2000', 'of the Transfer amount');
is_deeply($r->{requests}[0]{params}, { tx_hash => 'H1', sender_account_id => 'alice.testnet', wait_until => 'NONE' },
          'looked up by hash and sender');
is($pg->psql("SELECT telegram_user_id || ' ' || token || ' ' || amount FROM deposits WHERE tx_hash = 'H1'"),
   '1 NEAR 2000', 'recorded');

$r = verify([near_tx('2000'), block_at($now_ns)], 1, 'H1', 'NEAR', '1500');
is($r->{result}, 'rejected', 'the same hash again');
like($r->{reason}, qr/credited before/, 'is not credited twice');

$r = verify([near_tx('1000'), block_at($now_ns)], 1, 'H2', 'NEAR', '1500');
like($r->{reason}, qr/pays 1000, less than 1500/, 'too little is refused');
$r = verify([near_tx('2000', signer => 'mallory.testnet'), block_at($now_ns)], 1, 'H3', 'NEAR', '1');
is($r->{result}, 'credited', 'anyone may top up the user\'s wallet: the signer grants nothing');
is($pg->psql("SELECT signer_id FROM deposits WHERE tx_hash = 'H3'"), 'mallory.testnet',
   'the signer recorded is the one the chain shows');
$r = verify([tx_outcome(receiver => 'elsewhere.testnet', actions => [{ Transfer => { deposit => '9' } }]), block_at($now_ns)], 1, 'H4', 'NEAR', '1');
like($r->{reason}, qr/pays someone else \(elsewhere.testnet\), not your wallet user1.quizbot.testnet/,
     'paying someone else is refused');
$r = verify([near_tx('2000', level => 'EXECUTED_OPTIMISTIC')], 1, 'H5', 'NEAR', '1');
is($r->{result}, 'pending', 'not final yet: pending');
is($r->{rc}, 4, 'exit 4');
$r = verify([near_tx('2000', status => { Failure => { ActionError => { index => 0, kind => 'LackBalanceForState' } } })], 1, 'H6', 'NEAR', '1');
is($r->{result}, 'rejected', 'a failed transaction is refused');
$r = verify([near_tx('2000'), block_at($now_ns - 2 * 86400 * 1_000_000_000)], 1, 'H7', 'NEAR', '1');
like($r->{reason}, qr/older than 86400 seconds/, 'an old transaction is refused');
$r = verify([{ status => 200, body => '{"jsonrpc":"2.0","id":"1","error":{"name":"HANDLER_ERROR","cause":{"name":"UNKNOWN_TRANSACTION","info":{}}}}' }], 1, 'H8', 'NEAR', '1');
is($r->{result}, 'pending', 'an unknown hash: pending');

# NEP-141: the call and the token's event must agree on the bot receiving
my $ft_ok = tx_outcome(receiver => 'token.testnet', actions => [ft_call('user2.quizbot.testnet', '100')],
    receipts => [{ id => 'r', outcome => { executor_id => 'token.testnet', status => { SuccessValue => '' },
                                           logs => [ft_event('user2.quizbot.testnet', '100')] } }]);
$r = verify([$ft_ok, block_at($now_ns)], 2, 'F1', 'token.testnet', '100');
is($r->{result}, 'credited', 'a token deposit') or diag($json->encode($r));
is($r->{amount}, '100', 'of the transferred amount');
my $no_event = tx_outcome(receiver => 'token.testnet', actions => [ft_call('user2.quizbot.testnet', '100')],
    receipts => [{ id => 'r', outcome => { executor_id => 'token.testnet', status => { SuccessValue => '' }, logs => [] } }]);
$r = verify([$no_event, block_at($now_ns)], 2, 'F2', 'token.testnet', '1');
like($r->{reason}, qr/no ft_transfer of token.testnet/, 'a call without the token\'s event is refused');
my $forged = tx_outcome(receiver => 'token.testnet', actions => [ft_call('user2.quizbot.testnet', '100')],
    receipts => [{ id => 'r', outcome => { executor_id => 'evil.testnet', status => { SuccessValue => '' },
                                           logs => [ft_event('user2.quizbot.testnet', '100')] } }]);
$r = verify([$forged, block_at($now_ns)], 2, 'F3', 'token.testnet', '1');
is($r->{result}, 'rejected', 'an event logged by another contract does not count');
$r = verify([$ft_ok, block_at($now_ns)], 2, 'F4', 'othertoken.testnet', '1');
like($r->{reason}, qr/not a call to othertoken.testnet/, 'another token is refused');

# without SIGNER the chain is asked by the operator's account: any node that
# tracks every shard finds the hash whoever signed it
{
    my $s = MM::FakeHttp->new([near_tx('5', receiver => 'user4.quizbot.testnet'), block_at($now_ns)]);
    local $ENV{NEAR_RPC_ENDPOINT} = $s->url;
    my $out = `build/mm-worker deposits verify 4 S1 NEAR 1 2>&1`;
    like($out, qr/"result":"credited"/, 'SIGNER may be left out') or diag $out;
    is(($json->decode(($s->requests)[0]->{body}))->{params}{sender_account_id}, 'quizbot.testnet',
       'then the hash is looked up by the operator\'s account');
    is(system('build/mm-worker deposits verify 4 S1 NEAR >/dev/null 2>&1') >> 8, 2, 'too few arguments: usage');
    is(system('build/mm-worker deposits verify 4 S1 NEAR 1 --quiz x >/dev/null 2>&1') >> 8, 2,
       'a quiz id that is not a number: usage');
}

# ten verifications per user per ten minutes
my $unknown = { status => 200, body => '{"jsonrpc":"2.0","id":"1","error":{"name":"HANDLER_ERROR","cause":{"name":"UNKNOWN_TRANSACTION","info":{}}}}' };
my @results = map { verify([$unknown], 3, "R$_", 'NEAR', '1')->{result} } 1 .. 11;
is(scalar(grep { $_ eq 'pending' } @results), 10, 'ten are looked up');
is($results[-1], 'limited', 'the eleventh is refused');

$redis->stop;
$pg->stop;
done_testing();
