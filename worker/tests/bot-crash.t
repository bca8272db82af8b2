# Nothing lost, nothing twice: two workers drain a burst of updates from
# many chats through the webhook; one is killed with SIGKILL in the middle
# and started again.  Every update takes effect exactly once (answers,
# points, processed updates) and each chat's replies arrive in order.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use Time::HiRes qw(sleep time);
use MM::Stack;

my $s = MM::Stack->new(name => 'bot-crash', webhook => 1,
                       env => { MM_QUESTION_SECONDS => 600, MM_THREADS => 2 });
my $out = `env DATABASE_URL=unused TELEGRAM_TOKEN=$MM::Stack::Token TELEGRAM_API_BASE=@{[$s->api_url]} WEBHOOK_URL=@{[$s->webhook_url]} WEBHOOK_SECRET=$MM::Stack::Secret @{[$s->worker_bin]} set-webhook 2>&1`;
is($? >> 8, 0, 'webhook set') or diag $out;
$s->start_worker(0);
$s->start_worker(1);

my $users = 30;
my $commands = 12;
my @users = map { { id => 3000 + $_, first_name => "P$_" } } 1 .. $users;

# every player starts a maze run first, so the burst carries answers too
for my $u (@users) {
    $s->user_message($u, '/play maze');
}
my %q1;
for my $u (@users) {
    my @m = $s->wait_calls(chat_id => $u->{id}, method => 'sendMessage', count => 2);
    $q1{ $u->{id} } = $m[1];
}
is(scalar(grep { $_ && $_->{params}{text} =~ /Question 1\/5/ } values %q1), $users,
   'every player has question 1');

# the burst: per player an answer (sent twice with one update_id, as a
# redelivering Telegram would) and numbered unknown commands
my $t0 = time;
my $next_id = 50_000_000;    # below the ids the emulator hands out
for my $i (1 .. $commands) {
    for my $u (@users) {
        if ($i == 3) {
            my $q = $q1{ $u->{id} };
            my $data = $q->{params}{reply_markup}{inline_keyboard}[0][0]{callback_data};
            my $cq = { id => "dup-$u->{id}", from => $u, chat_instance => 'x', data => $data,
                       message => $q->{response}{result} };
            my $update = { update_id => ++$next_id, callback_query => $cq };
            $s->api('POST', '/_ctl/update', { update => $update });
            $s->api('POST', '/_ctl/update', { update => $update });
        }
        $s->user_message($u, "/c$i");
    }
    if ($i == 4) {
        sleep 0.3;
        kill 'KILL', $s->{workers}{0};
        waitpid delete $s->{workers}{0}, 0;
        pass('worker 0 killed with SIGKILL mid-burst');
    }
    if ($i == 9) {
        $s->start_worker(0);
        pass('worker 0 started again');
    }
}

# wait for every chat to get its replies
my $expect_total = $users * ($commands + 2);
my $deadline = time + 60;
my %got;
while (time < $deadline) {
    my @calls = $s->calls(method => 'sendMessage');
    %got = ();
    push @{ $got{ $_->{params}{chat_id} } }, $_ for grep { $_->{status} == 200 } @calls;
    last if (grep { scalar(@{ $got{ $_->{id} } || [] }) >= 2 + $commands + 1 } @users) == $users;
    sleep 0.5;
}
my $took = time - $t0;
note sprintf('burst of %d updates settled in %.1f s', $users * ($commands + 2), $took);

my $processed = $s->psql('SELECT count(*) FROM processed_updates');
my $injected = $users * (1 + $commands + 1);       # /play, commands, the answer once
is($processed, $injected, "every update processed exactly once ($injected)");
is($s->psql('SELECT count(*) FROM answers'), $users, 'one answer per player, none doubled');
is($s->psql('SELECT count(*) FROM (SELECT session_id, seq FROM answers GROUP BY 1, 2 HAVING count(*) > 1) d'),
   0, 'no question answered twice');
is($s->psql('SELECT count(*) FROM users u WHERE points_total <> coalesce((SELECT sum(points) FROM points_ledger l WHERE l.user_id = u.id), 0)'),
   0, 'points totals match the ledger');
is($s->psql('SELECT count(*) FROM users u WHERE answers_total <> (SELECT count(*) FROM answers a WHERE a.user_id = u.id)'),
   0, 'answer counts match the answers');

# replies per chat: /c1../c12 all there and in order (a reply sent just
# before the kill may be sent again by the worker that takes it over)
my ($in_order, $dupes) = (0, 0);
for my $u (@users) {
    my @texts = map { $_->{params}{text} =~ m{^I don't know /c(\d+)\.} ? $1 : () } @{ $got{ $u->{id} } || [] };
    my @uniq;
    for (@texts) { if (@uniq && $uniq[-1] == $_) { $dupes++ } else { push @uniq, $_ } }
    $in_order++ if "@uniq" eq join(' ', 1 .. $commands);
}
is($in_order, $users, 'every chat got its replies, in order');
note "replies sent twice around the kill: $dupes";
cmp_ok($dupes, '<=', $users, 'few replies sent twice');
is($s->psql('SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL'), 0,
   'no reply left unsent');

is($s->stop_worker(0), 0, 'worker 0 stops cleanly');
is($s->stop_worker(1), 0, 'worker 1 stops cleanly');
done_testing;
