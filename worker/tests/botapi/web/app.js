// The playground: a Telegram-like web chat with the bot, on the local Bot API
// emulator (../botapi.mjs).  Plain JavaScript, no build step, nothing loaded
// from elsewhere.  It acts through the emulator's /_ctl/ endpoints as the
// tests do and follows changes on /_ctl/events (Server-Sent Events).
//
// Message text is never parsed as HTML here: the emulator parsed the bot's
// parse_mode=HTML into text + entities as Telegram does, and this page builds
// DOM nodes from those (textContent only, no innerHTML anywhere).
'use strict';

const $ = (id) => document.getElementById(id);
const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
};

const S = {
  bot: null, users: [], chats: [], me: null, chatId: null, chat: null, commands: [],
  rendered: new Map(), pending: new Map(), answers: new Map(), menuIndex: -1,
};

async function api(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch('/_ctl/' + path, init);
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.error || res.status + ' ' + res.statusText);
  return data;
}

const userById = (id) => S.users.find((u) => u.id === id);
const meUser = () => userById(S.me) || { id: S.me, first_name: 'User' + S.me };
const chatById = (id) => S.chats.find((c) => c.id === id);
const chatTitle = (c) => (c.type === 'private' ? (userById(c.id) || c).first_name : c.title);
const hue = (id) => (Math.abs(Number(id)) * 47) % 360;

function avatar(node, name, id) {
  node.textContent = (name || '?').trim().slice(0, 1).toUpperCase() || '?';
  node.style.setProperty('--h', hue(id));
}

function hhmm(unix) {
  if (!unix) return '';
  const d = new Date(unix * 1000);
  return String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0');
}

// ------------------------------------------------------------ location

function saveHash() {
  const h = `#me=${S.me}` + (S.chatId !== null ? `&chat=${S.chatId}` : '');
  if (location.hash !== h) history.replaceState(null, '', h);
}

function readHash() {
  const p = new URLSearchParams(location.hash.slice(1));
  const me = Number(p.get('me'));
  const chat = Number(p.get('chat'));
  return { me: Number.isInteger(me) && me > 0 ? me : null, chat: Number.isInteger(chat) && chat !== 0 ? chat : null };
}

// ------------------------------------------------------------ side bar

async function loadState() {
  const st = await api('GET', 'state');
  S.bot = st.bot;
  S.users = st.users;
  S.chats = st.chats;
  renderSide();
}

function visibleChats() {
  // every player's private chat with the bot, and the groups
  const list = S.chats.slice();
  list.sort((a, b) => {
    if ((a.type === 'private') !== (b.type === 'private')) return a.type === 'private' ? -1 : 1;
    return Math.abs(a.id) - Math.abs(b.id);
  });
  return list;
}

function renderSide() {
  const sel = $('me');
  const want = S.users.map((u) => `${u.id}:${u.first_name}`).join('|');
  if (sel.dataset.k !== want) {
    sel.replaceChildren(...S.users.map((u) => {
      const o = el('option', null, u.first_name + (u.username ? ` (@${u.username})` : ''));
      o.value = String(u.id);
      return o;
    }));
    sel.dataset.k = want;
  }
  if (S.me !== null) sel.value = String(S.me);
  const ul = $('chats');
  const items = visibleChats().map((c) => {
    const li = el('li');
    const b = el('button', 'chat-item');
    b.type = 'button';
    b.dataset.chat = String(c.id);
    if (c.id === S.chatId) b.setAttribute('aria-current', 'true');
    const av = el('span', 'avatar');
    av.setAttribute('aria-hidden', 'true');
    avatar(av, chatTitle(c), c.id);
    const body = el('span', 'chat-item-body');
    const top = el('span', 'chat-item-top');
    top.append(el('span', 'chat-name', chatTitle(c)), el('span', 'chat-time', c.last ? hhmm(c.last.date) : ''));
    const kind = c.type === 'private' ? `with @${S.bot.username}` : `group · ${(c.members || []).length} members`;
    let preview = kind;
    if (c.last) preview = (c.last.from ? c.last.from + ': ' : '') + c.last.text.split('\n')[0];
    body.append(top, el('span', 'chat-preview', preview));
    b.append(av, body);
    b.addEventListener('click', () => openChat(c.id, true));
    li.append(b);
    return li;
  });
  // a live update re-renders the list: the chat focused from the keyboard stays focused
  const had = document.activeElement && document.activeElement.closest
    ? document.activeElement.closest('.chat-item') : null;
  ul.replaceChildren(...items);
  if (had) {
    const again = ul.querySelector(`.chat-item[data-chat="${had.dataset.chat}"]`);
    if (again) again.focus();
  }
}

