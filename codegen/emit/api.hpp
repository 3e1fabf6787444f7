// The generated files around run_graph(): the C header (API, sizes, provenance) and the
// source's C ABI, info tables and weights.
#pragma once
#include <string>
#include <vector>

#include "emit/emitter.hpp"
#include "emit/writer.hpp"

namespace o2c {

// The member names of the inputs and outputs structs (sanitized, unique).
class ApiNames {
 public:
  explicit ApiNames(const Graph& g);
  const std::vector<std::string>& inputs() const { return in_; }
  const std::vector<std::string>& outputs() const { return out_; }
  std::string input_member(int value) const;   // of a graph input's value id
  std::string output_member(int value) const;
  // Run-time dims: the members of the inputs' `dims` struct, one per symbol the caller gives
  // (empty where the symbol is derived or set by a kernel), and whether the graph has any.
  const std::vector<std::string>& dims() const { return dims_; }
  bool dynamic() const;

 private:
  const Graph& g_;
  std::vector<std::string> in_, out_, dims_;
};

// Run-time dims in run_graph: the symbols as locals (given, then derived), and the actual
// shapes of the outputs with run-time dims, written into the outputs struct.
// Symbols a kernel sets (Data) are declared 0 there, written by their node's kernel through
// a pointer, and what derives from them is computed after that node (emit_dims_after_node).
void emit_dims_prologue(Writer& body, const Graph& g, const ApiNames& api);
void emit_dims_after_node(Writer& body, const Graph& g, int node);
void emit_output_shapes(Writer& body, const Graph& g, const ApiNames& api);

// What emitter.cpp made of the graph: run_graph's body, the kernel headers it calls (in
// dependency order), and which of run_graph's parameters it reads.
struct ModelText {
  std::string body;
  std::vector<std::string> headers;
  bool uses_in = false, uses_out = false, uses_arena = false, uses_weights = false, uses_par = false;
  int64_t par_extra_bytes = 0;  // the most any kernel's tasks use past the arena (k::Par::extra)
};

EmitResult write_files(const Graph& g, const MemoryPlan& plan, const EmitOptions& opt, const ApiNames& api,
                       Blob& blob, const ModelText& text);

}  // namespace o2c
