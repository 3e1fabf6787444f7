// The Vite bundle of vite_app/ in headless Chromium (test wasm/vite_*, run by vite_test.sh):
//   node vite_test.mjs WEB_DEPS DIST_DIR DATA_DIR NAME
// Checks that `vite build` copied the module's files into DIST_DIR/assets under hashed names
// (NAME-<hash>.wasm, NAME.weights-<hash>.bin) and pointed the bundle at them, serves DIST_DIR
// on 127.0.0.1 at a free port, opens it in Debian's Chromium through playwright-core (from
// WEB_DEPS/node_modules, scripts/web_deps.sh; $CHROMIUM or /usr/bin/chromium), runs the model
// on the page and in a Web Worker on DATA_DIR's input_0.pb and compares both with output_0.pb
// (rtol 1e-3, atol 1e-4). Fails on any console error, page error, failed request or HTTP error.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { readTensor, compareTensors } from "./tensor_pb.mjs";

const [web, dist, dataDir, NAME] = process.argv.slice(2).map((a, i) => (i < 3 ? path.resolve(a) : a));
const { chromium } = createRequire(path.join(web, "package.json"))("playwright-core");

// ---- the bundle: the files copied under hashed names, the JavaScript pointing at them
const assets = fs.readdirSync(path.join(dist, "assets")).sort();
console.log(`${dist}/assets: ${assets.join(", ")}`);
// Vite names a copy <stem>-<hash><last extension>: NAME-<hash>.wasm, NAME.weights-<hash>.bin.
const hashed = (stem, ext) => {
  const found = assets.filter((f) => f.startsWith(stem + "-") && f.endsWith(ext) && f.length > stem.length + ext.length + 1);
  assert.equal(found.length, 1, `one ${stem}-<hash>${ext} in the bundle, found ${JSON.stringify(found)}`);
  return found[0];
};
const wasmFile = hashed(NAME, ".wasm"), weightsFile = hashed(NAME + ".weights", ".bin");
const scripts = assets.filter((f) => f.endsWith(".js"));
const code = scripts.map((f) => fs.readFileSync(path.join(dist, "assets", f), "utf8"));
assert.ok(scripts.length >= 2, `a page chunk and a worker chunk, found ${JSON.stringify(scripts)}`);
for (const f of [wasmFile, weightsFile])
  assert.ok(code.some((c) => c.includes(f)), `no script of the bundle refers to ${f}`);
console.log(`ok   vite copied the module's files: assets/${wasmFile}, assets/${weightsFile}`);

// ---- the test data
const input = readTensor(path.join(dataDir, "input_0.pb"));
const want = readTensor(path.join(dataDir, "output_0.pb"));

// ---- static server on 127.0.0.1 (application/wasm: streaming compilation; no-store: each load
// is a request, counted below)
const MIME = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm", ".bin": "application/octet-stream" };
const requested = [];
const server = http.createServer((req, res) => {
  const rel = decodeURIComponent(new URL(req.url, "http://x").pathname).replace(/\/$/, "/index.html");
  const file = path.join(dist, path.normalize(rel));
  requested.push(rel);
  if (!file.startsWith(dist + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
    res.writeHead(404).end("not found");
    return;
  }
  res.writeHead(200, { "Content-Type": MIME[path.extname(file)] || "application/octet-stream", "Cache-Control": "no-store" });
  fs.createReadStream(file).pipe(res);
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const url = `http://127.0.0.1:${server.address().port}/`;

const profile = fs.mkdtempSync(path.join(os.tmpdir(), "o2c-vite-"));
const problems = [];
let results;
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium", headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = ctx.pages()[0] || await ctx.newPage();
  page.on("console", (m) => { console.log(`  [page ${m.type()}] ${m.text()}`); if (m.type() === "error") problems.push(m.text()); });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on("response", (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`); });
  ctx.on("weberror", (e) => problems.push(`web error: ${e.error().message}`));
  console.log(`serving ${dist} at ${url}`);
  await page.goto(url);
  await page.waitForFunction(() => typeof window.o2cRun === "function", null, { timeout: 60_000 });
  results = await page.evaluate((image) => window.o2cRun(image), Array.from(input.data));
  console.log(`  page says: ${await page.locator("#status").textContent()}`);
} catch (e) {
  problems.push(String(e.message ?? e));
} finally {
  await ctx.close();
  server.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
console.log(`requested: ${requested.join(", ")}`);
assert.deepEqual(problems, [], "console errors, page errors or failed requests");

// ---- both results against the reference; the files came from the bundle's copies
assert.deepEqual(results.map((r) => r.where), ["page", "worker"]);
for (const r of results) {
  const maxAbs = compareTensors(`${r.where}: output`, { data: Float32Array.from(r.data), shape: r.shape }, want, 1e-3, 1e-4);
  console.log(`ok   ${r.where}: output [${r.shape}] matches output_0.pb (max abs error ${maxAbs.toExponential(2)})`);
}
for (const f of [wasmFile, weightsFile]) {
  const n = requested.filter((r) => r === "/assets/" + f).length;
  assert.equal(n, 2, `/assets/${f} requested ${n} times, want twice (the page, the worker)`);
}
console.log(`ok   the page and the worker loaded assets/${wasmFile} and assets/${weightsFile}`);
console.log("PASS");
