# The bot end to end over the webhook: the Bot API emulator posts what a
# scripted user does to nginx (ngx_mm_module), the worker handles it from
# the stream, PostgreSQL and Redis hold the state, and the emulator
# records every call the bot makes.
use strict;
use warnings;
use utf8;
use lib 'tests/lib';
use Test::More;
use JSON::PP;
use Time::HiRes qw(sleep time);
use MM::Stack;

binmode(Test::More->builder->$_, ":encoding(UTF-8)") for qw(output failure_output todo_output);

my $s = MM::Stack->new(name => 'bot-e2e', webhook => 1,
                       env => { MM_QUESTION_SECONDS => 5 });

# the worker registers the webhook with the emulator, as an operator would
my $out = `env DATABASE_URL=unused TELEGRAM_TOKEN=$MM::Stack::Token TELEGRAM_API_BASE=@{[$s->api_url]} WEBHOOK_URL=@{[$s->webhook_url]} WEBHOOK_SECRET=$MM::Stack::Secret @{[$s->worker_bin]} set-webhook 2>&1`;
is($? >> 8, 0, 'set-webhook succeeds') or diag $out;
my ($set) = $s->calls(method => 'setWebhook');
is($set->{params}{secret_token}, $MM::Stack::Secret, 'with the secret token');
is_deeply($set->{params}{allowed_updates}, [qw(message callback_query poll_answer my_chat_member)],
          'and the update kinds the bot handles');

