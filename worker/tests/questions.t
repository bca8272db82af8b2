# mm-worker questions import|export: the bank's JSON-lines format in and
# out.  Good lines go in once, bad ones are named with their reason, and
# what is exported imports again unchanged.
use strict;
use warnings;

use lib 'tests/lib';
use Test::More;
use JSON::PP;
use MM::Stores;

my ($pg, $redis) = MM::Stores::start('questions');
my $bin = $ENV{MM_WORKER_BIN} || 'build/mm-worker';
my $dir = 't/servroot-questions';

sub run_with {
    my ($input, @args) = @_;
    open my $fh, '>', "$dir/in.jsonl" or die;
    print $fh $input;
    close $fh;
    my $out = `$bin questions @args < $dir/in.jsonl 2>$dir/err`;
    my $status = $? >> 8;
    my $err = do { local (@ARGV, $/) = "$dir/err"; <> };
    return ($status, $out, $err);
}

my $bank = do { local (@ARGV, $/) = 'worker/quiz/bank/questions.jsonl'; <> };
my @bank = grep { length } split /\n/, $bank;
my ($st, $out, $err) = run_with($bank, 'import', 'bank');
is($st, 0, 'the shipped bank imports') or diag $err;
is_deeply(decode_json($out), { imported => scalar(@bank), duplicates => 0, rejected => 0 }, 'every line');
($st, $out) = run_with($bank, 'import', 'bank');
is_deeply(decode_json($out), { imported => 0, duplicates => scalar(@bank), rejected => 0 },
          'a second import adds nothing');

my $good = encode_json({ topic => 'cheese', question => 'Which cheese is traditionally used on a Margherita pizza?',
    options => ['Mozzarella', 'Cheddar', 'Gouda', 'Brie'], correct => 0,
    explanation => 'Neapolitan Margherita uses mozzarella.', sdi => 2 });
my @bad = (
    [ '{"topic": "cheese", "question": ', 'not a JSON object' ],
    [ encode_json({ topic => 'cheese', question => 'Q?', options => ['a', 'b', 'c'], correct => 0, sdi => 1 }),
      'has 3 options, not 4' ],
    [ encode_json({ question => 'Q?', options => [qw(a b c d)], correct => 0, sdi => 1 }),
      'needs topic, question, 4 options' ],
    [ encode_json({ topic => 'cheese', question => 'Q?', options => ['Brie', 'brie ', 'c', 'd'], correct => 0, sdi => 1 }),
      'options 1 and 2 are the same' ],
    [ encode_json({ topic => 'cheese', question => 'Q?', options => [qw(a b c d)], correct => 4, sdi => 1 }),
      'correct 4 is not 0-3' ],
    [ encode_json({ topic => 'cheese', question => 'x' x 301, options => [qw(a b c d)], correct => 1, sdi => 1 }),
      'question has 301 characters' ],
    [ encode_json({ topic => 'Cheese Board', question => 'Q?', options => [qw(a b c d)], correct => 1, sdi => 1 }),
      'topic must be' ],
    [ encode_json({ topic => 'maze', question => 'Q?', options => [qw(a b c d)], correct => 1, sdi => 1 }),
      'topic "maze" is reserved' ],
    [ encode_json({ topic => 'cheese', question => 'Q?', options => [qw(a b c d)], correct => 1, sdi => 11 }),
      'sdi must be 1-10' ],
);
($st, $out, $err) = run_with(join("\n", $good, map({ $_->[0] } @bad), ''), 'import');
is($st, 1, 'a file with bad lines exits 1');
is_deeply(decode_json($out), { imported => 1, duplicates => 0, rejected => scalar(@bad) },
          'the good line is imported, the bad ones counted');
for my $i (0 .. $#bad) {
    my $n = $i + 2;
    like($err, qr/line $n rejected: \Q$bad[$i][1]\E/, "line $n: $bad[$i][1]");
}
is($pg->psql("SELECT source FROM questions WHERE topic = 'cheese'"), 'import', 'recorded as imported');

# near-duplicates on the same topic: the same question reworded a little,
# or the same text with other options, is refused; another topic is not
my $near = encode_json({ topic => 'cheese', question => 'Which cheese is traditionally used on Margherita pizza?',
    options => ['Mozzarella', 'Parmesan', 'Feta', 'Brie'], correct => 0, explanation => 'Mozzarella.', sdi => 2 });
my $other = encode_json({ topic => 'food', question => 'Which cheese is traditionally used on a Margherita pizza?',
    options => ['Mozzarella', 'Cheddar', 'Gouda', 'Brie'], correct => 0, explanation => 'Mozzarella.', sdi => 2 });
($st, $out, $err) = run_with("$near\n$other\n", 'import');
is_deeply(decode_json($out), { imported => 1, duplicates => 0, rejected => 1 }, 'a near-duplicate is refused');
like($err, qr/line 1 rejected: nearly the same as question \d+ \(similarity [01]\.\d\d\)/, 'naming the question it repeats');

# export: every line in the import format; importing it elsewhere changes nothing
my $exported = `$bin questions export`;
my @lines = split /\n/, $exported;
is(scalar(@lines), @bank + 2, 'export prints every question');
my $first = decode_json($lines[0]);
is_deeply([sort keys %$first], [sort qw(topic question options correct explanation sdi source)],
          'in the import format');
is(scalar(split /\n/, `$bin questions export cheese`), 1, 'export TOPIC filters');
($st, $out) = run_with($exported, 'import');
is_deeply(decode_json($out), { imported => 0, duplicates => @bank + 2, rejected => 0 },
          'what is exported imports again as the same questions');

is(system("$bin questions import Maze < /dev/null 2>/dev/null") >> 8, 2, 'a bad SOURCE is refused');
is(system("$bin questions frobnicate 2>/dev/null") >> 8, 2, 'an unknown subcommand is refused');
done_testing;
