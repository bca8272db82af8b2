// load-common.mjs: what the load drivers (group-quiz-load.mjs,
// paid-quiz-load.mjs) share: their command line, and the Bot API emulator
// hosted in the driver's own process (so presses and the bot's calls share
// one clock) with its webhook pointed at nginx.
//
//   import { arg, startEmulator } from './load-common.mjs';
//   const api = await startEmulator();   // --port --token --webhook --secret

import { startBotApi } from '../worker/tests/botapi/botapi.mjs';

export const arg = (name, def) => {
  const i = process.argv.indexOf('--' + name);
  return i > 0 ? process.argv[i + 1] : def;
};

export async function startEmulator() {
  const api = await startBotApi({ port: Number(arg('port', 0)), token: arg('token') });
  await fetch(`${api.apiUrl}/setWebhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ url: arg('webhook'), secret_token: arg('secret'), max_connections: 100 }),
  });
  return api;
}
