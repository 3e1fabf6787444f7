#include "emit/js_glue.hpp"

#include <algorithm>
#include <set>

#include "emit/emitter.hpp"
#include "emit/train_api.hpp"
#include "emit/writer.hpp"
#include "onnx/names.hpp"

namespace o2c {

namespace {

std::string shape_list(const Shape& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "]";
}

std::string tensor_table(const char* var, const std::vector<JsTensor>& ts) {
  std::string r = std::string("const ") + var + " = [";
  if (ts.empty()) return r + "];\n";
  r += "\n";
  for (const auto& t : ts)
    r += "  { name: " + js_string(t.name) + ", dtype: \"" + js_dtype(t.dtype) + "\", shape: " +
         shape_list(t.shape) + ", length: " +
         // packed types (int4 ...) travel as their bytes
         std::to_string(dtype_info(t.dtype).how == DHow::Packed ? t.bytes : numel(t.shape)) + ", bytes: " +
         std::to_string(t.bytes) + (t.shape_at >= 0 ? ", shapeAt: " + std::to_string(t.shape_at) : std::string()) +
         (t.at >= 0 ? ", at: " + std::to_string(t.at) : std::string()) +
         (t.eval_at >= 0 ? ", evalAt: " + std::to_string(t.eval_at) : std::string()) +
         (t.dims.empty() ? std::string() : ", dims: " + js_string(t.dims)) + " },\n";
  return r + "];\n";
}

// const FILES: each file the module loads, by name, as a function returning its URL beside this
// module. Each URL is a literal `new URL("./file", import.meta.url)`: the expression bundlers
// (Vite, webpack 5, Parcel, Rollup's plugins) look for to copy the file into their output and
// point the URL at the copy, so the module works bundled without configuration. A function:
// the URL is only made when the file is loaded (not with options.locateFile).
std::string files_table(const std::vector<std::string>& files) {
  std::string r =
      "// The files this module loads, each URL a literal new URL(<\"./\" and its name>, import.meta.url):\n"
      "// bundlers (Vite, webpack 5, Parcel) copy such a file into their output and rewrite the URL.\n"
      "const FILES = {\n";
  for (const auto& f : files) r += "  " + js_string(f) + ": () => new URL(" + js_string("./" + f) + ", import.meta.url),\n";
  return r + "};\n";
}

// The part of the modules that does not depend on the model, then createModel: kept as literals
// so the generated file reads top to bottom like hand-written code.
const char* const kLoader = R"js(
const isNode = typeof process === "object" && process !== null && typeof process.versions === "object" &&
  process.versions !== null && typeof process.versions.node === "string";

// Where a file of the module is: options.locateFile(file), else FILES' URL beside this module.
function locate(file, options) {
  return options.locateFile ? String(options.locateFile(file)) : FILES[file]().href;
}

function isLocal(at) {
  return isNode && !/^(https?|data|blob):/i.test(at);
}

// Node's own modules, imported only under Node. The specifier is not a literal, and the comments
// ask webpack and Vite to leave the import alone: a bundler building for browsers would replace
// a literal "node:fs/promises" by an empty stand-in (with a warning), and a bundle built for
// Node would then fail to read the files.
function nodeModule(specifier) {
  return import(/* webpackIgnore: true */ /* @vite-ignore */ specifier);
}

async function readLocal(at) {
  const fs = await nodeModule("node:fs/promises");
  const url = await nodeModule("node:url");
  try {
    return await fs.readFile(at.startsWith("file:") ? url.fileURLToPath(at) : at);
  } catch (e) {
    throw new Error(NAME + ": cannot read " + at + ": " + e.message);
  }
}

async function fetchOk(at) {
  const response = await fetch(at, { credentials: "same-origin" });
  if (!response.ok) throw new Error(NAME + ": cannot load " + at + ": HTTP " + response.status);
  return response;
}

async function loadBytes(file, options) {
  const at = locate(file, options);
  return isLocal(at) ? readLocal(at) : (await fetchOk(at)).arrayBuffer();
}

async function instantiate(imports, options) {
  if (options.wasmBinary !== undefined) return WebAssembly.instantiate(bytesOf(options.wasmBinary, "options.wasmBinary"), imports);
  const at = locate(WASM_FILE, options);
  if (isLocal(at)) return WebAssembly.instantiate(await readLocal(at), imports);
  const response = await fetchOk(at);
  const type = (response.headers.get("Content-Type") || "").split(";")[0].trim();
  if (typeof WebAssembly.instantiateStreaming === "function" && type === "application/wasm")
    return WebAssembly.instantiateStreaming(response, imports);
  return WebAssembly.instantiate(await response.arrayBuffer(), imports);
}

function bytesOf(x, what) {
  if (x instanceof ArrayBuffer) return new Uint8Array(x);
  if (ArrayBuffer.isView(x)) return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
  throw new TypeError(NAME + ": " + what + " must be an ArrayBuffer or a Uint8Array");
}

function kind(x) {
  if (x === null) return "null";
  if (ArrayBuffer.isView(x)) return x[Symbol.toStringTag] || "DataView";
  if (Array.isArray(x)) return "an Array";
  return typeof x;
}

function describe(t) {
  return t.dtype + "[" + t.shape.join(", ") + "]";
}

// Emscripten's runtime on the module's memory: M (the exports), memory, alloc(bytes, align)
// (never freed: a model allocates once) and heap(), a view of the memory made again only when
// the memory has grown (which detaches the old buffer): making one on every call cost a tenth
// of a small model's run() under Node.
async function startRuntime(options) {
  let memory = null;
  let fail;
  const failed = new Promise((resolve, reject) => { fail = reject; });
  const runtime = createRuntime({
    instantiateWasm(imports, receive) {
      instantiate(imports, options).then((result) => {
        const instance = result instanceof WebAssembly.Instance ? result : result.instance;
        memory = Object.values(instance.exports).find((x) => x instanceof WebAssembly.Memory) || null;
        receive(instance, result.module);
      }).catch(fail);
      return {};
    },
  });
  const M = await Promise.race([runtime, failed]);
  if (memory === null) throw new Error(NAME + ": the WebAssembly module exports no memory");
  const alloc = (bytes, align) => {
    const p = M._malloc(bytes + align) >>> 0;
    if (p === 0) throw new Error(NAME + ": out of WebAssembly memory (" + bytes + " bytes)");
    return Math.ceil(p / align) * align;
  };
  let heapBuffer = null, heapBytes = null;
  const heap = () => {
    if (memory.buffer !== heapBuffer) {
      heapBuffer = memory.buffer;
      heapBytes = new Uint8Array(heapBuffer);
    }
    return heapBytes;
  };
  return { M, memory, alloc, heap };
}

// A typed array of t's type (from this realm, or another: a frame's, a worker's) and length.
function fits(t, a) {
  return (a instanceof ARRAYS[t.dtype] || (ArrayBuffer.isView(a) && a[Symbol.toStringTag] === ARRAYS[t.dtype].name)) &&
    a.length === t.length;
}

// What is wrong with feeds[t.name] (a), built only once a call has found it wrong.
function inputError(t, a) {
  const what = NAME + ": input " + JSON.stringify(t.name) + " (" + describe(t) + ")";
  if (a === undefined) return new Error(what + " is missing");
  const type = ARRAYS[t.dtype].name;
  if (!ArrayBuffer.isView(a) || a[Symbol.toStringTag] !== type) return new TypeError(what + " must be a " + type + ", got " + kind(a));
  return new RangeError(what + " must have " + t.length + " elements, got " + a.length);
}

// feeds[t.name] for each t of ts (checked), copied to ptrs[i] in the heap. An input with
// run-time dims (t.dims) comes as { data, shape }: feedShape(t, i, feed) sets its dims and
// returns its element count.
function copyFeeds(feeds, ts, ptrs, heap, what, feedShape) {
  if (feeds === null || typeof feeds !== "object")
    throw new TypeError(NAME + "." + what + " must be an object mapping input names to typed arrays");
  for (let i = 0; i < ts.length; ++i) {
    const t = ts[i];
    let a = Object.prototype.hasOwnProperty.call(feeds, t.name) ? feeds[t.name] : undefined;
    if (t.dims !== undefined) {
      const n = feedShape(t, i, a);
      a = a.data;
      if (!fits({ dtype: t.dtype, length: n }, a)) throw inputError({ ...t, length: n }, a);
    } else if (!fits(t, a)) {
      throw inputError(t, a);
    }
    heap().set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), ptrs[i]);
  }
}

