# The playground page (worker/tests/botapi/web/) in a real browser through the
# whole bot: PostgreSQL, Redis, nginx with the module, the Bot API emulator
# seeded like `run.sh` seeds it, and mm-worker.  The browser part is
# worker/tests/browser/stack.test.mjs (Debian's chromium, playwright-core);
# its screenshots are kept in t/servroot-playground/logs/shots/.
use strict;
use warnings;
use lib 'tests/lib';
use Cwd ();
use Test::More;
use MM::Stack;

my $root = Cwd::abs_path('.');
# scripts/test.sh installs both and sets MM_REQUIRE_BROWSER: there, missing is a failure
for ([-x ($ENV{CHROMIUM} || '/usr/bin/chromium'), 'no /usr/bin/chromium'],
     [-d "$root/worker/tests/browser/node_modules/playwright-core",
      'no playwright-core: npm ci --prefix worker/tests/browser']) {
    next if $_->[0];
    if ($ENV{MM_REQUIRE_BROWSER}) { fail($_->[1]); done_testing; exit 1 }
    plan skip_all => $_->[1];
}

my $s = MM::Stack->new(name => 'playground', webhook => 1,
                       # the browser answers a group quiz's question the moment it shows:
                       # not flagged as quicker than a person can read
                       env => { MM_QUESTION_SECONDS => 120, MM_MIN_ANSWER_MS => 0 });
my $out = `env DATABASE_URL=unused TELEGRAM_TOKEN=$MM::Stack::Token TELEGRAM_API_BASE=@{[$s->api_url]} WEBHOOK_URL=@{[$s->webhook_url]} WEBHOOK_SECRET=$MM::Stack::Secret @{[$s->worker_bin]} set-webhook 2>&1`;
is($? >> 8, 0, 'set-webhook') or diag $out;
$s->start_worker(0);
my $seed = $s->api('POST', '/_ctl/playground');
ok($seed->{group_id} < 0, 'three players and a group, the bot added by its admin') or diag explain $seed;

my $shots = $s->dir . '/logs/shots';
my $log = $s->dir . '/logs/browser.log';
my $t0 = time;
system("cd worker/tests/browser && MM_API_URL=@{[$s->api_url]} MM_GROUP_ID=$seed->{group_id} "
       . "MM_SHOTS=$shots node --test --test-reporter=tap stack.test.mjs >$log 2>&1");
my $rc = $? >> 8;
my $tap = $s->log_since($log, 0);
is($rc, 0, 'the browser scenarios pass (' . (time - $t0) . " s; $log)") or diag $tap;
note $tap;
ok(-s "$shots/01-start.png", 'a screenshot of each step is kept');

# what the browser did reached PostgreSQL
is($s->psql("SELECT count(*) FROM answers WHERE user_id = 1"), 5, 'five answers recorded for Ann');
is($s->psql("SELECT count(*) FROM question_reports WHERE user_id = 1"), 1, 'and her report');
# the group quiz Ann made in the wizard and Bob played
is($s->psql("SELECT creator_id || ' ' || chat_id || ' ' || question_count || ' ' || seconds || ' ' || status FROM quizzes"),
   "1 $seed->{group_id} 3 15 closed", "Ann's quiz: 3 questions, 15 s each, ended");
is($s->psql("SELECT count(*) FROM answers WHERE user_id = 2"), 3, "Bob's three answers recorded");
is($s->psql("SELECT string_agg(user_id::text, ',') FROM quiz_results"), '2', 'Bob in its results');
my @bad = grep { $_->{status} != 200 } $s->calls;
is(scalar(@bad), 0, 'no Bot API call was refused') or diag explain [map { $_->{response} } @bad];
is($s->stop_worker(0, 'TERM'), 0, 'the worker stops cleanly');

done_testing;
