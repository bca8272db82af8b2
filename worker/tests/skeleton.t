# mm-worker as it stands: --help, one clear line for a bad setting, and a
# run that creates the consumer group, reports the backlog and stops on TERM.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Cwd ();
use POSIX ();
use Time::HiRes qw(sleep);
use MM::Redis;

my $bin = 'build/mm-worker';
my $dir = Cwd::abs_path('.') . '/t/servroot-worker-skeleton';
system('rm', '-rf', $dir);

my $help = `$bin --help`;
is($? >> 8, 0, '--help exits 0');
like($help, qr/REDIS_PORT/, '--help lists REDIS_PORT');
like($help, qr/MM_STREAM/, '--help lists MM_STREAM');

my $out = `REDIS_PORT=abc $bin run 2>&1`;
is($? >> 8, 2, 'a malformed setting stops start-up');
like($out, qr/REDIS_PORT must be an integer from 1 to 65535, not "abc"/, 'naming the variable');
is(scalar(split /\n/, $out), 1, 'in one line');

`$bin frobnicate 2>&1`;
is($? >> 8, 2, 'an unknown subcommand is refused');

my $redis = MM::Redis->new(dir => "$dir/redis");
$redis->start;
$redis->cli('XADD', 'mm:updates', '*', 'update', '{"update_id":1}');

pipe(my $r, my $w) or die;
my $pid = fork // die;
if (!$pid) {
    close $r;
    open STDERR, '>&', $w;
    $ENV{REDIS_PORT} = $redis->port;
    { exec $bin, 'run' };
    POSIX::_exit(127);
}
close $w;
my $log = '';
for (1 .. 50) {
    last if $log =~ /stream backlog/;
    sleep 0.1;
    my $rin = '';
    vec($rin, fileno($r), 1) = 1;
    sysread($r, $log, 4096, length $log) if select($rin, undef, undef, 0);
}
like($log, qr/started, stream "mm:updates"/, 'started');
like($log, qr/stream backlog: 1 entries, 0 pending/, 'reports the backlog');
my @groups = $redis->cli('XINFO', 'GROUPS', 'mm:updates');
ok((grep { $_ eq 'mm-workers' } @groups), 'created the consumer group');

kill 'TERM', $pid;
waitpid $pid, 0;
is($? >> 8, 0, 'exits 0 on SIGTERM');

$redis->stop;
done_testing();
