# The quiz engine behind the bot: a player asks for a topic the bank lacks,
# the engine thread generates it with a local OpenAI-compatible server, and
# the run starts in the chat when the questions are ready; a second player
# is served from what was stored; a failing provider, a blocked topic and a
# request while one is pending get clear answers.  Also: generate --store
# (anti-repetition, few-shot items, Wikipedia context with its cache,
# provenance, duplicates of the bank), SDI calibration from answers, and
# the engine's counters in mm:metrics.
use strict;
use warnings;
use utf8;
use lib 'tests/lib';
use Test::More;
use HTTP::Tiny;
use JSON::PP;
use Time::HiRes qw(sleep time);
use MM::FakeHttp;
use MM::Stack;

binmode(Test::More->builder->$_, ":encoding(UTF-8)") for qw(output failure_output todo_output);

my @creatures = ('anglerfish lure', 'giant squid eye', 'vampire squid cloak', 'gulper eel mouth',
                 'barreleye fish head', 'dumbo octopus fins', 'sea pig legs');
sub item {
    my ($n) = @_;
    return { question => "What is special about the $creatures[$n]?",
             options => ["Glows $n", "Is huge $n", "Is transparent $n", "Is tiny $n"],
             correct_index => $n % 4, explanation => "It is a deep-sea adaptation ($n).", sdi => 4 };
}
sub openai_ok {
    my (@items) = @_;
    return { status => 200, body => encode_json({ object => 'chat.completion', choices => [{ index => 0,
        message => { role => 'assistant', content => encode_json({ questions => \@items }) },
        finish_reason => 'stop' }] }) };
}

# the first answer takes a moment, so a second /play finds the job pending;
# after it the provider fails for good
my $llm = MM::FakeHttp->new([{ %{ openai_ok(map { item($_) } 0 .. 4) }, delay => 1.5 },
                             { status => 500, body => '{"error":{"message":"boom","type":"server_error"}}' }]);
my $s = MM::Stack->new(name => 'bot-generate', webhook => 1,
                       env => { MM_QUESTION_SECONDS => 30, LLM_PROVIDERS => 'openai',
                                OPENAI_BASE_URL => substr($llm->url, 0, -1), OPENAI_MODEL => 'local-test',
                                LLM_BACKOFF_MS => 50, LLM_TOPIC_BLOCKLIST => 'weapons',
                                MM_ENGINE_PERIOD => 3600 });
my $hook = `env DATABASE_URL=unused TELEGRAM_TOKEN=$MM::Stack::Token TELEGRAM_API_BASE=@{[$s->api_url]} WEBHOOK_URL=@{[$s->webhook_url]} WEBHOOK_SECRET=$MM::Stack::Secret @{[$s->worker_bin]} set-webhook 2>&1`;
is($? >> 8, 0, 'the webhook is set') or diag $hook;
$s->start_worker(0);
like($s->worker_log(0), qr/questions: openai \(local-test\)/, 'the worker names its question source');

my $ann = { id => 2001, first_name => 'Ann' };
my $bob = { id => 2002, first_name => 'Bob' };
my $cid = { id => 2003, first_name => 'Cid' };

sub said { $s->said(@_) }

# a new topic: the player hears at once, the run starts when it is written
my ($note) = said($ann, '/play Deep  Sea Creatures!');
like($note->{params}{text}, qr/Writing a quiz on “deep sea creatures” for you/, 'a new topic: generation announced');
my ($again) = said($ann, '/play deep sea creatures');
like($again->{params}{text}, qr/still writing your previous quiz/, 'asked again while pending: no second job');
my ($ready, $q1) = said($ann, undef, 2);
like($ready->{params}{text}, qr/Your quiz is ready<\/b> · deep sea creatures · 5 questions/, 'the run starts when ready');
like($q1->{params}{text}, qr/Question 1\/5.*What is special about the/s, 'with a generated question');
is($s->psql("SELECT count(*) FROM generation_jobs"), 1, 'one job for the two requests');
is($s->psql("SELECT state || ' ' || made || ' ' || provider FROM generation_jobs"), 'done 5 openai', 'the job is done');
is($s->psql("SELECT count(*) FROM questions WHERE topic = 'deep sea creatures' AND source = 'openai' "
            . "AND model = 'local-test' AND prompt_hash ~ '^[0-9a-f]{64}\$' AND sdi_claimed = 4 "
            . "AND sdi_prior = sdi"), 5, 'stored with provider, model, prompt hash and the claimed SDI');
