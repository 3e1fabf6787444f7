// The JavaScript side of a WebAssembly build: the ES module <name>.js (createModel) that
// wraps Emscripten's loader, and its TypeScript declarations <name>.d.ts. Deterministic text.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.hpp"

namespace o2c {

struct JsTensor {
  std::string name;  // ONNX name, any bytes (escaped in the output)
  DType dtype = DType::Undefined;
  Shape shape;
  int64_t bytes = 0;
  int64_t shape_at = -1;  // an output with run-time dims: the byte offset of its actual shape
                          // (int64[rank]) in the outputs struct (wasm32 layout), else -1
  std::string dims;       // an input with run-time dims: its dims for messages ("[1, seq: 1..128]"),
                          // else empty
};

struct JsModel {
  std::string name;              // the C name prefix: <name>_run, <name>.wasm, ...
  std::vector<JsTensor> inputs, outputs;
  int64_t arena_bytes = 0;
  int64_t weights_bytes = 0;
  bool weights_file = false;     // --weights file: <name>.weights.bin, <name>_run_with_weights
  int64_t outputs_struct_bytes = 4;  // sizeof(<name>_outputs) under wasm32 (at least 4)
  int64_t inputs_struct_bytes = 4;   // sizeof(<name>_inputs) under wasm32: pointers, then dims
  bool input_dims = false;           // some input has run-time dims (<name>_set_input_shape)
};

// The wasm exports the glue calls: <name>_run (or _run_with_weights), and with run-time input
// dims <name>_set_input_shape.
std::vector<std::string> js_exports(const JsModel& m);

JsModel js_model(const Graph& g, const std::string& name, int64_t arena_bytes, int64_t weights_bytes,
                 bool weights_file);

// "float32", "int64", ... (the names onnxruntime-web uses); throws UnsupportedError for
// types without a JavaScript typed array.
const char* js_dtype(DType t);
// "Float32Array", "BigInt64Array", ...
const char* js_array(DType t);

std::string js_module(const JsModel& m);        // <name>.js
std::string ts_declarations(const JsModel& m);  // <name>.d.ts

}  // namespace o2c
