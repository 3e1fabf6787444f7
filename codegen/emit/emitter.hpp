// Writes the generated header and source for a planned graph.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ir/graph.hpp"
#include "plan/planner.hpp"

namespace o2c {

struct EmitOptions {
  std::string name;          // model name: prefix of every exported symbol
  std::string header_include;// how the source includes the header ("model.h")
  std::string command_line;  // recorded in the provenance comment
  // false: the constants are one array in the source and <name>_run runs the model.
  // true: they are left out (EmitResult::weights) and <name>_run_with_weights takes them.
  bool external_weights = false;
  // Times every node through onnx2cpp_profile_node(index, op, name, seconds), which the
  // program must define (the verify/bench harness does with -DO2C_PROFILE). Diagnostics only.
  bool profile = false;
};

struct EmitResult {
  std::string header;
  std::string source;
  int64_t weights_bytes = 0;
  bool external_weights = false;       // EmitOptions::external_weights
  std::vector<unsigned char> weights;  // the constant blob, with external_weights only
};

EmitResult emit_model(Graph& g, const MemoryPlan& plan, const EmitOptions& opt);

extern const char* const kToolVersion;

// The constant blob: tensors placed at 64-byte aligned offsets, identical contents shared.
class Blob {
 public:
  int64_t add(const std::vector<uint8_t>& bytes);  // offset of the bytes in the blob
  const std::vector<unsigned char>& data() const { return data_; }

 private:
  std::vector<unsigned char> data_;
  std::map<std::vector<uint8_t>, int64_t> index_;
};

}  // namespace o2c