// The outputs ts at ptrs: { [name]: { data (a copy), shape } }. An output with run-time dims:
// its actual shape from the outputs struct at outList, its elements dense at that shape from
// the start of its buffer.
function readOutputs(ts, ptrs, heap, outList) {
  const results = {};
  for (let i = 0; i < ts.length; ++i) {
    const t = ts[i];
    const shape = t.shapeAt === undefined ? t.shape.slice()
      : t.shape.map((_, d) => Number(new DataView(heap().buffer).getBigInt64(outList + t.shapeAt + 8 * d, true)));
    const bytes = t.shapeAt === undefined || t.length === 0 ? t.bytes : t.bytes / t.length * shape.reduce((a, b) => a * b, 1);
    const value = { data: new ARRAYS[t.dtype](heap().slice(ptrs[i], ptrs[i] + bytes).buffer), shape };
    if (t.name === "__proto__")  // an own property, not the object's prototype
      Object.defineProperty(results, t.name, { value, enumerable: true, writable: true, configurable: true });
    else
      results[t.name] = value;
  }
  return results;
}

)js";

// createModel of an inference module.
const char* const kCreateModel = R"js(
/**
 * Loads the model and allocates its memory (arena, inputs, outputs) once.
 * options.wasmBinary, options.weights: the bytes of the files, instead of loading them.
 * options.locateFile(file): where to load a file from (default: beside this module).
 */
