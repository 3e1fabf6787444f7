// `onnx2cpp info model.onnx [--json]`: what a model holds and whether onnx2cpp takes it, before
// compiling: its metadata, inputs and outputs, op histogram, parameters, MACs at the given
// shapes, and every unsupported op or type found (not only the first).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "onnx/import.hpp"

namespace o2c {

struct ModelInfo {
  struct Port {
    std::string name, dtype;
    bool has_shape = false;
    std::vector<std::string> dims;  // a number, a symbol, or "?" (unknown)
    Shape inferred;                 // outputs, when inference ran to the end
    bool inferred_known = false;
  };
  // An input's symbolic or unknown dim, the flag that binds it and its value when bound.
  struct Symbol {
    std::string name, flag;
    int64_t value = 0;  // 0: unbound
  };
  struct Issue {
    std::string what;    // the op ("Resize", "com.microsoft.Attention"), or the node's place
    std::string reason;  // why onnx2cpp does not take it
  };

  std::string path, producer;
  int64_t ir_version = 0;
  std::map<std::string, int64_t> opsets;  // domain ("ai.onnx" for the default) -> version
  std::vector<Port> inputs, outputs;
  std::vector<Symbol> symbols;
  std::map<std::string, int64_t> ops;  // op (domain-qualified outside ai.onnx) -> nodes, bodies and functions included
  int64_t nodes = 0;
  int64_t params = 0, param_bytes = 0, initializers = 0;
  // Multiply-accumulates of Conv, ConvTranspose, Gemm and MatMul (and their integer forms) after
  // inference; known only when every dim is bound and inference ran to the end.
  bool macs_known = false;
  int64_t macs = 0;
  std::map<std::string, int64_t> macs_by_op;
  std::string macs_note;  // why MACs are not known
  bool checked_at_ones = false;  // unbound dims were taken as 1 for the check
  std::vector<Issue> unsupported;
  int64_t unchecked_nodes = 0;  // after an unsupported node: not inferred
};

// Reads and checks the model at `path` with the flags' bindings (--dim, --shape, --freeze).
// Throws CompileError only when the file is not a readable model.
ModelInfo describe_model(const std::string& path, const ShapeBindings& bind);

std::string info_text(const ModelInfo& info);
std::string info_json(const ModelInfo& info);  // one JSON object, newline-terminated

}  // namespace o2c
