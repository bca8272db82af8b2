// Self tests of the Bot API emulator: node --test worker/tests/botapi/selftest.mjs
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startBotApi, parseHtml } from './botapi.mjs';

const TOKEN = '123456:TEST-token_x';
let api;

async function call(method, params = {}, { token = TOKEN, mode = 'json', httpMethod = 'POST' } = {}) {
  const url = new URL(`${api.url}/bot${token}/${method}`);
  const init = { method: httpMethod, headers: {} };
  if (mode === 'json') {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(params);
  } else {
    const enc = Object.entries(params).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)]);
    if (mode === 'form') {
      init.headers['content-type'] = 'application/x-www-form-urlencoded';
      init.body = new URLSearchParams(enc).toString();
    } else {
      for (const [k, v] of enc) url.searchParams.set(k, v);
      init.method = 'GET';
    }
  }
  const res = await fetch(url, init);
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body };
}

async function ctl(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(`${api.url}/_ctl/${path}`, init);
  return { status: res.status, body: await res.json() };
}

const ok = (r) => {
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.ok, true);
  return r.body.result;
};
const fails = (r, status, description) => {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.equal(r.body.ok, false);
  assert.equal(r.body.error_code, status);
  if (description instanceof RegExp) assert.match(r.body.description, description);
  else if (description !== undefined) assert.equal(r.body.description, description);
};
const USER = { id: 555, first_name: 'Alice', username: 'alice' };
const kb = (data) => ({ inline_keyboard: [[{ text: 'btn', callback_data: data }]] });

before(async () => {
  api = await startBotApi({ token: TOKEN });
});
after(async () => {
  await api.close();
});
beforeEach(() => api.reset());

test('envelope, getMe, 401, 404, case-insensitive methods, form and query params', async () => {
  const me = ok(await call('getMe'));
  assert.deepEqual(me, { id: 7000000001, is_bot: true, first_name: 'Mental Maze Test', username: 'mm_test_bot' });
  ok(await call('GETME', {}, { mode: 'query' }));
  fails(await call('getMe', {}, { token: '1:wrong' }), 401, 'Unauthorized');
  fails(await call('noSuchMethod'), 404, 'Not Found');
  const m1 = ok(await call('sendMessage', { chat_id: 42, text: 'form', reply_markup: kb('a') }, { mode: 'form' }));
  assert.equal(m1.message_id, 1);
  assert.deepEqual(m1.reply_markup, kb('a'));
  const m2 = ok(await call('sendmessage', { chat_id: 42, text: 'query' }, { mode: 'query' }));
  assert.equal(m2.message_id, 2);
  assert.equal(m2.chat.type, 'private');
  const g = ok(await call('sendMessage', { chat_id: -1001, text: 'grp' }));
  assert.equal(g.message_id, 1);
  assert.equal(g.chat.type, 'supergroup');
  assert.deepEqual(g.from, me);
  assert.equal(typeof g.date, 'number');
  // every call recorded, including failures, with canonical method names
  const calls = api.calls;
  assert.equal(calls.length, 7);
  assert.deepEqual(calls.map((c) => c.method), ['getMe', 'getMe', 'getMe', 'noSuchMethod', 'sendMessage', 'sendMessage', 'sendMessage']);
  assert.equal(calls[2].status, 401);
  assert.equal(calls[4].params.chat_id, '42');
  assert.deepEqual(calls[4].params.reply_markup, kb('a'));
  assert.ok(calls[0].at_ms > 1e12);
  assert.deepEqual(calls.map((c) => c.seq), [1, 2, 3, 4, 5, 6, 7]);
});