export async function createModel(options = {}) {
  if (options === null || typeof options !== "object") throw new TypeError(NAME + ": createModel(options): options must be an object");
  const weights = WEIGHTS_FILE === null ? null
    : options.weights !== undefined ? Promise.resolve(options.weights) : loadBytes(WEIGHTS_FILE, options);
  if (weights !== null) weights.catch(() => {});  // awaited below, after the module
  const { M, memory, alloc, heap } = await startRuntime(options);
  const runModel = M[RUN_EXPORT];
  const arena = alloc(ARENA_BYTES, 64);
  const inPtrs = INPUTS.map((t) => alloc(t.bytes, 64));
  const outPtrs = OUTPUTS.map((t) => alloc(t.bytes, 64));
  const inList = alloc(INPUTS_STRUCT_BYTES, 8);
  const outList = alloc(OUTPUTS_STRUCT_BYTES, 8);
  const setShape = SET_SHAPE_EXPORT === null ? null : M[SET_SHAPE_EXPORT];
  const shapeBuf = alloc(8 * Math.max(1, ...INPUTS.map((t) => t.shape.length)), 8);
  let weightsPtr = 0;
  if (weights !== null) {
    const w = bytesOf(await weights, "the weights");
    if (w.byteLength !== WEIGHTS_BYTES)
      throw new Error(NAME + ": " + WEIGHTS_FILE + " has " + w.byteLength + " bytes, the model needs " + WEIGHTS_BYTES);
    weightsPtr = alloc(WEIGHTS_BYTES, 64);
    new Uint8Array(memory.buffer).set(w, weightsPtr);
  }
  const view = new DataView(memory.buffer);
  inPtrs.forEach((p, i) => view.setUint32(inList + 4 * i, p, true));
  outPtrs.forEach((p, i) => view.setUint32(outList + 4 * i, p, true));

  // An input with run-time dims ({ data, shape }): its shape set in the inputs struct (the
  // dims it gives, checked against their ranges); its element count, or a thrown error.
  const feedShape = (t, i, f) => {
    const what = NAME + ": input " + JSON.stringify(t.name) + " (" + t.dims + ")";
    if (f === null || typeof f !== "object" || !Array.isArray(f.shape) || f.shape.length !== t.shape.length ||
        !f.shape.every((d) => Number.isSafeInteger(d)))
      throw new TypeError(what + " has run-time dims: pass { data, shape } with its " + t.shape.length + " dims");
    const v = new DataView(memory.buffer);
    f.shape.forEach((d, k) => v.setBigInt64(shapeBuf + 8 * k, BigInt(d), true));
    if (setShape(inList, i, shapeBuf) !== 0)
      throw new RangeError(what + ": shape [" + f.shape.join(", ") + "] is not one the model was compiled for");
    return f.shape.reduce((a, b) => a * b, 1);
  };

  /**
   * Runs the model. feeds: { [input name]: typed array of the input's type and element count },
   * or for an input with run-time dims { data: typed array, shape: its dims }.
   * Returns { [output name]: { data, shape } }; data is a copy, valid after the next run.
   */
  function run(feeds) {
    copyFeeds(feeds, INPUTS, inPtrs, heap, "run(feeds): feeds", feedShape);
    const rc = RUN_WITH_WEIGHTS ? runModel(inList, outList, arena, ARENA_BYTES, weightsPtr)
                                : runModel(inList, outList, arena, ARENA_BYTES);
    if (rc !== 0) throw new Error(NAME + ": the model returned error code " + rc);
    return readOutputs(OUTPUTS, outPtrs, heap, outList);
  }

  const info = (t) => Object.freeze({ name: t.name, dtype: t.dtype, shape: Object.freeze(t.shape.slice()) });
  return Object.freeze({ name: NAME, inputs: Object.freeze(INPUTS.map(info)), outputs: Object.freeze(OUTPUTS.map(info)), run });
}

export default createModel;
)js";

// createModel of a training module (JsTrainModel).
const char* const kCreateTrainModel = R"js(
/**
 * Loads the module and allocates its memory (arena, params, inputs, outputs) once; the params
 * start as NAME_params_init sets them (the model's weights, zero optimizer states).
 * options.wasmBinary: the bytes of the .wasm file; options.locateFile(file): where to load it.
 */
