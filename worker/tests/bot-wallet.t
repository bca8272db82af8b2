# Wallets in the bot, end to end against a stateful local NEAR node
# (worker/tests/near-peer/node.mjs: near-api-js decodes and verifies every
# transaction, and keeps accounts, keys, nonces and balances): /wallet
# creates the player's account once, /withdraw asks for confirmation and
# pays once, /history links the explorer; a worker SIGKILLed while the node
# held a creating or paying transaction leaves one account and one payment;
# bad requests change nothing; no secret key reaches any log.
use strict;
use warnings;
use utf8;
use lib 'tests/lib';
use Test::More;
use JSON::PP;
use Time::HiRes qw(sleep time);
use MM::NearNode;
use MM::Stack;

binmode(Test::More->builder->$_, ":encoding(UTF-8)") for qw(output failure_output todo_output);
my $json = JSON::PP->new->canonical;
my $vectors = 'worker/tests/near-vectors/vectors.json';
my $master = do { open my $f, '<', $vectors or die; local $/; $json->decode(<$f>)->{keys}{master} };
my $seal = 'a wallet sealing key of at least thirty-two characters';
my $near = '000000000000000000000000';       # 24 zeros: 1 NEAR is "1$near"

# the node, with the operator's account and a token
my $s = MM::Stack->new(name => 'bot-wallet', webhook => 1);
my $node = MM::NearNode->new(dir => $s->dir, accounts => {
        'quizbot.testnet' => { amount => "100$near", keys => [{ public_key => $master->{public_key},
                                                                 nonce => 0, permission => 'FullAccess' }] },
        'alice.testnet' => { amount => "1$near", keys => [] } },
    tokens => { 'usdc.testnet' => { decimals => 6, symbol => 'USDC', name => 'USD Coin',
                                    storage_min => '1250000000000000000000',
                                    balances => { 'alice.testnet' => '5000000' } } });
sub chain_state { $node->state }

my %env = (NEAR_WALLET_ADDRESS => 'quizbot.testnet', NEAR_WALLET_PRIVATE_KEY => $master->{secret_key},
           WALLET_ENCRYPTION_KEY => $seal, NEAR_RPC_ENDPOINT => $node->url,
           NEAR_TOKENS => 'USDC=usdc.testnet:6', NEAR_RPC_BACKOFF_MS => 20, NEAR_RPC_TIMEOUT_MS => 2000,
           MM_JOB_LEASE_MS => 3000);
my $hook = `env DATABASE_URL=unused TELEGRAM_TOKEN=$MM::Stack::Token TELEGRAM_API_BASE=@{[$s->api_url]} WEBHOOK_URL=@{[$s->webhook_url]} WEBHOOK_SECRET=$MM::Stack::Secret @{[$s->worker_bin]} set-webhook 2>&1`;
is($? >> 8, 0, 'the webhook is set') or diag $hook;
$s->start_worker(0, %env);

