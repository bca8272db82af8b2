# Sending safely: the outcome is asked by hash after a timeout, only the
# same bytes are re-sent, rejections and on-chain failures are told apart,
# and nothing counts as paid before it is final.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use JSON::PP;
use IPC::Open3;
use Symbol qw(gensym);
use MM::FakeHttp;
use MM::NearAnswers;

my $json = JSON::PP->new->canonical;
my $signed = '{"hash":"DafU4xwDoKNdvuQg6Nkxgxnm3JHz9bGVYzRLVQFoj9TF","signed_tx_base64":"DQAAAGFsaWNlLnRlc3RuZXQAO2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ikBAAAAAAAAAAsAAABib2IudGVzdG5ldBipU8TKO/6j7Pk9B8EyzLftgBe5cWusducmfCHaSYNuAQAAAAMAAACh7czOG8LTAAAAAAAAAJHQtlG2dXtkCdu+5hyxvEMUNowuW8QPkB9lbxKuuSsV7AI58o1S67T46AifVHUfoD0bJolDeiZKi3QNvNC42wM="}';

my $final_ok = outcome('FINAL', { SuccessValue => '' }, { SuccessValue => '' });

sub send_tx {
    my ($server, @more) = @_;
    local $ENV{NEAR_RPC_ENDPOINT} = $server->url;
    local $ENV{NEAR_RPC_BACKOFF_MS} = 10;
    my $pid = open3(my $in, my $out, my $err = gensym, 'build/mm-worker', 'near', 'send', 'alice.testnet', @more);
    print $in $signed;
    close $in;
    my $stdout = do { local $/; <$out> } // '';
    my $stderr = do { local $/; <$err> } // '';
    waitpid $pid, 0;
    my $report = eval { $json->decode($stdout) } || { raw => $stdout, err => $stderr };
    return ($? >> 8, $report, [map { $json->decode($_->{body}) } $server->requests]);
}

# final success at once
{
    my $s = MM::FakeHttp->new([$final_ok]);
    my ($rc, $r, $reqs) = send_tx($s);
    is($rc, 0, 'final success: exit 0');
    is($r->{result}, 'success', 'reported as success');
    is($reqs->[0]{method}, 'send_tx', 'sent with send_tx');
    is($reqs->[0]{params}{wait_until}, 'FINAL', 'waiting for FINAL by default');
    is($reqs->[0]{params}{signed_tx_base64}, $json->decode($signed)->{signed_tx_base64}, 'the signed bytes');
    is(scalar @$reqs, 1, 'one request');
}

# TIMEOUT_ERROR: ask by hash before anything else; the outcome is there
{
    my $s = MM::FakeHttp->new([error('TIMEOUT_ERROR'), $final_ok]);
    my ($rc, $r, $reqs) = send_tx($s);
    is($r->{result}, 'success', 'timeout, then found by hash: success');
    is_deeply([map { $_->{method} } @$reqs], ['send_tx', 'tx'], 'send_tx, then tx');
    is_deeply($reqs->[1]{params}, { tx_hash => 'DafU4xwDoKNdvuQg6Nkxgxnm3JHz9bGVYzRLVQFoj9TF',
                                    sender_account_id => 'alice.testnet', wait_until => 'NONE' },
              'tx by hash and sender, without waiting');
}

# unknown after a timeout: the same bytes once more, then pending (never a new tx)
{
    my $s = MM::FakeHttp->new([error('TIMEOUT_ERROR'), error('UNKNOWN_TRANSACTION'),
                               error('TIMEOUT_ERROR'), error('UNKNOWN_TRANSACTION')]);
    my ($rc, $r, $reqs) = send_tx($s);
    is($rc, 4, 'still unknown: exit 4');
    is($r->{result}, 'pending', 'reported as pending');
    is_deeply([map { $_->{method} } @$reqs], ['send_tx', 'tx', 'send_tx', 'tx'], 're-sent once, asked again');
    is($reqs->[2]{params}{signed_tx_base64}, $reqs->[0]{params}{signed_tx_base64}, 'the very same bytes');
}

# refused and unknown by hash: never on chain
{
    my $s = MM::FakeHttp->new([error('INVALID_TRANSACTION', { TxExecutionError => { InvalidTxError => 'Expired' } }),
                               error('UNKNOWN_TRANSACTION')]);
    my ($rc, $r, $reqs) = send_tx($s);
    is($rc, 1, 'rejected: exit 1');
    is($r->{result}, 'rejected', 'reported as rejected');
    like($r->{reason}, qr/Expired/, 'with the reason');
    is_deeply([map { $_->{method} } @$reqs], ['send_tx', 'tx'], 'after asking for it by hash');
}

# refused as Expired, but a re-send of bytes that landed before: its outcome stands
{
    my $s = MM::FakeHttp->new([error('INVALID_TRANSACTION', { TxExecutionError => { InvalidTxError => 'Expired' } }),
                               outcome('FINAL', { SuccessValue => '' })]);
    my ($rc, $r) = send_tx($s);
    is($r->{result}, 'success', 'Expired, yet known by hash: success');
}

