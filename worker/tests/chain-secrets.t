# The operator's signing key in a live process (run as root: /proc/PID/mem):
# a payer (mm-worker payouts run, as nobody) caught while its second payment
# is held by the node.  The key (base58 text, raw bytes, seed) is nowhere in
# readable memory but in locked pages (libsodium's, the logger's secrets);
# the process is not dumpable, has no core limit, and /proc/PID/environ
# holds no secret.  Then the running worker's payer (mm-worker run, as
# nobody) with a pool of two keys (NEAR_SIGNER_KEYS), caught while the node
# holds one of its payments: neither key is in unlocked memory or in
# environ.  bot-withdraw-secrets.t does the same for a player's key.
use strict;
use warnings;
use utf8;
use lib 'tests/lib';
use Test::More;
use JSON::PP;
use POSIX ();
use Time::HiRes qw(sleep time);
use MM::NearNode;
use MM::Pg;
use MM::Stores;
use MM::ProcSecrets qw(forms scan unlocked show environ proc_owner);

plan skip_all => 'PostgreSQL is not installed' unless MM::Pg::available();
plan skip_all => 'reading another process\'s memory needs root' unless $> == 0;
binmode(Test::More->builder->$_, ":encoding(UTF-8)") for qw(output failure_output todo_output);
my $json = JSON::PP->new->canonical;
# a fresh operator key (the vectors' has a zero seed, found everywhere)
my $master = MM::ProcSecrets::fresh_key();
my $near = '000000000000000000000000';
my $seal = 'a wallet sealing key of at least thirty-two characters';
my $dbpass = 'DbPassw0rdNeverShown';
my $apikey = 'FastNearKey-NeverInEnviron';

