# 300 random transactions signed by mm-worker near sign, rebuilt, re-signed,
# decoded and verified by near-api-js's own packages (near-peer/check.mjs).
use strict;
use warnings;
use Test::More;
use JSON::PP;
use Math::BigInt;
use MIME::Base64 qw(encode_base64);
use IPC::Open2;

my $bin = 'build/mm-worker';
my $peer = 'worker/tests/near-peer';
my $file = $ENV{MM_NEAR_VECTORS} || 'worker/tests/near-vectors/vectors.json';
plan skip_all => "$file not found" unless -f $file;
plan skip_all => "near-api-js not installed: npm ci --prefix $peer"
    unless -d "$peer/node_modules/\@near-js/transactions";

my $json = JSON::PP->new->canonical;
my $keys = do { open my $f, '<', $file or die; local $/; $json->decode(<$f>)->{keys} };
srand(20261128);

my @alphabet = split //, '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
sub base58 {
    my ($bytes) = @_;
    my $n = Math::BigInt->from_hex('0x' . (unpack('H*', $bytes) || '0'));
    my $s = '';
    while ($n > 0) { my ($q, $r) = $n->copy->bdiv(58); $s = $alphabet[$r] . $s; $n = $q }
    my ($zeros) = $bytes =~ /^(\0*)/;
    return ('1' x length $zeros) . $s;
}
sub bytes { join '', map { chr int rand 256 } 1 .. $_[0] }
sub uint { my ($bits) = @_; my $n = Math::BigInt->new(0);
           $n = $n * 256 + int rand 256 for 1 .. $bits / 8; $n >>= int rand $bits; "$n" }
sub word { join '', map { ('a' .. 'z', 0 .. 9)[rand 36] } 1 .. 2 + int rand 11 }
sub account { join '.', map { word() } 1 .. 1 + int rand 3 }
sub pubkey { $keys->{(qw(master user))[rand 2]}{public_key} }

sub action {
    my $k = int rand 5;
    return 'CreateAccount' if $k == 0;
    return { Transfer => { deposit => uint(128) } } if $k == 1;
    return { FunctionCall => { method_name => word(), args => encode_base64(bytes(int rand 200), ''),
                               gas => uint(64), deposit => uint(128) } } if $k == 2;
    return { DeleteKey => { public_key => pubkey() } } if $k == 3;
    my $perm = rand() < 0.5 ? 'FullAccess'
        : { FunctionCall => { allowance => rand() < 0.5 ? undef : uint(128), receiver_id => account(),
                              method_names => [map { word() } 1 .. int rand 4] } };
    return { AddKey => { public_key => pubkey(), access_key => { nonce => 0, permission => $perm } } };
}

my @lines;
for my $i (1 .. 300) {
    my $input = {
        signer_id => account(), receiver_id => account(),
        secret_key => $keys->{(qw(master user))[rand 2]}{secret_key},
        nonce => uint(64), block_hash => base58(bytes(32)),
        actions => [map { action() } 1 .. 1 + int rand 4],
    };
    my $pid = open2(my $out, my $in, $bin, 'near', 'sign');
    print $in $json->encode($input);
    close $in;
    my $signed = do { local $/; <$out> };
    waitpid $pid, 0;
    is($? >> 8, 0, "transaction $i signed") or diag($json->encode($input));
    chomp $signed;
    push @lines, $json->encode({ input => $input, output => $json->decode($signed || '{}') });
}

local $SIG{PIPE} = 'IGNORE';
my $pid = open2(my $out, my $in, 'node', "$peer/check.mjs");
print $in "$_\n" for @lines;
close $in;
my @report = <$out>;
waitpid $pid, 0;
is($? >> 8, 0, 'near-api-js agrees on every transaction')
    or diag(join '', grep { /^not ok/ } @report);
is(scalar(grep { /^ok / } @report), 300, 'near-api-js checked all 300');

done_testing();
