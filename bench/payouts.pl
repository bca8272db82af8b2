#!/usr/bin/env perl
# payouts.pl: rewards settled per second — two `mm-worker payouts run`
# processes sharing the operator's key pay N recorded payouts against the
# stateful local NEAR node (worker/tests/near-peer/node.mjs), which
# verifies every signature and applies every transfer; then every payout
# must be paid exactly once on the node.
#   perl bench/payouts.pl [--payouts 500] [--payers 2] [--block-ms 100]
# Results go to bench/out/payouts-<time>.jsonl.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../tests/lib";
use Getopt::Long;
use JSON::PP;
use POSIX ();
use Time::HiRes qw(sleep time);
use MM::NearNode;
use MM::Pg;
use MM::Redis;

chdir "$FindBin::Bin/..";
my ($n, $payers, $block_ms) = (500, 2, 100);
GetOptions('payouts=i' => \$n, 'payers=i' => \$payers, 'block-ms=i' => \$block_ms) or die "bad options\n";
system('make', '-s', 'build/mm-worker') == 0 or die "build failed\n";
system('npm ci --prefix worker/tests/near-peer --no-audit --no-fund --silent') == 0 or die "npm ci failed\n";
my $json = JSON::PP->new->canonical;
my $master = do { open my $f, '<', 'worker/tests/near-vectors/vectors.json' or die; local $/;
                  $json->decode(<$f>)->{keys}{master} };

my $dir = 't/servroot-bench-payouts';
my $pg = MM::Pg->new(dir => "$dir/pg");
my $redis = MM::Redis->new(dir => "$dir/redis");
$pg->start;
$redis->start;
my $near = '000000000000000000000000';
my %accounts = ('quizbot.testnet' => { amount => "100000$near", keys => [{
    public_key => $master->{public_key}, nonce => 0, permission => 'FullAccess' }] });
$accounts{"winner$_.testnet"} = { amount => "1$near", keys => [] } for 1 .. 50;
my $node = MM::NearNode->new(dir => $dir, accounts => \%accounts, block_ms => $block_ms);

$ENV{DATABASE_URL} = $pg->url;
$ENV{REDIS_PORT} = $redis->port;
$ENV{NEAR_WALLET_ADDRESS} = 'quizbot.testnet';
$ENV{NEAR_WALLET_PRIVATE_KEY} = $master->{secret_key};
$ENV{NEAR_RPC_ENDPOINT} = $node->url;
$ENV{NEAR_RPC_BACKOFF_MS} = 20;
system('build/mm-worker migrate >/dev/null') == 0 or die "migrate failed\n";
$pg->psql("INSERT INTO payouts (purpose, recipient, token, amount) SELECT 'bench:' || i, "
          . "'winner' || (1 + i % 50) || '.testnet', 'NEAR', 1000000000000000000000 FROM generate_series(1, $n) i");

# the payers: each runs passes until nothing is left to pay
$t0 = time;
my @pids;
for my $p (1 .. $payers) {
    my $pid = fork // die;
    if ($pid == 0) {
        for (1 .. 200) {
            system('build/mm-worker payouts run >/dev/null 2>&1');
            last if $pg->psql("SELECT count(*) FROM payouts WHERE state IN ('pending', 'signed')") == 0;
        }
        POSIX::_exit(0);
    }
    push @pids, $pid;
}
waitpid $_, 0 for @pids;
my $took = time - $t0;

my $paid = $pg->psql("SELECT count(*) FROM payouts WHERE state = 'paid'");
my $state = $node->state;
my $txs = grep { $_->{signer_id} eq 'quizbot.testnet' && $_->{status} eq 'success' } @{ $state->{txs} };
my %r = (bench => 'payouts', payouts => $n, payers => $payers, block_ms => $block_ms, paid => $paid + 0,
         transactions_on_node => $txs, seconds => sprintf('%.2f', $took),
         payouts_per_s => sprintf('%.1f', $paid / $took));
mkdir 'bench/out';
my $out = sprintf 'bench/out/payouts-%s.jsonl', POSIX::strftime('%Y%m%d-%H%M%S', localtime);
open my $fh, '>', $out or die;
print $fh $json->encode(\%r), "\n";
print $json->encode(\%r), "\nwritten to $out\n";
print "MISMATCH: every payout must be paid once\n" if $paid != $n || $txs != $n;

$node->stop;
$redis->stop;
$pg->stop;
