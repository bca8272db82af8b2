// The playground through the whole bot, in a real browser: run by
// worker/tests/playground.t, which starts PostgreSQL, Redis, nginx with the
// module, the Bot API emulator (seeded with three players and a group) and
// mm-worker, then runs this with MM_API_URL (the emulator) and MM_SHOTS (a
// folder under the test's servroot logs for a screenshot of every step).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from './browser.mjs';

const origin = process.env.MM_API_URL;
const group = Number(process.env.MM_GROUP_ID);
let b;
let ann;
let bob;
let annPoints = null;

const last = (p, re) => p.locator('.msg.in', { hasText: re }).last();
const questionRe = (n) => new RegExp(`Question ${n}/5`);
const ctl = async (path) => (await fetch(origin + '/_ctl/' + path)).json();

before(async () => {
  assert.ok(origin && group, 'MM_API_URL and MM_GROUP_ID are set');
  b = await launch({ origin, shots: process.env.MM_SHOTS });
  ann = await b.page('#me=1&chat=1');
});
after(async () => {
  if (b) await b.close();
});

// the README's picture (docs/playground.png): a group quiz's results in the
// group.  MM_DOCS_SHOT=$PWD/docs/playground.png prove worker/tests/playground.t
async function docsShot(top) {
  await ann.setViewportSize({ width: 900, height: 560 });
  await ann.mouse.move(0, 0);
  await ann.locator('#toast').waitFor({ state: 'hidden' });
  await top.evaluate((e) => e.scrollIntoView({ block: 'start' }));
  await ann.screenshot({ path: process.env.MM_DOCS_SHOT });
  await ann.setViewportSize({ width: 1100, height: 760 });
}

// what the page shows must be what the bot sent: a bubble's text against
// the emulator's record of that message
async function sameAsBot(p, chatId, mid) {
  const { messages } = await ctl(`chat?chat_id=${chatId}`);
  const m = messages.find((x) => x.message_id === mid);
  assert.ok(m, `message ${mid} is in the emulator`);
  const shown = await p.locator(`.msg[data-id="${mid}"] .text`).textContent();
  assert.equal(shown, m.text, `message ${mid} is shown as sent`);
}

test('/start in the private chat: the welcome and the main menu', async () => {
  const input = ann.getByRole('textbox', { name: 'Message' });
  await input.fill('/start');
  await input.press('Enter');
  const welcome = last(ann, /Welcome to Mental Maze/);
  await welcome.waitFor();
  assert.equal(await welcome.locator('.text b', { hasText: 'Mental Maze' }).count(), 1, 'bold as the HTML said');
  for (const name of [/Play/, /Leaderboards/, /My stats/]) await welcome.getByRole('button', { name }).waitFor();
  await sameAsBot(ann, 1, Number(await welcome.getAttribute('data-id')));
  await b.shot(ann, 'start');
});

test('a practice run to the end by clicking the answer buttons, a 🚩 report, feedback edits in place', async () => {
  await last(ann, /Welcome to Mental Maze/).getByRole('button', { name: /Play/ }).click();
  const picker = last(ann, /topic|Pick|Choose|run/i);
  await picker.locator('.kb-btn[data-data="p:maze"]').waitFor();
  await picker.locator('.kb-btn[data-data="p:maze"]').click();
  await last(ann, /Practice run/).waitFor();
  for (let n = 1; n <= 5; n++) {
    const q = last(ann, questionRe(n));
    await q.locator('.kb-btn[data-data^="a:"]').first().waitFor();
    const mid = await q.getAttribute('data-id');
    assert.equal(await q.locator('.kb-btn[data-data^="a:"]').count(), 4, `question ${n}: four answers`);
    if (n === 1) {
      await b.shot(ann, 'question-1');
      await q.getByRole('button', { name: /Report this question/ }).click();
      await ann.locator('#toast', { hasText: 'Thanks — the question goes to a moderator.' }).waitFor();
      await b.shot(ann, 'reported');
    }
    await q.locator('.kb-btn[data-data^="a:"]').nth(n % 4).click();
    // the same message, edited: the feedback, its buttons gone
    const fb = ann.locator(`.msg[data-id="${mid}"]`);
    await fb.locator('.text', { hasText: /Correct!|The answer was/ }).waitFor();
    assert.equal(await fb.locator('.kb-btn').count(), 0, `question ${n}: buttons removed`);
    assert.match(await fb.locator('.meta').textContent(), /edited/);
    await sameAsBot(ann, 1, Number(mid));
    if (n === 1) await b.shot(ann, 'feedback-1');
  }
  const done = last(ann, /Run complete/);
  await done.waitFor();
  const [, right, points] = /Run complete: (\d)\/5 correct, (\d+) points/.exec(await done.textContent()) || [];
  assert.ok(right !== undefined, 'the summary');
  annPoints = Number(points);
  await b.shot(ann, 'run-complete');
});

