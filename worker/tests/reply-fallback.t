# A reply that cannot be built does not fail the update: /withdraw with a
# token name cut inside a UTF-8 character (the "unknown token" message is
# then not UTF-8, which jansson refuses) gets a generic reply at once
# instead of being retried and dead-lettered without an answer.
use strict;
use warnings;
use utf8;
use lib 'tests/lib';
use Test::More;
use JSON::PP;
use MM::Stack;

my $vectors = 'worker/tests/near-vectors/vectors.json';
my $master = do { open my $f, '<', $vectors or die; local $/; decode_json(<$f>)->{keys}{master} };

# wallets on (nothing here reaches the chain: the RPC endpoint is a closed port)
my $s = MM::Stack->new(name => 'reply-fallback', env => {
    NEAR_WALLET_ADDRESS => 'quizbot.testnet', NEAR_WALLET_PRIVATE_KEY => $master->{secret_key},
    WALLET_ENCRYPTION_KEY => 'a wallet sealing key of at least thirty-two characters',
    NEAR_RPC_ENDPOINT => 'http://127.0.0.1:1', MM_MAX_ATTEMPTS => 2 });
$s->start_worker(0);
my $ann = { id => 7301, first_name => 'Ann' };

# 12 two-byte letters: the token is read as its first 23 bytes
my ($m) = $s->said($ann, '/withdraw 1 ' . ('é' x 12) . 'x');
is($m && $m->{params}{text}, 'Sorry, something went wrong showing this — please try again.',
   'a reply that cannot be built is replaced by a generic one');
is($s->redis->cli('XLEN', 'mm:updates:dead'), 0, 'the update was not dead-lettered');
like($s->worker_log(0), qr/sendMessage could not be built \(text not UTF-8\?\): a generic reply/,
     'the substitution is logged');

# the next update of the chat is answered as usual
($m) = $s->said($ann, '/withdraw');
like($m && $m->{params}{text}, qr/Usage: /, 'the chat goes on');
is($s->stop_worker(0), 0, 'worker stops cleanly');
done_testing;
