// llm-instant.mjs: an OpenAI-compatible chat completions server that
// answers at once with as many new, distinct quiz items as the prompt asks
// for — so bench/engine.pl measures the engine, not a model.
//   node bench/llm-instant.mjs --port P --words worker/quiz/bank/questions.jsonl
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { randomInt } from 'node:crypto';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
// real words (those of the shipped bank pass the content filter)
const words = [...new Set(readFileSync(arg('words'), 'utf8').toLowerCase().match(/\b[a-z]{5,12}\b/g))];
const pick = () => words[randomInt(words.length)];
let served = 0;

function item() {
  const w = Array.from({ length: 6 }, pick);
  return {
    question: `Which ${w[0]} connects ${w[1]}, ${w[2]} and ${w[3]} in set ${++served}?`,
    options: [`${w[4]} one`, `${w[5]} two`, `${pick()} three`, `${pick()} four`],
    correct_index: randomInt(4),
    explanation: `Because ${w[1]} and ${w[2]} share ${w[4]}.`,
    sdi: 1 + randomInt(10),
  };
}

createServer((req, res) => {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    let n = 5;
    try {
      const m = JSON.parse(body).messages.at(-1).content.match(/^Write (\d+) multiple-choice/);
      if (m) n = Number(m[1]);
    } catch { /* a malformed request still gets five */ }
    const content = JSON.stringify({ questions: Array.from({ length: n }, item) });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ object: 'chat.completion', model: 'instant',
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] }));
  });
}).listen(Number(arg('port', 0)), '127.0.0.1', function () {
  console.log(`listening ${this.address().port}`);
});