test('/stats after the run', async () => {
  const input = ann.getByRole('textbox', { name: 'Message' });
  await input.fill('/stats');
  await input.press('Enter');
  const stats = last(ann, /Answers: 5/);
  await stats.waitFor();
  assert.match(await stats.textContent(), /Runs finished: 1/);
  await b.shot(ann, 'stats');
});

test('in the group: /leaderboard, seen live by another player in a second tab', async () => {
  bob = await b.page(`#me=2&chat=${group}`);
  await ann.locator(`.chat-item[data-chat="${group}"]`).click();
  await ann.locator('#chat-title', { hasText: 'Quiz night' }).waitFor();
  const input = ann.getByRole('textbox', { name: 'Message' });
  await input.fill('/leaderboard');
  await input.press('Enter');
  const board = last(ann, /All time/);
  await board.waitFor();
  // a group's board counts the points of its own quizzes, not practice runs
  // (Ann's ${annPoints} points are on the global board): none yet
  assert.ok(annPoints !== null, 'the practice run was scored');
  assert.match(await board.textContent(), /All time\nNo points yet — an admin can start a quiz with \/createquiz\./);
  const mid = await board.getAttribute('data-id');
  await bob.locator(`.msg[data-id="${mid}"]`, { hasText: /All time/ }).waitFor();
  assert.equal(await bob.locator('.msg.in .text', { hasText: /^\/leaderboard$/ }).count(), 1, "Bob sees Ann's command");
  await b.shot(ann, 'group-leaderboard');
  await b.shot(bob, 'group-leaderboard-bob');
});

test('/play in the group links to the private chat: the URL button sends /start play there', async () => {
  const input = bob.getByRole('textbox', { name: 'Message' });
  await input.fill('/play@mm_test_bot');
  await input.press('Enter');
  const link = last(bob, /played in a private chat/);
  await link.getByRole('button', { name: /Play in private chat/ }).click();
  await bob.locator('#chat-sub', { hasText: 'private chat of Bob' }).waitFor();
  await bob.locator('.msg.out', { hasText: '/start play' }).waitFor();
  await last(bob, /Practice run|topic|Pick|Choose/i).locator('.kb-btn[data-data="p:maze"]').waitFor();
  await b.shot(bob, 'deep-link');
});

