// Debian's chromium driven by playwright-core: nothing is downloaded, the
// profile is fresh and thrown away, and the browser is kept off the network
// (every request that is not to the page's own loopback origin is aborted
// and counted).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export async function launch({ origin, shots }) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1100, height: 760 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const foreign = [];
  await ctx.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin + '/') || url.startsWith('data:')) return route.continue();
    foreign.push(url);
    return route.abort();
  });
  const errors = [];
  if (shots) fs.mkdirSync(shots, { recursive: true });
  let n = 0;
  return {
    ctx,
    foreign,
    errors,
    async page(hash = '') {
      const p = await ctx.newPage();
      p.on('pageerror', (e) => errors.push(String(e)));
      p.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      await p.goto(origin + '/' + hash);
      await p.waitForSelector('body[data-ready="1"][data-live="1"]');
      return p;
    },
    // a numbered screenshot kept with the test's logs
    async shot(p, name) {
      if (!shots) return null;
      const file = path.join(shots, `${String(++n).padStart(2, '0')}-${name}.png`);
      await p.screenshot({ path: file });
      return file;
    },
    async close() {
      await ctx.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}
