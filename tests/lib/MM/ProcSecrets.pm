package MM::ProcSecrets;

# Looking for secrets in a live process (root: /proc/PID/mem): where the
# forms of an ed25519 key (its base58 text, 64 bytes, seed) occur in
# readable memory, and whether each region is locked (libsodium's guarded
# allocations, the logger's secrets: VmFlags "lo").
#   my %f = forms($secret_text); my @hits = scan($pid, %f); unlocked(@hits)

use strict;
use warnings;
no warnings 'portable';
use JSON::PP;
use Exporter 'import';

our @EXPORT_OK = qw(fresh_key forms scan unlocked show environ proc_owner open_sealed);

# a fresh ed25519 key, {secret_key, public_key} as NEAR writes them
sub fresh_key {
    return JSON::PP->new->decode(scalar `cd worker/tests/near-peer && node --input-type=module -e '
    import { generateKeyPairSync } from "node:crypto"; import bs58 from "bs58";
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const seed = Buffer.from(privateKey.export({ format: "jwk" }).d, "base64url");
    const pub = Buffer.from(publicKey.export({ format: "jwk" }).x, "base64url");
    console.log(JSON.stringify({ secret_key: "ed25519:" + bs58.encode(Buffer.concat([seed, pub])),
                                 public_key: "ed25519:" + bs58.encode(pub) }));'`);
}

# the secret key text of a wallets.sealed_key record (chain/mm_keystore.c)
sub open_sealed {
    my ($record, $seal, $account) = @_;
    local @ENV{qw(MM_REC MM_SEAL MM_ACCT)} = ($record, $seal, $account);
    my $out = `cd worker/tests/near-peer && node --input-type=module -e '
    import { pbkdf2Sync, createDecipheriv } from "node:crypto"; import bs58 from "bs58";
    const raw = Buffer.from(process.env.MM_REC, "base64");
    const key = pbkdf2Sync(process.env.MM_SEAL, raw.subarray(1, 17), 310000, 32, "sha256");
    const d = createDecipheriv("aes-256-gcm", key, raw.subarray(17, 29));
    d.setAAD(Buffer.from(process.env.MM_ACCT));
    d.setAuthTag(raw.subarray(raw.length - 16));
    const sk = Buffer.concat([d.update(raw.subarray(29, raw.length - 16)), d.final()]);
    console.log("ed25519:" + bs58.encode(sk));'`;
    chomp $out;
    return $out;
}

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
    # a freed copy loses its first bytes to the allocator's list pointers
    return (text => $b58, text_middle => substr($b58, 24, 40), raw => $raw,
            seed => substr($raw, 0, 32), seed_tail => substr($raw, 16, 16));
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

1;