// ------------------------------------------------------------ one chat

async function openChat(id, userAction) {
  const c = chatById(id);
  if (!c) return;
  if (c.type === 'private') S.me = c.id;
  else if (c.members && c.members.length && !c.members.includes(S.me)) S.me = c.members[0];
  if (S.chatId !== id) {
    S.chatId = id;
    S.rendered.clear();
    $('messages').replaceChildren();
  }
  saveHash();
  renderSide();
  document.body.classList.add('in-chat');
  await loadChat(true);
  if (userAction) $('input').focus();
}

let chatLoading = null;
let chatAgain = false;
async function loadChat(forceBottom) {
  if (S.chatId === null) return;
  if (chatLoading) {
    chatAgain = true;
    return chatLoading;
  }
  chatLoading = (async () => {
    do {
      chatAgain = false;
      const id = S.chatId;
      const v = await api('GET', `chat?chat_id=${id}&as=${S.me}`);
      if (id !== S.chatId) {
        chatAgain = true;
        continue;
      }
      S.chat = v.chat;
      S.commands = v.commands;
      renderHead();
      renderMessages(v.messages, forceBottom);
      forceBottom = false;
    } while (chatAgain);
  })();
  try {
    await chatLoading;
  } finally {
    chatLoading = null;
  }
}

function renderHead() {
  const c = S.chat;
  const title = chatTitle(c);
  $('chat-title').textContent = c.type === 'private' ? S.bot.first_name : title;
  avatar($('chat-avatar'), c.type === 'private' ? S.bot.first_name : title, c.type === 'private' ? S.bot.id : c.id);
  const sub = c.type === 'private'
    ? `bot · private chat of ${title}`
    : `${(c.members || []).length} members · you are ${meUser().first_name}` +
      ((c.admins || []).includes(S.me) ? ' (admin)' : '');
  $('chat-sub').textContent = sub;
  $('menu-btn').hidden = !S.commands.length;
  document.title = `${$('chat-title').textContent} — Mental Maze playground`;
}

function renderMessages(messages, forceBottom) {
  const box = $('messages');
  if (S.renderedAs !== S.me) {
    // "mine" and "theirs" change with who I am
    S.rendered.clear();
    box.replaceChildren();
    S.renderedAs = S.me;
  }
  const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  const seen = new Set();
  let prev = null;
  let grew = false;
  for (const m of messages) {
    seen.add(m.message_id);
    const key = JSON.stringify(m);
    let r = S.rendered.get(m.message_id);
    if (!r || r.key !== key) {
      const node = renderMessage(m);
      if (r) r.node.replaceWith(node);
      else grew = true;
      r = { key, node };
      S.rendered.set(m.message_id, r);
    }
    const want = prev ? prev.nextSibling : box.firstChild;
    if (want !== r.node) box.insertBefore(r.node, want);
    prev = r.node;
  }
  for (const [id, r] of S.rendered)
    if (!seen.has(id)) {
      r.node.remove();
      S.rendered.delete(id);
    }
  renderPinned(messages);
  if (forceBottom || (grew && nearBottom)) box.scrollTop = box.scrollHeight;
}

function renderPinned(messages) {
  const pin = S.chat.pinned;
  const m = pin === null || pin === undefined ? null : messages.find((x) => x.message_id === pin);
  const bar = $('pinned');
  bar.hidden = !m;
  if (!m) return;
  bar.dataset.id = String(m.message_id);
  $('pinned-text').textContent = (m.text || (m.poll ? '📊 ' + m.poll.question : '')).split('\n')[0];
}

