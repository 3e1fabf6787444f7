// Loops unrolled (during inference, passes/fold.cpp): a Loop whose body needs its iteration
// number at compile time (ops/control.hpp, loop_needs_unrolling) becomes its iterations'
// nodes, inlined into the graph where it was, each
// with the iteration number a constant; the carried values chain from one to the next and
// the scan outputs are their values stacked (Unsqueeze, Concat), the last carried values
// the loop's outputs (through Identity views).
#include "ops/control.hpp"
#include "passes/passes.hpp"

namespace o2c {

namespace {

struct Inliner {
  Graph& g;
  const FoldOptions& opt;
  int before;  // the Loop node: everything goes in front of it
  const Node loop;

  // A new node in g, inferred (and folded) at once.
  int add(Node n) {
    n.index = loop.index;
    const int id = g.insert(std::move(n), before);
    infer_fold_node(g, id, opt);
    return id;
  }

  int constant(const std::string& name, Tensor t) { return g.add_constant(name, std::move(t)); }

  // Inlines one iteration of body; `vals` maps the body's inputs to g's values. Returns the
  // values of the body's outputs.
  std::vector<int> iteration(const Graph& body, std::map<int, int> vals, int64_t iter) {
    const std::string tag = "/iter" + std::to_string(iter);
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
};

}  // namespace

void unroll_loop(Graph& g, int id, const FoldOptions& opt) {
  {
    OpCtx c(g, g.nodes[id]);
    const LoopShape ls = loop_shape(c);
    const std::shared_ptr<Graph> body = c.attrs<LoopAttrs>().body;
    Inliner in{g, opt, id, g.nodes[id]};
    std::vector<int> carried(in.loop.inputs.begin() + 2, in.loop.inputs.end());
    std::vector<std::vector<int>> scans(ls.scans);
    for (int64_t it = 0; it < ls.trips; ++it) {
      std::map<int, int> vals;
      Tensor iter(DType::Int64, {});
      iter.data<int64_t>()[0] = it;
      Tensor yes(DType::Bool, {});
      yes.data<uint8_t>()[0] = 1;
      vals[body->inputs[0]] = in.constant(body->values[body->inputs[0]].name, iter);
      vals[body->inputs[1]] = in.constant(body->values[body->inputs[1]].name, yes);
      for (size_t k = 0; k < carried.size(); ++k) vals[body->inputs[2 + k]] = carried[k];
      const std::vector<int> outs = in.iteration(*body, vals, it);
      for (size_t k = 0; k < carried.size(); ++k) carried[k] = outs[1 + k];
      for (size_t k = 0; k < ls.scans; ++k) scans[k].push_back(outs[1 + carried.size() + k]);
    }
    // The loop's outputs: the last carried values, and each scan's values stacked.
    const Node loop = in.loop;
    const int at = g.position(id);
    in.before = at + 1 < static_cast<int>(g.order.size()) ? g.order[static_cast<size_t>(at) + 1] : -1;
    g.erase(id);
    for (size_t k = 0; k < carried.size(); ++k) {  // views keep the outputs' values (and names)
      if (loop.outputs[k] < 0) continue;
      Node id_node;
      id_node.op = "Identity";
      id_node.opset = 13;
      id_node.inputs = {carried[k]};
      id_node.outputs = {loop.outputs[k]};
      g.values[loop.outputs[k]].typed = false;
      in.add(std::move(id_node));
    }
    for (size_t k = 0; k < ls.scans; ++k) {
      const int out = loop.outputs[carried.size() + k];
      if (out < 0) continue;
      Tensor zero(DType::Int64, {1});
      const int axes = in.constant(g.values[out].name + "/axes", zero);
      Node cat;
      cat.op = "Concat";
      cat.opset = 13;
      cat.attrs["axis"] = Attr::of(int64_t{0});
      for (int v : scans[k]) {
        Node u;
        u.op = "Unsqueeze";
        u.opset = 13;
        u.inputs = {v, axes};
        u.outputs = {g.add_value(g.values[v].name + "/stacked")};
        cat.inputs.push_back(u.outputs[0]);
        in.add(std::move(u));
      }
      cat.outputs = {out};
      g.values[out].typed = false;
      in.add(std::move(cat));
    }
  }
}

}  // namespace o2c