export async function createModel(options = {}) {
  if (options === null || typeof options !== "object") throw new TypeError(NAME + ": createModel(options): options must be an object");
  const { M, alloc, heap } = await startRuntime(options);
  const arena = alloc(ARENA_BYTES, 64);
  const params = alloc(PARAMS_BYTES, 64);
  M[INIT_EXPORT](params);
  const feedPtrs = FEEDS.map((t) => alloc(t.bytes, 64));
  const targetPtrs = TARGETS.map((t) => alloc(t.bytes, 64));
  const stepOutPtrs = STEP_OUTPUTS.map((t) => alloc(t.bytes, 64));
  const evalOutPtrs = EVAL_OUTPUTS.map((t) => alloc(t.bytes, 64));
  const stepIn = alloc(4 * STEP_INPUTS, 4), stepOut = alloc(STEP_OUTPUTS_STRUCT, 8);
  const evalIn = alloc(4 * EVAL_INPUTS, 4), evalOut = alloc(EVAL_OUTPUTS_STRUCT, 8);
  // Pointers the step does not set itself (the parameters and states are the params').
  const view = new DataView(heap().buffer);
  const point = (list, member, p) => view.setUint32(list + 4 * member, p, true);
  FEEDS.forEach((t, i) => { point(stepIn, t.at, feedPtrs[i]); point(evalIn, t.evalAt, feedPtrs[i]); });
  TARGETS.forEach((t, i) => point(stepIn, t.at, targetPtrs[i]));
  STEP_OUTPUTS.forEach((t, i) => point(stepOut, t.at, stepOutPtrs[i]));
  EVAL_OUTPUTS.forEach((t, i) => point(evalOut, i, evalOutPtrs[i]));
  EVAL_PARAMS.forEach(([member, offset]) => point(evalIn, member, params + offset));

  /**
   * One training step on a batch: inputs { [input name]: typed array }, targets { [output
   * name]: typed array } (the loss's target; {} for a model that computes its own loss, whose
   * targets are inputs), learning rate lr. Updates the params; returns the loss before the update.
   */
  function trainStep(inputs, targets, lr) {
    copyFeeds(inputs, FEEDS, feedPtrs, heap, "trainStep(inputs, targets, lr): inputs");
    copyFeeds(targets, TARGETS, targetPtrs, heap, "trainStep(inputs, targets, lr): targets");
    if (typeof lr !== "number" || !Number.isFinite(lr)) throw new TypeError(NAME + ".trainStep: lr must be a finite number");
    const rc = M[STEP_EXPORT](stepIn, stepOut, params, lr, arena, ARENA_BYTES);
    if (rc !== 0) throw new Error(NAME + ": the training step returned error code " + rc);
    return Number(readOutputs([STEP_OUTPUTS[LOSS_INDEX]], [stepOutPtrs[LOSS_INDEX]], heap, stepOut).loss.data[0]);
  }

  /** Inference on the current params (BatchNorm by its running statistics, Dropout off). */
  function run(inputs) {
    copyFeeds(inputs, FEEDS, feedPtrs, heap, "run(inputs): inputs");
    const rc = M[EVAL_EXPORT](evalIn, evalOut, arena, ARENA_BYTES);
    if (rc !== 0) throw new Error(NAME + ": the model returned error code " + rc);
    return readOutputs(EVAL_OUTPUTS, evalOutPtrs, heap, evalOut);
  }

  /** A copy of the params struct's bytes (what export-onnx --params reads). */
  function getParams() {
    return heap().slice(params, params + PARAMS_BYTES);
  }

  /** Replaces the params by bytes getParams() returned (of this module). */
  function setParams(bytes) {
    const b = bytesOf(bytes, "setParams(bytes): bytes");
    if (b.byteLength !== PARAMS_BYTES) throw new RangeError(NAME + ".setParams: " + b.byteLength + " bytes, the params have " + PARAMS_BYTES);
    heap().set(b, params);
  }

  const info = (t) => Object.freeze({ name: t.name, dtype: t.dtype, shape: Object.freeze(t.shape.slice()) });
  return Object.freeze({ name: NAME, inputs: Object.freeze(FEEDS.map(info)), targets: Object.freeze(TARGETS.map(info)),
    outputs: Object.freeze(EVAL_OUTPUTS.map(info)), paramsBytes: PARAMS_BYTES, trainStep, run, getParams, setParams });
}

export default createModel;
)js";

// const ARRAYS = { dtype: TypedArray, ... } for the types of these tables.
std::string arrays_table(std::initializer_list<const std::vector<JsTensor>*> tables) {
  std::set<std::string> used;
  for (const auto* ts : tables)
    for (const auto& t : *ts) used.insert(std::string(js_dtype(t.dtype)) + ": " + js_array(t.dtype));
  std::string r = "const ARRAYS = {";
  bool first = true;
  for (const auto& u : used) {
    r += (first ? " " : ", ") + u;
    first = false;
  }
  return r + (used.empty() ? "};\n" : " };\n");
}

// The members of a .d.ts interface: one typed array per tensor (output: { data, shape }).
std::string ts_members(const std::vector<JsTensor>& ts, bool output) {
  std::string s;
  for (const auto& t : ts) {
    const bool shaped = output || !t.dims.empty();  // an input with run-time dims: { data, shape }
    s += "  /** " + std::string(js_dtype(t.dtype)) + (t.dims.empty() ? shape_list(t.shape) : t.dims) +
         (t.shape_at >= 0 ? " at most (run-time dims: the actual shape is `shape`)" : "") + " */\n";
    s += "  " + js_string(t.name) + ": " +
         (shaped ? "{ data: " + std::string(js_array(t.dtype)) + "; shape: number[] }" : std::string(js_array(t.dtype))) + ";\n";
  }
  return s;
}

