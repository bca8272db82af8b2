# What players see is cached in Redis (balances 300 s, token metadata 1 h):
# a second look asks the chain nothing; malformed metadata is not cached.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use JSON::PP;
use Cwd ();
use MM::FakeHttp;
use MM::NearAnswers;
use MM::Redis;

my $json = JSON::PP->new->canonical;
my $redis = MM::Redis->new(dir => Cwd::abs_path('.') . '/t/servroot-near-cache/redis');
$redis->start;
$ENV{REDIS_PORT} = $redis->port;
$ENV{NEAR_RPC_BACKOFF_MS} = 10;

sub near {
    my ($server, @args) = @_;
    local $ENV{NEAR_RPC_ENDPOINT} = $server->url;
    my $out = `build/mm-worker near @args 2>&1`;
    return ($? >> 8, $out, scalar($server->requests));
}

my $meta = '{"spec":"ft-1.0.0","name":"Quiz Token","symbol":"QUIZ","icon":null,"reference":null,"reference_hash":null,"decimals":6}';
my $s = MM::FakeHttp->new([view($meta)]);
my ($rc, $out, $asked) = near($s, 'metadata', 'token.testnet');
is($rc, 0, 'metadata');
is($json->decode($out)->{symbol}, 'QUIZ', 'read');
($rc, $out, $asked) = near($s, 'metadata', 'token.testnet');
is($json->decode($out)->{decimals}, 6, 'again');
is($asked, 1, 'the chain was asked once');
my $ttl = $redis->cli('TTL', 'mm:near:ft_metadata:token.testnet');
ok($ttl > 3500 && $ttl <= 3600, 'cached for an hour');

$s = MM::FakeHttp->new([view('{"name":"no decimals"}')]);
($rc, $out) = near($s, 'metadata', 'bad.testnet');
is($rc, 3, 'metadata without decimals is refused');
is($redis->cli('EXISTS', 'mm:near:ft_metadata:bad.testnet'), 0, 'and not cached');

$s = MM::FakeHttp->new([result({ amount => '5000', locked => '0', storage_usage => 182 })]);
($rc, $out) = near($s, 'shown-balance', 'bob.testnet');
is($json->decode($out)->{balance}, '5000', 'a NEAR balance');
($rc, $out, $asked) = near($s, 'shown-balance', 'bob.testnet');
is($asked, 1, 'cached');
$ttl = $redis->cli('TTL', 'mm:near:balance:NEAR:bob.testnet');
ok($ttl > 250 && $ttl <= 300, 'for 300 s');

$s = MM::FakeHttp->new([view('"100"')]);
($rc, $out) = near($s, 'shown-balance', 'bob.testnet', 'token.testnet');
is($json->decode($out)->{balance}, '100', 'a token balance, cached apart');

$redis->stop;
done_testing();
