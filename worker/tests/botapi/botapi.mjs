// Local Telegram Bot API emulator for the tests and the benchmark of the bot.
//
//   import { startBotApi } from './botapi.mjs';
//   const api = await startBotApi({ token: '123:ABC' });     // port 0 = any free port
//   api.url / api.apiUrl                -> http://127.0.0.1:<port>, …/bot<token>
//   api.events.on('call', rec => …)      every recorded Bot API call
//   api.events.on('delivery', d => …)    every webhook delivery attempt
//   api.events.on('update', u => …)      every injected update
//   api.calls, api.inject(update), api.message({user, chat?, text}),
//   api.callback({user, chat_id?, message_id, data}), api.pollAnswer({user, poll_id, option_ids}),
//   api.query(filter), api.waitFor(filter), api.messages(chatId), api.faults({...}),
//   api.admins({...}), api.flood({...}), api.block({...}), api.webhook(), api.stats(),
//   api.reset(), api.close()
//
// CLI: node botapi.mjs --port P --token T [--bot-username U] [--host H]
//                      [--webhook-timeout-ms N] [--callback-ttl-ms N] [--first-update-id N]
//                      [--bot-name NAME] [--playground]
//      prints exactly "listening <port>" once ready, exits 0 on SIGTERM/SIGINT.
//      --playground starts with three players and a group (POST /_ctl/playground);
//      --first-update-id: where update ids start (run.sh continues after the last one
//      the bot processed, or a restarted emulator's updates would look like repeats).
//
// The playground: GET / is a Telegram-like web chat with the bot (web/: plain
// HTML, CSS and JavaScript, nothing loaded from elsewhere).  It reads and acts
// through /_ctl/ like the tests do, plus:
//           GET  /_ctl/events       Server-Sent Events: {type: message|edit|delete|pin|answer|
//                                   commands|chats|reset, chat_id?, message_id?, …} per change
//           GET  /_ctl/state        {bot, users, chats}      (the side bar)
//           GET  /_ctl/chat?chat_id=&as=  {chat, messages, commands}  (bot's and players' messages;
//                                   the command menu and poll votes as player `as` sees them)
//           POST /_ctl/users        {id?, first_name, username?} -> {user}  (add or rename a player)
//           POST /_ctl/groups       {title, member_ids, admin_id, id?} -> {chat_id, update_id}
//                                   (the admin adds the bot: a my_chat_member update)
//           POST /_ctl/members      {chat_id, add?, remove?}   POST /_ctl/playground (seed, once)
//
// Bot API:  GET|POST /bot<TOKEN>/<method>   (JSON, form-urlencoded, multipart or query string)
// Control:  POST /_ctl/message      {user, chat?|chat_id?, text, reply_to_message_id?, entities?, extra?, edited?}
//                                   -> {update_id, message_id}
//           POST /_ctl/callback     {user, chat_id?, message_id, data, strict?} -> {update_id, callback_query_id}
//           POST /_ctl/poll_answer  {user, poll_id, option_ids} -> {update_id}
//           POST /_ctl/update       {update} -> {update_id}   (raw; a given update_id may repeat)
//           GET  /_ctl/calls?method=&chat_id=&since_seq=     -> {calls}
//           GET  /_ctl/wait?method=&chat_id=&count=&since_seq=&timeout_ms= -> 200|408 {calls}
//           GET  /_ctl/messages?chat_id=                     -> {messages}
//           POST /_ctl/faults       {method?, chat_id?, responses:[…]} | {clear:true};  GET, DELETE
//           POST /_ctl/admins       {chat_id, user_ids:[id|{id,status?,first_name?,username?}], creator_id?}
//           GET  /_ctl/webhook      POST /_ctl/reset      POST|GET /_ctl/flood
//           POST /_ctl/blocked      {chat_id, blocked?}  (403 "Forbidden: bot was blocked by the user")
//           POST /_ctl/config       {webhook_timeout_ms?, callback_ttl_ms?}
//           GET  /_ctl/updates  /_ctl/deliveries?since_ms=  /_ctl/callbacks  /_ctl/stats  /_ctl/health
//
// Only Node built-ins are used. The emulator only ever talks to loopback
// addresses: a webhook URL pointing elsewhere is refused by setWebhook.

import http from 'node:http';
import { EventEmitter } from 'node:events';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';

const nowMs = () => performance.timeOrigin + performance.now();
const unix = () => Math.floor(Date.now() / 1000);

const BOT_ID = 7000000001;
const NOT_MODIFIED =
  'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message';
const QUERY_INVALID = 'query is too old and response timeout expired or query ID is invalid';
const CONFLICT_WEBHOOK =
  "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first";
const CONFLICT_POLL =
  'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running';
const DEFAULT_EXCLUDED_UPDATES = new Set(['chat_member', 'message_reaction', 'message_reaction_count']);
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

// process-wide counters so ids stay unique across resets
let idCounter = 0;
const idBase = 4000000000000000000n + BigInt(crypto.randomInt(0, 2 ** 40)) * 1000000n;
const uniqueId = () => String(idBase + BigInt(++idCounter));

export class ApiError extends Error {
  constructor(code, description, parameters) {
    super(description);
    this.code = code;
    this.description = description;
    this.parameters = parameters;
  }
}
const bad = (d) => new ApiError(400, 'Bad Request: ' + d);
const entErr = (d) => bad("can't parse entities: " + d);

class CtlError extends Error {
  constructor(status, msg) {
    super(msg);
    this.status = status;
  }
}

// ---------------------------------------------------------------- helpers

function toInt(v) {
  if (typeof v === 'number') return Number.isInteger(v) ? v : undefined;
  if (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) return Number(v);
  if (typeof v === 'bigint') return Number(v);
  return undefined;
}
function toNum(v) {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}
function toBool(v, dflt = false) {
  if (v === undefined || v === null || v === '') return dflt;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  const s = String(v).toLowerCase();
  return s === 'true' || s === '1' || s === 'yes' || s === 'on';
}
function jsonish(v) {
  if (typeof v !== 'string') return v;
  const t = v.trim();
  if ((t[0] === '{' && t.endsWith('}')) || (t[0] === '[' && t.endsWith(']'))) {
    try {
      return JSON.parse(t);
    } catch {
      /* leave as is */
    }
  }
  return v;
}
function cpLen(s) {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff && i > 0) {
      const p = s.charCodeAt(i - 1);
      if (p >= 0xd800 && p <= 0xdbff) n--;
    }
  }
  return n;
}
const byteOff = (s, i) => Buffer.byteLength(s.slice(0, i));
const isSpace = (c) => c === ' ' || c === '\n' || c === '\t' || c === '\r' || c === '\f';
const chatKeyOf = (v) => {
  if (v === undefined || v === null || v === '') return null;
  const n = toInt(v);
  return n !== undefined ? String(n) : String(v);
};

function requireChat(p) {
  const v = p.chat_id;
  if (v === undefined || v === null || v === '') throw bad('chat_id is empty');
  const n = toInt(v);
  if (n === undefined || n === 0) throw bad('chat not found');
  return n;
}
function requireMessageId(p, what = 'message identifier is not specified') {
  const n = toInt(p.message_id);
  if (n === undefined) throw bad(what);
  return n;
}

// ---------------------------------------------------------------- HTML

