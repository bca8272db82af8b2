// paid-quiz-load.mjs: the players and the groups of many paid group quizzes
// at once, for bench/paid-quiz.pl.  Hosts the Bot API emulator in this
// process (its /_ctl endpoints too: the Perl side makes the users, the groups
// and the creators' wallets through them), so presses and the bot's calls
// share one clock.
//
// On SIGUSR1 it reads the plan (--plan FILE, JSON: [{quiz, group, right:
// [option text, …], players: [id, …]}, …]) and every player plays its
// quizzes one after another: /start quiz_<id>, 🚀 Start, then on each
// question the button whose text is one of that quiz's right options (so
// every player is eligible for a prize).  It prints "answered <n> of <m>"
// when every attempt is done (or --timeout passed).
//
// From then on it keeps, per group, when the bot sent the results ("Quiz
// over") and when it last edited them; per player, the summaries ("… has
// ended") and the prize messages ("You won").  On SIGHUP it prints one JSON
// line with those absolute times (epoch ms; the Perl side measures them from
// the end it made due) and starts a new round.
//
//   node paid-quiz-load.mjs --port P --token T --webhook URL --secret S --plan FILE [--timeout S]
// Prints "listening <port>" when ready.

import fs from 'node:fs';
import { arg, startEmulator } from './load-common.mjs';

const planFile = arg('plan');
const timeout = Number(arg('timeout', 300)) * 1000;

const api = await startEmulator();
console.log(`listening ${api.port}`);

const user = (id) => ({ id, first_name: `Player${id}` });

let plan = [];
const byQuiz = new Map();        // quiz id -> plan item
const queue = new Map();         // player -> [plan item, …] still to play
const current = new Map();       // player -> the plan item being played
let attempts = 0, done = 0, answered = false, timer = null;
let round = null;

function newRound() {
  round = { results: {}, results_sent: {}, last_edit: {}, all_paid: {}, failed_marks: 0, summaries: 0,
            summaries_by_player: {}, last_summary_ms: null, won: 0, last_won_ms: null, refused: 0,
            refused_methods: {} };
}
newRound();

function next(player) {
  const q = (queue.get(player) || []).shift();
  if (!q) {
    current.delete(player);
    return;
  }
  current.set(player, q);
  api.message({ user: user(player), text: `/start quiz_${q.quiz}` });
}

function allDone() {
  if (answered) return;
  answered = true;
  clearTimeout(timer);
  console.log(`answered ${done} of ${attempts}`);
}

api.events.on('call', (rec) => {
  if (rec.status !== 200) {
    round.refused++;
    round.refused_methods[rec.method] = (round.refused_methods[rec.method] || 0) + 1;
    return;
  }
  const chat = Number(rec.params.chat_id);
  const text = String(rec.params.text ?? '');
  if (chat < 0) {          // a group
    if (!text.includes('Quiz over')) return;
    if (rec.method === 'sendMessage') {
      round.results[chat] ??= rec.at_ms;
      round.results_sent[chat] = (round.results_sent[chat] || 0) + 1;
    } else if (rec.method === 'editMessageText' && text.includes('Prizes')) {
      round.last_edit[chat] = rec.at_ms;
      if (!text.includes('⏳')) round.all_paid[chat] ??= rec.at_ms;
      if (text.includes('⚠️')) round.failed_marks++;
    }
    return;
  }
  if (rec.method !== 'sendMessage') return;
  if (text.includes('has ended')) {
    round.summaries++;
    round.summaries_by_player[chat] = (round.summaries_by_player[chat] || 0) + 1;
    round.last_summary_ms = rec.at_ms;
    return;
  }
  if (text.includes('You won')) {
    round.won++;
    round.last_won_ms = rec.at_ms;
    return;
  }
  const q = current.get(chat);
  if (!q) return;
  const msg = rec.response && rec.response.result;
  const buttons = (rec.params.reply_markup?.inline_keyboard || []).flat();
  const answers = buttons.filter((b) => (b.callback_data || '').startsWith('a:'));
  if (answers.length) {
    const b = answers.find((x) => q.right.includes(x.text)) || answers[0];
    setImmediate(() => api.callback({ user: user(chat), chat_id: chat, message_id: msg.message_id, data: b.callback_data }));
  } else if (buttons.some((b) => b.callback_data === `q:s:${q.quiz}`)) {
    setImmediate(() => api.callback({ user: user(chat), chat_id: chat, message_id: msg.message_id, data: `q:s:${q.quiz}` }));
  } else if (text.includes('All done')) {
    if (++done === attempts) allDone();
    next(chat);
  }
});

process.on('SIGUSR1', () => {
  plan = JSON.parse(fs.readFileSync(planFile, 'utf8'));
  queue.clear();
  attempts = done = 0;
  answered = false;
  for (const q of plan) {
    byQuiz.set(q.quiz, q);
    for (const p of q.players) {
      if (!queue.has(p)) queue.set(p, []);
      queue.get(p).push(q);
      attempts++;
    }
  }
  timer = setTimeout(allDone, timeout);
  for (const p of queue.keys()) next(p);
});

process.on('SIGHUP', () => {
  console.log(JSON.stringify({ ...round, webhook_failed_attempts: api.stats().failed_attempts }));
  newRound();
});
process.on('SIGTERM', () => process.exit(0));