// A group quiz as its players make it in the page: Ann (the group's admin)
// sends /createquiz in the group, follows the button to her private chat and
// answers the wizard with its buttons and by typing; the card comes to the
// group; Bob ("I am") opens ▶️ Play, presses 🚀 Start and answers with the
// buttons (recorded, not judged); Ann ends it with /endquiz; the group gets the
// results and Bob his own summary in his private chat.
test('group quiz: created by Ann through the wizard, played by Bob, ended with /endquiz', async (t) => {
  const p = ann;
  await p.bringToFront();     // a tab in the background gets its frames throttled
  const t0 = Date.now();
  const marks = [];
  const mark = (what) => marks.push(`${what} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const input = p.getByRole('textbox', { name: 'Message' });
  const say = async (text) => {
    await input.fill(text);
    await input.press('Enter');
    await p.locator('.msg.out').getByText(text, { exact: true }).last().waitFor();
  };
  const btn = (msg, name) => msg.locator('.kb-btn', { hasText: name });
  // "I am": the player the page speaks as
  const iAm = async (id) => {
    await p.selectOption('#me', String(id));
    await p.waitForFunction((v) => location.hash.startsWith(`#me=${v}&`), id);
  };
  // a message found by its text, then held by its id (a button edits it in place)
  const held = async (re) => {
    const m = last(p, re);
    await m.waitFor();
    return p.locator(`.msg[data-id="${await m.getAttribute('data-id')}"]`);
  };
  const openGroup = async (who) => {
    await p.locator(`.chat-item[data-chat="${group}"]`).click();
    await p.locator('#chat-sub', { hasText: `you are ${who}` }).waitFor();
  };

  // --- Ann, in the group: /createquiz, and the button into her private chat
  await iAm(1);
  await openGroup('Ann (admin)');
  await say('/createquiz');
  const go = last(p, /Let's set it up in a private chat/);
  const create = go.getByRole('button', { name: /Create the quiz/ });
  await create.waitFor();
  assert.match(await create.getAttribute('data-url'), new RegExp(`^https://t\\.me/\\w+\\?start=create_${group}$`));
  await create.click();
  mark('wizard link');
  await p.locator('#chat-sub', { hasText: 'private chat of Ann' }).waitFor();
  await p.locator('.msg.out', { hasText: `/start create_${group}` }).waitFor();

  // --- the wizard: buttons edit the step in place, a typed answer gets a new one
  const step = await held(/New quiz for Quiz night[\s\S]*What is it about/);
  const names = await step.locator('.kb-row').first().locator('.kb-btn').allTextContents();
  const topic = names.includes('maze') ? 'maze' : names[0];
  assert.ok(topic && !/Cancel|Back/.test(topic), `a topic of the bank's to pick (${names})`);
  await btn(step, new RegExp(`^${topic}$`)).click();
  await step.locator('.text', { hasText: /2\. Any notes/ }).waitFor();
  await btn(step, /Skip/).click();
  await step.locator('.text', { hasText: /3\. How many questions/ }).waitFor();
  assert.deepEqual(await step.locator('.kb-btn').allTextContents(), ['5', '10', '15', '20', '◀️ Back', '✖️ Cancel']);
  await say('3');
  mark('topic, notes');
  const secs = await held(/4\. Seconds per question/);
  await btn(secs, /^15 s$/).click();
  await secs.locator('.text', { hasText: /5\. When does it open/ }).waitFor();
  await btn(secs, /Now/).click();
  await secs.locator('.text', { hasText: /6\. How long does it stay open/ }).waitFor();
  await say('5 min');
  mark('seconds, start');
  const kind = await held(/7\. Free, or with a prize/);
  await btn(kind, /Free/).click();
  mark('free');
  await kind.locator('.text', { hasText: new RegExp(`Making 3 questions on “${topic}”`) }).waitFor();
  const summary = last(p, /Summary/);
  await btn(summary, /✅ Create/).waitFor();
  mark('summary');
  const sumText = await summary.locator('.text').textContent();
  assert.match(sumText, new RegExp(`Topic: ${topic}\\nQuestions: 3, 15 s each\\nOpens: as soon as you create it\\nOpen for: 5 min\\nPrize: none`));
  await b.shot(p, 'quiz-summary');
  await btn(summary, /✅ Create/).click();
  const live = last(p, /Your quiz is live in Quiz night!/);
  await live.waitFor();
  const [, quiz] = /start=quiz_(\d+)/.exec(await live.textContent()) || [];
  mark('live');
  assert.ok(quiz, 'the deep link to the quiz');

  // --- the card in the group
  await openGroup('Ann (admin)');
  const card = await held(new RegExp(`Quiz: ${topic}`));
  assert.match(await card.locator('.text').textContent(),
               /by Ann\n\n❓ 3 questions · 15 s each\n⏳ Ends: .* UTC \(in (4|5) min\)\n👥 Players: 0/);
  const play = card.getByRole('button', { name: '▶️ Play' });
  assert.match(await play.getAttribute('data-url'), new RegExp(`\\?start=quiz_${quiz}$`));
  await card.getByRole('button', { name: '🏆 Leaderboard' }).waitFor();
  // pinned only if the bot may pin (the playground's group added it as a member)
  if (await p.locator('#pinned').isVisible())
    assert.equal(await p.locator('#pinned').getAttribute('data-id'), await card.getAttribute('data-id'));
  await b.shot(p, 'quiz-card');
  mark('card');

  // --- Bob: ▶️ Play on the card, 🚀 Start, the answers by the buttons
  await iAm(2);
  await p.locator('#chat-sub', { hasText: 'you are Bob' }).waitFor();
  await card.getByRole('button', { name: '▶️ Play' }).click();
  await p.locator('#chat-sub', { hasText: 'private chat of Bob' }).waitFor();
  await p.locator('.msg.out', { hasText: `/start quiz_${quiz}` }).waitFor();
  const intro = last(p, /One attempt: 3 questions, 15 s each/);
  await intro.getByRole('button', { name: '🚀 Start' }).click();
  await last(p, new RegExp(`${topic} · 3 questions · 15 s each`)).waitFor();
  for (let n = 1; n <= 3; n++) {
    const q = last(p, new RegExp(`Question ${n}/3`));
    const answers = q.locator('.kb-btn[data-data^="a:"]');
    await answers.first().waitFor();
    const mid = await q.getAttribute('data-id');
    const choice = answers.nth(n % (await answers.count()));
    const chosen = await choice.textContent();
    // for the README's picture only: a person's pace, not "0 s" in the ranking
    if (process.env.MM_DOCS_SHOT) await p.waitForTimeout(1500);
    await choice.click();
    const fb = p.locator(`.msg[data-id="${mid}"]`);
    await fb.locator('.text', { hasText: /✔ Answer recorded:/ }).waitFor();
    await p.locator('#toast', { hasText: '✔ Answer recorded' }).waitFor();
    const text = await fb.locator('.text').textContent();
    assert.ok(text.endsWith(`✔ Answer recorded: ${chosen}`), `question ${n}: the option chosen, no verdict`);
    assert.doesNotMatch(text, /Correct|answer was|✅|❌/, `question ${n}: no right or wrong`);
    assert.equal(await fb.locator('.kb-btn').count(), 0, `question ${n}: buttons removed`);
    if (n === 1) await b.shot(p, 'quiz-answer-recorded');
  }
  mark('answered');
  await last(p, /All done! Your answers are in\. The ranking is posted in the group when the quiz ends/).waitFor();
  assert.equal(await p.locator('.msg.in', { hasText: /Correct!|The answer was/ }).count(), 0, 'nothing judged');

  // --- Ann ends it: the results in the group
  await iAm(1);
  await openGroup('Ann (admin)');
  await say('/endquiz');
  await last(p, /Ending the quiz now/).waitFor();
  mark('endquiz');
  const results = last(p, new RegExp(`Quiz over: ${topic}\\n\\n🏆 Ranking · 1 player`));
  await results.waitFor();
  mark('results');
  assert.match(await results.locator('.text').textContent(), /\n(🥇|·) Bob — [0-3]\/3 · /);
  const sheet = last(p, /📖 The answers/);
  await sheet.waitFor();
  assert.match(await sheet.locator('.text').textContent(), /The answers\n\n1\. [\s\S]*\n✅ [\s\S]*\n3\. /);
  const spoilers = await sheet.locator('.spoiler').count();
  assert.ok(spoilers > 0 && spoilers <= 3, `the explanations under spoilers (${spoilers})`);
  // the card, edited in place: over, without ▶️ Play
  await card.locator('.text', { hasText: new RegExp(`🏁 Quiz over: ${topic}\\n👥 1 player`) }).waitFor();
  assert.equal(await card.getByRole('button', { name: '▶️ Play' }).count(), 0);
  await b.shot(p, 'quiz-results');
  if (process.env.MM_DOCS_SHOT) await docsShot(p.locator('.msg.out', { hasText: '/endquiz' }).last());
  // 🏆 under the card: the ranking in an alert
  await card.getByRole('button', { name: '🏆 Leaderboard' }).click();
  await p.locator('#alert-text', { hasText: /Bob/ }).waitFor();
  await p.locator('#alert-ok').click();

  // --- and Bob's own summary in his private chat
  await iAm(2);
  await p.locator(`.chat-item[data-chat="2"]`).click();
  await p.locator('#chat-sub', { hasText: 'private chat of Bob' }).waitFor();
  const mine = last(p, new RegExp(`🏁 ${topic} has ended\\.`));
  await mine.waitFor();
  mark("bob's summary");
  assert.match(await mine.locator('.text').textContent(),
               /has ended\.\n(You: #1 of 1 · \d\/3 correct · \+\d+ points|No correct answer this time: unranked \(of 1\)\.)\n[\s\S]*\n1\. [\s\S]*\n(✅|❌|⏰)/);
  await b.shot(p, 'quiz-summary-bob');
  // Ann again, in her group: its board now has the quiz's points (the
  // creator's +2 a player and +1 a right answer; Bob's if he had one right)
  await iAm(1);
  await openGroup('Ann (admin)');
  await say('/leaderboard');
  const board = last(p, /This group's leaderboard[\s\S]*All time\n🥇/);
  await board.waitFor();
  assert.match(await board.textContent(), /All time\n(🥇 Bob — \d+\n)?(🥇|🥈) Ann — [2-5]\n/);
  mark('board');
  t.diagnostic(marks.join(', '));
  assert.ok(Date.now() - t0 < 60000, marks.join(', '));
});

test('a phone-sized window', async () => {
  await ann.setViewportSize({ width: 390, height: 844 });
  await ann.getByRole('button', { name: 'Back to the chat list' }).click();
  await b.shot(ann, 'phone-chats');
  await ann.locator('.chat-item[data-chat="1"]').click();
  await last(ann, /Answers: 5/).waitFor();
  await b.shot(ann, 'phone');
  assert.deepEqual(b.foreign, [], 'the page asked for nothing outside the emulator');
  assert.deepEqual(b.errors, [], 'no script errors');
});

