# mm-worker migrate against a real PostgreSQL: the schema appears once, a
# second run changes nothing, workers starting together apply each
# migration once, and the ledger's constraints hold.
use strict;
use warnings;
use lib 'tests/lib';
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

# 007 moves the jobs of a running deployment into one queue: the rows, their
# ids (a waiting chain_done timer follows its job) and views of the old tables
$pg->psql('SET client_min_messages = warning; DROP SCHEMA public CASCADE; CREATE SCHEMA public');
$pg->psql(q{CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now())});
for my $f (grep { $_->[0] < 7 } @files) {
    my $file = sprintf 'migrations/%03d_%s.sql', @$f;
    system("psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $pg->{port} -U postgres -d mm -f $file >/dev/null") == 0
        or die "applying $file";
    $pg->psql("INSERT INTO schema_migrations (version, name) VALUES ($f->[0], '$f->[1]')");
}
$pg->psql(q{INSERT INTO generation_jobs (id, user_id, chat_id, topic, sdi, count, state, made, provider)
            VALUES (1, 7, 7, 'volcanoes', 4, 5, 'done', 5, 'openai'), (2, NULL, NULL, 'volcanoes', 4, 10, 'queued', 0, NULL)});
$pg->psql(q{INSERT INTO chain_jobs (id, kind, user_id, chat_id, state) VALUES (1, 'wallet', 7, 7, 'running')});
$pg->psql(q{INSERT INTO timers (chat_id, kind, payload, due_at) VALUES (7, 'chain_done', '{"job":1}', now())});
$out = `build/mm-worker migrate 2>&1`;
is($? >> 8, 0, 'migrating a database with jobs in flight') or diag $out;
is($pg->psql(q{SELECT string_agg(id || ' ' || kind || ' ' || coalesce(dedupe, '-') || ' ' || state, ', ' ORDER BY id) FROM jobs}),
   '1 generate user:7 done, 2 generate topup:4:volcanoes queued, 3 wallet user:7 running',
   'every job is in the queue, with its kind and the rule of one open job');
is($pg->psql(q{SELECT payload FROM timers WHERE kind = 'chain_done'}), '{"job": 3}', 'the timer names the job by its new id');
is($pg->psql(q{SELECT state || ' ' || made || ' ' || provider || ' ' || topic FROM generation_jobs WHERE id = 1}),
   'done 5 openai volcanoes', 'generation_jobs reads as before');
is($pg->psql(q{SELECT kind || ' ' || state FROM chain_jobs}), 'wallet running', 'and chain_jobs');
is($pg->psql(q{SELECT nextval('jobs_id_seq')}), 4, 'new jobs come after them');

$ENV{DATABASE_URL} = 'postgresql://postgres:hunter2@127.0.0.1:1/mm';
$out = `build/mm-worker migrate 2>&1`;
is($? >> 8, 3, 'an unreachable database: exit 3');
like($out, qr/database connect failed/, 'says so');
unlike($out, qr/hunter2/, 'without the password');

$pg->stop;
done_testing();
