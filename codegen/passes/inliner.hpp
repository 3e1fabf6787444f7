// Inlining a subgraph's nodes into the graph of the node that holds it, in front of that
// node, each inferred (and folded) at once: passes/unroll.cpp (a Loop's iterations),
// passes/flex_attention.cpp (FlexAttention's modifier graphs).
#pragma once
#include <map>
#include <string>
#include <vector>

#include "passes/passes.hpp"

namespace o2c {

struct Inliner {
  Graph& g;
  const FoldOptions& opt;
  int before;    // the new nodes go in front of this node (-1: at the end)
  const Node at; // the node being replaced (a copy: it may be erased meanwhile)

  // A new node in g, inferred (and folded) at once.
  int add(Node n);
  int constant(const std::string& name, Tensor t) { return g.add_constant(name, std::move(t)); }
  // Inlines body's nodes; `vals` maps the body's inputs to g's values, `tag` is appended to the
  // names of the new values. Returns the values of the body's outputs.
  std::vector<int> inline_body(const Graph& body, std::map<int, int> vals, const std::string& tag);
  // Value `out` (without a producer) takes v's contents: an Identity view of a tensor; a
  // sequence's or optional's elements (ops/sequence.cpp), which need no node.
  void assign(int out, int v);
};

}  // namespace o2c
