#!/usr/bin/env perl
# e2e.pl: end-to-end load on the whole bot — nginx with the module, Redis,
# PostgreSQL, mm-worker and a local Bot API (bench/e2e-load.mjs) — with one
# and with two worker processes, at several loads.
#   perl bench/e2e.pl [--duration 10] [--warmup 3] [--levels 50:200,100:100,200:50,400:0]
# A level is players:think_ms.  Results go to bench/out/e2e-<time>.jsonl.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../tests/lib";
use Getopt::Long;
use JSON::PP;
use POSIX ();
use Time::HiRes qw(sleep);
use MM::Redis;
use MM::Stack;

chdir "$FindBin::Bin/..";
my ($duration, $warmup, $levels, $workers_list, $threads, $pg_stats) = (10, 3, '50:200,100:100,200:50,400:0', '1,2', 4, 0);
GetOptions('duration=i' => \$duration, 'warmup=i' => \$warmup, 'levels=s' => \$levels,
           'workers=s' => \$workers_list, 'threads=i' => \$threads,
           'pg-stats' => \$pg_stats) or die "bad options\n";
# --pg-stats: where PostgreSQL's time goes, per statement (pg_stat_statements)
$ENV{MM_PG_OPTIONS} = '-c shared_preload_libraries=pg_stat_statements' if $pg_stats;
mkdir 'bench/out';
my $out = sprintf 'bench/out/e2e-%s.jsonl', POSIX::strftime('%Y%m%d-%H%M%S', localtime);
open my $res, '>', $out or die;

my $base = 10_000_000;
for my $nworkers (split /,/, $workers_list) {
    for my $level (split /,/, $levels) {
        my ($users, $think) = split /:/, $level;
        my $s = MM::Stack->new(name => 'bench-e2e', webhook => 1, botapi => 0,
            env => { MM_QUESTION_SECONDS => 600, TELEGRAM_RATE_GLOBAL => 0, TELEGRAM_RATE_CHAT => 0,
                     LOG_LEVEL => 'info', MM_THREADS => $threads, MM_OUTBOX_LEASE_MS => 30000 });
        $s->{api_port} = MM::Redis::free_port();
        my $log = $s->dir . '/logs/load.log';
        my $pid = $s->_spawn($log, {}, 'node', 'bench/e2e-load.mjs', '--port', $s->{api_port},
            '--token', $MM::Stack::Token, '--webhook', $s->webhook_url, '--secret', $MM::Stack::Secret,
            '--users', $users, '--think', $think, '--warmup', $warmup, '--duration', $duration,
            '--base', $base);
        $base += 1_000_000;
        for (1 .. 100) { last if $s->log_since($log, 0) =~ /listening/; sleep 0.1 }
        $s->psql('CREATE EXTENSION pg_stat_statements') if $pg_stats;
        $s->start_worker($_) for 0 .. $nworkers - 1;
        kill 'USR1', $pid;
        waitpid $pid, 0;
        my ($line) = $s->log_since($log, 0) =~ /^(\{.*\})$/m;
        die "no result:\n" . $s->log_since($log, 0) unless $line;
        my $r = decode_json($line);
        $r->{workers} = $nworkers;
        $r->{threads} = $threads;
        printf "%d worker(s) x %d threads, %4d players, think %3d ms: %7.0f answers/s, p50 %6.1f ms, p99 %7.1f ms, refused %d\n",
            $nworkers, $threads, $users, $think, $r->{answers_per_s}, $r->{p50_ms} // -1,
            $r->{p99_ms} // -1, $r->{refused_calls};
        print $res encode_json($r), "\n";
        print $s->psql(q{SELECT lpad(calls::text, 8) || lpad(round(total_exec_time)::text, 8) || ' ms '
                         || lpad(round(mean_exec_time * 1000)::text, 6) || ' us  '
                         || left(regexp_replace(query, '\s+', ' ', 'g'), 90)
                         FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 15}), "\n"
            if $pg_stats;
        $s->stop_worker($_) for 0 .. $nworkers - 1;
        $s->stop;
    }
}
print "results: $out\n";
