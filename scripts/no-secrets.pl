#!/usr/bin/env perl
# no-secrets.pl: after every suite has run, no log any of them left holds
# secret material — the NEAR secret keys and sealing keys the tests use,
# the LLM keys they configure, or anything shaped like an ed25519 secret
# key (wallet keys are made at run time, so their shape is what we know).
# Exit 1 naming the file and what was found.
use strict;
use warnings;
use JSON::PP;

my $keys = do { open my $f, '<', 'worker/tests/near-vectors/vectors.json' or die "vectors: $!"; local $/;
                JSON::PP->new->decode(<$f>)->{keys} };
my %known = (
    'the master secret key' => $keys->{master}{secret_key},
    'the user secret key' => $keys->{user}{secret_key},
    'a wallet sealing key' => 'a wallet sealing key of at least thirty-two characters',
    'another wallet sealing key' => 'an operator secret of some length',
    'the Gemini key' => 'gemini-secret-key-123',
    'the OpenAI key' => 'sk-openai-secret-456',
);
my @files = grep { -f && !/\/(pg|redis)\// } (glob('t/servroot-*/logs/*'), glob('t/servroot-*/*.log'));
my ($bad, $bytes) = (0, 0);
for my $file (@files) {
    open my $f, '<', $file or next;
    local $/;
    my $text = <$f> // '';
    $bytes += length $text;
    for my $what (sort keys %known) {
        next unless index($text, $known{$what}) >= 0;
        print "$file: $what\n";
        $bad++;
    }
    while ($text =~ /(ed25519:[1-9A-HJ-NP-Za-km-z]{80,})/g) {
        print "$file: something shaped like a secret key (", substr($1, 0, 14), "...)\n";
        $bad++;
    }
}
printf "%d log files, %d bytes: %s\n", scalar(@files), $bytes, $bad ? "$bad secrets found" : 'no secret material';
exit($bad ? 1 : 0);