test('sendMessage validation', async () => {
  fails(await call('sendMessage', { text: 'x' }), 400, 'Bad Request: chat_id is empty');
  fails(await call('sendMessage', { chat_id: 1 }), 400, 'Bad Request: message text is empty');
  fails(await call('sendMessage', { chat_id: 1, text: '' }), 400, 'Bad Request: message text is empty');
  fails(await call('sendMessage', { chat_id: 1, text: 'x'.repeat(4097) }), 400, 'Bad Request: message is too long');
  ok(await call('sendMessage', { chat_id: 1, text: 'x'.repeat(4096) }));
  ok(await call('sendMessage', { chat_id: 1, text: '😀'.repeat(4096) }));
  // limit counts the text after entity parsing
  ok(await call('sendMessage', { chat_id: 1, parse_mode: 'HTML', text: '<b>' + 'y'.repeat(4096) + '</b>' }));
  ok(await call('sendMessage', { chat_id: 1, parse_mode: 'HTML', text: '&lt;'.repeat(4096) }));
  fails(await call('sendMessage', { chat_id: 1, parse_mode: 'HTML', text: '&amp;'.repeat(4097) }), 400, 'Bad Request: message is too long');
  fails(await call('sendMessage', { chat_id: 1, parse_mode: 'HTML', text: '<b></b>' }), 400, 'Bad Request: message text is empty');
  const bad = [
    'a <foo>b</foo>', 'x < y', 'a & b', 'a &nbsp; b', '<b>open', 'close</b>', '<b>x</i>', '<b>x<i>y</b></i>',
    '<span>x</span>', '<b', '<a href="x>y',
  ];
  for (const text of bad)
    fails(await call('sendMessage', { chat_id: 1, parse_mode: 'HTML', text }), 400, /^Bad Request: can't parse entities: /);
  const m = ok(
    await call('sendMessage', {
      chat_id: 1, parse_mode: 'html',
      text: '<b>bold</b> <i>it</i> <a href="https://x.y/?a=1&amp;b=2">link</a> <tg-spoiler>s</tg-spoiler> ' +
        '<span class="tg-spoiler">s2</span> <code>c</code> <pre><code class="language-c">int x;</code></pre> ' +
        '<blockquote expandable>q</blockquote> &quot;&#65;&#x42;&gt; <u>u</u><s>s</s><del>d</del><ins>i</ins><em>e</em><strong>st</strong>',
    }),
  );
  assert.ok(m.text.startsWith('bold it link s s2 c int x; q "AB> '));
  const types = m.entities.map((e) => e.type);
  for (const t of ['bold', 'italic', 'text_link', 'spoiler', 'code', 'pre', 'expandable_blockquote', 'underline', 'strikethrough'])
    assert.ok(types.includes(t), t);
  assert.equal(m.entities.find((e) => e.type === 'text_link').url, 'https://x.y/?a=1&b=2');
  assert.equal(m.entities.find((e) => e.type === 'pre').language, 'c');
  assert.deepEqual(parseHtml('😀<b>x</b>').entities, [{ type: 'bold', offset: 2, length: 1 }]);
  fails(await call('sendMessage', { chat_id: 1, text: 'x', parse_mode: 'Foo' }), 400, 'Bad Request: unsupported parse_mode');
  fails(await call('sendMessage', { chat_id: 1, text: 'a.b', parse_mode: 'MarkdownV2' }), 400, /can't parse entities: Character '\.' is reserved/);
  ok(await call('sendMessage', { chat_id: 1, text: '*a* b\\.c', parse_mode: 'MarkdownV2' }));
  // keyboards
  ok(await call('sendMessage', { chat_id: 1, text: 'k', reply_markup: kb('d'.repeat(64)) }));
  fails(await call('sendMessage', { chat_id: 1, text: 'k', reply_markup: kb('d'.repeat(65)) }), 400, 'Bad Request: BUTTON_DATA_INVALID');
  fails(await call('sendMessage', { chat_id: 1, text: 'k', reply_markup: kb('é'.repeat(33)) }), 400, 'Bad Request: BUTTON_DATA_INVALID');
  fails(await call('sendMessage', { chat_id: 1, text: 'k', reply_markup: kb('') }), 400, 'Bad Request: BUTTON_DATA_INVALID');
  fails(await call('sendMessage', { chat_id: 1, text: 'k', reply_markup: { inline_keyboard: [[{ text: 'plain' }]] } }), 400,
    'Bad Request: text buttons are unallowed in the inline keyboard');
  fails(await call('sendMessage', { chat_id: 1, text: 'k', reply_markup: { inline_keyboard: [[{ text: 'two', url: 'https://a.b', callback_data: 'x' }]] } }), 400);
  fails(await call('sendMessage', { chat_id: 1, text: 'k', reply_markup: { inline_keyboard: [{ text: 'x', callback_data: 'y' }] } }), 400);
  const u = ok(await call('sendMessage', { chat_id: 1, text: 'k', reply_markup: { inline_keyboard: [[{ text: 'u', url: 'https://example.org' }]] } }));
  assert.equal(u.reply_markup.inline_keyboard[0][0].url, 'https://example.org');
  const r = ok(await call('sendMessage', { chat_id: 1, text: 'k', reply_markup: { remove_keyboard: true } }));
  assert.equal(r.reply_markup, undefined);
  ok(await call('sendMessage', { chat_id: 1, text: 'k', reply_markup: { force_reply: true } }));
  ok(await call('sendMessage', { chat_id: 1, text: 'k', reply_markup: { keyboard: [['a', { text: 'b' }]] } }));
});

test('edit: not found, not modified, modified; editMessageReplyMarkup; deleteMessage', async () => {
  const m = ok(await call('sendMessage', { chat_id: 7, text: 'hello', reply_markup: kb('a') }));
  fails(await call('editMessageText', { chat_id: 7, message_id: 99, text: 'x' }), 400, 'Bad Request: message to edit not found');
  fails(await call('editMessageText', { chat_id: 8, message_id: m.message_id, text: 'x' }), 400, 'Bad Request: message to edit not found');
  fails(
    await call('editMessageText', { chat_id: 7, message_id: m.message_id, text: 'hello', reply_markup: kb('a') }),
    400,
    'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
  );
  // same text, different markup -> fine
  const e1 = ok(await call('editMessageText', { chat_id: 7, message_id: m.message_id, text: 'hello', reply_markup: kb('b') }));
  assert.equal(e1.message_id, m.message_id);
  assert.deepEqual(e1.reply_markup, kb('b'));
  assert.equal(typeof e1.edit_date, 'number');
  // HTML producing identical text+entities is "not modified"
  const e2 = ok(await call('editMessageText', { chat_id: 7, message_id: m.message_id, text: '<b>hello</b>', parse_mode: 'HTML', reply_markup: kb('b') }));
  assert.deepEqual(e2.entities, [{ type: 'bold', offset: 0, length: 5 }]);
  fails(await call('editMessageText', { chat_id: 7, message_id: m.message_id, text: '<b>hello</b>', parse_mode: 'HTML', reply_markup: kb('b') }), 400, /not modified/);
  fails(await call('editMessageText', { chat_id: 7, message_id: m.message_id, text: '<b>x', parse_mode: 'HTML' }), 400, /can't parse entities/);
  fails(await call('editMessageReplyMarkup', { chat_id: 7, message_id: m.message_id, reply_markup: kb('b') }), 400, /not modified/);
  const e3 = ok(await call('editMessageReplyMarkup', { chat_id: 7, message_id: m.message_id, reply_markup: kb('c') }));
  assert.deepEqual(e3.reply_markup, kb('c'));
  assert.equal(e3.text, 'hello');
  // editMessageText without reply_markup, or with an empty one, removes the inline keyboard
  const e4 = ok(await call('editMessageText', { chat_id: 7, message_id: m.message_id, text: 'bye', reply_markup: { inline_keyboard: [] } }));
  assert.equal(e4.reply_markup, undefined);
  fails(await call('editMessageText', { chat_id: 7, message_id: m.message_id, text: 'bye' }), 400, /not modified/);
  // empty rows are dropped
  const e5 = ok(await call('editMessageReplyMarkup', { chat_id: 7, message_id: m.message_id, reply_markup: { inline_keyboard: [[], [{ text: 'btn', callback_data: 'z' }], []] } }));
  assert.deepEqual(e5.reply_markup, kb('z'));
  ok(await call('editMessageText', { chat_id: 7, message_id: m.message_id, text: 'bye' }));
  const msgs = (await ctl('GET', 'messages?chat_id=7')).body.messages;
  assert.equal(msgs.length, 1);
  assert.equal(msgs[0].text, 'bye');
  // the recorded response of the first send was not mutated by the edits
  assert.equal(api.query({ method: 'sendMessage' })[0].response.result.text, 'hello');
  const m2 = ok(await call('sendMessage', { chat_id: 7, text: 'two' }));
  assert.equal(m2.message_id, 2);
  assert.equal(ok(await call('deleteMessage', { chat_id: 7, message_id: 1 })), true);
  fails(await call('deleteMessage', { chat_id: 7, message_id: 1 }), 400, 'Bad Request: message to delete not found');
  fails(await call('editMessageText', { chat_id: 7, message_id: 1, text: 'z' }), 400, 'Bad Request: message to edit not found');
  assert.deepEqual((await ctl('GET', 'messages?chat_id=7')).body.messages.map((x) => x.text), ['two']);
});

test('callback queries are answered once', async () => {
  const m = ok(await call('sendMessage', { chat_id: USER.id, text: 'pick', reply_markup: kb('go') }));
  ok(await call('editMessageText', { chat_id: USER.id, message_id: m.message_id, text: 'pick!', reply_markup: kb('go2') }));
  const r = await ctl('POST', 'callback', { user: USER, chat_id: USER.id, message_id: m.message_id, data: 'go2' });
  assert.equal(r.status, 200);
  assert.equal(typeof r.body.callback_query_id, 'string');
  assert.equal(r.body.update_id, 100000001);
  const [upd] = ok(await call('getUpdates', {}));
  const q = upd.callback_query;
  assert.equal(q.id, r.body.callback_query_id);
  assert.equal(q.data, 'go2');
  assert.equal(q.from.id, USER.id);
  assert.equal(q.message.text, 'pick!'); // message as currently edited
  assert.deepEqual(q.message.reply_markup, kb('go2'));
  assert.equal(typeof q.chat_instance, 'string');
  fails(await call('answerCallbackQuery', { callback_query_id: q.id, text: 'x'.repeat(201) }), 400);
  assert.equal(ok(await call('answerCallbackQuery', { callback_query_id: q.id, text: 'ok' })), true);
  const tooOld = 'Bad Request: query is too old and response timeout expired or query ID is invalid';
  fails(await call('answerCallbackQuery', { callback_query_id: q.id }), 400, tooOld);
  fails(await call('answerCallbackQuery', { callback_query_id: '12345' }), 400, tooOld);
  fails(await call('answerCallbackQuery', {}), 400, tooOld);
  // answerCallbackQuery calls are attributed to the chat of the query
  assert.equal(api.query({ method: 'answercallbackquery', chat_id: USER.id }).length, 3);
  assert.equal((await ctl('POST', 'callback', { user: USER, chat_id: USER.id, message_id: 99, data: 'x' })).status, 400);
  const r2 = await ctl('POST', 'callback', { user: USER, message_id: m.message_id, data: 'nope', strict: true });
  assert.equal(r2.status, 400);
  // a raw callback_query injected via /_ctl/update (twice, as a redelivery) can be answered once
  const raw = { update_id: 777, callback_query: { id: 'dup-1', from: USER, chat_instance: 'x', data: 'go2', message: m } };
  await ctl('POST', 'update', { update: raw });
  await ctl('POST', 'update', { update: raw });
  assert.equal(ok(await call('answerCallbackQuery', { callback_query_id: 'dup-1' })), true);
  fails(await call('answerCallbackQuery', { callback_query_id: 'dup-1' }), 400, tooOld);
});

test('sendPoll validation, poll answers, stopPoll', async () => {
  const base = { chat_id: -100, question: 'Q?', options: ['a', 'b', 'c'] };
  const wrong = 'Bad Request: wrong correct option ID specified';
  fails(await call('sendPoll', { ...base, type: 'quiz' }), 400, wrong);
  fails(await call('sendPoll', { ...base, type: 'quiz', correct_option_ids: [] }), 400, wrong);
  fails(await call('sendPoll', { ...base, type: 'quiz', correct_option_ids: [3] }), 400, wrong);
  fails(await call('sendPoll', { ...base, type: 'quiz', correct_option_ids: [-1] }), 400, wrong);
  fails(await call('sendPoll', { ...base, type: 'quiz', correct_option_ids: [1, 1] }), 400, wrong);
  fails(await call('sendPoll', { ...base, type: 'quiz', correct_option_ids: [2, 1] }), 400, wrong);
  fails(await call('sendPoll', { ...base, options: ['a'] }), 400);
  fails(await call('sendPoll', { ...base, options: Array.from({ length: 13 }, (_, i) => 'o' + i) }), 400);
  fails(await call('sendPoll', { ...base, options: ['a', 'x'.repeat(101)] }), 400);
  fails(await call('sendPoll', { ...base, options: ['a', ''] }), 400);
  fails(await call('sendPoll', { ...base, question: '' }), 400);
  fails(await call('sendPoll', { ...base, question: 'q'.repeat(301) }), 400);
  fails(await call('sendPoll', { ...base, open_period: 4 }), 400);
  fails(await call('sendPoll', { ...base, open_period: 2628001 }), 400);
  fails(await call('sendPoll', { ...base, type: 'quiz', correct_option_ids: [0], explanation: 'e'.repeat(201) }), 400);
  fails(await call('sendPoll', { ...base, type: 'weird' }), 400);
  fails(await call('sendPoll', { ...base, chat_id: undefined }), 400, 'Bad Request: chat_id is empty');

  const m = ok(
    await call('sendPoll', {
      ...base, options: ['a', { text: 'b' }, 'c'], type: 'quiz', correct_option_ids: [0, 2], is_anonymous: false,
      explanation: 'because', open_period: 30,
    }),
  );
  const p = m.poll;
  assert.equal(typeof p.id, 'string');
  assert.equal(p.question, 'Q?');
  assert.deepEqual(p.options, [{ text: 'a', voter_count: 0 }, { text: 'b', voter_count: 0 }, { text: 'c', voter_count: 0 }]);
  assert.equal(p.total_voter_count, 0);
  assert.equal(p.is_closed, false);
  assert.equal(p.is_anonymous, false);
  assert.equal(p.type, 'quiz');
  assert.equal(p.allows_multiple_answers, false);
  assert.deepEqual(p.correct_option_ids, [0, 2]);
  assert.equal(p.open_period, 30);
  assert.equal(m.chat.type, 'supergroup');
  // form-encoded options / correct_option_ids are JSON strings
  const m2 = ok(await call('sendPoll', { chat_id: -100, question: 'Q2', options: ['x', 'y'], type: 'quiz', correct_option_ids: [1] }, { mode: 'form' }));
  assert.notEqual(m2.poll.id, p.id);
  assert.equal(m2.poll.is_anonymous, true);
  const reg = ok(await call('sendPoll', { chat_id: -100, question: 'R', options: ['x', 'y'] }));
  assert.equal(reg.poll.type, 'regular');

  const a = await ctl('POST', 'poll_answer', { user: USER, poll_id: p.id, option_ids: [2] });
  assert.equal(a.status, 200);
  const [upd] = ok(await call('getUpdates'));
  assert.equal(upd.update_id, a.body.update_id);
  assert.deepEqual(upd.poll_answer, { poll_id: p.id, user: upd.poll_answer.user, option_ids: [2] });
  assert.equal(upd.poll_answer.user.id, USER.id);
  assert.equal((await ctl('POST', 'poll_answer', { user: USER, poll_id: 'nope', option_ids: [0] })).status, 400);

  const stopped = ok(await call('stopPoll', { chat_id: -100, message_id: m.message_id }));
  assert.equal(stopped.is_closed, true);
  assert.equal(stopped.id, p.id);
  assert.equal(stopped.total_voter_count, 1);
  assert.equal(stopped.options[2].voter_count, 1);
  fails(await call('stopPoll', { chat_id: -100, message_id: m.message_id }), 400, 'Bad Request: poll has already been closed');
  fails(await call('stopPoll', { chat_id: -100, message_id: 999 }), 400);
});

test('getChatAdministrators defaults and control', async () => {
  fails(await call('getChatAdministrators', { chat_id: 5 }), 400, 'Bad Request: there are no administrators in the private chat');
  assert.deepEqual(ok(await call('getChatAdministrators', { chat_id: -100 })), []);
  assert.equal((await ctl('POST', 'admins', { chat_id: -100, user_ids: [11, 12], creator_id: 10 })).status, 200);
  const admins = ok(await call('getChatAdministrators', { chat_id: -100 }));
  assert.deepEqual(admins.map((a) => [a.status, a.user.id]), [['creator', 10], ['administrator', 11], ['administrator', 12]]);
});

test('getUpdates: offset, long polling wake-up, conflicts, webhook 409', async () => {
  for (let i = 0; i < 3; i++) await ctl('POST', 'message', { user: USER, text: i === 0 ? '/start@mm_test_bot arg' : 'hi ' + i });
  let ups = ok(await call('getUpdates', { timeout: 0 }));
  assert.deepEqual(ups.map((u) => u.update_id), [100000001, 100000002, 100000003]);
  const msg = ups[0].message;
  assert.equal(msg.text, '/start@mm_test_bot arg');
  assert.deepEqual(msg.entities, [{ offset: 0, length: 18, type: 'bot_command' }]);
  assert.equal(msg.chat.id, USER.id);
  assert.equal(msg.chat.type, 'private');
  assert.equal(msg.from.username, 'alice');
  assert.deepEqual(ups.map((u) => u.message.message_id), [1, 2, 3]);
  assert.equal(ups[1].message.entities, undefined);
  // unconfirmed updates are returned again; limit respected
  ups = ok(await call('getUpdates', { limit: 2 }));
  assert.deepEqual(ups.map((u) => u.update_id), [100000001, 100000002]);
  ups = ok(await call('getUpdates', { offset: 100000003 }));
  assert.deepEqual(ups.map((u) => u.update_id), [100000003]);
  ups = ok(await call('getUpdates', { offset: 100000004, timeout: 0 }));
  assert.deepEqual(ups, []);

  // long poll answered as soon as an update arrives
  const t0 = Date.now();
  const pending = call('getUpdates', { offset: 100000004, timeout: 5 });
  await new Promise((r) => setTimeout(r, 150));
  await ctl('POST', 'message', { user: USER, chat: { id: -1005, type: 'supergroup', title: 'G' }, text: 'wake' });
  ups = ok(await pending);
  const dt = Date.now() - t0;
  assert.ok(dt >= 140 && dt < 2000, `woke after ${dt} ms`);
  assert.equal(ups.length, 1);
  assert.equal(ups[0].message.text, 'wake');
  assert.equal(ups[0].message.chat.type, 'supergroup');
  assert.equal(ups[0].message.chat.title, 'G');

  // long poll times out with []
  const t1 = Date.now();
  assert.deepEqual(ok(await call('getUpdates', { offset: 100000005, timeout: 0.3 })), []);
  assert.ok(Date.now() - t1 >= 250);

  // a second getUpdates terminates the first
  const first = call('getUpdates', { offset: 100000005, timeout: 5 });
  await new Promise((r) => setTimeout(r, 100));
  const second = call('getUpdates', { offset: 100000005, timeout: 0.2 });
  fails(await first, 409, 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running');
  assert.deepEqual(ok(await second), []);

  // duplicate update_id injection (redelivery) is seen again
  await ctl('POST', 'update', { update: { update_id: 100000004, message: { message_id: 9, chat: { id: 1, type: 'private' }, date: 1, text: 'dup' } } });
  ups = ok(await call('getUpdates', { offset: 100000005 }));
  assert.deepEqual(ups.map((u) => [u.update_id, u.message.text]), [[100000004, 'dup']]);
  ups = ok(await call('getUpdates', { offset: 100000005 }));
  assert.deepEqual(ups, []);

  // webhook set -> 409
  ok(await call('setWebhook', { url: 'http://127.0.0.1:9/hook' }));
  fails(
    await call('getUpdates', {}),
    409,
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
  );
  const info = ok(await call('getWebhookInfo'));
  assert.equal(info.url, 'http://127.0.0.1:9/hook');
  assert.equal(info.has_custom_certificate, false);
  assert.equal(typeof info.pending_update_count, 'number');
  ok(await call('deleteWebhook', { drop_pending_updates: true }));
  assert.deepEqual(ok(await call('getUpdates', {})), []);
  assert.equal(ok(await call('getWebhookInfo')).url, '');
});

test('setWebhook validation', async () => {
  fails(await call('setWebhook', { url: 'http://127.0.0.1:9/h', secret_token: 'bad secret!' }), 400, 'Bad Request: secret token contains unallowed characters');
  fails(await call('setWebhook', { url: 'http://127.0.0.1:9/h', secret_token: 'x'.repeat(257) }), 400, 'Bad Request: secret token contains unallowed characters');
  fails(await call('setWebhook', { url: 'http://example.com/h' }), 400, /bad webhook/);
  fails(await call('setWebhook', { url: 'ftp://127.0.0.1/h' }), 400, /bad webhook/);
  fails(await call('setWebhook', { url: 'http://127.0.0.1:9/h', max_connections: 0 }), 400);
  const r = await call('setWebhook', { url: 'http://127.0.0.1:9/h', secret_token: 'Ab_9-z', max_connections: 3, allowed_updates: ['message'] });
  ok(r);
  assert.equal(r.body.description, 'Webhook was set');
  const info = ok(await call('getWebhookInfo'));
  assert.equal(info.max_connections, 3);
  assert.deepEqual(info.allowed_updates, ['message']);
  ok(await call('setWebhook', { url: '' }));
  assert.equal(ok(await call('getWebhookInfo')).url, '');
});

test('webhook delivery: secret header, per-chat ordering, concurrency, retry after 500', async () => {
  const received = [];
  const active = new Map();
  let maxGlobal = 0;
  let globalActive = 0;
  let failedOnce = false;
  let failedAt = 0;
  let retriedAt = 0;
  const receiver = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const upd = JSON.parse(Buffer.concat(chunks).toString());
      const chat = String(upd.message ? upd.message.chat.id : upd.callback_query.message.chat.id);
      assert.equal(req.headers['x-telegram-bot-api-secret-token'], 'S3cret_-x');
      assert.match(req.headers['content-type'], /application\/json/);
      const n = (active.get(chat) || 0) + 1;
      active.set(chat, n);
      globalActive++;
      maxGlobal = Math.max(maxGlobal, globalActive);
      const perChatViolation = n > 1;
      setTimeout(() => {
        active.set(chat, active.get(chat) - 1);
        globalActive--;
        if (upd.message && upd.message.text === 'c2-m3' && !failedOnce) {
          failedOnce = true;
          failedAt = Date.now();
          res.writeHead(500);
          res.end('boom');
          return;
        }
        if (upd.message && upd.message.text === 'c2-m3') retriedAt = Date.now();
        received.push({ chat, id: upd.update_id, text: upd.message && upd.message.text, perChatViolation });
        res.writeHead(200);
        res.end();
      }, 5 + Math.floor(Math.random() * 15));
    });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  const hook = `http://127.0.0.1:${receiver.address().port}/tg/hook`;
  try {
    // updates queued before the webhook is set are delivered too
    await ctl('POST', 'message', { user: { id: 1, first_name: 'one' }, text: 'c1-m0' });
    ok(await call('setWebhook', { url: hook, secret_token: 'S3cret_-x', max_connections: 8 }));
    const expected = { 1: ['c1-m0'], 2: [], 3: [] };
    for (let i = 1; i <= 8; i++)
      for (const c of [1, 2, 3]) {
        const text = `c${c}-m${i}`;
        expected[c].push(text);
        await ctl('POST', 'message', { user: { id: c, first_name: 'u' + c }, text });
      }
    const total = 25;
    const deadline = Date.now() + 10000;
    while (received.length < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(received.length, total);
    for (const c of [1, 2, 3])
      assert.deepEqual(received.filter((r) => r.chat === String(c)).map((r) => r.text), expected[c], `chat ${c} order`);
    assert.ok(received.every((r) => !r.perChatViolation), 'one request at a time per chat');
    assert.ok(maxGlobal > 1 && maxGlobal <= 3, `concurrency ${maxGlobal}`);
    assert.ok(failedOnce && retriedAt - failedAt >= 150, `retried after ${retriedAt - failedAt} ms`);
    const info = ok(await call('getWebhookInfo'));
    assert.equal(info.pending_update_count, 0);
    assert.match(info.last_error_message, /500/);
    assert.equal(typeof info.last_error_date, 'number');
    const st = (await ctl('GET', 'webhook')).body;
    assert.equal(st.delivered, total);
    assert.equal(st.pending, 0);
    assert.ok(st.failed_attempts >= 1);
  } finally {
    ok(await call('deleteWebhook'));
    await new Promise((r) => receiver.close(r));
  }
});

test('webhook: connection refused is retried and never crashes; response-body method is executed', async () => {
  const srv = http.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const port = srv.address().port;
  await new Promise((r) => srv.close(r));
  ok(await call('setWebhook', { url: `http://127.0.0.1:${port}/x` }));
  await ctl('POST', 'message', { user: USER, text: 'lost' });
  await new Promise((r) => setTimeout(r, 400));
  const info = ok(await call('getWebhookInfo'));
  assert.equal(info.pending_update_count, 1);
  assert.equal(info.last_error_message, 'Connection refused');
  // now a receiver appears on that port and answers with a method call
  const got = [];
  const rcv = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      got.push(1);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: 'sendMessage', chat_id: USER.id, text: 'from webhook reply' }));
    });
  });
  await new Promise((r) => rcv.listen(port, '127.0.0.1', r));
  try {
    const w = await api.waitFor({ method: 'sendMessage', chat_id: USER.id, timeout_ms: 5000 });
    assert.equal(w.timedOut, false);
    assert.equal(w.calls[0].via, 'webhook_response');
    assert.equal(w.calls[0].response.result.text, 'from webhook reply');
    assert.equal(got.length, 1);
  } finally {
    ok(await call('deleteWebhook'));
    await new Promise((r) => rcv.close(r));
  }
});

