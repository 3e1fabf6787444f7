// The training module of `onnx2cpp train --target wasm` (train_test.sh builds it) against
// PyTorch's reference run (scripts/make_train_data.py: the same batches): trainStep's loss at
// every step, run() on the trained params, getParams/setParams round trips, and errors.
//   node train_test.mjs MODULE_DIR NAME TRAIN_DATA
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

import { readTensor } from "../../bench/tensor_pb.mjs";

const [dir, NAME, data] = process.argv.slice(2);
const spec = JSON.parse(fs.readFileSync(path.join(data, "train.json"), "utf8"));
const tensor = (...p) => readTensor(fs.readFileSync(path.join(data, ...p))).data;
const want = tensor("expected", "loss.pb");
// A model exported with its loss inside (--loss graph) takes its targets as an input.
const batch = (k) =>
  spec.loss === "graph"
    ? [{ ["x"]: tensor(`step_${k}`, "input_0.pb"), ["target"]: tensor(`step_${k}`, "input_1.pb") }, {}]
    : [{ ["x"]: tensor(`step_${k}`, "input_0.pb") }, { [spec.output]: tensor(`step_${k}`, "target.pb") }];
const close = (got, expected, what) =>
  assert.ok(Math.abs(got - expected) <= 1e-3 * Math.abs(expected) + 1e-5, `${what}: got ${got}, PyTorch ${expected}`);

const createModel = (await import(pathToFileURL(path.join(dir, NAME + ".js")).href)).default;
const m = await createModel();
assert.equal(m.name, NAME);
const initial = m.getParams();
assert.equal(initial.byteLength, m.paramsBytes);

// The losses of PyTorch's steps, and the time of a step.
let saved = null;
const t0 = performance.now();
for (let k = 0; k < spec.steps; ++k) {
  if (k === 1) saved = m.getParams();
  const [inputs, targets] = batch(k);
  close(m.trainStep(inputs, targets, spec.lr), want[k], `loss of step ${k}`);
}
const ms = (performance.now() - t0) / spec.steps;
const trained = m.getParams();
assert.notDeepEqual(trained, initial);

// setParams: back to the params after step 0, the same steps give the same losses and params.
m.setParams(saved);
for (let k = 1; k < spec.steps; ++k) {
  const [inputs, targets] = batch(k);
  close(m.trainStep(inputs, targets, spec.lr), want[k], `loss of step ${k} again`);
}
assert.deepEqual(m.getParams(), trained);

// run(): the model's output on the trained params, as many scores as the target has classes.
const out = m.run(batch(0)[0]);
const y = out[m.outputs[0].name];
assert.deepEqual(y.shape, m.outputs[0].shape);
assert.ok(y.data.every(Number.isFinite));

// Errors name what is wrong.
assert.throws(() => m.trainStep({}, batch(0)[1], 0.1), /input "x" .* is missing/);
assert.equal(m.targets.length, spec.loss === "graph" ? 0 : 1);
assert.throws(() => m.trainStep(batch(0)[0], batch(0)[1], "fast"), /lr must be a finite number/);
assert.throws(() => m.setParams(new Uint8Array(3)), /3 bytes, the params have/);

// export-onnx reads the saved bytes.
fs.writeFileSync(path.join(dir, "trained.bin"), trained);
console.log(`${NAME}: ${spec.steps} steps match PyTorch's losses; ${ms.toFixed(2)} ms a step under Node; ` +
  "getParams/setParams round-trip; run() on the trained params");
