// The JavaScript API of `onnx2cpp build --target wasm` (test wasm/api_*, run by api_test.sh):
//   node api_test.mjs DATA_DIR EMBED_DIR FILE_DIR NAME [RTOL ATOL]
// EMBED_DIR holds NAME.js built with the weights inside, FILE_DIR the same with --weights file.
// For both: the model's inputs/outputs match the data's TensorProtos, run() matches
// output_K.pb within rtol/atol, results are fresh copies, wrong feeds throw errors naming the
// input, the module loads from bytes (wasmBinary, weights), through locateFile and over HTTP
// (fetch, streaming and not); both builds give identical outputs; sizes are reported and
// the weights really are outside the code with --weights file. Writes check.ts beside each
// module for tsc (the .d.ts against the real names and types).
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import zlib from "node:zlib";
import { pathToFileURL } from "node:url";
import { readTensor, compareTensors } from "./tensor_pb.mjs";

const [dataDir, embedDir, fileDir, NAME, rtolArg, atolArg] = process.argv.slice(2);
const rtol = Number(rtolArg ?? 1e-3), atol = Number(atolArg ?? 1e-4);

const dataFiles = (prefix) => {
  const r = [];
  for (let k = 0; fs.existsSync(path.join(dataDir, prefix + k + ".pb")); ++k) r.push(readTensor(path.join(dataDir, prefix + k + ".pb")));
  return r;
};
const inputs = dataFiles("input_"), outputs = dataFiles("output_");

// ---- helpers ------------------------------------------------------------------------------------
const compare = (label, got, want) => compareTensors(label, got, want, rtol, atol);
const sameBits = (a, b) => Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
const throwsWith = (fn, type, ...parts) => assert.throws(fn, (e) => {
  assert.ok(e instanceof type, `expected a ${type.name}, got ${e}`);
  for (const s of parts) assert.ok(e.message.includes(s), `message ${JSON.stringify(e.message)} lacks ${JSON.stringify(s)}`);
  return true;
});
const rejectsWith = async (promise, ...parts) => assert.rejects(promise, (e) => {
  for (const s of parts) assert.ok(String(e.message ?? e).includes(s), `message ${JSON.stringify(String(e.message ?? e))} lacks ${JSON.stringify(s)}`);
  return true;
});
const otherArray = (t) => (t.dtype === "float32" ? new Float64Array(t.length) : new Float32Array(t.length));
const numel = (shape) => shape.reduce((a, d) => a * d, 1);

function feedsFor(model) {
  assert.equal(model.inputs.length, inputs.length, "number of inputs");
  const feeds = {};
  model.inputs.forEach((t, i) => {
    const d = inputs[i];
    if (d.name) assert.equal(t.name, d.name, `input ${i} name`);
    assert.equal(t.dtype, d.dtype, `input ${JSON.stringify(t.name)} dtype`);
    assert.deepEqual([...t.shape], d.shape, `input ${JSON.stringify(t.name)} shape`);
    Object.defineProperty(feeds, t.name, { value: d.data, enumerable: true });
  });
  return feeds;
}

function checkResults(model, res, label) {
  assert.ok(outputs.length <= model.outputs.length, "number of outputs");
  assert.deepEqual(Object.keys(res), model.outputs.map((t) => t.name), label + ": result keys");
  outputs.forEach((want, i) => {
    const t = model.outputs[i];
    if (want.name) assert.equal(t.name, want.name, `output ${i} name`);
    assert.ok(Object.prototype.hasOwnProperty.call(res, t.name), label + ": output " + JSON.stringify(t.name));
    const maxAbs = compare(`${label}: output ${JSON.stringify(t.name)}`, res[t.name], want);
    console.log(`  ${label}: output ${JSON.stringify(t.name)} ${t.dtype}[${t.shape}]: max abs error ${maxAbs}`);
  });
}

async function load(dir) {
  return (await import(pathToFileURL(path.join(dir, NAME + ".js")).href)).default;
}