const char* const kDTypeDecl =
    "export type DType = \"float32\" | \"float64\" | \"int8\" | \"uint8\" | \"int16\" | \"uint16\" | \"int32\" |\n"
    "  \"uint32\" | \"int64\" | \"uint64\" | \"bool\" | \"int4\" | \"uint4\" | \"float4e2m1\" | \"int2\" | \"uint2\";\n"
    "// int4, uint4, float4e2m1, int2, uint2: packed bytes (two or four elements to a byte, low bits first).\n\n"
    "export interface TensorInfo<Name extends string = string, D extends DType = DType> {\n"
    "  readonly name: Name;\n  readonly dtype: D;\n  readonly shape: readonly number[];\n}\n\n";

}  // namespace

const char* js_dtype(DType t) {
  switch (t) {
    case DType::Float: return "float32";
    case DType::Double: return "float64";
    case DType::Int8: return "int8";
    case DType::UInt8: return "uint8";
    case DType::Int16: return "int16";
    case DType::UInt16: return "uint16";
    case DType::Int32: return "int32";
    case DType::UInt32: return "uint32";
    case DType::Int64: return "int64";
    case DType::UInt64: return "uint64";
    case DType::Bool: return "bool";
    case DType::UInt4: return "uint4";
    case DType::Int4: return "int4";
    case DType::Float4E2M1: return "float4e2m1";
    case DType::UInt2: return "uint2";
    case DType::Int2: return "int2";
    case DType::String:
      throw UnsupportedError("string inputs and outputs are not supported by the JavaScript glue yet "
                             "(the wasm module's C API takes them as onnx2cpp_string views)");
    default: throw UnsupportedError("tensors of type " + dtype_name(t) + " have no JavaScript typed array");
  }
}

const char* js_array(DType t) {
  switch (t) {
    case DType::Float: return "Float32Array";
    case DType::Double: return "Float64Array";
    case DType::Int8: return "Int8Array";
    case DType::UInt8: return "Uint8Array";
    case DType::Int16: return "Int16Array";
    case DType::UInt16: return "Uint16Array";
    case DType::Int32: return "Int32Array";
    case DType::UInt32: return "Uint32Array";
    case DType::Int64: return "BigInt64Array";
    case DType::UInt64: return "BigUint64Array";
    case DType::Bool: return "Uint8Array";
    case DType::UInt4: case DType::Int4: case DType::Float4E2M1: case DType::UInt2: case DType::Int2:
      return "Uint8Array";  // packed: ceil(n * bits / 8) bytes
    default: throw UnsupportedError("tensors of type " + dtype_name(t) + " have no JavaScript typed array");
  }
}

JsModel js_model(const Graph& g, const std::string& name, int64_t arena_bytes, int64_t weights_bytes,
                 bool weights_file) {
  JsModel m;
  m.name = name;
  m.arena_bytes = arena_bytes;
  m.weights_bytes = weights_bytes;
  m.weights_file = weights_file;
  auto add = [&](std::vector<JsTensor>& to, int v) {
    const Value& val = g.values[static_cast<size_t>(v)];
    js_dtype(val.dtype);  // throws for types JavaScript cannot hold
    to.push_back({val.name, val.dtype, val.shape, val.bytes(), -1, -1, -1, ""});
  };
  for (int v : g.inputs) {
    add(m.inputs, v);
    const Value& val = g.values[static_cast<size_t>(v)];
    if (!val.dynamic()) continue;
    if (dtype_info(val.dtype).how == DHow::Packed)
      throw UnsupportedError("input " + quote_name(val.name) + ": packed types with run-time dims in the JavaScript glue");
    std::string dims;
    for (const Dim& d : val.dims) {
      const DimRange r = g.dims->range(d);
      dims += (dims.empty() ? "" : ", ") +
              (d.is_const() ? std::to_string(r.lo) : d.str(*g.dims) + ": " + std::to_string(r.lo) + ".." + std::to_string(r.hi));
    }
    m.inputs.back().dims = "[" + dims + "]";
    m.input_dims = true;
  }
  // The inputs struct: the pointers (4 bytes each), then the dims the caller gives (int64,
  // aligned to 8; emit/api.cpp declares one per symbol of kind Input).
  int64_t n_dims = 0;
  for (const DimSym& d : g.dims->syms) n_dims += d.kind == DimSym::Kind::Input;
  m.inputs_struct_bytes = n_dims ? (4 * static_cast<int64_t>(g.inputs.size()) + 7) / 8 * 8 + 8 * n_dims
                                 : std::max<int64_t>(4, 4 * static_cast<int64_t>(g.inputs.size()));
  // The outputs struct: the pointers (4 bytes each), then the actual shapes of the outputs
  // with run-time dims, int64 arrays (aligned to 8) in output order.
  int64_t at = (4 * static_cast<int64_t>(g.outputs.size()) + 7) / 8 * 8, shapes = 0;
  for (int v : g.outputs) {
    add(m.outputs, v);
    const Value& val = g.values[static_cast<size_t>(v)];
    if (!val.dynamic()) continue;
    if (dtype_info(val.dtype).how == DHow::Packed)
      throw UnsupportedError("output " + quote_name(val.name) + ": packed types with run-time dims in the JavaScript glue");
    m.outputs.back().shape_at = at;
    at += 8 * static_cast<int64_t>(val.shape.size());
    ++shapes;
  }
  m.outputs_struct_bytes = shapes ? at : std::max<int64_t>(4, 4 * static_cast<int64_t>(g.outputs.size()));
  return m;
}

