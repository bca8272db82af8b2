// The playground page on the Bot API emulator alone, in a real browser: this
// test plays the bot itself (Bot API calls) so it can show everything the page
// renders, including what mm-worker does not send yet (polls, pins, alerts).
//   node --test worker/tests/browser/page.test.mjs
// Screenshots: $MM_SHOTS (default build/playground-shots/page).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBotApi } from '../botapi/botapi.mjs';
import { launch } from './browser.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const shots = process.env.MM_SHOTS || path.join(root, 'build/playground-shots/page');
const TOKEN = '123456:page-test';
let api;
let b;
let group;

const bot = async (method, params) => {
  const res = await fetch(`${api.apiUrl}/${method}`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(params),
  });
  const body = await res.json();
  assert.equal(body.ok, true, `${method}: ${JSON.stringify(body)}`);
  return body.result;
};
// the next update the "bot" receives, as getUpdates would give it
const nextUpdate = async (pred) => {
  for (let i = 0; i < 100; i++) {
    const u = api.emulator.liveEntries().map((e) => e.update).find(pred);
    if (u) return u;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no such update');
};
const bubble = (p, mid) => p.locator(`.msg[data-id="${mid}"]`);

before(async () => {
  api = await startBotApi({ token: TOKEN, botUsername: 'mm_test_bot' });
  group = api.playground().group_id;
  b = await launch({ origin: api.url, shots });
});
after(async () => {
  if (b) await b.close();
  await api.close();
});

test('HTML renders as Telegram renders it, and nothing else gets in', async () => {
  const html =
    '<b>bold</b> <i>italic</i> <u>under</u> <s>struck</s> <code>x&lt;y</code>\n' +
    '<pre><code class="language-c">int main(void);</code></pre>' +
    '<a href="https://example.org/">a link</a> <tg-spoiler>secret</tg-spoiler>\n' +
    '<blockquote>quoted</blockquote>' +
    '&lt;img src=x onerror=alert(1)&gt; &lt;script&gt;window.pwned=1&lt;/script&gt; <b>&lt;i&gt;not italic&lt;/i&gt;</b> ' +
    '<a href="javascript:window.pwned=2">not a link</a>';
  const m = await bot('sendMessage', { chat_id: 1, text: html, parse_mode: 'HTML' });
  const p = await b.page('#me=1&chat=1');
  const t = bubble(p, m.message_id).locator('.text');
  await t.waitFor();
  assert.equal(await t.locator('b').first().textContent(), 'bold');
  assert.equal(await t.locator('i').textContent(), 'italic');
  assert.equal(await t.locator('u').textContent(), 'under');
  assert.equal(await t.locator('s').textContent(), 'struck');
  assert.equal(await t.locator('> code').textContent(), 'x<y');
  assert.equal(await t.locator('pre code').textContent(), 'int main(void);');
  assert.equal(await t.locator('pre').getAttribute('data-lang'), 'c');
  assert.equal(await t.locator('a[href="https://example.org/"]').textContent(), 'a link');
  assert.equal(await t.locator('blockquote').textContent(), 'quoted');
  const spoiler = t.locator('.spoiler');
  assert.equal(await spoiler.textContent(), 'secret');
  assert.equal(await spoiler.evaluate((e) => e.classList.contains('revealed')), false);
  await spoiler.focus();
  await p.keyboard.press('Enter');
  assert.equal(await spoiler.evaluate((e) => e.classList.contains('revealed')), true);
  // escaped text stays text: no element besides the entities'
  assert.equal(await t.locator('img, script').count(), 0);
  assert.match(await t.textContent(), /<img src=x onerror=alert\(1\)> <script>window.pwned=1<\/script> <i>not italic<\/i>/);
  assert.equal(await p.evaluate(() => window.pwned), undefined);
  assert.equal(await t.locator('b').nth(1).locator('i').count(), 0);
  assert.equal(await t.locator('a', { hasText: 'not a link' }).count(), 0, 'a javascript: link is plain text');
  assert.equal(await t.locator('a').count(), 1);
  await b.shot(p, 'html');
  await p.close();
});

test('keyboards: a press reaches the bot, the answer is a toast or an alert; edits and deletes in place', async () => {
  const m = await bot('sendMessage', {
    chat_id: 1, text: 'Pick one',
    reply_markup: { inline_keyboard: [[{ text: 'Left', callback_data: 'L' }, { text: 'Right', callback_data: 'R' }]] },
  });
  const p = await b.page('#me=1&chat=1');
  await bubble(p, m.message_id).getByRole('button', { name: 'Left' }).click();
  const u = await nextUpdate((x) => x.callback_query && x.callback_query.data === 'L');
  assert.equal(u.callback_query.from.id, 1);
  assert.equal(u.callback_query.message.message_id, m.message_id);
  await bot('answerCallbackQuery', { callback_query_id: u.callback_query.id, text: 'You went left' });
  await p.locator('#toast', { hasText: 'You went left' }).waitFor();
  await bot('editMessageText', { chat_id: 1, message_id: m.message_id, text: '<b>Left</b> it is', parse_mode: 'HTML' });
  await bubble(p, m.message_id).locator('.text b', { hasText: 'Left' }).waitFor();
  assert.equal(await bubble(p, m.message_id).locator('.kb-btn').count(), 0, 'the keyboard went with the edit');
  assert.match(await bubble(p, m.message_id).locator('.meta').textContent(), /edited/);

  const m2 = await bot('sendMessage', {
    chat_id: 1, text: 'Careful', reply_markup: { inline_keyboard: [[{ text: 'Danger', callback_data: 'D' }]] },
  });
  await bubble(p, m2.message_id).getByRole('button', { name: 'Danger' }).click();
  const u2 = await nextUpdate((x) => x.callback_query && x.callback_query.data === 'D');
  await bot('answerCallbackQuery', { callback_query_id: u2.callback_query.id, text: 'Are you sure?', show_alert: true });
  await p.getByRole('alertdialog').waitFor();
  assert.equal(await p.locator('#alert-text').textContent(), 'Are you sure?');
  await b.shot(p, 'alert');
  await p.keyboard.press('Enter');
  await p.getByRole('alertdialog').waitFor({ state: 'hidden' });
  await bot('deleteMessage', { chat_id: 1, message_id: m2.message_id });
  await bubble(p, m2.message_id).waitFor({ state: 'detached' });
  await p.close();
});

test('a quiz poll: vote, the correct option revealed; a pinned message', async () => {
  const m = await bot('sendPoll', {
    chat_id: group, question: 'Which planet is largest?', options: ['Mars', 'Jupiter', 'Venus'],
    type: 'quiz', correct_option_id: 1, is_anonymous: false, explanation: 'Jupiter: 318 Earth masses',
  });
  await bot('pinChatMessage', { chat_id: group, message_id: m.message_id });
  const p = await b.page(`#me=2&chat=${group}`);
  await p.locator('#pinned .pin-text', { hasText: 'Which planet is largest?' }).waitFor();
  const poll = bubble(p, m.message_id);
  await poll.getByRole('button', { name: 'Mars' }).click();
  const u = await nextUpdate((x) => x.poll_answer);
  assert.deepEqual(u.poll_answer.option_ids, [0]);
  assert.equal(u.poll_answer.user.id, 2);
  await poll.locator('.poll-res.correct', { hasText: 'Jupiter' }).waitFor();
  await poll.locator('.poll-res.wrong', { hasText: 'Mars' }).waitFor();
  await poll.locator('.poll-expl', { hasText: 'Jupiter: 318 Earth masses' }).waitFor();
  await b.shot(p, 'quiz-poll');
  // another player has not voted: still the options
  await p.selectOption('#me', '3');
  await poll.getByRole('button', { name: 'Jupiter' }).waitFor();
  await bot('stopPoll', { chat_id: group, message_id: m.message_id });
  await poll.locator('.poll-res.correct', { hasText: 'Jupiter' }).waitFor();
  await bot('unpinChatMessage', { chat_id: group });
  await p.locator('#pinned').waitFor({ state: 'hidden' });
  await p.close();
});

test('commands menu from setMyCommands by scope; deep links; a second tab sees it live', async () => {
  await bot('setMyCommands', { commands: [{ command: 'play', description: 'a practice run' }, { command: 'stats', description: 'your numbers' }], scope: { type: 'all_private_chats' } });
  await bot('setMyCommands', { commands: [{ command: 'leaderboard', description: 'the rankings' }], scope: { type: 'all_group_chats' } });
  const p = await b.page('#me=1&chat=1');
  const input = p.getByRole('textbox', { name: 'Message' });
  await input.click();
  await input.pressSequentially('/st');
  await p.locator('#cmd-menu').getByRole('option', { name: /\/stats/ }).waitFor();
  assert.equal(await p.locator('#cmd-menu').getByRole('option').count(), 1);
  await p.keyboard.press('Enter');
  const u = await nextUpdate((x) => x.message && x.message.text === '/stats');
  assert.deepEqual(u.message.entities, [{ offset: 0, length: 6, type: 'bot_command' }]);
  await p.locator('.msg.out', { hasText: '/stats' }).waitFor();

  // the group's menu is the group scope's
  const other = await b.page(`#me=2&chat=${group}`);
  await other.getByRole('button', { name: 'Bot commands' }).click();
  await other.locator('#cmd-menu').getByRole('option', { name: /\/leaderboard/ }).waitFor();
  assert.equal(await other.locator('#cmd-menu').getByRole('option').count(), 1);
  await other.keyboard.press('Escape');

  // a URL button to t.me/<bot>?start=… opens the private chat and sends /start <param>
  const g = await bot('sendMessage', {
    chat_id: group, text: 'Play with me: https://t.me/mm_test_bot?start=from_text',
    reply_markup: { inline_keyboard: [[{ text: '▶️ Play', url: 'https://t.me/mm_test_bot?start=play' }]] },
  });
  // the first tab, in the group as Ann, sees it arrive live
  await p.locator(`.chat-item[data-chat="${group}"]`).click();
  await bubble(p, g.message_id).waitFor();
  await bubble(other, g.message_id).getByRole('button', { name: /Play/ }).click();
  const s = await nextUpdate((x) => x.message && x.message.text === '/start play');
  assert.equal(s.message.chat.id, 2, "in Bob's private chat");
  assert.equal(s.message.from.id, 2);
  assert.match(await other.locator('#chat-sub').textContent(), /private chat of Bob/);
  await other.locator('.msg.out', { hasText: '/start play' }).waitFor();
  await other.goBack().catch(() => {});
  await other.goto(`${api.url}/#me=2&chat=${group}`);
  await other.locator('a', { hasText: 'https://t.me/mm_test_bot?start=from_text' }).click();
  await nextUpdate((x) => x.message && x.message.text === '/start from_text');
  assert.equal(await bot('getMyCommands', { scope: { type: 'all_group_chats' } }).then((c) => c[0].command), 'leaderboard');
  await other.close();
  await p.close();
});

test('players and groups: add, rename, a new group tells the bot with my_chat_member', async () => {
  const p = await b.page('#me=1&chat=1');
  await p.getByRole('button', { name: 'Add a player' }).click();
  await p.getByRole('textbox', { name: 'Name', exact: true }).fill('Dana');
  await p.getByRole('button', { name: 'OK' }).click();
  await p.locator('.chat-item', { hasText: 'Dana' }).waitFor();
  assert.equal(await p.locator('#me option:checked').textContent(), 'Dana');
  await p.getByRole('button', { name: 'Rename this player' }).click();
  await p.getByRole('textbox', { name: 'Name', exact: true }).fill('Dana <b>X</b>');
  await p.getByRole('button', { name: 'OK' }).click();
  await p.locator('.chat-item .chat-name', { hasText: 'Dana <b>X</b>' }).waitFor();
  await p.getByRole('button', { name: 'New group' }).click();
  await p.getByRole('textbox', { name: 'Title' }).fill('Night owls');
  await p.getByRole('button', { name: 'OK' }).click();
  const u = await nextUpdate((x) => x.my_chat_member && x.my_chat_member.chat.title === 'Night owls');
  assert.equal(u.my_chat_member.new_chat_member.user.is_bot, true);
  assert.equal(u.my_chat_member.new_chat_member.status, 'member');
  assert.equal(u.my_chat_member.from.first_name, 'Dana <b>X</b>');
  await p.locator('#chat-title', { hasText: 'Night owls' }).waitFor();
  assert.match(await p.locator('#chat-sub').textContent(), /(admin)/);
  await p.close();
});

test('keyboard only: a chat opened and a button pressed without the mouse', async () => {
  const m = await bot('sendMessage', {
    chat_id: 3, text: 'Keys?', reply_markup: { inline_keyboard: [[{ text: 'Yes', callback_data: 'K' }]] },
  });
  const p = await b.page('#me=1&chat=1');
  await p.locator('.chat-item[data-chat="3"]', { hasText: 'Keys?' }).waitFor();
  await p.locator('#me').focus();
  let steps = 0;
  const tabTo = async (sel) => {
    while (!(await p.evaluate((s) => document.activeElement && document.activeElement.matches(s), sel))) {
      assert.ok(++steps < 60, `reached ${sel} with Tab`);
      await p.keyboard.press('Tab');
    }
  };
  await tabTo('.chat-item[data-chat="3"]');
  await p.keyboard.press('Enter');
  await p.locator('#chat-sub', { hasText: 'private chat of Cy' }).waitFor();
  await tabTo(`.msg[data-id="${m.message_id}"] .kb-btn`);
  await p.keyboard.press('Enter');
  const u = await nextUpdate((x) => x.callback_query && x.callback_query.data === 'K');
  assert.equal(u.callback_query.from.id, 3);
  await tabTo('#input');
  await p.keyboard.type('hello from the keyboard');
  await p.keyboard.press('Enter');
  await nextUpdate((x) => x.message && x.message.text === 'hello from the keyboard');
  await p.close();
});

test('a phone-sized window: the list, then the chat; no foreign requests, no page errors', async () => {
  const p = await b.page('#me=1');
  await p.setViewportSize({ width: 390, height: 844 });
  await p.locator('.chat-item', { hasText: 'Ann' }).click();
  await p.locator('#messages').waitFor();
  assert.equal(await p.locator('#side').isVisible(), false);
  const w = await p.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(w <= 390, `no horizontal scrolling (${w}px)`);
  await b.shot(p, 'phone');
  await p.getByRole('button', { name: 'Back to the chat list' }).click();
  assert.equal(await p.locator('#side').isVisible(), true);
  await p.close();
  assert.deepEqual(b.foreign, [], 'the page asked for nothing outside the emulator');
  assert.deepEqual(b.errors, [], 'no script errors');
});