function renderMessage(m) {
  const mine = m.from && !m.from.is_bot && m.from.id === S.me;
  const wrap = el('div', 'msg ' + (mine ? 'out' : 'in'));
  wrap.dataset.id = String(m.message_id);
  const bubble = el('div', 'bubble');
  if (S.chat.type !== 'private' && !mine && m.from) {
    const who = el('div', 'from', m.from.first_name);
    who.style.setProperty('--h', hue(m.from.id));
    bubble.append(who);
  }
  if (m.reply_to_message) {
    const r = m.reply_to_message;
    bubble.append(el('div', 'reply', (r.text || (r.poll && r.poll.question) || '…').split('\n')[0]));
  }
  if (m.poll) bubble.append(renderPoll(m));
  if (m.text !== undefined) bubble.append(renderText(m.text, m.entities || [], !m.from || m.from.is_bot));
  const meta = el('span', 'meta', (m.edit_date ? 'edited ' : '') + hhmm(m.date));
  bubble.append(meta);
  wrap.append(bubble);
  if (m.reply_markup && m.reply_markup.inline_keyboard) wrap.append(renderKeyboard(m));
  return wrap;
}

// ------------------------------------------------------------ text + entities

const TAG = {
  bold: 'b', italic: 'i', underline: 'u', strikethrough: 's', code: 'code', pre: 'pre',
  blockquote: 'blockquote', expandable_blockquote: 'blockquote', spoiler: 'span', text_link: 'a',
  text_mention: 'span', custom_emoji: 'span',
};

function safeUrl(u) {
  try {
    const url = new URL(u);
    return url.protocol === 'http:' || url.protocol === 'https:' || url.protocol === 'tg:' ? url.href : null;
  } catch {
    return null;
  }
}

function entityNode(e) {
  const tag = TAG[e.type];
  if (!tag) return null;
  const n = document.createElement(tag);
  if (e.type === 'spoiler') {
    n.className = 'spoiler';
    n.tabIndex = 0;
    n.setAttribute('role', 'button');
    n.setAttribute('aria-label', 'spoiler: press to reveal');
  } else if (e.type === 'text_link') {
    const href = safeUrl(e.url);
    if (!href) return document.createElement('span');
    n.href = href;
    n.rel = 'noopener noreferrer';
    n.target = '_blank';
  } else if (e.type === 'text_mention') n.className = 'mention';
  else if (e.type === 'expandable_blockquote') {
    n.className = 'expandable';
    n.tabIndex = 0;
  } else if (e.type === 'pre' && e.language) n.dataset.lang = e.language;
  return n;
}

// text and plain URLs and /commands, as Telegram's clients make them clickable
function plain(parent, text, linkify) {
  if (!linkify) {
    parent.append(document.createTextNode(text));
    return;
  }
  const re = /(https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]])|(^|[\s(])(\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?)(?=$|[\s.,;:!?)])/g;
  let at = 0;
  for (let m; (m = re.exec(text)); ) {
    const start = m[1] ? m.index : m.index + m[2].length;
    parent.append(document.createTextNode(text.slice(at, start)));
    if (m[1]) {
      const a = el('a', null, m[1]);
      a.href = m[1];
      a.rel = 'noopener noreferrer';
      a.target = '_blank';
      parent.append(a);
      at = m.index + m[0].length;
    } else {
      const a = el('a', 'command', m[3]);
      a.href = '#';
      a.dataset.command = m[3];
      parent.append(a);
      at = start + m[3].length;
    }
  }
  parent.append(document.createTextNode(text.slice(at)));
}

function renderText(text, entities, linkify) {
  const root = el('div', 'text');
  // entities from HTML nest; others are clipped to their parent
  const ents = entities
    .filter((e) => e && e.length > 0 && e.offset >= 0)
    .map((e, i) => ({ ...e, i }))
    .sort((a, b) => a.offset - b.offset || b.length - a.length || a.i - b.i);
  let k = 0;
  const build = (parent, from, to, inCode) => {
    let pos = from;
    while (k < ents.length && ents[k].offset < to) {
      const e = ents[k++];
      const start = Math.max(e.offset, pos);
      const end = Math.min(e.offset + e.length, to);
      if (start > pos) plain(parent, text.slice(pos, start), linkify && !inCode);
      if (end <= start) continue;
      let n = entityNode(e);
      let inner = n;
      if (!n) n = inner = document.createElement('span');
      if (e.type === 'pre') {
        inner = document.createElement('code');
        n.append(inner);
      }
      build(inner, start, end, inCode || e.type === 'code' || e.type === 'pre' || e.type === 'text_link');
      parent.append(n);
      pos = end;
    }
    if (pos < to) plain(parent, text.slice(pos, to), linkify && !inCode);
  };
  build(root, 0, text.length, false);
  return root;
}

// ------------------------------------------------------------ polls

