#!/usr/bin/env perl
# paid-quiz.pl: many paid top-10 quizzes ending at once, through the whole
# bot — nginx with the module, Redis, PostgreSQL, mm-worker, a local Bot API
# (bench/paid-quiz-load.mjs) and the stateful local NEAR node with a finality
# delay (worker/tests/near-peer/node.mjs --final-ms).
#
# Once: `near add-keys 16` on the operator's account, --creators creators and
# a pool of players with bot wallets opened by /wallet (the creators' then
# topped up on the node), one group per quiz.  Then for each pool size (1, 4,
# 16 keys in NEAR_SIGNER_KEYS) and each number of worker processes (1, 2):
#   - every creator makes its share of --quizzes quizzes with
#     `mm-worker quiz create … --token NEAR --prize P --split top10` (the
#     creators in parallel, each funded from its own wallet, so on its own key);
#   - --players players play each quiz, answering its --questions right
#     (MM_MIN_ANSWER_MS=0: nobody is flagged), each player its quizzes one
#     after another;
#   - one SQL statement makes every quiz's end due now — the statement of
#     `mm-worker quiz end`, for all of them: ends_at and the quiz_end timers'
#     due_at set to the transaction's now(), which is the end the times below
#     are measured from;
#   - measured: the end to each group's results ("Quiz over"; p50/p99/max),
#     to the last player's summary, to each quiz `closed` (every prize paid
#     and the ranking message edited ✅), and payouts settled per second
#     (quizzes × 10 prize rows, from the end to the last paid).
# Every run is checked: each quiz's rows are the top-10 split of its pool to
# ten distinct players, each row paid once (its hash a successful transfer
# on the node, one operator transaction per row), every wallet's balance
# moved by exactly its prizes (the creators' by pool, fee and gas), each
# quiz closed with one results message, a summary per attempt, a "You won"
# per prize, no Bot API call refused, nothing dead-lettered.  A line
# "WRONG: …" and exit code 1 otherwise.
#   perl bench/paid-quiz.pl [--quizzes 100] [--creators 10] [--players 12] [--pool 120]
#        [--questions 1] [--prize 0.1] [--final-ms 1200] [--keys 1,4,16] [--workers 1,2]
#        [--inflight 8] [--threads 4] [--timeout 900] [--new-winners]
# --new-winners: a new pool of players each run, without bot wallets, so the
# end also opens their wallets (one each, before their prizes can be paid).
# Results go to bench/out/paid-quiz-<time>.jsonl.
use strict;
use warnings;
use utf8;
use FindBin;
use lib "$FindBin::Bin/../tests/lib";
use Getopt::Long;
use JSON::PP;
use List::Util qw(max sum0);
use Math::BigInt;
use POSIX ();
use Time::HiRes qw(sleep time);
use MM::NearNode;
use MM::Redis;
use MM::Stack;

binmode STDOUT, ':encoding(UTF-8)';
chdir "$FindBin::Bin/..";
my ($quizzes, $creators, $players, $pool_n, $questions, $prize, $final_ms, $keys_list, $workers_list,
    $inflight, $threads, $timeout, $new_winners) = (100, 10, 12, 120, 1, '0.1', 1200, '1,4,16', '1,2', 8, 4, 900, 0);
GetOptions('quizzes=i' => \$quizzes, 'creators=i' => \$creators, 'players=i' => \$players,
           'pool=i' => \$pool_n, 'questions=i' => \$questions, 'prize=s' => \$prize,
           'final-ms=i' => \$final_ms, 'keys=s' => \$keys_list, 'workers=s' => \$workers_list,
           'inflight=i' => \$inflight, 'threads=i' => \$threads, 'timeout=i' => \$timeout,
           'new-winners' => \$new_winners)
    or die "bad options\n";
