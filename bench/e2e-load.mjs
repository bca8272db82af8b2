// e2e-load.mjs: simulated players against the whole bot.  Hosts the Bot API
// emulator in this process (so send and reply times share one clock); each
// player starts a maze run, answers every question `think` ms after it
// arrives, and starts a new run when one ends.  Latency is webhook-to-reply:
// from the moment a button press is handed to the emulator (which posts it
// to nginx) to the moment the bot's editMessageText with the feedback
// reaches the emulator.
//
//   node e2e-load.mjs --port P --token T --webhook URL --secret S
//                     --users N --think MS --warmup S --duration S --base ID
// Prints "listening <port>", waits for SIGUSR1, runs, prints one JSON line.

import { startBotApi } from '../worker/tests/botapi/botapi.mjs';

const arg = (name, def) => {
  const i = process.argv.indexOf('--' + name);
  return i > 0 ? process.argv[i + 1] : def;
};
const port = Number(arg('port', 0));
const token = arg('token');
const users = Number(arg('users', 100));
const think = Number(arg('think', 100));
const warmup = Number(arg('warmup', 3)) * 1000;
const duration = Number(arg('duration', 10)) * 1000;
const base = Number(arg('base', 9000000));

const api = await startBotApi({ port, token });
await fetch(`${api.apiUrl}/setWebhook`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ url: arg('webhook'), secret_token: arg('secret'), max_connections: 100 }),
});
console.log(`listening ${api.port}`);

const now = () => performance.timeOrigin + performance.now();
const pressed = new Map();      // chat id -> time the answer was handed over
const latencies = [];
let answers = 0, runs = 0, errors = 0, measuring = false, started = 0;

function player(id) {
  return { id, first_name: `Bench${id}` };
}

api.events.on('call', (rec) => {
  if (rec.status !== 200) {
    errors++;
    return;
  }
  const chat = Number(rec.params.chat_id);
  if (rec.method === 'editMessageText' && pressed.has(chat)) {
    if (measuring) {
      latencies.push(rec.at_ms - pressed.get(chat));
      answers++;
    }
    pressed.delete(chat);
    return;
  }
  if (rec.method !== 'sendMessage')
    return;
  const kb = rec.params.reply_markup && rec.params.reply_markup.inline_keyboard;
  const button = kb && kb[0] && kb[0][0] && kb[0][0].callback_data;
  const msg = rec.response && rec.response.result;
  if (button && button.startsWith('a:')) {
    setTimeout(() => {
      pressed.set(chat, now());
      api.callback({ user: player(chat), chat_id: chat, message_id: msg.message_id, data: button });
    }, think);
  } else if (/Run complete/.test(rec.params.text)) {
    runs++;
    setTimeout(() => api.message({ user: player(chat), text: '/play maze' }), think);
  }
});

process.on('SIGUSR1', () => {
  for (let i = 0; i < users; i++)
    setTimeout(() => api.message({ user: player(base + i), text: '/play maze' }), (i * 1000) / users);
  setTimeout(() => { measuring = true; started = now(); }, warmup);
  setTimeout(finish, warmup + duration);
});

function pct(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : null;
}

function finish() {
  const secs = (now() - started) / 1000;
  const sorted = latencies.slice().sort((a, b) => a - b);
  const r = (x) => (x === null ? null : Math.round(x * 10) / 10);
  console.log(JSON.stringify({
    users, think_ms: think, seconds: r(secs), answers, answers_per_s: r(answers / secs),
    p50_ms: r(pct(sorted, 50)), p90_ms: r(pct(sorted, 90)), p99_ms: r(pct(sorted, 99)),
    max_ms: r(sorted[sorted.length - 1] ?? null), runs_finished: runs, refused_calls: errors,
  }));
  process.exit(0);
}