function renderPoll(m) {
  const p = m.poll;
  const mine = m.my_option_ids || [];
  const answered = mine.length > 0;
  const reveal = answered || p.is_closed;
  const box = el('div', 'poll');
  box.append(el('div', 'poll-q', p.question));
  const kind = (p.is_anonymous ? 'Anonymous ' : '') + (p.type === 'quiz' ? 'Quiz' : 'Poll') + (p.is_closed ? ' · closed' : '');
  box.append(el('div', 'poll-kind', kind));
  const total = p.total_voter_count || 0;
  const correct = new Set(p.correct_option_ids || (p.correct_option_id !== undefined ? [p.correct_option_id] : []));
  const list = el('div', 'poll-options');
  const chosen = new Set();
  p.options.forEach((o, i) => {
    if (!reveal) {
      const b = el('button', 'poll-opt', o.text);
      b.type = 'button';
      b.dataset.option = String(i);
      if (p.allows_multiple_answers) {
        b.setAttribute('aria-pressed', 'false');
        b.addEventListener('click', () => {
          if (chosen.has(i)) chosen.delete(i);
          else chosen.add(i);
          b.setAttribute('aria-pressed', String(chosen.has(i)));
        });
      } else b.addEventListener('click', () => vote(p, [i], b));
      list.append(b);
      return;
    }
    const pct = total ? Math.round((100 * o.voter_count) / total) : 0;
    const row = el('div', 'poll-res');
    row.dataset.option = String(i);
    let mark = '';
    if (p.type === 'quiz' && correct.has(i)) {
      row.classList.add('correct');
      mark = '✓';
    } else if (mine.includes(i)) {
      row.classList.add(p.type === 'quiz' ? 'wrong' : 'chosen');
      mark = p.type === 'quiz' ? '✗' : '●';
    }
    row.style.setProperty('--pct', pct + '%');
    row.append(el('span', 'pct', pct + '%'), el('span', 'mark', mark), el('span', 'opt', o.text));
    list.append(row);
  });
  box.append(list);
  if (!reveal && p.allows_multiple_answers) {
    const b = el('button', 'poll-vote', 'Vote');
    b.type = 'button';
    b.addEventListener('click', () => chosen.size && vote(p, [...chosen].sort((a, b2) => a - b2), b));
    box.append(b);
  }
  box.append(el('div', 'poll-total', total === 1 ? '1 vote' : `${total} votes`));
  if (reveal && p.type === 'quiz' && p.explanation) box.append(el('div', 'poll-expl', '💡 ' + p.explanation));
  return box;
}

async function vote(p, ids, btn) {
  btn.disabled = true;
  try {
    await api('POST', 'poll_answer', { user: meUser(), poll_id: p.id, option_ids: ids });
  } catch (err) {
    toast(err.message);
    btn.disabled = false;
  }
}

// ------------------------------------------------------------ keyboards

function renderKeyboard(m) {
  const kb = el('div', 'keyboard');
  for (const row of m.reply_markup.inline_keyboard) {
    const r = el('div', 'kb-row');
    for (const b of row) {
      const btn = el('button', 'kb-btn', b.text);
      btn.type = 'button';
      if (b.callback_data !== undefined) {
        btn.dataset.data = b.callback_data;
        btn.addEventListener('click', () => press(m, b.callback_data, btn));
      } else if (b.url !== undefined) {
        btn.classList.add('url');
        btn.dataset.url = b.url;
        btn.title = b.url;
        btn.addEventListener('click', () => openUrl(b.url));
      } else if (b.copy_text !== undefined) {
        btn.addEventListener('click', () => {
          const t = b.copy_text && b.copy_text.text;
          if (navigator.clipboard && t) navigator.clipboard.writeText(t).catch(() => {});
          toast('Copied to clipboard');
        });
      } else {
        btn.disabled = true;
        btn.title = 'not supported by the playground';
      }
      r.append(btn);
    }
    kb.append(r);
  }
  return kb;
}

async function press(m, data, btn) {
  btn.classList.add('loading');
  btn.setAttribute('aria-busy', 'true');
  const done = () => {
    btn.classList.remove('loading');
    btn.removeAttribute('aria-busy');
  };
  try {
    const r = await api('POST', 'callback', { user: meUser(), chat_id: S.chatId, message_id: m.message_id, data });
    const early = S.answers.get(r.callback_query_id);
    if (early) {
      done();
      showAnswer(early);
      return;
    }
    const timer = setTimeout(() => {
      S.pending.delete(r.callback_query_id);
      done();
    }, 15000);
    S.pending.set(r.callback_query_id, { done, timer });
  } catch (err) {
    done();
    toast(err.message);
  }
}