$s->start_worker(0);
like($s->worker_log(0), qr/"started as \@mm_test_bot/, 'the worker learned its username with getMe');

# the "/" menus Telegram shows, one per scope, from the command table
my %menu = map { $_->{params}{scope}{type} => [map { $_->{command} } @{ $_->{params}{commands} }] }
           $s->calls(method => 'setMyCommands');
is_deeply($menu{all_private_chats}, [qw(start play createquiz myquizzes leaderboard stats stop cancel help)],
          'setMyCommands for private chats: the commands there, without wallets on this bot');
is_deeply($menu{all_group_chats}, [qw(createquiz endquiz leaderboard stats help play)], 'and for groups');

my $ann = { id => 1001, first_name => 'Ann', username => 'ann' };
my $seq = 0;

# sends text as $user; returns the bot's next $n sendMessage calls to that chat
sub say_and_wait {
    my ($user, $text, $n, $method) = @_;
    my @before = $s->calls(chat_id => $user->{id}, method => $method || 'sendMessage');
    $s->user_message($user, $text);
    my @calls = $s->wait_calls(chat_id => $user->{id}, method => $method || 'sendMessage',
                               count => @before + ($n || 1));
    return @calls[@before .. $#calls];
}

sub buttons {
    my ($call) = @_;
    return map { @$_ } @{ $call->{params}{reply_markup}{inline_keyboard} || [] };
}

# /start: welcome and the main menu
my ($welcome) = say_and_wait($ann, '/start');
like($welcome->{params}{text}, qr/Hi Ann! Welcome to <b>Mental Maze<\/b>/, '/start welcomes');
is($welcome->{params}{parse_mode}, 'HTML', 'as HTML');
is_deeply([map { $_->{callback_data} } buttons($welcome)], [qw(m:play m:board m:stats m:help)],
          'with the main menu');
is($s->psql("SELECT first_name FROM users WHERE id = 1001"), 'Ann', '/start registered the player');

# /play: topics to pick from, the shipped bank's and the maze
my ($picker) = say_and_wait($ann, '/play');
my @topics = map { $_->{callback_data} } buttons($picker);
ok((grep { $_ eq 'p:maze' } @topics), 'the picker offers the maze');
ok((grep { $_ eq 'p:science' } @topics), 'and bank topics') or diag "@topics";
ok((grep { $_ eq 'p:mix' } @topics), 'and a mixed run');

my ($unknown_topic) = say_and_wait($ann, '/play <b>cheese</b>');
like($unknown_topic->{params}{text}, qr/on “&lt;b&gt;cheese&lt;\/b&gt;” yet/,
     'an unknown topic is refused, escaped');

# pick the maze from the picker: a run of 5
my @before = $s->calls(chat_id => 1001, method => 'sendMessage');
$s->press($ann, $picker->{response}{result}, 'p:maze');
my @sent = $s->wait_calls(chat_id => 1001, method => 'sendMessage', count => @before + 2);
my ($intro, $q) = @sent[-2, -1];
like($intro->{params}{text}, qr/Practice run<\/b> · maze · 5 questions · 5 s each · SDI 3/,
     'the run starts');
like($q->{params}{text}, qr/<b>Question 1\/5<\/b>/, 'question 1 is asked');
my ($cb) = $s->wait_calls(method => 'answerCallbackQuery', count => 1);
ok($cb, 'the picker press was answered');

# the correct button of a question message, from the database
sub correct_button {
    my ($call) = @_;
    my ($sid, $n) = (buttons($call))[0]{callback_data} =~ /^a:(\d+):(\d+):/;
    my $row = $s->psql("SELECT array_position(sq.perm, q.correct) - 1 FROM session_questions sq "
                       . "JOIN questions q ON q.id = sq.question_id WHERE session_id = $sid AND seq = $n");
    return (buttons($call))[$row]{callback_data};
}

sub wrong_button {
    my ($call) = @_;
    my $right = correct_button($call);
    return (grep { $_ ne $right && /^a:/ } map { $_->{callback_data} } buttons($call))[0];
}

sub answer {
    my ($user, $qcall, $data, $expect_next) = @_;
    my @edits = $s->calls(chat_id => $user->{id}, method => 'editMessageText');
    my @msgs = $s->calls(chat_id => $user->{id}, method => 'sendMessage');
    $s->press($user, $qcall->{response}{result}, $data);
    my @e = $s->wait_calls(chat_id => $user->{id}, method => 'editMessageText', count => @edits + 1);
    my @m = $expect_next
        ? $s->wait_calls(chat_id => $user->{id}, method => 'sendMessage', count => @msgs + 1) : ();
    return ($e[-1], $m[-1]);
}

is(scalar(grep { $_->{callback_data} =~ /^a:/ } buttons($q)), 4, 'four answer buttons');
like((buttons($q))[4]{callback_data}, qr/^r:\d+:1$/, 'and one to report the question');
ok(length($_->{callback_data}) <= 64, 'callback data within 64 bytes') for buttons($q);

my ($fb1, $q2) = answer($ann, $q, correct_button($q), 1);
like($fb1->{params}{text}, qr/✅ <b>Correct!<\/b> \+\d+ points/, 'a correct answer: feedback in place');
is($fb1->{params}{message_id}, $q->{response}{result}{message_id}, 'on the question message');
is_deeply($fb1->{params}{reply_markup}{inline_keyboard}, [], 'its buttons removed');
like($q2->{params}{text}, qr/Question 2\/5/, 'then question 2');

my ($fb2, $q3) = answer($ann, $q2, wrong_button($q2), 1);
like($fb2->{params}{text}, qr/❌ The answer was <b>/, 'a wrong answer shows the right one');

# an old button, pressed again: nothing changes
my @cbs = $s->calls(method => 'answerCallbackQuery');
$s->press($ann, $q->{response}{result}, correct_button($q));
my @cbs2 = $s->wait_calls(method => 'answerCallbackQuery', count => @cbs + 1);
is($cbs2[-1]{params}{text}, 'This question is no longer active.', 'a stale button is refused');

# a button made up by the client (right session, wrong nonce)
my ($sid) = (buttons($q3))[0]{callback_data} =~ /^a:(\d+):/;
$s->press($ann, $q3->{response}{result}, "a:$sid:3:1:0");
@cbs2 = $s->wait_calls(method => 'answerCallbackQuery', count => @cbs + 2);
is($cbs2[-1]{params}{text}, 'This question is no longer active.', 'a forged button is refused');

my ($fb3, $q4) = answer($ann, $q3, correct_button($q3), 1);
like($fb3->{params}{text}, qr/Correct/, 'question 3 right');

# question 4: no answer; the durable timer fires after 5 s
my @edits = $s->calls(chat_id => 1001, method => 'editMessageText');
my @e = $s->wait_calls(chat_id => 1001, method => 'editMessageText', count => @edits + 1, timeout => 15);
like($e[-1]{params}{text}, qr/⏰ <b>Time's up.<\/b> The answer was/, 'an unanswered question times out');
my @m = $s->wait_calls(chat_id => 1001, method => 'sendMessage', count => scalar(@sent) + 4);
my $q5 = $m[-1];
like($q5->{params}{text}, qr/Question 5\/5/, 'and the run moves on');

my ($fb5, $done) = answer($ann, $q5, correct_button($q5), 1);
like($done->{params}{text}, qr/Run complete<\/b>: 3\/5 correct, \d+ points, best streak 1\./,
     'the run completes with a summary');
like($done->{params}{text}, qr/Difficulty stays at SDI 3/, '60 % keeps the difficulty');

# the database agrees with what the player saw
is($s->psql("SELECT count(*) FROM answers WHERE session_id = $sid"), 5, 'five answers recorded');
is($s->psql("SELECT count(*) FROM answers WHERE session_id = $sid AND correct"), 3, 'three correct');
is($s->psql("SELECT count(*) FROM answers WHERE session_id = $sid AND chosen IS NULL"), 1,
   'one timed out');
my $points = $s->psql("SELECT points_total FROM users WHERE id = 1001");
is($s->psql("SELECT sum(points) FROM points_ledger WHERE user_id = 1001"), $points,
   'the ledger adds up to the total');
is($s->psql("SELECT sum(points) FROM answers WHERE user_id = 1001"), $points, 'and to the answers');
like($done->{params}{text}, qr/, $points points,/, 'the summary shows the same points');
is($s->psql("SELECT state FROM play_sessions WHERE id = $sid"), 'finished', 'the run is finished');
is($s->psql("SELECT count(*) FROM timers"), 0, 'no timer left behind');

# leaderboard and stats
my ($board) = say_and_wait($ann, '/leaderboard');
like($board->{params}{text}, qr/<b>All time<\/b>\n🥇 Ann — $points\n/, 'the all-time board');
like($board->{params}{text}, qr/<b>This week<\/b>\n🥇 Ann — $points\n/, 'the weekly board');
like($board->{params}{text}, qr/You: #1 with $points points/, 'with the player\'s rank');
is($s->redis->cli('TTL', 'mm:board:all') <= 180, 1, 'the board is cached at most 180 s');

my $bob = { id => 1002, first_name => '<b>Bob & Co</b>' };
my ($bob_welcome) = say_and_wait($bob, '/start');
like($bob_welcome->{params}{text}, qr/Hi &lt;b&gt;Bob &amp; Co&lt;\/b&gt;!/, 'names are escaped');
my ($bob_board) = say_and_wait($bob, '/leaderboard');
like($bob_board->{params}{text}, qr/You: not ranked yet/, 'a player without points is not ranked');

my ($stats) = say_and_wait($ann, '/stats');
like($stats->{params}{text}, qr/Points: $points\nAnswers: 5 \(60% correct\)\nRuns finished: 1\n/,
     '/stats');
my $ttl = $s->redis->cli('TTL', 'mm:profile:1001');
ok($ttl > 0 && $ttl <= 1800, 'the profile is cached for at most 30 min');

# unknown input gets a short, helpful reply
my ($unk) = say_and_wait($ann, '/frobnicate');
is($unk->{params}{text}, 'I don\'t know /frobnicate. Try /play, /createquiz, /leaderboard, /stats or /help.',
   'an unknown command (this bot has no wallets: /wallet is not suggested)');
my ($help) = say_and_wait($ann, '/help');
like($help->{params}{text}, qr{^/play — a practice run}m, '/help lists /play');
unlike($help->{params}{text}, qr{/wallet|/withdraw|/history}, 'and nothing this deployment turned off');
my ($free) = say_and_wait($ann, 'hello there');
like($free->{params}{text}, qr/Send \/play to start/, 'free text');
my ($nothing) = say_and_wait($ann, '/cancel');
like($nothing->{params}{text}, qr/Nothing to cancel/, '/cancel without a run');
my ($deep) = say_and_wait($ann, '/start quiz_42');
like($deep->{params}{text}, qr/can't find quiz <code>42<\/code>/, 'a deep link to a quiz that does not exist');

# a run can be cancelled; its timer goes with it
say_and_wait($ann, '/play science', 2);
my ($cancel) = say_and_wait($ann, '/cancel');
like($cancel->{params}{text}, qr/Run cancelled/, '/cancel stops the run');
my ($stats2) = say_and_wait($ann, '/stats');
like($stats2->{params}{text}, qr/Answers: 5 /, 'a cached profile matches PostgreSQL');
is($s->psql("SELECT count(*) FROM play_sessions WHERE user_id = 1001 AND state = 'active'"), 0,
   'no run left active');
is($s->psql("SELECT count(*) FROM timers"), 0, 'and no timer');

# groups: quiet unless addressed
my $group = { id => -5001, type => 'supergroup', title => 'Quiz fans' };
my @g0 = $s->calls(chat_id => -5001);
$s->user_message($ann, 'hello everyone', $group);
$s->user_message($ann, '/frob', $group);
my ($gplay) = do {
    $s->user_message($ann, '/play@mm_test_bot', $group);
    ($s->wait_calls(chat_id => -5001, method => 'sendMessage', count => 1))[-1];
};
is((buttons($gplay))[0]{url}, 'https://t.me/mm_test_bot?start=play', '/play in a group links to a private chat');
$s->user_message($ann, '/frob@mm_test_bot', $group);
my @g = $s->wait_calls(chat_id => -5001, method => 'sendMessage', count => 2);
is($g[-1]{params}{text}, 'I don\'t know that command. Try /help.', 'an unknown command addressed to us');
is(scalar(@g), 2, 'plain text and other bots\' commands got no reply');

# a name of 64 four-byte characters (Telegram's longest) is shown whole: cut at
# a byte count it would end inside a character and no reply could be built
my $emoji = { id => 1005, first_name => "\x{1F600}" x 64 };
say_and_wait($emoji, '/start');
say_and_wait($emoji, '/play maze', 2);
my ($estats) = say_and_wait($emoji, '/stats');
like($estats->{params}{text}, qr/Stats for \x{1F600}{64}<\/b>/, '/stats shows a 256-byte name whole');
is($s->redis->cli('XLEN', 'mm:updates:dead') || 0, 0, 'and nothing was dead-lettered');

# Telegram delivering one update twice: handled once
my @st = $s->calls(chat_id => 1001, method => 'sendMessage');
my $dup = { update_id => 990001, message => { message_id => 9001, date => time,
            from => { id => 1001, is_bot => JSON::PP::false, first_name => 'Ann' },
            chat => { id => 1001, type => 'private' }, text => '/stats',
            entities => [{ type => 'bot_command', offset => 0, length => 6 }] } };
$s->api('POST', '/_ctl/update', { update => $dup });
$s->api('POST', '/_ctl/update', { update => $dup });
$s->wait_calls(chat_id => 1001, method => 'sendMessage', count => @st + 1);
sleep 1.5;
is(scalar($s->calls(chat_id => 1001, method => 'sendMessage')), @st + 1, 'a duplicate update is handled once');
like($s->worker_log(0), qr/"update_id":990001,"msg":"duplicate update ignored"/, 'and logged');

# every reply was accepted by the emulator (valid HTML, sizes, buttons)
my @bad = grep { $_->{status} != 200 } $s->calls;
is(scalar(@bad), 0, 'no Bot API call was refused') or diag explain [map { $_->{response} } @bad];
is($s->psql("SELECT count(*) FROM outbox WHERE sent_at IS NULL"), 0, 'every reply is marked sent');

# logs: JSON lines, and the token never appears
my $log = $s->worker_log(0);
unlike($log, qr/\Q$MM::Stack::Token\E/, 'the bot token never reaches the log');
my @lines = grep { length } split /\n/, $log;
is(scalar(grep { !eval { decode_json($_); 1 } } @lines), 0, 'every log line is JSON');

# the cache is a cache: boards lost from Redis are rebuilt from PostgreSQL
$s->redis->cli('DEL', $_) for grep { /^mm:board:/ } $s->redis->cli('KEYS', 'mm:board:*');
my ($board2) = say_and_wait($ann, '/leaderboard');
like($board2->{params}{text}, qr/<b>All time<\/b>\n🥇 Ann — $points\n/, 'boards lost from Redis come back whole');

is($s->stop_worker(0, 'TERM'), 0, 'SIGTERM stops the worker cleanly');
like($s->worker_log(0), qr/"msg":"stopped"/, 'after finishing its work');

# a timer outlives the worker that set it: killed with SIGKILL right after
# asking, another worker process fires the timeout, once
$s->start_worker(1);
my $dee = { id => 1004, first_name => 'Dee' };
my @dq = say_and_wait($dee, '/play maze', 2);
like($dq[-1]{params}{text}, qr/Question 1\/5/, 'a run starts');
$s->stop_worker(1, 'KILL');
$s->start_worker(2);
my @de = $s->wait_calls(chat_id => 1004, method => 'editMessageText', count => 1, timeout => 20);
like($de[0]{params}{text}, qr/Time's up/, 'the timeout fires after the worker that set it died');
my @dm = $s->wait_calls(chat_id => 1004, method => 'sendMessage', count => 3, timeout => 10);
like($dm[-1]{params}{text}, qr/Question 2\/5/, 'and the run goes on');
sleep 1;
is(scalar($s->calls(chat_id => 1004, method => 'editMessageText')), 1, 'exactly once');
is($s->stop_worker(2), 0, 'the other worker stops cleanly');

done_testing;
