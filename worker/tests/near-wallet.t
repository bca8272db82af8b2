# A user's wallet: user<id>.<operator>, CreateAccount + Transfer 0.00182 NEAR
# + AddKey in one transaction signed by the operator, the new key sealed and
# printed before anything is sent, then found on chain.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use JSON::PP;
use IPC::Open2;
use Cwd ();
use MM::FakeHttp;
use MM::Redis;
use MM::NearAnswers;

my $json = JSON::PP->new->canonical;
my $file = $ENV{MM_NEAR_VECTORS} || 'worker/tests/near-vectors/vectors.json';
plan skip_all => "$file not found" unless -f $file;
my $master = do { open my $f, '<', $file or die; local $/; $json->decode(<$f>)->{keys}{master} };
my $block = '2fGYErCeD3qzAAmzCBCUEi1UJwme1SdmnhqCGcQ645Bs';
my $redis = MM::Redis->new(dir => Cwd::abs_path('.') . '/t/servroot-near-wallet/redis');
$redis->start;

my $head = head($block);

sub create {
    my ($server, $user) = @_;
    local $ENV{NEAR_RPC_ENDPOINT} = $server->url;
    local $ENV{NEAR_RPC_BACKOFF_MS} = 10;
    local $ENV{REDIS_PORT} = $redis->port;
    local $ENV{NEAR_WALLET_ADDRESS} = 'quizbot.testnet';
    local $ENV{NEAR_WALLET_PRIVATE_KEY} = $master->{secret_key};
    local $ENV{WALLET_ENCRYPTION_KEY} = 'an operator secret of some length';
    my @out = `build/mm-worker near create-wallet $user 2>/dev/null`;
    return ($? >> 8, [map { $json->decode($_) } @out], [map { $json->decode($_->{body}) } $server->requests]);
}

sub signed_for {
    my ($nonce, $pk) = @_;
    my $pid = open2(my $out, my $in, 'build/mm-worker', 'near', 'sign');
    print $in $json->encode({ signer_id => 'quizbot.testnet', secret_key => $master->{secret_key},
        receiver_id => 'user5127384901.quizbot.testnet', nonce => $nonce, block_hash => $block,
        actions => ['CreateAccount', { Transfer => { deposit => '1820000000000000000000' } },
                    { AddKey => { public_key => $pk, access_key => { nonce => 0, permission => 'FullAccess' } } }] });
    close $in;
    my $r = $json->decode(scalar <$out>);
    waitpid $pid, 0;
    return $r->{signed_tx_base64};
}

{
    my $s = MM::FakeHttp->new([ak(10), $head, outcome('FINAL', { SuccessValue => '' }), ak(1000000000)]);
    my ($rc, $out, $reqs) = create($s, '5127384901');
    is($rc, 0, 'created');
    my ($wallet, $result) = @$out;
    is($wallet->{account_id}, 'user5127384901.quizbot.testnet', 'user<id>.<operator>');
    like($wallet->{public_key}, qr/^ed25519:[1-9A-HJ-NP-Za-km-z]{43,44}$/, 'a fresh ed25519 key');
    like($wallet->{sealed_key}, qr/^[A-Za-z0-9+\/]+=*$/, 'the key, sealed');
    is($result->{result}, 'success', 'reported');
    is_deeply([map { $_->{method} } @$reqs], [qw(query block send_tx query)],
              'operator nonce, block, send, then the new key checked on chain');
    is($reqs->[2]{params}{signed_tx_base64}, signed_for(11, $wallet->{public_key}),
       'CreateAccount + Transfer 0.00182 NEAR + AddKey(FullAccess) in one transaction');
    is($reqs->[3]{params}{account_id}, 'user5127384901.quizbot.testnet', 'checked on the new account');
}
{
    # an earlier attempt created the account with another key: not ours
    my $s = MM::FakeHttp->new([$head, outcome('FINAL', { Failure => { ActionError => { index => 0,
        kind => { AccountAlreadyExists => { account_id => 'user5127384901.quizbot.testnet' } } } } }),
        error('UNKNOWN_ACCESS_KEY')]);
    my ($rc, $out) = create($s, '5127384901');
    is($rc, 1, 'exists with another key: failed');
    is($out->[-1]{result}, 'failed', 'reported as failed');
}
{
    my $s = MM::FakeHttp->new([$head]);
    my ($rc, $out, $reqs) = create($s, '0');
    is($rc, 2, 'a bad user id is refused');
    is(scalar @$reqs, 0, 'before anything is sent');
}

$redis->stop;
done_testing();
