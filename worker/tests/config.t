# mm-worker's start-up contract: --help lists every subcommand and
# variable; a missing or malformed setting stops start-up with one clear
# line naming it (and never echoes a secret).
use strict;
use warnings;
use Test::More;
use JSON::PP;

# the message of a JSON log line (what an operator reads)
sub msg { my ($line) = @_; my $m = eval { decode_json($line)->{msg} }; defined $m ? $m : $line }

my $bin = $ENV{MM_WORKER_BIN} || 'build/mm-worker';

my $help = `$bin --help`;
is($? >> 8, 0, '--help exits 0');
for my $v (qw(TELEGRAM_TOKEN BOT_USERNAME WEBHOOK_URL DATABASE_URL REDIS_HOST REDIS_PORT
              REDIS_PASSWORD REDIS_SSL ENVIRONMENT TELEGRAM_API_BASE DATABASE_READ_URL MM_STREAM
              LOG_LEVEL MM_PARTITIONS MM_THREADS MM_QUESTION_SECONDS TELEGRAM_RATE_GLOBAL)) {
    like($help, qr/^\s+\Q$v\E\s/m, "--help lists $v");
}
my %listed;
$listed{$1}++ while $help =~ /^\s+([A-Z][A-Z0-9_]+)\s/mg;
is(scalar(grep { $listed{$_} > 1 } keys %listed), 0, '--help lists every variable once')
    or diag explain [grep { $listed{$_} > 1 } keys %listed];
# every variable the worker reads is in the table --help prints
my @read = sort keys %{{ map { $_ => 1 } `grep -hoE '"[A-Z][A-Z0-9_]{3,}"' worker/mm_config.c | grep -v ABCDEF` =~ /"([A-Z][A-Z0-9_]+)"/g }};
is(scalar(grep { !$listed{$_} } @read), 0, 'and every one it reads') or diag "@read";
ok(scalar(keys %listed) >= 60, scalar(keys %listed) . ' variables');
like($help, qr/mm-worker set-webhook/, '--help lists set-webhook');
like($help, qr/mm-worker delete-webhook/, '--help lists delete-webhook');

my %base = (TELEGRAM_TOKEN => '123:abc', DATABASE_URL => 'postgresql://x@127.0.0.1:1/x');
my @cases = (
    [ { TELEGRAM_TOKEN => '' }, qr/TELEGRAM_TOKEN is not set/ ],
    [ { TELEGRAM_TOKEN => 'no-colon-token' }, qr/TELEGRAM_TOKEN is malformed/ ],
    [ { DATABASE_URL => '' }, qr/DATABASE_URL is not set/ ],
    [ { REDIS_PORT => 'abc' }, qr/REDIS_PORT must be an integer from 1 to 65535, not "abc"/ ],
    [ { MM_THREADS => '0' }, qr/MM_THREADS must be an integer from 1 to 64, not "0"/ ],
    [ { REDIS_SSL => 'true' }, qr/REDIS_SSL=true is not supported/ ],
    [ { LOG_LEVEL => 'loud' }, qr/LOG_LEVEL must be debug, info, warn or error, not "loud"/ ],
    [ { ENVIRONMENT => 'staging' }, qr/ENVIRONMENT must be development or production/ ],
    [ { TELEGRAM_API_BASE => 'ftp://x' }, qr/TELEGRAM_API_BASE must be an http/ ],
    [ { WEBHOOK_SECRET => 'bad secret!' }, qr/WEBHOOK_SECRET must be 1-256 characters/ ],
    [ { LLM_TIMEOUT_MS => '5' }, qr/LLM_TIMEOUT_MS must be an integer from 100 to 60000, not "5"/ ],
    [ { NEAR_RPC_TIMEOUT_MS => 'soon' }, qr/NEAR_RPC_TIMEOUT_MS must be an integer/ ],
    [ { MM_OUTBOX_LEASE_MS => '10' }, qr/MM_OUTBOX_LEASE_MS must be an integer from 1000/ ],
);
for my $c (@cases) {
    my ($env, $want) = @$c;
    my %e = (%base, %$env);
    my $cmd = join(' ', 'env', map({ "$_='$e{$_}'" } sort keys %e), $bin, 'run', '2>&1');
    my $out = `$cmd`;
    my ($name) = keys %$env;
    is($? >> 8, 2, "$name: start-up stops");
    like(msg($out), $want, "$name: the line names it");
    is(scalar(split /\n/, $out), 1, "$name: in one line");
    unlike($out, qr/bad secret!/, "$name: no secret echoed") if $name eq 'WEBHOOK_SECRET';
}

# the payer's pool: every item a secret key, a bad one named by its place only
my $master = decode_json(do { open my $f, '<', 'worker/tests/near-vectors/vectors.json' or die; local $/; <$f> })
    ->{keys}{master}{secret_key};
my %near = (%base, NEAR_WALLET_ADDRESS => 'quizbot.testnet', NEAR_WALLET_PRIVATE_KEY => $master,
            NEAR_RPC_ENDPOINT => 'http://127.0.0.1:1', WALLET_ENCRYPTION_KEY => 'x' x 32,
            NEAR_SIGNER_KEYS => "$master,ed25519:NotAKeyButSecretText");
my $pool = `@{[ join ' ', 'env', map({ "$_='$near{$_}'" } sort keys %near) ]} $bin run 2>&1`;
is($? >> 8, 2, 'NEAR_SIGNER_KEYS with a bad item: start-up stops');
like(msg($pool), qr/NEAR_SIGNER_KEYS: item 2 is not an ed25519 secret key/, 'naming the item by its place');
unlike($pool, qr/NotAKeyButSecretText|\Q$master\E/, 'without echoing any of it');

# the database is reached before anything else: a clear line when it is not
my $out = `env TELEGRAM_TOKEN=123:abc BOT_USERNAME=b DATABASE_URL=postgresql://u:hunter2\@127.0.0.1:1/x $bin run 2>&1`;
is($? >> 8, 3, 'an unreachable database stops start-up (exit 3: a service could not be reached)');
like(msg($out), qr/^database: database connect failed: connection to server at "127.0.0.1", port 1 failed/,
     'naming where it looked');
unlike($out, qr/hunter2/, 'without the password');

`$bin frobnicate 2>&1`;
is($? >> 8, 2, 'an unknown subcommand is refused');
done_testing;