test('webhook: max_connections limit, duplicate update_id redelivered, reset mid-flight', async () => {
  let active = 0;
  let maxActive = 0;
  const ids = [];
  const holds = [];
  let hold = false;
  const rcv = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      active++;
      maxActive = Math.max(maxActive, active);
      const done = () => {
        active--;
        ids.push(JSON.parse(Buffer.concat(chunks).toString()).update_id);
        res.end();
      };
      if (hold) holds.push(done);
      else setTimeout(done, 10);
    });
  });
  await new Promise((r) => rcv.listen(0, '127.0.0.1', r));
  try {
    ok(await call('setWebhook', { url: `http://127.0.0.1:${rcv.address().port}/`, max_connections: 2 }));
    for (let c = 1; c <= 6; c++) api.message({ user: { id: c, first_name: 'u' }, text: 'x' });
    const u = { update_id: 100000003, message: { message_id: 50, chat: { id: 99, type: 'private' }, date: 1, text: 'dup' } };
    api.inject(structuredClone(u));
    api.inject(structuredClone(u));
    const deadline = Date.now() + 5000;
    while (ids.length < 8 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(ids.length, 8);
    assert.equal(maxActive, 2);
    assert.equal(ids.filter((x) => x === 100000003).length, 3, 'explicit duplicate delivered twice plus the original');
    // reset while a delivery is in flight must not corrupt the new state
    hold = true;
    api.message({ user: { id: 1, first_name: 'u' }, text: 'held' });
    while (!holds.length) await new Promise((r) => setTimeout(r, 5));
    api.reset();
    holds.shift()();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(api.stats().pending_updates, 0);
    assert.equal(api.webhook().delivered, 0);
    api.message({ user: USER, text: 'after reset' });
    assert.equal(api.stats().pending_updates, 1);
    assert.deepEqual(ok(await call('getUpdates')).map((x) => x.message.text), ['after reset']);
  } finally {
    await call('deleteWebhook');
    await new Promise((r) => rcv.close(r));
  }
});

