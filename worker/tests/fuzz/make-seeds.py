#!/usr/bin/env python3
"""make-seeds.py: writes the fuzz targets' seed corpora (seeds/<name>/)
from the project's own test vectors and samples: near-vectors/vectors.json,
the bodies in near-rpc.t, the answers in test_engine.c, the amounts in
test_chain.c, the button data in test_bot.c, and Telegram update shapes
as the Bot API emulator (botapi/botapi.mjs) sends them.  Run it from the
repository's root after changing those; the files it writes are committed.
Reproducers of bugs the fuzzers found are added by hand (repro-*)."""

import hashlib, json, os, re, sys

root = os.path.dirname(os.path.abspath(__file__))
tests = os.path.dirname(root)
seeds = os.path.join(root, 'seeds')


def put(name, data):
    d = os.path.join(seeds, name)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    h = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, h), 'wb') as f:
        f.write(data)


def c_literals(s):
    """adjacent C string literals -> bytes"""
    out = b''
    for lit in re.findall(r'"((?:[^"\\]|\\.)*)"', s):
        out += lit.encode('utf-8').decode('unicode_escape').encode('latin-1')
    return out


def read(p):
    with open(os.path.join(tests, p), encoding='utf-8') as f:
        return f.read()


# --- Telegram updates -------------------------------------------------
user = {'id': 1001, 'is_bot': False, 'first_name': 'Ann', 'username': 'ann_q',
        'language_code': 'en'}
private = {'id': 1001, 'type': 'private', 'first_name': 'Ann', 'username': 'ann_q'}
group = {'id': -1001234567890, 'type': 'supergroup', 'title': 'Quiz night'}
msg = lambda chat, text, mid=7: {'message_id': mid, 'from': user, 'chat': chat,
                                 'date': 1764900000, 'text': text}
quiz = {'message_id': 42, 'from': {'id': 99, 'is_bot': True, 'first_name': 'Mental Maze',
                                   'username': 'MentalMazeBot'},
        'chat': private, 'date': 1764900000, 'text': 'Question 1/5',
        'reply_markup': {'inline_keyboard': [[{'text': 'Jupiter',
                                               'callback_data': 'a:12:1:4000000000:0'}]]}}
updates = [
    {'update_id': 1, 'message': msg(private, '/start')},
    {'update_id': 2, 'message': msg(private, '/play space')},
    {'update_id': 3, 'message': msg(group, '/play@MentalMazeBot history  ')},
    {'update_id': 4, 'message': msg(group, '/top@OtherBot')},
    {'update_id': 5, 'message': msg(private, '/withdraw 0.5 NEAR alice.testnet')},
    {'update_id': 6, 'message': msg(private, 'just words, no command')},
    {'update_id': 7, 'callback_query': {'id': 'cb-1', 'from': user, 'chat_instance': 'x',
                                        'data': 'a:12:1:4000000000:0', 'message': quiz}},
    {'update_id': 8, 'callback_query': {'from': user, 'data': 'a:1:2:3:1'}},
    {'update_id': 9, 'poll_answer': {'poll_id': 'p1', 'user': user, 'option_ids': [2]}},
    {'update_id': 10, 'my_chat_member': {'chat': group, 'from': user, 'date': 1764900000,
                                         'old_chat_member': {'status': 'left', 'user': user},
                                         'new_chat_member': {'status': 'member', 'user': user}}},
    {'update_id': 11, 'edited_message': msg(private, '/play edited')},
    {'update_id': 12, 'channel_post': {'message_id': 3, 'chat': {'id': -100777, 'type': 'channel'},
                                       'date': 1764900000, 'text': 'post'}},
    {'mm_timer': {'kind': 'question_timeout', 'chat_id': 1001, 'user_id': 1001, 'session': 12,
                  'seq': 1}},
    {'mm_timer': {'kind': 'game_end', 'chat_id': -1001234567890}},
    {'update_id': 990001, 'message': {'message_id': 9001, 'date': 1764900000, 'chat': private,
                                      'from': user, 'text': '/help'}},
    {'update_id': 13, 'message': {'message_id': 8, 'chat': private, 'from': user,
                                  'text': 'Привет /старт'}},
]
for u in updates:
    put('update', json.dumps(u, ensure_ascii=False))
