// Values a Loop grows by appending (passes/passes.hpp, loop_appends_to_scans): what
// torch.jit.script exports for a list appended to in a loop (a carried sequence, SequenceInsert
// in the body, ConcatFromSequence after the loop) or for a tensor concatenated to in a loop
// (a carried tensor, Concat(carried, x) in the body). Either changes size at every iteration,
// which a loop compiled as one block cannot carry; each becomes a scan output of x (stacked on
// a new first axis, as many slices as iterations ran: ops/control.cpp) and, after the loop,
// the Transpose and Reshape that make the stacked slices the concatenation (or stacking) the
// model asked for.
#include <algorithm>

#include "ops/control.hpp"
#include "ops/op.hpp"
#include "passes/passes.hpp"

namespace o2c {

namespace {

// A carried value the body only appends to.
struct Append {
  size_t k = 0;            // which carried value
  int x = -1;              // the body's value appended at every iteration
  bool sequence = false;   // a sequence (SequenceInsert) rather than a tensor (Concat)
  int64_t axis = 0;        // Concat's axis, as the node gives it
  int init = -1;           // the Loop's initial value (a tensor)
  int out = -1;            // the Loop's output: the final value
};

// Whether carried value k of Loop node `loop` is appended to, as Append says.
bool find_append(Graph& g, const Node& loop, Graph& body, size_t k, Append* a) {
  const size_t carried = loop.inputs.size() > 2 ? loop.inputs.size() - 2 : 0;
  if (k >= carried || body.inputs.size() != 2 + carried || body.outputs.size() < 1 + carried) return false;
  const int bi = body.inputs[2 + k], bo = body.outputs[1 + k];
  const int init = loop.inputs[2 + k], out = k < loop.outputs.size() ? loop.outputs[k] : -1;
  if (init < 0 || out < 0 || !g.values[init].typed) return false;
  const Value& in = body.values[bi];
  if (in.readers.size() != 1 || in.readers[0].slot != 0) return false;
  const Node& p = body.nodes[static_cast<size_t>(in.readers[0].node)];
  if (!p.domain.empty() || p.outputs.size() != 1 || p.outputs[0] != bo || p.inputs.size() < 2 || p.inputs[1] < 0 ||
      p.inputs[1] == bi)
    return false;
  if (!body.values[bo].readers.empty() || std::count(body.outputs.begin(), body.outputs.end(), bo) != 1) return false;
  a->k = k;
  a->x = p.inputs[1];
  a->init = init;
  a->out = out;
  if (p.op == "SequenceInsert" && (p.inputs.size() == 2 || p.inputs[2] < 0)) {
    // From an empty sequence, read after the loop by ConcatFromSequence only.
    const Value& i = g.values[init];
    if (i.kind != Value::Kind::Sequence || !i.elements.empty() || g.values[out].is_output) return false;
    for (const Use& u : g.values[out].readers) {
      const Node& r = g.nodes[static_cast<size_t>(u.node)];
      if (u.slot != 0 || r.op != "ConcatFromSequence" || !r.domain.empty()) return false;
    }
    a->sequence = true;
    return true;
  }
  if (p.op == "Concat" && p.inputs.size() == 2 && !g.values[init].composite() && !g.values[init].shape.empty()) {
    auto it = p.attrs.find("axis");
    if (it == p.attrs.end() || it->second.kind != Attr::Kind::Int) return false;
    a->axis = it->second.i;
    return true;
  }
  return false;
}

// A node op(ins) in g before node `before`, writing `out` (-1: a new value named `name`),
// inferred at once; returns its output.
int add_node(Graph& g, const std::string& op, std::vector<int> ins, Attrs attrs, const std::string& name, int out,
             int before) {
  Node n;
  n.op = op;
  n.opset = 13;
  n.name = name;
  n.inputs = std::move(ins);
  n.attrs = std::move(attrs);
  n.outputs = {out >= 0 ? out : g.add_value(name)};
  const int v = n.outputs[0];
  g.values[v].typed = false;
  const int id = g.insert(std::move(n), before);
  OpCtx c(g, g.nodes[static_cast<size_t>(id)]);
  infer_node(c);
  return v;
}

// The slices stacked in s ([N, e0, ..., e(r-1)]) joined along `axis`: concatenated
// ([e0, ..., N * e(axis), ...]) or, with new_axis, stacked there ([e0, ..., N, e(axis), ...]).
int join(Graph& g, int s, int64_t axis, bool new_axis, const std::string& name, int before, const std::string& where) {
  const int64_t r = static_cast<int64_t>(g.values[s].shape.size()) - 1;
  const int64_t n = new_axis ? r + 1 : r;
  if (axis < -n || axis >= n || (!new_axis && r == 0))
    throw CompileError(where + ": axis " + std::to_string(axis) + " is out of range for elements of rank " +
                       std::to_string(r));
  if (axis < 0) axis += n;
  int v = s;
  if (axis > 0) {  // the slices' axis moved in front of element axis `axis`
    std::vector<int64_t> perm;
    for (int64_t d = 1; d <= axis; ++d) perm.push_back(d);
    perm.push_back(0);
    for (int64_t d = axis + 1; d <= r; ++d) perm.push_back(d);
    v = add_node(g, "Transpose", {v}, {{"perm", Attr::of(perm)}}, name + "/transposed", -1, before);
  }
  if (new_axis) return v;
  // ... and merged with it.
  const Shape e(g.values[s].shape.begin() + 1, g.values[s].shape.end());
  Tensor target(DType::Int64, {r});
  for (int64_t d = 0; d < r; ++d) target.data<int64_t>()[d] = d == axis ? -1 : e[static_cast<size_t>(d)];
  const int shape = g.add_constant(name + "/shape", std::move(target));
  return add_node(g, "Reshape", {v, shape}, {}, name + "/joined", -1, before);
}

}  // namespace

bool loop_appends_to_scans(Graph& g, int id, const FoldOptions& opt) {
  if (g.nodes[static_cast<size_t>(id)].op != "Loop" || !g.nodes[static_cast<size_t>(id)].domain.empty()) return false;
  std::shared_ptr<Graph> body;
  {
    auto it = g.nodes[static_cast<size_t>(id)].attrs.find("body");
    if (it == g.nodes[static_cast<size_t>(id)].attrs.end() || !it->second.g) return false;
    body = it->second.g;
  }
  std::vector<Append> found;
  {
    const Node& loop = g.nodes[static_cast<size_t>(id)];
    for (size_t k = 0; k + 2 < loop.inputs.size(); ++k) {
      Append a;
      if (find_append(g, loop, *body, k, &a)) found.push_back(a);
    }
  }
  if (found.empty()) return false;
  const int at = g.position(id);
  const int before = at + 1 < static_cast<int>(g.order.size()) ? g.order[static_cast<size_t>(at) + 1] : -1;
  // The loop without the appended values, each x a scan output instead (the last ones).
  std::vector<int> scans;
  {
    Node& loop = g.nodes[static_cast<size_t>(id)];
    std::vector<int> ins = loop.inputs, outs = loop.outputs;
    for (auto a = found.rbegin(); a != found.rend(); ++a) {  // from the last: the indices stay valid
      const int bi = body->inputs[2 + a->k];
      body->erase(body->values[bi].readers[0].node);
      for (int v : {bi, body->outputs[1 + a->k]}) {  // left unread: no longer the body's, nor a sequence
        body->values[v].is_input = body->values[v].is_output = false;
        body->values[v].kind = Value::Kind::Tensor;
      }
      body->inputs.erase(body->inputs.begin() + static_cast<std::ptrdiff_t>(2 + a->k));
      body->outputs.erase(body->outputs.begin() + static_cast<std::ptrdiff_t>(1 + a->k));
      ins.erase(ins.begin() + static_cast<std::ptrdiff_t>(2 + a->k));
      outs.erase(outs.begin() + static_cast<std::ptrdiff_t>(a->k));
    }
    for (const Append& a : found) {
      body->outputs.push_back(a.x);
      body->values[a.x].is_output = true;
      const int s = g.add_value(g.values[a.out].name + "/slices");
      scans.push_back(s);
      outs.push_back(s);
    }
    g.set_inputs(id, ins);
    g.set_outputs(id, outs);
  }
  infer_fold_node(g, id, opt);
  // After the loop: the slices joined as the model asked.
  for (size_t j = 0; j < found.size(); ++j) {
    const Append& a = found[j];
    const std::string name = g.values[a.out].name;
    if (a.sequence) {  // each ConcatFromSequence reads the slices joined by its attributes
      const std::vector<Use> readers = g.values[a.out].readers;
      for (const Use& u : readers) {
        const Node& r = g.nodes[static_cast<size_t>(u.node)];
        const std::string where = g.where(r);
        const auto ax = r.attrs.find("axis"), nw = r.attrs.find("new_axis");
        if (ax == r.attrs.end()) throw CompileError(where + ": attribute \"axis\" is missing");
        const int64_t axis = ax->second.i;
        const bool new_axis = nw != r.attrs.end() && nw->second.i != 0;
        const int v = join(g, scans[j], axis, new_axis, name + "/concat", before, where);
        Node& q = g.nodes[static_cast<size_t>(u.node)];  // (inserting nodes may have moved r)
        q.op = "Identity";
        q.opset = 13;
        q.attrs.clear();
        g.set_inputs(u.node, {v});
      }
      continue;
    }
    // A tensor: the initial value, then the slices concatenated.
    const std::string where = g.where(g.nodes[static_cast<size_t>(id)]);
    const Shape init = g.values[a.init].shape;
    const int64_t r = static_cast<int64_t>(init.size());
    const int64_t axis = a.axis < 0 ? a.axis + r : a.axis;
    if (axis < 0 || axis >= r)
      throw CompileError(where + ": the body's Concat axis " + std::to_string(a.axis) + " is out of range for rank " +
                         std::to_string(r));
    const bool empty = !g.values[a.init].dynamic() && init[static_cast<size_t>(axis)] == 0;
    const int v = join(g, scans[j], axis, false, name + "/concat", before, where);
    if (empty)
      add_node(g, "Identity", {v}, {}, name, a.out, before);
    else
      add_node(g, "Concat", {a.init, v}, {{"axis", Attr::of(axis)}}, name, a.out, before);
  }
  return true;
}

}  // namespace o2c