std::vector<std::string> js_exports(const JsModel& m) {
  std::vector<std::string> e = {"_" + m.name + (m.weights_file ? "_run_with_weights" : "_run")};
  if (m.input_dims) e.push_back("_" + m.name + "_set_input_shape");
  return e;
}

std::string js_module(const JsModel& m) {
  const std::string& N = m.name;
  std::string r;
  r += "// " + N + ".js: generated by onnx2cpp " + kToolVersion + ". Do not edit.\n";
  r += "// The model compiled to WebAssembly: " + N + ".wasm" +
       (m.weights_file ? ", its weights in " + N + ".weights.bin" : std::string(" (weights inside)")) +
       ", loaded by\n// Emscripten's " + N + ".emscripten.mjs. Types: " + N + ".d.ts.\n";
  r += "//\n";
  r += "//   import createModel from \"./" + N + ".js\";\n";
  r += "//   const model = await createModel();   // once: loads the files, allocates all memory\n";
  r += "//   const out = model.run({ [model.inputs[0].name]: typedArray });\n";
  r += "//   out[model.outputs[0].name].data, out[model.outputs[0].name].shape\n";
  r += "//\n";
  r += "// In browsers and workers the files are fetched relative to this module's URL, under Node\n";
  r += "// read from its folder; options.locateFile(file) changes where, options.wasmBinary and\n";
  r += "// options.weights pass the bytes instead. Vite bundles it as it is, for pages and workers:\n";
  r += "// it copies the files that FILES names into its output.\n";
  r += "import createRuntime from \"./" + N + ".emscripten.mjs\";\n\n";
  r += "const NAME = \"" + N + "\";\n";
  r += "const WASM_FILE = \"" + N + ".wasm\";\n";
  r += "const WEIGHTS_FILE = " + (m.weights_file ? "\"" + N + ".weights.bin\"" : std::string("null")) + ";\n";
  r += "const WEIGHTS_BYTES = " + std::to_string(m.weights_bytes) + ";\n";
  r += "const ARENA_BYTES = " + std::to_string(m.arena_bytes) + ";\n";
  r += "const RUN_EXPORT = \"_" + N + (m.weights_file ? "_run_with_weights" : "_run") + "\";\n";
  r += std::string("const RUN_WITH_WEIGHTS = ") + (m.weights_file ? "true" : "false") + ";\n";
  r += "const SET_SHAPE_EXPORT = " + (m.input_dims ? "\"_" + N + "_set_input_shape\"" : std::string("null")) + ";\n";
  r += "const INPUTS_STRUCT_BYTES = " + std::to_string(m.inputs_struct_bytes) + ";\n";
  r += files_table(m.weights_file ? std::vector<std::string>{N + ".wasm", N + ".weights.bin"}
                                   : std::vector<std::string>{N + ".wasm"});
  r += tensor_table("INPUTS", m.inputs);
  r += tensor_table("OUTPUTS", m.outputs);
  r += "const OUTPUTS_STRUCT_BYTES = " + std::to_string(m.outputs_struct_bytes) + ";\n";
  r += arrays_table({&m.inputs, &m.outputs});
  r += kLoader;
  r += kCreateModel;
  return r;
}