test('faults: 429 with retry_after, 500, raw 502 body, delay, description; failed calls have no effect', async () => {
  const r = await ctl('POST', 'faults', {
    method: 'sendMessage', chat_id: 9,
    responses: [{ status: 429, retry_after: 2 }, { status: 500 }, { status: 502, body: '<html>bad gateway</html>' }, { status: 400, description: 'Bad Request: custom' }, { delay_ms: 300 }],
  });
  assert.equal(r.status, 200);
  // other chats / methods are not affected
  ok(await call('sendMessage', { chat_id: 10, text: 'other' }));
  ok(await call('getMe'));
  const r429 = await call('sendMessage', { chat_id: 9, text: 'a' });
  assert.deepEqual(r429, {
    status: 429,
    body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 2', parameters: { retry_after: 2 } },
  });
  fails(await call('sendMessage', { chat_id: 9, text: 'a' }), 500, 'Internal Server Error');
  const r502 = await call('sendMessage', { chat_id: 9, text: 'a' });
  assert.equal(r502.status, 502);
  assert.equal(r502.body, '<html>bad gateway</html>');
  fails(await call('sendMessage', { chat_id: 9, text: 'a' }), 400, 'Bad Request: custom');
  const t0 = Date.now();
  const delayed = ok(await call('sendMessage', { chat_id: 9, text: 'finally' }));
  assert.ok(Date.now() - t0 >= 280);
  assert.equal(delayed.message_id, 1, 'failed calls did not consume message ids');
  ok(await call('sendMessage', { chat_id: 9, text: 'normal' }));
  const recs = api.query({ chat_id: 9 });
  assert.deepEqual(recs.map((c) => c.status), [429, 500, 502, 400, 200, 200]);
  assert.ok(recs[0].fault);
  // fault without a method applies to any method
  await ctl('POST', 'faults', { responses: [{ status: 500 }] });
  fails(await call('getMe'), 500);
  ok(await call('getMe'));
});

