# Group quizzes end to end over the webhook: two groups, three creators and
# twenty players.  The wizard with buttons and with typed answers, Back,
# /cancel, a restart in the middle and double presses; a non-admin refused;
# the card edited as players join; a scheduled quiz opening on time; one
# attempt per player; no feedback until the end; workers killed with SIGKILL
# during the answers and as the end fires (the quiz ends once); ties;
# flagged fast answers; /endquiz refused to a non-admin; the groups' boards;
# and the ranking computed again here from the emulator's recorded presses.
use strict;
use warnings;
use utf8;
use lib 'tests/lib';
use Test::More;
use JSON::PP;
use List::Util qw(first sum);
use POSIX qw(strftime);
use Time::HiRes qw(sleep time);
use MM::QuizTest;
use MM::Stack;

binmode(Test::More->builder->$_, ":encoding(UTF-8)") for qw(output failure_output todo_output);

my $MIN_MS = 300;       # MM_MIN_ANSWER_MS: quicker answers are flagged
my $s = MM::Stack->new(name => 'group-quiz', webhook => 1,
                       env => { MM_MIN_ANSWER_MS => $MIN_MS, MM_PARTITIONS => 4 });
my $out = $s->set_webhook;
is($? >> 8, 0, 'webhook set') or diag $out;
$s->start_worker(0);
$s->start_worker(1);
my $bot = 'mm_test_bot';

# --- people and groups -------------------------------------------------------
my ($ann, $bob, $cy) = map { { id => $_->[0], first_name => $_->[1] } }
                       [101, 'Ann'], [102, 'Bob'], [103, 'Cy'];
my @players = map { { id => 1000 + $_, first_name => "P$_" } } 1 .. 20;
$s->api('POST', '/_ctl/users', $_) for $ann, $bob, $cy, @players;

my ($st, $g1) = $s->api('POST', '/_ctl/groups', { title => 'Quiz night', admin_id => 101,
    member_ids => [101, 103, map { $_->{id} } @players] });
my ($st2, $g2) = $s->api('POST', '/_ctl/groups', { title => 'Trivia club', admin_id => 102,
    member_ids => [102, map { $_->{id} } @players[0 .. 9]] });
my ($G1, $G2) = ($g1->{chat_id}, $g2->{chat_id});
$s->api('POST', '/_ctl/admins', { chat_id => $G1, creator_id => 101, user_ids => [103] });

my $qt = MM::QuizTest->new($s);
sub buttons { $qt->buttons(@_) }
sub button { $qt->button(@_) }
sub next_sent { $qt->next_sent(@_) }
sub say_in { $qt->say_in(@_) }
sub press_for { $qt->press_for(@_) }
sub wait_text { $qt->wait_text(@_) }
sub answer_data { $qt->answer_button(@_) }

sub callback_answers {
    my ($since) = @_;
    return grep { $_->{seq} > $since } $s->calls(method => 'answerCallbackQuery');
}

my $group1 = { id => $G1, type => 'supergroup', title => 'Quiz night' };
my $group2 = { id => $G2, type => 'supergroup', title => 'Trivia club' };

# the bot greets a group it is added to, once
my @hi = $s->wait_calls(chat_id => $G1, method => 'sendMessage', count => 1);
like($hi[0]{params}{text}, qr/Admins: \/createquiz makes one for this group/, 'added to a group: a greeting');
like($hi[0]{params}{text}, qr/Make me an admin who may pin/, 'asking for the right to pin');
is($s->psql("SELECT title || ' ' || bot_status FROM groups WHERE chat_id = $G1"), 'Quiz night member',
   'the group is known');

# promoted to an admin that may pin: remembered, no second greeting
$s->api('POST', '/_ctl/update', { update => { my_chat_member => {
    chat => { id => $G1, type => 'supergroup', title => 'Quiz night' }, from => $ann, date => time,
    old_chat_member => { user => { id => 7000000001, is_bot => JSON::PP::true, first_name => 'MM' },
                         status => 'member' },
    new_chat_member => { user => { id => 7000000001, is_bot => JSON::PP::true, first_name => 'MM' },
                         status => 'administrator', can_pin_messages => JSON::PP::true } } } });
