// near-api-js's own packages build and sign every transaction that
// `mm-worker near sign` signed, from the same JSON input, and must get the
// same bytes and hash; they also decode our bytes and verify our signature.
// stdin: JSON lines {"input": <near sign input>, "output": <near sign output>}
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import bs58 from 'bs58';
import { KeyPair, PublicKey } from '@near-js/crypto';
import {
  actionCreators as a, createTransaction, decodeSignedTransaction, encodeTransaction,
  Signature, SignedTransaction,
} from '@near-js/transactions';

function action(x) {
  if (x === 'CreateAccount') return a.createAccount();
  const [kind, v] = Object.entries(x)[0];
  switch (kind) {
    case 'Transfer': return a.transfer(BigInt(v.deposit));
    case 'FunctionCall':
      return a.functionCall(v.method_name, Buffer.from(v.args, 'base64'), BigInt(v.gas), BigInt(v.deposit));
    case 'AddKey': {
      const p = v.access_key.permission;
      const key = p === 'FullAccess' ? a.fullAccessKey()
        : a.functionCallAccessKey(p.FunctionCall.receiver_id, p.FunctionCall.method_names,
                                  p.FunctionCall.allowance === null ? undefined : BigInt(p.FunctionCall.allowance));
      return a.addKey(PublicKey.from(v.public_key), key);
    }
    case 'DeleteKey': return a.deleteKey(PublicKey.from(v.public_key));
  }
  throw new Error(`unknown action ${kind}`);
}

let n = 0, bad = 0;
for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const { input, output } = JSON.parse(line);
  n++;
  const kp = KeyPair.fromString(input.secret_key);
  const tx = createTransaction(input.signer_id, kp.getPublicKey(), input.receiver_id,
                               BigInt(input.nonce), input.actions.map(action), bs58.decode(input.block_hash));
  const bytes = encodeTransaction(tx);
  const hash = createHash('sha256').update(bytes).digest();
  const signed = new SignedTransaction({
    transaction: tx,
    signature: new Signature({ keyType: tx.publicKey.keyType, data: kp.sign(hash).signature }),
  });
  const theirs = Buffer.from(signed.encode()).toString('base64');

  const ours = decodeSignedTransaction(Buffer.from(output.signed_tx_base64, 'base64'));
  const ourHash = createHash('sha256').update(encodeTransaction(ours.transaction)).digest();
  const verified = kp.getPublicKey().verify(ourHash, Uint8Array.from(ours.signature.ed25519Signature.data));

  const problems = [];
  if (theirs !== output.signed_tx_base64) problems.push('signed bytes differ');
  if (bs58.encode(hash) !== output.hash) problems.push('hash differs');
  if (!verified) problems.push('signature does not verify');
  if (problems.length) {
    bad++;
    console.log(`not ok ${n} - ${problems.join(', ')}: ${line}`);
  } else {
    console.log(`ok ${n} - ${input.signer_id} -> ${input.receiver_id}, ${input.actions.length} actions`);
  }
}
console.log(`1..${n}`);
process.exit(bad ? 1 : 0);