test('flood control (optional)', async () => {
  await ctl('POST', 'flood', { per_chat_per_s: 1, burst: 3, group_per_min: 20, global_per_s: 30 });
  for (let i = 0; i < 3; i++) ok(await call('sendMessage', { chat_id: 77, text: 'x' + i }));
  const r = await call('sendMessage', { chat_id: 77, text: 'x' });
  fails(r, 429, /^Too Many Requests: retry after \d+$/);
  assert.ok(r.body.parameters.retry_after >= 1);
  ok(await call('sendMessage', { chat_id: 78, text: 'other chat' }));
  assert.equal(api.calls.at(-2).flood, true);
  await ctl('POST', 'flood', { off: true });
  ok(await call('sendMessage', { chat_id: 77, text: 'x' }));
});

test('wait endpoint and calls filters', async () => {
  const w = ctl('GET', 'wait?method=sendmessage&chat_id=31&count=2&timeout_ms=3000');
  setTimeout(() => call('sendMessage', { chat_id: 31, text: 'one' }), 50);
  setTimeout(() => call('sendMessage', { chat_id: 32, text: 'elsewhere' }), 80);
  setTimeout(() => call('sendMessage', { chat_id: 31, text: 'two' }), 120);
  const r = await w;
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.calls.map((c) => c.params.text), ['one', 'two']);
  // already satisfied -> immediate
  const r2 = await ctl('GET', 'wait?method=sendMessage&count=3');
  assert.equal(r2.status, 200);
  assert.equal(r2.body.calls.length, 3);
  // timeout -> 408 with what was found so far
  const since = r2.body.calls.at(-1).seq;
  const t0 = Date.now();
  const r3 = await ctl('GET', `wait?method=sendMessage&chat_id=31&since_seq=${since}&timeout_ms=200`);
  assert.equal(r3.status, 408);
  assert.deepEqual(r3.body.calls, []);
  assert.ok(Date.now() - t0 >= 180);
  const c1 = await ctl('GET', 'calls?chat_id=31');
  assert.equal(c1.body.calls.length, 2);
  const c2 = await ctl('GET', `calls?since_seq=${r.body.calls[0].seq}`);
  assert.deepEqual(c2.body.calls.map((c) => c.params.text), ['elsewhere', 'two']);
  // 'call' events for in-process benchmarks
  const seen = [];
  api.events.on('call', (rec) => seen.push(rec.method));
  ok(await call('getMe'));
  api.events.removeAllListeners('call');
  assert.deepEqual(seen, ['getMe']);
});

