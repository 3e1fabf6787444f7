// Inlining a subgraph into the graph of its node (passes/inliner.hpp).
#include "passes/inliner.hpp"

namespace o2c {

int Inliner::add(Node n) {
  n.index = at.index;
  const int id = g.insert(std::move(n), before);
  infer_fold_node(g, id, opt);
  return id;
}

void Inliner::assign(int out, int v) {
  if (out < 0) return;
  Value& o = g.values[out];
  if (g.values[v].composite()) {
    o.kind = g.values[v].kind;
    o.elements = g.values[v].elements;
    o.dtype = g.values[v].dtype;
    o.shape = {};
    o.typed = true;
    return;
  }
  Node id_node;
  id_node.op = "Identity";
  id_node.opset = 13;
  id_node.inputs = {v};
  id_node.outputs = {out};
  o.typed = false;
  add(std::move(id_node));
}

std::vector<int> Inliner::inline_body(const Graph& body, std::map<int, int> vals, const std::string& tag) {
  for (size_t v = 0; v < body.values.size(); ++v) {
    const Value& bv = body.values[v];
    if (bv.capture_of >= 0) vals[static_cast<int>(v)] = bv.capture_of;
    else if (bv.constant && !vals.count(static_cast<int>(v))) vals[static_cast<int>(v)] = constant(bv.name + tag, *bv.constant);
  }
  for (int id : body.order) {
    Node n = body.nodes[id];
    n.id = -1;
    for (int& v : n.inputs)
      if (v >= 0) v = vals.at(v);
    for (int& v : n.captures) v = vals.at(v);
    for (int& v : n.outputs)
      if (v >= 0) {
        const int nv = g.add_value(body.values[v].name + tag);
        vals[v] = nv;
        v = nv;
      }
    // A nested body now reads g's values where it read this body's.
    for (auto& kv : n.attrs)
      if (kv.second.kind == Attr::Kind::Graph && kv.second.g) {
        kv.second.g = clone_graph(*kv.second.g);
        for (Value& nv : kv.second.g->values)
          if (nv.capture_of >= 0) nv.capture_of = vals.at(nv.capture_of);
      }
    add(std::move(n));
  }
  std::vector<int> outs;
  for (int v : body.outputs) outs.push_back(vals.at(v));
  return outs;
}

}  // namespace o2c