my ($pg, $redis) = MM::Stores::start('chain-secrets');
my $dir = 't/servroot-chain-secrets';
$pg->psql("ALTER USER postgres PASSWORD '$dbpass'");
(my $dburl = $ENV{DATABASE_URL}) =~ s{postgres(ql)?://([^:@/]+)(:[^@]*)?@}{postgresql://$2:$dbpass@};
$dburl = $ENV{DATABASE_URL} unless $dburl =~ /\Q$dbpass/;

my @pool = (MM::ProcSecrets::fresh_key(), MM::ProcSecrets::fresh_key());
my $node = MM::NearNode->new(dir => $dir, accounts => {
    'quizbot.testnet' => { amount => "1000$near", keys => [map { { public_key => $_->{public_key}, nonce => 0 } }
                                                           $master, @pool] },
    's1.testnet' => { amount => '0', keys => [] }, 's2.testnet' => { amount => '0', keys => [] } });
my %op = forms($master->{secret_key});

# 1. a payer as nobody: one payment made, the second held by the node
for my $to (qw(s1 s2)) {
    system("build/mm-worker payouts add secrets:$to $to.testnet NEAR 1$near >/dev/null") == 0 or die;
}
# the first send goes through (a fault of no kind), the second is held
$node->fault(method => 'send_tx', kind => 'none');
$node->fault(method => 'send_tx', kind => 'hold');
my $payer = fork // die;
if ($payer == 0) {
    open STDOUT, '>>', "$dir/payer.log";
    open STDERR, '>&', \*STDOUT;
    @ENV{qw(NEAR_WALLET_ADDRESS NEAR_WALLET_PRIVATE_KEY NEAR_RPC_ENDPOINT FASTNEAR_API_KEY
            NEAR_RPC_TIMEOUT_MS DATABASE_URL WALLET_ENCRYPTION_KEY)}
        = ('quizbot.testnet', $master->{secret_key}, $node->url, $apikey, 20000, $dburl, $seal);
    POSIX::setgid(65534);
    POSIX::setuid(65534) or POSIX::_exit(126);
    exec 'build/mm-worker', 'payouts', 'run';
    POSIX::_exit(127);
}
my $t0 = time;
sleep 0.05 until $node->paid_to('s1.testnet') + $node->paid_to('s2.testnet') >= 1
                 && $pg->psql("SELECT count(*) FROM payouts WHERE state = 'signed'") >= 1 || time - $t0 > 15;
sleep 0.3;
ok(kill(0, $payer), 'the payer made one payment and waits on the held one');
my @hits = scan($payer, %op);
ok(scalar(grep { $_->[2] } @hits), 'the scan sees it where it must be, in locked memory: ' . show(@hits));
is(show(unlocked(@hits)), '', "the operator's key is in no unlocked memory of the payer");
my $env = environ($payer);
ok(length $env, '/proc/PID/environ was read');
is(scalar(grep { index($env, $_) >= 0 } $op{text}, $seal, $dbpass, $apikey), 0,
   'and holds none of the key, the sealing key, the database password, the API key');
is(proc_owner($payer), 0, 'not dumpable: /proc/PID of a process of nobody is root\'s');
like(do { open my $l, '<', "/proc/$payer/limits"; local $/; <$l> }, qr/Max core file size\s+0\s+0/,
     'no core file');
kill 'KILL', $payer;
waitpid $payer, 0;

# 2. the running worker's payer as nobody, with a pool of two keys
$pg->psql("UPDATE payouts SET state = 'paid' WHERE state <> 'paid'");   # the first part's rows
for my $to (qw(s1 s2)) {
    system("build/mm-worker payouts add pool:$to $to.testnet NEAR 1$near >/dev/null") == 0 or die;
}
$node->fault(method => 'send_tx', kind => 'none');
$node->fault(method => 'send_tx', kind => 'hold');
my $worker = fork // die;
if ($worker == 0) {
    open STDOUT, '>>', "$dir/worker.log";
    open STDERR, '>&', \*STDOUT;
    @ENV{qw(NEAR_WALLET_ADDRESS NEAR_WALLET_PRIVATE_KEY NEAR_SIGNER_KEYS NEAR_RPC_ENDPOINT
            FASTNEAR_API_KEY NEAR_RPC_TIMEOUT_MS DATABASE_URL WALLET_ENCRYPTION_KEY TELEGRAM_TOKEN
            TELEGRAM_API_BASE BOT_USERNAME)}
        = ('quizbot.testnet', $master->{secret_key}, join(',', map { $_->{secret_key} } @pool), $node->url,
           $apikey, 20000, $dburl, $seal, '7000000001:TESTtoken_abcdefghijklmnopqrstuvwxyz',
           'http://127.0.0.1:9', 'mm_test_bot');
    POSIX::setgid(65534);
    POSIX::setuid(65534) or POSIX::_exit(126);
    exec 'build/mm-worker', 'run';
    POSIX::_exit(127);
}
$t0 = time;
sleep 0.05 until $node->paid_to('s1.testnet') + $node->paid_to('s2.testnet') >= 3
                 && $pg->psql("SELECT count(*) FROM payouts WHERE purpose LIKE 'pool:%' AND state = 'signed'") >= 1
                 || time - $t0 > 15;
sleep 0.3;
ok(kill(0, $worker), 'the worker paid one prize and waits on the held one')
    or diag `cat $dir/worker.log`;
for my $i (0, 1) {
    my %forms = forms($pool[$i]{secret_key});
    my @found = scan($worker, %forms);
    ok(scalar(grep { $_->[2] } @found), "pool key $i is in locked memory: " . show(@found));
    is(show(unlocked(@found)), '', "and in no unlocked memory of the worker");
}
$env = environ($worker);
is(scalar(grep { index($env, $_) >= 0 } map { (forms($_->{secret_key}))[1] } @pool), 0,
   'environ holds neither pool key');
kill 'KILL', $worker;
waitpid $worker, 0;
unlike(`cat $dir/worker.log`, qr/\Q@{[ (forms($pool[0]{secret_key}))[1] ]}\E/, 'nor does the log');

$node->stop;
$redis->stop;
$pg->stop;
done_testing;
