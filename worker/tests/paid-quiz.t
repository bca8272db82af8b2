# Paid quizzes end to end against the local NEAR node: the wizard's paid
# branch (a prize too large for the wallet refused with nothing recorded,
# then a custom split), the pool moved from the creator's bot wallet before
# the quiz goes live, the prizes of the eligible (a flagged player and one
# who left a members-only group excluded) paid once to wallets opened for
# them, a token quiz whose unclaimed ranks go back to its creator, and a
# funded quiz cancelled before it opened refunded.  Sums are checked on the
# node, to the unit.
use strict;
use warnings;
use utf8;
use lib 'tests/lib';
use Test::More;
use JSON::PP;
use Math::BigInt;
use Time::HiRes qw(sleep time);
use MM::NearNode;
use MM::QuizTest;
use MM::Stack;

binmode(Test::More->builder->$_, ":encoding(UTF-8)") for qw(output failure_output todo_output);
my $json = JSON::PP->new->canonical;
my $vectors = 'worker/tests/near-vectors/vectors.json';
my $master = do { open my $f, '<', $vectors or die; local $/; $json->decode(<$f>)->{keys}{master} };
my $near = '000000000000000000000000';       # 24 zeros: 1 NEAR is "1$near"
my $op = 'quizbot.testnet';
my $initial = '1820000000000000000000';      # a new wallet's balance (mm_near_wallet.h)

my $s = MM::Stack->new(name => 'paid-quiz', webhook => 1);
my $node = MM::NearNode->new(dir => $s->dir, accounts => {
        $op => { amount => "1000$near", keys => [{ public_key => $master->{public_key}, nonce => 0,
                                                     permission => 'FullAccess' }] } },
    tokens => { 'usdc.testnet' => { decimals => 6, symbol => 'USDC', name => 'USD Coin',
                                    storage_min => '1250000000000000000000',
                                    balances => { "user101.$op" => '50000000' } } });
my %env = (NEAR_WALLET_ADDRESS => $op, NEAR_WALLET_PRIVATE_KEY => $master->{secret_key},
           WALLET_ENCRYPTION_KEY => 'a wallet sealing key of at least thirty-two characters',
           NEAR_RPC_ENDPOINT => $node->url, NEAR_TOKENS => 'USDC=usdc.testnet:6',
           NEAR_RPC_BACKOFF_MS => 20, NEAR_RPC_TIMEOUT_MS => 2000, MM_JOB_LEASE_MS => 3000,
           MM_FEE_BPS => 100, MM_MIN_ANSWER_MS => 300, MM_CHAIN_SWEEP_S => 1);
$s->{env} = { %{ $s->{env} }, %env };
my $out = $s->set_webhook;
is($? >> 8, 0, 'webhook set') or diag $out;
$s->start_worker(0);
my $q = MM::QuizTest->new($s);

my $ann = { id => 101, first_name => 'Ann' };
my @p = map { { id => 1000 + $_, first_name => "P$_" } } 1 .. 6;
$s->api('POST', '/_ctl/users', $_) for $ann, @p;
my (undef, $g) = $s->api('POST', '/_ctl/groups', { title => 'Prize night', admin_id => 101,
                                                    member_ids => [101, map { $_->{id} } @p] });
my $G = $g->{chat_id};
my $group = { id => $G, type => 'supergroup', title => 'Prize night' };
ok($q->wait_text($G, qr/Admins: \/createquiz/), 'the bot is in the group');