die "--players must be at least 10 (a top 10) and at most --pool\n" if $players < 10 || $players > $pool_n;
die "--prize: a decimal NEAR amount\n" unless $prize =~ /^(\d+)(?:\.(\d{1,24}))?$/;
my $pool_yocto = Math::BigInt->new($1 . substr(($2 // '') . ('0' x 24), 0, 24));
system('make', '-s', 'build/mm-worker', 'build/ngx_mm_module.so') == 0 or die "build failed\n";

my $json = JSON::PP->new->canonical;
my $near = '000000000000000000000000';
my $op = $MM::NearNode::Operator;
my $fee_bps = 100;
my $gas = Math::BigInt->new('100000000000000000000');   # node.mjs burns 0.0001 NEAR a transaction
# top 10 = 30/20/10/10/8/7/4.5/4/3.5/3 % (README), in 0.1 %: rounded down, the rest to rank 1
my @split = map { scalar $pool_yocto->copy->bmul($_)->bdiv(1000) } 300, 200, 100, 100, 80, 70, 45, 40, 35, 30;
$split[0] += $pool_yocto - sum0_big(@split);
my $fee = $pool_yocto->copy->bmul($fee_bps)->bdiv(10000);
sub sum0_big { my $t = Math::BigInt->new(0); $t += $_ for @_; $t }

mkdir 'bench/out';
my $outfile = sprintf 'bench/out/paid-quiz-%s.jsonl', POSIX::strftime('%Y%m%d-%H%M%S', localtime);
open my $res, '>>', $outfile or die;
$res->autoflush(1);

# --- the stack, the node and the load driver -------------------------------------------
my $s = MM::Stack->new(name => 'bench-paid-quiz', webhook => 1, botapi => 0);
my @creator_ids = map { 101 + $_ } 0 .. $creators - 1;
my $runs = scalar(split /,/, $keys_list) * scalar(split /,/, $workers_list);
# --new-winners: a new pool of players each run, without wallets: the end opens them
my @all_players = map { 100_001 + $_ } 0 .. $pool_n * ($new_winners ? $runs : 1) - 1;
my @player_ids = @all_players[0 .. $pool_n - 1];
my ($node, @keys) = MM::NearNode->operator($s, keys => 16, final_ms => $final_ms, env => {
    NEAR_RPC_BACKOFF_MS => 20, NEAR_PAYER_INFLIGHT => $inflight,
    MM_FEE_BPS => $fee_bps, MM_MIN_ANSWER_MS => 0, MM_THREADS => $threads, LOG_LEVEL => 'info',
    TELEGRAM_RATE_GLOBAL => 0, TELEGRAM_RATE_CHAT => 0, TELEGRAM_RATE_GROUP => 0,
    MM_OUTBOX_LEASE_MS => 30000 });
$s->{env}{NEAR_SIGNER_KEYS} = join ',', @keys;
$s->{api_port} = MM::Redis::free_port();
my $plan_file = $s->dir . '/plan.json';
my $load_log = $s->dir . '/logs/load.log';
my $load = $s->_spawn($load_log, {}, 'node', 'bench/paid-quiz-load.mjs', '--port', $s->{api_port},
    '--token', $MM::Stack::Token, '--webhook', $s->webhook_url, '--secret', $MM::Stack::Secret,
    '--plan', $plan_file, '--timeout', $timeout);
sub load_log { $s->log_since($load_log, 0) }
for (1 .. 200) { last if load_log() =~ /^listening/m; sleep 0.05 }
die "the load driver did not start:\n" . load_log() unless load_log() =~ /^listening/m;
END { local $?; if ($load) { kill 'TERM', $load; waitpid $load, 0 } }

# users, one group per quiz (its admin the creator who makes its quizzes), wallets
$s->api('POST', '/_ctl/users', { id => $_, first_name => "Creator$_" }) for @creator_ids;
$s->api('POST', '/_ctl/users', { id => $_, first_name => "P$_" }) for @all_players;
my @groups;
for my $k (0 .. $quizzes - 1) {
    my $c = $creator_ids[$k % $creators];
    my (undef, $g) = $s->api('POST', '/_ctl/groups', { title => "Prize night $k", admin_id => $c,
                                                        member_ids => [$c] });
    push @groups, $g->{chat_id};
}
$s->start_worker(0);
my $t_setup = time;
sub wait_for {
    my ($what, $sql, $want, $limit) = @_;
    my $until = time + ($limit || 120);
    my $got;
    while (($got = $s->psql($sql)) != $want) {
        die "setup: $what: $got of $want\n" if time > $until;
        sleep 0.2;
    }
}
wait_for('groups', 'SELECT count(*) FROM groups', $quizzes);
my @open = $new_winners ? @creator_ids : (@creator_ids, @player_ids);
$s->user_message({ id => $_, first_name => "U$_" }, '/wallet') for @open;
wait_for('wallets', "SELECT count(*) FROM wallets WHERE state = 'active'", scalar(@open), 30 + 3 * @open);
my $per_creator = int(($quizzes + $creators - 1) / $creators);
my $topup = ($pool_yocto + $fee + $gas) * $per_creator * $runs + Math::BigInt->new("1$near");
$node->fund("user$_.$op", "$topup") for @creator_ids;
$s->stop_worker(0);
printf "setup: %d creators (wallets topped up with %s yocto each), %d players %s, %d groups, in %.1f s\n",
    $creators, $topup, $pool_n, $new_winners ? 'a run, without wallets' : 'with wallets', $quizzes, time - $t_setup;

# --- helpers ------------------------------------------------------------------------
sub balances {
    my $st = $node->state;
    return ({ map { ($_ => Math::BigInt->new(($st->{accounts}{$_} || {})->{amount} // 0)) }
              $op, map { "user$_.$op" } @creator_ids, @player_ids }, scalar @{ $st->{txs} });
}
sub pct {
    my ($p, @v) = @_;
    return undef unless @v;
    @v = sort { $a <=> $b } @v;
    return $v[ POSIX::ceil($p / 100 * @v) - 1 ];
}
sub ms { defined $_[0] ? sprintf('%.0f', $_[0]) : 'n/a' }
sub driver_line {
    my ($from, $re, $limit) = @_;
    my $until = time + $limit;
    while (time < $until) {
        my ($line) = substr(load_log(), $from) =~ $re;
        return $line if defined $line;
        die "the load driver exited:\n" . load_log() if waitpid($load, POSIX::WNOHANG()) == $load;
        sleep 0.1;
    }
    return undef;
}

# --- the runs -----------------------------------------------------------------------
my $failed = 0;
my $prize_text = $prize;
my $run = 0;
my $initial = Math::BigInt->new('1820000000000000000000');     # a new wallet's (mm_near_wallet.h)
for my $nkeys (split /,/, $keys_list) {
    for my $nworkers (split /,/, $workers_list) {
        @player_ids = @all_players[$run * $pool_n .. ($run + 1) * $pool_n - 1] if $new_winners;
        $run++;
        $s->{env}{NEAR_SIGNER_KEYS} = join ',', @keys[0 .. $nkeys - 1];
        $s->start_worker($_) for 0 .. $nworkers - 1;
        my %r = (bench => 'paid-quiz', keys => $nkeys, workers => $nworkers, threads => $threads,
                 inflight_per_key => $inflight, final_ms => $final_ms, quizzes => $quizzes,
                 players_per_quiz => $players, questions => $questions, prize_near => $prize,
                 new_winners => $new_winners ? 1 : 0);
        my @wrong;
        my ($b0) = balances();

        # the creators make their quizzes in parallel, each one after another
        my $t0 = time;
        my %kids;
        for my $ci (0 .. $creators - 1) {
            my $file = $s->dir . "/created-$ci";
            my $pid = fork // die "fork: $!";
            if ($pid == 0) {
                my $env = $s->worker_env;
                $ENV{$_} = $env->{$_} for keys %$env;
                open my $fh, '>', $file or die;
                for (my $k = $ci; $k < $quizzes; $k += $creators) {
                    my $o = `@{[$s->worker_bin]} quiz create --chat $groups[$k] --creator $creator_ids[$ci] --topic science --count $questions --seconds 30 --duration 3600 --token NEAR --prize $prize_text --split top10 2>>$file.err`;
                    my $id = eval { decode_json($o)->{id} } // 0;
                    print $fh "$k $id ", ($? >> 8), "\n";
                }
                close $fh;
                POSIX::_exit(0);
            }
            $kids{$pid} = $file;
        }
        waitpid $_, 0 for keys %kids;
        my %quiz_of;        # group index -> quiz id
        for my $file (values %kids) {
            open my $fh, '<', $file or die;
            while (<$fh>) {
                my ($k, $id, $rc) = split;
                if ($rc || !$id) {
                    push @wrong, "quiz create for group $k: exit $rc: " . `tail -2 $file.err`;
                    next;
                }
                $quiz_of{$k} = $id;
            }
        }
        $r{create_s} = sprintf '%.1f', time - $t0;
        my @ids = sort { $a <=> $b } values %quiz_of;
        my $in = join ',', @ids;
        if (@ids != $quizzes) {
            print "WRONG: ", join('; ', @wrong), "\n";
            exit 1;
        }
        $r{funded_active} = 0 + $s->psql("SELECT count(*) FROM quizzes WHERE id IN ($in) AND status = 'active'");

        # the plan: quiz k's players are the pool from k × players on, round the pool
        my %rights;
        for ($s->psql("SELECT qq.quiz_id || '|' || q.options[q.correct + 1] FROM quiz_questions qq "
                      . "JOIN questions q ON q.id = qq.question_id WHERE qq.quiz_id IN ($in)")) {
            my ($q, $t) = split /\|/, $_, 2;
            utf8::decode($t);
            push @{ $rights{$q} }, $t;
        }
        my @plan = map { my $k = $_; { quiz => 0 + $quiz_of{$k}, group => $groups[$k], right => $rights{ $quiz_of{$k} },
                                        players => [map { $player_ids[($k * $players + $_) % $pool_n] } 0 .. $players - 1] } }
                   0 .. $quizzes - 1;
        open my $pf, '>', $plan_file or die;
        print $pf JSON::PP->new->utf8->encode(\@plan);
        close $pf;
        my $from = length load_log();
        $t0 = time;
        kill 'USR1', $load;
        my $answered = driver_line($from, qr/^(answered .*)$/m, $timeout + 10);
        $r{play_s} = sprintf '%.1f', time - $t0;
        my $attempts = $quizzes * $players;
        push @wrong, "players: $answered" unless ($answered // '') eq "answered $attempts of $attempts";
        $r{right_answers} = 0 + $s->psql("SELECT count(*) FROM quiz_answers "
                                         . "WHERE quiz_id IN ($in) AND correct AND NOT fast");
        push @wrong, "right answers $r{right_answers} (expected " . $attempts * $questions . ')'
            if $r{right_answers} != $attempts * $questions;

        # the end: every quiz's end due now, in one statement (that of `quiz end`)
        my ($b1, $ntx) = balances();
        my ($due, $end_ms) = split /\|/, $s->psql(
            "WITH z AS (UPDATE quizzes SET ends_at = least(ends_at, now()) WHERE id IN ($in) AND status = 'active' "
            . "RETURNING id), t AS (UPDATE timers SET due_at = least(due_at, now()) WHERE kind = 'quiz_end' "
            . "AND payload IN (SELECT jsonb_build_object('quiz', id) FROM z) RETURNING id) "
            . "SELECT (SELECT count(*) FROM t), (extract(epoch FROM now()) * 1000)::bigint");
        push @wrong, "end timers made due: $due (expected $quizzes)" if $due != $quizzes;
        $t0 = time;
        my $rows = $quizzes * 10;
        my ($paid, $closed) = (0, 0);
        while (time - $t0 < $timeout) {
            ($paid, $closed) = split /\|/, $s->psql(
                "SELECT (SELECT count(*) FROM payouts WHERE state = 'paid' AND purpose LIKE 'quiz:%:rank:%' "
                . "AND split_part(purpose, ':', 2)::bigint IN ($in)), "
                . "(SELECT count(*) FROM quizzes WHERE id IN ($in) AND status = 'closed')");
            last if $paid == $rows && $closed == $quizzes;
            sleep 0.1;
        }
        sleep 1.5;      # the last edits and messages out
        $from = length load_log();
        kill 'HUP', $load;
        my $dj = driver_line($from, qr/^(\{.*\})$/m, 10) or die "no round from the driver\n";
        my $d = decode_json($dj);
        $s->stop_worker($_) for 0 .. $nworkers - 1;

        # the times, from the end (PostgreSQL's clock and the driver's: one machine)
        my %ended = map { split /\|/ } $s->psql("SELECT id, extract(epoch FROM ended_at) * 1000 - $end_ms "
                                               . "FROM quizzes WHERE id IN ($in)");
        my %closed = map { split /\|/ } $s->psql("SELECT id, extract(epoch FROM closed_at) * 1000 - $end_ms "
                                                . "FROM quizzes WHERE id IN ($in) AND closed_at IS NOT NULL");
        my @to_results = map { $d->{results}{$_} - $end_ms } grep { defined $d->{results}{$_} } @groups;
        my @to_edited = map { $d->{all_paid}{$_} - $end_ms } grep { defined $d->{all_paid}{$_} } @groups;
        my ($first_row, $last_paid) = split /\|/, $s->psql(
            "SELECT extract(epoch FROM min(created_at)) * 1000 - $end_ms, extract(epoch FROM max(updated_at)) * 1000 - $end_ms "
            . "FROM payouts WHERE purpose LIKE 'quiz:%:rank:%' AND split_part(purpose, ':', 2)::bigint IN ($in)");
        %r = (%r,
            end_to_ended_p50_ms => ms(pct(50, values %ended)), end_to_ended_max_ms => ms(pct(100, values %ended)),
            end_to_results_p50_ms => ms(pct(50, @to_results)), end_to_results_p99_ms => ms(pct(99, @to_results)),
            end_to_results_max_ms => ms(pct(100, @to_results)),
            end_to_last_summary_ms => ms(defined $d->{last_summary_ms} ? $d->{last_summary_ms} - $end_ms : undef),
            end_to_closed_p50_ms => ms(pct(50, values %closed)), end_to_closed_p99_ms => ms(pct(99, values %closed)),
            end_to_closed_max_ms => ms(pct(100, values %closed)),
            end_to_edited_p50_ms => ms(pct(50, @to_edited)), end_to_edited_max_ms => ms(pct(100, @to_edited)),
            end_to_first_row_ms => ms($first_row), end_to_last_paid_ms => ms($last_paid),
            rows => $rows, paid => 0 + $paid, closed => 0 + $closed,
            payouts_per_s => sprintf('%.1f', $last_paid > 0 ? $paid / ($last_paid / 1000) : 0),
            payouts_per_s_from_first_row => sprintf('%.1f', $last_paid > $first_row ? $paid / (($last_paid - $first_row) / 1000) : 0),
            summaries => $d->{summaries}, won_messages => $d->{won}, refused_calls => $d->{refused},
            results_messages => sum0(values %{ $d->{results_sent} }), failed_marks => $d->{failed_marks},
            webhook_failed_attempts => $d->{webhook_failed_attempts});

        # --- correctness -------------------------------------------------------------
        my ($b2) = balances();
        my $st = $node->state;
        my @new = @{ $st->{txs} }[$ntx .. $#{ $st->{txs} }];
        my %tx = map { $_->{hash} => $_ } @{ $st->{txs} };
        my %got_by;     # recipient -> sum of its rows
        my ($bad_rows, $bad_tx) = (0, 0);
        my %rows_of;
        for ($s->psql("SELECT split_part(purpose, ':', 2) || '|' || split_part(purpose, ':', 4) || '|' || recipient "
                      . "|| '|' || amount || '|' || state || '|' || coalesce(tx_hash, '') || '|' || coalesce(recipient_user, 0) "
                      . "FROM payouts WHERE purpose LIKE 'quiz:%' AND split_part(purpose, ':', 2)::bigint IN ($in) "
                      . "AND purpose NOT LIKE '%:fund%' ORDER BY 1")) {
            my ($q, $rank, $to, $amount, $state, $hash, $uid) = split /\|/;
            if ($rank !~ /^\d+$/) { $bad_rows++; push @wrong, "a row not a rank: quiz $q $rank" if $bad_rows < 5; next }
            push @{ $rows_of{$q} }, [$rank, $to, $amount, $uid];
            $got_by{$to} //= Math::BigInt->new(0);
            $got_by{$to} += Math::BigInt->new($amount);
            my $t = $tx{$hash};
            my ($deposit) = map { $_->{Transfer}{deposit} } grep { ref $_ && $_->{Transfer} } @{ $t->{actions} || [] };
            $bad_tx++ unless $state eq 'paid' && $t && $t->{status} eq 'success' && $t->{signer_id} eq $op
                && $t->{receiver_id} eq $to && ($deposit // '') eq $amount;
        }
        push @wrong, "$bad_tx prize rows not paid by their own transaction on the node" if $bad_tx;
        for my $q (@ids) {
            my @rw = sort { $a->[0] <=> $b->[0] } @{ $rows_of{$q} || [] };
            my $ok = @rw == 10 && join(',', map { $_->[0] } @rw) eq join(',', 1 .. 10)
                && join(',', map { $_->[2] } @rw) eq join(',', @split)
                && keys(%{ { map { $_->[1] => 1 } @rw } }) == 10;
            push @wrong, "quiz $q: its rows are not the top-10 split of its pool to ten players: "
                . join(' ', map { "$_->[0]:$_->[1]:$_->[2]" } @rw) if !$ok && @wrong < 20;
        }
        my @to_wallets = grep { $_->{signer_id} eq $op && $_->{receiver_id} =~ /^user\d+\./ } @new;
        my $opened = grep { grep { ($_ // '') eq 'CreateAccount' } @{ $_->{actions} || [] } } @to_wallets;
        my $transfers = @to_wallets - $opened;
        push @wrong, "operator transfers to wallets after the end: $transfers (expected $rows)" if $transfers != $rows;
        my $want_opened = $new_winners ? keys(%got_by) : 0;     # a wallet for each winner
        push @wrong, "wallets opened after the end: $opened (expected $want_opened)" if $opened != $want_opened;
        $r{wallets_opened} = $opened;
        my $bad_bal = 0;
        for my $p (@player_ids) {
            my $who = "user$p.$op";
            $bad_bal++ unless $b2->{$who} - $b1->{$who} == ($got_by{$who} // 0) + ($new_winners && $got_by{$who} ? $initial : 0);
        }
        push @wrong, "$bad_bal players' balances not up by exactly their prizes" if $bad_bal;
        my %made = map { my $c = $creator_ids[$_ % $creators]; ($c => 0) } 0 .. $quizzes - 1;
        $made{ $creator_ids[$_ % $creators] }++ for 0 .. $quizzes - 1;
        for my $c (@creator_ids) {
            my $want = ($pool_yocto + $fee + $gas) * ($made{$c} // 0);
            push @wrong, "creator $c: its wallet went down by " . ($b0->{"user$c.$op"} - $b2->{"user$c.$op"})
                . " (expected $want)" unless $b0->{"user$c.$op"} - $b2->{"user$c.$op"} == $want;
        }
        # pools in, prizes out, fees kept, gas paid (and new wallets' first balance)
        my $op_want = $fee * $quizzes - $gas * $rows - ($initial + $gas) * $opened;
        push @wrong, "operator: " . ($b2->{$op} - $b0->{$op}) . " (expected $op_want)" if $b2->{$op} - $b0->{$op} != $op_want;
        my $once = $s->psql("SELECT count(*) FROM quizzes WHERE id IN ($in) AND status = 'closed' AND closed_at IS NOT NULL "
                            . "AND (SELECT count(*) FROM quiz_results r WHERE r.quiz_id = quizzes.id) = $players");
        push @wrong, "closed with every player ranked: $once of $quizzes" if $once != $quizzes;
        push @wrong, "results messages $r{results_messages} in " . scalar(keys %{ $d->{results_sent} }) . " groups (expected one in each of $quizzes)"
            if $r{results_messages} != $quizzes || keys %{ $d->{results_sent} } != $quizzes;
        push @wrong, "ranking messages edited with every prize ✅: " . scalar(@to_edited) if @to_edited != $quizzes;
        push @wrong, "summaries $d->{summaries} (expected $attempts)" if $d->{summaries} != $attempts;
        push @wrong, "'You won' messages $d->{won} (expected $rows)" if $d->{won} != $rows;
        push @wrong, "refused Bot API calls: $d->{refused} " . $json->encode($d->{refused_methods}) if $d->{refused};
        push @wrong, "⚠️ (a failed prize) in $d->{failed_marks} edits" if $d->{failed_marks};
        my $dead = $s->redis->cli('XLEN', 'mm:updates:dead') || 0;
        push @wrong, "dead-lettered updates: $dead" if $dead;
        $r{wrong} = [@wrong];
        print $res $json->encode(\%r), "\n";

        printf "%2d key(s), %d worker(s): %d quizzes (made and funded in %s s, played in %s s); end -> results "
            . "p50/p99/max %s/%s/%s ms, -> last summary %s ms; %d prizes paid at %s/s (last %s ms after the end); "
            . "-> closed p50/p99/max %s/%s/%s ms\n",
            $nkeys, $nworkers, $quizzes, $r{create_s}, $r{play_s}, @r{qw(end_to_results_p50_ms end_to_results_p99_ms
            end_to_results_max_ms end_to_last_summary_ms)}, $paid, @r{qw(payouts_per_s end_to_last_paid_ms
            end_to_closed_p50_ms end_to_closed_p99_ms end_to_closed_max_ms)};
        if (@wrong) {
            print "WRONG: $_\n" for @wrong;
            print "  unpaid: $_\n" for $s->psql("SELECT state, left(coalesce(last_error, ''), 200), count(*) FROM payouts "
                                               . "WHERE state <> 'paid' GROUP BY 1, 2");
            $failed = 1;
        }
    }
}
print "results: $outfile\n";
exit($failed ? 1 : 0);
