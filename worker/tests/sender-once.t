# Replies leave once: a chat with a backlog behind flood limits gets each
# reply once (the sweep must not take rows the live sender still holds),
# and after a SIGKILL during a burst only the sends that were in flight at
# the kill are sent again (each send's result is recorded at once); a send
# whose recording fails is recorded later, not sent again.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use Time::HiRes qw(sleep time);
use MM::Stack;

# an outbox lease shorter than the backlog (and longer than the 5 s before
# its end at which a sender checks a lease again before sending)
my $s = MM::Stack->new(name => 'sender-once',
                       env => { MM_OUTBOX_LEASE_MS => 7000, TELEGRAM_RATE_CHAT => 4 });
$s->start_worker(0);

# 40 replies to one chat, 4 a second: about 10 s
my $ann = { id => 7001, first_name => 'Ann' };
$s->user_message($ann, "/c$_") for 1 .. 40;
$s->wait_calls(chat_id => 7001, method => 'sendMessage', count => 40, timeout => 30);
sleep 2.5;      # time for a duplicate to show
my @calls = $s->calls(chat_id => 7001, method => 'sendMessage');
is(scalar(@calls), 40, '40 replies to one chat under flood limits: 40 sendMessage calls');
my %times;
$times{ $_->{params}{text} }++ for @calls;
is(scalar(grep { $_ > 1 } values %times), 0, 'none of them sent twice');
my @order = map { $_->{params}{text} =~ m{/c(\d+)} ? $1 : () } @calls;
is("@order", join(' ', 1 .. 40), 'in order');
is($s->psql('SELECT count(*) FROM outbox WHERE chat_id = 7001 AND sent_at IS NOT NULL'), 40,
   'each recorded as sent');
is($s->stop_worker(0), 0, 'worker stops cleanly');

# a burst of 8 chats x 5 replies, each send held 250 ms by the Bot API;
# the worker is killed in the middle and started again
$s->start_worker(0, TELEGRAM_RATE_CHAT => 0, MM_OUTBOX_LEASE_MS => 1000);
my @chats = map { { id => 7100 + $_, first_name => "P$_" } } 1 .. 8;
my %ours = map { $_->{id} => 1 } @chats;
$s->faults(method => 'sendMessage', responses => [ map { { delay_ms => 250 } } 1 .. 400 ]);
for my $i (1 .. 5) {
    $s->user_message($_, "/k$i") for @chats;
}
my @ours;
for (1 .. 200) {
    @ours = grep { $ours{ $_->{params}{chat_id} } } $s->calls(method => 'sendMessage');
    last if @ours >= 12;
    sleep 0.02;
}
my $kill_ms = time * 1000;
is($s->stop_worker(0, 'KILL'), 9, sprintf('worker killed after %d of 40 replies', scalar @ours));
$s->start_worker(0, TELEGRAM_RATE_CHAT => 0, MM_OUTBOX_LEASE_MS => 1000);

my %got;
for (1 .. 300) {
    %got = ();
    for (grep { $ours{ $_->{params}{chat_id} } && $_->{status} == 200 }
         $s->calls(method => 'sendMessage')) {
        push @{ $got{ $_->{params}{chat_id} } }, $_;
    }
    my %distinct = map { $_->{params}{chat_id} . $_->{params}{text} => 1 } map { @$_ } values %got;
    last if keys(%distinct) == 40;
    sleep 0.1;
}
sleep 2;        # time for a late duplicate
%got = ();
push @{ $got{ $_->{params}{chat_id} } }, $_
    for grep { $ours{ $_->{params}{chat_id} } && $_->{status} == 200 } $s->calls(method => 'sendMessage');

# in flight at the kill: the Bot API had the request and had not answered
# (or answered within 50 ms of the kill, before the result could be written)
my ($sends, $in_order, $dupes, $dupes_in_flight) = (0, 0, 0, 0);
my $in_flight = 0;
for my $c (@chats) {
    my (@uniq, %first);
    for my $call (@{ $got{ $c->{id} } || [] }) {
        $sends++;
        my ($k) = $call->{params}{text} =~ m{/k(\d+)};
        $in_flight++ if $call->{at_ms} <= $kill_ms && $call->{done_ms} >= $kill_ms - 50;
        if (@uniq && $uniq[-1] == $k) {
            $dupes++;
            my $f = $first{$k};
            $dupes_in_flight++ if $f->{at_ms} <= $kill_ms && $f->{done_ms} >= $kill_ms - 50;
        } else {
            push @uniq, $k;
            $first{$k} = $call;
        }
    }
    $in_order++ if "@uniq" eq '1 2 3 4 5';
}
is($in_order, 8, 'every chat got its 5 replies, in order');
note "$sends sends, $dupes sent again, $in_flight in flight at the kill";
is($dupes, $dupes_in_flight, 'only replies in flight at the kill were sent again');
cmp_ok($dupes, '<=', $in_flight, 'at most as many as were in flight');
is($s->psql('SELECT count(*) FROM outbox WHERE chat_id > 7100 AND chat_id <= 7108 '
            . 'AND sent_at IS NULL'), 0, 'every reply recorded as sent');
is($s->stop_worker(0), 0, 'worker stops cleanly');

# recording the sends fails for longer than a lease (a database fault that
# leaves the connection up): the sends are recorded once it passes, and
# none is taken by a sweep and sent again meanwhile
$s->redis->cli('DEL', 'mm:updates:lease:poller');     # the killed poller's, 55 s long
$s->start_worker(0, TELEGRAM_RATE_CHAT => 0, MM_OUTBOX_LEASE_MS => 1000);
$s->hold_updates('outbox', q{NEW.sent_at IS NOT NULL AND OLD.sent_at IS NULL});
my $bo = { id => 7201, first_name => 'Bo' };
$s->user_message($bo, "/m$_") for 1 .. 5;
$s->wait_calls(chat_id => 7201, method => 'sendMessage', count => 5, timeout => 20);
sleep 3;        # three leases: a sweep would have taken the unrecorded rows by now
$s->lift_updates('outbox');
for (1 .. 100) {
    last if $s->psql('SELECT count(*) FROM outbox WHERE chat_id = 7201 AND sent_at IS NULL') eq '0';
    sleep 0.1;
}
sleep 1.5;
my @bo = $s->calls(chat_id => 7201, method => 'sendMessage');
is(scalar(@bo), 5, 'five replies sent once each while their sends could not be recorded');
is($s->psql('SELECT count(*) FROM outbox WHERE chat_id = 7201 AND sent_at IS NOT NULL '
            . 'AND tg_message_id IS NOT NULL'), 5, 'then recorded, with their message ids');
is($s->stop_worker(0), 0, 'worker stops cleanly');
done_testing;
