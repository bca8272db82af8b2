# Reading balances the way nodes answer: view_account, call_function's
# byte-array results, unknown accounts, unregistered token holders, the
# legacy "error inside result" form, and garbage.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use JSON::PP;
use MIME::Base64 qw(decode_base64);
use MM::FakeHttp;
use MM::NearAnswers;

my $json = JSON::PP->new->canonical;

sub balance {
    my ($server, @args) = @_;
    local $ENV{NEAR_RPC_ENDPOINT} = $server->url;
    local $ENV{NEAR_RPC_BACKOFF_MS} = 10;
    my $out = `build/mm-worker near balance @args 2>&1`;
    return ($? >> 8, $out, [map { $json->decode($_->{body}) } $server->requests]);
}

{
    my $s = MM::FakeHttp->new([result({ amount => '999788200694421800000000', locked => '0',
                                        storage_usage => 410, block_height => 1 })]);
    my ($rc, $out, $reqs) = balance($s, 'bob.testnet');
    is($rc, 0, 'NEAR balance');
    is_deeply($json->decode($out), { account => 'bob.testnet', token => 'NEAR',
                                     balance => '999788200694421800000000' }, 'the amount, exact');
    is_deeply($reqs->[0]{params}, { request_type => 'view_account', finality => 'final',
                                    account_id => 'bob.testnet' }, 'view_account at final');
}
{
    my $s = MM::FakeHttp->new([{ status => 200, body => '{"jsonrpc":"2.0","id":"1","error":{"name":"HANDLER_ERROR","cause":{"name":"UNKNOWN_ACCOUNT","info":{}}}}' }]);
    my ($rc, $out) = balance($s, 'nobody.testnet');
    is($rc, 1, 'an unknown account: exit 1');
    like($out, qr/account nobody.testnet does not exist/, 'says so');
}
{
    my $s = MM::FakeHttp->new([view('{"total":"1250000000000000000000","available":"0"}'), view('"100"')]);
    my ($rc, $out, $reqs) = balance($s, 'bob.testnet', 'token.testnet');
    is($rc, 0, 'token balance');
    is_deeply($json->decode($out), { account => 'bob.testnet', token => 'token.testnet',
                                     balance => '100', registered => JSON::PP::true }, 'registered, 100');
    is($reqs->[1]{params}{method_name}, 'ft_balance_of', 'ft_balance_of');
    is_deeply($json->decode(decode_base64($reqs->[1]{params}{args_base64})),
              { account_id => 'bob.testnet' }, 'args as base64 JSON');
}
{
    my $s = MM::FakeHttp->new([view('null')]);
    my ($rc, $out, $reqs) = balance($s, 'new.testnet', 'token.testnet');
    is($rc, 0, 'an unregistered holder');
    is_deeply($json->decode($out), { account => 'new.testnet', token => 'token.testnet',
                                     balance => '0', registered => JSON::PP::false }, 'holds nothing, not registered');
    is(scalar @$reqs, 1, 'no balance call needed');
}
{
    my $s = MM::FakeHttp->new([result({ error => 'wasm execution failed with error: MethodResolveError(MethodNotFound)',
                                        logs => [], block_height => 1, block_hash => 'x' })]);
    my ($rc, $out) = balance($s, 'bob.testnet', 'notatoken.testnet');
    is($rc, 3, 'a contract error in the legacy result form: failure');
    like($out, qr/MethodNotFound/, 'with its text');
}
{
    # an account with no contract is no token: an error, never "holds 0"
    my $s = MM::FakeHttp->new([error('NO_CONTRACT_CODE')]);
    my ($rc, $out) = balance($s, 'bob.testnet', 'mistyped.testnet');
    is($rc, 3, 'no contract at the token account: failure, not a zero balance');
    like($out, qr/NO_CONTRACT_CODE/, 'named');
}
{
    my $s = MM::FakeHttp->new([view('{"total":"1","available":"0"}'), view('not json')]);
    my ($rc, $out) = balance($s, 'bob.testnet', 'token.testnet');
    is($rc, 3, 'a token returning garbage: failure');
    like($out, qr/not JSON/, 'says what is wrong');
}

sub near {
    my ($server, @args) = @_;
    local $ENV{NEAR_RPC_ENDPOINT} = $server->url;
    local $ENV{NEAR_RPC_BACKOFF_MS} = 10;
    my $out = `build/mm-worker near @args 2>&1`;
    return ($? >> 8, $out, [map { $json->decode($_->{body}) } $server->requests]);
}
{
    my $s = MM::FakeHttp->new([result({ header => { height => 187440904, hash => '2fGYErCeD3qzAAmzCBCUEi1UJwme1SdmnhqCGcQ645Bs' } })]);
    my ($rc, $out, $reqs) = near($s, 'block');
    is_deeply($json->decode($out), { hash => '2fGYErCeD3qzAAmzCBCUEi1UJwme1SdmnhqCGcQ645Bs', height => 187440904 },
              'the final block');
    is_deeply($reqs->[0]{params}, { finality => 'final' }, 'asked at final');
}
{
    my $pk = 'ed25519:4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS';
    my $s = MM::FakeHttp->new([result({ nonce => 85000000000001, permission => 'FullAccess', block_height => 1 })]);
    my ($rc, $out, $reqs) = near($s, 'nonce', 'quizbot.testnet', $pk);
    is_deeply($json->decode($out), { nonce => 85000000000001 }, 'the nonce, beyond 2^32');
    is($reqs->[0]{params}{finality}, 'optimistic', 'read at the optimistic head');
    $s = MM::FakeHttp->new([result({ error => "access key $pk does not exist while viewing", logs => [], block_height => 1 })]);
    ($rc, $out) = near($s, 'nonce', 'quizbot.testnet', $pk);
    is($rc, 1, 'a missing key in the legacy result form');
    $s = MM::FakeHttp->new([{ status => 200, body => '{"jsonrpc":"2.0","id":"1","error":{"name":"HANDLER_ERROR","cause":{"name":"UNKNOWN_ACCESS_KEY","info":{}}}}' }]);
    ($rc, $out) = near($s, 'nonce', 'quizbot.testnet', $pk);
    is($rc, 1, 'a missing key as an error cause');
    like($out, qr/has no key/, 'says so');
}

done_testing();
