// node.mjs: a stateful local NEAR node for the tests, speaking NEAR's
// JSON-RPC with nearcore's shapes (../shared/docs/near-spec.md §3).  It
// keeps accounts, access keys with nonces, balances, NEP-141 tokens with
// NEP-145 registration, blocks and transactions.  Every transaction is
// decoded by near-api-js's own @near-js/transactions and its signature
// checked by @near-js/crypto before anything is applied, so what it
// accepts, near-api-js accepts.  Faults are injected per method.
//
//   node node.mjs --port P [--port2 Q] [--state genesis.json] [--block-ms 100] [--expiry 200]
//                 [--final-ms 0]
// Prints "listening <port> [<port2>]" when ready: --port2 is a second provider of the same
// chain (a fallback), each port failing on its own.  --final-ms models finality: a
// transaction is applied (its nonce spent) when it arrives, but reads as
// EXECUTED_OPTIMISTIC until that many ms later; send_tx and tx waiting for FINAL
// (anything but NONE) answer only then.  Control (plain HTTP):
//   GET  /__state   accounts, tokens, transactions
//   POST /__fund    {account_id, amount}            (creates a keyless account)
//   POST /__fault   {method ("*": any), kind, count, retry_after?, port?: only on that port}
//        kind: drop_after_apply | hold | expired | timeout_error | http_429 | http_503 | garbage
//   GET  /__counts  calls per method, transactions applied, repeated and refused (by reason)
import { createServer } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import bs58 from 'bs58';
import { PublicKey } from '@near-js/crypto';
import { decodeSignedTransaction, encodeTransaction } from '@near-js/transactions';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const GAS_FEE = 100000000000000000000n;            // 0.0001 NEAR burnt per transaction
const expiry = Number(arg('expiry', 200));           // blocks a block hash stays usable
const finalMs = Number(arg('final-ms', 0));          // from applied to final
const genesis = arg('state') ? JSON.parse(readFileSync(arg('state'), 'utf8')) : {};

// --- state -----------------------------------------------------------------
const accounts = new Map();   // id -> { amount, keys: Map(pk -> { nonce, permission }) }
const tokens = new Map();     // contract -> { decimals, symbol, name, storageMin, balances: Map }
const txs = new Map();        // hash -> { outcome, summary }
const blocks = [];            // { height, hash }
const counts = { methods: {}, applied: 0, repeated: 0, refused: {} };
const faults = new Map();     // method -> [{ kind, count, retry_after }]

for (const [id, a] of Object.entries(genesis.accounts || {})) {
  accounts.set(id, { amount: BigInt(a.amount || 0), keys: new Map((a.keys || []).map(
    (k) => [k.public_key, { nonce: BigInt(k.nonce || 0), permission: k.permission || 'FullAccess' }])) });
}
for (const [id, t] of Object.entries(genesis.tokens || {})) {
  tokens.set(id, { decimals: t.decimals, symbol: t.symbol, name: t.name || t.symbol,
                   storageMin: BigInt(t.storage_min || '1250000000000000000000'),
                   balances: new Map(Object.entries(t.balances || {}).map(([k, v]) => [k, BigInt(v)])) });
  if (!accounts.has(id)) accounts.set(id, { amount: 10n ** 25n, keys: new Map() });
}

function newBlock() {
  const height = blocks.length ? blocks.at(-1).height + 1 : 1000;
  blocks.push({ height, hash: bs58.encode(randomBytes(32)) });
  if (blocks.length > expiry + 50) blocks.shift();
}
newBlock();
setInterval(newBlock, Number(arg('block-ms', 100))).unref();
const head = () => blocks.at(-1);

// --- answers in nearcore's shapes --------------------------------------------
const rpcError = (name, cause, info = {}, data) => ({ error: {
  name, cause: { name: cause, info }, code: -32000, message: 'Server error',
  ...(data === undefined ? {} : { data }) } });
function invalidTx(reason) {
  const name = typeof reason === 'string' ? reason : Object.keys(reason)[0];
  counts.refused[name] = (counts.refused[name] || 0) + 1;
  return rpcError('HANDLER_ERROR', 'INVALID_TRANSACTION', {}, { TxExecutionError: { InvalidTxError: reason } });
}
const str = (v) => JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? x.toString() : x));
const pkText = (pk) => `ed25519:${bs58.encode(Uint8Array.from(pk.ed25519Key.data))}`;