test('reset clears state', async () => {
  ok(await call('sendMessage', { chat_id: 1, text: 'x' }));
  await ctl('POST', 'message', { user: USER, text: 'hi' });
  assert.equal((await ctl('POST', 'reset')).status, 200);
  assert.equal(api.calls.length, 0);
  assert.deepEqual((await ctl('GET', 'messages?chat_id=1')).body.messages, []);
  const r = await ctl('POST', 'message', { user: USER, text: 'again' });
  assert.deepEqual(r.body, { update_id: 100000001, message_id: 1 });
});

test('CLI prints "listening <port>" and exits on SIGTERM', async () => {
  const script = fileURLToPath(new URL('./botapi.mjs', import.meta.url));
  const child = spawn(process.execPath, [script, '--port', '0', '--token', TOKEN, '--bot-username', 'cli_bot'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const port = await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = /^listening (\d+)\n/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', () => reject(new Error('exited early: ' + out)));
  });
  const res = await fetch(`http://127.0.0.1:${port}/bot${TOKEN}/getMe`);
  assert.equal((await res.json()).result.username, 'cli_bot');
  const code = await new Promise((resolve) => {
    child.on('exit', (c, sig) => resolve(c ?? sig));
    child.kill('SIGTERM');
  });
  assert.equal(code, 0);
  assert.equal(out, `listening ${port}\n`);
});

// ---------------------------------------------------------------- the playground's side

// reads Server-Sent Events from /_ctl/events until `n` events arrived
function sse() {
  const events = [];
  let wake = null;
  const req = http.get(`${api.url}/_ctl/events`);
  const opened = new Promise((resolve, reject) => {
    req.on('response', (res) => {
      assert.equal(res.statusCode, 200);
      assert.match(res.headers['content-type'], /^text\/event-stream/);
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        buf += d;
        for (let i; (i = buf.indexOf('\n\n')) >= 0; ) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
          if (data) events.push(JSON.parse(data));
          if (wake) wake();
        }
        resolve();
      });
    });
    req.on('error', reject);
  });
  return {
    opened,
    events,
    async take(n, ms = 2000) {
      const until = Date.now() + ms;
      while (events.length < n && Date.now() < until) await new Promise((r) => ((wake = r), setTimeout(r, 50)));
      return events.splice(0, n);
    },
    close: () => req.destroy(),
  };
}