function showAnswer(ev) {
  if (ev.show_alert && ev.text) showAlert(ev.text);
  else if (ev.text) toast(ev.text);
}

// t.me/<bot>?start=… opens the player's private chat and sends /start <param>
function deepLink(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (!/^(www\.)?(t\.me|telegram\.me)$/i.test(u.hostname) && !(u.protocol === 'tg:')) return null;
  let name;
  let start;
  if (u.protocol === 'tg:') {
    name = u.searchParams.get('domain');
    start = u.searchParams.get('start');
  } else {
    name = u.pathname.replace(/^\/+|\/+$/g, '');
    start = u.searchParams.get('start');
  }
  if (!name || !S.bot || name.toLowerCase() !== S.bot.username.toLowerCase()) return null;
  return { start };
}

async function openUrl(url) {
  const d = deepLink(url);
  if (!d) {
    const safe = safeUrl(url);
    if (safe) window.open(safe, '_blank', 'noopener,noreferrer');
    return;
  }
  await openChat(S.me, true);
  await sendText(d.start ? `/start ${d.start}` : '/start');
}

// ------------------------------------------------------------ composer

async function sendText(text) {
  if (!text.trim() || S.chatId === null) return;
  const ents = [];
  const m = /^\/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{1,64})?/.exec(text);
  if (m) ents.push({ offset: 0, length: m[0].length, type: 'bot_command' });
  try {
    await api('POST', 'message', { user: meUser(), chat_id: S.chatId, text, entities: ents });
  } catch (err) {
    toast(err.message);
  }
}

function menuItems() {
  const v = $('input').value;
  if (!S.commands.length) return [];
  if (!v.startsWith('/') || /\s/.test(v)) return S.menuForced ? S.commands : [];
  const q = v.slice(1).toLowerCase();
  return S.commands.filter((c) => c.command.startsWith(q));
}

function renderMenu() {
  const menu = $('cmd-menu');
  const items = menuItems();
  menu.hidden = !items.length;
  $('menu-btn').setAttribute('aria-expanded', String(!menu.hidden));
  if (!items.length) {
    S.menuIndex = -1;
    return;
  }
  if (S.menuIndex >= items.length) S.menuIndex = items.length - 1;
  menu.replaceChildren(...items.map((c, i) => {
    const b = el('button', 'cmd');
    b.type = 'button';
    b.setAttribute('role', 'option');
    b.id = 'cmd-' + c.command;
    b.dataset.command = c.command;
    if (i === S.menuIndex) b.setAttribute('aria-selected', 'true');
    b.append(el('span', 'cmd-name', '/' + c.command), el('span', 'cmd-desc', c.description));
    b.addEventListener('click', () => pickCommand(c.command));
    return b;
  }));
  const input = $('input');
  if (S.menuIndex >= 0) input.setAttribute('aria-activedescendant', 'cmd-' + items[S.menuIndex].command);
  else input.removeAttribute('aria-activedescendant');
}

function closeMenu() {
  S.menuForced = false;
  S.menuIndex = -1;
  renderMenu();
}

async function pickCommand(cmd) {
  $('input').value = '';
  closeMenu();
  $('input').focus();
  await sendText('/' + cmd);
}

async function submit() {
  const input = $('input');
  const text = input.value;
  if (!text.trim()) return;
  input.value = '';
  autosize();
  closeMenu();
  await sendText(text);
}

function autosize() {
  const t = $('input');
  t.style.height = 'auto';
  t.style.height = Math.min(t.scrollHeight, 140) + 'px';
}

// ------------------------------------------------------------ toasts, alerts, dialogs

let toastTimer = null;
function toast(text) {
  const t = $('toast');
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (t.hidden = true), 3000);
}

function showAlert(text) {
  const a = $('alert');
  $('alert-text').textContent = text;
  a.hidden = false;
  a.dataset.back = document.activeElement && document.activeElement.id ? document.activeElement.id : '';
  $('alert-ok').focus();
}

function closeAlert() {
  const a = $('alert');
  a.hidden = true;
  const back = a.dataset.back && $(a.dataset.back);
  (back || $('input')).focus();
}