function actionJson(a) {
  if (a.createAccount) return 'CreateAccount';
  if (a.transfer) return { Transfer: { deposit: a.transfer.deposit.toString() } };
  if (a.addKey) return { AddKey: { public_key: pkText(a.addKey.publicKey), access_key: {
    nonce: Number(a.addKey.accessKey.nonce),
    permission: a.addKey.accessKey.permission.fullAccess ? 'FullAccess' : { FunctionCall: {} } } } };
  if (a.deleteKey) return { DeleteKey: { public_key: pkText(a.deleteKey.publicKey) } };
  if (a.functionCall) return { FunctionCall: { method_name: a.functionCall.methodName,
    args: Buffer.from(a.functionCall.args).toString('base64'), gas: Number(a.functionCall.gas),
    deposit: a.functionCall.deposit.toString() } };
  return 'Unsupported';
}
const deposit = (a) => (a.transfer ? a.transfer.deposit : a.functionCall ? a.functionCall.deposit : 0n);

// --- token contracts (NEP-141 + NEP-145) -----------------------------------------
function tokenCall(contract, method, args, caller, attached, logs) {
  const t = tokens.get(contract);
  const panic = (msg) => { throw { ActionError: { index: 0, kind: { FunctionCallError: {
    ExecutionError: `Smart contract panicked: ${msg}` } } } }; };
  if (method === 'storage_deposit') {
    const who = args.account_id || caller;
    if (t.balances.has(who)) return attached;                    // refunded: already registered
    if (attached < t.storageMin) panic('The attached deposit is less than the minimum storage balance');
    t.balances.set(who, 0n);
    return attached - t.storageMin;
  }
  if (method === 'ft_transfer') {
    if (attached !== 1n) panic('Requires attached deposit of exactly 1 yoctoNEAR');
    const amount = BigInt(args.amount);
    if (!t.balances.has(caller)) panic(`The account ${caller} is not registered`);
    if (!t.balances.has(args.receiver_id)) panic(`The account ${args.receiver_id} is not registered`);
    if (t.balances.get(caller) < amount) panic('The account doesn\'t have enough balance');
    if (amount <= 0n) panic('The amount should be a positive number');
    t.balances.set(caller, t.balances.get(caller) - amount);
    t.balances.set(args.receiver_id, t.balances.get(args.receiver_id) + amount);
    logs.push(`EVENT_JSON:${JSON.stringify({ standard: 'nep141', version: '1.0.0', event: 'ft_transfer',
      data: [{ old_owner_id: caller, new_owner_id: args.receiver_id, amount: amount.toString(),
               ...(args.memo ? { memo: args.memo } : {}) }] })}`);
    return 0n;
  }
  panic(`Method ${method} not found`);
}

function tokenView(contract, method, args) {
  const t = tokens.get(contract);
  switch (method) {
    case 'ft_balance_of': return (t.balances.get(args.account_id) || 0n).toString();
    case 'storage_balance_of':
      return t.balances.has(args.account_id) ? { total: t.storageMin.toString(), available: '0' } : null;
    case 'storage_balance_bounds': return { min: t.storageMin.toString(), max: t.storageMin.toString() };
    case 'ft_metadata': return { spec: 'ft-1.0.0', name: t.name, symbol: t.symbol, icon: null,
                                 reference: null, reference_hash: null, decimals: t.decimals };
    default: return undefined;
  }
}

