package MM::Stores;

# The stores a worker test needs: a private PostgreSQL, migrated by
# mm-worker itself, and a private Redis, both set in the environment
# mm-worker reads (DATABASE_URL, REDIS_PORT).
#   my ($pg, $redis) = MM::Stores::start('payouts');
#   MM::Stores::start('faults', aof => 'always');   # Redis with its append-only file

use strict;
use warnings;
use Cwd ();
use Test::More ();
use MM::Pg;
use MM::Redis;

sub start {
    my ($name, %opt) = @_;
    my $dir = Cwd::abs_path('.') . "/t/servroot-$name";
    my $pg = MM::Pg->new(dir => "$dir/pg");
    $pg->start;
    my $redis = MM::Redis->new(dir => "$dir/redis", aof => $opt{aof});
    $redis->start;
    $ENV{DATABASE_URL} = $pg->url;
    $ENV{REDIS_PORT} = $redis->port;
    system('build/mm-worker migrate >/dev/null 2>&1') == 0
        or Test::More::BAIL_OUT('mm-worker migrate failed');
    return ($pg, $redis);
}

1;