is($s->redis->cli('KEYS', 'mm:ready:*deep sea*'), '', 'the run took them from the ready cache');

my ($req) = $llm->requests;
my $prompt = decode_json($req->{body})->{messages}[1]{content};
like($prompt, qr/on the topic "deep sea creatures"/, 'the prompt names the topic');
like($prompt, qr/Example items.*\{"question"/s, 'with few-shot items from the bank');
like($prompt, qr/SDI 3 of 10/, "at the player's SDI");

# a second player gets a run at once from what was stored; nothing is asked
my ($intro) = said($bob, '/play deep sea creatures', 2);
like($intro->{params}{text}, qr/Practice run<\/b> · deep sea creatures · 5 questions/,
     'a stored topic is served from the bank');
is(scalar($llm->requests), 1, 'without asking the provider again');

# the provider fails: the player is told, with topics to pick instead
my ($n2) = said($cid, '/play volcanoes');
like($n2->{params}{text}, qr/Writing a quiz on “volcanoes”/, 'another new topic');
my ($fail) = said($cid, undef);
like($fail->{params}{text}, qr/couldn't write a quiz on “volcanoes” just now/, 'a failure is explained');
ok(scalar(@{ $fail->{params}{reply_markup}{inline_keyboard} }) > 0, 'with the topic picker');
like($s->psql("SELECT state || ': ' || error FROM generation_jobs WHERE topic = 'volcanoes'"),
     qr/^failed: openai: HTTP 500/, 'the job records why');
is(scalar($llm->requests), 4, 'three attempts at the failing provider');

# a blocked topic is refused before any job
my ($blocked) = said($cid, '/play Medieval Weapons');
like($blocked->{params}{text}, qr/can't make a quiz on “Medieval Weapons”/, 'a blocked topic is refused');
is($s->psql("SELECT count(*) FROM generation_jobs WHERE topic LIKE '%weapons%'"), 0, 'no job for it');

# the counters an operator scrapes
my %m = $s->redis->cli('HGETALL', 'mm:metrics');
is($m{'mm_engine_calls_total{provider="openai",outcome="ok"}'}, 1, 'metrics: successful calls');
is($m{'mm_engine_calls_total{provider="openai",outcome="server_error"}'}, 3, 'failures by kind');
is($m{'mm_engine_questions_total{provider="openai"}'}, 5, 'questions made');
is($m{'mm_engine_jobs_total{state="failed"}'}, 1, 'jobs by outcome');
is($m{'mm_questions_served_total{from="ready"}'}, 5, 'served from the ready cache');
is($m{'mm_questions_served_total{from="bank"}'}, 5, 'and from the bank');
ok($m{'mm_engine_call_seconds_bucket{provider="openai",le="+Inf"}'} >= 4, 'latency histogram');
is($m{'mm_engine_rejects_total{reason="blocked_topic"}'}, undef, 'the bot refuses before the engine');
my $scrape = HTTP::Tiny->new->get("http://127.0.0.1:$s->{edge_port}/metrics")->{content};
like($scrape, qr/^# TYPE mm_engine_calls_total counter\nmm_engine_calls_total\{provider="openai",outcome="ok"\} 1$/m,
     "nginx's /metrics serves the engine's counters");

# calibration and top-ups run every MM_ENGINE_PERIOD: a second from here
$s->stop_worker(0);
$s->start_worker(3, MM_ENGINE_PERIOD => 1);

# calibration: twenty quick right answers make a question easier
my $qid = $s->psql("SELECT id FROM questions WHERE topic = 'deep sea creatures' ORDER BY id LIMIT 1");
my $before = $s->psql("SELECT sdi FROM questions WHERE id = $qid");
$s->psql("WITH s AS (INSERT INTO play_sessions (user_id, chat_id, topic, target_sdi, question_count, state) "
         . "SELECT 2001, 2001, 'deep sea creatures', 4, 1, 'finished' FROM generate_series(1, 20) RETURNING id), "
         . "q AS (INSERT INTO session_questions (session_id, seq, question_id, perm, nonce) "
         . "SELECT id, 1, $qid, '{0,1,2,3}', 1 FROM s RETURNING session_id) "
         . "INSERT INTO answers (session_id, seq, user_id, question_id, chosen, correct, elapsed_ms, points, received_at) "
         . "SELECT session_id, 1, 2001, $qid, 0, true, 2000, 10, now() FROM q");
my $t0 = time;
sleep 0.2 while $s->psql("SELECT plays FROM questions WHERE id = $qid") < 20 && time - $t0 < 10;
is($s->psql("SELECT plays || ' ' || correct_rate || ' ' || median_ms FROM questions WHERE id = $qid"),
   '20 1 2000', 'calibration recorded the answers');
ok($s->psql("SELECT sdi FROM questions WHERE id = $qid") < $before, 'and lowered the SDI')
    or diag "before $before";
like($s->worker_log(3), qr/calibration: \d+ questions with 10\+ answers, \d+ moved/, 'and logged it');

# a generated topic players chose, with no ready questions left: topped up
$t0 = time;
sleep 0.2 while !$s->psql("SELECT count(*) FROM generation_jobs WHERE user_id IS NULL") && time - $t0 < 10;
like($s->psql("SELECT topic || ' ' || sdi || ' ' || count FROM generation_jobs WHERE user_id IS NULL"),
     qr/^deep sea creatures \d+ 10$/, 'a top-up job for the popular generated topic');
sleep 2;
is($s->psql("SELECT count(*) FROM generation_jobs WHERE user_id IS NULL"), 1,
   'a failed top-up is not repeated every period');

# generate --store: the topic's questions are listed not to be repeated,
# a repeat of the bank is dropped, Wikipedia context is fetched once
my $wiki = MM::FakeHttp->new([
    { status => 200, body => encode_json({ pages => [{ id => 1, key => 'Deep_sea', title => 'Deep sea' }] }) },
    { status => 200, body => encode_json({ type => 'standard', title => 'Deep sea',
                                           extract => 'The deep sea is the lowest layer in the ocean.' }) }]);
my $llm2 = MM::FakeHttp->new([openai_ok(item(0), item(5)), openai_ok(item(6))]);
my %env = (%{ $s->worker_env }, LLM_PROVIDERS => 'openai', OPENAI_BASE_URL => substr($llm2->url, 0, -1),
           OPENAI_MODEL => 'local-2', WIKIPEDIA_ENABLED => 1, WIKIPEDIA_BASE_URL => substr($wiki->url, 0, -1),
           WIKIPEDIA_CONTACT => 'ops@example.org');
sub generate_store {
    my $cmd = join ' ', 'env', (map { "$_='$env{$_}'" } sort keys %env), $s->worker_bin,
              qw(generate --topic), "'deep sea creatures'", qw(--count 2 --difficulty 4 --store 2>&1 >/tmp/mm-gen.out);
    my $err = `$cmd`;
    my $status = $? >> 8;
    open my $f, '<', '/tmp/mm-gen.out';
    my @out = map { decode_json($_) } grep { /\S/ } <$f>;
    return ($status, \@out, $err);
}
my ($st, $made, $err) = generate_store();
is($st, 0, 'generate --store: exit 0') or diag $err;
is(scalar(@$made), 2, 'two new questions');
ok($made->[0]{id} > 0, 'with their bank ids');
like($err, qr/dropped: 1 duplicates, 0 near duplicates of the bank; context: Wikipedia Deep sea/,
     'the repeat of a bank question is dropped and counted');
my $p2 = decode_json(($llm2->requests)[0]{body})->{messages}[1]{content};
like($p2, qr/already seen these.*- What is special about the anglerfish lure\?/s,
     'the prompt lists the topic\'s questions not to repeat');
like($p2, qr/Reference \(Wikipedia, "Deep sea".*lowest layer in the ocean/, 'and the Wikipedia summary');
my @w = $wiki->requests;
like($w[0]{head}, qr{^GET /w/rest.php/v1/search/page\?q=deep%20sea%20creatures&limit=1 }, 'Wikipedia: search first');
like($w[1]{head}, qr{^GET /api/rest_v1/page/summary/Deep_sea }, 'then the summary');
like($w[0]{head}, qr{^User-Agent: MentalMazeBot/1\.0 \(ops\@example\.org\) libcurl/}mi, 'with a policy User-Agent');
generate_store();
is(scalar($wiki->requests), 2, 'the summary comes from the cache the second time');
my @ready = $s->redis->cli('LRANGE', "mm:ready:4:deep sea creatures", 0, -1);
is(scalar(@ready), 2, 'new questions wait in the ready cache');
is_deeply([sort keys %{ decode_json($ready[0]) }], [sort qw(id topic question options correct explanation sdi)],
          'whole, with their id');

# a worker killed mid-generation: its job is taken over once its lease
# ends, and the player gets exactly one quiz
$s->stop_worker(3);
my $llm3 = MM::FakeHttp->new([{ %{ openai_ok(map { item($_) } 0 .. 4) }, delay => 1 }]);
my %crash = (OPENAI_BASE_URL => substr($llm3->url, 0, -1), MM_JOB_LEASE_MS => 1500);
$s->start_worker(1, %crash);
my $dan = { id => 2004, first_name => 'Dan' };
my ($n3) = said($dan, '/play coral reefs');
like($n3->{params}{text}, qr/Writing a quiz on “coral reefs”/, 'a job for the crash');
$t0 = time;
sleep 0.05 while !$llm3->requests && time - $t0 < 10;
$s->stop_worker(1, 'KILL');
pass('its worker killed with SIGKILL while the model was answering');
$s->start_worker(2, %crash);
my ($ready3) = said($dan, undef, 2);
like($ready3->{params}{text}, qr/Your quiz is ready<\/b> · coral reefs/, 'another worker finished the job');
is($s->psql("SELECT state || ' ' || attempts FROM generation_jobs WHERE topic = 'coral reefs'"), 'done 2',
   'done on the second attempt');
sleep 1;
is(scalar(grep { $_->{params}{text} =~ /Your quiz is ready/ } $s->calls(chat_id => 2004, method => 'sendMessage')), 1,
   'one quiz, not two');
is($s->psql("SELECT count(*) FROM questions WHERE topic = 'coral reefs'"), 5, 'its questions stored once');
$llm3->stop;

# daily budgets: a player's new quizzes, then everyone's (each costs model calls)
$s->stop_worker(2);
my $llm4 = MM::FakeHttp->new([]);
$s->start_worker(4, OPENAI_BASE_URL => substr($llm4->url, 0, -1), MM_GENERATIONS_PER_USER_DAY => 1);
my $dan_jobs = $s->psql("SELECT count(*) FROM jobs WHERE kind = 'generate' AND user_id = 2004");
ok($dan_jobs >= 1, 'Dan has asked for a new quiz today');
said($dan, '/cancel');
my ($capped) = said($dan, '/play tide pools');
like($capped->{params}{text}, qr/You've asked for 1 new quizzes today, the most for one day/,
     "a player's daily budget of new quizzes, said plainly");
is($s->psql("SELECT count(*) FROM jobs WHERE kind = 'generate' AND user_id = 2004"), $dan_jobs,
   'and no job was queued');
$s->stop_worker(4);
my $all_jobs = $s->psql("SELECT count(*) FROM jobs WHERE kind = 'generate'");
$s->start_worker(5, OPENAI_BASE_URL => substr($llm4->url, 0, -1), MM_GENERATIONS_PER_DAY => $all_jobs);
my $eve = { id => 2005, first_name => 'Eve' };
my ($spent) = said($eve, '/play tide pools');
like($spent->{params}{text}, qr/written as many new quizzes today as I may/, "the bot's daily budget too");
is($s->psql("SELECT count(*) FROM jobs WHERE kind = 'generate'"), $all_jobs, 'nothing queued');
my %m2 = $s->redis->cli('HGETALL', 'mm:metrics');
is($m2{'mm_budget_refused_total{budget="generations_per_user"}'}, 1, 'refusals counted by budget');
ok($m2{'mm_budget_refused_total{budget="generations"}'} >= 1, 'both');
is(scalar(grep { ($_->{body} // '') =~ /tide pools/ } $llm4->requests), 0, 'no model was asked for them');
$llm4->stop;

$llm->stop;
$llm2->stop;
$wiki->stop;
$s->stop;
done_testing;
