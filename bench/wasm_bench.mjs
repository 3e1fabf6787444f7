#!/usr/bin/env node
// Times one model as an onnx2cpp wasm module and in onnxruntime-web (wasm SIMD, one thread), in
// this one Node process, alternating rounds, on the inputs of a test_data_set folder:
//   node bench/wasm_bench.mjs MODULE.js MODEL.onnx DATA_DIR [--rounds 4] [--min-ms 1500] [--max-iters 1000]
//        [--warmup-ms 1000]
// MODULE.js comes from `onnx2cpp build MODEL --target wasm`. Each round runs both runtimes
// (order swapped every round) for the same number of iterations, chosen so that one runtime's
// share of a round lasts about --min-ms / rounds. Both outputs are checked against output_K.pb
// (|got - want| <= 1e-4 + 1e-3 |want|). Prints one JSON line.
// onnxruntime-web is resolved from $O2C_WEB_DIR (default build/web, see scripts/web_deps.sh).
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { readTensor } from './tensor_pb.mjs';

const args = process.argv.slice(2);
const opt = (k, d) => { const i = args.indexOf(k); return i < 0 ? d : Number(args.splice(i, 2)[1]); };
const rounds = opt('--rounds', 4), minMs = opt('--min-ms', 1500), maxIters = opt('--max-iters', 1000);
const warmupMs = opt('--warmup-ms', 1000);
const [modulePath, modelPath, dataDir] = args;
const webDir = path.resolve(process.env.O2C_WEB_DIR || 'build/web');
const ort = createRequire(path.join(webDir, 'package.json'))('onnxruntime-web');
ort.env.wasm.numThreads = 1;
ort.env.wasm.simd = true;
ort.env.wasm.proxy = false;
ort.env.logLevel = 'error';

const files = (p) => fs.readdirSync(dataDir).filter((f) => new RegExp(`^${p}_\\d+\\.pb$`).test(f))
  .sort((a, b) => parseInt(a.split('_')[1], 10) - parseInt(b.split('_')[1], 10))
  .map((f) => readTensor(fs.readFileSync(path.join(dataDir, f))));
const inputs = files('input'), refs = files('output');

function compare(got, want) {
  let maxAbs = 0, ok = got.length === want.length;
  for (let i = 0; i < want.length; i++) {
    const g = Number(got[i]), w = Number(want[i]), d = Math.abs(g - w);
    if (!(d <= 1e-4 + 1e-3 * Math.abs(w))) ok = false;
    if (d > maxAbs) maxAbs = d;
  }
  return { ok, maxAbs };
}
function checkAll(outs) { // outs: array of typed arrays in graph output order
  const c = refs.map((r, i) => compare(outs[i], r.data));
  return { ok: c.every((x) => x.ok), max_abs_err: Math.max(0, ...c.map((x) => x.maxAbs)) };
}

// ---- onnx2cpp
let t0 = performance.now();
const mod = await import(pathToFileURL(path.resolve(modulePath)).href);
const model = await (mod.createModel || mod.default)();
const o2cLoad = performance.now() - t0;
const o2cFeeds = Object.fromEntries(model.inputs.map((inp, i) =>
  [inp.name, (inputs.find((t) => t.name === inp.name) || inputs[i]).data]));
const o2cRun = () => model.run(o2cFeeds);
const o2cOuts = (r) => model.outputs.map((o) => r[o.name].data);

// ---- onnxruntime-web
t0 = performance.now();
const session = await ort.InferenceSession.create(fs.readFileSync(modelPath), { executionProviders: ['wasm'] });
const ortLoad = performance.now() - t0;
const ortFeeds = Object.fromEntries(session.inputNames.map((n, i) => {
  const t = inputs.find((x) => x.name === n) || inputs[i];
  return [n, new ort.Tensor(t.dtype, t.data, t.dims)];
}));
const ortRun = () => session.run(ortFeeds);
const ortOuts = (r) => session.outputNames.map((n) => r[n].data);

// ---- correctness, warm-up, iteration count
const o2cCheck = checkAll(o2cOuts(await o2cRun()));
const ortCheck = checkAll(ortOuts(await ortRun()));
const once = async (f) => { const s = performance.now(); await f(); return performance.now() - s; };
// Warm-up: V8 runs a function's baseline (Liftoff) code until the function has used its
// tier-up budget, then swaps in TurboFan's code, compiled in the background. Both runtimes
// run alternately for --warmup-ms each (and at least 3 times) before anything is timed.
let warmed = { o2c: 0, ort: 0 }, runs = 0;
while (runs < 3 || warmed.o2c < warmupMs || warmed.ort < warmupMs) {
  warmed.o2c += await once(o2cRun);
  warmed.ort += await once(ortRun);
  runs++;
}
const slowest = Math.max(await once(o2cRun), await once(ortRun));
const iters = Math.max(3, Math.min(maxIters, Math.ceil(minMs / rounds / Math.max(slowest, 1e-3))));

const times = { o2c: [], ort: [] };
const timeMany = async (key, f) => {
  for (let i = 0; i < iters; i++) { const s = performance.now(); await f(); times[key].push(performance.now() - s); }
};
for (let r = 0; r < rounds; r++) {
  if (r % 2 === 0) { await timeMany('o2c', o2cRun); await timeMany('ort', ortRun); }
  else { await timeMany('ort', ortRun); await timeMany('o2c', o2cRun); }
}
const median = (a) => { const s = [...a].sort((x, y) => x - y), m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const round4 = (x) => +x.toFixed(4);
console.log(JSON.stringify({
  o2c_median_ms: round4(median(times.o2c)), ort_median_ms: round4(median(times.ort)),
  o2c_min_ms: round4(Math.min(...times.o2c)), ort_min_ms: round4(Math.min(...times.ort)),
  iters, rounds, o2c_ok: o2cCheck.ok, o2c_max_abs_err: o2cCheck.max_abs_err,
  ort_ok: ortCheck.ok, ort_max_abs_err: ortCheck.max_abs_err,
  o2c_load_ms: round4(o2cLoad), ort_load_ms: round4(ortLoad),
}));
process.exit(0); // onnxruntime-web keeps handles alive