for (1 .. 100) { last if $s->psql("SELECT can_pin::int FROM groups WHERE chat_id = $G1") eq "1"; sleep 0.05 }
is($s->psql("SELECT bot_status || ' ' || can_pin FROM groups WHERE chat_id = $G1"), 'administrator true',
   'promoted: the bot may pin');
is(scalar($s->calls(chat_id => $G1, method => 'sendMessage')), 1, 'and says nothing');

# --- a non-admin is refused, once ---------------------------------------------
my ($no) = say_in($players[0], '/createquiz', $group1);
is($no->{params}{text}, "Only this group's admins can create its quizzes.", 'a non-admin is told why');
ok(scalar($s->calls(method => 'getChatAdministrators', chat_id => $G1)), 'after asking Telegram for the admins');
my @g1before = $s->calls(chat_id => $G1, method => 'sendMessage');
$s->user_message($players[0], '/createquiz', $group1);
my ($ack) = say_in($players[1], '/leaderboard', $group1);
like($ack->{params}{text}, qr/This group's leaderboard/, '(the group answers other commands meanwhile)');
is(scalar($s->calls(chat_id => $G1, method => 'sendMessage')), @g1before + 1, 'asked again: told only once');

# --- Ann: /createquiz in the group, the wizard by buttons ------------------------
my ($go) = say_in($ann, '/createquiz', $group1);
is((buttons($go))[0]{url}, "https://t.me/$bot?start=create_$G1", 'an admin is sent to a private chat');
my ($topic) = say_in($ann, "/start create_$G1");
like($topic->{params}{text}, qr/New quiz for Quiz night.*What is it about/s, 'the wizard asks for a topic');
my $science = button($topic, qr/^science$/);
ok($science, 'offering the bank\'s topics');
my ($notes) = press_for($ann, $topic, $science->{callback_data}, 'editMessageText');
like($notes->{params}{text}, qr/<b>2\.<\/b> Any notes/, 'a button: the next step in place');
my $cb0 = ($s->calls(method => 'answerCallbackQuery'))[-1]{seq} // 0;
$s->press($ann, $topic->{response}{result}, $science->{callback_data});     # pressed twice
my @dbl = $s->wait_calls(method => 'answerCallbackQuery', count => 1 + scalar(() = $s->calls(method => 'answerCallbackQuery')));
sleep 0.3;
my ($dbl) = grep { ($_->{params}{text} // '') =~ /That step is done/ } callback_answers($cb0);
ok($dbl, 'a double press: "that step is done", nothing else');
is($s->psql("SELECT step FROM wizards WHERE user_id = 101"), 'notes', 'the wizard stays at its step');

my ($count) = press_for($ann, $notes, button($notes, qr/Skip/)->{callback_data}, 'editMessageText');
like($count->{params}{text}, qr/How many questions/, 'notes skipped');
my ($bad) = say_in($ann, 'lots');
is($bad->{params}{text}, 'Type a number of questions from 1 to 50.', 'a typed answer that does not fit: what to type');
my ($secs) = say_in($ann, '5');
like($secs->{params}{text}, qr/Seconds per question/, 'typed: the next step as a new message');
my ($count2) = press_for($ann, $secs, button($secs, qr/Back/)->{callback_data}, 'editMessageText');
like($count2->{params}{text}, qr/How many questions/, 'Back');
($secs) = press_for($ann, $count2, button($count2, qr/^5$/)->{callback_data}, 'editMessageText');
my ($start) = press_for($ann, $secs, button($secs, qr/^60 s$/)->{callback_data}, 'editMessageText');
like($start->{params}{text}, qr/When does it open/, 'seconds chosen');

# a worker restarted mid-wizard: the state is in PostgreSQL
$s->stop_worker(0, 'TERM');
$s->stop_worker(1, 'TERM');
$s->start_worker(0);
$s->start_worker(1);
my ($dur) = press_for($ann, $start, button($start, qr/Now/)->{callback_data}, 'editMessageText');
like($dur->{params}{text}, qr/How long does it stay open/, 'after a restart the wizard goes on');
($bad) = say_in($ann, '1 min');
like($bad->{params}{text}, qr/Playing it takes up to 5 min/, 'a quiz cannot close before it can be played');
my ($type) = say_in($ann, '30 min');
like($type->{params}{text}, qr/Free, or with a prize/, 'duration typed');
is_deeply([map { $_->{text} } buttons($type)], ['🆓 Free', '◀️ Back', '✖️ Cancel'], 'only Free is offered');
my @made = press_for($ann, $type, button($type, qr/Free/)->{callback_data}, 'editMessageText');
like($made[0]{params}{text}, qr/Making 5 questions on “science”/, 'generating…');
my ($summary) = $s->wait_calls(chat_id => 101, method => 'sendMessage',
                               count => 1 + scalar($s->calls(chat_id => 101, method => 'sendMessage')));
($summary) = grep { $_->{params}{text} =~ /Summary/ } $s->calls(chat_id => 101, method => 'sendMessage');
like($summary->{params}{text}, qr/Topic: science\nQuestions: 5, 60 s each\nOpens: as soon as you create it\nOpen for: 30 min/,
     'then the summary');

# no longer an admin when ✅ Create is pressed (a wizard lives a day): refused
$s->api('POST', '/_ctl/admins', { chat_id => $G1, creator_id => 103, user_ids => [] });
$s->psql("UPDATE groups SET admins_at = now() - interval '11 minutes' WHERE chat_id = $G1");
my ($demoted) = press_for($ann, $summary, button($summary, qr/Create/)->{callback_data});
like($demoted->{params}{text}, qr/Only the group's admins can create its quizzes/,
     'an admin demoted since choosing the group cannot create it');
is($s->psql("SELECT count(*) FROM quizzes WHERE status <> 'draft'"), 0, 'nothing announced');
$s->api('POST', '/_ctl/admins', { chat_id => $G1, creator_id => 101, user_ids => [103] });
$s->psql("UPDATE groups SET admins_at = now() - interval '11 minutes' WHERE chat_id = $G1");

my @cards0 = $s->calls(chat_id => $G1, method => 'sendMessage');
my ($live) = press_for($ann, $summary, button($summary, qr/Create/)->{callback_data});
like($live->{params}{text}, qr/Your quiz is live in Quiz night!.*start=quiz_(\d+)/s, 'created');
my ($Q1) = $live->{params}{text} =~ /start=quiz_(\d+)/;
is($s->psql("SELECT status FROM quizzes WHERE id = $Q1"), 'active', 'the quiz is open');
is($s->psql("SELECT count(*) FROM wizards"), 0, 'the wizard is done');
my ($card) = grep { $_->{params}{text} =~ /Quiz: science/ }
             $s->wait_calls(chat_id => $G1, method => 'sendMessage', count => @cards0 + 1);
ok($card, 'the card is in the group');
like($card->{params}{text}, qr/5 questions · 60 s each\n⏳ Ends: \d{4}-\d\d-\d\d \d\d:\d\d UTC \(in (29|30) min/,
     'with its questions and end, UTC and relative');
is((buttons($card))[0]{url}, "https://t.me/$bot?start=quiz_$Q1", 'a ▶️ Play deep link');
is((buttons($card))[1]{callback_data}, "q:b:$Q1", 'and a 🏆 button');
my ($pin) = $s->wait_calls(chat_id => $G1, method => 'pinChatMessage', count => 1);
is($pin->{params}{message_id}, $card->{response}{result}{message_id}, 'the card is pinned');

# --- Bob: the wizard by typed answers, a quiz that opens in a minute ---------
my ($bt) = say_in($bob, '/createquiz');
like($bt->{params}{text}, qr/New quiz for Trivia club.*What is it about/s,
     '/createquiz in private chat: the one group where Bob is an admin');
my @steps = ([science => qr/Any notes/], ['Keep them easy, please' => qr/How many questions/],
             [3 => qr/Seconds per question/], [15 => qr/When does it open/],
             ['in 1 min' => qr/How long does it stay open/], ['5 min' => qr/Free, or with a prize/]);
my $last;
for my $st (@steps) {
    ($last) = say_in($bob, $st->[0]);
    like($last->{params}{text}, $st->[1], "typed “$st->[0]”");
}
press_for($bob, $last, button($last, qr/Free/)->{callback_data}, 'editMessageText');
my ($bsum) = grep { $_->{params}{text} =~ /Summary/ }
             $s->wait_calls(chat_id => 102, method => 'sendMessage', count => @steps + 2);
like($bsum->{params}{text}, qr/Notes: <i>Keep them easy, please<\/i>\nQuestions: 3, 15 s each\nOpens: 1 min after you create it/,
     'the summary of typed answers');
my ($blive) = press_for($bob, $bsum, button($bsum, qr/Create/)->{callback_data});
my ($Q2) = $blive->{params}{text} =~ /start=quiz_(\d+)/;
my $q2_created = time;
is($s->psql("SELECT status FROM quizzes WHERE id = $Q2"), 'scheduled', 'scheduled to open in a minute');
my ($card2) = grep { $_->{params}{text} =~ /Quiz: science/ } $s->wait_calls(chat_id => $G2, method => 'sendMessage', count => 2);
like($card2->{params}{text}, qr/🕒 Opens: .* UTC \(in (59|60) s|🕒 Opens: .* UTC \(in 1 min\)/, 'its card says when it opens');
my ($early) = say_in($players[0], "/start quiz_$Q2");
like($early->{params}{text}, qr/It isn't open yet/, 'before its start: not open yet');
ok(!grep({ ($_->{callback_data} // '') =~ /^q:s:/ } buttons($early)), 'and no Start button');

# --- Cy: an admin of both groups picks one; a wizard given up with /cancel --------
$s->api('POST', '/_ctl/admins', { chat_id => $G2, creator_id => 102, user_ids => [103] });
$s->psql("UPDATE groups SET admins_at = now() - interval '11 minutes'");   # the lists are old
# 25 other groups the bot is in, listed before these by title, none Cy's
$s->psql("INSERT INTO groups (chat_id, title, type, bot_status, admins_at) SELECT "
       . "-1009000000000 - i, 'A group ' || i, 'supergroup', 'member', now() "
       . "FROM generate_series(1, 25) i");
my ($which) = say_in($cy, '/createquiz');
like($which->{params}{text}, qr/Which group is it for\?/, 'in private chat, an admin of two groups is asked which');
is_deeply([map { $_->{text} } grep { $_->{callback_data} =~ /^w:\d+:-/ } buttons($which)],
          ['Quiz night', 'Trivia club'], 'the groups where Cy is an admin (both lists read again)');
my ($ct) = press_for($cy, $which, button($which, qr/^Quiz night$/)->{callback_data}, 'editMessageText');
like($ct->{params}{text}, qr/New quiz for Quiz night/, 'Cy starts one for Quiz night');
say_in($cy, 'history');
my ($cc) = say_in($cy, '/cancel');
like($cc->{params}{text}, qr/Quiz creation cancelled; nothing was announced/, '/cancel at any step');
is($s->psql("SELECT count(*) FROM wizards WHERE user_id = 103"), 0, 'the wizard is gone');
is($s->psql("SELECT count(*) FROM quizzes WHERE creator_id = 103"), 0, 'and no quiz exists');

# --- an operator's quiz: mm-worker quiz create, ending on its own -----------------
my ($code, $json, $err) = $s->cli('quiz', 'create', '--chat', $G2, '--creator', 102, '--topic', 'space',
                                  '--count', 2, '--seconds', 10, '--duration', 60);
is($code, 0, 'mm-worker quiz create') or diag $err;
my $q3 = eval { decode_json($json) } || {};
my $Q3 = $q3->{id};
is($q3->{deep_link}, "https://t.me/$bot?start=quiz_$Q3", 'prints the deep link');
is($q3->{status}, 'active', 'announced, open');
is(scalar(@{ $q3->{questions} || [] }), 2, 'with its questions');
($code, undef, $err) = $s->cli('quiz', 'create', '--chat', $G2, '--creator', 102, '--topic', 'space',
                               '--count', 10, '--seconds', 60, '--duration', 60);
is($code, 2, 'a quiz that closes before it can be played is refused');
like($err, qr/playing takes up to 600 s/, 'saying why');
my ($lc, $list) = $s->cli('quiz', 'list', '--chat', $G2);
is(scalar(grep { length } split /\n/, $list), 2, 'quiz list --chat: Bob\'s two quizzes');

my @x = map { { id => 2000 + $_, first_name => "X$_" } } 1 .. 2;
for my $u (@x) {
    my ($c) = say_in($u, "/start quiz_$Q3");
    my @q = press_for($u, $c, "q:s:$Q3", 'sendMessage', 2);
    like($q[1]{params}{text}, qr/^<b>Question 1\/2<\/b>\n\n/, "$u->{first_name} plays the operator's quiz");
    sleep 0.4;
    my @f = press_for($u, $q[1], answer_data($q[1], 1)->{callback_data}, 'sendMessage');
    like($f[0]{params}{text}, qr/^<b>Question 2\/2/, 'question 2');
}
# both leave question 2 to its 10 s timer (checked further on)

# --- twenty players on Ann's quiz -------------------------------------------------
# P1-P15 answer 5 to 1 right; P16 stops after 2; P17 answers 2 and leaves;
# P18 answers everything wrong; P19 answers quicker than a person can read;
# P20 plays everything right
my %plan;
for my $i (1 .. 20) {
    my $k = $i <= 15 ? 5 - int(($i - 1) / 3) : $i == 18 ? 0 : $i == 16 || $i == 17 ? 2 : 5;
    my %wrong = map { (($i + $_) % 5) => 1 } 0 .. 4 - $k;
    $plan{$i} = [map { !$wrong{$_} } 0 .. 4];
    $plan{$i} = [1, 1, 1, 1, 1] if $i == 19 || $i == 20;
    $plan{$i} = [1, 1] if $i == 16 || $i == 17;
}
my (%seen_at, %presses, @recorded_toasts);
for my $i (grep { $_ != 19 } 1 .. 20) {
    my $u = $players[$i - 1];
    my ($c) = say_in($u, "/start quiz_$Q1");
    like($c->{params}{text}, qr/One attempt: 5 questions, 60 s each/, "P$i opens the link") if $i == 1;
    press_for($u, $c, "q:s:$Q1", 'sendMessage', 2);
}
my $creator_link = (say_in($ann, "/start quiz_$Q1"))[0];
like($creator_link->{params}{text}, qr/You created this quiz, so you can't play it/, 'the creator cannot play');

my $killed;
for my $round (1 .. 5) {
    for my $i (grep { $_ != 19 } 1 .. 20) {
        my $u = $players[$i - 1];
        next if $round > @{ $plan{$i} };
        my ($q) = grep { $_->{params}{text} =~ /^<b>Question $round\/5<\/b>/ }
                  $s->wait_calls(chat_id => $u->{id}, method => 'sendMessage', count => 2 + $round);
        die "P$i got no question $round" unless $q;
        $seen_at{"$i/$round"} //= time;
        my $wait = $seen_at{"$i/$round"} + 0.45 - time;
        sleep $wait if $wait > 0;
        my $b = answer_data($q, $plan{$i}[$round - 1]);
        my $r = $s->press($u, $q->{response}{result}, $b->{callback_data});
        push @{ $presses{$i} }, { update_id => $r->{update_id}, question => $q->{params}{text},
                                  chosen => $b->{text} };
        sleep 0.015;
    }
    if ($round == 2 && !$killed++) {
        # a worker killed in the middle of the answers
        $s->stop_worker(1, 'KILL');
        $s->start_worker(1);
    }
}
# P19 presses each answer the moment its question arrives
press_for($players[18], (say_in($players[18], "/start quiz_$Q1"))[0], "q:s:$Q1", 'sendMessage', 2);
for my $round (1 .. 5) {
    my $u = $players[18];
    my ($q) = grep { $_->{params}{text} =~ /^<b>Question $round\/5<\/b>/ }
              $s->wait_calls(chat_id => $u->{id}, method => 'sendMessage', count => 2 + $round);
    my $b = answer_data($q, 1);
    my $r = $s->press($u, $q->{response}{result}, $b->{callback_data});
    push @{ $presses{19} }, { update_id => $r->{update_id}, question => $q->{params}{text}, chosen => $b->{text} };
}
my ($stopped) = say_in($players[15], '/stop');
like($stopped->{params}{text}, qr/You stopped the quiz/, '/stop ends an attempt');

# everyone's last answer recorded (P17 left an attempt open)
for my $i (grep { $_ != 17 } 1 .. 20) {
    my $u = $players[$i - 1];
    my $n = @{ $plan{$i} };
    $s->wait_calls(chat_id => $u->{id}, method => 'editMessageText', count => $n);
}
ok(wait_text($players[0]{id}, qr/All done!<\/b> Your answers are in\. The ranking is posted in the group when the quiz ends/),
   'the last answer: no score, the results come at the end');
my @fb = map { $s->calls(chat_id => $_->{id}, method => 'editMessageText') } @players;
my $timeout = wait_text(2002, qr/Time's up/, 20, 'editMessageText');
like($timeout->{params}{text}, qr/^<b>Question 2\/2<\/b>\n\n.*\n\n⏰ <b>Time's up\.<\/b>$/s,
     'a question of a quiz timing out says only that, not the answer');
is(scalar(grep { $_->{params}{text} =~ /Correct|answer was|✅|❌/ } @fb), 0, 'no right or wrong during the quiz');
is(scalar(grep { $_->{params}{text} =~ /✔ <b>Answer recorded:<\/b> / } @fb), scalar(@fb),
   'each answer: "✔ Answer recorded" with the option chosen');
is_deeply($fb[0]{params}{reply_markup}{inline_keyboard}, [], 'the buttons removed');
my @toasts = grep { ($_->{params}{text} // '') eq '✔ Answer recorded' } $s->calls(method => 'answerCallbackQuery');
cmp_ok(scalar(@toasts), '>=', sum(map { scalar @{ $presses{$_} } } keys %presses), 'the toast says only that');

# one attempt each
my ($again) = say_in($players[0], "/start quiz_$Q1");
like($again->{params}{text}, qr/You've played this quiz \(one attempt each\)/, 'a second deep link: already played');
my ($again2) = press_for($players[0], $again, "q:s:$Q1");      # an old Start button
like($again2->{params}{text}, qr/played this quiz already: one attempt each/, 'an old Start button: refused');
is($s->psql("SELECT count(*) FROM play_sessions WHERE quiz_id = $Q1"), 20, 'twenty attempts, one each');

# the card shows the players (edited at most every 30 s)
my $edit20 = wait_text($G1, qr/Players: 20/, 70, 'editMessageText');
ok($edit20, 'the card is edited with the player count');
is($edit20->{params}{message_id}, $card->{response}{result}{message_id}, 'in place');

# --- the operator's quiz ended on its own; Bob's opened on time ---------------------
my $r3 = wait_text($G2, qr/Quiz over: space/, 60);
ok($r3, 'a quiz ends at its end time: its results in the group');
is($s->psql("SELECT status FROM quizzes WHERE id = $Q3"), 'closed', 'closed');
my $wait2 = $q2_created + 62 - time;
sleep $wait2 if $wait2 > 0;
my $open2 = wait_text($G2, qr/The quiz on <b>science<\/b> is open!/, 20);
ok($open2, 'the scheduled quiz opens: said in its group');
cmp_ok($s->psql("SELECT abs(extract(epoch FROM started_at - starts_at)) FROM quizzes WHERE id = $Q2"), '<', 2,
       'on time');
my ($now2) = say_in($players[0], "/start quiz_$Q2");
ok(grep({ ($_->{callback_data} // '') eq "q:s:$Q2" } buttons($now2)), 'and can be played');

# --- /endquiz: refused to a non-admin; an admin's ends it, once --------------------
my ($refused) = say_in($players[2], '/endquiz', $group1);
is($refused->{params}{text}, "Only the quiz's creator or a group admin can end or cancel it.",
   '/endquiz by a player is refused');
is($s->psql("SELECT status FROM quizzes WHERE id = $Q1"), 'active', 'and nothing changes');
# a newer quiz scheduled for tomorrow in the same group: /endquiz is about the open one
($code, $json, $err) = $s->cli('quiz', 'create', '--chat', $G1, '--creator', 101, '--topic', 'space',
                               '--count', 2, '--seconds', 10, '--duration', 600,
                               '--starts-at', strftime('%Y-%m-%dT%H:%M:%SZ', gmtime(time + 86400)));
is($code, 0, 'a quiz scheduled for tomorrow in the same group') or diag $err;
my $Qlater = (eval { decode_json($json) } || {})->{id} // 0;
my ($ending) = say_in($cy, '/endquiz', $group1);
like($ending->{params}{text}, qr/Ending the quiz now/, 'an admin (not its creator) ends it');
is($s->psql("SELECT status FROM quizzes WHERE id = $Qlater"), 'scheduled',
   'the open quiz, not the newer scheduled one');
# both workers killed as the end fires, then started again
$s->stop_worker(0, 'KILL');
$s->stop_worker(1, 'KILL');
$s->start_worker(0);
$s->start_worker(1);
my $results = wait_text($G1, qr/Quiz over: science/, 40);
ok($results, 'the results are posted in the group');
sleep 2;
is(scalar(grep { $_->{params}{text} =~ /Quiz over: science/ } $s->calls(chat_id => $G1, method => 'sendMessage')), 1,
   'once');
is($s->psql("SELECT count(*) FROM outbox WHERE chat_id = $G1 AND params->>'text' LIKE '%Quiz over: science%' AND method = 'sendMessage'"), 1,
   'one results message written');
is($s->psql("SELECT status FROM quizzes WHERE id = $Q1"), 'closed', 'the quiz is closed');
is($s->psql("SELECT state FROM play_sessions WHERE quiz_id = $Q1 AND user_id = 1017"), 'expired',
   'an attempt still open at the end is closed');
is($s->psql("SELECT state FROM play_sessions WHERE quiz_id = $Q1 AND user_id = 1016"), 'stopped', '(/stop\'s too)');
like($results->{params}{text}, qr/🏆 <b>Ranking<\/b> · 20 players\n🥇 /, 'the ranking, with the number of players');
my ($answers_msg) = grep { $_->{params}{text} =~ /The answers/ } $s->calls(chat_id => $G1, method => 'sendMessage');
like($answers_msg->{params}{text}, qr/<b>1\.<\/b> .*\n✅ <b>.*<\/b>\n<tg-spoiler>/, 'then the questions, right answers and explanations under spoilers');

# --- the ranking, computed again from the emulator's recorded presses -------------
my ($sc, $shown) = $s->cli('quiz', 'show', $Q1);
my $show = decode_json($shown);
my %right = map { ($_->{question} => $_->{options}[ $_->{correct} ]) } @{ $show->{questions} };
my %delivered;
for my $d (@{ $s->api('GET', '/_ctl/deliveries?since_ms=0')->{deliveries} }) {
    $delivered{ $d->{update_id} } //= $d->{started_ms} if $d->{ok};
}
sub unhtml { my ($t) = @_; $t =~ s/&lt;/</g; $t =~ s/&gt;/>/g; $t =~ s/&quot;/"/g; $t =~ s/&#39;/'/g; $t =~ s/&amp;/&/g; $t }
my %mine;
for my $i (1 .. 20) {
    my ($n, $first_right, $first) = (0, undef, undef);
    for my $p (@{ $presses{$i} }) {
        my ($q) = $p->{question} =~ /^<b>Question \d+\/5<\/b>\n\n(.*?)\n\n⏱/s;
        my $at = $delivered{ $p->{update_id} };
        $first //= $at;
        if (unhtml($p->{chosen}) eq ($right{ unhtml($q) } // '')) {
            $n++;
            $first_right //= $at;
        }
    }
    $mine{1000 + $i} = { n => $n, fr => $first_right, f => $first };
}
my @expect = sort { $mine{$b}{n} <=> $mine{$a}{n} || $mine{$a}{fr} <=> $mine{$b}{fr} || $mine{$a}{f} <=> $mine{$b}{f} }
             grep { $mine{$_}{n} > 0 } keys %mine;
my @ranked = map { $_->{user_id} } grep { defined $_->{rank} } @{ $show->{ranking} };
is_deeply(\@ranked, \@expect, 'the ranking is the one computed here from the presses the emulator delivered');
is_deeply([map { $_->{rank} } grep { defined $_->{rank} } @{ $show->{ranking} }], [1 .. @expect], 'ranks 1..n');
is_deeply([map { $_->{user_id} } grep { !defined $_->{rank} } @{ $show->{ranking} }], [1018],
          'a player with no right answer is listed, unranked');
is_deeply({ map { ($_->{user_id} => $_->{correct}) } @{ $show->{ranking} } },
          { map { ($_ => $mine{$_}{n}) } keys %mine }, 'each player\'s right answers');
is_deeply([map { $_->{user_id} } grep { $_->{flagged} } @{ $show->{ranking} }], [1019],
          'the player quicker than a person can read is flagged');
like($results->{params}{text}, qr/ ⚠️\n/, 'and marked in the results');
ok($mine{1004}{n} == $mine{1005}{n}, 'P4 and P5 tie on right answers...');
my %place = map { ($ranked[$_] => $_) } 0 .. $#ranked;
cmp_ok($place{1004}, '<', $place{1005}, '...and P4, right first (P5 was wrong first), is ahead');

# points: +5 a right answer, +3 a player's first; the creator +2 a player, +1 a right answer
my $right_total = sum(map { $_->{n} } values %mine);
is($s->psql("SELECT sum(points) FROM points_ledger WHERE user_id = 101 AND group_id = $G1"), 2 * 20 + $right_total,
   'the creator\'s points');
is($s->psql("SELECT sum(points) FROM points_ledger WHERE user_id = 1001 AND group_id = $G1"), 5 * 5 + 3, 'a player\'s');
is($s->psql("SELECT count(*) FROM points_ledger WHERE reason LIKE 'quiz:$Q1:%'"),
   $right_total + 19 + 20 + $right_total, 'each once (unique reasons)');

# each player's summary
for my $i (1, 18) {
    my ($sum) = grep { $_->{params}{text} =~ /has ended/ } $s->wait_calls(chat_id => 1000 + $i, method => 'sendMessage', count => 1);
    ok($sum, "P$i gets a summary");
    like($sum->{params}{text}, $i == 1 ? qr/You: <b>#\d+<\/b> of 20 · 5\/5 correct · \+28 points/
                                       : qr/No correct answer this time: unranked/, 'with their rank');
    like($sum->{params}{text}, qr/\n<b>1\.<\/b> .*\n(✅|❌|⏰)/, 'and their answers against the right ones');
}
my ($after) = say_in($players[0], "/start quiz_$Q1");
like($after->{params}{text}, qr/🏆 <b>Ranking<\/b>.*You: #\d+ of 20 \(5\/5\)/s, 'after the end the link shows the ranking');
my @cb = $s->calls(method => 'answerCallbackQuery');
$s->press($players[0], $card->{response}{result}, "q:b:$Q1");
my ($alert) = grep { $_->{params}{show_alert} } $s->wait_calls(method => 'answerCallbackQuery', count => @cb + 1);
like($alert->{params}{text}, qr/^You: #\d+ of 20 \(5\/5\)\n🥇 /, 'the card\'s 🏆: the ranking in an alert');

# the groups' own boards
my ($b1) = say_in($players[3], '/leaderboard', $group1);
like($b1->{params}{text}, qr/This group's leaderboard.*<b>All time<\/b>\n🥇 Ann — @{[2 * 20 + $right_total]}\n/s,
     '/leaderboard in a group: its own board');
unlike($b1->{params}{text}, qr/X1|X2/, 'without other groups\' players');
my ($b2) = say_in($players[3], '/leaderboard', $group2);
like($b2->{params}{text}, qr/X\d — 8/, 'the other group\'s board has its own players');
unlike($b2->{params}{text}, qr/Ann/, 'and not this one\'s');

# every call was accepted by the emulator; the logs are clean
my @bad = grep { $_->{status} != 200 } $s->calls;
is(scalar(@bad), 0, 'no Bot API call was refused') or diag explain [map { [$_->{method}, $_->{response}] } @bad[0 .. ($#bad < 4 ? $#bad : 4)]];
is($s->redis->cli('XLEN', 'mm:updates:dead') || 0, 0, 'nothing dead-lettered');
$s->stop_worker($_, 'TERM') for 0, 1;

done_testing;
