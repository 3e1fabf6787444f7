// The backward pass: appends to the graph, through the rewrite API, a loss on one of its
// outputs and the gradient of that loss with respect to the parameters, from each op's
// vector-Jacobian product (OpDef::grad, defined beside the op's inference). The result is an
// ordinary graph: the loss and the gradients are more outputs, planned and emitted like any.
#include <map>
#include <set>

#include "ops/registry.hpp"
#include "passes/passes.hpp"

namespace o2c {

namespace {

int add_node(Graph& g, const std::string& op, std::vector<int> ins, Attrs attrs, const std::string& name) {
  Node n;
  n.op = op;
  n.opset = 13;
  n.name = name;
  n.inputs = std::move(ins);
  n.attrs = std::move(attrs);
  n.outputs = {g.add_value(name)};
  const int out = n.outputs[0];
  const int id = g.insert(std::move(n));
  OpCtx c(g, g.nodes[id]);
  infer_node(c);
  return out;
}

// A graph output named `name` that is (a view of) v.
void add_output(Graph& g, int v, const std::string& name) {
  const int out = g.add_value(name);
  Node n;
  n.op = "Identity";
  n.opset = 13;
  n.name = name;
  n.inputs = {v};
  n.outputs = {out};
  const int id = g.insert(std::move(n));
  OpCtx c(g, g.nodes[id]);
  infer_node(c);
  g.values[out].is_output = true;
  g.outputs.push_back(out);
}

}  // namespace

void append_backward(Graph& g, const BackwardOptions& opt) {
  const int y = g.find(opt.output);
  if (y < 0 || !g.values[y].is_output) throw CompileError("backward: " + quote_name(opt.output) + " is not an output of the model");
  const DType t = g.values[y].dtype;
  if (t != DType::Float && t != DType::Double) throw UnsupportedError("backward: the loss needs a float output");
  if (opt.loss != "mse") throw UnsupportedError("backward: loss " + quote_name(opt.loss) + " (this pass knows mse)");
  const std::vector<int> forward = g.live_nodes();

  // The parameters: the named values, or every float constant some node reads.
  std::set<int> params;
  for (const std::string& p : opt.params) {
    const int v = g.find(p);
    if (v < 0 || !g.values[v].constant) throw CompileError("backward: " + quote_name(p) + " is not a parameter (a constant) of the model");
    params.insert(v);
  }
  if (opt.params.empty())
    for (size_t v = 0; v < g.values.size(); ++v)
      if (g.values[v].constant && dtype_is_float(g.values[v].dtype) && !g.values[v].readers.empty())
        params.insert(static_cast<int>(v));
  // Values that depend on a parameter: their gradients are needed.
  std::set<int> needs(params.begin(), params.end());
  for (int id : forward)
    for (int v : g.nodes[id].inputs)
      if (v >= 0 && needs.count(v)) {
        for (int o : g.nodes[id].outputs)
          if (o >= 0) needs.insert(o);
        break;
      }

  // The loss: mean((y - target)^2), and its gradient 2 (y - target) / N.
  const int target = g.add_value(opt.output + "_target");
  Value& tv = g.values[target];
  tv.dtype = t;
  tv.shape = g.values[y].shape;
  tv.typed = true;
  tv.is_input = true;
  g.inputs.push_back(target);
  const int d = add_node(g, "Sub", {y, target}, {}, "loss/diff");
  const int sq = add_node(g, "Mul", {d, d}, {}, "loss/square");
  const int loss = add_node(g, "ReduceMean", {sq}, {{"keepdims", Attr::of(int64_t{0})}}, "loss/mean");
  add_output(g, loss, "loss");
  Tensor scale(t, {});
  const double s = 2.0 / static_cast<double>(std::max<int64_t>(numel(g.values[y].shape), 1));
  if (t == DType::Float) scale.data<float>()[0] = static_cast<float>(s);
  else scale.data<double>()[0] = s;
  std::map<int, std::vector<int>> grads;  // value -> gradient contributions
  grads[y].push_back(add_node(g, "Mul", {d, g.add_constant("loss/scale", std::move(scale))}, {}, "loss/grad"));

  // Every node, last to first: its inputs' gradients from its outputs'.
  auto total = [&](int v) {
    auto it = grads.find(v);
    if (it == grads.end()) return -1;
    if (it->second.size() > 1) it->second = {add_node(g, "Sum", it->second, {}, "grad/" + g.values[v].name + "/sum")};
    return it->second[0];
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
    if (!info || !info->def->grad) throw UnsupportedError("backward: " + g.where(n) + ": no gradient for this op");
    Node copy = n;
    GradCtx c(g, copy, dys, wanted, "grad/" + (n.name.empty() ? n.op : n.name) + "/");
    info->def->grad(c);
    for (size_t i = 0; i < n.inputs.size(); ++i)
      if (c.dxs[i] >= 0) grads[n.inputs[i]].push_back(c.dxs[i]);
  }
  for (int p : params) {
    const int gv = total(p);
    if (gv >= 0) add_output(g, gv, "grad/" + g.values[p].name);
  }
}

}  // namespace o2c
