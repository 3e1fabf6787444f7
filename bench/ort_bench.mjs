#!/usr/bin/env node
// Times one model in onnxruntime-node (sequential; one intra-op thread unless THREADS) on a
// test_data_set folder.
//   node bench/ort_bench.mjs MODEL.onnx DATA_DIR ITERS [THREADS]
// Prints one JSON line: {"median_ms", "min_ms", "iters", "rss_peak_bytes"}.
// onnxruntime-node is resolved from $ORT_JS_DIR (default: build/ortjs, set up by scripts/bench.sh).
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { readTensor } from './tensor_pb.mjs';

const [model, dataDir, itersArg, threadsArg] = process.argv.slice(2);
const require = createRequire(path.resolve(process.env.ORT_JS_DIR || 'build/ortjs', 'package.json'));
const ort = require('onnxruntime-node');

// The test data's TensorProto files, through the reader the wasm benchmark uses too.
function readOrtTensor(buf) {
  const t = readTensor(buf);
  return { name: t.name, tensor: new ort.Tensor(t.dtype, t.data, t.dims) };
}

const opts = { intraOpNumThreads: Number(threadsArg || 1), interOpNumThreads: 1, executionMode: 'sequential',
               graphOptimizationLevel: 'all' };
const session = await ort.InferenceSession.create(model, opts);
const feeds = {};
for (let k = 0; fs.existsSync(path.join(dataDir, `input_${k}.pb`)); ++k) {
  const { name, tensor } = readOrtTensor(fs.readFileSync(path.join(dataDir, `input_${k}.pb`)));
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
