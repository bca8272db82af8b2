# A transfer end to end against a scripted node and a real Redis: the nonce
# comes from the chain once and then from the cache, the block hash is the
# final one, the bytes are exactly what near sign makes of them, two
# processes never sign with one key at once, and an InvalidNonce rebuilds.
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
use MIME::Base64 ();

my $json = JSON::PP->new->canonical;
my $file = $ENV{MM_NEAR_VECTORS} || 'worker/tests/near-vectors/vectors.json';
plan skip_all => "$file not found" unless -f $file;
my $keys = do { open my $f, '<', $file or die; local $/; $json->decode(<$f>)->{keys} };
my $master = $keys->{master};
my $block = '2fGYErCeD3qzAAmzCBCUEi1UJwme1SdmnhqCGcQ645Bs';

my $redis = MM::Redis->new(dir => Cwd::abs_path('.') . '/t/servroot-near-transfer/redis');
$redis->start;

my $head = head($block);
my $done = outcome('FINAL', { SuccessValue => '' });

sub transfer {
    my ($server, $amount, @token) = @_;
    local $ENV{NEAR_RPC_ENDPOINT} = $server->url;
    local $ENV{NEAR_RPC_BACKOFF_MS} = 10;
    local $ENV{REDIS_PORT} = $redis->port;
    local $ENV{NEAR_WALLET_ADDRESS} = 'quizbot.testnet';
    local $ENV{NEAR_WALLET_PRIVATE_KEY} = $master->{secret_key};
    local $ENV{NEAR_MEMO} = 'quiz reward';
    my $out = `build/mm-worker near transfer user1.quizbot.testnet $amount @token`;
    return ($? >> 8, eval { $json->decode($out) } || { raw => $out },
            [map { $json->decode($_->{body}) } $server->requests]);
}

sub expected {
    my ($nonce, $amount, $receiver, $actions) = @_;
    my $pid = open2(my $out, my $in, 'build/mm-worker', 'near', 'sign');
    print $in $json->encode({ signer_id => 'quizbot.testnet', secret_key => $master->{secret_key},
                              receiver_id => $receiver || 'user1.quizbot.testnet', nonce => $nonce,
                              block_hash => $block,
                              actions => $actions || [{ Transfer => { deposit => $amount } }] });
    close $in;
    my $r = $json->decode(scalar <$out>);
    waitpid $pid, 0;
    return $r;
}

