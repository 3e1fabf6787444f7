#!/usr/bin/env node
// Browser test of the web demo (CTest labels wasm;browser):
//   node tests/web/demo.test.mjs BUILD_DIR SHARED_MODELS_DIR
// Serves BUILD_DIR/demo (scripts/build_demo.sh) on 127.0.0.1 at a free port, opens it in Debian's
// headless Chromium through playwright-core (from BUILD_DIR/web, scripts/web_deps.sh), waits for
// both models' results and checks them:
//   - the page's input tensors equal the ones recomputed here from the PNG files;
//   - the page's outputs match onnxruntime-node (native CPU, run here on those inputs on the
//     shared model.onnx) within |got - want| <= 1e-4 + 1e-3 |want|;
//   - the top 5 classes the page lists are the reference's top 5;
//   - the digit panel, given held-out digits as drawings, feeds the input recomputed here, matches
//     onnxruntime-node on models/digits/model.onnx and names the right digit for nearly all;
//   - no console error, page error or failed request.
// Saves BUILD_DIR/demo/screenshot.png. Exits 0 pass, 1 fail, 77 skip (demo not built: no shared models).
import { createRequire } from 'node:module';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodePng } from './png.mjs';

const [buildDir, sharedModels] = process.argv.slice(2).map((p) => path.resolve(p));
const demo = path.join(buildDir, 'demo');
const RTOL = 1e-3, ATOL = 1e-4;
const failures = [];
const check = (ok, what) => { console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`); if (!ok) failures.push(what); };

const manifest = JSON.parse(fs.readFileSync(path.join(demo, 'models.json'), 'utf8'));
if (manifest.skipped) { console.log(`SKIP: demo not built: ${manifest.skipped}`); process.exit(77); }

const require = createRequire(path.join(buildDir, 'web', 'package.json'));
const { chromium } = require('playwright-core');
const ort = require('onnxruntime-node');
const pre = await import(new URL('../../web/demo/preprocess.js', import.meta.url));

// ---- static server on 127.0.0.1
const MIME = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.json': 'application/json', '.png': 'image/png', '.wasm': 'application/wasm', '.bin': 'application/octet-stream' };
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
const url = `http://127.0.0.1:${server.address().port}/`;

// ---- the page in headless Chromium
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'o2c-chromium-'));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
  viewport: { width: 1000, height: 900 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
// Held-out digits (models/digits/heldout.u8: the label, then 64 pixels of 0..16, per digit).
const heldout = fs.readFileSync(new URL('../../models/digits/heldout.u8', import.meta.url));
const DIGITS = 20;
const samples = Array.from({ length: DIGITS }, (_, k) => ({
  label: heldout[65 * k], pixels: Array.from(heldout.subarray(65 * k + 1, 65 * k + 65)) }));
let results, drawn;
try {
  const page = ctx.pages()[0] || await ctx.newPage();
  const problems = [];
  page.on('console', (m) => { console.log(`  [page ${m.type()}] ${m.text()}`); if (m.type() === 'error') problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`); });
  console.log(`serving ${demo} at ${url}`);
  await page.goto(url);
  await page.waitForFunction(() => window.__results && window.__results.done, null, { timeout: 900_000, polling: 500 });
  // A stroke drawn with the mouse, top to bottom in the middle of the canvas: a one.
  const box = await page.locator('#digit-draw').boundingBox();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.15);
  await page.mouse.down();
  for (let k = 1; k <= 10; k++) await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * (0.15 + 0.07 * k));
  await page.mouse.up();
  await page.waitForTimeout(300);
  const stroke = await page.locator('#digit-seen').textContent();
  check(stroke.startsWith('the model sees a 1 '), `digits: a vertical stroke drawn with the mouse: "${stroke}"`);
  drawn = await page.evaluate(async (digits) => {
    const out = [];
    for (const d of digits) out.push(await window.__classifyDigit(d.pixels));
    return out;
  }, samples);
  results = await page.evaluate(() => {
    const r = window.__results, plain = (t) => t && { ...t, input: Array.from(t.input || []), output: Array.from(t.output || []) };
    return { errors: r.errors, style: plain(r.style), classifier: plain(r.classifier),
      top5Shown: Array.from(document.querySelectorAll('#classifier-top5 li'), (li) => Number(li.dataset.index)),
      status: ['digits', 'style', 'classifier'].map((k) => document.getElementById(`${k}-status`).textContent),
      seen: document.getElementById('digit-seen').textContent };
  });
  const shot = path.join(demo, 'screenshot.png');
  await page.screenshot({ path: shot, fullPage: true });
  console.log(`screenshot: ${shot}`);
  results.status.forEach((s) => console.log(`  page says: ${s}`));
  console.log(`  digit panel: ${results.seen}`);
  check(problems.length === 0, `no console errors or failed requests${problems.length ? ': ' + problems.join(' | ') : ''}`);
  check(results.errors.length === 0, `page reported no errors${results.errors.length ? ': ' + results.errors.join(' | ') : ''}`);
} finally {
  await ctx.close();
  server.close();
  fs.rmSync(profile, { recursive: true, force: true });
}

// ---- the same inputs here, the reference outputs from onnxruntime-node
function compare(got, want) {
  if (got.length !== want.length) return { ok: false, why: `${got.length} values, want ${want.length}` };
  let maxAbs = 0, bad = -1;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (!(d <= ATOL + RTOL * Math.abs(want[i])) && bad < 0) bad = i;
    if (d > maxAbs || Number.isNaN(d)) maxAbs = Number.isNaN(d) ? NaN : d;
  }
  return { ok: bad < 0, why: `max |diff| ${maxAbs.toExponential(2)}${bad < 0 ? '' : `; first bad [${bad}] ${got[bad]} vs ${want[bad]}`}` };
}

const prepare = { style: pre.styleInput, classifier: pre.classifierInput };
const refs = {};
for (const key of ['style', 'classifier']) {
  const spec = manifest[key], got = results[key];
  if (!got || !got.output.length) { check(false, `${key}: the page produced no output`); continue; }
  const png = decodePng(fs.readFileSync(path.join(demo, spec.image)));
  const x = prepare[key](png.rgba, png.width, png.height);
  const differ = got.input.length === x.length ? x.filter((v, i) => v !== got.input[i]).length : x.length;
  check(differ === 0, `${key}: page input tensor equals the one decoded here from ${spec.image} (${differ} of ${x.length} values differ)`);
  const session = await ort.InferenceSession.create(path.join(sharedModels, spec.model, 'model.onnx'),
    { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', logSeverityLevel: 3 });
  const ref = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, [1, 3, png.height, png.width]) });
  const want = ref[session.outputNames[0]];
  refs[key] = want.data;
  check(JSON.stringify(got.shape) === JSON.stringify(Array.from(want.dims)), `${key}: output shape [${got.shape}] = reference [${want.dims}]`);
  const c = compare(got.output, want.data);
  check(c.ok, `${key} (${spec.model}, wasm in Chromium, run ${got.runMs.toFixed(1)} ms, load ${got.loadMs.toFixed(1)} ms) vs onnxruntime-node: ${c.why}`);
}
// ---- the digit panel
{
  const session = await ort.InferenceSession.create(fileURLToPath(new URL('../../models/digits/model.onnx', import.meta.url)),
    { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', logSeverityLevel: 3 });
  let sameInput = 0, close = 0, right = 0, agree = 0;
  for (let k = 0; k < DIGITS; k++) {
    const x = pre.digitInput(pre.digitRgba(samples[k].pixels, 32, 32), 32, 32);
    sameInput += x.every((v, i) => v === drawn[k].input[i]);
    const ref = await session.run({ image: new ort.Tensor('float32', x, [1, 1, 8, 8]) });
    const want = ref.probs.data;
    close += compare(drawn[k].output, want).ok;
    right += drawn[k].digit === samples[k].label;
    agree += drawn[k].digit === want.indexOf(Math.max(...want));
  }
  check(sameInput === DIGITS, `digits: the page's input equals the one recomputed here for ${sameInput} of ${DIGITS} digits`);
  check(close === DIGITS && agree === DIGITS,
    `digits: outputs match onnxruntime-node for ${close} of ${DIGITS}, same digit for ${agree}`);
  check(right >= DIGITS - 2, `digits: the page names ${right} of ${DIGITS} held-out digits right`);
}

if (refs.classifier) {
  const want = pre.topK(refs.classifier, 5).map((e) => e.index);
  check(JSON.stringify(results.top5Shown) === JSON.stringify(want), `classifier: page lists top 5 [${results.top5Shown}], reference [${want}]`);
}
console.log(failures.length ? `demo test: ${failures.length} check(s) failed` : 'demo test: all checks passed');
process.exit(failures.length ? 1 : 0);
