# A wallet whose creation the network left unconfirmed: the account was
# made on chain, but the worker heard "not final yet" and the job failed.
# The chain thread's sweep asks the chain again and activates it — one
# account, created once — so a winner's prize, which waits for an active
# wallet, is paid instead of waiting for good.  A winner with no wallet row
# at all is given one by the same sweep.
use strict;
use warnings;
use utf8;
use lib 'tests/lib';
use Test::More;
use Time::HiRes qw(sleep time);
use MM::NearNode;
use MM::Stack;

my $s = MM::Stack->new(name => 'wallet-stalled', webhook => 1,
                       env => { MM_CHAIN_SWEEP_S => 1, MM_WALLET_STALLED_S => 2,
                                MM_JOB_LEASE_MS => 3000 });
my ($node) = MM::NearNode->operator($s, keys => 1);
my $out = $s->set_webhook;
is($? >> 8, 0, 'webhook set') or diag $out;
$s->start_worker(0);
my $op = 'quizbot.testnet';
my $dee = { id => 4101, first_name => 'Dee' };
sub creates {
    scalar grep { grep { ($_ // '') eq 'CreateAccount' } @{ $_->{actions} || [] } }
           @{ $node->state->{txs} };
}

# the node applies the creation but answers the wait with TIMEOUT_ERROR
$node->fault(method => 'send_tx', kind => 'timeout_error');
$node->fault(method => 'tx', kind => 'timeout_error', count => 5);
my $before = creates();
$s->user_message($dee, '/wallet');
for (1 .. 100) {
    last if $s->psql("SELECT state FROM jobs WHERE kind = 'wallet' AND user_id = 4101") =~ /done|failed/;
    sleep 0.1;
}
ok($node->state->{accounts}{"user4101.$op"}, 'the account exists on the node');
is($s->psql("SELECT state FROM wallets WHERE telegram_user_id = 4101"), 'creating',
   'while the worker could not confirm it');

# the sweep asks again and activates it
for (1 .. 150) {
    last if $s->psql("SELECT state FROM wallets WHERE telegram_user_id = 4101") eq 'active';
    sleep 0.1;
}
is($s->psql("SELECT state FROM wallets WHERE telegram_user_id = 4101"), 'active',
   'the sweep found it on chain and activated it');
is(creates() - $before, 1, 'created once');

# a prize waiting for it is paid
my ($code, undef, $err) = $s->cli('payouts', 'add', 'quiz:1:rank:1', "user4101.$op", 'NEAR',
                                  '1000000000000000000000');
is($code, 0, 'a prize to that wallet') or diag $err;
$s->psql("UPDATE payouts SET recipient_user = 4101 WHERE purpose = 'quiz:1:rank:1'");
for (1 .. 150) {
    last if $s->psql("SELECT state FROM payouts WHERE purpose = 'quiz:1:rank:1'") eq 'paid';
    sleep 0.1;
}
is($s->psql("SELECT state FROM payouts WHERE purpose = 'quiz:1:rank:1'"), 'paid',
   'is paid by the worker');

# a winner with no wallet at all (their wallet job failed before it stored a
# key): the sweep opens one, and the prize is paid
($code, undef, $err) = $s->cli('payouts', 'add', 'quiz:2:rank:1', "user4102.$op", 'NEAR',
                               '1000000000000000000000');
is($code, 0, 'a prize to a winner with no wallet row') or diag $err;
$s->psql("UPDATE payouts SET recipient_user = 4102 WHERE purpose = 'quiz:2:rank:1'");
for (1 .. 200) {
    last if $s->psql("SELECT state FROM payouts WHERE purpose = 'quiz:2:rank:1'") eq 'paid';
    sleep 0.1;
}
is($s->psql("SELECT state FROM wallets WHERE telegram_user_id = 4102"), 'active',
   'the sweep opened a wallet for them');
is($s->psql("SELECT state FROM payouts WHERE purpose = 'quiz:2:rank:1'"), 'paid',
   'and the prize is paid');
$s->stop_worker(0, 'TERM');
$node->stop;
done_testing;
