# mm-worker near sign against the vectors near-api-js produced
# (worker/tests/near-vectors/vectors.json, a copy of ../shared/docs/near-vectors/): byte-identical signed
# transactions and hashes; bad input refused with the field named.
use strict;
use warnings;
use Test::More;
use JSON::PP;
use IPC::Open3;
use MIME::Base64 qw(encode_base64);
use Symbol qw(gensym);

my $bin = 'build/mm-worker';
my $file = $ENV{MM_NEAR_VECTORS} || 'worker/tests/near-vectors/vectors.json';
plan skip_all => "$file not found (set MM_NEAR_VECTORS)" unless -f $file;

my $json = JSON::PP->new->canonical;
my $v = do { open my $f, '<', $file or die "$file: $!"; local $/; $json->decode(<$f>) };
my $master = $v->{keys}{master}{secret_key};

# the vectors list actions flat; `near sign` takes them as NEAR RPC shows them
sub rpc_action {
    my ($a) = @_;
    my %x = %$a;
    my $type = delete $x{type};
    return 'CreateAccount' if $type eq 'CreateAccount';
    $x{args} = encode_base64($x{args}, '') if $type eq 'FunctionCall';
    return { $type => \%x };
}

sub sign {
    my ($input) = @_;
    my $pid = open3(my $in, my $out, my $err = gensym, $bin, 'near', 'sign');
    print $in (ref $input ? $json->encode($input) : $input);
    close $in;
    my $stdout = do { local $/; <$out> } // '';
    my $stderr = do { local $/; <$err> } // '';
    waitpid $pid, 0;
    return ($? >> 8, $stdout, $stderr);
}

sub tx_of {
    my ($vec) = @_;
    return {
        signer_id   => $vec->{signer_id},
        secret_key  => $master,
        receiver_id => $vec->{receiver_id},
        nonce       => $vec->{nonce},
        block_hash  => $vec->{block_hash_base58},
        actions     => [map { rpc_action($_) } @{ $vec->{actions} }],
    };
}

for my $vec (@{ $v->{vectors} }) {
    my ($rc, $out, $err) = sign(tx_of($vec));
    is($rc, 0, "$vec->{name}: signed") or diag($err);
    my $r = eval { $json->decode($out) } || {};
    is($r->{hash}, $vec->{tx_hash_base58}, "$vec->{name}: hash as near-api-js");
    is($r->{signed_tx_base64}, $vec->{signed_tx_base64}, "$vec->{name}: signed bytes as near-api-js");
}

# a u64 may come as a JSON number too
my $t = tx_of($v->{vectors}[0]);
$t->{nonce} = 1;
my ($rc, $out) = sign($t);
is(eval { $json->decode($out)->{hash} }, $v->{vectors}[0]{tx_hash_base58}, 'numeric nonce');

# bad input: one clear line naming the field, nothing on stdout
my @bad = (
    ['not json', 'not JSON', 'garbage {'],
    ['no signer', '"signer_id": is missing', sub { delete $_[0]{signer_id} }],
    ['bad account', '"receiver_id": "Bob.testnet" is not a valid account id',
     sub { $_[0]{receiver_id} = 'Bob.testnet' }],
    ['bad nonce', '"nonce": must be a non-negative integer', sub { $_[0]{nonce} = '-1' }],
    ['bad hash', '"block_hash": must be the base58 of 32 bytes', sub { $_[0]{block_hash} = '0OIl' }],
    ['short hash', '"block_hash": must be the base58 of 32 bytes', sub { $_[0]{block_hash} = '2fGYErCeD3' }],
    ['no actions', '"actions": must be a non-empty array', sub { $_[0]{actions} = [] }],
    ['bad deposit', '"actions[0].Transfer.deposit": must be a decimal string of a u128',
     sub { $_[0]{actions} = [{ Transfer => { deposit => '1e24' } }] }],
    ['u128 overflow', '"actions[0].Transfer.deposit": must be a decimal string of a u128',
     sub { $_[0]{actions} = [{ Transfer => { deposit => '340282366920938463463374607431768211456' } }] }],
    ['unknown action', '"actions[0]": unknown action "Stake"',
     sub { $_[0]{actions} = [{ Stake => { stake => '1' } }] }],
    ['bad args', '"actions[0].FunctionCall.args": must be base64',
     sub { $_[0]{actions} = [{ FunctionCall => { method_name => 'm', args => '!!', gas => 1, deposit => '0' } }] }],
    ['bad permission', '"actions[0].AddKey.access_key.permission": must be "FullAccess"',
     sub { $_[0]{actions} = [{ AddKey => { public_key => $v->{keys}{user}{public_key},
                                            access_key => { nonce => 0, permission => 'Some' } } }] }],
    ['bad secret', '"secret_key": must be "ed25519:"', sub { $_[0]{secret_key} = 'ed25519:abc' }],
    # the seed of the user key with the public half of the master key
    ['mismatched secret', '"secret_key": must be "ed25519:"', sub {
        $_[0]{secret_key} = $v->{keys}{user}{secret_key} =~ s/.{5}$/11111/r }],
);
for my $case (@bad) {
    my ($name, $want, $edit) = @$case;
    my $input = $edit;
    if (ref $edit) {
        $input = tx_of($v->{vectors}[0]);
        $edit->($input);
    }
    my ($rc, $out, $err) = sign($input);
    is($rc, 1, "$name: refused");
    like($err, qr/^near sign: .*\Q$want\E/, "$name: says $want");
    is($out, '', "$name: prints nothing");
    unlike($err, qr/\Q$master\E|4zvwRjXUKG/, "$name: no key in the message");
}

done_testing();
