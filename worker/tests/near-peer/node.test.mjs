// The local NEAR node's own tests: transactions built and signed by
// near-api-js are applied once, and each refusal comes in nearcore's shape.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import bs58 from 'bs58';
import { KeyPair } from '@near-js/crypto';
import { actionCreators as a, createTransaction, encodeTransaction, Signature, SignedTransaction } from '@near-js/transactions';

const NEAR = 10n ** 24n;
const owner = KeyPair.fromRandom('ed25519');
let node, url;

before(async () => {
  const dir = mkdtempSync(`${tmpdir()}/mm-node-`);
  writeFileSync(`${dir}/genesis.json`, JSON.stringify({
    accounts: { 'bot.testnet': { amount: (10n * NEAR).toString(), keys: [{ public_key: owner.getPublicKey().toString(), nonce: 0 }] },
                'bob.testnet': { amount: '0', keys: [] } },
    tokens: { 'usdc.testnet': { decimals: 6, symbol: 'USDC', balances: { 'bot.testnet': '1000000' } } } }));
  node = spawn('node', [new URL('./node.mjs', import.meta.url).pathname, '--port', '0', '--state', `${dir}/genesis.json`]);
  url = await new Promise((resolve) => node.stdout.on('data', (d) => {
    const m = String(d).match(/listening (\d+)/);
    if (m) resolve(`http://127.0.0.1:${m[1]}`);
  }));
});
after(() => node.kill());

async function rpc(method, params) {
  const r = await fetch(url, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: '1', method, params }) });
  return r.json();
}
async function head() { return (await rpc('block', { finality: 'final' })).result.header.hash; }
function sign(actions, { nonce, receiver = 'bob.testnet', blockHash, tamper = false }) {
  const tx = createTransaction('bot.testnet', owner.getPublicKey(), receiver, BigInt(nonce), actions, bs58.decode(blockHash));
  const hash = createHash('sha256').update(encodeTransaction(tx)).digest();
  const sig = owner.sign(hash).signature;
  if (tamper) sig[0] ^= 1;
  const signed = new SignedTransaction({ transaction: tx, signature: new Signature({ keyType: 0, data: sig }) });
  return { b64: Buffer.from(signed.encode()).toString('base64'), hash: bs58.encode(hash) };
}
const send = (b64) => rpc('send_tx', { signed_tx_base64: b64, wait_until: 'FINAL' });
const invalid = (r) => r.error?.cause?.name === 'INVALID_TRANSACTION' && r.error.data.TxExecutionError.InvalidTxError;

test('a transfer is applied once, however often it is sent', async () => {
  const t = sign([a.transfer(NEAR)], { nonce: 1, blockHash: await head() });
  const first = await send(t.b64);
  assert.deepEqual(first.result.status, { SuccessValue: '' });
  assert.equal(first.result.final_execution_status, 'FINAL');
  assert.equal(first.result.transaction.hash, t.hash);
  const again = await send(t.b64);
  assert.deepEqual(again.result, first.result);
  const bob = await rpc('query', { request_type: 'view_account', finality: 'final', account_id: 'bob.testnet' });
  assert.equal(bob.result.amount, NEAR.toString());
  assert.equal((await rpc('tx', { tx_hash: t.hash, sender_account_id: 'bot.testnet', wait_until: 'NONE' })).result.transaction.hash, t.hash);
});

test('refusals before execution, in nearcore\'s shape', async () => {
  const h = await head();
  assert.deepEqual(invalid(await send(sign([a.transfer(1n)], { nonce: 1, blockHash: h }).b64)),
                   { InvalidNonce: { tx_nonce: 1, ak_nonce: 1 } });
  assert.equal(invalid(await send(sign([a.transfer(1n)], { nonce: 2, blockHash: bs58.encode(Buffer.alloc(32, 7)) }).b64)), 'Expired');
  assert.equal(invalid(await send(sign([a.transfer(1n)], { nonce: 2, blockHash: h, tamper: true }).b64)), 'InvalidSignature');
  assert.ok(invalid(await send(sign([a.transfer(100n * NEAR)], { nonce: 2, blockHash: h }).b64)).NotEnoughBalance);
  const unknown = await rpc('tx', { tx_hash: bs58.encode(Buffer.alloc(32, 1)), sender_account_id: 'bot.testnet', wait_until: 'NONE' });
  assert.equal(unknown.error.cause.name, 'UNKNOWN_TRANSACTION');
});

test('failed actions change nothing but the fee and the nonce', async () => {
  const before = (await rpc('query', { request_type: 'view_account', finality: 'final', account_id: 'bot.testnet' })).result.amount;
  const exists = await send(sign([a.createAccount(), a.transfer(1n)], { nonce: 5, blockHash: await head() }).b64);
  assert.deepEqual(exists.result.status.Failure.ActionError.kind, { AccountAlreadyExists: { account_id: 'bob.testnet' } });
  const after = (await rpc('query', { request_type: 'view_account', finality: 'final', account_id: 'bot.testnet' })).result.amount;
  assert.equal(BigInt(before) - BigInt(after), 100000000000000000000n);
  const key = await rpc('query', { request_type: 'view_access_key', finality: 'optimistic', account_id: 'bot.testnet',
                                   public_key: owner.getPublicKey().toString() });
  assert.equal(key.result.nonce, 5);
});