// ---- one module -------------------------------------------------------------------------------------
async function checkModule(dir, weightsFile) {
  const label = weightsFile ? "--weights file" : "embedded weights";
  const createModel = await load(dir);
  const mod = await import(pathToFileURL(path.join(dir, NAME + ".js")).href);
  assert.equal(mod.createModel, createModel, "createModel is the default export too");
  const model = await createModel();
  assert.equal(model.name, NAME);
  const feeds = feedsFor(model);
  const res = model.run(feeds);
  checkResults(model, res, label);

  // Fresh copies: two runs agree bit for bit, own their buffers, and survive later runs.
  const res2 = model.run(feeds);
  for (const t of model.outputs) {
    const a = res[t.name], b = res2[t.name];
    assert.ok(sameBits(a.data, b.data), `${label}: output ${JSON.stringify(t.name)} differs between runs`);
    assert.notEqual(a.data.buffer, b.data.buffer, "each run returns new arrays");
    assert.equal(a.data.byteOffset, 0);
    assert.equal(a.data.buffer.byteLength, a.data.byteLength, "the result owns exactly its bytes");
    const keep = a.data.slice();
    if (b.data.length) b.data[0] = typeof b.data[0] === "bigint" ? 123n : 123;
    b.shape.push(99);
    const res3 = model.run(feeds);
    assert.ok(sameBits(res3[t.name].data, keep), "changing a result does not change the model");
    assert.ok(sameBits(a.data, keep), "a result stays valid after later runs");
    assert.deepEqual(res3[t.name].shape, [...t.shape]);
  }
  // The inputs are not modified.
  model.inputs.forEach((t, i) => assert.ok(sameBits(feeds[t.name], inputs[i].data)));
  assert.throws(() => { model.inputs[0].shape[0] = 7; }, TypeError, "the model's tensor info is frozen");

  // Wrong feeds: errors that name the input.
  if (model.inputs.length > 0) {
    const t = model.inputs[0], q = JSON.stringify(t.name);
    throwsWith(() => model.run({}), Error, q, "is missing");
    const wrongType = { ...feeds };
    Object.defineProperty(wrongType, t.name, { value: otherArray({ dtype: t.dtype, length: numel(t.shape) }), enumerable: true });
    throwsWith(() => model.run(wrongType), TypeError, q, "must be a");
    const plainArray = { ...feeds };
    Object.defineProperty(plainArray, t.name, { value: Array.from({ length: numel(t.shape) }, () => 0), enumerable: true });
    throwsWith(() => model.run(plainArray), TypeError, q, "got an Array");
    const wrongLength = { ...feeds };
    const Arr = feeds[t.name].constructor;
    Object.defineProperty(wrongLength, t.name, { value: new Arr(numel(t.shape) + 1), enumerable: true });
    throwsWith(() => model.run(wrongLength), RangeError, q, "elements");
  }
  throwsWith(() => model.run(null), TypeError, "feeds");
  // Extra entries are ignored; a view into a larger buffer is read at its offset.
  const extra = { ...feeds, "not an input": new Float32Array(1) };
  model.inputs.forEach((t) => {
    const a = feeds[t.name], big = new a.constructor(a.length + 3);
    big.set(a, 3);
    Object.defineProperty(extra, t.name, { value: big.subarray(3), enumerable: true });
  });
  for (const [k, v] of Object.entries(model.run(extra))) assert.ok(sameBits(v.data, res[k].data), "offset views");

  // Loading from bytes (nothing read from disk), and through locateFile from another folder.
  const wasmBytes = fs.readFileSync(path.join(dir, NAME + ".wasm"));
  const weightsPath = path.join(dir, NAME + ".weights.bin");
  assert.equal(fs.existsSync(weightsPath), weightsFile, "the weights file is there exactly with --weights file");
  const nowhere = (f) => path.join(dir, "does-not-exist", f);
  const fromBytes = await createModel({ wasmBinary: wasmBytes, weights: weightsFile ? fs.readFileSync(weightsPath) : undefined, locateFile: nowhere });
  checkResults(fromBytes, fromBytes.run(feeds), label + " (wasmBinary)");
  await rejectsWith(createModel({ locateFile: nowhere }), "cannot read", "does-not-exist");
  const elsewhere = fs.mkdtempSync(path.join(dir, "..", "elsewhere-"));
  for (const f of fs.readdirSync(dir)) if (/\.(wasm|bin)$/.test(f)) fs.copyFileSync(path.join(dir, f), path.join(elsewhere, f));
  const moved = await createModel({ locateFile: (f) => pathToFileURL(path.join(elsewhere, f)).href });
  checkResults(moved, moved.run(feeds), label + " (locateFile)");
  if (weightsFile) {
    const w = fs.readFileSync(weightsPath);
    await rejectsWith(createModel({ weights: w.subarray(0, w.length - 1) }), NAME + ".weights.bin has", "bytes");
    fs.rmSync(path.join(elsewhere, NAME + ".weights.bin"));
    await rejectsWith(createModel({ locateFile: (f) => path.join(elsewhere, f) }), "cannot read", NAME + ".weights.bin");
  }

  // Over HTTP, as in a browser: fetch() and instantiateStreaming (application/wasm), and
  // the ArrayBuffer path for a server that sends another type.
  const server = http.createServer((req, resp) => {
    const url = new URL(req.url, "http://x");
    const file = path.join(dir, path.normalize(decodeURIComponent(url.pathname)));
    if (!file.startsWith(dir + path.sep) || !fs.existsSync(file)) { resp.writeHead(404); resp.end(); return; }
    const type = file.endsWith(".wasm") && !url.searchParams.has("plain") ? "application/wasm" : "application/octet-stream";
    resp.writeHead(200, { "Content-Type": type });
    resp.end(fs.readFileSync(file));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${server.address().port}/`;
  try {
    for (const query of ["", "?plain"]) {
      const viaHttp = await createModel({ locateFile: (f) => base + f + query });
      checkResults(viaHttp, viaHttp.run(feeds), `${label} (HTTP${query})`);
    }
    await rejectsWith(createModel({ locateFile: (f) => base + "missing/" + f }), "HTTP 404");
  } finally {
    server.close();
  }

  // For tsc: the declarations against the real names and types.
  // JSON.stringify leaves U+2028/U+2029 raw, which TypeScript 4.8 takes for line breaks.
  const lit = (x) => JSON.stringify(x).replace(/[\u007f-\uffff]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
  const ts = [
    `import createModel, { createModel as named, CreateModelOptions, Inputs, Model, Outputs } from "./${NAME}.js";`,
    `const options: CreateModelOptions = { locateFile: (file: string) => file };`,
    `const model: Model = await createModel(options);`,
    `const same: typeof createModel = named;`,
    `const name: ${lit(NAME)} = model.name;`,
    `const feeds: Inputs = {`,
    ...model.inputs.map((t) => `  [${lit(t.name)}]: new ${feeds[t.name].constructor.name}(${numel(t.shape)}),`),
    `};`,
    `const out: Outputs = model.run(feeds);`,
    ...model.outputs.map((t, i) => `const data${i}: ${res[t.name].data.constructor.name} = out[${lit(t.name)}].data;\nconst shape${i}: number[] = out[${lit(t.name)}].shape;`),
    ...model.inputs.map((t, i) => `const in${i}: ${lit(t.name)} = model.inputs[${i}].name;\nconst dtype${i}: ${lit(t.dtype)} = model.inputs[${i}].dtype;`),
    ...(model.inputs.length ? [`// @ts-expect-error: an input is missing`, `const missing: Inputs = {};`] : []),
    ...(model.inputs.length ? [`// @ts-expect-error: the wrong typed array`, `const wrong: Inputs = { ...feeds, [${lit(model.inputs[0].name)}]: new ${model.inputs[0].dtype === "float32" ? "Float64Array" : "Float32Array"}(1) };`] : []),
    `export { same, name, out };`,
    "",
  ];
  fs.writeFileSync(path.join(dir, "check.ts"), ts.join("\n"));
  return res;
}

const embedded = await checkModule(embedDir, false);
const separate = await checkModule(fileDir, true);
for (const k of Object.keys(embedded))
  assert.ok(sameBits(embedded[k].data, separate[k].data), `output ${JSON.stringify(k)}: --weights file gives other values`);

// Sizes: the code alone (--weights file) and with the weights inside, raw and gzip -9.
const size = (dir, f) => fs.statSync(path.join(dir, f)).size;
const gz = (dir, f) => zlib.gzipSync(fs.readFileSync(path.join(dir, f)), { level: 9 }).length;
const weightsBytes = size(fileDir, NAME + ".weights.bin");
const codeBytes = size(fileDir, NAME + ".wasm"), fullBytes = size(embedDir, NAME + ".wasm");
console.log(`sizes of ${NAME} (bytes, gzip -9 in parentheses):`);
console.log(`  ${NAME}.wasm with weights inside: ${fullBytes} (${gz(embedDir, NAME + ".wasm")})`);
console.log(`  ${NAME}.wasm with --weights file: ${codeBytes} (${gz(fileDir, NAME + ".wasm")}) + ${NAME}.weights.bin ${weightsBytes} (${gz(fileDir, NAME + ".weights.bin")})`);
console.log(`  ${NAME}.js ${size(embedDir, NAME + ".js")} (${gz(embedDir, NAME + ".js")}), ${NAME}.emscripten.mjs ${size(embedDir, NAME + ".emscripten.mjs")} (${gz(embedDir, NAME + ".emscripten.mjs")})`);
assert.ok(fullBytes >= weightsBytes, "the weights are inside the embedded module");
const moved = fullBytes - codeBytes;
assert.ok(Math.abs(moved - weightsBytes) <= Math.max(8192, weightsBytes / 50),
          `--weights file should take the ${weightsBytes} bytes of weights out of the module; it took ${moved}`);
console.log("PASS");