function ask(title, fields) {
  const dlg = $('dlg');
  $('dlg-title').textContent = title;
  const body = $('dlg-body');
  body.replaceChildren();
  const inputs = {};
  for (const f of fields) {
    const row = el('label', 'field');
    row.append(el('span', null, f.label));
    let input;
    if (f.type === 'checks') {
      input = el('div', 'checks');
      for (const o of f.options) {
        const l = el('label', 'check');
        const c = el('input');
        c.type = 'checkbox';
        c.value = String(o.value);
        c.checked = !!o.checked;
        l.append(c, document.createTextNode(' ' + o.label));
        input.append(l);
      }
    } else if (f.type === 'select') {
      input = el('select');
      for (const o of f.options) {
        const op = el('option', null, o.label);
        op.value = String(o.value);
        input.append(op);
      }
    } else {
      input = el('input');
      input.type = 'text';
      input.value = f.value || '';
      if (f.required) input.required = true;
      input.maxLength = f.max || 64;
    }
    input.name = f.name;
    row.append(input);
    body.append(row);
    inputs[f.name] = input;
  }
  return new Promise((resolve) => {
    dlg.addEventListener('close', () => {
      if (dlg.returnValue !== 'ok') return resolve(null);
      const out = {};
      for (const f of fields) {
        const i = inputs[f.name];
        if (f.type === 'checks') out[f.name] = [...i.querySelectorAll('input:checked')].map((c) => Number(c.value));
        else out[f.name] = i.value.trim();
      }
      resolve(out);
    }, { once: true });
    dlg.returnValue = '';
    dlg.showModal();
  });
}

// ------------------------------------------------------------ live updates

let stateTimer = null;
function refreshSoon(chat) {
  if (chat) loadChat(false).catch(() => {});
  clearTimeout(stateTimer);
  stateTimer = setTimeout(() => loadState().catch(() => {}), 60);
}

function onEvent(ev) {
  switch (ev.type) {
    case 'message':
    case 'edit':
    case 'delete':
    case 'pin':
      refreshSoon(ev.chat_id === S.chatId);
      break;
    case 'answer': {
      if (ev.user_id !== S.me) break;
      const p = S.pending.get(ev.callback_query_id);
      if (p) {
        clearTimeout(p.timer);
        p.done();
        S.pending.delete(ev.callback_query_id);
      } else {
        S.answers.set(ev.callback_query_id, ev);
        if (S.answers.size > 50) S.answers.delete(S.answers.keys().next().value);
      }
      showAnswer(ev);
      break;
    }
    case 'commands':
      refreshSoon(true);
      break;
    default: // chats, reset
      loadState().then(() => loadChat(false)).catch(() => {});
  }
}

function connect() {
  const es = new EventSource('/_ctl/events');
  const conn = $('conn');
  es.onopen = () => {
    conn.textContent = 'live';
    conn.classList.add('on');
    document.body.dataset.live = '1';
    refreshSoon(true);
  };
  es.onerror = () => {
    conn.textContent = 'reconnecting…';
    conn.classList.remove('on');
    delete document.body.dataset.live;
  };
  es.onmessage = (e) => {
    try {
      onEvent(JSON.parse(e.data));
    } catch {
      /* not ours */
    }
  };
}

// ------------------------------------------------------------ wiring