test('events: every change the page shows, as Server-Sent Events', async () => {
  const s = sse();
  await s.opened;
  const m = ok(await call('sendMessage', { chat_id: 42, text: 'hi', reply_markup: kb('x') }));
  ok(await call('editMessageText', { chat_id: 42, message_id: m.message_id, text: 'ho' }));
  ok(await call('pinChatMessage', { chat_id: 42, message_id: m.message_id }));
  const c = await ctl('POST', 'callback', { user: USER, chat_id: 42, message_id: m.message_id, data: 'x' });
  ok(await call('answerCallbackQuery', { callback_query_id: c.body.callback_query_id, text: 'done', show_alert: true }));
  ok(await call('deleteMessage', { chat_id: 42, message_id: m.message_id }));
  await ctl('POST', 'message', { user: USER, text: '/start' });
  ok(await call('setMyCommands', { commands: [{ command: 'a', description: 'b' }] }));
  const got = await s.take(7);
  assert.deepEqual(got.map((e) => e.type), ['message', 'edit', 'pin', 'answer', 'delete', 'message', 'commands']);
  assert.deepEqual(got[0], { type: 'message', chat_id: 42, message_id: m.message_id });
  assert.deepEqual(got[2], { type: 'pin', chat_id: 42, message_id: m.message_id });
  const { type, callback_query_id: id, chat_id: chat, user_id: user, text, show_alert: alert } = got[3];
  assert.deepEqual([type, id, chat, user, text, alert], ['answer', c.body.callback_query_id, 42, USER.id, 'done', true]);
  assert.deepEqual(got[5], { type: 'message', chat_id: USER.id, message_id: 1 });
  // a failed call changes nothing and tells nobody
  fails(await call('editMessageText', { chat_id: 42, message_id: 99, text: 'x' }), 400);
  assert.deepEqual(await s.take(1, 200), []);
  s.close();
});