const TAGS = {
  b: 'bold', strong: 'bold', i: 'italic', em: 'italic', u: 'underline', ins: 'underline',
  s: 'strikethrough', strike: 'strikethrough', del: 'strikethrough', span: 'spoiler',
  'tg-spoiler': 'spoiler', a: 'text_link', code: 'code', pre: 'pre', blockquote: 'blockquote',
  'tg-emoji': 'custom_emoji',
};
const NAMED = { lt: '<', gt: '>', amp: '&', quot: '"' };
const ENTITY_RE = /^&(?:(lt|gt|amp|quot)|#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,8}));/;

function decodeEntityAt(s, i) {
  const m = ENTITY_RE.exec(s.slice(i, i + 16));
  if (!m) {
    const m2 = /^&[a-zA-Z0-9#]*;?/.exec(s.slice(i, i + 40));
    const tok = m2 ? m2[0] : '&';
    if (tok.length > 1) throw entErr(`Unsupported HTML entity "${tok}" at byte offset ${byteOff(s, i)}`);
    throw entErr(`Character entity expected at byte offset ${byteOff(s, i)}`);
  }
  let ch;
  if (m[1]) ch = NAMED[m[1]];
  else {
    const cp = m[2] ? parseInt(m[2], 10) : parseInt(m[3], 16);
    if (cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      throw entErr(`Wrong numeric HTML entity at byte offset ${byteOff(s, i)}`);
    ch = String.fromCodePoint(cp);
  }
  return [ch, m[0].length];
}

function decodeAttr(v) {
  let out = '';
  for (let i = 0; i < v.length; ) {
    if (v[i] === '&') {
      try {
        const [ch, len] = decodeEntityAt(v, i);
        out += ch;
        i += len;
        continue;
      } catch {
        /* literal & inside attribute value */
      }
    }
    out += v[i++];
  }
  return out;
}

export function parseHtml(s) {
  let out = '';
  const stack = [];
  const ents = [];
  const n = s.length;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j < n) {
      const c = s.charCodeAt(j);
      if (c === 60 || c === 38) break;
      j++;
    }
    if (j > i) {
      out += s.slice(i, j);
      i = j;
      if (i >= n) break;
    }
    if (s[i] === '&') {
      const [ch, len] = decodeEntityAt(s, i);
      out += ch;
      i += len;
      continue;
    }
    const start = i;
    if (s[i + 1] === '/') {
      const close = s.indexOf('>', i);
      if (close < 0) throw entErr(`Unclosed end tag at byte offset ${byteOff(s, start)}`);
      const name = s.slice(i + 2, close).trim().toLowerCase();
      if (!stack.length) throw entErr(`Unexpected end tag at byte offset ${byteOff(s, start)}`);
      const top = stack.pop();
      if (top.name !== name)
        throw entErr(
          `Unmatched end tag at byte offset ${byteOff(s, start)}, expected "</${top.name}>", found "</${name}>"`,
        );
      const length = out.length - top.offset;
      const parent = stack[stack.length - 1];
      if (name === 'code' && parent && parent.name === 'pre') {
        const cls = top.attrs.class || '';
        if (cls.startsWith('language-') && cls.length > 9) parent.language = cls.slice(9);
      } else if (length > 0) {
        const type = TAGS[name];
        const e = { type, offset: top.offset, length };
        if (type === 'text_link') {
          if (top.attrs.href) {
            const m = /^tg:\/\/user\?id=(\d+)$/.exec(top.attrs.href);
            if (m) {
              e.type = 'text_mention';
              e.user = { id: Number(m[1]), is_bot: false, first_name: '' };
            } else e.url = top.attrs.href;
            ents.push(e);
          }
        } else {
          if (type === 'pre' && top.language) e.language = top.language;
          if (type === 'blockquote' && 'expandable' in top.attrs) e.type = 'expandable_blockquote';
          if (type === 'custom_emoji') e.custom_emoji_id = top.attrs['emoji-id'];
          ents.push(e);
        }
      }
      i = close + 1;
      continue;
    }
    let k = i + 1;
    while (k < n && /[a-zA-Z0-9-]/.test(s[k])) k++;
    const name = s.slice(i + 1, k).toLowerCase();
    if (!Object.prototype.hasOwnProperty.call(TAGS, name))
      throw entErr(`Unsupported start tag "${name}" at byte offset ${byteOff(s, start)}`);
    const attrs = {};
    for (;;) {
      while (k < n && isSpace(s[k])) k++;
      if (k >= n) throw entErr(`Unclosed start tag at byte offset ${byteOff(s, start)}`);
      if (s[k] === '>') {
        k++;
        break;
      }
      const a0 = k;
      while (k < n && /[a-zA-Z0-9_:-]/.test(s[k])) k++;
      const an = s.slice(a0, k).toLowerCase();
      if (!an)
        throw entErr(`Empty attribute name in the tag "${name}" at byte offset ${byteOff(s, start)}`);
      while (k < n && isSpace(s[k])) k++;
      let av = '';
      if (s[k] === '=') {
        k++;
        while (k < n && isSpace(s[k])) k++;
        if (k >= n) throw entErr(`Unclosed start tag at byte offset ${byteOff(s, start)}`);
        if (s[k] === '"' || s[k] === "'") {
          const e = s.indexOf(s[k], k + 1);
          if (e < 0)
            throw entErr(`Unclosed end of attribute value in the tag "${name}" at byte offset ${byteOff(s, start)}`);
          av = decodeAttr(s.slice(k + 1, e));
          k = e + 1;
        } else {
          const a1 = k;
          while (k < n && !isSpace(s[k]) && s[k] !== '>') k++;
          av = decodeAttr(s.slice(a1, k));
        }
      }
      attrs[an] = av;
    }
    if (name === 'span' && attrs.class !== 'tg-spoiler')
      throw entErr(`Tag "span" must have class "tg-spoiler" at byte offset ${byteOff(s, start)}`);
    if (name === 'tg-emoji' && !/^\d+$/.test(attrs['emoji-id'] || ''))
      throw entErr('Custom emoji entity must contain a valid custom emoji identifier');
    stack.push({ name, offset: out.length, attrs });
    i = k;
  }
  if (stack.length)
    throw entErr(`Can't find end tag corresponding to start tag "${stack[stack.length - 1].name}"`);
  ents.sort((a, b) => a.offset - b.offset || b.length - a.length);
  return { text: out, entities: ents };
}

// Light MarkdownV2 check: reserved characters must be escaped; markup is stripped.
function parseMdV2(s) {
  let out = '';
  let i = 0;
  const n = s.length;
  let inCode = false;
  let inPre = false;
  let inUrl = false;
  let codeStart = 0;
  while (i < n) {
    const c = s[i];
    if (c === '\\') {
      if (i + 1 < n) {
        if (!inUrl) out += s[i + 1];
        i += 2;
        continue;
      }
      throw entErr("Character '\\' is reserved and must be escaped with the preceding '\\'");
    }
    if (inPre) {
      if (s.startsWith('```', i)) {
        inPre = false;
        i += 3;
        continue;
      }
      out += c;
      i++;
      continue;
    }
    if (inCode) {
      if (c === '`') inCode = false;
      else out += c;
      i++;
      continue;
    }
    if (inUrl) {
      if (c === ')') inUrl = false;
      i++;
      continue;
    }
    if (s.startsWith('```', i)) {
      inPre = true;
      codeStart = i;
      i += 3;
      const nl = s.indexOf('\n', i);
      if (nl >= 0 && /^[\w+#.-]*$/.test(s.slice(i, nl))) i = nl + 1;
      continue;
    }
    if (c === '`') {
      inCode = true;
      codeStart = i;
      i++;
      continue;
    }
    if (c === ']' && s[i + 1] === '(') {
      inUrl = true;
      i += 2;
      continue;
    }
    if ('_*[]~|'.includes(c)) {
      i++;
      continue;
    }
    if (c === '>' && (i === 0 || s[i - 1] === '\n')) {
      i++;
      continue;
    }
    if ('()`>#+-=|{}.!'.includes(c))
      throw entErr(`Character '${c}' is reserved and must be escaped with the preceding '\\'`);
    out += c;
    i++;
  }
  if (inCode || inPre)
    throw entErr(`Can't find end of ${inPre ? 'Pre' : 'Code'} entity at byte offset ${byteOff(s, codeStart)}`);
  return { text: out, entities: [] };
}

function parseText(raw, parseMode, entitiesParam, empty = 'message text is empty', long = 'message is too long') {
  if (raw === undefined || raw === null) throw bad(empty);
  if (typeof raw === 'number' || typeof raw === 'boolean') raw = String(raw);
  if (typeof raw !== 'string') throw bad(empty);
  const mode = parseMode ? String(parseMode).toLowerCase() : '';
  let r;
  if (mode === '') {
    const ents = jsonish(entitiesParam);
    r = { text: raw, entities: Array.isArray(ents) ? ents : [] };
  } else if (mode === 'html') r = parseHtml(raw);
  else if (mode === 'markdownv2') r = parseMdV2(raw);
  else if (mode === 'markdown') r = { text: raw.replace(/[*_`]/g, ''), entities: [] };
  else throw bad('unsupported parse_mode');
  if (r.text.trim() === '') throw bad(empty);
  if (cpLen(r.text) > 4096) throw bad(long);
  return r;
}

// ---------------------------------------------------------------- keyboards

const BUTTON_KINDS = [
  'callback_data', 'url', 'web_app', 'login_url', 'switch_inline_query',
  'switch_inline_query_current_chat', 'switch_inline_query_chosen_chat', 'copy_text',
  'callback_game', 'pay',
];
const BAD_MARKUP = "can't parse reply keyboard markup JSON object";

function parseButton(b) {
  if (b === null || typeof b !== 'object' || Array.isArray(b))
    throw bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object");
  if (typeof b.text !== 'string')
    throw bad("can't parse inline keyboard button: Field \"text\" must be of type String");
  if (b.text.trim() === '') throw bad('BUTTON_TEXT_INVALID');
  const kinds = BUTTON_KINDS.filter((k) => b[k] !== undefined);
  if (kinds.length === 0) throw bad('text buttons are unallowed in the inline keyboard');
  if (kinds.length > 1)
    throw bad("can't parse inline keyboard button: exactly one of the optional fields must be used");
  const kind = kinds[0];
  const v = b[kind];
  if (kind === 'callback_data') {
    if (typeof v !== 'string')
      throw bad("can't parse inline keyboard button: Field \"callback_data\" must be of type String");
    const len = Buffer.byteLength(v);
    if (len < 1 || len > 64) throw bad('BUTTON_DATA_INVALID');
  } else if (kind === 'url') {
    if (typeof v !== 'string' || !/^(https?|tg):\/\/[^\s]+$/i.test(v))
      throw bad(`inline keyboard button URL '${v}' is invalid: Wrong HTTP URL`);
  }
  const out = { text: b.text };
  out[kind] = v;
  return out;
}

function parseMarkup(rm) {
  if (rm === undefined || rm === null || rm === '') return null;
  if (typeof rm === 'string') {
    try {
      rm = JSON.parse(rm);
    } catch {
      throw bad(BAD_MARKUP);
    }
  }
  if (typeof rm !== 'object' || Array.isArray(rm)) throw bad(BAD_MARKUP);
  if (rm.inline_keyboard !== undefined) {
    const kb = rm.inline_keyboard;
    const shape = 'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays';
    if (!Array.isArray(kb)) throw bad(shape);
    let total = 0;
    const rows = [];
    for (const row of kb) {
      if (!Array.isArray(row)) throw bad(shape);
      total += row.length;
      // like the real Bot API, empty rows are dropped
      if (row.length) rows.push(row.map(parseButton));
    }
    if (total > 100) throw bad('BUTTONS_TOO_MUCH');
    // an empty inline keyboard means "no keyboard" (it removes one on edits)
    return rows.length ? { inline_keyboard: rows } : { inline_keyboard_empty: true };
  }
  if (rm.keyboard !== undefined) {
    if (!Array.isArray(rm.keyboard) || rm.keyboard.some((r) => !Array.isArray(r)))
      throw bad('field "keyboard" of the ReplyKeyboardMarkup should be an Array of Arrays');
    for (const row of rm.keyboard)
      for (const b of row)
        if (!(typeof b === 'string' || (b && typeof b === 'object' && typeof b.text === 'string')))
          throw bad("can't parse keyboard button: KeyboardButton must be a String or an Object");
    return rm;
  }
  if (rm.remove_keyboard !== undefined || rm.force_reply !== undefined) return rm;
  throw bad(BAD_MARKUP);
}

// ---------------------------------------------------------------- updates

const UPDATE_TYPES = [
  'message', 'edited_message', 'channel_post', 'edited_channel_post', 'business_connection',
  'business_message', 'edited_business_message', 'deleted_business_messages', 'message_reaction',
  'message_reaction_count', 'inline_query', 'chosen_inline_result', 'callback_query',
  'shipping_query', 'pre_checkout_query', 'purchased_paid_media', 'poll', 'poll_answer',
  'my_chat_member', 'chat_member', 'chat_join_request', 'chat_boost', 'removed_chat_boost',
];
function updateType(u) {
  for (const t of UPDATE_TYPES) if (u[t] !== undefined) return t;
  for (const k of Object.keys(u)) if (k !== 'update_id') return k;
  return 'unknown';
}
let anonKey = 0;
function updateChatKey(u) {
  const m = u.message || u.edited_message || u.channel_post || u.edited_channel_post || u.business_message;
  if (m && m.chat && m.chat.id !== undefined) return String(m.chat.id);
  if (u.callback_query) {
    const q = u.callback_query;
    if (q.message && q.message.chat) return String(q.message.chat.id);
    if (q.from) return String(q.from.id);
  }
  if (u.poll_answer) {
    const a = u.poll_answer;
    if (a.user) return String(a.user.id);
    if (a.voter_chat) return String(a.voter_chat.id);
  }
  for (const t of ['my_chat_member', 'chat_member', 'chat_join_request', 'message_reaction', 'message_reaction_count'])
    if (u[t] && u[t].chat) return String(u[t].chat.id);
  for (const t of ['inline_query', 'chosen_inline_result', 'shipping_query', 'pre_checkout_query'])
    if (u[t] && u[t].from) return String(u[t].from.id);
  return '\u0000anon' + ++anonKey;
}

class Deque {
  constructor() {
    this.a = [];
    this.h = 0;
  }
  push(x) {
    this.a.push(x);
  }
  shift() {
    if (this.h >= this.a.length) return undefined;
    const x = this.a[this.h];
    this.a[this.h++] = undefined;
    if (this.h > 1024 && this.h * 2 > this.a.length) {
      this.a = this.a.slice(this.h);
      this.h = 0;
    }
    return x;
  }
  get length() {
    return this.a.length - this.h;
  }
  clear() {
    this.a = [];
    this.h = 0;
  }
}

// ---------------------------------------------------------------- body parsing

function parseMultipart(buf, ct) {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(ct);
  const out = {};
  if (!m) return out;
  const boundary = '--' + (m[1] || m[2]).trim();
  const s = buf.toString('latin1');
  for (const part of s.split(boundary)) {
    const sep = part.indexOf('\r\n\r\n');
    if (sep < 0) continue;
    const head = part.slice(0, sep);
    const nm = /name="([^"]*)"/i.exec(head);
    if (!nm) continue;
    let body = part.slice(sep + 4);
    if (body.endsWith('\r\n')) body = body.slice(0, -2);
    out[nm[1]] = jsonish(Buffer.from(body, 'latin1').toString('utf8'));
  }
  return out;
}

function parseParams(ct, buf, searchParams) {
  const p = {};
  for (const [k, v] of searchParams) p[k] = jsonish(v);
  if (buf.length) {
    ct = (ct || '').toLowerCase();
    if (ct.includes('x-www-form-urlencoded')) {
      for (const [k, v] of new URLSearchParams(buf.toString('utf8'))) p[k] = jsonish(v);
    } else if (ct.includes('multipart/form-data')) {
      Object.assign(p, parseMultipart(buf, ct));
    } else {
      let o;
      try {
        o = JSON.parse(buf.toString('utf8'));
      } catch {
        if (ct.includes('json')) throw bad("can't parse JSON object");
        return p;
      }
      if (o === null || typeof o !== 'object' || Array.isArray(o)) throw bad("can't parse JSON object");
      Object.assign(p, o);
    }
  }
  return p;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new Error('aborted'));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- emulator

const METHOD_NAMES = [
  'getMe', 'sendMessage', 'editMessageText', 'editMessageReplyMarkup', 'deleteMessage',
  'deleteMessages', 'answerCallbackQuery', 'sendPoll', 'stopPoll', 'getChatAdministrators',
  'getChatMember', 'getChat', 'setWebhook', 'deleteWebhook', 'getWebhookInfo', 'getUpdates',
  'sendChatAction', 'setMyCommands', 'getMyCommands', 'deleteMyCommands', 'setMyDescription',
  'setMyShortDescription', 'setMyName', 'setChatMenuButton', 'pinChatMessage', 'unpinChatMessage',
  'leaveChat', 'logOut', 'close',
];
const FLOOD_METHODS = new Set(['sendmessage', 'sendpoll', 'editmessagetext', 'editmessagereplymarkup', 'stoppoll']);
const SEND_METHODS = new Set(['sendmessage', 'sendpoll']);

export class BotApiEmulator {
  constructor({
    token, botUsername = 'mm_test_bot', botName = 'Mental Maze Test', webhookTimeoutMs = 30000, callbackTtlMs = 0,
    firstUpdateId = 100000001,
  } = {}) {
    this.firstUpdateId = Number.isSafeInteger(firstUpdateId) && firstUpdateId > 0 ? firstUpdateId : 100000001;
    if (!(webhookTimeoutMs > 0)) webhookTimeoutMs = 30000;
    if (!(callbackTtlMs >= 0)) callbackTtlMs = 0;
    if (!token) throw new Error('token is required');
    this.token = String(token);
    this.bot = { id: BOT_ID, is_bot: true, first_name: String(botName), username: botUsername };
    this.events = new EventEmitter();
    this.events.setMaxListeners(0);
    this.webhookTimeoutMs = webhookTimeoutMs;
    this.callbackTtlMs = callbackTtlMs;
    this.calls = [];
    this.timers = new Set();
    this.methods = new Map();
    for (const name of METHOD_NAMES) this.methods.set(name.toLowerCase(), name);
    this.reset();
  }

  reset() {
    this.epoch = (this.epoch || 0) + 1;
    this.calls.length = 0;
    this.seq = 0;
    this.idxMethod = new Map();
    this.idxChat = new Map();
    this.idxMC = new Map();
    if (this.waiters) for (const w of [...this.waiters]) w.finish(true);
    this.waiters = new Set();
    this.chats = new Map();
    this.users = new Map();
    this.polls = new Map();
    this.cbq = new Map();
    this.nextUpdateId = this.firstUpdateId;
    this.queue = [];
    this.qHead = 0;
    this.live = 0;
    if (this.poller) this.poller.finish([]);
    this.poller = null;
    if (this.wh) this.closeWebhook();
    this.wh = null;
    this.whInfo = {};
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.faults = [];
    this.admins = new Map();
    this.blocked = new Set();
    this.flood = null;
    this.floodBuckets = new Map();
    this.commands = [];
    this.commandScopes = new Map();
    this.allowedUpdates = null;
    this.deliveries = [];
    this.stats = { delivered: 0, failed_attempts: 0, dropped_updates: 0, flood_429: 0, faults_consumed: 0 };
    this.nextGroupId = -1001000000001;
    this.notify({ type: 'reset' });
  }

  // a change the playground page shows: to the 'ui' event and every open
  // /_ctl/events stream (Server-Sent Events)
  notify(ev) {
    if (!this.sse) this.sse = new Set();
    this.events.emit('ui', ev);
    if (!this.sse.size) return;
    const line = 'data: ' + JSON.stringify(ev) + '\n\n';
    for (const res of this.sse) res.write(line);
  }

  // ------------------------------------------------------------ records

  record(rec) {
    rec.seq = ++this.seq;
    rec.done_ms = nowMs();
    const mk = rec.method.toLowerCase();
    this.calls.push(rec);
    const push = (map, key) => {
      let a = map.get(key);
      if (!a) map.set(key, (a = []));
      a.push(rec);
    };
    push(this.idxMethod, mk);
    if (rec.chat_id !== null) {
      push(this.idxChat, rec.chat_id);
      push(this.idxMC, mk + '\u0000' + rec.chat_id);
    }
    if (this.waiters.size) for (const w of this.waiters) w.offer(rec);
    this.events.emit('call', rec);
  }

  static normFilter(f = {}) {
    const method = f.method ? String(f.method).toLowerCase() : null;
    const chat = chatKeyOf(f.chat_id);
    const since = toInt(f.since_seq) ?? 0;
    return { method, chat, since };
  }

  static matches(f, rec) {
    if (rec.seq <= f.since) return false;
    if (f.method && rec.method.toLowerCase() !== f.method) return false;
    if (f.chat !== null && rec.chat_id !== f.chat) return false;
    return true;
  }

  queryCalls(filter) {
    const f = BotApiEmulator.normFilter(filter);
    let list;
    if (f.method && f.chat !== null) list = this.idxMC.get(f.method + '\u0000' + f.chat);
    else if (f.method) list = this.idxMethod.get(f.method);
    else if (f.chat !== null) list = this.idxChat.get(f.chat);
    else list = this.calls;
    if (!list || !list.length) return [];
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].seq <= f.since) lo = mid + 1;
      else hi = mid;
    }
    return list.slice(lo);
  }

  // resolves {timedOut, calls}; returns {promise, cancel}
  waitCalls(filter = {}) {
    const count = Math.max(1, toInt(filter.count) ?? 1);
    const timeout = toNum(filter.timeout_ms) ?? 10000;
    const f = BotApiEmulator.normFilter(filter);
    const found = this.queryCalls(filter);
    if (found.length >= count) return { promise: Promise.resolve({ timedOut: false, calls: found }), cancel() {} };
    let resolve;
    const promise = new Promise((r) => (resolve = r));
    const w = {
      offer: (rec) => {
        if (!BotApiEmulator.matches(f, rec)) return;
        found.push(rec);
        if (found.length >= count) w.finish(false);
      },
      finish: (timedOut) => {
        if (!this.waiters.delete(w)) return;
        clearTimeout(w.timer);
        resolve({ timedOut, calls: found });
      },
    };
    w.timer = setTimeout(() => w.finish(true), timeout);
    this.waiters.add(w);
    return { promise, cancel: () => w.finish(true) };
  }

  // ------------------------------------------------------------ chats / users

  chat(id) {
    const key = String(id);
    let c = this.chats.get(key);
    if (!c) {
      c = {
        id: Number(id), type: id > 0 ? 'private' : 'supergroup', nextId: 1, msgs: new Map(), userMsgs: new Set(),
        umsgs: new Map(), pinned: null, members: null,
      };
      this.chats.set(key, c);
    }
    return c;
  }

  chatObj(c) {
    const o = { id: c.id };
    if (c.type === 'private') {
      const u = this.users.get(String(c.id));
      o.first_name = (u && u.first_name) || 'User';
      if (u && u.username) o.username = u.username;
    } else o.title = c.title || 'Test Group';
    o.type = c.type;
    return o;
  }

  userObj(u) {
    if (!u || toInt(u.id) === undefined) throw new CtlError(400, 'user.id is required');
    const id = toInt(u.id);
    const prev = this.users.get(String(id)) || {};
    const o = { id, is_bot: !!u.is_bot, first_name: u.first_name || prev.first_name || `User${id}` };
    if (u.last_name) o.last_name = u.last_name;
    const username = u.username || prev.username;
    if (username) o.username = username;
    o.language_code = u.language_code || prev.language_code || 'en';
    this.users.set(String(id), o);
    return o;
  }

  chatInstance(key) {
    const h = crypto.createHash('sha1').update('ci:' + key).digest();
    return String(h.readBigInt64BE(0));
  }

  storeMsg(chatId, msg) {
    this.chat(chatId).msgs.set(msg.message_id, msg);
  }

  currentMsg(c, mid) {
    let m = c && c.msgs.get(mid);
    if (m && m.poll && !m.poll.is_closed && m.poll.close_date && m.poll.close_date <= unix()) {
      m = { ...m, poll: { ...m.poll, is_closed: true } };
      c.msgs.set(mid, m);
    }
    return m;
  }

  // ------------------------------------------------------------ update queue

  isAllowed(type) {
    const a = this.allowedUpdates;
    if (!a || !a.length) return !DEFAULT_EXCLUDED_UPDATES.has(type);
    return a.includes(type);
  }

  inject(update) {
    if (update === null || typeof update !== 'object' || Array.isArray(update))
      throw new CtlError(400, 'update must be an object');
    let explicit = false;
    let uid;
    if (update.update_id === undefined || update.update_id === null) uid = this.nextUpdateId++;
    else {
      uid = toInt(update.update_id);
      if (uid === undefined) throw new CtlError(400, 'update_id must be an integer');
      explicit = true;
      if (uid >= this.nextUpdateId) this.nextUpdateId = uid + 1;
    }
    update = { update_id: uid, ...update, update_id: uid };
    const type = updateType(update);
    if (!this.isAllowed(type)) {
      this.stats.dropped_updates++;
      return { update_id: update.update_id, dropped: true };
    }
    const e = {
      update, key: updateChatKey(update), explicit, done: false, returned: false, busy: false,
      attempts: 0, at_ms: nowMs(), epoch: this.epoch,
    };
    const cq = update.callback_query;
    if (cq && typeof cq === 'object' && cq.id !== undefined && cq.id !== null && !this.cbq.has(String(cq.id))) {
      const chatKey = cq.message && cq.message.chat ? String(cq.message.chat.id) : cq.from ? String(cq.from.id) : null;
      this.cbq.set(String(cq.id), {
        answered: false, chatKey, at_ms: nowMs(), message_id: cq.message && cq.message.message_id,
        user_id: cq.from && cq.from.id,
      });
    }
    this.queue.push(e);
    this.live++;
    this.events.emit('update', update);
    if (this.wh) this.whEnqueue(e);
    else this.wakePoller();
    return { update_id: update.update_id };
  }

  markDone(e) {
    if (e.done) return false;
    e.done = true;
    if (e.epoch !== this.epoch) return false;
    this.live--;
    this.compact();
    return true;
  }

  compact() {
    const q = this.queue;
    while (this.qHead < q.length && q[this.qHead].done) q[this.qHead++] = undefined;
    if (this.qHead > 1024 && this.qHead * 2 > q.length) {
      this.queue = q.slice(this.qHead);
      this.qHead = 0;
    }
  }

  liveEntries(limit = Infinity) {
    const out = [];
    const q = this.queue;
    for (let i = this.qHead; i < q.length && out.length < limit; i++) if (!q[i].done) out.push(q[i]);
    return out;
  }

  dropPending(keepBusy) {
    for (const e of this.liveEntries()) if (!(keepBusy && e.busy)) this.markDone(e);
  }

  wakePoller() {
    const p = this.poller;
    if (!p) return;
    const items = this.liveEntries(p.limit);
    if (!items.length) return;
    for (const e of items) e.returned = true;
    p.finish(items.map((e) => e.update));
  }

  // ------------------------------------------------------------ webhook delivery

  closeWebhook() {
    const w = this.wh;
    if (!w) return;
    w.closed = true;
    this.wh = null;
    if (w.active === 0) w.agent.destroy();
  }

  whEnqueue(e) {
    const w = this.wh;
    let q = w.chatQ.get(e.key);
    if (!q) w.chatQ.set(e.key, (q = []));
    q.push(e);
    if (q.length === 1) w.ready.push(e.key);
    this.whPump();
  }

  whRebuild() {
    const w = this.wh;
    w.chatQ = new Map();
    w.ready.clear();
    for (const e of this.liveEntries()) {
      let q = w.chatQ.get(e.key);
      if (!q) w.chatQ.set(e.key, (q = []));
      q.push(e);
    }
    for (const [key, q] of w.chatQ) if (!q[0].busy) w.ready.push(key);
  }

  whPump() {
    const w = this.wh;
    if (!w) return;
    while (w.active < w.max && w.ready.length) {
      const key = w.ready.shift();
      const q = w.chatQ.get(key);
      if (!q) continue;
      while (q.length && q[0].done) q.shift();
      if (!q.length) {
        w.chatQ.delete(key);
        continue;
      }
      if (q[0].busy) continue;
      this.whDeliver(w, key, q[0]);
    }
  }

  whDeliver(w, key, e) {
    w.active++;
    e.busy = true;
    e.attempts++;
    const body = JSON.stringify(e.update);
    const headers = { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) };
    if (w.secret) headers['X-Telegram-Bot-Api-Secret-Token'] = w.secret;
    const started = nowMs();
    let settled = false;
    const finish = (status, resBody, errMsg) => {
      if (settled) return;
      settled = true;
      w.active--;
      const ok = status !== null && status >= 200 && status < 300;
      const info = { update_id: e.update.update_id, chat_key: key, attempt: e.attempts, status, ok, started_ms: started, at_ms: nowMs(), error: errMsg };
      this.logDelivery(info);
      if (ok) {
        e.busy = false;
        if (this.markDone(e)) this.stats.delivered++;
        const q = w.chatQ.get(key);
        if (q && q[0] === e) q.shift();
        if (q && q.length) w.ready.push(key);
        else if (q) w.chatQ.delete(key);
        this.events.emit('delivery', info);
        if (resBody && resBody.length && e.epoch === this.epoch) this.webhookReply(resBody);
      } else {
        this.stats.failed_attempts++;
        const msg = errMsg || `Wrong response from the webhook: ${status} ${http.STATUS_CODES[status] || ''}`.trim();
        this.whInfo.last_error_date = unix();
        this.whInfo.last_error_message = msg;
        info.error = msg;
        this.events.emit('delivery', info);
        if (w.closed) e.busy = false;
        else {
          const delay = Math.min(200 * 2 ** (e.attempts - 1), 5000);
          const t = setTimeout(() => {
            this.timers.delete(t);
            e.busy = false;
            if (w.closed || e.done) {
              if (!w.closed) {
                const q = w.chatQ.get(key);
                if (q && q.length) w.ready.push(key);
                this.whPump();
              }
              return;
            }
            w.ready.push(key);
            this.whPump();
          }, delay);
          this.timers.add(t);
        }
      }
      if (w.closed) {
        if (w.active === 0) w.agent.destroy();
      } else this.whPump();
    };
    let req;
    try {
      req = http.request(
        { host: w.host, port: w.port, path: w.path, method: 'POST', headers, agent: w.agent },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => finish(res.statusCode, Buffer.concat(chunks)));
          res.on('error', (err) => finish(null, null, err.message));
          res.on('aborted', () => finish(null, null, 'Connection reset by peer'));
        },
      );
    } catch (err) {
      setImmediate(() => finish(null, null, err.message));
      return;
    }
    req.setTimeout(this.webhookTimeoutMs, () => req.destroy(new Error('Read timeout expired')));
    req.on('error', (err) => {
      let m = err.message;
      if (err.code === 'ECONNREFUSED') m = 'Connection refused';
      else if (err.code === 'ECONNRESET') m = 'Connection reset by peer';
      finish(null, null, m);
    });
    req.end(body);
  }

  logDelivery(info) {
    const d = this.deliveries;
    d.push(info);
    if (d.length > 20000) d.splice(0, 10000);
  }

  // Telegram executes a method given in the webhook response body
  webhookReply(buf) {
    let o;
    try {
      o = JSON.parse(buf.toString('utf8'));
    } catch {
      return;
    }
    if (!o || typeof o !== 'object' || typeof o.method !== 'string') return;
    const { method, ...params } = o;
    const rec = { seq: 0, at_ms: nowMs(), method, params, status: 0, response: null, chat_id: null, via: 'webhook_response' };
    this.execute(method, params, rec, null)
      .then((r) => {
        rec.status = r.status;
        rec.response = r.response;
        this.record(rec);
      })
      .catch(() => {});
  }

  // ------------------------------------------------------------ faults / flood

  takeFault(mk, chatKey) {
    for (let i = 0; i < this.faults.length; i++) {
      const f = this.faults[i];
      if (f.method && f.method !== mk) continue;
      if (f.chat !== null && f.chat !== chatKey) continue;
      const r = f.responses.shift();
      if (!f.responses.length) this.faults.splice(i, 1);
      this.stats.faults_consumed++;
      return r;
    }
    return null;
  }

  static faultResponse(r) {
    const status = toInt(r.status) ?? 500;
    if (r.body !== undefined) {
      const body = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
      const ct = typeof r.body === 'string' && !/^\s*[{[]/.test(r.body) ? 'text/html' : 'application/json';
      return { status, body, contentType: ct, response: r.body };
    }
    let resp;
    if (status === 429) {
      const ra = toInt(r.retry_after) ?? 1;
      resp = { ok: false, error_code: 429, description: r.description || `Too Many Requests: retry after ${ra}`, parameters: { retry_after: ra } };
    } else if (status >= 500) {
      resp = { ok: false, error_code: status, description: r.description || 'Internal Server Error' };
    } else {
      const dflt = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict' }[status] || http.STATUS_CODES[status] || 'Error';
      resp = { ok: false, error_code: status, description: r.description || dflt };
    }
    if (r.parameters) resp.parameters = { ...(resp.parameters || {}), ...r.parameters };
    return { status, body: JSON.stringify(resp), contentType: 'application/json', response: resp };
  }

  floodCheck(mk, chatKey) {
    const f = this.flood;
    if (!f || !FLOOD_METHODS.has(mk) || chatKey === null) return 0;
    const now = nowMs();
    const buckets = [];
    const get = (key, cap, rate) => {
      if (!(cap > 0) || !(rate > 0)) return;
      let b = this.floodBuckets.get(key);
      if (!b) this.floodBuckets.set(key, (b = { tokens: cap, last: now }));
      b.tokens = Math.min(cap, b.tokens + ((now - b.last) / 1000) * rate);
      b.last = now;
      buckets.push([b, rate]);
    };
    const perChat = toNum(f.per_chat_per_s);
    get('c:' + chatKey, toNum(f.burst) ?? Math.max(1, perChat || 1), perChat);
    if (Number(chatKey) < 0) {
      const gpm = toNum(f.group_per_min);
      get('g:' + chatKey, gpm, gpm / 60);
    }
    const glob = toNum(f.global_per_s);
    get('global', toNum(f.global_burst) ?? glob, glob);
    let wait = 0;
    for (const [b, rate] of buckets) if (b.tokens < 1) wait = Math.max(wait, (1 - b.tokens) / rate);
    if (wait > 0) return Math.max(1, Math.ceil(wait));
    for (const [b] of buckets) b.tokens -= 1;
    return 0;
  }

  // ------------------------------------------------------------ dispatch

  callChatKey(mk, p) {
    if (mk === 'answercallbackquery') {
      const q = this.cbq.get(String(p.callback_query_id));
      return q ? q.chatKey : null;
    }
    return chatKeyOf(p.chat_id);
  }

  // returns {status, body, contentType, response}
  async execute(methodRaw, params, rec, ctx) {
    const mk = String(methodRaw).toLowerCase();
    const name = this.methods.get(mk);
    if (name) rec.method = name;
    if (!name) return this.envelope(new ApiError(404, 'Not Found'));
    const chatKey = this.callChatKey(mk, params);
    rec.chat_id = chatKey;
    if (this.faults.length) {
      const f = this.takeFault(mk, chatKey);
      if (f) {
        rec.fault = f;
        if (f.delay_ms) await sleep(Number(f.delay_ms));
        if (f.status !== undefined || f.body !== undefined) return BotApiEmulator.faultResponse(f);
      }
    }
    if (this.flood) {
      const ra = this.floodCheck(mk, chatKey);
      if (ra) {
        this.stats.flood_429++;
        rec.flood = true;
        return this.envelope(new ApiError(429, `Too Many Requests: retry after ${ra}`, { retry_after: ra }));
      }
    }
    try {
      const result = await this['m_' + mk](params, ctx, rec);
      return this.envelope(null, result, mk === 'setwebhook' || mk === 'deletewebhook' ? rec.description : undefined);
    } catch (err) {
      if (err instanceof ApiError) return this.envelope(err);
      return this.envelope(new ApiError(500, 'Internal Server Error: ' + (err && err.message)));
    }
  }

  envelope(err, result, description) {
    let resp;
    let status = 200;
    if (err) {
      status = err.code;
      resp = { ok: false, error_code: err.code, description: err.description };
      if (err.parameters) resp.parameters = err.parameters;
    } else {
      resp = { ok: true, result };
      if (description) resp.description = description;
    }
    return { status, body: JSON.stringify(resp), contentType: 'application/json', response: resp };
  }

  // ------------------------------------------------------------ Bot API methods

  m_getme() {
    return this.bot;
  }

  checkWritable(chatId) {
    if (this.blocked.has(String(chatId)))
      throw new ApiError(403, chatId > 0 ? 'Forbidden: bot was blocked by the user' : 'Forbidden: bot was kicked from the supergroup chat');
  }

  replyTo(c, p) {
    let rp = jsonish(p.reply_parameters);
    let mid = rp && typeof rp === 'object' ? toInt(rp.message_id) : toInt(p.reply_to_message_id);
    const allow = toBool(rp && typeof rp === 'object' ? rp.allow_sending_without_reply : p.allow_sending_without_reply);
    if (mid === undefined) return undefined;
    const m = c.msgs.get(mid);
    if (m) return m;
    if (c.userMsgs.has(mid)) return { message_id: mid, chat: this.chatObj(c) };
    if (allow) return undefined;
    throw bad('message to be replied not found');
  }

  m_sendmessage(p) {
    const chatId = requireChat(p);
    this.checkWritable(chatId);
    const { text, entities } = parseText(p.text, p.parse_mode, p.entities);
    const markup = parseMarkup(p.reply_markup);
    const c = this.chat(chatId);
    const reply = this.replyTo(c, p);
    const msg = { message_id: c.nextId++, from: this.bot, chat: this.chatObj(c), date: unix() };
    if (reply) msg.reply_to_message = reply;
    msg.text = text;
    if (entities.length) msg.entities = entities;
    if (markup && markup.inline_keyboard) msg.reply_markup = markup;
    c.msgs.set(msg.message_id, msg);
    this.notify({ type: 'message', chat_id: c.id, message_id: msg.message_id });
    return msg;
  }

  findForEdit(p) {
    const chatId = requireChat(p);
    const mid = requireMessageId(p);
    const c = this.chats.get(String(chatId));
    const old = this.currentMsg(c, mid);
    if (!old) throw bad('message to edit not found');
    return { c, old };
  }

  m_editmessagetext(p) {
    if (p.inline_message_id !== undefined && p.chat_id === undefined) throw bad('MESSAGE_ID_INVALID');
    const { c, old } = this.findForEdit(p);
    if (old.text === undefined) throw bad('there is no text in the message to edit');
    const { text, entities } = parseText(p.text, p.parse_mode, p.entities, 'message text is empty', 'MESSAGE_TOO_LONG');
    const markup = parseMarkup(p.reply_markup);
    const newMarkup = markup && markup.inline_keyboard ? markup : undefined;
    if (
      old.text === text &&
      JSON.stringify(old.entities || []) === JSON.stringify(entities) &&
      JSON.stringify(old.reply_markup) === JSON.stringify(newMarkup)
    )
      throw bad(NOT_MODIFIED);
    const m = { ...old, edit_date: unix(), text };
    if (entities.length) m.entities = entities;
    else delete m.entities;
    if (newMarkup) m.reply_markup = newMarkup;
    else delete m.reply_markup;
    c.msgs.set(m.message_id, m);
    this.notify({ type: 'edit', chat_id: c.id, message_id: m.message_id });
    return m;
  }

  m_editmessagereplymarkup(p) {
    if (p.inline_message_id !== undefined && p.chat_id === undefined) throw bad('MESSAGE_ID_INVALID');
    const { c, old } = this.findForEdit(p);
    const markup = parseMarkup(p.reply_markup);
    const newMarkup = markup && markup.inline_keyboard ? markup : undefined;
    if (JSON.stringify(old.reply_markup) === JSON.stringify(newMarkup)) throw bad(NOT_MODIFIED);
    const m = { ...old, edit_date: unix() };
    if (newMarkup) m.reply_markup = newMarkup;
    else delete m.reply_markup;
    c.msgs.set(m.message_id, m);
    this.notify({ type: 'edit', chat_id: c.id, message_id: m.message_id });
    return m;
  }

  m_deletemessage(p) {
    const chatId = requireChat(p);
    const mid = requireMessageId(p);
    const c = this.chats.get(String(chatId));
    if (c && (c.msgs.delete(mid) || c.userMsgs.delete(mid))) {
      c.umsgs.delete(mid);
      if (c.pinned === mid) c.pinned = null;
      this.notify({ type: 'delete', chat_id: c.id, message_id: mid });
      return true;
    }
    throw bad('message to delete not found');
  }

  m_deletemessages(p) {
    const chatId = requireChat(p);
    const ids = jsonish(p.message_ids);
    if (!Array.isArray(ids) || ids.length < 1 || ids.length > 100) throw bad('message identifiers are not specified');
    const c = this.chats.get(String(chatId));
    for (const raw of ids) {
      const mid = toInt(raw);
      if (c && mid !== undefined && (c.msgs.delete(mid) || c.userMsgs.delete(mid))) {
        c.umsgs.delete(mid);
        if (c.pinned === mid) c.pinned = null;
        this.notify({ type: 'delete', chat_id: c.id, message_id: mid });
      }
    }
    return true;
  }

  m_answercallbackquery(p) {
    const id = p.callback_query_id === undefined ? '' : String(p.callback_query_id);
    const q = this.cbq.get(id);
    if (!q || q.answered || (this.callbackTtlMs > 0 && nowMs() - q.at_ms > this.callbackTtlMs)) throw bad(QUERY_INVALID);
    const text = p.text === undefined || p.text === null ? '' : String(p.text);
    if (cpLen(text) > 200) throw bad('MESSAGE_TOO_LONG');
    q.answered = true;
    q.answer = { text, show_alert: toBool(p.show_alert), url: p.url, cache_time: toInt(p.cache_time) };
    this.notify({
      type: 'answer', callback_query_id: id, chat_id: q.chatKey === null ? null : Number(q.chatKey),
      message_id: q.message_id, user_id: q.user_id, ...q.answer,
    });
    return true;
  }

  m_sendpoll(p) {
    const chatId = requireChat(p);
    this.checkWritable(chatId);
    const question = p.question === undefined || p.question === null ? '' : String(p.question);
    if (question.trim() === '') throw bad('poll question must be non-empty');
    if (cpLen(question) > 300) throw bad('poll question length must not exceed 300');
    const options = jsonish(p.options);
    if (!Array.isArray(options)) throw bad("can't parse options JSON object");
    if (options.length < 2) throw bad('poll must have at least 2 option');
    if (options.length > 12) throw bad("poll can't have more than 12 options");
    const texts = options.map((o) => {
      const t = typeof o === 'string' ? o : o && typeof o === 'object' && o.text !== undefined ? String(o.text) : null;
      if (t === null) throw bad("can't parse InputPollOption");
      if (t.trim() === '') throw bad('poll options must be non-empty');
      if (cpLen(t) > 100) throw bad('poll options length must not exceed 100');
      return t;
    });
    const type = p.type === undefined || p.type === null || p.type === '' ? 'regular' : String(p.type);
    if (type !== 'regular' && type !== 'quiz') throw bad('poll type is invalid');
    const isAnon = toBool(p.is_anonymous, true);
    const multiple = toBool(p.allows_multiple_answers);
    let correct = jsonish(p.correct_option_ids);
    if (correct === undefined && p.correct_option_id !== undefined) correct = [p.correct_option_id];
    let ids;
    if (type === 'quiz') {
      if (!Array.isArray(correct) || correct.length === 0) throw bad('wrong correct option ID specified');
      ids = correct.map(toInt);
      for (let i = 0; i < ids.length; i++) {
        const v = ids[i];
        if (v === undefined || v < 0 || v >= texts.length || (i > 0 && v <= ids[i - 1]))
          throw bad('wrong correct option ID specified');
      }
    }
    const explanation = p.explanation === undefined || p.explanation === null ? undefined : String(p.explanation);
    if (explanation !== undefined && cpLen(explanation) > 200) throw bad('explanation is too long');
    let openPeriod;
    if (p.open_period !== undefined && p.open_period !== null && p.open_period !== '') {
      openPeriod = toInt(p.open_period);
      if (openPeriod === undefined || openPeriod < 5 || openPeriod > 2628000) throw bad('wrong open period specified');
    }
    const markup = parseMarkup(p.reply_markup);
    const c = this.chat(chatId);
    const poll = {
      id: uniqueId(), question, options: texts.map((t) => ({ text: t, voter_count: 0 })),
      total_voter_count: 0, is_closed: false, is_anonymous: isAnon, type, allows_multiple_answers: multiple,
    };
    if (ids) {
      poll.correct_option_ids = ids;
      poll.correct_option_id = ids[0];
    }
    if (explanation) poll.explanation = explanation;
    if (openPeriod) {
      poll.open_period = openPeriod;
      poll.close_date = unix() + openPeriod;
    }
    const msg = { message_id: c.nextId++, from: this.bot, chat: this.chatObj(c), date: unix(), poll };
    if (markup && markup.inline_keyboard) msg.reply_markup = markup;
    c.msgs.set(msg.message_id, msg);
    this.polls.set(poll.id, { chatKey: String(chatId), message_id: msg.message_id, votes: new Map(), poll });
    this.notify({ type: 'message', chat_id: c.id, message_id: msg.message_id });
    return msg;
  }

  m_stoppoll(p) {
    const chatId = requireChat(p);
    const mid = requireMessageId(p);
    const c = this.chats.get(String(chatId));
    const old = this.currentMsg(c, mid);
    if (!old || !old.poll) throw bad('message with poll to stop not found');
    if (old.poll.is_closed) throw bad('poll has already been closed');
    const markup = parseMarkup(p.reply_markup);
    const poll = { ...old.poll, is_closed: true };
    const m = { ...old, poll, edit_date: unix() };
    if (markup && markup.inline_keyboard) m.reply_markup = markup;
    c.msgs.set(mid, m);
    const ps = this.polls.get(poll.id);
    if (ps) ps.poll = poll;
    this.notify({ type: 'edit', chat_id: c.id, message_id: mid });
    return poll;
  }

  adminList(chatId) {
    const key = String(chatId);
    const a = this.admins.get(key);
    if (a) return a;
    if (chatId > 0) throw bad('there are no administrators in the private chat');
    return [];
  }

  m_getchatadministrators(p) {
    return this.adminList(requireChat(p));
  }

  m_getchatmember(p) {
    const chatId = requireChat(p);
    const uid = toInt(p.user_id);
    if (uid === undefined) throw bad('user not found');
    if (uid === BOT_ID) return { status: chatId > 0 ? 'member' : 'administrator', user: this.bot };
    const a = this.admins.get(String(chatId));
    const found = a && a.find((m) => m.user.id === uid);
    if (found) return found;
    const u = this.users.get(String(uid)) || { id: uid, is_bot: false, first_name: `User${uid}` };
    // a group the emulator keeps members for: someone not among them has left
    const c = this.chats.get(String(chatId));
    if (c && c.members && !c.members.includes(uid)) return { status: 'left', user: u };
    return { status: 'member', user: u };
  }

  m_getchat(p) {
    const chatId = requireChat(p);
    const c = this.chats.get(String(chatId));
    if (!c && !this.users.has(String(chatId))) throw bad('chat not found');
    return { ...this.chatObj(c || this.chat(chatId)), accent_color_id: 0, max_reaction_count: 11 };
  }

  m_sendchataction(p) {
    requireChat(p);
    if (!p.action) throw bad('wrong parameter action in request');
    return true;
  }

  // BotCommandScope + language_code -> the key commands are stored under
  static scopeKey(p) {
    let scope = jsonish(p.scope);
    if (scope === undefined || scope === null || scope === '') scope = { type: 'default' };
    if (typeof scope !== 'object' || Array.isArray(scope) || typeof scope.type !== 'string')
      throw bad("can't parse BotCommandScope JSON object");
    const lang = p.language_code === undefined || p.language_code === null ? '' : String(p.language_code);
    if (lang !== '' && !/^[a-z]{2}$/.test(lang)) throw bad('invalid language code specified');
    const t = scope.type;
    let key;
    if (['default', 'all_private_chats', 'all_group_chats', 'all_chat_administrators'].includes(t)) key = t;
    else if (t === 'chat' || t === 'chat_administrators' || t === 'chat_member') {
      const chat = toInt(scope.chat_id);
      if (chat === undefined || chat === 0) throw bad('chat not found');
      key = t + ':' + chat;
      if (t === 'chat_member') {
        const uid = toInt(scope.user_id);
        if (uid === undefined) throw bad('user not found');
        key += ':' + uid;
      }
    } else throw bad('wrong bot command scope type specified');
    return key + '|' + lang;
  }

  m_setmycommands(p) {
    const cmds = jsonish(p.commands);
    if (!Array.isArray(cmds)) throw bad("can't parse commands JSON object");
    if (cmds.length > 100) throw bad('too many commands');
    for (const c of cmds) {
      if (!c || typeof c.command !== 'string' || !/^[a-z0-9_]{1,32}$/.test(c.command)) throw bad('BOT_COMMAND_INVALID');
      if (typeof c.description !== 'string' || c.description.length < 1 || c.description.length > 256)
        throw bad('command description is empty');
    }
    const key = BotApiEmulator.scopeKey(p);
    const list = cmds.map((c) => ({ command: c.command, description: c.description }));
    if (list.length) this.commandScopes.set(key, list);
    else this.commandScopes.delete(key);
    if (key === 'default|') this.commands = list;
    this.notify({ type: 'commands' });
    return true;
  }

  m_getmycommands(p) {
    return this.commandScopes.get(BotApiEmulator.scopeKey(p)) || [];
  }

  m_deletemycommands(p) {
    const key = BotApiEmulator.scopeKey(p);
    this.commandScopes.delete(key);
    if (key === 'default|') this.commands = [];
    this.notify({ type: 'commands' });
    return true;
  }

  // the menu a client shows in chat c to user userId, as Telegram picks it:
  // the narrowest scope with commands wins (language-specific lists first)
  commandsFor(c, userId, lang = '') {
    const keys = [];
    const admin = c.id < 0 && this.isAdmin(c.id, userId);
    if (c.id < 0) {
      keys.push(`chat_member:${c.id}:${userId}`);
      if (admin) keys.push(`chat_administrators:${c.id}`);
      keys.push(`chat:${c.id}`);
      if (admin) keys.push('all_chat_administrators');
      keys.push('all_group_chats');
    } else keys.push(`chat:${c.id}`, 'all_private_chats');
    keys.push('default');
    for (const k of keys) {
      const l = (lang && this.commandScopes.get(k + '|' + lang)) || this.commandScopes.get(k + '|');
      if (l) return l;
    }
    return [];
  }

  isAdmin(chatId, userId) {
    const a = this.admins.get(String(chatId));
    return !!(a && a.some((m) => m.user.id === userId));
  }

  m_setmydescription() {
    return true;
  }
  m_setmyshortdescription() {
    return true;
  }
  m_setmyname() {
    return true;
  }
  m_setchatmenubutton() {
    return true;
  }
  m_pinchatmessage(p) {
    const chatId = requireChat(p);
    const c = this.chats.get(String(chatId));
    const mid = toInt(p.message_id);
    // the tests' stand-in chats hold no messages: pinning there just succeeds
    if (!c || mid === undefined) return true;
    if (!c.msgs.has(mid) && !c.userMsgs.has(mid)) throw bad('message to pin not found');
    c.pinned = mid;
    this.notify({ type: 'pin', chat_id: c.id, message_id: mid });
    return true;
  }
  m_unpinchatmessage(p) {
    const chatId = requireChat(p);
    const c = this.chats.get(String(chatId));
    const mid = toInt(p.message_id);
    if (c && c.pinned !== null && (mid === undefined || mid === c.pinned)) {
      c.pinned = null;
      this.notify({ type: 'pin', chat_id: c.id, message_id: null });
    }
    return true;
  }
  m_leavechat(p) {
    requireChat(p);
    return true;
  }
  m_logout() {
    return true;
  }
  m_close() {
    return true;
  }

  m_setwebhook(p, ctx, rec) {
    const url = p.url === undefined || p.url === null ? '' : String(p.url);
    let secret;
    if (p.secret_token !== undefined && p.secret_token !== null && p.secret_token !== '') {
      secret = String(p.secret_token);
      if (!/^[A-Za-z0-9_-]{1,256}$/.test(secret)) throw bad('secret token contains unallowed characters');
    }
    let max = 40;
    if (p.max_connections !== undefined && p.max_connections !== null && p.max_connections !== '') {
      max = toInt(p.max_connections);
      if (max === undefined || max < 1 || max > 100) throw bad('bad webhook: Wrong max_connections specified');
    }
    let allowed;
    if (p.allowed_updates !== undefined && p.allowed_updates !== null && p.allowed_updates !== '') {
      allowed = jsonish(p.allowed_updates);
      if (!Array.isArray(allowed)) throw bad("can't parse allowed updates JSON object");
    }
    const drop = toBool(p.drop_pending_updates);
    if (url === '') {
      rec.description = this.wh ? 'Webhook was deleted' : 'Webhook is already deleted';
      this.closeWebhook();
      if (allowed) this.allowedUpdates = allowed;
      if (drop) this.dropPending(false);
      return true;
    }
    let u;
    try {
      u = new URL(url);
    } catch {
      throw bad('bad webhook: Failed to resolve host: Name or service not known');
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw bad('bad webhook: An HTTPS URL must be provided for webhook');
    if (u.protocol !== 'http:') throw bad('bad webhook: the emulator delivers over plain http only');
    if (!LOOPBACK.has(u.hostname.toLowerCase()))
      throw bad('bad webhook: the emulator only delivers to 127.0.0.1/localhost');
    if (allowed) this.allowedUpdates = allowed;
    const host = u.hostname === 'localhost' ? '127.0.0.1' : u.hostname.replace(/^\[|\]$/g, '');
    const port = Number(u.port || 80);
    const path = (u.pathname || '/') + (u.search || '');
    if (this.poller) this.poller.fail(new ApiError(409, CONFLICT_WEBHOOK));
    let w = this.wh;
    if (w) {
      Object.assign(w, { url, host, port, path, secret, max, allowed });
      w.agent.maxSockets = max;
    } else {
      w = this.wh = {
        url, host, port, path, secret, max, allowed, active: 0, closed: false,
        chatQ: new Map(), ready: new Deque(),
        agent: new http.Agent({ keepAlive: true, maxSockets: max, timeout: 4000 }),
      };
    }
    if (drop) this.dropPending(true);
    this.whRebuild();
    rec.description = 'Webhook was set';
    setImmediate(() => this.whPump());
    return true;
  }

  m_deletewebhook(p, ctx, rec) {
    rec.description = this.wh ? 'Webhook was deleted' : 'Webhook is already deleted';
    this.closeWebhook();
    if (toBool(p.drop_pending_updates)) this.dropPending(false);
    return true;
  }

  m_getwebhookinfo() {
    const w = this.wh;
    const info = { url: w ? w.url : '', has_custom_certificate: false, pending_update_count: this.live };
    if (w) {
      info.ip_address = '127.0.0.1';
      info.max_connections = w.max;
      if (this.allowedUpdates) info.allowed_updates = this.allowedUpdates;
    }
    if (this.whInfo.last_error_date) {
      info.last_error_date = this.whInfo.last_error_date;
      info.last_error_message = this.whInfo.last_error_message;
    }
    return info;
  }

  m_getupdates(p, ctx) {
    if (this.wh) throw new ApiError(409, CONFLICT_WEBHOOK);
    let limit = 100;
    if (p.limit !== undefined && p.limit !== null && p.limit !== '') {
      limit = toInt(p.limit) ?? 100;
      if (limit < 1) limit = 1;
      if (limit > 100) limit = 100;
    }
    const timeout = Math.max(0, toNum(p.timeout) ?? 0);
    if (p.allowed_updates !== undefined && p.allowed_updates !== null && p.allowed_updates !== '') {
      const a = jsonish(p.allowed_updates);
      if (Array.isArray(a)) this.allowedUpdates = a;
    }
    if (this.poller) this.poller.fail(new ApiError(409, CONFLICT_POLL));
    const offset = toInt(p.offset);
    if (offset !== undefined && offset !== 0) {
      if (offset < 0) {
        const live = this.liveEntries();
        for (let i = 0; i < live.length + offset; i++) this.markDone(live[i]);
      } else {
        for (const e of this.liveEntries()) if (e.update.update_id < offset && (e.returned || !e.explicit)) this.markDone(e);
      }
    }
    const items = this.liveEntries(limit);
    if (items.length || timeout === 0) {
      for (const e of items) e.returned = true;
      return items.map((e) => e.update);
    }
    return new Promise((resolve, reject) => {
      const poller = {
        limit,
        finish: (v) => {
          if (this.poller !== poller) return;
          this.poller = null;
          clearTimeout(poller.timer);
          resolve(v);
        },
        fail: (err) => {
          if (this.poller !== poller) return;
          this.poller = null;
          clearTimeout(poller.timer);
          reject(err);
        },
      };
      poller.timer = setTimeout(() => poller.finish([]), timeout * 1000);
      this.poller = poller;
      if (ctx && ctx.res) ctx.res.on('close', () => poller.finish([]));
    });
  }

  // ------------------------------------------------------------ control API

  ctlMessage(b) {
    const from = this.userObj(b.user);
    let c;
    if (b.chat && b.chat.id !== undefined) {
      const id = toInt(b.chat.id);
      if (id === undefined) throw new CtlError(400, 'chat.id must be an integer');
      c = this.chat(id);
      if (b.chat.type) c.type = b.chat.type;
      if (b.chat.title) c.title = b.chat.title;
    } else if (b.chat_id !== undefined && b.chat_id !== null) {
      const id = toInt(b.chat_id);
      if (id === undefined) throw new CtlError(400, 'chat_id must be an integer');
      c = this.chat(id);
    } else c = this.chat(from.id);
    const msg = { message_id: c.nextId++, from, chat: this.chatObj(c), date: unix() };
    if (b.reply_to_message_id !== undefined) {
      const r = c.msgs.get(toInt(b.reply_to_message_id));
      if (r) msg.reply_to_message = r;
    }
    if (b.text !== undefined && b.text !== null) {
      const text = String(b.text);
      msg.text = text;
      const ents = Array.isArray(b.entities) ? b.entities : [];
      if (!b.entities) {
        const m = /^\/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{1,64})?/.exec(text);
        if (m) ents.push({ offset: 0, length: m[0].length, type: 'bot_command' });
      }
      if (ents.length) msg.entities = ents;
    }
    if (b.extra && typeof b.extra === 'object') Object.assign(msg, b.extra);
    c.userMsgs.add(msg.message_id);
    c.umsgs.set(msg.message_id, msg);
    const r = this.inject({ [b.edited ? 'edited_message' : 'message']: msg });
    this.notify({ type: 'message', chat_id: c.id, message_id: msg.message_id });
    return r.dropped
      ? { update_id: r.update_id, message_id: msg.message_id, dropped: true }
      : { update_id: r.update_id, message_id: msg.message_id };
  }

  ctlCallback(b) {
    const from = this.userObj(b.user);
    const chatId = b.chat_id !== undefined ? toInt(b.chat_id) : from.id;
    const mid = toInt(b.message_id);
    const c = this.chats.get(String(chatId));
    const msg = this.currentMsg(c, mid);
    if (!msg) throw new CtlError(400, 'message not found');
    if (b.strict && b.data !== undefined) {
      const kb = (msg.reply_markup && msg.reply_markup.inline_keyboard) || [];
      if (!kb.some((row) => row.some((btn) => btn.callback_data === b.data)))
        throw new CtlError(400, 'no button with that callback_data on the message');
    }
    const id = uniqueId();
    const q = { id, from, message: msg, chat_instance: this.chatInstance(String(chatId)) };
    if (b.data !== undefined) q.data = String(b.data);
    this.cbq.set(id, { answered: false, chatKey: String(chatId), at_ms: nowMs(), message_id: mid, user_id: from.id });
    const r = this.inject({ callback_query: q });
    return { update_id: r.update_id, callback_query_id: id };
  }

  ctlPollAnswer(b) {
    const user = this.userObj(b.user);
    const ps = this.polls.get(String(b.poll_id));
    if (!ps) throw new CtlError(400, 'poll not found');
    const opts = Array.isArray(b.option_ids) ? b.option_ids.map(toInt) : [];
    if (opts.some((o) => o === undefined || o < 0 || o >= ps.poll.options.length))
      throw new CtlError(400, 'option id out of range');
    const c = this.chats.get(ps.chatKey);
    const cur = this.currentMsg(c, ps.message_id);
    const base = cur && cur.poll ? cur.poll : ps.poll;
    const prev = ps.votes.get(user.id) || [];
    const options = base.options.map((o) => ({ ...o }));
    for (const i of prev) options[i].voter_count--;
    for (const i of opts) options[i].voter_count++;
    if (opts.length) ps.votes.set(user.id, opts);
    else ps.votes.delete(user.id);
    const poll = { ...base, options, total_voter_count: ps.votes.size };
    ps.poll = poll;
    if (cur && cur.poll) c.msgs.set(ps.message_id, { ...cur, poll });
    this.notify({ type: 'edit', chat_id: Number(ps.chatKey), message_id: ps.message_id });
    const r = this.inject({ poll_answer: { poll_id: poll.id, user, option_ids: opts } });
    return { update_id: r.update_id };
  }

  ctlMessages(chatId) {
    const key = chatKeyOf(chatId);
    const c = key === null ? null : this.chats.get(key);
    if (!c) return [];
    return [...c.msgs.keys()].map((id) => this.currentMsg(c, id));
  }

  ctlFaults(b) {
    if (b.clear) {
      this.faults = [];
      return { ok: true, queued: 0 };
    }
    const responses = Array.isArray(b.responses) ? b.responses.filter((r) => r && typeof r === 'object') : [];
    if (!responses.length) throw new CtlError(400, 'responses must be a non-empty array');
    this.faults.push({
      method: b.method ? String(b.method).toLowerCase() : null,
      chat: chatKeyOf(b.chat_id),
      responses: responses.map((r) => ({ ...r })),
    });
    return { ok: true, queued: this.faults.reduce((n, f) => n + f.responses.length, 0) };
  }

  ctlAdmins(b) {
    const chatId = toInt(b.chat_id);
    if (chatId === undefined) throw new CtlError(400, 'chat_id is required');
    const list = [];
    const mk = (spec, status) => {
      const o = typeof spec === 'object' && spec !== null ? spec : { id: spec };
      const id = toInt(o.id);
      if (id === undefined) throw new CtlError(400, 'bad user id');
      const known = this.users.get(String(id));
      const user = { id, is_bot: !!o.is_bot, first_name: o.first_name || (known && known.first_name) || `Admin${id}` };
      const username = o.username || (known && known.username);
      if (username) user.username = username;
      const st = o.status || status;
      if (st === 'creator') return { status: 'creator', user, is_anonymous: false };
      return {
        status: 'administrator', user, can_be_edited: false, is_anonymous: false, can_manage_chat: true,
        can_delete_messages: true, can_manage_video_chats: true, can_restrict_members: true,
        can_promote_members: false, can_change_info: true, can_invite_users: true, can_post_stories: false,
        can_edit_stories: false, can_delete_stories: false, can_pin_messages: true, can_manage_topics: false,
      };
    };
    if (b.creator_id !== undefined) list.push(mk(b.creator_id, 'creator'));
    for (const u of Array.isArray(b.user_ids) ? b.user_ids : []) list.push(mk(u, 'administrator'));
    if (b.clear) this.admins.delete(String(chatId));
    else this.admins.set(String(chatId), list);
    return { ok: true, count: list.length };
  }

  ctlWebhook() {
    const w = this.wh;
    let inBackoff = 0;
    if (w) for (const q of w.chatQ.values()) if (q.length && q[0].busy) inBackoff++;
    return {
      url: w ? w.url : '',
      secret_token: w ? w.secret || null : null,
      max_connections: w ? w.max : null,
      allowed_updates: this.allowedUpdates,
      pending: this.live,
      pending_update_count: this.live,
      in_flight: w ? w.active : 0,
      busy_chats: w ? inBackoff : 0,
      delivered: this.stats.delivered,
      failed_attempts: this.stats.failed_attempts,
      last_error_date: this.whInfo.last_error_date || null,
      last_error_message: this.whInfo.last_error_message || null,
    };
  }

  ctlFlood(b) {
    if (!b || b.off || b.enabled === false || Object.keys(b).length === 0) this.flood = null;
    else this.flood = { ...b };
    this.floodBuckets = new Map();
    return { ok: true, flood: this.flood };
  }

  ctlBlocked(b) {
    const key = chatKeyOf(b.chat_id);
    if (key === null) throw new CtlError(400, 'chat_id is required');
    if (b.blocked === false) this.blocked.delete(key);
    else this.blocked.add(key);
    return { ok: true };
  }

  // ------------------------------------------------------------ the playground page

  // a player: {id?, first_name, username?}; a known id renames them
  ctlUser(b) {
    const first = b.first_name === undefined ? '' : String(b.first_name).trim();
    let id = b.id === undefined || b.id === null || b.id === '' ? undefined : toInt(b.id);
    if (b.id !== undefined && b.id !== null && b.id !== '' && (id === undefined || id <= 0))
      throw new CtlError(400, 'id must be a positive integer');
    if (id === undefined) {
      if (!first) throw new CtlError(400, 'first_name is required');
      id = 1;
      for (const k of this.users.keys()) if (Number(k) >= id && Number(k) < BOT_ID) id = Number(k) + 1;
    }
    if (first.length > 64) throw new CtlError(400, 'first_name is too long');
    const prev = this.users.get(String(id));
    const o = { id, is_bot: false, first_name: first || (prev && prev.first_name) || `User${id}` };
    if (prev && prev.last_name) o.last_name = prev.last_name;
    const username = b.username !== undefined ? String(b.username).replace(/^@/, '') : prev && prev.username;
    if (username) {
      if (!/^[A-Za-z0-9_]{1,32}$/.test(username)) throw new CtlError(400, 'bad username');
      o.username = username;
    }
    o.language_code = (prev && prev.language_code) || 'en';
    this.users.set(String(id), o);
    const c = this.chats.get(String(id));
    if (c) for (const [mid, m] of c.msgs) c.msgs.set(mid, { ...m, chat: this.chatObj(c) });
    this.notify({ type: 'chats' });
    return { user: o };
  }

  // a group with players as members, one of them its creator (admin); the
  // bot is added by that admin, which Telegram tells the bot with a
  // my_chat_member update.  {title, member_ids, admin_id, id?}
  ctlGroup(b) {
    const title = b.title === undefined ? '' : String(b.title).trim();
    if (!title || title.length > 128) throw new CtlError(400, 'title is required (at most 128 characters)');
    const members = (Array.isArray(b.member_ids) ? b.member_ids : []).map(toInt);
    if (!members.length || members.some((m) => m === undefined || !this.users.has(String(m))))
      throw new CtlError(400, 'member_ids must name known players');
    const adminId = toInt(b.admin_id);
    if (adminId === undefined || !members.includes(adminId)) throw new CtlError(400, 'admin_id must be a member');
    let id = b.id === undefined ? undefined : toInt(b.id);
    if (b.id !== undefined && (id === undefined || id >= 0)) throw new CtlError(400, 'a group id is negative');
    if (id === undefined) while (this.chats.has(String((id = this.nextGroupId--))));
    if (this.chats.has(String(id)) && this.chats.get(String(id)).members)
      throw new CtlError(409, 'that group exists');
    const c = this.chat(id);
    c.type = 'supergroup';
    c.title = title;
    c.members = [...new Set(members)];
    this.ctlAdmins({ chat_id: id, creator_id: adminId });
    const r = this.inject({
      my_chat_member: {
        chat: this.chatObj(c), from: this.users.get(String(adminId)), date: unix(),
        old_chat_member: { user: this.bot, status: 'left' },
        new_chat_member: { user: this.bot, status: 'member' },
      },
    });
    this.notify({ type: 'chats' });
    return { chat_id: id, update_id: r.update_id };
  }

  // who is in group chat_id: {chat_id, add?:[ids], remove?:[ids]}
  ctlMembers(b) {
    const c = this.chats.get(chatKeyOf(b.chat_id));
    if (!c || !c.members) throw new CtlError(404, 'no such group');
    for (const id of (Array.isArray(b.add) ? b.add : []).map(toInt))
      if (id !== undefined && this.users.has(String(id)) && !c.members.includes(id)) c.members.push(id);
    const rm = new Set((Array.isArray(b.remove) ? b.remove : []).map(toInt));
    c.members = c.members.filter((m) => !rm.has(m));
    this.notify({ type: 'chats' });
    return { members: c.members };
  }

  // three players and a group, once (run.sh --playground, the browser test)
  ctlPlayground() {
    const made = [];
    if (!this.users.size)
      for (const [id, first_name, username] of [[1, 'Ann', 'ann'], [2, 'Bob', 'bob'], [3, 'Cy', null]])
        made.push(this.ctlUser({ id, first_name, ...(username ? { username } : {}) }).user);
    let group = [...this.chats.values()].find((c) => c.members);
    if (!group) {
      const ids = [...this.users.keys()].map(Number).slice(0, 3);
      group = this.chat(this.ctlGroup({ title: 'Quiz night', member_ids: ids, admin_id: ids[0] }).chat_id);
    }
    return { users: [...this.users.values()], group_id: group.id, created: made.length };
  }

  chatSummary(c) {
    const ids = [...c.msgs.keys(), ...c.umsgs.keys()];
    const lastId = ids.length ? Math.max(...ids) : null;
    const last = lastId === null ? null : c.msgs.get(lastId) || c.umsgs.get(lastId);
    const o = { ...this.chatObj(c), pinned: c.pinned, count: ids.length, last_message_id: lastId };
    if (last) {
      o.last = { from_bot: !!(last.from && last.from.is_bot), date: last.date,
                 text: last.text !== undefined ? last.text.slice(0, 120) : last.poll ? '📊 ' + last.poll.question : '' };
      if (last.from && !last.from.is_bot) o.last.from = last.from.first_name;
    }
    if (c.members) {
      o.members = c.members;
      o.admins = (this.admins.get(String(c.id)) || []).map((a) => a.user.id);
    }
    return o;
  }

  // everything the page's side bar shows
  ctlState() {
    const chats = [];
    for (const c of this.chats.values()) {
      if (c.type === 'private' ? !this.users.has(String(c.id)) && !c.msgs.size : !c.members && !c.msgs.size) continue;
      chats.push(this.chatSummary(c));
    }
    for (const u of this.users.values())
      if (!this.chats.has(String(u.id))) chats.push({ id: u.id, type: 'private', first_name: u.first_name, pinned: null, count: 0, last_message_id: null });
    return { bot: this.bot, users: [...this.users.values()], chats };
  }

  // one chat as user `as` sees it: the bot's and the players' messages in
  // order, the pinned one, the command menu, and `as`'s own poll votes
  ctlChat(q) {
    const key = chatKeyOf(q.chat_id);
    if (key === null) throw new CtlError(400, 'chat_id is required');
    const as = toInt(q.as);
    const c = this.chats.get(key) || (this.users.has(key) ? this.chat(Number(key)) : null);
    if (!c) throw new CtlError(404, 'no such chat');
    const ids = [...new Set([...c.msgs.keys(), ...c.umsgs.keys()])].sort((a, b) => a - b);
    const messages = ids.map((id) => {
      const m = this.currentMsg(c, id) || c.umsgs.get(id);
      if (!m.poll || as === undefined) return m;
      const ps = this.polls.get(m.poll.id);
      const mine = ps && ps.votes.get(as);
      return mine ? { ...m, my_option_ids: mine } : m;
    });
    const u = as === undefined ? null : this.users.get(String(as));
    return {
      chat: this.chatSummary(c), messages,
      commands: as === undefined ? [] : this.commandsFor(c, as, (u && u.language_code) || ''),
    };
  }

  sseOpen(req, res) {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive',
    });
    res.write('retry: 1000\n: hello\n\n');
    if (!this.sse) this.sse = new Set();
    this.sse.add(res);
    const beat = setInterval(() => res.write(': ping\n\n'), 15000);
    beat.unref();
    res.on('close', () => {
      clearInterval(beat);
      this.sse.delete(res);
    });
  }

  foreignBrowser(req) {
    const host = req.headers.host;
    if (host !== undefined) {
      let name;
      try {
        name = new URL('http://' + host).hostname;
      } catch {
        return 'bad Host header';
      }
      if (!LOOPBACK.has(name) && name !== this.listenHost) return 'the emulator answers loopback names only';
    }
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== 'http://' + host) return 'cross-origin requests are refused';
    return null;
  }

  // the page: web/ next to this file; nothing else is served
  serveStatic(req, res, path) {
    const name = path === '/' ? 'index.html' : path.slice('/web/'.length);
    const types = { html: 'text/html', js: 'text/javascript', css: 'text/css', svg: 'image/svg+xml', png: 'image/png' };
    const m = /^[a-z0-9_-]{1,64}\.(html|js|css|svg|png)$/.exec(name);
    let body;
    if (m) {
      try {
        body = fs.readFileSync(new URL('web/' + name, import.meta.url));
      } catch {
        /* 404 below */
      }
    }
    if (!body) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      return res.end('not found\n');
    }
    const headers = {
      'Content-Type': types[m[1]] + (m[1] === 'png' ? '' : '; charset=utf-8'), 'Content-Length': body.length,
      'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer',
      // the page loads nothing from anywhere else and runs no inline script
      'Content-Security-Policy':
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    };
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  ctlStats() {
    return { calls: this.calls.length, seq: this.seq, pending_updates: this.live, next_update_id: this.nextUpdateId, ...this.stats };
  }

  // ------------------------------------------------------------ HTTP

  async handle(req, res) {
    const at = nowMs();
    const u = new URL(req.url, 'http://x');
    const path = u.pathname;
    if (path.startsWith('/_ctl/') || path === '/' || path.startsWith('/web/')) {
      // a browser is only served the page and the controls under a loopback
      // name, from the page itself: no other site (nor one rebinding its DNS
      // name to 127.0.0.1) can read the chats or act as a player
      const why = this.foreignBrowser(req);
      if (why) {
        res.writeHead(403, { 'Content-Type': 'application/json' });
        return res.end(JSON.stringify({ error: why }));
      }
    }
    if (path.startsWith('/_ctl/')) return this.handleCtl(req, res, u);
    if ((req.method === 'GET' || req.method === 'HEAD') && (path === '/' || path.startsWith('/web/')))
      return this.serveStatic(req, res, path);
    const m = /^\/bot([^/]*)\/([^/]*)\/?$/.exec(path);
    let buf;
    try {
      buf = await readBody(req);
    } catch {
      return;
    }
    if (!m) return this.send(res, this.envelope(new ApiError(404, 'Not Found')));
    const method = decodeURIComponent(m[2]);
    const rec = { seq: 0, at_ms: at, method: this.methods.get(method.toLowerCase()) || method, params: {}, status: 0, response: null, chat_id: null };
    let out;
    if (m[1] !== this.token) out = this.envelope(new ApiError(401, 'Unauthorized'));
    else {
      try {
        rec.params = parseParams(req.headers['content-type'], buf, u.searchParams);
      } catch (err) {
        rec.params = { _raw: buf.toString('utf8') };
        out = this.envelope(err instanceof ApiError ? err : bad("can't parse JSON object"));
      }
      if (!out) out = await this.execute(method, rec.params, rec, { req, res });
    }
    rec.status = out.status;
    rec.response = out.response;
    this.send(res, out);
    this.record(rec);
  }

  send(res, out) {
    if (res.writableEnded || res.destroyed) return;
    res.writeHead(out.status, { 'Content-Type': out.contentType, 'Content-Length': Buffer.byteLength(out.body) });
    res.end(out.body);
  }

  async handleCtl(req, res, u) {
    const reply = (status, obj) => {
      if (res.writableEnded || res.destroyed) return;
      const s = JSON.stringify(obj);
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(s) });
      res.end(s);
    };
    let body = {};
    try {
      const buf = await readBody(req);
      if (buf.length) body = JSON.parse(buf.toString('utf8'));
      if (body === null || typeof body !== 'object') body = {};
    } catch {
      return reply(400, { error: 'body must be JSON' });
    }
    const q = Object.fromEntries(u.searchParams);
    const route = req.method + ' ' + u.pathname.replace(/\/+$/, '');
    try {
      switch (route) {
        case 'POST /_ctl/message':
          return reply(200, this.ctlMessage(body));
        case 'POST /_ctl/callback':
          return reply(200, this.ctlCallback(body));
        case 'POST /_ctl/poll_answer':
          return reply(200, this.ctlPollAnswer(body));
        case 'POST /_ctl/update': {
          const upd = body.update && typeof body.update === 'object' ? body.update : body;
          return reply(200, this.inject(upd));
        }
        case 'GET /_ctl/calls':
          return reply(200, { calls: this.queryCalls(q) });
        case 'GET /_ctl/wait': {
          const w = this.waitCalls(q);
          res.on('close', w.cancel);
          const r = await w.promise;
          return reply(r.timedOut ? 408 : 200, { calls: r.calls });
        }
        case 'GET /_ctl/messages':
          return reply(200, { messages: this.ctlMessages(q.chat_id) });
        case 'POST /_ctl/faults':
          return reply(200, this.ctlFaults(body));
        case 'DELETE /_ctl/faults':
          return reply(200, this.ctlFaults({ clear: true }));
        case 'GET /_ctl/faults':
          return reply(200, { faults: this.faults });
        case 'POST /_ctl/admins':
          return reply(200, this.ctlAdmins(body));
        case 'GET /_ctl/webhook':
          return reply(200, this.ctlWebhook());
        case 'POST /_ctl/reset':
          this.reset();
          return reply(200, { ok: true });
        case 'POST /_ctl/flood':
          return reply(200, this.ctlFlood(body));
        case 'GET /_ctl/flood':
          return reply(200, { flood: this.flood, flood_429: this.stats.flood_429 });
        case 'POST /_ctl/blocked':
          return reply(200, this.ctlBlocked(body));
        case 'GET /_ctl/callbacks': {
          const out = [];
          for (const [id, v] of this.cbq) out.push({ id, ...v });
          return reply(200, { callbacks: out });
        }
        case 'POST /_ctl/config':
          if (body.webhook_timeout_ms !== undefined) this.webhookTimeoutMs = Number(body.webhook_timeout_ms);
          if (body.callback_ttl_ms !== undefined) this.callbackTtlMs = Number(body.callback_ttl_ms);
          return reply(200, { webhook_timeout_ms: this.webhookTimeoutMs, callback_ttl_ms: this.callbackTtlMs });
        case 'GET /_ctl/updates':
          return reply(200, {
            updates: this.liveEntries().map((e) => ({ update: e.update, returned: e.returned, attempts: e.attempts, in_flight: e.busy })),
          });
        case 'GET /_ctl/deliveries': {
          const since = toNum(q.since_ms) ?? 0;
          return reply(200, { deliveries: this.deliveries.filter((d) => d.at_ms > since) });
        }
        case 'GET /_ctl/stats':
          return reply(200, this.ctlStats());
        case 'GET /_ctl/health':
          return reply(200, { ok: true });
        case 'GET /_ctl/events':
          return this.sseOpen(req, res);
        case 'GET /_ctl/state':
          return reply(200, this.ctlState());
        case 'GET /_ctl/chat':
          return reply(200, this.ctlChat(q));
        case 'POST /_ctl/users':
          return reply(200, this.ctlUser(body));
        case 'POST /_ctl/groups':
          return reply(200, this.ctlGroup(body));
        case 'POST /_ctl/members':
          return reply(200, this.ctlMembers(body));
        case 'POST /_ctl/playground':
          return reply(200, this.ctlPlayground());
        default:
          return reply(404, { error: 'unknown control endpoint ' + route });
      }
    } catch (err) {
      if (err instanceof CtlError) return reply(err.status, { error: err.message });
      return reply(500, { error: String((err && err.message) || err) });
    }
  }
}

// ---------------------------------------------------------------- public API

export async function startBotApi({ port = 0, host = '127.0.0.1', token, botUsername = 'mm_test_bot', ...opts } = {}) {
  const emu = new BotApiEmulator({ token, botUsername, ...opts });
  emu.listenHost = host.replace(/^\[|\]$/g, '');
  const server = http.createServer((req, res) => {
    emu.handle(req, res).catch((err) => {
      try {
        if (!res.headersSent) {
          res.writeHead(500, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ ok: false, error_code: 500, description: 'Internal Server Error: ' + err.message }));
        }
      } catch {
        /* ignore */
      }
    });
  });
  server.keepAliveTimeout = 65000;
  server.headersTimeout = 66000;
  server.requestTimeout = 0;
  server.maxRequestsPerSocket = 0;
  server.on('connection', (s) => s.setNoDelay(true));
  server.on('clientError', (err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    else socket.destroy();
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = server.address().port;
  const url = `http://${host.includes(':') ? '[' + host + ']' : host}:${actualPort}`;
  const wrap = (fn) => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof CtlError) throw new Error(err.message);
      throw err;
    }
  };
  return {
    port: actualPort,
    url,
    apiUrl: `${url}/bot${emu.token}`,
    token: emu.token,
    bot: emu.bot,
    events: emu.events,
    emulator: emu,
    server,
    get calls() {
      return emu.calls;
    },
    inject: (update) => wrap(() => emu.inject(update)),
    message: (b) => wrap(() => emu.ctlMessage(b)),
    callback: (b) => wrap(() => emu.ctlCallback(b)),
    pollAnswer: (b) => wrap(() => emu.ctlPollAnswer(b)),
    messages: (chatId) => emu.ctlMessages(chatId),
    query: (filter) => emu.queryCalls(filter),
    waitFor: (filter) => emu.waitCalls(filter).promise,
    faults: (b) => wrap(() => emu.ctlFaults(b)),
    admins: (b) => wrap(() => emu.ctlAdmins(b)),
    flood: (b) => emu.ctlFlood(b),
    block: (b) => wrap(() => emu.ctlBlocked(b)),
    webhook: () => emu.ctlWebhook(),
    user: (b) => wrap(() => emu.ctlUser(b)),
    group: (b) => wrap(() => emu.ctlGroup(b)),
    playground: () => wrap(() => emu.ctlPlayground()),
    state: () => emu.ctlState(),
    chatView: (q) => wrap(() => emu.ctlChat(q)),
    stats: () => emu.ctlStats(),
    reset: () => emu.reset(),
    close: () =>
      new Promise((resolve) => {
        emu.reset();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// ---------------------------------------------------------------- CLI

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (!m) continue;
    const key = m[1];
    const flag = key === 'playground';
    const val = m[2] !== undefined ? m[2] : flag ? '1' : argv[++i];
    out[key] = val;
  }
  return out;
}

const isMain = (() => {
  try {
    return !!process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href;
  } catch {
    return false;
  }
})();

async function cliMain() {
  const args = parseArgs(process.argv.slice(2));
  const token = args.token || process.env.BOT_TOKEN;
  if (!token) {
    process.stderr.write('usage: node botapi.mjs --port P --token T [--bot-username U] [--host H]\n');
    process.exit(2);
  }
  let api = null;
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    const t = setTimeout(() => process.exit(0), 2000);
    t.unref();
    if (!api) process.exit(0);
    try {
      api.close().then(
        () => process.exit(0),
        () => process.exit(0),
      );
    } catch {
      process.exit(0);
    }
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('uncaughtException', (err) => process.stderr.write(`botapi: uncaught ${(err && err.stack) || err}\n`));
  process.on('unhandledRejection', (err) => process.stderr.write(`botapi: unhandled ${(err && err.stack) || err}\n`));
  try {
    api = await startBotApi({
      port: Number(args.port || 0),
      host: args.host || '127.0.0.1',
      token,
      botUsername: args['bot-username'] || 'mm_test_bot',
      botName: args['bot-name'] || undefined,
      webhookTimeoutMs: args['webhook-timeout-ms'] ? Number(args['webhook-timeout-ms']) : undefined,
      callbackTtlMs: args['callback-ttl-ms'] ? Number(args['callback-ttl-ms']) : undefined,
      firstUpdateId: args['first-update-id'] ? Number(args['first-update-id']) : undefined,
    });
  } catch (err) {
    process.stderr.write(`botapi: cannot listen: ${err.message}\n`);
    process.exit(1);
  }
  if (closing) return stop();
  if (args.playground !== undefined) api.playground();
  process.stdout.write(`listening ${api.port}\n`);
}

if (isMain) cliMain();
