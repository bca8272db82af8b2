# The stream consumer on its own (no Bot API needed): malformed entries and
# updates whose handling keeps failing go to the dead-letter stream without
# holding up the rest; one chat's updates take effect in order across two
# worker processes; a duplicate update_id takes effect once.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use JSON::PP;
use Time::HiRes qw(sleep time);
use MM::Stack;

my $s = MM::Stack->new(name => 'ingest', botapi => 0,
                       env => { MM_MAX_ATTEMPTS => 3, MM_PARTITIONS => 8 });
my $r = $s->redis;
my $next = 500;

sub update_for {
    my ($user, $text, $id) = @_;
    return encode_json({ update_id => $id // ++$next, message => { message_id => $next, date => 1,
        from => { id => $user, first_name => "U$user" }, chat => { id => $user, type => 'private' },
        text => $text } });
}

sub xadd {
    my ($json, $id) = @_;
    $r->cli('XADD', 'mm:updates', '*', 'update', $json, 'update_id', $id // $next,
            'received_at', int(time * 1000));
}

sub wait_for {
    my ($what, $cond) = @_;
    for (1 .. 200) { return 1 if $cond->(); sleep 0.1 }
    fail("timed out waiting for $what");
    return 0;
}

$s->start_worker(0);

# a stream entry that is not an update: dead-lettered at once, with the reason
xadd('{"update_id": 1, "message": ', 1);
wait_for('the dead letter', sub { $r->cli('XLEN', 'mm:updates:dead') == 1 });
like(join(' ', $r->cli('XRANGE', 'mm:updates:dead', '-', '+')), qr/update is not a JSON object/,
     'a malformed entry goes to mm:updates:dead with the reason');

# an update that names one of our internal events (what the edge now refuses
# with 400) is never run as one: dead-lettered, and the timer kind in it does
# nothing — before, a top-level mm_timer was taken for a timer of ours
my $forged = $s->psql("SELECT count(*) FROM outbox");
xadd('{"update_id":42,"mm_timer":{"kind":"chain_done","job":1,"chat_id":5,"user_id":5}}', 42);
wait_for('the forged timer\'s dead letter', sub { $r->cli('XLEN', 'mm:updates:dead') == 2 });
like(join(' ', $r->cli('XRANGE', 'mm:updates:dead', '-', '+')), qr/reserved field mm_timer/,
     'an update with a reserved mm_ member is refused with the reason');
is($s->psql("SELECT count(*) FROM outbox"), $forged, 'and answered nothing');
$r->cli('DEL', 'mm:updates:dead');

# a handler that fails every time (the database refuses user 666)
$s->psql(q{CREATE FUNCTION refuse_666() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN IF NEW.id = 666 THEN RAISE EXCEPTION 'user 666 is refused by a test trigger'; END IF;
  RETURN NEW; END $$});
$s->psql('CREATE TRIGGER refuse_666 BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION refuse_666()');
xadd(update_for(666, '/start'));
my $first = $next;
xadd(update_for(666, 'free text after the failure'));
my $second = $next;
wait_for('the second update', sub { $s->psql("SELECT count(*) FROM processed_updates WHERE update_id = $second") == 1 });
is($s->psql("SELECT count(*) FROM processed_updates WHERE update_id = $first"), 0,
   'the failing update took no effect');
is($r->cli('XLEN', 'mm:updates:dead'), 1, 'and went to the dead-letter stream');
like(join(' ', $r->cli('XRANGE', 'mm:updates:dead', '-', '+')),
     qr/user 666 is refused by a test trigger/, 'with the database\'s error');
my $log = $s->worker_log(0);
like($log, qr/failed \(attempt 1 of 3, retry in \d+ ms\)/, 'each attempt is logged');
like($log, qr/moved to mm:updates:dead after 3 attempt\(s\): user: .*refused/, 'and the give-up');
is($s->psql("SELECT count(*) FROM outbox WHERE chat_id = 666"), 1,
   'the chat\'s next update was handled after it');

# a duplicate update_id (Telegram redelivering): one effect
xadd(update_for(700, '/stats', 9000), 9000);
xadd(update_for(700, '/stats', 9000), 9000);
wait_for('the duplicate', sub { $s->psql('SELECT count(*) FROM processed_updates WHERE update_id = 9000') == 1
                                && $r->cli('XLEN', 'mm:updates') == 0 });
sleep 0.5;
is($s->psql('SELECT count(*) FROM outbox WHERE chat_id = 700'), 1, 'a duplicate update is handled once');

# order per chat across two processes and eight partitions
$s->start_worker(1);
my @chats = map { 10_000 + $_ } 1 .. 12;
for my $i (1 .. 25) {
    xadd(update_for($_, "/c$i")) for @chats;
}
wait_for('the burst', sub { $s->psql("SELECT count(*) FROM outbox WHERE chat_id >= 10001 AND chat_id <= 10012") == 300 });
my $bad = 0;
for my $c (@chats) {
    my @n = map { /c(\d+)/ ? $1 : () } split /\n/,
        $s->psql("SELECT params->>'text' FROM outbox WHERE chat_id = $c ORDER BY id");
    $bad++ unless "@n" eq join(' ', 1 .. 25);
}
is($bad, 0, 'each chat\'s updates took effect in arrival order');
my @owners = split /\n/, $s->psql("SELECT DISTINCT split_part(owner, ':', 2) FROM outbox WHERE chat_id > 10000");
is(scalar(@owners), 2, 'both worker processes handled part of it');
is($r->cli('XLEN', 'mm:updates'), 0, 'the edge stream is drained');
is($s->psql('SELECT count(*) FROM partition_epochs'), 8, 'every partition has a fencing epoch');

is($s->stop_worker(1), 0, 'worker 1 stops cleanly');
is($s->stop_worker(0), 0, 'worker 0 stops cleanly');
done_testing;
