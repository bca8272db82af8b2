# A player's signing key in the bot's worker (run as root: /proc/PID/mem):
# after a withdrawal it is in no readable memory at all, the operator's is
# only in locked pages, and /proc/PID/environ holds no secret; the RPC URL's
# keys (userinfo, path, query) are in no metric label and no log.  A withdrawal
# that can never be signed (an amount above u128::MAX) fails, and the
# player is told why; nothing is left for the sweep of stalled withdrawals.
use strict;
use warnings;
use utf8;
use lib 'tests/lib';
use Test::More;
use JSON::PP;
use Time::HiRes qw(sleep time);
use MM::NearNode;
use MM::Stack;
use MM::ProcSecrets qw(fresh_key forms scan unlocked show environ open_sealed);

plan skip_all => 'reading another process\'s memory needs root' unless $> == 0;
binmode(Test::More->builder->$_, ":encoding(UTF-8)") for qw(output failure_output todo_output);
my $master = fresh_key();
my $seal = 'a wallet sealing key of at least thirty-two characters';
my $apikey = 'FastNearKey-NeverInEnviron';
my $near = '000000000000000000000000';

my $s = MM::Stack->new(name => 'bot-withdraw-secrets', webhook => 1);
my $node = MM::NearNode->new(dir => $s->dir, accounts => {
        'quizbot.testnet' => { amount => "100$near", keys => [{ public_key => $master->{public_key},
                                                                 nonce => 0, permission => 'FullAccess' }] },
        'alice.testnet' => { amount => "1$near", keys => [] } });
my %env = (NEAR_WALLET_ADDRESS => 'quizbot.testnet', NEAR_WALLET_PRIVATE_KEY => $master->{secret_key},
           WALLET_ENCRYPTION_KEY => $seal, FASTNEAR_API_KEY => $apikey,
           # where providers put keys: userinfo, path, query
           NEAR_RPC_ENDPOINT => $node->url =~ s{//}{//keyuser:keypass\@}r . '/v1/KEYINPATH?apikey=KEYINQUERY',
           NEAR_RPC_BACKOFF_MS => 20, NEAR_RPC_TIMEOUT_MS => 2000, MM_JOB_LEASE_MS => 3000);
my $hook = `env DATABASE_URL=unused TELEGRAM_TOKEN=$MM::Stack::Token TELEGRAM_API_BASE=@{[$s->api_url]} WEBHOOK_URL=@{[$s->webhook_url]} WEBHOOK_SECRET=$MM::Stack::Secret @{[$s->worker_bin]} set-webhook 2>&1`;
is($? >> 8, 0, 'the webhook is set') or diag $hook;
my $pid = $s->start_worker(0, %env);

sub buttons { map { @$_ } @{ $_[0]{params}{reply_markup}{inline_keyboard} || [] } }
my $ann = { id => 2201, first_name => 'Ann' };

my (undef, $opened) = $s->said($ann, '/wallet', 2);
like($opened->{params}{text}, qr/user2201\.quizbot\.testnet/, 'a wallet');
$node->fund('user2201.quizbot.testnet', "2$near");
my ($ask) = $s->said($ann, '/withdraw 0.5 NEAR alice.testnet');
$s->press($ann, $ask->{response}{result}, (buttons($ask))[0]{callback_data});
my ($sent) = $s->said($ann, undef);
like($sent->{params}{text}, qr/✅ Sent 0\.5 NEAR/, 'a withdrawal, paid from the player\'s key');

my ($record, $account) = split /\|/, $s->psql("SELECT sealed_key, account_id FROM wallets WHERE telegram_user_id = 2201");
my $player = open_sealed($record, $seal, $account);
like($player, qr/^ed25519:\w{80,}$/, 'the player\'s key, opened here from its record');
my @hits = scan($pid, forms($player));
is(show(@hits), '', 'after the withdrawal the player\'s key is nowhere in the worker\'s memory');
SKIP: {
    # AddressSanitizer makes mlock a no-op: no page of that build is locked
    skip 'mlock is a no-op under AddressSanitizer', 1
        if do { open my $m, '<', "/proc/$pid/maps"; local $/; <$m> =~ /libasan/ };
    @hits = scan($pid, forms($master->{secret_key}));
    is(show(unlocked(@hits)), '', 'the operator\'s key is only in locked memory');
}
my $environ = environ($pid);
ok(length $environ, '/proc/PID/environ was read');
is(scalar(grep { index($environ, $_) >= 0 } $master->{secret_key} =~ s/^ed25519://r, $seal, $apikey), 0,
   'it holds none of the operator\'s key, the sealing key, the API key');

unlike($environ, qr/keypass|KEYINPATH|KEYINQUERY/, 'nor the RPC URL with its keys');

# the RPC URL's keys: not in the metrics' labels, not in any log
my %m = $s->redis->cli('HGETALL', 'mm:metrics');
my @labels = grep { /^mm_near_rpc_calls_total/ } keys %m;
ok(@labels && !grep({ !/endpoint="127\.0\.0\.1",rank="0"/ } @labels),
   'RPC calls are counted by host and rank') or diag join "\n", @labels;
is(scalar(grep { /keyuser|keypass|KEYIN/ } keys %m), 0, 'no part of the URL but the host is a label');

# a withdrawal that can never be signed: failed, and the player is told
my $huge = '9' x 39;
my $payout = $s->psql("INSERT INTO payouts (purpose, recipient, token, amount, signer_id) VALUES "
                      . "('withdraw:huge', 'alice.testnet', 'NEAR', $huge, '$account') RETURNING id");
$s->psql("INSERT INTO jobs (kind, user_id, chat_id, payload) VALUES ('withdraw', 2201, 2201, "
         . "jsonb_build_object('withdrawal', 0, 'payout', $payout))");
my ($told) = $s->said($ann, undef);
like($told->{params}{text}, qr/❌ The network refused sending .*cannot sign: the amount/s,
     'the player is told the withdrawal cannot be signed') or diag $told->{params}{text};
is($s->psql("SELECT state FROM payouts WHERE id = $payout"), 'failed', 'the payout failed');
is($s->psql("SELECT count(*) FROM payouts WHERE signer_id IS NOT NULL AND state IN ('pending', 'signed')"), 0,
   'nothing is left for the sweep');

$s->stop_worker(0);
my $logs = join '', map { open my $f, '<', $_; local $/; <$f> // '' } glob($s->dir . '/logs/*');
ok(length $logs > 200, 'the logs were read');
is(scalar(() = $logs =~ /keyuser|keypass|KEYINPATH|KEYINQUERY|\Q$apikey\E|\Q$seal\E/g), 0,
   'no part of the RPC URL but its host, no key in any log');
$node->stop;
$s->stop;
done_testing;
