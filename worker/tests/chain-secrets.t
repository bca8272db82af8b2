# Signing keys in a live process (run as root: /proc/PID/mem): a payer
# (mm-worker payouts run, as nobody) caught while its second payment is held
# by the node, and the bot's worker after a player's withdrawal.  The keys
# (base58 text, raw bytes, seed) are nowhere in readable memory but in
# locked pages (libsodium's, the logger's secrets); the processes are not
# dumpable, have no core limit, and /proc/PID/environ holds no secret.
use strict;
use warnings;
use utf8;
use lib 'tests/lib';
use Test::More;
no warnings 'portable';
use JSON::PP;
use POSIX ();
use Time::HiRes qw(sleep time);
use MM::NearNode;
use MM::Pg;
use MM::Stores;

plan skip_all => 'PostgreSQL is not installed' unless MM::Pg::available();
plan skip_all => 'reading another process\'s memory needs root' unless $> == 0;
binmode(Test::More->builder->$_, ":encoding(UTF-8)") for qw(output failure_output todo_output);
my $json = JSON::PP->new->canonical;
# a fresh operator key (the vectors' has a zero seed, found everywhere)
my $master = $json->decode(scalar `cd worker/tests/near-peer && node --input-type=module -e '
    import { generateKeyPairSync } from "node:crypto"; import bs58 from "bs58";
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const seed = Buffer.from(privateKey.export({ format: "jwk" }).d, "base64url");
    const pub = Buffer.from(publicKey.export({ format: "jwk" }).x, "base64url");
    console.log(JSON.stringify({ secret_key: "ed25519:" + bs58.encode(Buffer.concat([seed, pub])),
                                 public_key: "ed25519:" + bs58.encode(pub) }));'`);
my $near = '000000000000000000000000';
my $seal = 'a wallet sealing key of at least thirty-two characters';
my $dbpass = 'DbPassw0rdNeverShown';
my $apikey = 'FastNearKey-NeverInEnviron';

sub b58_decode {
    my ($s) = @_;
    my @a = split //, '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
    my %v = map { $a[$_] => $_ } 0 .. 57;
    my @bytes = (0);
    for my $c (split //, $s) {
        my $carry = $v{$c} // die "not base58: $c";
        for (@bytes) { $carry += $_ * 58; $_ = $carry & 0xff; $carry >>= 8 }
        while ($carry) { push @bytes, $carry & 0xff; $carry >>= 8 }
    }
    my $zeros = () = $s =~ /\G1/g;
    pop @bytes while @bytes > 1 && $bytes[-1] == 0;
    @bytes = () if @bytes == 1 && $bytes[0] == 0;
    return ("\0" x $zeros) . pack('C*', reverse @bytes);
}

# the key's forms a copy could take: its text, its 64 bytes, its seed
sub forms {
    my ($text) = @_;
    (my $b58 = $text) =~ s/^ed25519://;
    my $raw = b58_decode($b58);
    die 'not a 64-byte key' unless length $raw == 64;
    return (text => $b58, raw => $raw, seed => substr($raw, 0, 32));
}

# where the forms occur in pid's readable memory: [form, region, locked]
sub scan {
    my ($pid, %forms) = @_;
    my (@regions, $cur);
    open my $sm, '<', "/proc/$pid/smaps" or die "smaps: $!";
    while (<$sm>) {
        if (/^([0-9a-f]+)-([0-9a-f]+) (\S+)\s+\S+\s+\S+\s+\S+\s*(.*)$/) {
            $cur = { from => oct("0x$1"), to => oct("0x$2"), perms => $3, name => $4 };
            push @regions, $cur;
        } elsif (/^VmFlags:(.*)/) {
            $cur->{locked} = $1 =~ /\blo\b/ ? 1 : 0;
        }
    }
    close $sm;
    my @hits;
    open my $mem, '<:raw', "/proc/$pid/mem" or die "mem: $!";
    for my $r (@regions) {
        next unless $r->{perms} =~ /^r/ && $r->{name} !~ /\[(vvar|vsyscall)\]/;
        my $len = $r->{to} - $r->{from};
        next if $len > 1 << 30;
        my $buf = '';
        sysseek($mem, $r->{from}, 0) or next;
        my $got = sysread($mem, $buf, $len) // next;
        for my $f (sort keys %forms) {
            push @hits, [$f, sprintf('%x %s %s', $r->{from}, $r->{perms}, $r->{name}), $r->{locked}]
                if index($buf, $forms{$f}) >= 0;
        }
    }
    close $mem;
    return @hits;
}