for raw in ['{"update_id":-1,"message":{}}', '{"update_id":1.5}', '[1,2]', '{"mm_timer":3}',
            '{"update_id":1,"update_id":2}', '{"update_id":9223372036854775807,"message":'
            '{"chat":{"id":-9223372036854775808,"type":"private"},"from":{"id":1}}}',
            '/start@MentalMazeBot arg', '/' + 'x' * 40]:
    put('update', raw)

# --- answer buttons (test_bot.c) --------------------------------------
src = read('test_bot.c')
for lit in re.findall(r'"(a:[^"]*)"', src) + ['a:9223372036854775807:100:4294967295:3',
                                              'a:0:1:0:0', 'a:007:01:1:0', '', 'b:1:2:3:1']:
    put('answer_data', lit)

# --- model answers (test_engine.c) -------------------------------------
src = read('test_engine.c')
for m in re.finditer(r'\b(gemini|openai)\((\d+),\s*((?:"(?:[^"\\]|\\.)*"\s*)+)(?:,\s*(-?\d+))?',
                     src):
    mode = 0 if m.group(1) == 'gemini' else 1
    ra = m.group(4) or '-1'
    put('llm_output', b'%d %s %s 4\n' % (mode, m.group(2).encode(), ra.encode())
        + c_literals(m.group(3)))


def item(q, o, c, e, sdi=None):
    d = {'question': q, 'options': o, 'correct_index': c, 'explanation': e}
    if sdi is not None:
        d['sdi'] = sdi
    return d


items = [item('Which planet is largest?', ['Jupiter', 'Mars', 'Venus', 'Earth'], 0,
              'Jupiter has the most mass and volume.'),
         item('Which gas do plants absorb?', ['Oxygen', 'All of the above', 'CO2', 'Neon'], 2,
              'Plants take in carbon dioxide.'),
         item('Pick one', ['a', 'b', 'c'], 0, 'x'),
         item('Same twice?', ['Paris', ' paris ', 'Rome', 'Oslo'], 0, 'x'),
         item('Out of range?', ['1', '2', '3', '4'], 4, 'x'),
         item('Claimed hard?', ['w', 'x', 'y', 'z'], 1, 'ok', 9),
         item('Which planet is LARGEST?', ['Jupiter', 'Mars', 'Venus', 'Earth'], 0, 'again'),
         item('Lines?', ['p', 'q', 'r', 's'], 1, 'a\nb\nc\nd'),
         item('A forbidden fruit?', ['Apple', 'Pear', 'Plum', 'Fig'], 0, 'Eden.'),
         'not an object']
text = json.dumps({'questions': items}, ensure_ascii=False)
put('llm_output', '2 0 0 4\n```json\n' + text + '\n```')
put('llm_output', '2 0 0 11\n' + text)
for bad in ['Sure! {"questions":[]}', '{"items":[]}', '{"questions":{}}', '{"questions":[',
            '{"questions":[],"questions":[]}', '{"questions":[]}', '```\n{}\n```']:
    put('llm_output', '2 0 0 4\n' + bad)
put('llm_output', '0 200 -1 4\n' + json.dumps(
    {'candidates': [{'content': {'parts': [{'text': text}]}, 'finishReason': 'STOP'}]}))
put('llm_output', '1 200 -1 4\n' + json.dumps(
    {'choices': [{'message': {'content': '```json\n' + text + '\n```'}, 'finish_reason': 'stop'}]}))
put('llm_output', '1 429 30 4\n{"error":{"message":"Rate limit","code":"rate_limit_exceeded"}}')