// --- transactions ----------------------------------------------------------
// Checks and applies a signed transaction; { error } or { hash, outcome }.
function applyTx(b64) {
  let signed;
  try {
    signed = decodeSignedTransaction(Buffer.from(b64, 'base64'));
  } catch {
    return rpcError('REQUEST_VALIDATION_ERROR', 'PARSE_ERROR', { error_message: 'cannot decode the transaction' });
  }
  const tx = signed.transaction;
  const hashBytes = createHash('sha256').update(encodeTransaction(tx)).digest();
  const hash = bs58.encode(hashBytes);
  if (txs.has(hash)) { counts.repeated++; return { hash, outcome: txs.get(hash).outcome }; }

  const signer = accounts.get(tx.signerId);
  const pk = pkText(tx.publicKey);
  if (!signer) return invalidTx({ SignerDoesNotExist: { signer_id: tx.signerId } });
  const key = signer.keys.get(pk);
  if (!key) return invalidTx({ InvalidAccessKeyError: { AccessKeyNotFound: { account_id: tx.signerId, public_key: pk } } });
  const sig = Uint8Array.from(signed.signature.ed25519Signature.data);
  if (!PublicKey.from(pk).verify(hashBytes, sig)) return invalidTx('InvalidSignature');
  if (tx.nonce <= key.nonce) return invalidTx({ InvalidNonce: { tx_nonce: Number(tx.nonce), ak_nonce: Number(key.nonce) } });
  const block = blocks.find((x) => x.hash === bs58.encode(Uint8Array.from(tx.blockHash)));
  if (!block || head().height - block.height > expiry) return invalidTx('Expired');
  const cost = tx.actions.reduce((s, a) => s + BigInt(deposit(a)), GAS_FEE);
  if (signer.amount < cost) {
    return invalidTx({ NotEnoughBalance: { signer_id: tx.signerId, balance: signer.amount.toString(), cost: cost.toString() } });
  }

  // the nonce and the fee are spent whatever the actions do
  key.nonce = tx.nonce;
  signer.amount -= GAS_FEE;
  const logs = [];
  let failure = null;
  const before = { accounts: new Map([...accounts].map(([k, v]) => [k, { amount: v.amount, keys: new Map(v.keys) }])),
                   tokens: new Map([...tokens].map(([k, t]) => [k, new Map(t.balances)])) };
  try {
    tx.actions.forEach((a, index) => {
      const fail = (kind) => { throw { ActionError: { index, kind } }; };
      let receiver = accounts.get(tx.receiverId);
      if (a.createAccount) {
        if (receiver) fail({ AccountAlreadyExists: { account_id: tx.receiverId } });
        if (!tx.receiverId.endsWith(`.${tx.signerId}`) || tx.receiverId.slice(0, -tx.signerId.length - 1).includes('.')) {
          fail({ CreateAccountNotAllowed: { account_id: tx.receiverId, predecessor_id: tx.signerId } });
        }
        accounts.set(tx.receiverId, { amount: 0n, keys: new Map() });
        return;
      }
      if (!receiver) fail({ AccountDoesNotExist: { account_id: tx.receiverId } });
      if (a.transfer) {
        signer.amount -= a.transfer.deposit;
        receiver.amount += a.transfer.deposit;
      } else if (a.addKey) {
        receiver.keys.set(pkText(a.addKey.publicKey), { nonce: BigInt(head().height) * 1000000n, permission: 'FullAccess' });
      } else if (a.deleteKey) {
        receiver.keys.delete(pkText(a.deleteKey.publicKey));
      } else if (a.functionCall) {
        if (!tokens.has(tx.receiverId)) {
          fail({ FunctionCallError: { CompilationError: { CodeDoesNotExist: { account_id: tx.receiverId } } } });
        }
        const attached = a.functionCall.deposit;
        signer.amount -= attached;
        const args = JSON.parse(Buffer.from(a.functionCall.args).toString() || '{}');
        const refund = tokenCall(tx.receiverId, a.functionCall.methodName, args, tx.signerId, attached, logs);
        receiver.amount += attached - refund;
        signer.amount += refund;
      } else {
        fail({ UnsupportedAction: {} });
      }
    });
  } catch (e) {
    if (!e.ActionError) throw e;
    failure = e;
    // a failed receipt changes nothing but the fee and the nonce
    for (const [k, v] of before.accounts) {
      const a = accounts.get(k);
      if (a) { a.amount = v.amount; a.keys = v.keys; }
    }
    for (const k of [...accounts.keys()]) if (!before.accounts.has(k)) accounts.delete(k);
    for (const [k, bal] of before.tokens) tokens.get(k).balances = bal;
    key.nonce = tx.nonce;
  }

  const receipt = bs58.encode(createHash('sha256').update(hashBytes).update('receipt').digest());
  const status = failure ? { Failure: failure } : { SuccessValue: '' };
  const outcome = {
    final_execution_status: 'FINAL',
    status,
    transaction: { signer_id: tx.signerId, public_key: pk, nonce: Number(tx.nonce), receiver_id: tx.receiverId,
                   actions: tx.actions.map(actionJson), signature: `ed25519:${bs58.encode(sig)}`, hash },
    transaction_outcome: { id: hash, block_hash: head().hash, proof: [], outcome: { logs: [], receipt_ids: [receipt],
      gas_burnt: 2428000000000, tokens_burnt: GAS_FEE.toString(), executor_id: tx.signerId, status: { SuccessReceiptId: receipt } } },
    receipts_outcome: [{ id: receipt, block_hash: head().hash, proof: [], outcome: { logs, receipt_ids: [],
      gas_burnt: 2428000000000, tokens_burnt: '0', executor_id: tx.receiverId, status } }],
  };
  txs.set(hash, { outcome, at: Date.now(), summary: { hash, signer_id: tx.signerId, receiver_id: tx.receiverId,
    nonce: Number(tx.nonce), status: failure ? 'failure' : 'success', actions: tx.actions.map(actionJson) } });
  counts.applied++;
  return { hash, outcome };
}

