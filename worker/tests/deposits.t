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
use MM::NearNode;
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

# --- against the local NEAR node: real transactions, signed and applied ---
my $keys = do { open my $f, '<', 'worker/tests/near-vectors/vectors.json' or die; local $/;
                $json->decode(<$f>)->{keys} };
my $near = '000000000000000000000000';
my $dir = 't/servroot-deposits/node';
mkdir $dir;
my $node = MM::NearNode->new(dir => $dir, accounts => {
    'quizbot.testnet' => { amount => "1000$near",
                           keys => [{ public_key => $keys->{master}{public_key} }] },
    'alice.testnet' => { amount => "100$near",
                         keys => [{ public_key => $keys->{user}{public_key} }] },
    'user11.quizbot.testnet' => { amount => "5$near",
                                  keys => [{ public_key => $keys->{user}{public_key} }] },
    'user12.quizbot.testnet' => { amount => '0', keys => [] },
}, tokens => { 'usd.testnet' => { decimals => 6, symbol => 'USD', balances => {
    'alice.testnet' => '1000000000', 'quizbot.testnet' => '0',
    'user11.quizbot.testnet' => '0' } } });
my %nonce;
my %secret = ('quizbot.testnet' => $keys->{master}{secret_key});

# signs with near sign and sends with near send; the hash, whatever the chain made of it
sub send_tx {
    my ($signer, $receiver, @actions) = @_;
    local $ENV{NEAR_RPC_ENDPOINT} = $node->url;
    my $head = $json->decode(`build/mm-worker near block`)->{hash};
    my $desc = $json->encode({ signer_id => $signer,
                               secret_key => $secret{$signer} || $keys->{user}{secret_key},
                               receiver_id => $receiver, nonce => ++$nonce{$signer},
                               block_hash => $head, actions => \@actions });
    my $cmd = "echo '$desc' | build/mm-worker near sign | build/mm-worker near send $signer";
    my $out = `$cmd 2>/dev/null`;
    my $r = $json->decode($out);
    die "not sent: $out" unless $r->{hash};
    return $r->{hash};
}
sub pay { send_tx('alice.testnet', $_[0], { Transfer => { deposit => $_[1] } }) }
sub ft_pay {
    my ($to, $amount, $memo) = @_;
    my $args = { receiver_id => $to, amount => $amount, defined $memo ? (memo => $memo) : () };
    send_tx('alice.testnet', 'usd.testnet', { FunctionCall => { method_name => 'ft_transfer',
        args => encode_base64($json->encode($args), ''), gas => 30000000000000, deposit => '1' } });
}
sub on_node {
    my ($user, $hash, $token, $min, @more) = @_;
    local $ENV{NEAR_RPC_ENDPOINT} = $node->url;
    $redis->cli('DEL', "mm:deposit:verify:$user:" . int(time / 600));   # not the rate under test
    my $out = `build/mm-worker deposits verify $user $hash $token $min @more 2>&1`;
    my $r = eval { $json->decode($out) } || { raw => $out };
    $r->{rc} = $? >> 8;
    return $r;
}
sub rows { $pg->psql("SELECT count(*) FROM deposits WHERE tx_hash = '$_[0]'") }
sub quiz {
    $pg->psql("INSERT INTO quizzes (chat_id, creator_id, topic, question_count, seconds, "
              . "duration_s) VALUES (-100500, $_[0], 'rivers', 5, 20, 600) RETURNING id");
}
my ($q1, $q2, $q3) = (quiz(11), quiz(11), quiz(12));

# (a) a payment to the user's own wallet, from anyone
my $own = pay('user11.quizbot.testnet', "2$near");
$r = on_node(11, $own, 'NEAR', "1$near");
is($r->{result}, 'credited', 'node: a hash paying the user\'s own wallet is credited')
    or diag($json->encode($r));
is($pg->psql("SELECT telegram_user_id || ' ' || signer_id || ' ' || token || ' ' || amount "
             . "FROM deposits WHERE tx_hash = '$own'"), "11 alice.testnet NEAR 2$near",
   'once, to that user, as the chain shows it');
$r = on_node(11, $own, 'NEAR', '1');
like($r->{reason}, qr/credited before/, 'node: the same hash again is refused');
$r = on_node(12, $own, 'NEAR', '1');
like($r->{reason},
     qr/pays someone else \(user11.quizbot.testnet\), not your wallet user12.quizbot.testnet/,
     'node: another user pasting it is told it paid someone else');
is(rows($own), 1, 'still one row');

my $theirs = pay('user12.quizbot.testnet', "1$near");
$r = on_node(11, $theirs, 'NEAR', '1');
is($r->{result}, 'rejected', 'node: a hash paying someone else\'s wallet is refused');
like($r->{reason}, qr/pays someone else \(user12.quizbot.testnet\)/, 'and says so');
is(rows($theirs), 0, 'nothing written');

my $self = send_tx('user11.quizbot.testnet', 'user11.quizbot.testnet',
                   { Transfer => { deposit => "1$near" } });
$r = on_node(11, $self, 'NEAR', '1');
like($r->{reason}, qr/user11.quizbot.testnet paid itself/,
     'node: a wallet paying itself is refused');