# --- NEAR (near-vectors/vectors.json, near-rpc.t) ----------------------
vec = json.loads(read('near-vectors/vectors.json'))
b58 = [e['base58'] for e in vec['base58_examples']] + [vec['block_hash']['base58']]
for k in vec['keys'].values():
    b58 += [k['public_key'].split(':')[1], k['secret_key'].split(':')[1]]
for v in vec['vectors']:
    b58 += [v['tx_hash_base58'], v['signature_base58'].split(':')[1]]
for s in b58:
    put('base58', s)
for e in vec['base58_examples']:
    put('base58', bytes.fromhex(e['hex']))
put('base58', bytes.fromhex(vec['block_hash']['hex']))
put('base58', '0OIl+/')           # outside the alphabet

for v in vec['vectors']:
    put('borsh', bytes.fromhex(v['tx_borsh_hex'])[:160])
    for a in v.get('actions', []):
        if 'deposit' in a:
            put('borsh', a['deposit'])
            put('borsh', b'\x06' + bytes([len(a['deposit'])]) + a['deposit'].encode())
for s in ['340282366920938463463374607431768211455', '340282366920938463463374607431768211456',
          '18446744073709551615', '18446744073709551616', '0', '00', '-1', ' 1', '1 ']:
    put('borsh', s)

sep = '\n===\n'
rpc = re.findall(r"status => (\d+), body => '([^']*)'(?:, headers => \{ 'Retry-After' => (\d+) \})?",
                 read('near-rpc.t') + read('near-view.t') + read('near-send.t'))
rpc = ['%s 0 %s\n%s' % (st, ra or '0', body) for st, body, ra in rpc]
for r in rpc:
    put('near_rpc', r)
put('near_rpc', sep.join(['200 0 0\ngarbage'] * 5 + [rpc[0]]))
put('near_rpc', sep.join(['0 28 0\n', '503 0 0\n<html>busy</html>', rpc[0]]))
put('near_rpc', '200 0 0\n{"jsonrpc":"2.0","id":"1","error":{"name":"INTERNAL_ERROR",'
                '"cause":{"name":"INTERNAL_ERROR"}}}' + sep + rpc[0])

# --- Bot API answers ----------------------------------------------------
for st, body in [(200, {'ok': True, 'result': quiz}), (200, {'ok': True, 'result': True}),
                 (200, {'ok': True, 'result': [{'update_id': 1, 'message': msg(private, '/start')}]}),
                 (429, {'ok': False, 'error_code': 429,
                        'description': 'Too Many Requests: retry after 5',
                        'parameters': {'retry_after': 5}}),
                 (400, {'ok': False, 'error_code': 400,
                        'description': 'Bad Request: message is not modified'}),
                 (403, {'ok': False, 'error_code': 403,
                        'description': 'Forbidden: bot was blocked by the user'}),
                 (200, {'ok': False, 'error_code': 500}),
                 (500, {'ok': True, 'result': {}})]:
    put('tg', '%d\n%s' % (st, json.dumps(body)))
put('tg', '502\n<html><body>Bad Gateway</body></html>')
put('tg', '200\n{"ok":true,"result":{"message_id":1}')

# --- amounts (test_chain.c) --------------------------------------------
src = read('test_chain.c')
for text, dec in re.findall(r'\{ "([0-9.]+)", (\d+), "[0-9]+" \}', src):
    put('amount', '%s\n%s' % (int(dec) + 1, text))
for text in re.findall(r'"([^"]*)"', src[src.index('static const char *bad[] = { "",'):][:200]):
    put('amount', '7\n' + text)
for dec, text in [(0, '340282366920938463463374607431768211455'),
                  (0, '340282366920938463463374607431768211456'),
                  (12, '340282366920938463463374607.431768211455'),
                  (24, '340282366920938.463463374607431768211456'),
                  (0, '0000000000000000000000000000000000000000000001'),
                  (6, '1234567890123456789012345678901234567890123456789012')]:
    put('amount', '%d\n%s' % (dec + 1, text))