// what a transaction reads as now: final only finalMs after it was applied
function seen(t) {
  const left = t.at + finalMs - Date.now();
  return left <= 0 ? t.outcome : { ...t.outcome, final_execution_status: 'EXECUTED_OPTIMISTIC' };
}
const untilFinal = (t) => Math.max(0, t.at + finalMs - Date.now());

// --- JSON-RPC methods ------------------------------------------------------------
function query(p) {
  const at = { block_height: head().height, block_hash: head().hash };
  const account = accounts.get(p.account_id);
  switch (p.request_type) {
    case 'view_account':
      if (!account) return rpcError('HANDLER_ERROR', 'UNKNOWN_ACCOUNT', { requested_account_id: p.account_id, ...at });
      return { result: { amount: account.amount.toString(), locked: '0', code_hash: '11111111111111111111111111111111',
                         storage_usage: 182, storage_paid_at: 0, ...at } };
    case 'view_access_key': {
      const k = account && account.keys.get(p.public_key);
      if (!k) return rpcError('HANDLER_ERROR', 'UNKNOWN_ACCESS_KEY', { public_key: p.public_key, ...at });
      return { result: { nonce: Number(k.nonce), permission: k.permission, ...at } };
    }
    case 'view_access_key_list':
      if (!account) return rpcError('HANDLER_ERROR', 'UNKNOWN_ACCOUNT', { requested_account_id: p.account_id, ...at });
      return { result: { keys: [...account.keys].map(([pk, k]) => ({ public_key: pk,
        access_key: { nonce: Number(k.nonce), permission: k.permission } })), ...at } };
    case 'call_function': {
      if (!account) return rpcError('HANDLER_ERROR', 'UNKNOWN_ACCOUNT', { requested_account_id: p.account_id, ...at });
      if (!tokens.has(p.account_id)) return rpcError('HANDLER_ERROR', 'NO_CONTRACT_CODE', { contract_account_id: p.account_id, ...at });
      const value = tokenView(p.account_id, p.method_name, JSON.parse(Buffer.from(p.args_base64 || '', 'base64').toString() || '{}'));
      if (value === undefined) {
        return rpcError('HANDLER_ERROR', 'CONTRACT_EXECUTION_ERROR', { vm_error: `MethodNotFound ${p.method_name}`, ...at });
      }
      return { result: { result: [...Buffer.from(JSON.stringify(value))], logs: [], ...at } };
    }
    default:
      return rpcError('REQUEST_VALIDATION_ERROR', 'PARSE_ERROR', { error_message: `unknown request_type ${p.request_type}` });
  }
}

function call(method, p) {
  switch (method) {
    case 'status':
      return { result: { chain_id: 'localnet', sync_info: { latest_block_hash: head().hash,
        latest_block_height: head().height, syncing: false } } };
    case 'block': {
      const b = p.block_id === undefined ? head()
        : blocks.find((x) => x.height === p.block_id || x.hash === p.block_id);
      if (!b) return rpcError('HANDLER_ERROR', 'UNKNOWN_BLOCK', {});
      return { result: { author: 'node0', header: { height: b.height, hash: b.hash, timestamp: Date.now() * 1e6 }, chunks: [] } };
    }
    case 'gas_price': return { result: { gas_price: '100000000' } };
    case 'query': return query(p);
    case 'send_tx': case 'broadcast_tx_commit': case 'broadcast_tx_async': {
      const b64 = Array.isArray(p) ? p[0] : p.signed_tx_base64;
      const r = applyTx(b64);
      if (r.error) return r;
      if (method === 'broadcast_tx_async') return { result: r.hash };
      if (p.wait_until === 'NONE') return { result: { final_execution_status: 'NONE' } };
      return { result: seen(txs.get(r.hash)), wait: untilFinal(txs.get(r.hash)), hash: r.hash };
    }
    case 'tx': case 'EXPERIMENTAL_tx_status': {
      const hash = Array.isArray(p) ? p[0] : p.tx_hash;
      const known = txs.get(hash);
      if (!known) return rpcError('HANDLER_ERROR', 'UNKNOWN_TRANSACTION', { requested_transaction_hash: hash });
      if (!Array.isArray(p) && (p.wait_until || 'FINAL') === 'NONE') return { result: seen(known) };
      return { result: seen(known), wait: untilFinal(known), hash };
    }
    default:
      return rpcError('REQUEST_VALIDATION_ERROR', 'METHOD_NOT_FOUND', { method_name: method });
  }
}

