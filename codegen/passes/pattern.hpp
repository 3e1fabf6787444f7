// Helpers of the passes that recognize op patterns (layer_norm.cpp, gelu.cpp): the live
// readers of every value, and tests on producers, readers and constants.
#pragma once
#include <vector>

#include "ir/graph.hpp"

namespace o2c {

struct Pattern {
  Graph& g;
  std::vector<std::vector<int>> readers;  // live reader nodes of every value

  explicit Pattern(Graph& graph) : g(graph), readers(graph.values.size()) {
    for (size_t i = 0; i < g.nodes.size(); ++i)
      if (!g.nodes[i].dead)
        for (int v : g.nodes[i].inputs)
          if (v >= 0) readers[v].push_back(static_cast<int>(i));
  }
  // The live node producing v, if it is `op` in the default domain and v, not a graph
  // output, has n readers.
  Node* producer(int v, const char* op, size_t n = 1) {
    if (v < 0 || g.values[v].producer < 0 || g.values[v].is_output || readers[v].size() != n) return nullptr;
    Node& p = g.nodes[g.values[v].producer];
    return !p.dead && p.op == op && p.domain.empty() ? &p : nullptr;
  }
  // The one reader of v, if it is `op` in the default domain and v is not a graph output.
  Node* reader(int v, const char* op) {
    if (v < 0 || g.values[v].is_output || readers[v].size() != 1) return nullptr;
    Node& r = g.nodes[readers[v][0]];
    return !r.dead && r.op == op && r.domain.empty() ? &r : nullptr;
  }
  // A float constant scalar (any rank with one element).
  bool scalar(int v, double* out) const {
    if (v < 0 || !g.values[v].constant || g.values[v].dtype != DType::Float || g.values[v].constant->numel() != 1)
      return false;
    *out = g.values[v].constant->float_at(0);
    return true;
  }
  // The other input of a binary node, given one; -1 if `one` is not an input.
  static int other(const Node& n, int one) {
    if (n.inputs.size() != 2) return -1;
    return n.inputs[0] == one ? n.inputs[1] : n.inputs[1] == one ? n.inputs[0] : -1;
  }
};

}  // namespace o2c
