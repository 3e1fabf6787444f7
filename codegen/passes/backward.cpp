// Reverse-mode differentiation through the rewrite API: backpropagate() appends the gradient
// of seeds with respect to values, from each op's vector-Jacobian product (OpDef::grad, defined
// beside the op's inference). The result is an ordinary graph, planned and emitted like any.
// The training step (passes/train_step.cpp) uses it, and so does the Gradient op of
// ai.onnx.preview.training, replaced here where inference meets it.
#include <map>
#include <set>

#include "ir/limits.hpp"
#include "ops/registry.hpp"
#include "ops/training.hpp"
#include "passes/passes.hpp"

namespace o2c {

std::vector<int> add_inferred_node(Graph& g, const std::string& op, std::vector<int> ins, Attrs attrs, const std::string& name,
                                   size_t outputs, const std::string& domain, int before) {
  Node n;
  n.op = op;
  n.domain = domain;
  n.opset = domain.empty() ? 13 : 1;
  n.name = name;
  n.inputs = std::move(ins);
  n.attrs = std::move(attrs);
  for (size_t i = 0; i < outputs; ++i) n.outputs.push_back(g.add_value(i ? name + "/" + std::to_string(i) : name));
  const std::vector<int> outs = n.outputs;
  const int id = g.insert(std::move(n), before);
  OpCtx c(g, g.nodes[id]);
  infer_node(c);
  return outs;
}

std::vector<int> backpropagate(Graph& g, const std::vector<int>& forward, const std::map<int, int>& seeds,
                               const std::vector<int>& wrt, int before) {
  // Values that depend on one of wrt: their gradients are needed.
  std::set<int> needs(wrt.begin(), wrt.end());
  for (int id : forward)
    for (int v : g.nodes[id].inputs)
      if (v >= 0 && needs.count(v)) {
        for (int o : g.nodes[id].outputs)
          if (o >= 0) needs.insert(o);
        break;
      }
  // value -> its gradient: the contributions added up as they come, so that each is dead once
  // added (an unrolled recurrence's weights take one from every step: summed at the end, all
  // of them were alive at once).
  std::map<int, int> grads;
  for (const auto& [v, dv] : seeds) grads[v] = dv;
  auto contribute = [&](int v, int dv) {
    auto it = grads.find(v);
    if (it == grads.end()) grads[v] = dv;
    else it->second = add_inferred_node(g, "Add", {it->second, dv}, {}, "grad/" + g.values[v].name + "/sum", 1, "", before)[0];
  };
  auto total = [&](int v) {
    auto it = grads.find(v);
    return it == grads.end() ? -1 : it->second;
  };
  for (size_t k = forward.size(); k-- > 0;) {
    const Node n = g.nodes[forward[k]];  // a copy: the rules add nodes
    std::vector<int> dys;
    bool any = false;
    for (int o : n.outputs) {
      dys.push_back(o >= 0 ? total(o) : -1);
      any = any || dys.back() >= 0;
    }
    std::vector<char> wanted;
    bool want = false;
    for (int v : n.inputs) {
      wanted.push_back(v >= 0 && needs.count(v));
      want = want || wanted.back();
    }
    if (!any || !want) continue;
    const OpInfo* info = find_op(n.domain, n.op);
    if (!info || !info->def->grad) throw UnsupportedError(g.where(n) + ": no gradient for this op");
    Node copy = n;
    GradCtx c(g, copy, dys, wanted, "grad/" + (n.name.empty() ? n.op : n.name) + "/", before);
    info->def->grad(c);
    for (size_t i = 0; i < n.inputs.size(); ++i)
      if (c.dxs[i] >= 0) contribute(n.inputs[i], c.dxs[i]);
  }
  std::vector<int> out;
  for (int v : wrt) out.push_back(total(v));
  return out;
}

bool expand_gradient(Graph& g, int id) {
  const Node& n = g.nodes[id];
  if (n.op != "Gradient" || n.domain != "ai.onnx.preview.training") return false;
  const GradientAttrs a = parse_attrs<GradientAttrs>(n.attrs, 1, g.where(n));
  const int y = g.find(a.y);
  const int at = g.position(id);
  if (y < 0) throw CompileError(g.where(n) + ": y names no value: " + quote_name(a.y));
  if (g.values[y].producer < 0 || g.position(g.values[y].producer) > at)
    throw UnsupportedError(g.where(n) + ": y " + quote_name(a.y) + " must be computed by a node before the Gradient node");
  const DType t = g.values[y].dtype;
  if (t != DType::Float && t != DType::Double) throw UnsupportedError(g.where(n) + ": y must be float or double");
  // The constants this builds (ones, zeros) stay within what the compiler computes itself.
  const auto check_computed = [&](int v, const std::string& what) {
    if (tensor_bytes(g.values[v].dtype, g.values[v].shape) > kMaxComputedBytes)
      throw UnsupportedError(g.where(g.nodes[id]) + ": the gradient " + what + " larger than " +
                             std::to_string(kMaxComputedBytes >> 20) + " MiB (" +
                             type_str(g.values[v].dtype, g.values[v].shape) + ")");
  };
  // The seed dy/dy: ones (the gradient of the sum of y's elements when y is not a scalar).
  check_computed(y, "of " + quote_name(g.values[y].name) + " starts from a tensor of ones");
  Tensor ones(t, g.values[y].shape);
  for (int64_t i = 0; i < ones.numel(); ++i) {
    if (t == DType::Float) ones.data<float>()[i] = 1.f;
    else ones.data<double>()[i] = 1.0;
  }
  const int seed = g.add_constant(n.name + "/dy", std::move(ones));
  std::vector<int> forward;
  for (int k : g.live_nodes())
    if (g.position(k) < at) forward.push_back(k);
  const std::vector<int> wrt(n.inputs.begin(), n.inputs.begin() + static_cast<long>(a.xs.size()));
  const std::vector<int> grads = backpropagate(g, forward, {{y, seed}}, wrt, id);
  // The Gradient node's outputs keep their names: Identity nodes write them in its place.
  const std::vector<int> outs = g.nodes[id].outputs;
  for (size_t i = 0; i < outs.size(); ++i)
    if (outs[i] >= 0 && grads[i] < 0) check_computed(outs[i], quote_name(g.values[outs[i]].name) + " would be a tensor of zeros");
  const std::string name = g.nodes[id].name;
  const int index = g.nodes[id].index;
  const std::vector<int> order = g.live_nodes();
  const size_t after = static_cast<size_t>(g.position(id)) + 1;  // the gradient's nodes came before it
  const int next = after < order.size() ? order[after] : -1;
  g.erase(id);
  for (size_t i = 0; i < outs.size(); ++i) {
    if (outs[i] < 0) continue;
    int dx = grads[i];
    if (dx < 0)  // y does not depend on x: zeros
      dx = g.add_constant(name + "/zeros", Tensor(g.values[outs[i]].dtype, g.values[outs[i]].shape));
    Node copy;
    copy.op = "Identity";
    copy.opset = 13;
    copy.name = name;
    copy.index = index;
    copy.inputs = {dx};
    copy.outputs = {outs[i]};
    const int cid = g.insert(std::move(copy), next);
    OpCtx c(g, g.nodes[cid]);
    infer_node(c);
  }
  return true;
}

}  // namespace o2c