{
    my $s = MM::FakeHttp->new([ak(41), $head, $done]);
    my ($rc, $r, $reqs) = transfer($s, '1820000000000000000000');
    is($rc, 0, 'first transfer: success') or diag($json->encode($r));
    is_deeply([map { $_->{method} } @$reqs], [qw(query block send_tx)], 'nonce, block, send');
    my $want = expected(42, '1820000000000000000000');
    is($reqs->[2]{params}{signed_tx_base64}, $want->{signed_tx_base64}, 'signed with nonce 42 on the final block');
    is($r->{hash}, $want->{hash}, 'reports the hash');
    is($redis->cli('GET', "mm:near:nonce:quizbot.testnet:$master->{public_key}"), 42, 'the nonce is cached');
    is($redis->cli('EXISTS', "mm:near:signer:quizbot.testnet:$master->{public_key}"), 0, 'the lease is released');
}
{
    my $s = MM::FakeHttp->new([$head, $done]);
    my ($rc, $r, $reqs) = transfer($s, '5');
    is($rc, 0, 'second transfer: success');
    is_deeply([map { $_->{method} } @$reqs], [qw(block send_tx)], 'the nonce comes from the cache');
    is($reqs->[1]{params}{signed_tx_base64}, expected(43, '5')->{signed_tx_base64}, 'nonce 43');
}
{
    my $nonce_error = error('INVALID_TRANSACTION', { TxExecutionError => { InvalidTxError => { InvalidNonce => { tx_nonce => 44, ak_nonce => 90 } } } });
    my $s = MM::FakeHttp->new([$head, $nonce_error, error('UNKNOWN_TRANSACTION'), ak(90), $head, $done]);
    my ($rc, $r, $reqs) = transfer($s, '7');
    is($rc, 0, 'InvalidNonce: rebuilt and sent');
    is_deeply([map { $_->{method} } @$reqs], [qw(block send_tx tx query block send_tx)],
              'checked our hash, re-read the nonce, rebuilt');
    is($reqs->[5]{params}{signed_tx_base64}, expected(91, '7')->{signed_tx_base64}, 'with nonce 91');
}
{
    # another process holds the lease: wait, then give up without sending
    $redis->cli('SET', "mm:near:signer:quizbot.testnet:$master->{public_key}", 'someone-else', 'PX', 60000);
    my $s = MM::FakeHttp->new([$head, $done]);
    local $ENV{NEAR_SIGNER_WAIT_MS} = 300;
    my ($rc, $r, $reqs) = transfer($s, '9');
    is($rc, 4, 'key busy: pending');
    like($r->{reason}, qr/another process is signing/, 'says why');
    is(scalar @$reqs, 0, 'nothing sent');
    is($redis->cli('GET', "mm:near:signer:quizbot.testnet:$master->{public_key}"), 'someone-else',
       'the other lease is left alone');
    $redis->cli('DEL', "mm:near:signer:quizbot.testnet:$master->{public_key}");
}
{
    # Redis failing (here: refusing writes) is not another signer: said as
    # such, nothing sent, and no waiting for a lease nobody holds
    $redis->cli('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    $redis->cli('CONFIG', 'SET', 'maxmemory', '1');
    my $s = MM::FakeHttp->new([$head, $done]);
    local $ENV{NEAR_SIGNER_WAIT_MS} = 5000;
    my $t0 = time;
    my ($rc, $r, $reqs) = transfer($s, '9');
    $redis->cli('CONFIG', 'SET', 'maxmemory', '0');
    is($rc, 4, 'Redis refusing the lease: pending');
    like($r->{reason}, qr/redis failed taking the lease/, 'says Redis failed')
        and unlike($r->{reason}, qr/another process/, 'not that another process signs');
    is(scalar @$reqs, 0, 'nothing sent');
    cmp_ok(time - $t0, '<', 4, 'at once');
}

# NEP-141: 1 yocto attached; an unregistered receiver is registered in the same transaction
sub call { { FunctionCall => { method_name => $_[0], args => MIME::Base64::encode_base64($_[1], ''),
                               gas => '30000000000000', deposit => $_[2] } } }
my $ft = call('ft_transfer', '{"receiver_id":"user1.quizbot.testnet","amount":"1000000","memo":"quiz reward"}', '1');
{
    my $s = MM::FakeHttp->new([view('{"total":"1250000000000000000000","available":"0"}'), $head, $done]);
    my ($rc, $r, $reqs) = transfer($s, '1000000', 'token.testnet');
    is($rc, 0, 'ft_transfer to a registered holder') or diag($json->encode($r));
    is_deeply([map { $_->{method} } @$reqs], [qw(query block send_tx)], 'registration checked, then sent');
    is($reqs->[2]{params}{signed_tx_base64}, expected(92, undef, 'token.testnet', [$ft])->{signed_tx_base64},
       'one ft_transfer to the token contract, 30 Tgas, 1 yocto');
}
{
    my $s = MM::FakeHttp->new([view('null'), view('{"min":"1250000000000000000000","max":"1250000000000000000000"}'),
                               $head, $done]);
    my ($rc, $r, $reqs) = transfer($s, '1000000', 'token.testnet');
    is($rc, 0, 'ft_transfer to an unregistered holder');
    my $deposit = call('storage_deposit', '{"account_id":"user1.quizbot.testnet","registration_only":true}',
                       '1250000000000000000000');
    is($reqs->[3]{params}{signed_tx_base64},
       expected(93, undef, 'token.testnet', [$deposit, $ft])->{signed_tx_base64},
       'storage_deposit of the minimum, then ft_transfer, in one transaction');
}

$redis->stop;
done_testing();