std::string ts_declarations(const JsModel& m) {
  const std::string& N = m.name;
  std::string r;
  r += "// " + N + ".d.ts: generated by onnx2cpp " + kToolVersion + ". Do not edit.\n";
  r += "// Types of " + N + ".js.\n\n";
  r += kDTypeDecl;
  auto tuple = [&](const std::vector<JsTensor>& ts) {
    std::string s = "readonly [";
    for (size_t i = 0; i < ts.size(); ++i)
      s += (i ? ", " : "") + std::string("TensorInfo<") + js_string(ts[i].name) + ", \"" + js_dtype(ts[i].dtype) + "\">";
    return s + "]";
  };
  r += "/** What run() takes: one typed array per input, with exactly its number of elements (with its shape\n"
       " * for an input with run-time dims). */\n";
  r += "export interface Inputs {\n" + ts_members(m.inputs, false) + "}\n\n";
  r += "/** What run() returns: per output its data (a copy) and shape. */\n";
  r += "export interface Outputs {\n" + ts_members(m.outputs, true) + "}\n\n";
  r += "export interface CreateModelOptions {\n";
  r += "  /** The bytes of " + N + ".wasm, instead of loading the file. */\n";
  r += "  wasmBinary?: ArrayBuffer | Uint8Array;\n";
  r += "  /** The bytes of " + N + ".weights.bin, instead of loading the file" +
       (m.weights_file ? "" : " (this model has its weights inside: ignored)") + ". */\n";
  r += "  weights?: ArrayBuffer | Uint8Array;\n";
  r += "  /** Where to load a file from (URL, or under Node also a path); default: beside " + N + ".js. */\n";
  r += "  locateFile?: (file: string) => string;\n";
  r += "}\n\n";
  r += "export interface Model {\n";
  r += "  readonly name: \"" + N + "\";\n";
  r += "  readonly inputs: " + tuple(m.inputs) + ";\n";
  r += "  readonly outputs: " + tuple(m.outputs) + ";\n";
  r += "  /** Throws if an input is missing or has the wrong type or length. */\n";
  r += "  run(feeds: Inputs): Outputs;\n";
  r += "}\n\n";
  r += "/** Loads the model (once; then run() allocates nothing). */\n";
  r += "export declare function createModel(options?: CreateModelOptions): Promise<Model>;\n";
  r += "export default createModel;\n";
  return r;
}

JsTrainModel js_train_model(const Graph& step, const Graph& eval, const std::string& name, const std::string& output,
                            int64_t arena_bytes) {
  JsTrainModel m;
  m.name = name;
  m.arena_bytes = arena_bytes;
  const ParamsLayout l = params_layout(step);
  m.params_bytes = l.bytes;
  auto tensor = [](const Value& v) {
    js_dtype(v.dtype);  // throws for types JavaScript cannot hold
    if (v.dynamic()) throw UnsupportedError("training in wasm: " + quote_name(v.name) + " has run-time dims");
    JsTensor t;
    t.name = v.name;
    t.dtype = v.dtype;
    t.shape = v.shape;
    t.bytes = v.bytes();
    return t;
  };
  auto member = [](const std::vector<int>& list, int v) {
    return static_cast<int64_t>(std::find(list.begin(), list.end(), v) - list.begin());
  };
  // The eval model's inputs: the model's, then the params' (by name, at their offsets).
  for (size_t i = 0; i < eval.inputs.size(); ++i) {
    const Value& v = eval.values[eval.inputs[i]];
    const int in_step = step.find(v.name);
    int64_t state = -1;
    for (size_t k = 0; k < step.train_state.size(); ++k)
      if (step.train_state[k].value == in_step) state = static_cast<int64_t>(k);
    if (state >= 0) {
      m.eval_params.push_back({static_cast<int64_t>(i), l.offsets[static_cast<size_t>(state)]});
      continue;
    }
    if (in_step < 0 || !step.values[in_step].is_input) throw std::logic_error("training in wasm: no step input " + v.name);
    JsTensor t = tensor(v);
    t.at = member(step.inputs, in_step);
    t.eval_at = static_cast<int64_t>(i);
    m.feeds.push_back(t);
  }
  if (const int target = step.find(output + "_target"); target >= 0) {  // none with --loss graph
    JsTensor t = tensor(step.values[target]);
    t.name = output;
    t.at = member(step.inputs, target);
    m.targets.push_back(t);
  }
  // The step's outputs that are not parameters or states updated in place.
  for (size_t i = 0; i < step.outputs.size(); ++i) {
    const int o = step.outputs[i];
    bool in_place = false;
    for (const auto& s : step.train_state) in_place = in_place || s.updated == o;
    if (in_place) continue;
    if (step.values[o].name == "loss") m.loss_index = static_cast<int64_t>(m.step_outputs.size());
    JsTensor ot = tensor(step.values[o]);
    ot.at = static_cast<int64_t>(i);
    m.step_outputs.push_back(ot);
  }
  for (int o : eval.outputs) m.eval_outputs.push_back(tensor(eval.values[o]));
  m.step_inputs = static_cast<int64_t>(step.inputs.size());
  m.eval_inputs = static_cast<int64_t>(eval.inputs.size());
  m.step_outputs_struct = std::max<int64_t>(4, 4 * static_cast<int64_t>(step.outputs.size()));
  m.eval_outputs_struct = std::max<int64_t>(4, 4 * static_cast<int64_t>(eval.outputs.size()));
  return m;
}

