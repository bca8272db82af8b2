#!/usr/bin/env perl
# engine.pl: the quiz engine's own overhead (bench/engine_bench.c) on a
# private PostgreSQL and Redis with an instant local LLM
# (bench/llm-instant.mjs): validated questions per second through the
# pipeline, and the latency of serving a question from Redis and from
# PostgreSQL.
#   perl bench/engine.pl [--requests 100] [--serves 10000]
# Results go to bench/out/engine-<time>.jsonl.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../tests/lib";
use Getopt::Long;
use IPC::Open2;
use POSIX ();
use MM::Pg;
use MM::Redis;

chdir "$FindBin::Bin/..";
my ($requests, $serves) = (100, 10000);
GetOptions('requests=i' => \$requests, 'serves=i' => \$serves) or die "bad options\n";
system('make', '-s', 'build/mm-worker', 'bench-engine') == 0 or die "build failed\n";

my $dir = 't/servroot-bench-engine';
my $pg = MM::Pg->new(dir => "$dir/pg");
my $redis = MM::Redis->new(dir => "$dir/redis");
$pg->start;
$redis->start;
my $llm_pid = open2(my $llm_out, my $llm_in, 'node', 'bench/llm-instant.mjs', '--port', 0,
                    '--words', 'worker/quiz/bank/questions.jsonl');
my ($port) = <$llm_out> =~ /listening (\d+)/ or die "llm-instant did not start\n";

$ENV{DATABASE_URL} = $pg->url;
$ENV{REDIS_PORT} = $redis->port;
$ENV{LLM_PROVIDERS} = 'openai';
$ENV{OPENAI_BASE_URL} = "http://127.0.0.1:$port";
$ENV{OPENAI_MODEL} = 'instant';
system("build/mm-worker migrate >/dev/null") == 0 or die "migrate failed\n";
system("build/mm-worker questions import bank < worker/quiz/bank/questions.jsonl >/dev/null") == 0
    or die "bank import failed\n";

mkdir 'bench/out';
my $out = sprintf 'bench/out/engine-%s.jsonl', POSIX::strftime('%Y%m%d-%H%M%S', localtime);
my @lines = `build/bench/engine_bench $requests $serves`;
die "engine_bench failed\n" if $?;
open my $fh, '>', $out or die;
print $fh @lines;
print @lines;
print "written to $out\n";

kill 'TERM', $llm_pid;
waitpid $llm_pid, 0;
$redis->stop;
$pg->stop;
