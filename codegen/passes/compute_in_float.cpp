// Storage-only float types computed in float (passes.hpp): Cast to float before a node that
// computes on them, Cast back after it. Data movement (type variables of @any) keeps the
// 16 or 8 bits as they are.
#include "ops/registry.hpp"
#include "passes/passes.hpp"

namespace o2c {

namespace {

// Whether the op computes on the values of parameter k of `params` in float (its type
// variable is not held in its own bits: OpInfo::holds).
bool computes(const OpInfo& info, const std::vector<OpParam>& params, size_t k) {
  if (params.empty()) return false;
  return !info.holds(params[std::min(k, params.size() - 1)].typevar);
}

// A Cast node of v to `to` (its output a new value named after v), inserted before `before`.
int add_cast(Graph& g, int v, DType to, int before, int opset, int index) {
  Node c;
  c.op = "Cast";
  c.opset = opset;
  c.index = index;
  c.name = g.values[v].name + "/as_" + dtype_name(to);
  c.attrs["to"] = Attr::of(static_cast<int64_t>(to));
  c.inputs = {v};
  const int out = g.add_value(c.name);
  c.outputs = {out};
  return g.insert(std::move(c), before);
}

}  // namespace

void compute_in_float(Graph& g, const FoldOptions& opt) {
  for (int id : g.live_nodes()) {
    const Node n = g.nodes[id];
    for (Graph* body : subgraphs(n)) compute_in_float(*body, opt);
    const OpInfo* info = find_op(n.domain, n.op);
    if (!info) continue;
    bool widen = false;
    for (size_t k = 0; k < n.inputs.size(); ++k)
      widen = widen || (n.inputs[k] >= 0 && dtype_is_storage(g.values[n.inputs[k]].dtype) && computes(*info, info->inputs, k));
    for (size_t k = 0; k < n.outputs.size(); ++k)
      widen = widen || (n.outputs[k] >= 0 && dtype_is_storage(g.values[n.outputs[k]].dtype) && computes(*info, info->outputs, k));
    if (!widen) continue;
    const int opset = g.opsets.count("") ? g.opsets.at("") : n.opset;
    // Inputs: float copies (one per value, even if read twice).
    std::vector<int> ins = n.inputs;
    std::vector<int> casts;
    for (size_t k = 0; k < ins.size(); ++k) {
      if (ins[k] < 0 || !dtype_is_storage(g.values[ins[k]].dtype) || !computes(*info, info->inputs, k)) continue;
      bool done = false;
      for (size_t j = 0; j < k && !done; ++j)
        if (n.inputs[j] == n.inputs[k]) ins[k] = ins[j], done = true;
      if (done) continue;
      const int c = add_cast(g, n.inputs[k], DType::Float, id, opset, n.index);
      casts.push_back(c);
      ins[k] = g.nodes[c].outputs[0];
    }
    g.set_inputs(id, ins);
    // Outputs: the node writes float values, cast back into the original ones.
    std::vector<int> outs = n.outputs;
    std::vector<std::pair<int, DType>> back;  // float value, original type
    for (size_t k = 0; k < outs.size(); ++k) {
      if (outs[k] < 0 || !dtype_is_storage(g.values[outs[k]].dtype) || !computes(*info, info->outputs, k)) continue;
      const int f = g.add_value(g.values[outs[k]].name + "/as_float");
      back.push_back({f, g.values[outs[k]].dtype});
      outs[k] = f;
    }
    std::vector<int> orig = n.outputs;
    g.set_outputs(id, outs);
    for (int c : casts) infer_fold_node(g, c, opt);
    // The node again, on floats (its own output types follow its inputs').
    const int next = g.position(id) + 1 < static_cast<int>(g.order.size()) ? g.order[static_cast<size_t>(g.position(id)) + 1] : -1;
    infer_fold_node(g, id, opt);
    size_t b = 0;
    for (size_t k = 0; k < outs.size(); ++k) {
      if (outs[k] == orig[k]) continue;
      const auto [f, t] = back[b++];
      Node c;
      c.op = "Cast";
      c.opset = opset;
      c.index = n.index;
      c.name = g.values[orig[k]].name + "/as_" + dtype_name(t);
      c.attrs["to"] = Attr::of(static_cast<int64_t>(t));
      c.inputs = {f};
      c.outputs = {orig[k]};
      g.values[orig[k]].typed = false;
      const int cid = g.insert(std::move(c), next);
      infer_fold_node(g, cid, opt);
    }
  }
}

}  // namespace o2c
