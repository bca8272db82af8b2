# Bounded tables: the maintenance leaseholder prunes, in batches of 5000
# rows per statement, update ids older than MM_PROCESSED_RETENTION_HOURS
# (72; never under 48), sent or failed replies and finished jobs older than
# MM_RETENTION_DAYS (7), and clears the signed bytes of payouts paid or
# failed more than MM_SIGNED_TX_RETENTION_DAYS (7) ago, never a payouts
# row.  Rows are backdated with psql; the figures are in mm:metrics.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use Time::HiRes qw(sleep);
use MM::Stack;

my $s = MM::Stack->new(name => 'prune', botapi => 0, env => { MM_PRUNE_INTERVAL => 1 });
my $r = $s->redis;

# the schema first (the worker migrates at start), then the rows, then the prune
$s->start_worker(0);
is($s->stop_worker(0), 0, 'the schema is in place');

$s->psql(q{INSERT INTO processed_updates (update_id, processed_at)
           SELECT g, now() - interval '80 hours' FROM generate_series(1, 12000) g});
$s->psql(q{INSERT INTO processed_updates (update_id, processed_at)
           SELECT g, now() - interval '50 hours' FROM generate_series(20001, 20010) g});
$s->psql(q{INSERT INTO processed_updates (update_id) SELECT g FROM generate_series(30001, 30010) g});

sub outbox {
    my ($tag, $sent, $failed, $created) = @_;
    $s->psql("INSERT INTO outbox (chat_id, method, params, owner, lease_until, sent_at, failed_at,
              created_at) VALUES (1, 'sendMessage', '{\"text\": \"$tag\"}', 'x', now(), $sent,
              $failed, $created)");
}
outbox('sent 8 days ago', "now() - interval '8 days'", 'NULL', "now() - interval '8 days'");
outbox('failed 10 days ago', 'NULL', "now() - interval '10 days'", "now() - interval '10 days'");
outbox('sent 6 days ago', "now() - interval '6 days'", 'NULL', "now() - interval '6 days'");
outbox('unsent since 10 days', 'NULL', 'NULL', "now() - interval '10 days'");

sub job {
    my ($tag, $state, $finished) = @_;
    $s->psql("INSERT INTO jobs (kind, payload, state, finished_at, created_at)
              VALUES ('generate', '{\"tag\": \"$tag\"}', '$state', $finished,
                      now() - interval '20 days')");
}
job('done 8 days ago', 'done', "now() - interval '8 days'");
job('failed 9 days ago', 'failed', "now() - interval '9 days'");
job('done 2 days ago', 'done', "now() - interval '2 days'");
job('queued since 20 days', 'queued', 'NULL');

sub payout {
    my ($tag, $state, $days) = @_;
    my $signed = $state eq 'pending' ? 'NULL' : "'c2lnbmVk'";
    my $hash = $state eq 'pending' ? 'NULL' : "'hash-$tag'";
    $s->psql("INSERT INTO payouts (purpose, recipient, token, amount, state, tx_hash, signed_tx,
              updated_at) VALUES ('$tag', 'alice.testnet', 'NEAR', 1, '$state', $hash, $signed,
              now() - interval '$days days')");
}
payout('paid-8', 'paid', 8);
payout('failed-8', 'failed', 8);
payout('paid-2', 'paid', 2);
payout('signed-8', 'signed', 8);
payout('pending-8', 'pending', 8);

$s->start_worker(0);
my $metric = sub { $r->cli('HGET', 'mm:metrics', "mm_pruned_rows_total{table=\"$_[0]\"}") || 0 };
for (1 .. 200) {
    last if $metric->('processed_updates') >= 12000 && $metric->('payouts.signed_tx') >= 2;
    sleep 0.1;
}

is($s->psql('SELECT count(*) FROM processed_updates'), 20,
   'update ids older than 72 h are pruned, younger ones (50 h, new) kept');
is($metric->('processed_updates'), 12000, 'mm_pruned_rows_total{table="processed_updates"}');
like($s->worker_log(0), qr/pruned 5000 old rows of processed_updates/,
     'in batches of 5000 rows');
is(join(',', $s->psql("SELECT params->>'text' FROM outbox ORDER BY id")),
   'sent 6 days ago,unsent since 10 days', 'sent or failed replies older than 7 days are pruned, '
   . 'unsent ones never');
is($metric->('outbox'), 2, 'mm_pruned_rows_total{table="outbox"}');
is(join(',', $s->psql("SELECT payload->>'tag' FROM jobs ORDER BY id")),
   'done 2 days ago,queued since 20 days', 'finished jobs older than 7 days are pruned');
is($metric->('jobs'), 2, 'mm_pruned_rows_total{table="jobs"}');
is(join(',', $s->psql("SELECT purpose || ':' || state || ':' || (signed_tx IS NOT NULL) || ':'
                       || coalesce(tx_hash, '-') FROM payouts ORDER BY id")),
   'paid-8:paid:false:hash-paid-8,failed-8:failed:false:hash-failed-8,'
   . 'paid-2:paid:true:hash-paid-2,signed-8:signed:true:hash-signed-8,pending-8:pending:false:-',
   'signed bytes of payouts paid or failed over a week ago are cleared; every row stays');
is($metric->('payouts.signed_tx'), 2, 'mm_pruned_rows_total{table="payouts.signed_tx"}');

is($s->stop_worker(0), 0, 'worker stops cleanly');
done_testing;
