#!/usr/bin/env perl
# payer.pl: prizes settled per second by the running worker's payer
# (worker/chain/mm_payer.c) against the stateful local NEAR node with a
# finality delay (worker/tests/near-peer/node.mjs --final-ms, default 1.2 s:
# a transaction is applied when it arrives and reads FINAL that much later).
# `near add-keys 16` puts the pool on the operator's account once; then, for
# each pool size (1, 4, 16 keys) and each number of worker processes (1, 2),
# the workers run idle, quizzes × top 10 prize rows are inserted in one
# statement, and the clock runs until every row is paid.  Every row must then
# be paid once: its hash a successful transaction on the node, one
# transaction per row, each recipient's balance up by exactly its prizes.
#   perl bench/payer.pl [--quizzes 100] [--final-ms 1200] [--inflight 8] [--token]
# --token pays every other prize in a NEP-141 token, 1 USDC (storage_deposit
# first for a new holder); the others are 0.001 NEAR.  Results go to bench/out/payer-<time>.jsonl.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../tests/lib";
use Getopt::Long;
use JSON::PP;
use Math::BigInt;
use POSIX ();
use Time::HiRes qw(sleep time);
use MM::NearNode;
use MM::Stack;

chdir "$FindBin::Bin/..";
my ($quizzes, $final_ms, $inflight, $token, $keys_list, $workers_list) = (100, 1200, 8, 0, '1,4,16', '1,2');
GetOptions('quizzes=i' => \$quizzes, 'final-ms=i' => \$final_ms, 'inflight=i' => \$inflight,
           'token' => \$token, 'keys=s' => \$keys_list, 'workers=s' => \$workers_list)
    or die "bad options\n";
system('make', '-s', 'build/mm-worker') == 0 or die "build failed\n";
my $json = JSON::PP->new->canonical;
my $near = '000000000000000000000000';

my $s = MM::Stack->new(name => 'bench-payer');
my %accounts;
$accounts{"winner$_.testnet"} = { amount => "1$near", keys => [] } for 1 .. 50;
my ($node, @pool) = MM::NearNode->operator($s, keys => 16, accounts => \%accounts, final_ms => $final_ms,
    tokens => { 'usdc.testnet' => { decimals => 6, symbol => 'USDC',
                                    balances => { 'quizbot.testnet' => '1000000000000000' } } },
    env => { NEAR_RPC_BACKOFF_MS => 20, NEAR_PAYER_INFLIGHT => $inflight });

sub holdings {
    my $st = $node->state;
    return { map { ("$_" => [$st->{accounts}{$_}{amount}, $st->{tokens}{'usdc.testnet'}{balances}{$_} // 0]) }
             map { "winner$_.testnet" } 1 .. 50 };
}

my (@results, $quiz) = ();
$quiz = 0;
for my $nkeys (split /,/, $keys_list) {
    for my $nworkers (split /,/, $workers_list) {
        $s->{env}{NEAR_SIGNER_KEYS} = join ',', @pool[0 .. $nkeys - 1];
        $s->start_worker($_) for 0 .. $nworkers - 1;
        # fewer rows for a small pool: the same couple of dozen seconds
        my $nq = $nkeys == 1 ? int($quizzes / 5) : $nkeys == 4 ? int($quizzes / 2) : $quizzes;
        my ($from, $to) = ($quiz + 1, $quiz + $nq);
        $quiz = $to;
        my $before = holdings();
        my $t0 = time;
        $s->psql("INSERT INTO payouts (purpose, recipient, token, amount) SELECT 'quiz:' || q || ':rank:' || r, "
                 . "'winner' || (1 + (q * 10 + r) % 50) || '.testnet', "
                 . ($token ? "CASE WHEN r % 2 = 0 THEN 'usdc.testnet' ELSE 'NEAR' END, "
                            . "CASE WHEN r % 2 = 0 THEN 1000000 ELSE 1000000000000000000000 END"
                          : "'NEAR', 1000000000000000000000")
                 . " + q * 10 + r FROM generate_series($from, $to) q, generate_series(1, 10) r");
        my $rows = $nq * 10;
        sleep 0.05 while $s->psql("SELECT count(*) FROM payouts WHERE state IN ('pending', 'signed')") > 0
            && time - $t0 < 600;
        my $took = time - $t0;
        $s->stop_worker($_) for 0 .. $nworkers - 1;

        # every row once: its hash on the node, each holder up by exactly its prizes
        my %txs = map { $_->{hash} => $_ } @{ $node->state->{txs} };
        my @hashes = $s->psql("SELECT tx_hash FROM payouts WHERE split_part(purpose, ':', 2)::int "
                              . "BETWEEN $from AND $to AND state = 'paid'");
        my $on_node = grep { $txs{$_} && $txs{$_}{status} eq 'success' } @hashes;
        my $after = holdings();
        my %want;
        for my $q ($from .. $to) {
            for my $r (1 .. 10) {
                my $who = 'winner' . (1 + ($q * 10 + $r) % 50) . '.testnet';
                my $i = $token && $r % 2 == 0 ? 1 : 0;
                $want{$who}[$i] //= Math::BigInt->new(0);
                $want{$who}[$i] += Math::BigInt->new($i ? '1000000' : '1000000000000000000000') + $q * 10 + $r;
            }
        }
        my $exact = 1;
        for my $who (keys %want) {
            for my $i (0, 1) {
                my $got = Math::BigInt->new($after->{$who}[$i]) - Math::BigInt->new($before->{$who}[$i]);
                $exact = 0 unless $got == Math::BigInt->new($want{$who}[$i] // 0);
            }
        }
        my %r = (bench => 'payer', keys => $nkeys, workers => $nworkers, inflight_per_key => $inflight,
                 final_ms => $final_ms, token => $token ? 1 : 0, rows => $rows, paid => scalar(@hashes),
                 hashes_on_node => $on_node, balances_exact => $exact, seconds => sprintf('%.2f', $took),
                 payouts_per_s => sprintf('%.1f', @hashes / $took));
        push @results, \%r;
        print $json->encode(\%r), "\n";
        if (@hashes != $rows || $on_node != $rows || !$exact) {
            print "MISMATCH: every payout must be paid once\n";
            print "  $_\n" for $s->psql("SELECT state, left(last_error, 200), count(*) FROM payouts "
                                       . "WHERE state <> 'paid' GROUP BY 1, 2");
        }
    }
}
my $txs = grep { $_->{signer_id} eq 'quizbot.testnet' } @{ $node->state->{txs} };
my $paid = $s->psql("SELECT count(*) FROM payouts WHERE state = 'paid'");
print "node: $txs transactions from the operator for $paid paid rows (+1 AddKey)\n";
mkdir 'bench/out';
my $file = sprintf 'bench/out/payer-%s.jsonl', POSIX::strftime('%Y%m%d-%H%M%S', localtime);
open my $fh, '>', $file or die;
print $fh $json->encode($_), "\n" for @results;
print "written to $file\n";
$node->stop;
