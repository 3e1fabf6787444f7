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
  int64_t at = -1, eval_at = -1;  // a training module's: its member in the step's (the eval
                                  // model's) inputs or outputs struct, else -1
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

// A training module (onnx2cpp train --target wasm): the step (<name>_train_step on the
// <name>_params struct the module owns) and the eval model on the same params (<name>_eval_run,
// passes make_eval_on_params), in one wasm module.
struct JsTrainModel {
  std::string name;
  std::vector<JsTensor> feeds;         // the model's inputs (at: the step's member, eval_at: the eval model's)
  std::vector<JsTensor> targets;       // named by their output (at: the step's <output>_target member)
  std::vector<JsTensor> step_outputs;  // the step's outputs that need a buffer (loss, the model's outputs)
  std::vector<JsTensor> eval_outputs;
  std::vector<std::pair<int64_t, int64_t>> eval_params;  // the eval model's input member, its offset in the params
  int64_t step_inputs = 0, step_outputs_struct = 0, eval_inputs = 0, eval_outputs_struct = 0;
  int64_t arena_bytes = 0, params_bytes = 0, loss_index = 0;
};
JsTrainModel js_train_model(const Graph& step, const Graph& eval, const std::string& name, const std::string& output,
                            int64_t arena_bytes);
std::string js_train_module(const JsTrainModel& m);        // <name>.js
std::string ts_train_declarations(const JsTrainModel& m);  // <name>.d.ts

}  // namespace o2c