test('NEP-141: one yocto, registration, the event', async () => {
  const args = (o) => Buffer.from(JSON.stringify(o));
  const h = await head();
  const two = await send(sign([a.functionCall('ft_transfer', args({ receiver_id: 'bot.testnet', amount: '1' }), 30000000000000n, 2n)],
                              { nonce: 6, receiver: 'usdc.testnet', blockHash: h }).b64);
  assert.match(two.result.status.Failure.ActionError.kind.FunctionCallError.ExecutionError, /exactly 1 yoctoNEAR/);
  const ok = await send(sign([a.functionCall('storage_deposit', args({ account_id: 'bob.testnet' }), 30000000000000n, 1250000000000000000000n),
                              a.functionCall('ft_transfer', args({ receiver_id: 'bob.testnet', amount: '250000' }), 30000000000000n, 1n)],
                             { nonce: 7, receiver: 'usdc.testnet', blockHash: h }).b64);
  assert.deepEqual(ok.result.status, { SuccessValue: '' });
  assert.match(ok.result.receipts_outcome[0].outcome.logs[0], /^EVENT_JSON:.*"event":"ft_transfer".*"amount":"250000"/);
  const view = await rpc('query', { request_type: 'call_function', finality: 'final', account_id: 'usdc.testnet',
                                    method_name: 'ft_balance_of', args_base64: args({ account_id: 'bob.testnet' }).toString('base64') });
  assert.equal(Buffer.from(view.result.result).toString(), '"250000"');
});

test('faults on demand', async () => {
  await fetch(`${url}/__fault`, { method: 'POST', body: JSON.stringify({ method: 'block', kind: 'http_429', count: 1, retry_after: 3 }) });
  const r = await fetch(url, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: '1', method: 'block', params: { finality: 'final' } }) });
  assert.equal(r.status, 429);
  assert.equal(r.headers.get('retry-after'), '3');
  assert.ok((await rpc('block', { finality: 'final' })).result.header.hash, 'then answers again');
});

test('finality: applied on arrival, FINAL --final-ms later; a fallback port fails on its own', async () => {
  const dir = mkdtempSync(`${tmpdir()}/mm-node-`);
  writeFileSync(`${dir}/genesis.json`, JSON.stringify({
    accounts: { 'bot.testnet': { amount: (10n * NEAR).toString(), keys: [{ public_key: owner.getPublicKey().toString(), nonce: 0 }] },
                'bob.testnet': { amount: '0', keys: [] } } }));
  const slow = spawn('node', [new URL('./node.mjs', import.meta.url).pathname, '--port', '0', '--port2', '0',
                              '--state', `${dir}/genesis.json`, '--final-ms', '400']);
  const [p1, p2] = await new Promise((resolve) => slow.stdout.on('data', (d) => {
    const m = String(d).match(/listening (\d+) (\d+)/);
    if (m) resolve([Number(m[1]), Number(m[2])]);
  }));
  const call = async (port, method, params) => (await fetch(`http://127.0.0.1:${port}`, { method: 'POST',
    body: JSON.stringify({ jsonrpc: '2.0', id: '1', method, params }) })).json();
  try {
    const h = (await call(p1, 'block', { finality: 'final' })).result.header.hash;
    const t = sign([a.transfer(1n)], { nonce: 1, blockHash: h });
    const sent = await call(p1, 'send_tx', { signed_tx_base64: t.b64, wait_until: 'NONE' });
    assert.equal(sent.result.final_execution_status, 'NONE');
    const early = await call(p2, 'tx', { tx_hash: t.hash, sender_account_id: 'bot.testnet', wait_until: 'NONE' });
    assert.equal(early.result.final_execution_status, 'EXECUTED_OPTIMISTIC', 'applied, not final yet');
    // a lower nonce arriving after a higher one is refused: order matters
    const late = sign([a.transfer(1n)], { nonce: 3, blockHash: h });
    await call(p1, 'send_tx', { signed_tx_base64: late.b64, wait_until: 'NONE' });
    const before = sign([a.transfer(1n)], { nonce: 2, blockHash: h });
    const refused = await call(p1, 'send_tx', { signed_tx_base64: before.b64, wait_until: 'NONE' });
    assert.ok(invalid(refused).InvalidNonce);
    const t0 = Date.now();
    const final = await call(p1, 'tx', { tx_hash: t.hash, sender_account_id: 'bot.testnet', wait_until: 'FINAL' });
    assert.equal(final.result.final_execution_status, 'FINAL');
    assert.ok(Date.now() - t0 < 450, 'waited for finality only');
    await fetch(`http://127.0.0.1:${p1}/__fault`, { method: 'POST', body: JSON.stringify({ method: '*', kind: 'http_503', count: 5, port: p1 }) });
    assert.equal((await fetch(`http://127.0.0.1:${p1}`, { method: 'POST', body: '{"jsonrpc":"2.0","id":"1","method":"status","params":{}}' })).status, 503);
    assert.ok((await call(p2, 'status', {})).result.sync_info, 'the other port still answers');
  } finally {
    slow.kill();
  }
});
