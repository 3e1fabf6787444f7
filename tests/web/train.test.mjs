#!/usr/bin/env node
// Browser test of the training demo (CTest labels wasm;browser):
//   node tests/web/train.test.mjs BUILD_DIR
// Serves BUILD_DIR/train_demo (scripts/build_train_demo.sh) on 127.0.0.1 at a free port, opens
// it in Debian's headless Chromium through playwright-core (BUILD_DIR/web, scripts/web_deps.sh),
// waits for its 300 training steps and checks:
//   - the loss falls: the mean of the last 20 steps' losses is below half the first 20's;
//   - the held-out accuracy (300 digits the step never sees) rises from chance to >= 85%;
//   - a digit drawn on the pad with the mouse is classified (a class 0..9 shown);
//   - no console error, page error or failed request.
// Saves BUILD_DIR/train_demo/screenshot.png. Exits 0 pass, 1 fail.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

const [buildDir] = process.argv.slice(2).map((p) => path.resolve(p));
const demo = path.join(buildDir, 'train_demo');
const ACCURACY_BAR = 0.85;
const failures = [];
const check = (ok, what) => { console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`); if (!ok) failures.push(what); };

const require = createRequire(path.join(buildDir, 'web', 'package.json'));
const { chromium } = require('playwright-core');

const MIME = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.json': 'application/json', '.wasm': 'application/wasm' };
const server = http.createServer((req, res) => {
  const rel = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/\/$/, '/index.html');
  const file = path.join(demo, path.normalize(rel));
  if (!file.startsWith(demo + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
    res.writeHead(404).end('not found'); return;
  }
  res.writeHead(200, { 'Content-Type': MIME[path.extname(file)] || 'application/octet-stream' });
  fs.createReadStream(file).pipe(res);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'o2c-chromium-'));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, viewport: { width: 1100, height: 700 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = ctx.pages()[0] || await ctx.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.waitForFunction(() => window.trainResult && window.trainResult.done, null, { timeout: 300000 });
  const r = await page.evaluate(() => window.trainResult);
  const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
  const first = mean(r.losses.slice(0, 20)), last = mean(r.losses.slice(-20));
  check(r.losses.every(Number.isFinite) && last < 0.5 * first,
    `loss falls: mean of the first 20 steps ${first.toFixed(3)}, of the last 20 ${last.toFixed(3)}`);
  const [, acc0] = r.accuracies[0], [, acc] = r.accuracies[r.accuracies.length - 1];
  check(acc >= ACCURACY_BAR && acc > acc0,
    `held-out accuracy ${(100 * acc0).toFixed(1)}% before training, ${(100 * acc).toFixed(1)}% after (bar ${100 * ACCURACY_BAR}%)`);
  console.log(`     ${r.msPerStep.toFixed(2)} ms a step (with an evaluation every 10 steps) in Chromium`);

  // Draw a "1": a vertical stroke down the middle of the pad.
  const pad = await page.locator('#pad').boundingBox();
  await page.mouse.move(pad.x + 80, pad.y + 20);
  await page.mouse.down();
  for (let y = 20; y <= 140; y += 10) await page.mouse.move(pad.x + 80, pad.y + y);
  await page.mouse.up();
  await page.waitForFunction(() => window.trainResult.prediction !== undefined, null, { timeout: 10000 });
  const shown = await page.locator('#prediction').textContent();
  check(/^I read a [0-9]$/.test(shown), `the drawn digit is classified: "${shown}"`);
  check(problems.length === 0, `no console errors, page errors or failed requests${problems.length ? ': ' + problems.join('; ') : ''}`);
  await page.screenshot({ path: path.join(demo, 'screenshot.png') });
  console.log(`screenshot: ${path.join(demo, 'screenshot.png')}`);
} finally {
  await ctx.close();
  server.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
if (failures.length) { console.log(`FAIL: ${failures.length} check(s)`); process.exit(1); }
console.log('PASS');