sub balance { my ($acct) = @_; Math::BigInt->new(($node->state->{accounts}{$acct} || {})->{amount} // 0) }
sub yocto { Math::BigInt->new($_[0]) }
sub token_balance { my ($acct) = @_; $node->state->{tokens}{'usdc.testnet'}{balances}{$acct} // 0 }
sub payouts_run {
    my ($code, $o, $e) = $s->cli('payouts', 'run');
    return $code == 0 ? $o : diag("payouts run: $e");
}

# Ann's wallet, opened by /wallet and topped up from outside
my ($w) = $q->say_in($ann, '/wallet');
ok($q->wait_text(101, qr/user101\.quizbot\.testnet/, 30), 'Ann has a bot wallet');
$node->fund("user101.$op", "2$near");

# --- the paid branch of the wizard -------------------------------------------------
my ($go) = $q->say_in($ann, '/createquiz', $group);
my ($topic) = $q->say_in($ann, "/start create_$G");
my ($st) = $q->press_for($ann, $topic, $q->button($topic, qr/^science$/)->{callback_data}, 'editMessageText');
($st) = $q->press_for($ann, $st, $q->button($st, qr/Skip/)->{callback_data}, 'editMessageText');
($st) = $q->say_in($ann, '3');
($st) = $q->say_in($ann, '10');
($st) = $q->press_for($ann, $st, $q->button($st, qr/Now/)->{callback_data}, 'editMessageText');
($st) = $q->say_in($ann, '10 min');
is_deeply([map { $_->{text} } grep { $_->{callback_data} !~ /!/ } $q->buttons($st)],
          ['🆓 Free', '💰 With a prize'], 'with wallets, a prize is offered');
($st) = $q->press_for($ann, $st, $q->button($st, qr/With a prize/)->{callback_data}, 'editMessageText');
is_deeply([map { $_->{text} } grep { $_->{callback_data} !~ /!/ } $q->buttons($st)], ['NEAR', 'USDC'],
          'NEAR or a configured token');
($st) = $q->press_for($ann, $st, $q->button($st, qr/^NEAR$/)->{callback_data}, 'editMessageText');
my ($bad) = $q->say_in($ann, '1.5.2');
like($bad->{params}{text}, qr/Type an amount like/, 'an amount that is not one: what to type');
($bad) = $q->say_in($ann, '0.001');
like($bad->{params}{text}, qr/A prize is at least 0\.01 NEAR/, 'too small: refused');
($st) = $q->say_in($ann, '5');
like($st->{params}{text}, qr/How is it shared/, 'the split');
($st) = $q->press_for($ann, $st, $q->button($st, qr/Top 3/)->{callback_data}, 'editMessageText');
($st) = $q->press_for($ann, $st, $q->button($st, qr/Yes/)->{callback_data}, 'editMessageText');
my $sum = $q->wait_text(101, qr/Summary/, 30);
like($sum->{params}{text}, qr/Prize: 5 NEAR — 🥇 2\.5 NEAR · 🥈 1\.5 NEAR · 🥉 1 NEAR\nService fee: 0\.05 NEAR\nFrom your wallet: 5\.05 NEAR/,
     'the summary: each rank\'s amount, the fee, what leaves the wallet');
$q->press_for($ann, $sum, $q->button($sum, qr/Create/)->{callback_data}, 'editMessageText');
my $short = $q->wait_text(101, qr/could not be moved/, 30);
like($short->{params}{text}, qr/your wallet has 2\.00182 NEAR, and this prize needs 5\.05 NEAR/,
     'too little in the wallet: refused, saying how much there is and is needed');
is($s->psql("SELECT count(*) FROM payouts WHERE purpose LIKE 'quiz:%'"), 0, 'nothing recorded');
ok($q->wait_text(101, qr/How much in all/), 'back to the amount');
is($s->psql("SELECT count(*) FROM quizzes WHERE status NOT IN ('cancelled')"), 0,
   'and no quiz is left but cancelled ones');

# a smaller prize, shared as the creator types it
($st) = $q->say_in($ann, '1');
($st) = $q->press_for($ann, $st, $q->button($st, qr/Custom/)->{callback_data}, 'editMessageText');
($bad) = $q->say_in($ann, '0.5, 0.3');
like($bad->{params}{text}, qr/must add up to the whole prize/, 'amounts that do not add up: refused');
($st) = $q->say_in($ann, '0.5, 0.3, 0.2');
like($st->{params}{text}, qr/still in the group/, 'amounts typed per rank');
($st) = $q->press_for($ann, $st, $q->button($st, qr/Yes/)->{callback_data}, 'editMessageText');
my $sum2 = $q->wait_text(101, qr/Prize: 1 NEAR/, 30);
like($sum2->{params}{text}, qr/🥇 0\.5 NEAR · 🥈 0\.3 NEAR · 🥉 0\.2 NEAR\nService fee: 0\.01 NEAR\nFrom your wallet: 1\.01 NEAR/,
     'the new summary');
my $fund_from = balance("user101.$op");
$q->press_for($ann, $sum2, $q->button($sum2, qr/Create/)->{callback_data}, 'editMessageText');
my $live = $q->wait_text(101, qr/Your quiz is live in Prize night/, 30);
ok($live, 'the pool moved: the quiz is live');
my ($Q1) = $live->{params}{text} =~ /start=quiz_(\d+)/;
my $card = $q->wait_text($G, qr/Quiz: science/);
like($card->{params}{text}, qr/💰 Prize pool: 1 NEAR for the top 3 \(group members\)/, 'the card shows the prize');
my @fund = grep { $_->{signer_id} eq "user101.$op" && $_->{receiver_id} eq $op } @{ $node->state->{txs} };
is(scalar(@fund), 1, 'one transaction from the creator\'s wallet to the operator');
is(balance("user101.$op"), $fund_from - yocto('1010000000000000000000000') - yocto('100000000000000000000'),
   'it took 1.01 NEAR (and the network fee)');

# --- the players ------------------------------------------------------------------
# P1 and P2 all right, P3 and P5 two each (a tie at the last prize: P3 was
# right first), P4 all right but quicker than a person reads, P6 all right
# and then leaves the group
my %plan = (1 => [1, 1, 1], 2 => [1, 1, 1], 3 => [1, 1, 0], 4 => [1, 1, 1], 5 => [1, 1, 0],
            6 => [1, 1, 1]);
for my $i (1, 6, 2, 4, 3, 5) {
    $q->play($p[$i - 1], $Q1, $plan{$i}, $i == 4 ? 0 : 0.4);
}
$s->api('POST', '/_ctl/members', { chat_id => $G, remove => [1006] });
my ($end) = $q->say_in($ann, '/endquiz', $group);
like($end->{params}{text}, qr/Ending the quiz now/, 'the creator ends it');
# the worker killed as the end fires: ranking and prize rows are one transaction
$s->stop_worker(0, 'KILL');
$s->start_worker(0);
my $results = $q->wait_text($G, qr/Quiz over: science/, 30);
like($results->{params}{text}, qr/💰 <b>Prizes<\/b>\n#1 P1: 0\.5 NEAR ⏳\n#2 P2: 0\.3 NEAR ⏳\n#3 P3: 0\.2 NEAR ⏳/,
     'the results show each winner\'s prize, on its way');
my %rows = map { split /\|/ } split /\n/, $s->psql(
    "SELECT recipient, amount FROM payouts WHERE purpose LIKE 'quiz:$Q1:rank:%' ORDER BY purpose");
is_deeply(\%rows, { "user1001.$op" => '500000000000000000000000', "user1002.$op" => '300000000000000000000000',
                    "user1003.$op" => '200000000000000000000000' },
          'one prize row per rank: P1, P2, then P3 (P4 flagged, P6 left the group)');
is($s->psql("SELECT count(*) FROM payouts WHERE purpose = 'quiz:$Q1:refund'"), 0, 'every rank taken');
is($s->psql("SELECT status FROM quizzes WHERE id = $Q1"), 'ended', 'ended, not closed while prizes are unpaid');
is($s->psql("SELECT string_agg(user_id || ':' || eligible, ',' ORDER BY user_id) FROM quiz_results WHERE quiz_id = $Q1"),
   '1001:true,1002:true,1003:true,1004:false,1005:true,1006:false', 'who was eligible');
is($s->psql("SELECT coalesce(prize::text, 'none') FROM quiz_results WHERE quiz_id = $Q1 AND user_id = 1005"), 'none',
   'a tie at the last prize: the one right first (P3) takes it, P5 does not');

# the winners' wallets are opened for them; then the prizes are paid, once
for (1 .. 150) {
    last if $s->psql("SELECT count(*) FROM wallets WHERE state = 'active' AND telegram_user_id IN (1001,1002,1003)") == 3;
    sleep 0.2;
}
is($s->psql("SELECT count(*) FROM wallets WHERE state = 'active' AND telegram_user_id IN (1001,1002,1003)"), 3,
   'each winner got a wallet');
payouts_run();
payouts_run();      # twice: nothing is paid twice
my $won = $q->wait_text(1001, qr/You won 0\.5 NEAR in “science”/, 30);
ok($won, 'the winner is told');
like($won->{params}{text}, qr{<a href="https://testnet\.nearblocks\.io/txns/\w+">}, 'with an explorer link');
is(balance("user1001.$op"), yocto($initial) + yocto('500000000000000000000000'), 'P1 has the prize, to the yocto');
is(balance("user1002.$op"), yocto($initial) + yocto('300000000000000000000000'), 'P2');
is(balance("user1003.$op"), yocto($initial) + yocto('200000000000000000000000'), 'P3');
is(scalar(grep { $_->{receiver_id} =~ /^user100[1-3]\./ && $_->{signer_id} eq $op
                 && !grep { ($_ // '') eq 'CreateAccount' } @{ $_->{actions} || [] } } @{ $node->state->{txs} }), 3,
   'three prize transactions, no more');
# a winner pasting their prize's transaction as a deposit: it is the bot's own
my $prize_hash = $s->psql("SELECT tx_hash FROM payouts WHERE purpose = 'quiz:$Q1:rank:1'");
my ($dc, $dout, $derr) = $s->cli('deposits', 'verify', 1001, $prize_hash, 'NEAR', 1);
is($dc, 1, 'a prize\'s transaction is not a deposit');
like($dout . $derr, qr/the bot itself sent that transaction/, 'said so');
my $edited = $q->wait_text($G, qr/#3 P3: 0\.2 NEAR ✅/, 30, 'editMessageText');
like($edited->{params}{text}, qr/#1 P1: 0\.5 NEAR ✅\n#2 P2: 0\.3 NEAR ✅/, 'the group\'s results are edited as they are paid');
for (1 .. 50) { last if $s->psql("SELECT status FROM quizzes WHERE id = $Q1") eq 'closed'; sleep 0.2 }
is($s->psql("SELECT status FROM quizzes WHERE id = $Q1"), 'closed', 'closed once every prize is paid');

# --- a token quiz from the command line; unclaimed ranks go back -------------------
my ($code, $jq, $err) = $s->cli('quiz', 'create', '--chat', $G, '--creator', 101, '--topic', 'space',
    '--count', 2, '--seconds', 10, '--duration', 600, '--token', 'USDC', '--prize', '10', '--split', 'top5');
is($code, 0, 'quiz create --token USDC --prize 10 --split top5') or diag $err;
my $Q2 = eval { decode_json($jq)->{id} };
is(token_balance("user101.$op"), 50000000 - 10100000, 'the pool and the 1 % fee left Ann\'s wallet');
is(token_balance($op), 10100000, 'for the operator');
$q->play($p[0], $Q2, [1, 1], 0.4);
$q->play($p[1], $Q2, [1, 0], 0.4);
($code) = $s->cli('quiz', 'end', $Q2);
is($code, 0, 'quiz end');
is($s->psql("SELECT amount FROM payouts WHERE purpose = 'quiz:$Q2:refund'"), 3500000,
   'ranks 3-5 (1.5 + 1.2 + 0.8 USDC) go back to the creator');
payouts_run();
ok($q->wait_text(101, qr/3\.5 USDC went back to your wallet/, 30), 'the creator is told');
is(token_balance("user1001.$op"), 4000000, 'rank 1: 4 USDC');
is(token_balance("user1002.$op"), 2500000, 'rank 2: 2.5 USDC');
is(token_balance("user101.$op"), 50000000 - 10100000 + 3500000, 'the refund');
is(token_balance($op), 100000, 'the operator keeps the fee: pool = prizes + refund, to the unit');

# --- a funded quiz cancelled before it opens: everything back ----------------------
my $soon = do { my @t = gmtime(time + 3600); sprintf '%04d-%02d-%02dT%02d:%02d:00Z', $t[5] + 1900, $t[4] + 1, @t[3, 2, 1] };
($code, $jq, $err) = $s->cli('quiz', 'create', '--chat', $G, '--creator', 101, '--topic', 'space',
    '--count', 2, '--seconds', 10, '--duration', 600, '--starts-at', $soon, '--token', 'NEAR',
    '--prize', '0.2', '--split', 'wta');
is($code, 0, 'a funded quiz that opens in an hour') or diag $err;
my $Q3 = eval { decode_json($jq)->{id} };
is($s->psql("SELECT status FROM quizzes WHERE id = $Q3"), 'scheduled', 'scheduled');
my $before3 = balance("user101.$op");
my ($mine) = $q->say_in($ann, '/myquizzes');
my $cancel = $q->button($mine, qr/Cancel #$Q3/);
ok($cancel, '/myquizzes offers to cancel it');
my ($cancelled) = $q->press_for($ann, $mine, $cancel->{callback_data});
like($cancelled->{params}{text}, qr/its prize pool goes back to its creator/, 'cancelled');
payouts_run();
ok($q->wait_text(101, qr/0\.202 NEAR went back to your wallet/, 30), 'pool and fee refunded, said');
is(balance("user101.$op"), $before3 + yocto('202000000000000000000000'), 'to the yocto');

# --- a fund job that fails once its row is recorded: the row is still paid (by
# the sweep), so the quiz waits for it and goes live; undone, it took the pool
# with nothing to give back -----------------------------------------------------
$s->hold_updates('payouts', q{NEW.purpose LIKE '%:fund:%'});
($code, $jq, $err) = $s->cli('quiz', 'create', '--chat', $G, '--creator', 101, '--topic', 'space',
    '--count', 2, '--seconds', 10, '--duration', 600, '--token', 'NEAR', '--prize', '0.1',
    '--split', 'wta', '--wait', 4);
my $Q4 = eval { decode_json($jq)->{id} } // 0;
is($s->psql("SELECT state FROM jobs WHERE kind = 'fund' AND payload->>'quiz' = '$Q4'"), 'failed',
   'the fund job failed after recording its row');
is($s->psql("SELECT status FROM quizzes WHERE id = $Q4"), 'funding',
   'the quiz waits for the row instead of being cancelled');
$s->lift_updates('payouts');
$s->psql("UPDATE payouts SET updated_at = now() - interval '2 minutes' "
       . "WHERE purpose LIKE 'quiz:$Q4:fund:%'");
my $until = time + 40;
sleep 0.2 while $s->psql("SELECT status FROM quizzes WHERE id = $Q4") ne 'active' && time < $until;
is($s->psql("SELECT status FROM quizzes WHERE id = $Q4"), 'active', 'the sweep paid it: live');
is($s->psql("SELECT string_agg(state, ',') FROM payouts WHERE purpose LIKE 'quiz:$Q4:fund:%'"),
   'paid', 'funded once');

my @bad = grep { $_->{status} != 200 } $s->calls;
is(scalar(@bad), 0, 'no Bot API call was refused') or diag explain [map { [$_->{method}, $_->{response}] } @bad[0 .. ($#bad < 4 ? $#bad : 4)]];
is($s->redis->cli('XLEN', 'mm:updates:dead') || 0, 0, 'nothing dead-lettered');
unlike($s->worker_log(0), qr/\Q$master->{secret_key}\E/, 'no key in the log');
$s->stop_worker(0, 'TERM');

done_testing;
