// Run-time dims under WebAssembly (test wasm/dims_*, run by dims_test.sh): a module built with
// a range of a dim (--dim seq=LO..HI) runs every test set at its own shape.
//   node dims_test.mjs DIR NAME DATA_DIR...
// DIR holds NAME.js; each DATA_DIR a test_data_set (input_K.pb, output_K.pb). run() takes
// { data, shape } for the inputs with run-time dims and returns the outputs at their actual
// shapes; a shape outside the ranges, or a missing shape, throws naming the input.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { readTensor, compareTensors } from "./tensor_pb.mjs";

const [dir, NAME, ...dataDirs] = process.argv.slice(2);
const { default: createModel } = await import(pathToFileURL(path.join(dir, NAME + ".js")).href);
const model = await createModel();
const files = (d, prefix) => {
  const r = [];
  for (let k = 0; fs.existsSync(path.join(d, prefix + k + ".pb")); ++k) r.push(readTensor(path.join(d, prefix + k + ".pb")));
  return r;
};
for (const d of dataDirs) {
  const inputs = files(d, "input_"), outputs = files(d, "output_");
  const feeds = {};
  model.inputs.forEach((t, i) => { feeds[t.name] = { data: inputs[i].data, shape: inputs[i].shape }; });
  const res = model.run(feeds);
  model.outputs.forEach((t, i) => {
    const err = compareTensors(`${d}: output ${JSON.stringify(t.name)}`, res[t.name], outputs[i], 1e-3, 1e-4);
    console.log(`${path.basename(d)}: ${t.name} [${res[t.name].shape.join(", ")}] max abs error ${err}`);
  });
}
// Errors name the input: a shape outside the range, a typed array without its shape.
const t = model.inputs[0], first = files(dataDirs[0], "input_")[0];
const tooLong = first.shape.map((x, k) => (k === first.shape.length - 1 ? 100000 : x));
assert.throws(() => model.run({ [t.name]: { data: first.data, shape: tooLong } }),
  (e) => e instanceof RangeError && e.message.includes(JSON.stringify(t.name)) && e.message.includes("compiled for"));
assert.throws(() => model.run({ [t.name]: first.data }),
  (e) => e instanceof TypeError && e.message.includes(JSON.stringify(t.name)) && e.message.includes("{ data, shape }"));
assert.throws(() => model.run({ [t.name]: { data: first.data.subarray(1), shape: first.shape } }),
  (e) => e instanceof RangeError && e.message.includes(JSON.stringify(t.name)));
console.log("PASS: " + dataDirs.length + " shapes from one module, bad shapes refused");
