#!/usr/bin/env perl
# group-quiz.pl: one group quiz through the whole bot — nginx with the
# module, Redis, PostgreSQL, mm-worker and a local Bot API
# (bench/group-quiz-load.mjs) — with one and with two worker processes.
# The bot is added to a group, `mm-worker quiz create` makes a quiz of
# --questions from the bank's "science" topic, then --players players open
# its deep link within --ramp seconds and answer every question `think` ms
# after it arrives; once all are done `mm-worker quiz end` makes the end due.
# Measured: answers recorded per second over the burst, press → "Answer
# recorded" latency, and the time from the end to the group's "Quiz over"
# and to the last player's summary.  Every answer must be in PostgreSQL and
# every player ranked once.
#   perl bench/group-quiz.pl [--players 1000] [--questions 10] [--workers 1,2]
#                            [--think 0] [--ramp 1] [--threads 4] [--dump] [--pg-stats]
# Results go to bench/out/group-quiz-<time>.jsonl; a line "WRONG: …" and exit
# code 1 when an answer, a result or a summary is missing.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../tests/lib";
use Getopt::Long;
use JSON::PP;
use POSIX ();
use Time::HiRes qw(sleep time);
use MM::Redis;
use MM::Stack;

chdir "$FindBin::Bin/..";
my ($players, $questions, $workers_list, $think, $ramp, $threads, $timeout, $dump, $pg_stats)
    = (1000, 10, '1,2', 0, 1, 4, 300, 0, 0);
# --dump: every press (chat, message, pressed, posted, recorded; epoch ms) to bench/out/
# --pg-stats: where PostgreSQL's time goes, per statement (pg_stat_statements)
GetOptions('players=i' => \$players, 'questions=i' => \$questions, 'workers=s' => \$workers_list,
           'dump' => \$dump, 'pg-stats' => \$pg_stats, 'think=i' => \$think, 'ramp=f' => \$ramp, 'threads=i' => \$threads,
           'timeout=i' => \$timeout) or die "bad options\n";
$ENV{MM_PG_OPTIONS} = '-c shared_preload_libraries=pg_stat_statements' if $pg_stats;
mkdir 'bench/out';
my $out = sprintf 'bench/out/group-quiz-%s.jsonl', POSIX::strftime('%Y%m%d-%H%M%S', localtime);
open my $res, '>', $out or die;
$res->autoflush(1);

