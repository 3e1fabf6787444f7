// onnx.TensorProto files (the fields the ONNX test data uses) and their comparison, for the
// wasm tests' Node scripts.
import assert from "node:assert/strict";
import fs from "node:fs";

const ONNX_TYPES = {
  1: ["float32", Float32Array], 2: ["uint8", Uint8Array], 3: ["int8", Int8Array], 4: ["uint16", Uint16Array],
  5: ["int16", Int16Array], 6: ["int32", Int32Array], 7: ["int64", BigInt64Array], 9: ["bool", Uint8Array],
  11: ["float64", Float64Array], 12: ["uint32", Uint32Array], 13: ["uint64", BigUint64Array],
};
export function readTensor(file) {
  const b = fs.readFileSync(file);
  let p = 0;
  const varint = (end) => {
    let v = 0n, shift = 0n;
    for (;;) {
      assert.ok(p < end, file + ": truncated");
      const c = b[p++];
      v |= BigInt(c & 0x7f) << shift;
      if (!(c & 0x80)) return v;
      shift += 7n;
    }
  };
  const t = { name: "", dims: [], type: 0, raw: null, floats: [], ints: [], doubles: [] };
  while (p < b.length) {
    const key = Number(varint(b.length)), field = key >> 3, wire = key & 7;
    if (wire === 2) {
      const n = Number(varint(b.length)), end = p + n;
      const body = b.subarray(p, end);
      if (field === 8) t.name = body.toString("utf8");
      else if (field === 9) t.raw = Uint8Array.from(body);
      else if (field === 1) while (p < end) t.dims.push(Number(varint(end)));
      else if (field === 4) for (let q = 0; q < n; q += 4) t.floats.push(body.readFloatLE(q));
      else if (field === 10) for (let q = 0; q < n; q += 8) t.doubles.push(body.readDoubleLE(q));
      else if (field === 5 || field === 7 || field === 11) while (p < end) t.ints.push(varint(end));
      p = end;
    } else if (wire === 0) {
      const v = varint(b.length);
      if (field === 1) t.dims.push(Number(v));
      else if (field === 2) t.type = Number(v);
      else if (field === 5 || field === 7 || field === 11) t.ints.push(v);
    } else if (wire === 5) {
      if (field === 4) t.floats.push(b.readFloatLE(p));
      p += 4;
    } else if (wire === 1) {
      if (field === 10) t.doubles.push(b.readDoubleLE(p));
      p += 8;
    } else {
      assert.fail(file + ": unexpected wire type " + wire);
    }
  }
  const [dtype, Arr] = ONNX_TYPES[t.type] ?? assert.fail(file + ": unsupported type " + t.type);
  const n = t.dims.reduce((a, d) => a * d, 1);
  let data;
  if (t.raw) data = new Arr(t.raw.buffer, t.raw.byteOffset, t.raw.byteLength / Arr.BYTES_PER_ELEMENT);
  else if (Arr === Float32Array) data = Float32Array.from(t.floats);
  else if (Arr === Float64Array) data = Float64Array.from(t.doubles);
  else if (Arr === BigInt64Array) data = BigInt64Array.from(t.ints.map((v) => BigInt.asIntN(64, v)));
  else if (Arr === BigUint64Array) data = BigUint64Array.from(t.ints);
  else data = Arr.from(t.ints.map((v) => Number(BigInt.asIntN(32, v))));
  assert.equal(data.length, n, file + ": " + data.length + " values for shape " + t.dims);
  return { name: t.name, dtype, shape: t.dims, data };
}
// got ({ data, shape }) against want within atol + rtol * |want| (integers exactly); the largest
// absolute error.
export function compareTensors(label, got, want, rtol, atol) {
  assert.equal(got.data[Symbol.toStringTag], want.data[Symbol.toStringTag], label + ": typed array");
  assert.deepEqual(got.shape, want.shape, label + ": shape");
  assert.equal(got.data.length, want.data.length, label + ": length");
  let bad = 0, maxAbs = 0;
  for (let i = 0; i < want.data.length; ++i) {
    const a = got.data[i], b = want.data[i];
    if (typeof b === "bigint") { if (a !== b) ++bad; continue; }
    if (Number.isNaN(b)) { if (!Number.isNaN(a)) ++bad; continue; }
    const err = Math.abs(a - b);
    maxAbs = Math.max(maxAbs, err);
    if (!(err <= atol + rtol * Math.abs(b))) ++bad;
  }
  assert.equal(bad, 0, `${label}: ${bad} of ${want.data.length} values beyond tolerance (max abs error ${maxAbs})`);
  return maxAbs;
}