function wire() {
  $('me').addEventListener('change', () => {
    S.me = Number($('me').value);
    const c = S.chat && S.chatId !== null ? chatById(S.chatId) : null;
    if (!c || c.type === 'private' || (c.members && !c.members.includes(S.me))) openChat(S.me, false);
    else {
      saveHash();
      loadChat(false);
    }
  });
  $('add-player').addEventListener('click', async () => {
    const r = await ask('Add a player', [
      { name: 'first_name', label: 'Name', required: true },
      { name: 'username', label: 'Username (optional)' },
    ]);
    if (!r || !r.first_name) return;
    try {
      const { user } = await api('POST', 'users', { first_name: r.first_name, ...(r.username ? { username: r.username } : {}) });
      await loadState();
      await openChat(user.id, true);
    } catch (err) {
      toast(err.message);
    }
  });
  $('rename').addEventListener('click', async () => {
    const u = meUser();
    const r = await ask(`Rename ${u.first_name}`, [{ name: 'first_name', label: 'Name', value: u.first_name, required: true }]);
    if (!r || !r.first_name) return;
    try {
      await api('POST', 'users', { id: u.id, first_name: r.first_name });
      await loadState();
      await loadChat(false);
    } catch (err) {
      toast(err.message);
    }
  });
  $('add-group').addEventListener('click', async () => {
    const opts = S.users.map((u) => ({ value: u.id, label: u.first_name, checked: true }));
    const r = await ask('New group (you add the bot to it)', [
      { name: 'title', label: 'Title', required: true, max: 128 },
      { name: 'member_ids', label: 'Members', type: 'checks', options: opts },
      { name: 'admin_id', label: 'Admin (adds the bot)', type: 'select', options: [meUser(), ...S.users.filter((u) => u.id !== S.me)].map((u) => ({ value: u.id, label: u.first_name })) },
    ]);
    if (!r || !r.title) return;
    const admin = Number(r.admin_id);
    if (!r.member_ids.includes(admin)) r.member_ids.push(admin);
    try {
      const g = await api('POST', 'groups', { title: r.title, member_ids: r.member_ids, admin_id: admin });
      S.me = admin;
      await loadState();
      await openChat(g.chat_id, true);
    } catch (err) {
      toast(err.message);
    }
  });
  $('back').addEventListener('click', () => {
    document.body.classList.remove('in-chat');
    const cur = document.querySelector('.chat-item[aria-current]');
    if (cur) cur.focus();
  });
  $('pinned').addEventListener('click', () => {
    const n = S.rendered.get(Number($('pinned').dataset.id));
    if (!n) return;
    n.node.scrollIntoView({ block: 'center' });
    n.node.classList.add('flash');
    setTimeout(() => n.node.classList.remove('flash'), 1200);
  });
  $('composer').addEventListener('submit', (e) => {
    e.preventDefault();
    submit();
  });
  const input = $('input');
  input.addEventListener('input', () => {
    autosize();
    S.menuForced = false;
    S.menuIndex = menuItems().length ? 0 : -1;
    renderMenu();
  });
  input.addEventListener('keydown', (e) => {
    const items = menuItems();
    if (items.length && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
      e.preventDefault();
      const d = e.key === 'ArrowDown' ? 1 : -1;
      S.menuIndex = (S.menuIndex + d + items.length) % items.length;
      renderMenu();
    } else if (items.length && S.menuIndex >= 0 && (e.key === 'Tab' || (e.key === 'Enter' && !e.shiftKey))) {
      e.preventDefault();
      // a command typed out in full is sent as typed; else the one selected
      const typed = input.value.trim().slice(1).toLowerCase();
      const exact = e.key === 'Enter' && S.commands.find((c) => c.command === typed);
      pickCommand(exact ? exact.command : items[S.menuIndex].command);
    } else if (e.key === 'Escape' && !$('cmd-menu').hidden) {
      e.preventDefault();
      closeMenu();
    } else if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      submit();
    }
  });
  $('menu-btn').addEventListener('click', () => {
    S.menuForced = $('cmd-menu').hidden;
    S.menuIndex = S.menuForced ? 0 : -1;
    renderMenu();
    input.focus();
  });
  $('messages').addEventListener('click', (e) => {
    const t = e.target;
    if (!(t instanceof Element)) return;
    const sp = t.closest('.spoiler, .expandable');
    if (sp) {
      sp.classList.add('revealed');
      return;
    }
    const a = t.closest('a');
    if (!a) return;
    if (a.dataset.command) {
      e.preventDefault();
      sendText(a.dataset.command);
    } else if (deepLink(a.href)) {
      e.preventDefault();
      openUrl(a.href);
    }
  });
  $('messages').addEventListener('keydown', (e) => {
    const t = e.target;
    if ((e.key === 'Enter' || e.key === ' ') && t instanceof Element && t.matches('.spoiler, .expandable')) {
      e.preventDefault();
      t.classList.add('revealed');
    }
  });
  $('alert-ok').addEventListener('click', closeAlert);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !$('alert').hidden) closeAlert();
  });
}

async function main() {
  wire();
  await loadState();
  const h = readHash();
  S.me = h.me && userById(h.me) ? h.me : S.users.length ? S.users[0].id : null;
  renderSide();
  connect();
  const target = h.chat !== null && chatById(h.chat) ? h.chat : S.me;
  if (target !== null && chatById(target)) {
    await openChat(target, false);
    if (h.chat === null) document.body.classList.remove('in-chat');
  }
  document.body.dataset.ready = '1';
}

main().catch((err) => toast('playground: ' + err.message));
