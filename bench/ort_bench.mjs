#!/usr/bin/env node
// Times one model in onnxruntime-node (single thread, sequential) on a test_data_set folder.
//   node bench/ort_bench.mjs MODEL.onnx DATA_DIR ITERS
// Prints one JSON line: {"median_ms", "min_ms", "iters", "rss_peak_bytes"}.
// onnxruntime-node is resolved from $ORT_JS_DIR (default: build/ortjs, set up by scripts/bench.sh).
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const [model, dataDir, itersArg] = process.argv.slice(2);
const require = createRequire(path.resolve(process.env.ORT_JS_DIR || 'build/ortjs', 'package.json'));
const ort = require('onnxruntime-node');

// Minimal onnx.TensorProto reader: dims (1), data_type (2), float_data (4), int32_data (5),
// int64_data (7), name (8), raw_data (9), double_data (10).
function readTensor(buf) {
  let pos = 0;
  const varint = () => {
    let r = 0n, shift = 0n;
    for (;;) {
      const b = buf[pos++];
      r |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return r;
      shift += 7n;
    }
  };
  const t = { dims: [], type: 1, name: '', raw: null, floats: [], ints: [], int64s: [], doubles: [] };
  while (pos < buf.length) {
    const key = Number(varint()), field = key >> 3, wire = key & 7;
    if (wire === 0) {
      const v = varint();
      if (field === 1) t.dims.push(Number(v));
      else if (field === 2) t.type = Number(v);
      else if (field === 5) t.ints.push(Number(BigInt.asIntN(32, v)));
      else if (field === 7) t.int64s.push(BigInt.asIntN(64, v));
    } else if (wire === 2) {
      const len = Number(varint()), body = buf.subarray(pos, pos + len);
      pos += len;
      if (field === 8) t.name = body.toString('utf8');
      else if (field === 9) t.raw = body;
      else if (field === 1) { const save = [buf, pos]; buf = body; pos = 0; while (pos < buf.length) t.dims.push(Number(varint())); [buf, pos] = save; }
      else if (field === 4) for (let i = 0; i + 4 <= len; i += 4) t.floats.push(body.readFloatLE(i));
      else if (field === 10) for (let i = 0; i + 8 <= len; i += 8) t.doubles.push(body.readDoubleLE(i));
      else if (field === 7) { const save = [buf, pos]; buf = body; pos = 0; while (pos < buf.length) t.int64s.push(BigInt.asIntN(64, varint())); [buf, pos] = save; }
      else if (field === 5) { const save = [buf, pos]; buf = body; pos = 0; while (pos < buf.length) t.ints.push(Number(BigInt.asIntN(32, varint()))); [buf, pos] = save; }
    } else if (wire === 5) pos += 4;
    else if (wire === 1) pos += 8;
    else throw new Error(`unsupported wire type ${wire}`);
  }
  const types = { 1: ['float32', Float32Array], 6: ['int32', Int32Array], 7: ['int64', BigInt64Array],
                  11: ['float64', Float64Array], 9: ['bool', Uint8Array], 2: ['uint8', Uint8Array] };
  const [name, Arr] = types[t.type] || (() => { throw new Error(`dtype ${t.type} not handled`); })();
  let data;
  if (t.raw) data = new Arr(t.raw.buffer.slice(t.raw.byteOffset, t.raw.byteOffset + t.raw.length));
  else data = Arr.from(t.type === 7 ? t.int64s : t.type === 11 ? t.doubles : t.type === 1 ? t.floats : t.ints);
  return { name: t.name, tensor: new ort.Tensor(name, data, t.dims) };
}

const opts = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential',
               graphOptimizationLevel: 'all' };
const session = await ort.InferenceSession.create(model, opts);
const feeds = {};
for (let k = 0; fs.existsSync(path.join(dataDir, `input_${k}.pb`)); ++k) {
  const { name, tensor } = readTensor(fs.readFileSync(path.join(dataDir, `input_${k}.pb`)));
  feeds[name && session.inputNames.includes(name) ? name : session.inputNames[k]] = tensor;
}
const iters = Number(itersArg || 50);
let rss = process.memoryUsage().rss;
for (let i = 0; i < Math.max(3, iters / 10); ++i) await session.run(feeds);
const ms = [];
for (let i = 0; i < iters; ++i) {
  const t0 = performance.now();
  await session.run(feeds);
  ms.push(performance.now() - t0);
  rss = Math.max(rss, process.memoryUsage().rss);
}
ms.sort((a, b) => a - b);
const median = ms.length % 2 ? ms[(ms.length - 1) / 2] : (ms[ms.length / 2 - 1] + ms[ms.length / 2]) / 2;
console.log(JSON.stringify({ median_ms: median, min_ms: ms[0], iters, rss_peak_bytes: rss }));
