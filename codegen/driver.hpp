// The compiler: load -> import -> passes (passes/pipeline.cpp) -> plan -> emit.
#pragma once
#include <string>
#include <vector>

#include "emit/emitter.hpp"
#include "ir/graph.hpp"
#include "onnx/import.hpp"
#include "passes/pipeline.hpp"
#include "plan/planner.hpp"

namespace o2c {

struct Options {
  std::string model_path;
  std::string name;            // model name (symbol prefix); default: output file stem
  std::string header_include;  // #include line of the source; default: header file name
  ShapeBindings bind;
  FoldOptions fold;
  BackwardOptions backward;                  // a loss and its gradients (passes/backward.cpp)
  std::vector<std::string> disabled_passes;  // --disable-pass (a pass or a group: --no-fuse is "fuse")
  std::vector<std::string> dump_ir_after;    // --dump-ir-after: the IR after these passes, to stderr
  bool verify_each = false;                  // --verify-each: verify() after every pass
  std::string planner = "greedy";  // greedy | linear
  std::string command_line;
  bool external_weights = false;   // --weights file: constants not in the source (EmitOptions)
  bool inline_weights = false;     // --weights inline: constants as a string literal in the source
  std::string source_file;         // the generated source's file name (EmitOptions; default NAME.cpp)
  bool profile = false;  // EmitOptions::profile
  std::vector<std::string> eval_params;  // these initializers as inputs, in eval mode (make_eval_on_params)
};

struct Compiled {
  Graph graph;
  MemoryPlan plan;
  EmitResult files;
  std::string plan_report;
};

// Runs the whole pipeline. Errors are CompileError / UnsupportedError whose message starts
// with the model path.
Compiled compile_model(const Options& opt);

// A model name from a file path: sanitized stem ("out/mobilenet-v2.cpp" -> "mobilenet_v2").
std::string name_from_path(const std::string& path);

}  // namespace o2c