sub said { $s->said(@_) }
sub buttons { map { @$_ } @{ $_[0]{params}{reply_markup}{inline_keyboard} || [] } }
sub press {
    my ($user, $msg, $data) = @_;
    my @before = $s->calls(method => 'answerCallbackQuery');
    $s->press($user, $msg->{response}{result}, $data);
    my @acks = $s->wait_calls(method => 'answerCallbackQuery', count => @before + 1);
    return $acks[-1]{params}{text};
}
sub creates { scalar grep { grep { ($_ // '') eq 'CreateAccount' } @{ $_->{actions} || [] } } @{ chain_state()->{txs} } }

my $ann = { id => 2101, first_name => 'Ann' };
my $bob = { id => 2102, first_name => 'Bob' };
my $cid = { id => 2103, first_name => 'Cid' };

# with NEAR configured, the wallet commands are offered
my ($private_menu) = grep { $_->{params}{scope}{type} eq 'all_private_chats' }
                     $s->calls(method => 'setMyCommands');
is_deeply([map { $_->{command} } @{ $private_menu->{params}{commands} }],
          [qw(start play createquiz myquizzes leaderboard stats stop cancel wallet withdraw history help)],
          'setMyCommands lists /wallet, /withdraw and /history');
my ($help) = said($ann, '/help');
like($help->{params}{text}, qr{^/wallet — .*\n/withdraw — .*\n/history — }m, 'and so does /help');

# /wallet: created on first use, once
my ($creating, $opened) = said($ann, '/wallet', 2);
like($creating->{params}{text}, qr/Creating your wallet on NEAR/, '/wallet: creation announced');
like($opened->{params}{text}, qr/Your wallet is ready!.*<code>user2101\.quizbot\.testnet<\/code>/s,
     'the account is named');
like($opened->{params}{text}, qr/NEAR: <b>0\.00182<\/b>\nUSDC: <b>0<\/b>/, 'with its balances');
like($opened->{params}{text}, qr/custodial wallet: the bot keeps its key, encrypted/, 'and the custodial notice');
like($opened->{params}{text}, qr{href="https://testnet\.nearblocks\.io/address/user2101\.quizbot\.testnet"},
     'an explorer link');
my $acct = chain_state()->{accounts}{'user2101.quizbot.testnet'};
ok($acct, 'the account exists on the node');
my ($pub, $sealed, $wstate) = split /\|/, $s->psql("SELECT public_key, sealed_key, state FROM wallets WHERE telegram_user_id = 2101");
is($acct->{keys}[0]{public_key}, $pub, 'with the key the bot stored');
is($wstate, 'active', 'the wallet is active');
unlike($sealed, qr/ed25519:/, 'the stored key is sealed, not plain');
my ($again) = said($ann, '/wallet');
unlike($again->{params}{text}, qr/ready!/, 'a second /wallet shows it');
is(creates(), 1, 'without creating anything');

# a chain_done timer fired twice (a worker died between sending it into the
# stream and deleting its row): the end of the job is announced once
my $job = $s->psql("SELECT id FROM jobs WHERE kind = 'wallet' AND user_id = 2101 ORDER BY id LIMIT 1");
my $before = $s->calls(chat_id => 2101, method => 'sendMessage');
my $part = 2101 % 16;
$s->redis->cli('XADD', "mm:updates:p:$part", '*', 'timer',
               qq({"job":$job,"kind":"chain_done","chat_id":2101}), 'received_at', int(time * 1000));
my ($next_said) = said($ann, '/history');
like($next_said->{params}{text}, qr/History/, 'the chat goes on after the repeated timer');
is(scalar($s->calls(chat_id => 2101, method => 'sendMessage')), $before + 1,
   'and the repeated timer said nothing');
# nor can a job's end be announced in another chat
$s->redis->cli('XADD', "mm:updates:p:" . (2102 % 16), '*', 'timer',
               qq({"job":$job,"kind":"chain_done","chat_id":2102}), 'received_at', int(time * 1000));
sleep 1;
ok(!(grep { $_->{params}{text} =~ /user2101/ } $s->calls(chat_id => 2102, method => 'sendMessage')),
   "a job's end is never told in another chat");

# the day's budget of new wallets (each costs the operator its first balance)
{
    my $opened = $s->psql("SELECT count(*) FROM wallets WHERE created_at > now() - interval '1 day'");
    $s->stop_worker(0);
    $s->start_worker(9, %env, MM_WALLETS_PER_DAY => $opened);
    my $late = { id => 2199, first_name => 'Late' };
    my ($paused) = said($late, '/wallet');
    like($paused->{params}{text}, qr/New wallets are paused for today/, 'a new wallet over the budget: refused');
    is($s->psql('SELECT count(*) FROM wallets WHERE telegram_user_id = 2199'), 0, 'and none made');
    my ($still) = said($ann, '/wallet');
    like($still->{params}{text}, qr/user2101\.quizbot\.testnet/, 'an existing wallet still opens');
    $s->stop_worker(9);
    $s->start_worker(0, %env);
}

# two /wallet at once: one account
$s->user_message($bob, '/wallet');
$s->user_message($bob, '/wallet');
my @bob = $s->wait_calls(chat_id => 2102, method => 'sendMessage', count => 2);
ok((grep { $_->{params}{text} =~ /user2102\.quizbot\.testnet/ } @bob), 'Bob has a wallet');
sleep 0.5;
is(scalar($s->calls(chat_id => 2102, method => 'sendMessage')), 2, 'announced and shown once');
is(creates(), 2, 'one creation for two requests');

# bad withdrawals: clear answers, nothing recorded
my %bad = ('/withdraw' => qr/Usage: <code>\/withdraw &lt;amount&gt;/,
           '/withdraw 1 DOGE alice.testnet' => qr/I don't know the token &quot;DOGE&quot;/,
           '/withdraw 0.0001 NEAR alice.testnet' => qr/smallest withdrawal is 0\.001 NEAR/,
           '/withdraw 1.1234567 USDC alice.testnet' => qr/at most 6 digits after the point/,
           '/withdraw 1 NEAR Not-An_Account!' => qr/is not a NEAR account id/,
           '/withdraw 1 NEAR user2101.quizbot.testnet' => qr/That is this wallet itself/);
for my $cmd (sort keys %bad) {
    my ($r) = said($ann, $cmd);
    like($r->{params}{text}, $bad{$cmd}, "refused: $cmd");
}
my ($nowallet) = said($cid, '/withdraw 1 NEAR alice.testnet');
like($nowallet->{params}{text}, qr/Open your wallet first/, 'no wallet: told to open one');
is($s->psql('SELECT count(*) FROM withdrawals'), 0, 'nothing recorded');

# a withdrawal: asked, cancelled; asked again, confirmed twice, paid once
$node->fund('user2101.quizbot.testnet', "2$near");
my ($ask) = said($ann, '/withdraw 0.5 NEAR alice.testnet');
like($ask->{params}{text}, qr/Withdraw <b>0\.5 NEAR<\/b> from <code>user2101\.quizbot\.testnet<\/code> to <code>alice\.testnet<\/code>\?/,
     'the withdrawal is spelled out');
my ($ok, $no) = buttons($ask);
like($ok->{callback_data}, qr/^x:ok:\d+:\d+$/, 'a confirm button bound to the request');
is(press($ann, $ask, $no->{callback_data}), 'Cancelled', 'cancel');
my ($ask2) = said($ann, '/withdraw 0.5 NEAR alice.testnet');
is(press($ann, $ask, (buttons($ask))[0]{callback_data}), 'This request is no longer open.',
   'a cancelled request cannot be confirmed');
my ($ok2) = buttons($ask2);
is(press($bob, $ask2, $ok2->{callback_data}), 'This request is no longer open.',
   "another player cannot confirm it");
is(press($ann, $ask2, $ok2->{callback_data}), 'Confirmed', 'confirmed');
is(press($ann, $ask2, $ok2->{callback_data}), 'This request is no longer open.', 'a second press does nothing');
my ($sent) = said($ann, undef);
like($sent->{params}{text}, qr/✅ Sent 0\.5 NEAR to <code>alice\.testnet<\/code>\. <a href="https:\/\/testnet\.nearblocks\.io\/txns\/\w+">View the transaction<\/a>/,
     'sent, with the transaction');
my $st = chain_state();
is($st->{accounts}{'alice.testnet'}{amount}, "15" . substr($near, 1), 'alice received 0.5 NEAR once');
my @out = grep { $_->{signer_id} eq 'user2101.quizbot.testnet' } @{ $st->{txs} };
is(scalar(@out), 1, 'one transaction from the wallet');
is($s->psql("SELECT state || ' ' || signer_id FROM payouts WHERE purpose LIKE 'withdraw:%'"),
   'paid user2101.quizbot.testnet', 'one payout, paid from the wallet');

# an expired confirmation
my ($ask3) = said($ann, '/withdraw 0.1 NEAR alice.testnet');
$s->psql("UPDATE withdrawals SET created_at = now() - interval '6 minutes' WHERE state = 'awaiting'");
is(press($ann, $ask3, (buttons($ask3))[0]{callback_data}), 'This request is no longer open.',
   'a confirmation older than 5 minutes is refused');

# a token withdrawal refused by the chain: explained, nothing moved
my ($ask4) = said($ann, '/withdraw 1 USDC alice.testnet');
press($ann, $ask4, (buttons($ask4))[0]{callback_data});
my ($refused) = said($ann, undef);
like($refused->{params}{text}, qr/❌ The network refused sending 1 USDC to <code>alice\.testnet<\/code>: /,
     'a withdrawal the chain refuses is explained');

# /history
my ($hist) = said($ann, '/history');
like($hist->{params}{text}, qr/↗️ 0\.5 NEAR to <code>alice\.testnet<\/code> · ✅ · <a href="https:\/\/testnet\.nearblocks\.io\/txns\//,
     '/history lists the withdrawal with its link');

# crash while the node holds a creating transaction: one account
$node->fault(method => 'send_tx', kind => 'drop_after_apply');
my $dan = { id => 2104, first_name => 'Dan' };
my ($dc) = said($dan, '/wallet');
like($dc->{params}{text}, qr/Creating your wallet/, 'a wallet for the crash');
my $t0 = time;
sleep 0.05 until chain_state()->{accounts}{'user2104.quizbot.testnet'} || time - $t0 > 10;
ok(chain_state()->{accounts}{'user2104.quizbot.testnet'}, 'the node applied the creation');
$s->stop_worker(0, 'KILL');
pass('and the worker was SIGKILLed before hearing so');
$s->start_worker(1, %env);
my ($dan_ok) = said($dan, undef);
like($dan_ok->{params}{text}, qr/<code>user2104\.quizbot\.testnet<\/code>/, 'the next worker finished it');
is(creates(), 3, 'one creation for Dan');
is($s->psql("SELECT state FROM wallets WHERE telegram_user_id = 2104"), 'active', 'active');

# crash while the node holds a withdrawal: paid once
$node->fund('user2104.quizbot.testnet', "1$near");
my ($ask5) = said($dan, '/withdraw 0.25 NEAR alice.testnet');
$node->fault(method => 'send_tx', kind => 'drop_after_apply');
press($dan, $ask5, (buttons($ask5))[0]{callback_data});
my $alice = chain_state()->{accounts}{'alice.testnet'}{amount};
$t0 = time;
sleep 0.05 until chain_state()->{accounts}{'alice.testnet'}{amount} ne $alice || time - $t0 > 10;
$s->stop_worker(1, 'KILL');
pass('a worker SIGKILLed while its withdrawal was held');
$s->start_worker(2, %env);
my ($dan_paid) = said($dan, undef);
like($dan_paid->{params}{text}, qr/✅ Sent 0\.25 NEAR to <code>alice\.testnet<\/code>/, 'the next worker settled it');
is(scalar(grep { $_->{signer_id} eq 'user2104.quizbot.testnet' } @{ chain_state()->{txs} }), 1,
   'one transaction from Dan\'s wallet');
is($s->psql("SELECT count(*) FROM payouts WHERE signer_id = 'user2104.quizbot.testnet' AND state = 'paid'"), 1,
   'one payout, paid');

# metrics and logs
my %m = $s->redis->cli('HGETALL', 'mm:metrics');
ok((grep { /^mm_near_rpc_calls_total\{endpoint="127\.0\.0\.1",rank="0",outcome="ok"\}$/ } keys %m),
   'RPC calls counted per endpoint') or diag join "\n", keys %m;
$s->stop_worker(2);
my @logs = glob($s->dir . '/logs/*');
my $all = join '', map { open my $f, '<', $_; local $/; <$f> // '' } @logs;
ok(length($all) > 1000, 'the logs were read (' . scalar(@logs) . ' files)');
is(scalar(grep { index($all, $_) >= 0 } ($master->{secret_key}, $seal)), 0, 'no secret key or sealing key in any log');
is(scalar(() = $all =~ /ed25519:[1-9A-HJ-NP-Za-km-z]{60,}/g), 0, 'nothing shaped like a secret key either');

$node->stop;
$s->stop;
done_testing;
