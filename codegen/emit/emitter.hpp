// Writes the generated header and source for a planned graph.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
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
  // false: the constants are in the program and <name>_run runs the model; by default they go
  // to <source_file>.weights beside the source (EmitResult::weights), pulled into the object
  // by the toolchain (.incbin, or #embed); with inline_weights, a string literal in the source.
  // true: they are left out (EmitResult::weights, <name>.weights.bin) and
  // <name>_run_with_weights takes them.
  bool external_weights = false;
  bool inline_weights = false;
  std::string source_file;   // the generated source's file name (default <name>.cpp)
  // Times every node through onnx2cpp_profile_node(index, op, name, seconds), which the
  // program must define (the verify/bench harness does with -DO2C_PROFILE). Diagnostics only.
  bool profile = false;
};



extern const char* const kToolVersion;

// The constant blob: tensors placed at 64-byte aligned offsets (zeros between them),
// identical contents shared (found by a hash of the contents, then compared). The tensors
// are shared with the graph or taken from the lowering, never copied: the blob is written
// out by streaming them.
class Blob {
 public:
  int64_t add(std::shared_ptr<const Tensor> t);  // offset of its bytes in the blob
  int64_t add(Tensor&& t) { return add(std::make_shared<const Tensor>(std::move(t))); }
  size_t size() const { return static_cast<size_t>(size_); }
  bool empty() const { return size_ == 0; }
  // Calls out(data, bytes) for consecutive pieces of the blob, in order.
  void stream(const std::function<void(const unsigned char*, size_t)>& out) const;
  std::vector<unsigned char> bytes() const;  // the whole blob in one buffer (tests, --weights inline)
  // A hash of the whole blob (hex), recorded in the source so that caches keyed on the
  // source (ccache) see new weights.
  std::string digest() const;

 private:
  struct Piece {
    int64_t at;
    uint64_t hash;
    std::shared_ptr<const Tensor> t;
  };
  std::vector<Piece> pieces_;
  int64_t size_ = 0;
  std::multimap<uint64_t, size_t> index_;  // hash -> index in pieces_
};

uint64_t hash_bytes(const unsigned char* p, size_t n, uint64_t seed = 0);

struct EmitResult {
  std::string header;
  std::string source;
  int64_t weights_bytes = 0;
  bool external_weights = false;       // EmitOptions::external_weights
  Blob weights;                        // the constant blob, when it goes to a file
  // Where `weights` goes, beside the source: <name>.weights.bin (external_weights) or
  // <source_file>.weights (embedded); empty when there is no file (no weights, or inline).
  std::string weights_file;
};

EmitResult emit_model(Graph& g, const MemoryPlan& plan, const EmitOptions& opt);

}  // namespace o2c