std::string js_train_module(const JsTrainModel& m) {
  const std::string& N = m.name;
  std::string r;
  r += "// " + N + ".js: generated by onnx2cpp " + kToolVersion + ". Do not edit.\n";
  r += "// A training step and its model compiled to WebAssembly: " + N + ".wasm (weights inside), loaded by\n";
  r += "// Emscripten's " + N + ".emscripten.mjs. Types: " + N + ".d.ts.\n";
  r += "//\n";
  r += "//   import createModel from \"./" + N + ".js\";\n";
  r += "//   const model = await createModel();      // once: loads the module, allocates all memory\n";
  r += "//   const loss = model.trainStep({ x }, { " + (m.targets.empty() ? std::string("y") : js_string(m.targets[0].name)) +
       ": target }, lr);\n";
  r += "//   model.run({ x });                       // inference on the trained params\n";
  r += "//   const saved = model.getParams();        // NAME_params' bytes: export-onnx --params\n";
  r += "import createRuntime from \"./" + N + ".emscripten.mjs\";\n\n";
  r += "const NAME = \"" + N + "\";\n";
  r += "const WASM_FILE = \"" + N + ".wasm\";\n";
  r += "const ARENA_BYTES = " + std::to_string(m.arena_bytes) + ";\n";
  r += "const PARAMS_BYTES = " + std::to_string(m.params_bytes) + ";\n";
  r += "const INIT_EXPORT = \"_" + N + "_params_init\";\n";
  r += "const STEP_EXPORT = \"_" + N + "_train_step\";\n";
  r += "const EVAL_EXPORT = \"_" + N + "_eval_run\";\n";
  r += files_table({N + ".wasm"});
  r += tensor_table("FEEDS", m.feeds);
  r += tensor_table("TARGETS", m.targets);
  r += tensor_table("STEP_OUTPUTS", m.step_outputs);
  r += tensor_table("EVAL_OUTPUTS", m.eval_outputs);
  r += "const EVAL_PARAMS = [";
  for (size_t i = 0; i < m.eval_params.size(); ++i)
    r += (i ? ", [" : "[") + std::to_string(m.eval_params[i].first) + ", " + std::to_string(m.eval_params[i].second) + "]";
  r += "];\n";
  r += "const STEP_INPUTS = " + std::to_string(m.step_inputs) + ", STEP_OUTPUTS_STRUCT = " + std::to_string(m.step_outputs_struct) +
       ", LOSS_INDEX = " + std::to_string(m.loss_index) + ";\n";
  r += "const EVAL_INPUTS = " + std::to_string(m.eval_inputs) + ", EVAL_OUTPUTS_STRUCT = " + std::to_string(m.eval_outputs_struct) + ";\n";
  r += arrays_table({&m.feeds, &m.targets, &m.step_outputs, &m.eval_outputs});
  r += kLoader;
  r += kCreateTrainModel;
  return r;
}

std::string ts_train_declarations(const JsTrainModel& m) {
  const std::string& N = m.name;
  std::string r;
  r += "// " + N + ".d.ts: generated by onnx2cpp " + kToolVersion + ". Do not edit.\n";
  r += "// Types of " + N + ".js (a training module).\n\n";
  r += kDTypeDecl;
  r += "/** The model's inputs (trainStep, run): one typed array per input, with exactly its number of elements. */\n";
  r += "export interface Inputs {\n" + ts_members(m.feeds, false) + "}\n\n";
  r += "/** The loss's targets (trainStep), by the output they are compared with. */\n";
  r += "export interface Targets {\n" + ts_members(m.targets, false) + "}\n\n";
  r += "/** What run() returns: per output its data (a copy) and shape. */\n";
  r += "export interface Outputs {\n" + ts_members(m.eval_outputs, true) + "}\n\n";
  r += "export interface CreateModelOptions {\n";
  r += "  /** The bytes of " + N + ".wasm, instead of loading the file. */\n";
  r += "  wasmBinary?: ArrayBuffer | Uint8Array;\n";
  r += "  /** Where to load a file from (URL, or under Node also a path); default: beside " + N + ".js. */\n";
  r += "  locateFile?: (file: string) => string;\n";
  r += "}\n\n";
  r += "export interface TrainModel {\n";
  r += "  readonly name: \"" + N + "\";\n";
  r += "  readonly inputs: readonly TensorInfo[];\n";
  r += "  readonly targets: readonly TensorInfo[];\n";
  r += "  readonly outputs: readonly TensorInfo[];\n";
  r += "  /** The size of the params (" + std::to_string(m.params_bytes) + " bytes). */\n";
  r += "  readonly paramsBytes: number;\n";
  r += "  /** One step with learning rate lr: updates the params, returns the loss before the update. */\n";
  r += "  trainStep(inputs: Inputs, targets: Targets, lr: number): number;\n";
  r += "  /** Inference on the current params. */\n";
  r += "  run(inputs: Inputs): Outputs;\n";
  r += "  /** A copy of the params (" + N + "_params' bytes: onnx2cpp export-onnx --params reads them). */\n";
  r += "  getParams(): Uint8Array;\n";
  r += "  /** Replaces the params by bytes getParams() returned. */\n";
  r += "  setParams(bytes: ArrayBuffer | Uint8Array): void;\n";
  r += "}\n\n";
  r += "/** Loads the module (once; then trainStep() and run() allocate nothing). */\n";
  r += "export declare function createModel(options?: CreateModelOptions): Promise<TrainModel>;\n";
  r += "export default createModel;\n";
  return r;
}

}  // namespace o2c
