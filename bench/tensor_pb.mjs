// Reads a serialized onnx.TensorProto (input_K.pb / output_K.pb of a test_data_set folder):
// dims (1), data_type (2), float_data (4), int32_data (5), int64_data (7), name (8),
// raw_data (9), double_data (10). Returns { name, dtype, dims, data: TypedArray }.
const TYPES = { 1: ['float32', Float32Array], 2: ['uint8', Uint8Array], 3: ['int8', Int8Array],
  6: ['int32', Int32Array], 7: ['int64', BigInt64Array], 9: ['bool', Uint8Array], 11: ['float64', Float64Array] };

export function readTensor(buf) {
  let pos = 0;
  const varint = () => {
    let r = 0n, shift = 0n;
    for (;;) { const b = buf[pos++]; r |= BigInt(b & 0x7f) << shift; if (!(b & 0x80)) return r; shift += 7n; }
  };
  const t = { dims: [], type: 1, name: '', raw: null, vals: [] };
  const packed = (body, each) => { const save = [buf, pos]; buf = body; pos = 0; while (pos < buf.length) each(); [buf, pos] = save; };
  while (pos < buf.length) {
    const key = Number(varint()), field = key >> 3, wire = key & 7;
    if (wire === 0) {
      const v = varint();
      if (field === 1) t.dims.push(Number(v));
      else if (field === 2) t.type = Number(v);
      else if (field === 5 || field === 7) t.vals.push(BigInt.asIntN(64, v));
    } else if (wire === 2) {
      const len = Number(varint()), body = buf.subarray(pos, pos + len);
      pos += len;
      if (field === 8) t.name = Buffer.from(body).toString('utf8');
      else if (field === 9) t.raw = body;
      else if (field === 1) packed(body, () => t.dims.push(Number(varint())));
      else if (field === 5 || field === 7) packed(body, () => t.vals.push(BigInt.asIntN(64, varint())));
      else if (field === 4) for (let i = 0; i + 4 <= len; i += 4) t.vals.push(body.readFloatLE(i));
      else if (field === 10) for (let i = 0; i + 8 <= len; i += 8) t.vals.push(body.readDoubleLE(i));
    } else if (wire === 5) { t.vals.push(buf.readFloatLE(pos)); pos += 4; }
    else if (wire === 1) { t.vals.push(buf.readDoubleLE(pos)); pos += 8; }
    else throw new Error(`TensorProto: wire type ${wire}`);
  }
  const [dtype, Arr] = TYPES[t.type] || (() => { throw new Error(`TensorProto: data_type ${t.type} not handled`); })();
  const data = t.raw ? new Arr(t.raw.buffer.slice(t.raw.byteOffset, t.raw.byteOffset + t.raw.length))
    : Arr.from(t.vals, (v) => (dtype === 'int64' ? BigInt(v) : Number(v)));
  return { name: t.name, dtype, dims: t.dims, data };
}