is(rows($self), 0, 'nothing written');

# the operator's own payment into the wallet (how a wallet is opened: its
# first balance; an operator's `near transfer`): the bot's, not a deposit
my $opened = send_tx('quizbot.testnet', 'user11.quizbot.testnet',
                     { Transfer => { deposit => "1$near" } });
$r = on_node(11, $opened, 'NEAR', '1');
is($r->{result}, 'rejected', 'node: a payment signed by the operator is refused');
like($r->{reason}, qr/the bot itself sent that transaction/, 'as the bot\'s own');
is(rows($opened), 0, 'nothing written');

my $ft_own = ft_pay('user11.quizbot.testnet', '5000000', 'top up');
$r = on_node(11, $ft_own, 'usd.testnet', '5000000');
is($r->{result}, 'credited', 'node: an ft_transfer to the user\'s own wallet is credited')
    or diag($json->encode($r));
is($r->{amount}, '5000000', 'of its amount');

# a bare payment to the operator binds to nobody
my $bare = pay('quizbot.testnet', "3$near");
$r = on_node(11, $bare, 'NEAR', '1');
is($r->{result}, 'rejected', 'node: a bare NEAR transfer to the operator is refused');
like($r->{reason}, qr/pays the operator quizbot.testnet, not your wallet user11.quizbot.testnet/,
     'and says why');
$r = on_node(11, $bare, 'NEAR', '1', '--quiz', $q1);
like($r->{reason}, qr/NEAR transfer carries no memo naming quiz $q1/,
     'node: NEAR never funds a quiz: no memo');
my $bare_ft = ft_pay('quizbot.testnet', '7000000');
$r = on_node(11, $bare_ft, 'usd.testnet', '1');
like($r->{reason}, qr/pays the operator/,
     'node: an ft_transfer to the operator without --quiz is refused');
$r = on_node(11, $bare_ft, 'usd.testnet', '1', '--quiz', $q1);
like($r->{reason},
     qr/memo of its ft_transfer to quizbot.testnet does not name the quiz: it must be quiz:$q1/,
     'node: with --quiz, one without a memo is refused');
is(rows($bare) + rows($bare_ft), 0, 'nothing written');

# (b) an ft_transfer to the operator with memo quiz:<id>, for that quiz's creator
my $funds = ft_pay('quizbot.testnet', '9000000', "quiz:$q1");
$r = on_node(12, $funds, 'usd.testnet', '1', '--quiz', $q1);
like($r->{reason}, qr/not the creator of quiz $q1/,
     'node: refused for a user who did not create the quiz');
$r = on_node(11, $funds, 'usd.testnet', '1', '--quiz', $q2);
like($r->{reason}, qr/does not name the quiz: it must be quiz:$q2/,
     'node: refused for a memo naming another quiz');
$r = on_node(12, $funds, 'usd.testnet', '1', '--quiz', $q3);
like($r->{reason}, qr/does not name the quiz/, 'node: also for another creator\'s own quiz');
$r = on_node(11, $funds, 'usd.testnet', '1');
like($r->{reason}, qr/pays the operator/, 'node: refused without --quiz');
$r = on_node(11, $funds, 'usd.testnet', '1', '--quiz', 999999);
like($r->{reason}, qr/no quiz 999999/, 'node: refused for a quiz that does not exist');
is(rows($funds), 0, 'nothing written by any of them');
$r = on_node(11, $funds, 'usd.testnet', '9000000', '--quiz', $q1);
is($r->{result}, 'credited', 'node: credited for the quiz\'s creator') or diag($json->encode($r));
is($r->{quiz}, $q1, 'named in the answer');
is($pg->psql("SELECT telegram_user_id || ' ' || token || ' ' || amount FROM deposits "
             . "WHERE tx_hash = '$funds'"),
   '11 usd.testnet 9000000', 'recorded');
$r = on_node(11, $funds, 'usd.testnet', '1', '--quiz', $q1);
like($r->{reason}, qr/credited before/, 'node: and only once');

# failed on chain: nothing moved, nothing credited
my $failed = pay('user13.quizbot.testnet', "1$near");            # no such account
$r = on_node(13, $failed, 'NEAR', '1');
is($r->{result}, 'rejected', 'node: a failed transaction is refused');
like($r->{reason}, qr/failed on chain: .*AccountDoesNotExist/, 'and says it failed on chain');
my $failed_ft = ft_pay('quizbot.testnet', '999999999999', "quiz:$q1");   # more than alice has
$r = on_node(11, $failed_ft, 'usd.testnet', '1', '--quiz', $q1);
like($r->{reason}, qr/failed on chain/, 'node: a failed ft_transfer naming the quiz is refused');
is(rows($failed) + rows($failed_ft), 0, 'nothing written');

is($pg->psql("SELECT count(*) FROM deposits WHERE tx_hash IN ('$own', '$theirs', '$self', "
             . "'$ft_own', '$bare', '$bare_ft', '$funds', '$failed', '$failed_ft')"), 3,
   'node: of nine transactions, the three that were the user\'s are credited');

$node->stop;
$redis->stop;
$pg->stop;
done_testing();
