// Helpers of the passes that recognize op patterns (layer_norm.cpp, gelu.cpp): tests on
// producers, readers and constants.
#pragma once
#include <vector>

#include "ir/graph.hpp"

namespace o2c {

struct Pattern {
  Graph& g;

  explicit Pattern(Graph& graph) : g(graph) {}
  size_t readers(int v) const { return g.values[v].readers.size(); }
  // The live node producing v, if it is `op` in the default domain and v, not a graph
  // output, has n readers.
  Node* producer(int v, const char* op, size_t n = 1) {
    if (v < 0 || g.values[v].producer < 0 || g.values[v].is_output || readers(v) != n) return nullptr;
    Node& p = g.nodes[g.values[v].producer];
    return p.op == op && p.domain.empty() ? &p : nullptr;
  }
  // The one reader of v, if it is `op` in the default domain and v is not a graph output.
  Node* reader(int v, const char* op) {
    if (v < 0 || g.values[v].is_output || readers(v) != 1 || g.values[v].readers[0].slot < 0) return nullptr;
    Node& r = g.nodes[g.values[v].readers[0].node];
    return r.op == op && r.domain.empty() ? &r : nullptr;
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
  // Replaces the pattern's nodes by one node, at the place of the last (every input of the
  // pattern is computed before it); it writes the last one's first output.
  void replace(const std::vector<Node*>& pattern, const std::string& op, int opset, std::vector<int> inputs, Attrs attrs) {
    const Node& last = *pattern.back();
    Node n;
    n.name = last.name;
    n.op = op;
    n.opset = opset;
    n.index = last.index;
    n.inputs = std::move(inputs);
    n.outputs = {last.outputs[0]};
    n.attrs = std::move(attrs);
    const int at = last.id;
    std::vector<int> ids;
    for (Node* p : pattern) ids.push_back(p->id);
    for (int id : ids)
      if (id != at) g.erase(id);
    g.replace(at, std::move(n));
  }
};

}  // namespace o2c
