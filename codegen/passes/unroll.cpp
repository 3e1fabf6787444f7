// Loops unrolled (during inference, passes/fold.cpp): a Loop whose body needs its iteration
// number at compile time (ops/control.hpp, loop_needs_unrolling) becomes its iterations'
// nodes, inlined into the graph where it was, each
// with the iteration number a constant; the carried values chain from one to the next and
// the scan outputs are their values stacked (Unsqueeze, Concat), the last carried values
// the loop's outputs (through Identity views).
#include "ops/control.hpp"
#include "passes/inliner.hpp"

namespace o2c {

void unroll_loop(Graph& g, int id, const FoldOptions& opt) {
  {
    OpCtx c(g, g.nodes[id]);
    const LoopShape ls = loop_shape(c);
    const std::shared_ptr<Graph> body = c.attrs<LoopAttrs>().body;
    Inliner in{g, opt, id, g.nodes[id]};
    std::vector<int> carried(in.at.inputs.begin() + 2, in.at.inputs.end());
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
      const std::vector<int> outs = in.inline_body(*body, vals, "/iter" + std::to_string(it));
      for (size_t k = 0; k < carried.size(); ++k) carried[k] = outs[1 + k];
      for (size_t k = 0; k < ls.scans; ++k) scans[k].push_back(outs[1 + carried.size() + k]);
    }
    // The loop's outputs: the last carried values, and each scan's values stacked.
    const Node loop = in.at;
    const int at = g.position(id);
    in.before = at + 1 < static_cast<int>(g.order.size()) ? g.order[static_cast<size_t>(at) + 1] : -1;
    g.erase(id);
    for (size_t k = 0; k < carried.size(); ++k)  // views keep the outputs' values (and names)
      in.assign(loop.outputs[k], carried[k]);
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
