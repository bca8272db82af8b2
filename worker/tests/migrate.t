# mm-worker migrate against a real PostgreSQL: the schema appears once, a
# second run changes nothing, workers starting together apply each
# migration once, and the ledger's constraints hold.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Cwd ();
use MM::Pg;

plan skip_all => 'PostgreSQL is not installed' unless MM::Pg::available();

my $pg = MM::Pg->new(dir => Cwd::abs_path('.') . '/t/servroot-migrate/pg');
$pg->start;
$ENV{DATABASE_URL} = $pg->url;

# what migrations/ holds: NNN_name.sql
my @files = map { m{/(\d+)_(\w+)\.sql$} ? [$1 + 0, $2] : () } sort glob 'migrations/*.sql';
my $n = @files;
my $last = $files[-1][0];

my $out = `build/mm-worker migrate 2>&1`;
is($? >> 8, 0, 'migrate exits 0') or diag($out);
like($out, qr/migrate: applied $n, schema at version $last/, 'applied the migrations');
is($pg->psql("SELECT string_agg(version || ':' || name, ',' ORDER BY version) FROM schema_migrations"),
   join(',', map { "$_->[0]:$_->[1]" } @files), 'recorded');
unlike($out, qr/NOTICE/, 'without PostgreSQL\'s notices');

$out = `build/mm-worker migrate 2>&1`;
like($out, qr/applied 0, schema at version $last/, 'a second run applies nothing');

# four workers at once on a fresh database
$pg->psql('SET client_min_messages = warning; DROP SCHEMA public CASCADE; CREATE SCHEMA public');
my @kids = map { open my $fh, '-|', 'build/mm-worker migrate 2>&1' or die; $fh } 1 .. 4;
my @outs = map { local $/; my $o = <$_>; close $_; $o } @kids;
my $total = 0;
$total += $_ for map { /applied (\d+),/ ? $1 : 100 } @outs;
is($total, $n, 'four concurrent runs applied each migration once between them');
is(scalar(grep { /schema at version $last/ } @outs), 4, "and all ended at version $last");

# the ledger: one payout per (purpose, recipient, token), amounts positive,
# and no "signed" row without its transaction
$pg->psql(q{INSERT INTO payouts (purpose, recipient, token, amount) VALUES ('quiz:1:rank:1', 'user1.quizbot.near', 'NEAR', 1000)});
my $dup = system(q{psql -X -q -h 127.0.0.1 -p } . $pg->{port}
    . q{ -U postgres -d mm -c "INSERT INTO payouts (purpose, recipient, token, amount) VALUES ('quiz:1:rank:1', 'user1.quizbot.near', 'NEAR', 5)" >/dev/null 2>&1});
isnt($dup, 0, 'the same reward cannot be recorded twice');
my $neg = system(q{psql -X -q -h 127.0.0.1 -p } . $pg->{port}
    . q{ -U postgres -d mm -c "INSERT INTO payouts (purpose, recipient, token, amount) VALUES ('q', 'a.near', 'NEAR', 0)" >/dev/null 2>&1});
isnt($neg, 0, 'amounts are positive');
my $bare = system(q{psql -X -q -h 127.0.0.1 -p } . $pg->{port}
    . q{ -U postgres -d mm -c "UPDATE payouts SET state = 'signed'" >/dev/null 2>&1});
isnt($bare, 0, 'no signed payout without its hash and bytes');

$ENV{DATABASE_URL} = 'postgresql://postgres:hunter2@127.0.0.1:1/mm';
$out = `build/mm-worker migrate 2>&1`;
is($? >> 8, 1, 'an unreachable database: exit 1');
like($out, qr/database connect failed/, 'says so');
unlike($out, qr/hunter2/, 'without the password');

$pg->stop;
done_testing();
