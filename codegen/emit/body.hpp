// run_graph()'s body: the nodes of a graph as C++ statements, with the locals they read and
// write. One GraphWriter per graph; a subgraph's (an If branch, a loop body) writes into its
// parent's text, inside the block control.cpp opens.
#pragma once
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "emit/api.hpp"
#include "emit/writer.hpp"
#include "onnx/names.hpp"
#include "ops/op.hpp"

namespace o2c {

// What every GraphWriter of one model shares.
struct EmitState {
  const MemoryPlan& plan;
  const EmitOptions& opt;
  const ApiNames& api;
  Blob& blob;
  Writer body;
  Namer locals;
  std::set<std::string> headers{"common"};
  bool uses_in = false, uses_out = false, uses_arena = false, uses_weights = false, uses_par = false;
  int64_t par_extra_bytes = 0;
  std::map<std::pair<const Graph*, int>, int64_t> value_offset, scratch_offset;  // (subgraph or null, id)
  int loop_depth = 0;  // for the names of nested loops' counters

  EmitState(const MemoryPlan& p, const EmitOptions& o, const ApiNames& a, Blob& b);
  std::string weights_at(int64_t at, DType t);
  std::string arena_at(int64_t at, DType t);
};

class GraphWriter {
 public:
  // parent: the writer of the graph that holds this subgraph (nullptr for the main graph).
  GraphWriter(Graph& g, EmitState& s, GraphWriter* parent);

  // Pointer expression of value v's storage, declaring a local on first use.
  std::string ref(int v);
  // Writes every node of the graph.
  void emit_nodes();
  // The main graph's outputs that their producer does not write (views, constants, inputs).
  void copy_out_outputs();

  Graph& g;
  EmitState& s;
  GraphWriter* parent;
  const std::vector<int> origin;  // view_origins(g)

 private:
  bool top() const { return parent == nullptr; }
  const Graph* key() const { return parent ? &g : nullptr; }
  std::string node_comment(const Node& n);
  void emit_calls(Node& n, LowerCtx& lc, int64_t scratch_at);
  std::vector<std::string> local_of_;  // value -> declared local ("" if not yet)
};

// The If, Loop and Scan nodes (ops.def's control family): blocks and loops around their
// bodies' code (emit/control.cpp).
void emit_control(GraphWriter& w, Node& n);

}  // namespace o2c
