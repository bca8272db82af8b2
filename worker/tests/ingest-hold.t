# A failing update holds back its own chat, not its partition: with every
# chat in one partition, other chats go on while a chat's failing update
# is retried, and that chat's later updates wait for it (also across a
# SIGKILL).  A database restart is not the handler's failure: it counts no
# attempt, so nothing is dead-lettered for it.  The dead-letter stream is
# capped and its length is a gauge in mm:metrics.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use JSON::PP;
use Time::HiRes qw(sleep time);
use MM::Stack;

my $s = MM::Stack->new(name => 'ingest-hold', botapi => 0,
                       env => { MM_MAX_ATTEMPTS => 5, MM_PARTITIONS => 1 });
my $r = $s->redis;
my $next = 500;

sub update_for {
    my ($user, $text) = @_;
    ++$next;
    return encode_json({ update_id => $next, message => { message_id => $next, date => 1,
        from => { id => $user, first_name => "U$user" }, chat => { id => $user, type => 'private' },
        text => $text } });
}

sub xadd {
    my ($json) = @_;
    $r->cli('XADD', 'mm:updates', '*', 'update', $json, 'update_id', $next,
            'received_at', int(time * 1000));
    return $next;
}

sub wait_for {
    my ($what, $cond, $secs) = @_;
    for (1 .. 10 * ($secs || 20)) { return 1 if $cond->(); sleep 0.1 }
    fail("timed out waiting for $what");
    return 0;
}

sub processed { $s->psql("SELECT count(*) FROM processed_updates WHERE update_id = $_[0]") }
sub dead { $r->cli('XLEN', 'mm:updates:dead') }

# the texts of a chat's replies, in the order they were written
sub replies {
    my ($chat) = @_;
    return join ' ',
        map { m{^I don't know /(\w+)} ? $1 : /Hi U\d+!/ ? 'hi' : m{^Send /play} ? 'text' : '?' }
        split /\n/, $s->psql("SELECT replace(params->>'text', E'\\n', ' ') FROM outbox "
                             . "WHERE chat_id = $chat ORDER BY id");
}

$s->start_worker(0);

# the database refuses user 666 always, and 667 and 668 a few times
$s->psql(q{CREATE SEQUENCE fail667});
$s->psql(q{CREATE SEQUENCE fail668});
$s->psql(q{CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF NEW.id = 666 OR (NEW.id = 667 AND nextval('fail667') <= 2)
       OR (NEW.id = 668 AND nextval('fail668') <= 3) THEN
      RAISE EXCEPTION 'user % is refused by a test trigger', NEW.id;
    END IF;
    RETURN NEW;
  END $$});
$s->psql('CREATE TRIGGER refuse BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION refuse()');

# one partition: before, every chat waited ~3 s for 666's five attempts
my $bad = xadd(update_for(666, '/start'));
my $after = xadd(update_for(666, 'after the failure'));
my @others = map { xadd(update_for(20_000 + $_, "/o$_")) } 1 .. 10;
my $t0 = time;
wait_for('the other chats', sub { !grep { !processed($_) } @others });
my $took = time - $t0;
is(dead(), 0, 'the other chats of the partition were handled while 666 was still retried');
is(processed($after), 0, 'and 666\'s next update waited for its failing one');
note sprintf('10 other chats handled in %.2f s', $took);
wait_for('the dead letter', sub { dead() == 1 });
wait_for('666\'s next update', sub { processed($after) == 1 });
is(processed($bad), 0, 'the failing update took no effect');
is(replies(666), 'text', '666\'s next update was handled after its failing one went to the '
   . 'dead letters');
ok($s->worker_log(0) =~ /entry \S+ failed \(attempt 1 of 5, retry in \d+ ms\), its chat waits/,
   'each attempt is logged');

# a transient failure: the chat's updates take effect in order
xadd(update_for(667, '/start'));
xadd(update_for(667, "/c$_")) for 1 .. 3;
xadd(update_for(20_100, '/x1'));
wait_for('667', sub { $s->psql('SELECT count(*) FROM outbox WHERE chat_id = 667') >= 4 });
is(replies(667), 'hi c1 c2 c3', 'a retried update keeps its chat\'s order')
    or diag $s->psql("SELECT params->>'text' FROM outbox WHERE chat_id = 667 ORDER BY id");
is(dead(), 1, 'and was not dead-lettered');

# held across a SIGKILL: the next worker finds the chat's entries pending, in order
xadd(update_for(668, '/start'));
xadd(update_for(668, "/d$_")) for 1 .. 3;
wait_for('668\'s first failure', sub { $s->worker_log(0) =~ /user 668 is refused/ });
is($s->stop_worker(0, 'KILL'), 9, 'worker killed while 668 is held');
xadd(update_for(668, '/d4'));
$s->start_worker(0);
wait_for('668', sub { $s->psql('SELECT count(*) FROM outbox WHERE chat_id = 668') >= 5 });
is(replies(668), 'hi d1 d2 d3 d4', 'a held chat keeps its order across a take-over')
    or diag $s->psql("SELECT params->>'text' FROM outbox WHERE chat_id = 668 ORDER BY id");
is(dead(), 1, 'nothing more dead-lettered');

# a PostgreSQL restart counts no attempt, even with MM_MAX_ATTEMPTS=1
is($s->stop_worker(0), 0, 'worker stops cleanly');
$s->start_worker(0, MM_MAX_ATTEMPTS => 1);
my $warm = xadd(update_for(21_000, '/w0'));
wait_for('a first update', sub { processed($warm) });
my $pg = $s->pg;
my $bin = (sort glob('/usr/lib/postgresql/*/bin'))[-1];
$pg->run($pg->as_owner("$bin/pg_ctl", '-D', "$pg->{dir}/data", '-m', 'fast', '-w', 'restart'));
my @during = map { xadd(update_for(21_000 + $_, "/w$_")) } 1 .. 10;
wait_for('the updates after the restart', sub { !grep { !processed($_) } @during }, 30);
is(dead(), 1, 'a PostgreSQL restart dead-letters nothing');
ok($s->worker_log(0) =~ /waits for the database \(not counted as an attempt/,
   'the wait is logged');

# the dead letters are capped (XADD MAXLEN ~) and counted
is($s->stop_worker(0), 0, 'worker stops cleanly');
$s->start_worker(0, MM_DEAD_LETTER_MAX => 10, MM_REPORT_INTERVAL => 1);
$r->cli('XADD', 'mm:updates', '*', 'update', '{"update_id": 1, "message": ', 'update_id', 1,
        'received_at', 1) for 1 .. 300;
wait_for('the malformed entries', sub { $r->cli('XLEN', 'mm:updates') == 0
                                        && $r->cli('XLEN', 'mm:updates:p:0') == 0 });
my $len = dead();
cmp_ok($len, '<', 200, "300 dead letters more, the stream holds $len (MM_DEAD_LETTER_MAX 10)");
cmp_ok($len, '>=', 10, 'at least the newest 10');
wait_for('the gauge',
         sub { ($r->cli('HGET', 'mm:metrics', 'mm_ingest_dead_letters') // '') eq $len });
is($r->cli('HGET', 'mm:metrics', 'mm_ingest_dead_letters'), $len,
   'mm_ingest_dead_letters in mm:metrics is the stream\'s length');

is($s->stop_worker(0), 0, 'worker stops cleanly');
done_testing;