function takeFault(method, port) {
  for (const m of [method, '*']) {
    const list = faults.get(m) || [];
    const i = list.findIndex((f) => !f.port || f.port === port);
    if (i < 0) continue;
    const f = list[i];
    if (--f.count <= 0) list.splice(i, 1);
    return f;
  }
  return null;
}

function state() {
  return {
    height: head().height,
    accounts: Object.fromEntries([...accounts].map(([id, a]) => [id, { amount: a.amount.toString(),
      keys: [...a.keys].map(([pk, k]) => ({ public_key: pk, nonce: Number(k.nonce) })) }])),
    tokens: Object.fromEntries([...tokens].map(([id, t]) => [id, { symbol: t.symbol, decimals: t.decimals,
      balances: Object.fromEntries([...t.balances].map(([k, v]) => [k, v.toString()])),
      registered: [...t.balances.keys()] }])),
    txs: [...txs.values()].map((t) => t.summary),
  };
}

const serve = (req, res) => {
  const port = req.socket.localPort;
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    const send = (status, text, headers = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(text);
    };
    if (req.url === '/__state') return send(200, str(state()));
    if (req.url === '/__counts') return send(200, str(counts));
    if (req.url === '/__fund') {
      const { account_id, amount } = JSON.parse(body);
      if (!accounts.has(account_id)) accounts.set(account_id, { amount: 0n, keys: new Map() });
      accounts.get(account_id).amount += BigInt(amount);
      return send(200, '{"ok":true}');
    }
    if (req.url === '/__fault') {
      const f = JSON.parse(body);
      if (!faults.has(f.method)) faults.set(f.method, []);
      faults.get(f.method).push({ kind: f.kind, count: f.count || 1, retry_after: f.retry_after || 1,
                                  port: Number(f.port || 0) });
      return send(200, '{"ok":true}');
    }
    let rpc;
    try {
      rpc = JSON.parse(body);
    } catch {
      return send(200, str({ jsonrpc: '2.0', id: null, ...rpcError('REQUEST_VALIDATION_ERROR', 'PARSE_ERROR', { error_message: 'not JSON' }) }));
    }
    const method = rpc.method;
    counts.methods[method] = (counts.methods[method] || 0) + 1;
    const fault = takeFault(method, port);
    if (fault?.kind === 'http_429') return send(429, '{"error":"rate limited"}', { 'retry-after': String(fault.retry_after) });
    if (fault?.kind === 'http_503') {
      res.writeHead(503, { 'content-type': 'text/html' });
      return res.end('<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>');
    }
    if (fault?.kind === 'garbage') return send(200, '\u0000\u00ff not json at all');
    if (fault?.kind === 'hold') return undefined;    // never answered, nothing applied
    // refused as expired whether it landed before or not (a re-send too late)
    if (fault?.kind === 'expired') return send(200, str({ jsonrpc: '2.0', id: rpc.id, ...invalidTx('Expired') }));
    const { wait, hash, ...answer } = { jsonrpc: '2.0', id: rpc.id, ...call(method, rpc.params || {}) };
    if (fault?.kind === 'drop_after_apply') return undefined;           // applied, never answered
    if (fault?.kind === 'timeout_error' && !answer.error) {
      return send(200, str({ jsonrpc: '2.0', id: rpc.id, ...rpcError('HANDLER_ERROR', 'TIMEOUT_ERROR', {}) }));
    }
    // a timer can fire a little before Date.now() reaches the end of the wait (libuv's
    // loop time is cached): a node waiting for FINAL never answers before it is
    const reply = () => (hash && untilFinal(txs.get(hash)) > 0 ? setTimeout(reply, untilFinal(txs.get(hash)))
      : send(answer.error?.name === 'REQUEST_VALIDATION_ERROR' ? 400 : 200,
             str(hash ? { ...answer, result: seen(txs.get(hash)) } : answer)));
    // waiting for finality, as a node does for wait_until FINAL
    return wait ? setTimeout(reply, wait) : reply();
  });
};

const servers = [createServer(serve)];
if (arg('port2')) servers.push(createServer(serve));
let up = 0;
const ports = [];
servers.forEach((srv, i) => srv.listen(Number(arg(i ? 'port2' : 'port', 0)), '127.0.0.1', function listening() {
  ports[i] = this.address().port;
  if (++up === servers.length) console.log(`listening ${ports.join(' ')}`);
}));
