// group-quiz-load.mjs: simulated players of one group quiz against the whole
// bot.  Hosts the Bot API emulator in this process (so presses and the bot's
// calls share one clock), adds the bot to a group (a my_chat_member update)
// and, once told the quiz's id, makes every player open the deep link
// (/start quiz_<id>), press 🚀 Start and answer each question `think` ms after
// it arrives, pressing a random option on the very message that asked it.
//
// Measured here:
//   - answers recorded per second over the burst (first press to last
//     "Answer recorded");
//   - press → recorded: from handing a press to the emulator (which posts it
//     to nginx) to the bot's editMessageText with "Answer recorded" on that
//     question message reaching the emulator; also from the start of the
//     webhook POST that carried it (the emulator's own queue left out);
//   - after SIGUSR2 (sent as the quiz's end is made due): the time to the
//     group's "Quiz over" message and to the last player's summary
//     ("… has ended").
//
//   node group-quiz-load.mjs --port P --token T --webhook URL --secret S
//        --players N --questions Q --think MS --ramp S --base ID --creator ID
//        --idfile FILE [--timeout S] [--dump FILE]
// Prints "listening <port> group <chat_id>", waits for SIGUSR1 (the quiz id
// is then in FILE), prints "answered …" when every player is done (or the
// timeout passed), waits for SIGUSR2 and the end, then prints one JSON line.

import fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { arg, startEmulator } from './load-common.mjs';

const players = Number(arg('players', 1000));
const questions = Number(arg('questions', 10));
const think = Number(arg('think', 0));
const ramp = Number(arg('ramp', 1)) * 1000;
const base = Number(arg('base', 20000000));
const creator = Number(arg('creator', 42));
const idfile = arg('idfile');
const timeout = Number(arg('timeout', 300)) * 1000;
const dump = arg('dump');       // a file for one line a press: chat message pressed posted recorded (ms)

const api = await startEmulator();
api.user({ id: creator, first_name: 'Host' });
const { chat_id: group } = api.group({ title: 'Bench night', member_ids: [creator], admin_id: creator });
console.log(`listening ${api.port} group ${group}`);

const now = () => performance.timeOrigin + performance.now();
// this process's own lag (it is both ends): a stalled loop would show as latency
const lag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();
const later = (fn) => (think > 0 ? setTimeout(fn, think) : setImmediate(fn));
const player = (id) => ({ id, first_name: `Quizzer${id - base}` });

let quiz = null;
const presses = new Map();      // "chat:message" -> {at, update_id, recorded}
const delivered = new Map();    // update_id -> start of the first webhook POST that got a 2xx
let recorded = 0, done = 0, started = 0, errors = 0, firstPress = null, lastRecorded = null;
let endAt = null, resultsAt = null, summaries = 0, lastSummaryAt = null, answeredPrinted = false;

api.events.on('delivery', (d) => {
  if (d.ok && !delivered.has(d.update_id)) delivered.set(d.update_id, d.started_ms);
});

api.events.on('call', (rec) => {
  if (rec.status !== 200) {
    errors++;
    return;
  }
  const chat = Number(rec.params.chat_id);
  const text = String(rec.params.text ?? '');
  if (rec.method === 'editMessageText') {
    const p = presses.get(`${chat}:${rec.params.message_id}`);
    if (p && p.recorded === null && text.includes('Answer recorded')) {
      p.recorded = rec.at_ms;
      lastRecorded = rec.at_ms;
      recorded++;
    }
    return;
  }
  if (rec.method !== 'sendMessage')
    return;
  if (chat === group) {
    if (resultsAt === null && text.includes('Quiz over'))
      resultsAt = rec.at_ms;
    return finishIfEnded();
  }
  const msg = rec.response && rec.response.result;
  const buttons = (rec.params.reply_markup?.inline_keyboard || []).flat();
  const answers = buttons.filter((b) => (b.callback_data || '').startsWith('a:'));
  if (answers.length) {
    const b = answers[Math.floor(Math.random() * answers.length)];
    later(() => {
      const at = now();
      firstPress ??= at;
      const r = api.callback({ user: player(chat), chat_id: chat, message_id: msg.message_id, data: b.callback_data });
      presses.set(`${chat}:${msg.message_id}`, { at, update_id: r.update_id, recorded: null });
    });
  } else if (quiz && buttons.some((b) => b.callback_data === `q:s:${quiz}`)) {
    started++;
    later(() => api.callback({ user: player(chat), chat_id: chat, message_id: msg.message_id, data: `q:s:${quiz}` }));
  } else if (text.includes('All done')) {
    if (++done === players) answered();
  } else if (text.includes('has ended')) {
    summaries++;
    lastSummaryAt = rec.at_ms;
    finishIfEnded();
  }
});

process.on('SIGUSR1', () => {
  quiz = fs.readFileSync(idfile, 'utf8').trim();
  for (let i = 0; i < players; i++)
    setTimeout(() => api.message({ user: player(base + i), text: `/start quiz_${quiz}` }), (i * ramp) / players);
  setTimeout(answered, timeout);
});

process.on('SIGUSR2', () => {
  endAt = now();
  setTimeout(() => finish(true), timeout);
  finishIfEnded();
});

function answered() {
  if (answeredPrinted)
    return;
  answeredPrinted = true;
  console.log(`answered ${recorded} of ${players * questions}, ${done} of ${players} players done`);
}

function finishIfEnded() {
  if (endAt !== null && resultsAt !== null && summaries >= started && started > 0)
    setTimeout(() => finish(false), 1000);      // a second for anything more
}

function pct(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : null;
}

let finished = false;
function finish(timedOut) {
  if (finished)
    return;
  finished = true;
  const r = (x) => (x === null || x === undefined ? null : Math.round(x * 10) / 10);
  const lat = [], wire = [];
  for (const p of presses.values()) {
    if (p.recorded === null)
      continue;
    lat.push(p.recorded - p.at);
    const d = delivered.get(p.update_id);
    if (d !== undefined)
      wire.push(p.recorded - d);
  }
  if (dump)
    fs.writeFileSync(dump, [...presses].map(([k, p]) =>
      `${k.replace(':', ' ')} ${p.at.toFixed(1)} ${delivered.get(p.update_id)?.toFixed(1) ?? '-'} ${p.recorded?.toFixed(1) ?? '-'}\n`).join(''));
  lat.sort((a, b) => a - b);
  wire.sort((a, b) => a - b);
  const secs = firstPress !== null && lastRecorded !== null ? (lastRecorded - firstPress) / 1000 : null;
  console.log(JSON.stringify({
    quiz: Number(quiz), players, questions, think_ms: think, ramp_s: ramp / 1000,
    attempts_started: started, players_done: done, presses: presses.size, recorded,
    burst_s: r(secs), answers_per_s: secs ? r(recorded / secs) : null,
    p50_ms: r(pct(lat, 50)), p90_ms: r(pct(lat, 90)), p99_ms: r(pct(lat, 99)), max_ms: r(lat[lat.length - 1]),
    post_p50_ms: r(pct(wire, 50)), post_p99_ms: r(pct(wire, 99)),
    end_to_results_ms: endAt !== null && resultsAt !== null ? r(resultsAt - endAt) : null,
    end_to_last_summary_ms: endAt !== null && lastSummaryAt !== null ? r(lastSummaryAt - endAt) : null,
    summaries, loop_lag_p99_ms: r(lag.percentile(99) / 1e6), loop_lag_max_ms: r(lag.max / 1e6),
    refused_calls: errors, webhook_failed_attempts: api.stats().failed_attempts,
    timed_out: timedOut,
  }));
  process.exit(0);
}