sub unlocked { grep { !$_->[2] } @_ }
sub show { join '; ', map { "$_->[0] in $_->[1]" . ($_->[2] ? ' (locked)' : '') } @_ }

sub environ { my ($pid) = @_; open my $f, '<:raw', "/proc/$pid/environ" or return ''; local $/; <$f> // '' }

sub proc_owner { (stat "/proc/$_[0]/environ")[4] }

my ($pg, $redis) = MM::Stores::start('chain-secrets');
my $dir = 't/servroot-chain-secrets';
$pg->psql("ALTER USER postgres PASSWORD '$dbpass'");
(my $dburl = $ENV{DATABASE_URL}) =~ s{postgres(ql)?://([^:@/]+)(:[^@]*)?@}{postgresql://$2:$dbpass@};
$dburl = $ENV{DATABASE_URL} unless $dburl =~ /\Q$dbpass/;

my $node = MM::NearNode->new(dir => $dir, accounts => {
    'quizbot.testnet' => { amount => "1000$near", keys => [{ public_key => $master->{public_key}, nonce => 0 }] },
    's1.testnet' => { amount => '0', keys => [] }, 's2.testnet' => { amount => '0', keys => [] } });
my %op = forms($master->{secret_key});

# 1. a payer as nobody: one payment made, the second held by the node
for my $to (qw(s1 s2)) {
    system("build/mm-worker payouts add secrets:$to $to.testnet NEAR 1$near >/dev/null") == 0 or die;
}
# the first send goes through (a fault of no kind), the second is held
$node->fault(method => 'send_tx', kind => 'none');
$node->fault(method => 'send_tx', kind => 'hold');
my $payer = fork // die;
if ($payer == 0) {
    open STDOUT, '>>', "$dir/payer.log";
    open STDERR, '>&', \*STDOUT;
    @ENV{qw(NEAR_WALLET_ADDRESS NEAR_WALLET_PRIVATE_KEY NEAR_RPC_ENDPOINT FASTNEAR_API_KEY
            NEAR_RPC_TIMEOUT_MS DATABASE_URL WALLET_ENCRYPTION_KEY)}
        = ('quizbot.testnet', $master->{secret_key}, $node->url, $apikey, 20000, $dburl, $seal);
    POSIX::setgid(65534);
    POSIX::setuid(65534) or POSIX::_exit(126);
    exec 'build/mm-worker', 'payouts', 'run';
    POSIX::_exit(127);
}
my $t0 = time;
sleep 0.05 until $node->paid_to('s1.testnet') + $node->paid_to('s2.testnet') >= 1
                 && $pg->psql("SELECT count(*) FROM payouts WHERE state = 'signed'") >= 1 || time - $t0 > 15;
sleep 0.3;
ok(kill(0, $payer), 'the payer made one payment and waits on the held one');
my @hits = scan($payer, %op);
ok(scalar(grep { $_->[2] } @hits), 'the scan sees it where it must be, in locked memory: ' . show(@hits));
is(show(unlocked(@hits)), '', "the operator's key is in no unlocked memory of the payer");
my $env = environ($payer);
ok(length $env, '/proc/PID/environ was read');
is(scalar(grep { index($env, $_) >= 0 } $op{text}, $seal, $dbpass, $apikey), 0,
   'and holds none of the key, the sealing key, the database password, the API key');
is(proc_owner($payer), 0, 'not dumpable: /proc/PID of a process of nobody is root\'s');
like(do { open my $l, '<', "/proc/$payer/limits"; local $/; <$l> }, qr/Max core file size\s+0\s+0/,
     'no core file');
kill 'KILL', $payer;
waitpid $payer, 0;

$node->stop;
$redis->stop;
$pg->stop;
done_testing;