my ($creator, $failed) = (42, 0);
my $base = 20_000_000;
my $seconds = 60;
my $duration = $questions * $seconds + 300;
for my $nworkers (split /,/, $workers_list) {
    my $s = MM::Stack->new(name => 'bench-group-quiz', webhook => 1, botapi => 0,
        env => { TELEGRAM_RATE_GLOBAL => 0, TELEGRAM_RATE_CHAT => 0, TELEGRAM_RATE_GROUP => 0,
                 MM_MIN_ANSWER_MS => 0, LOG_LEVEL => 'info', MM_THREADS => $threads,
                 MM_OUTBOX_LEASE_MS => 30000 });
    $s->{api_port} = MM::Redis::free_port();
    my $log = $s->dir . '/logs/load.log';
    my $idfile = $s->dir . '/quiz-id';
    my $pid = $s->_spawn($log, {}, 'node', 'bench/group-quiz-load.mjs', '--port', $s->{api_port},
        '--token', $MM::Stack::Token, '--webhook', $s->webhook_url, '--secret', $MM::Stack::Secret,
        '--players', $players, '--questions', $questions, '--think', $think, '--ramp', $ramp,
        '--base', $base, '--creator', $creator, '--idfile', $idfile, '--timeout', $timeout,
        $dump ? ('--dump', ($out =~ s/\.jsonl$//r) . "-w$nworkers.presses") : ());
    $base += 1_000_000;
    my $group;
    for (1 .. 100) { last if ($group) = $s->log_since($log, 0) =~ /^listening \d+ group (-\d+)/m; sleep 0.1 }
    die "the load driver did not start:\n" . $s->log_since($log, 0) unless $group;
    $s->psql('CREATE EXTENSION pg_stat_statements') if $pg_stats;
    $s->start_worker($_) for 0 .. $nworkers - 1;
    for (1 .. 200) { last if $s->psql("SELECT count(*) FROM groups WHERE chat_id = $group") eq '1'; sleep 0.05 }

    my ($code, $json, $err) = $s->cli('quiz', 'create', '--chat', $group, '--creator', $creator,
        '--topic', 'science', '--count', $questions, '--seconds', $seconds, '--duration', $duration);
    die "quiz create: exit $code\n$err" if $code;
    my $quiz = decode_json($json)->{id};
    open my $fh, '>', $idfile or die;
    print $fh "$quiz\n";
    close $fh;
    kill 'USR1', $pid;
    my $answered;
    until (($answered) = $s->log_since($log, 0) =~ /^(answered .*)$/m) {
        die "the load driver exited:\n" . $s->log_since($log, 0) if waitpid($pid, POSIX::WNOHANG()) == $pid;
        sleep 0.1;
    }

    # the end made due now, as /endquiz does; `quiz end` waits for it
    kill 'USR2', $pid;
    my $t0 = time;
    ($code, undef, $err) = $s->cli('quiz', 'end', $quiz);
    my $cli_s = time - $t0;
    warn "quiz end: exit $code\n$err" if $code;
    waitpid $pid, 0;
    my ($line) = $s->log_since($log, 0) =~ /^(\{.*\})$/m;
    die "no result:\n" . $s->log_since($log, 0) unless $line;
    my $r = decode_json($line);
    $r->{workers} = $nworkers;
    $r->{threads} = $threads;
    $r->{quiz_end_cli_ms} = int($cli_s * 1000);
    # what PostgreSQL holds: every recorded answer and every player's result, once
    $r->{db_answers} = 0 + $s->psql("SELECT count(*) FROM quiz_answers WHERE quiz_id = $quiz");
    $r->{db_attempts} = 0 + $s->psql("SELECT count(*) FROM quiz_attempts WHERE quiz_id = $quiz");
    $r->{db_results} = 0 + $s->psql("SELECT count(*) FROM quiz_results WHERE quiz_id = $quiz");
    $r->{db_status} = $s->psql("SELECT status FROM quizzes WHERE id = $quiz");
    $r->{dead_letters} = 0 + ($s->redis->cli('XLEN', 'mm:updates:dead') || 0);
    # where an answer's time went, from the database: the edge's receipt to
    # the start of the transaction that recorded it (the stream and the
    # partition's queue), then to the "recorded" edit sent (the transaction,
    # the outbox and the sender)
    my @split = split /\|/, scalar $s->psql(qq{
        WITH e AS MATERIALIZED (SELECT chat_id, (params->>'message_id')::bigint AS mid, created_at, sent_at
                                FROM outbox WHERE method = 'editMessageText'
                                AND params->>'text' LIKE '%Answer recorded%'),
        q AS MATERIALIZED (SELECT a.received_at, o.chat_id, o.tg_message_id AS mid
                           FROM quiz_answers a
                           JOIN session_questions sq ON sq.session_id = a.attempt_id AND sq.seq = a.seq
                           JOIN outbox o ON o.id = sq.outbox_id WHERE a.quiz_id = $quiz),
        t AS (SELECT extract(epoch FROM e.created_at - q.received_at) * 1000 AS queue_ms,
                     extract(epoch FROM e.sent_at - e.created_at) * 1000 AS send_ms
              FROM q JOIN e USING (chat_id, mid))
        SELECT count(*), round(percentile_cont(0.5) WITHIN GROUP (ORDER BY queue_ms)::numeric, 1),
               round(percentile_cont(0.99) WITHIN GROUP (ORDER BY queue_ms)::numeric, 1),
               round(percentile_cont(0.5) WITHIN GROUP (ORDER BY send_ms)::numeric, 1),
               round(percentile_cont(0.99) WITHIN GROUP (ORDER BY send_ms)::numeric, 1) FROM t});
    @$r{qw(db_split_n edge_to_txn_p50_ms edge_to_txn_p99_ms txn_to_sent_p50_ms txn_to_sent_p99_ms)} = map { 0 + ($_ || 0) } @split;
    my $ms = sub { defined $_[0] ? sprintf('%.0f ms', $_[0]) : 'n/a' };
    printf "%d worker(s) x %d threads, %d players x %d questions, think %d ms: %.0f answers/s over %.1f s, "
        . "p50 %.1f ms, p99 %.1f ms; end -> results %s, -> last summary %s; recorded %d/%d (db %d), "
        . "results %d, summaries %d, refused %d%s\n",
        $nworkers, $threads, $players, $questions, $think, $r->{answers_per_s} // 0, $r->{burst_s} // 0,
        $r->{p50_ms} // -1, $r->{p99_ms} // -1, $ms->($r->{end_to_results_ms}),
        $ms->($r->{end_to_last_summary_ms}), $r->{recorded}, $players * $questions, $r->{db_answers},
        $r->{db_results}, $r->{summaries}, $r->{refused_calls}, $r->{timed_out} ? ' (timed out)' : '';
    printf "    in the bot: edge -> transaction p50 %.1f / p99 %.1f ms, transaction -> edit sent p50 %.1f / p99 %.1f ms\n",
        @$r{qw(edge_to_txn_p50_ms edge_to_txn_p99_ms txn_to_sent_p50_ms txn_to_sent_p99_ms)};
    my @wrong = grep { $r->{ $_->[0] } != $_->[1] }
        [recorded => $players * $questions], [db_answers => $players * $questions],
        [db_results => $players], [summaries => $players], [dead_letters => 0];
    printf "    WRONG: %s\n", join ', ', map { "$_->[0] $r->{ $_->[0] } (expected $_->[1])" } @wrong if @wrong;
    $failed ||= @wrong;
    print $res encode_json($r), "\n";
    print scalar $s->psql(q{SELECT lpad(calls::text, 8) || lpad(round(total_exec_time)::text, 8) || ' ms '
                     || lpad(round(mean_exec_time * 1000)::text, 6) || ' us  '
                     || left(regexp_replace(query, '\s+', ' ', 'g'), 90)
                     FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 15}), "\n"
        if $pg_stats;
    $s->stop_worker($_) for 0 .. $nworkers - 1;
    $s->stop;
    $s->$_->stop for qw(pg redis);  # now: the next run reuses the directory
}
print "results: $out\n";
exit($failed ? 1 : 0);
