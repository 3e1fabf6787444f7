// Building generated code to WebAssembly with Emscripten: the ES module of
// `onnx2cpp build --target wasm`, and the Node-run harness of verify/bench --target wasm.
#pragma once
#include <string>
#include <vector>

#include "tools/runner.hpp"

namespace o2c {

// The wasm stack (-sTOTAL_STACK) of everything built here; harnesses fail a run that comes
// near its end.
constexpr long long kWasmStackBytes = 1 << 20;

// The Emscripten C++ compiler: `cxx` if given, else $EMXX, else em++.
std::string emxx_command(const std::string& cxx);

// Binaryen (wasm-opt, run by em++ when it links) inlines every function that has one caller,
// whatever its size and its noinline attribute; the kernels marked ONNX2CPP_K_OUTLINE must
// stay functions of their own, so it only inlines the functions clang left it (of up to 2
// expressions, or lightweight ones of up to 20). lstm_classifier: 0.89 -> 0.76 ms under Node 20.
constexpr const char* kWasmLinkInlining = "-sBINARYEN_EXTRA_PASSES=--one-caller-inline-max-function-size=0";

// Flags every wasm build of generated code gets: SIMD128 (with SSE 4.1 for Eigen's packet
// code), the <mmintrin.h> stand-in (written to work_dir/wasm_include), Eigen, and
// kWasmLinkInlining.
std::string wasm_code_flags(const std::string& work_dir);

// A wasm memory size for a program whose static data, heap and stack need these bytes:
// rounded up to 64 KiB pages with slack. Throws CompileError above wasm32's 2 GiB.
long long wasm_memory_bytes(long long static_bytes, long long heap_bytes);

struct WasmModuleConfig {
  std::string cxx;          // em++ (default: emxx_command(""))
  std::string flags;        // replaces the default -O3 (optimization and extra flags)
  std::string work_dir;     // sources and Emscripten's outputs
  std::string out_dir;      // where the module goes
  Progress progress{true};  // says what a long build does (silent by default)
};
// Builds <name>.wasm, <name>.emscripten.mjs (Emscripten's loader), <name>.js (createModel)
// and <name>.d.ts into out_dir, and <name>.weights.bin for a model compiled with external
// weights. Returns the paths written. Throws CompileError (with em++'s output) on failure.
std::vector<std::string> build_wasm_module(const Compiled& c, const std::string& name,
                                           const WasmModuleConfig& cfg, double* build_seconds = nullptr);

// A training module (onnx2cpp train --target wasm): the step (compiled as `name`) and the eval
// model on its params (`name`_eval, Options::eval_params) in one <name>.wasm, with <name>.js
// (createModel: trainStep, run, getParams, setParams) and <name>.d.ts. output: the loss's output.
std::vector<std::string> build_wasm_train_module(const Compiled& step, const Compiled& eval, const std::string& name,
                                                 const std::string& output, const WasmModuleConfig& cfg,
                                                 double* build_seconds = nullptr);

// build_harness for target wasm: em++ with NODERAWFS; returns "node <harness.js>".
std::string build_wasm_harness(const Compiled& c, const std::string& name, const BuildConfig& cfg,
                               double* build_seconds);

}  // namespace o2c