test('the page: static files from web/, nothing else; a strict CSP', async () => {
  const res = await fetch(`${api.url}/`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/html/);
  assert.match(res.headers.get('content-security-policy'), /default-src 'none'; script-src 'self'/);
  assert.match(await res.text(), /<script src="\/web\/app.js" defer><\/script>/);
  for (const [path, type] of [['/web/app.js', /^text\/javascript/], ['/web/app.css', /^text\/css/]]) {
    const r = await fetch(api.url + path);
    assert.equal(r.status, 200, path);
    assert.match(r.headers.get('content-type'), type);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    await r.arrayBuffer();
  }
  for (const path of ['/web/../botapi.mjs', '/web/%2e%2e%2fbotapi.mjs', '/web/nope.js', '/web/selftest.mjs', '/web/']) {
    const r = await fetch(api.url + path);
    assert.equal(r.status, 404, path);
    await r.arrayBuffer();
  }
  const head = await fetch(`${api.url}/web/app.js`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  // the Bot API is where it was
  assert.equal((await call('getMe')).status, 200);
});

test('setMyCommands / getMyCommands / deleteMyCommands by scope and language; the menu a chat shows', async () => {
  const cmds = (...names) => names.map((n) => ({ command: n, description: n + ' it' }));
  ok(await call('setMyCommands', { commands: cmds('help') }));
  ok(await call('setMyCommands', { commands: cmds('play', 'stats'), scope: { type: 'all_private_chats' } }));
  ok(await call('setMyCommands', { commands: cmds('leaderboard'), scope: JSON.stringify({ type: 'all_group_chats' }) }, { mode: 'form' }));
  ok(await call('setMyCommands', { commands: cmds('spielen'), scope: { type: 'all_private_chats' }, language_code: 'de' }));
  ok(await call('setMyCommands', { commands: cmds('quiz'), scope: { type: 'chat_administrators', chat_id: -100 } }));
  assert.deepEqual(ok(await call('getMyCommands')), cmds('help'));
  assert.deepEqual(ok(await call('getMyCommands', { scope: { type: 'all_private_chats' } })), cmds('play', 'stats'));
  assert.deepEqual(ok(await call('getMyCommands', { scope: { type: 'all_group_chats' } })), cmds('leaderboard'));
  assert.deepEqual(ok(await call('getMyCommands', { scope: { type: 'all_private_chats' }, language_code: 'de' })), cmds('spielen'));
  assert.deepEqual(ok(await call('getMyCommands', { scope: { type: 'all_chat_administrators' } })), []);
  fails(await call('setMyCommands', { commands: cmds('x'), scope: { type: 'nonsense' } }), 400, 'Bad Request: wrong bot command scope type specified');
  fails(await call('setMyCommands', { commands: cmds('x'), scope: { type: 'chat' } }), 400, 'Bad Request: chat not found');
  fails(await call('setMyCommands', { commands: [{ command: 'Bad-Name', description: 'x' }] }), 400, 'Bad Request: BOT_COMMAND_INVALID');

  // the menus: private -> all_private_chats; a group -> all_group_chats, its admins -> chat_administrators
  const { group_id: g } = api.playground();
  ok(await call('setMyCommands', { commands: cmds('quiz'), scope: { type: 'chat_administrators', chat_id: g } }));
  const menu = async (chat, as) => (await ctl('GET', `chat?chat_id=${chat}&as=${as}`)).body.commands.map((c) => c.command);
  assert.deepEqual(await menu(1, 1), ['play', 'stats']);
  assert.deepEqual(await menu(g, 2), ['leaderboard']);
  assert.deepEqual(await menu(g, 1), ['quiz'], 'the group admin');
  ok(await call('deleteMyCommands', { scope: { type: 'all_private_chats' } }));
  assert.deepEqual(await menu(1, 1), ['help'], 'back to the default scope');
  assert.deepEqual(ok(await call('getMyCommands', { scope: { type: 'all_private_chats' } })), []);
});

test('players, groups and my_chat_member; state and chat views; pins', async () => {
  const seeded = (await ctl('POST', 'playground')).body;
  assert.deepEqual(seeded.users.map((u) => u.first_name), ['Ann', 'Bob', 'Cy']);
  const again = (await ctl('POST', 'playground')).body;
  assert.equal(again.created, 0, 'seeding twice adds nothing');
  assert.equal(again.group_id, seeded.group_id);
  const up = (await ctl('GET', 'updates')).body.updates.map((e) => e.update);
  assert.equal(up.length, 1, 'one update: the bot added to the group');
  const mcm = up[0].my_chat_member;
  assert.deepEqual(mcm.chat, { id: seeded.group_id, title: 'Quiz night', type: 'supergroup' });
  assert.equal(mcm.from.first_name, 'Ann');
  assert.deepEqual([mcm.old_chat_member.status, mcm.new_chat_member.status], ['left', 'member']);
  assert.equal(mcm.new_chat_member.user.id, 7000000001);
  assert.equal(ok(await call('getChatMember', { chat_id: seeded.group_id, user_id: 1 })).status, 'creator');

  // add and rename a player
  const dana = (await ctl('POST', 'users', { first_name: 'Dana' })).body.user;
  assert.equal(dana.id, 4);
  assert.equal((await ctl('POST', 'users', { id: 4, first_name: 'Dana B.', username: 'danab' })).body.user.first_name, 'Dana B.');
  assert.equal((await ctl('POST', 'users', {})).status, 400);
  assert.equal((await ctl('POST', 'users', { id: -3, first_name: 'x' })).status, 400);
  assert.equal((await ctl('POST', 'groups', { title: 'x', member_ids: [99], admin_id: 99 })).status, 400);
  assert.equal((await ctl('POST', 'groups', { title: 'x', member_ids: [1, 2], admin_id: 3 })).status, 400);
  const g2 = (await ctl('POST', 'groups', { title: 'Owls', member_ids: [2, 4], admin_id: 4 })).body;
  assert.ok(g2.chat_id < 0 && g2.chat_id !== seeded.group_id);
  assert.deepEqual((await ctl('POST', 'members', { chat_id: g2.chat_id, add: [3], remove: [2] })).body.members, [4, 3]);
  assert.equal(ok(await call('getChatMember', { chat_id: g2.chat_id, user_id: 3 })).status, 'member');
  assert.equal(ok(await call('getChatMember', { chat_id: g2.chat_id, user_id: 2 })).status, 'left',
    'a player removed from a group has left it');

  // the side bar and one chat, the players' messages included
  await ctl('POST', 'message', { user: { id: 2, first_name: 'Bob' }, chat_id: seeded.group_id, text: '/leaderboard' });
  const m = ok(await call('sendMessage', { chat_id: seeded.group_id, text: '<b>board</b>', parse_mode: 'HTML' }));
  const st = (await ctl('GET', 'state')).body;
  assert.equal(st.bot.username, 'mm_test_bot');
  assert.deepEqual(st.users.map((u) => u.first_name), ['Ann', 'Bob', 'Cy', 'Dana B.']);
  const gs = st.chats.find((c) => c.id === seeded.group_id);
  assert.deepEqual([gs.title, gs.members, gs.admins, gs.count], ['Quiz night', [1, 2, 3], [1], 2]);
  assert.deepEqual(gs.last, { from_bot: true, date: m.date, text: 'board' });
  assert.ok(st.chats.some((c) => c.id === 4 && c.type === 'private' && c.first_name === 'Dana B.'));
  const view = (await ctl('GET', `chat?chat_id=${seeded.group_id}&as=2`)).body;
  assert.deepEqual(view.messages.map((x) => [x.message_id, x.from.first_name, x.text]), [[1, 'Bob', '/leaderboard'], [2, 'Mental Maze Test', 'board']]);
  assert.deepEqual(view.messages[1].entities, [{ type: 'bold', offset: 0, length: 5 }]);
  assert.equal((await ctl('GET', 'chat?chat_id=-999')).status, 404);
  // the bot's messages only, as before, for the tests
  assert.deepEqual((await ctl('GET', `messages?chat_id=${seeded.group_id}`)).body.messages.map((x) => x.message_id), [2]);

  // pins; deleting a pinned message unpins it; a user's message can be deleted
  fails(await call('pinChatMessage', { chat_id: seeded.group_id, message_id: 77 }), 400, 'Bad Request: message to pin not found');
  ok(await call('pinChatMessage', { chat_id: seeded.group_id, message_id: 2 }));
  assert.equal((await ctl('GET', `chat?chat_id=${seeded.group_id}`)).body.chat.pinned, 2);
  ok(await call('deleteMessage', { chat_id: seeded.group_id, message_id: 2 }));
  ok(await call('deleteMessage', { chat_id: seeded.group_id, message_id: 1 }));
  const after = (await ctl('GET', `chat?chat_id=${seeded.group_id}`)).body;
  assert.equal(after.chat.pinned, null);
  assert.deepEqual(after.messages, []);

  // poll votes are per player in the chat view
  const p = ok(await call('sendPoll', { chat_id: seeded.group_id, question: 'Q?', options: ['a', 'b'], type: 'quiz', correct_option_id: 1 }));
  await ctl('POST', 'poll_answer', { user: { id: 3 }, poll_id: p.poll.id, option_ids: [0] });
  const pv = async (as) => (await ctl('GET', `chat?chat_id=${seeded.group_id}&as=${as}`)).body.messages[0];
  assert.deepEqual((await pv(3)).my_option_ids, [0]);
  assert.equal((await pv(2)).my_option_ids, undefined);
  assert.equal((await pv(2)).poll.total_voter_count, 1);
});

test('CLI --playground starts with the players and the group', async () => {
  const script = fileURLToPath(new URL('./botapi.mjs', import.meta.url));
  const child = spawn(process.execPath, [script, '--port', '0', '--token', TOKEN, '--playground', '--first-update-id', '5000'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /^listening (\d+)\n/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', () => reject(new Error('exited early: ' + out)));
  });
  const st = await (await fetch(`http://127.0.0.1:${port}/_ctl/state`)).json();
  assert.deepEqual(st.users.map((u) => u.first_name), ['Ann', 'Bob', 'Cy']);
  assert.ok(st.chats.some((c) => c.title === 'Quiz night'));
  const { updates } = await (await fetch(`http://127.0.0.1:${port}/_ctl/updates`)).json();
  assert.equal(updates[0].update.update_id, 5000, 'update ids start at --first-update-id');
  child.kill('SIGTERM');
  await new Promise((resolve) => child.on('exit', resolve));
});

test('the page and the controls refuse other sites and other host names', async () => {
  const get = (path, headers) =>
    new Promise((resolve, reject) => {
      const req = http.request(`${api.url}${path}`, { method: headers.method || 'GET', headers }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      });
      req.on('error', reject);
      req.end(headers.method === 'POST' ? JSON.stringify({ user: USER, text: 'hi' }) : undefined);
    });
  const host = new URL(api.url).host;
  assert.equal(await get('/', { host }), 200);
  assert.equal(await get('/', { host: `localhost:${api.port}` }), 200);
  assert.equal(await get('/', { host: `evil.example:${api.port}` }), 403, 'a DNS-rebinding name');
  assert.equal(await get('/_ctl/state', { host: `evil.example:${api.port}` }), 403);
  assert.equal(await get('/_ctl/message', { host, origin: 'https://evil.example', method: 'POST' }), 403, 'another site');
  assert.equal(await get('/_ctl/message', { host, origin: `http://${host}`, method: 'POST' }), 200, 'the page itself');
  assert.equal(api.messages(USER.id).length, 0);
  assert.equal((await ctl('GET', 'updates')).body.updates.length, 1, 'only the page\'s message got in');
});