# refused, and the look-up unanswered: not proven dead, so pending
{
    my $s = MM::FakeHttp->new([error('INVALID_TRANSACTION', { TxExecutionError => { InvalidTxError => 'Expired' } }),
                               error('TIMEOUT_ERROR')]);
    my ($rc, $r) = send_tx($s);
    is($r->{result}, 'pending', 'Expired and the look-up unanswered: pending, never rejected');
}

# InvalidNonce may be our own tx landed earlier: look it up first
{
    my $s = MM::FakeHttp->new([error('INVALID_TRANSACTION', { TxExecutionError => { InvalidTxError => { InvalidNonce => { tx_nonce => 1, ak_nonce => 1 } } } }), $final_ok]);
    my ($rc, $r, $reqs) = send_tx($s);
    is($r->{result}, 'success', 'InvalidNonce but found by hash: it was ours, success');
    is($reqs->[1]{method}, 'tx', 'looked up');
    $s = MM::FakeHttp->new([error('INVALID_TRANSACTION', { TxExecutionError => { InvalidTxError => { InvalidNonce => { tx_nonce => 1, ak_nonce => 5 } } } }), error('UNKNOWN_TRANSACTION')]);
    ($rc, $r) = send_tx($s);
    is($r->{result}, 'rejected', 'InvalidNonce and unknown: rejected');
    like($r->{reason}, qr/InvalidNonce/, 'says InvalidNonce');
}

# a refusal that may pass (NotEnoughBalance) of bytes a node may already hold:
# pending, never rejected — an earlier copy could still land beside a new
# transaction; fresh bytes refused on their one delivery (--first): rejected
{
    my $neb = error('INVALID_TRANSACTION', { TxExecutionError => { InvalidTxError => {
        NotEnoughBalance => { signer_id => 'alice.testnet', balance => '1', cost => '2' } } } });
    my $s = MM::FakeHttp->new([$neb, error('UNKNOWN_TRANSACTION')]);
    my ($rc, $r, $reqs) = send_tx($s);
    is($r->{result}, 'pending', 'NotEnoughBalance and unknown, the bytes maybe sent before: pending');
    like($r->{reason}, qr/refused for now.*NotEnoughBalance/, 'saying so');
    is($rc, 4, 'exit 4: the same bytes later');
    $s = MM::FakeHttp->new([$neb, error('UNKNOWN_TRANSACTION')]);
    ($rc, $r) = send_tx($s, '--first');
    is($r->{result}, 'rejected', 'fresh bytes refused on their one delivery: rejected');
    $s = MM::FakeHttp->new([error('TIMEOUT_ERROR'), error('UNKNOWN_TRANSACTION'), $neb,
                            error('UNKNOWN_TRANSACTION')]);
    ($rc, $r) = send_tx($s, '--first');
    is($r->{result}, 'pending', 'fresh, but delivered twice (a timeout first): pending');
    $s = MM::FakeHttp->new([{ status => 502, body => 'bad gateway' }, $neb,
                            error('UNKNOWN_TRANSACTION')]);
    ($rc, $r) = send_tx($s, '--first');
    is($r->{result}, 'pending', 'fresh, but after an attempt that got no answer: pending');
    $s = MM::FakeHttp->new([error('INVALID_TRANSACTION', { TxExecutionError => { InvalidTxError =>
                                'Expired' } }), error('UNKNOWN_TRANSACTION')]);
    ($rc, $r) = send_tx($s);
    is($r->{result}, 'rejected', 'a lasting refusal (Expired) of bytes maybe sent before: rejected');
}

# executed and failed; a receipt's failure (a token contract panic) counts
{
    my $s = MM::FakeHttp->new([outcome('FINAL', { Failure => { ActionError => { index => 0, kind => { AccountDoesNotExist => { account_id => 'bob.testnet' } } } } })]);
    my ($rc, $r) = send_tx($s);
    is($r->{result}, 'failed', 'a failed transaction');
    like($r->{reason}, qr/AccountDoesNotExist/, 'with the failure');
    $s = MM::FakeHttp->new([outcome('FINAL', { SuccessValue => '' }, { SuccessReceiptId => 'x' },
                                    { Failure => { ActionError => { index => 0, kind => { FunctionCallError => { ExecutionError => 'Smart contract panicked: The account doesn\'t have enough balance' } } } } })]);
    ($rc, $r) = send_tx($s);
    is($r->{result}, 'failed', 'a receipt failure fails the payment');
    like($r->{reason}, qr/receipt 1 failed.*panicked/, 'names the receipt');
}

# not final yet is not paid
{
    my $s = MM::FakeHttp->new([outcome('EXECUTED_OPTIMISTIC', { SuccessValue => '' })]);
    my ($rc, $r) = send_tx($s, 'EXECUTED_OPTIMISTIC');
    is($r->{result}, 'pending', 'optimistic execution is pending, not paid');
    is($r->{final_execution_status}, 'EXECUTED_OPTIMISTIC', 'with the level seen');
}

# no endpoint at all: pending, not failed (the tx may have left)
{
    my $s = MM::FakeHttp->new([{ status => 502, body => 'bad gateway' }]);
    my ($rc, $r) = send_tx($s);
    is($r->{result}, 'pending', 'nobody answers: pending');
}

done_testing();
