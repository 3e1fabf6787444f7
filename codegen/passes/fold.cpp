// Inference and constant folding (one pass, in order: a folded value's readers see its
// contents; a Loop to unroll is unrolled as soon as it is inferred), and dead code.
#include <algorithm>

#include "kernels/eval.hpp"
#include "ir/limits.hpp"
#include "ops/control.hpp"
#include "ops/registry.hpp"
#include "passes/passes.hpp"

namespace o2c {

namespace {

// Runs node n's calls on its constant inputs; true when every output is then known.
bool fold(Graph& g, Node& n, const OpDef& def) {
  Frame f;
  for (int v : n.inputs) f.in.push_back(v >= 0 ? g.values[v].constant.get() : nullptr);
  std::vector<Tensor> outs;
  outs.reserve(n.outputs.size());
  for (int v : n.outputs) outs.push_back(v >= 0 ? Tensor(g.values[v].dtype, g.values[v].shape) : Tensor());
  if (def.view) {  // the input's bytes, reinterpreted
    outs[0].bytes = g.values[n.inputs[0]].constant->bytes;
  } else {
    if (!def.lower) return false;
    LowerCtx lc(g, n);
    def.lower(lc);
    for (Tensor& t : outs) f.out.push_back(&t);
    std::vector<uint64_t> scratch(static_cast<size_t>((n.scratch_bytes + 7) / 8) + 8);  // 64-byte aligned below
    f.scratch = reinterpret_cast<void*>((reinterpret_cast<uintptr_t>(scratch.data()) + 63) / 64 * 64);
    f.tables = &lc.tables;
    for (const Call& c : lc.calls) {
      const KernelInfo* k = find_kernel(c.kernel);
      if (!k || !k->eval(c, f)) return false;
    }
  }
  for (size_t i = 0; i < n.outputs.size(); ++i)
    if (n.outputs[i] >= 0) g.values[n.outputs[i]].constant = std::make_shared<Tensor>(std::move(outs[i]));
  return true;
}

// A DequantizeLinear of constant integers (weights, bias) that a Conv reads: kept for the qdq
// pass, which sees the integers.
bool conv_dequantize(const Graph& g, const Node& n) {
  if (n.op != "DequantizeLinear" || !n.domain.empty() || n.inputs.empty() || n.outputs.empty() || n.outputs[0] < 0) return false;
  const DType t = g.values[n.inputs[0]].dtype;
  if (t != DType::Int8 && t != DType::UInt8 && t != DType::Int32) return false;
  for (const Use& u : g.values[n.outputs[0]].readers) {
    const Node& r = g.nodes[u.node];
    if (r.op == "Conv" && r.domain.empty() && u.slot >= 1) return true;
  }
  return false;
}

}  // namespace

bool infer_fold_node(Graph& g, int id, const FoldOptions& opt) {
  // A Loop that grows a value by appending to it appends by a scan output instead (inferred there).
  if (loop_appends_to_scans(g, id, opt)) return g.nodes[id].erased;
  // Sequences and optionals become their elements (ops/sequence.cpp), inferred there.
  if (expand_composite_node(g, id, opt)) return false;
  Node& n = g.nodes[id];
  const OpInfo* info = find_op(n.domain, n.op);
  if (!info) throw UnsupportedError(g.where(n) + ": op is not supported");
  bool all_const = true;
  int64_t in_bytes = 0;
  for (int v : n.inputs) {
    if (v < 0) continue;
    const Value& val = g.values[v];
    if (!val.typed) throw CompileError(g.where(n) + ": the type of input " + quote_name(val.name) + " is unknown");
    if (!val.constant) all_const = false;
    else in_bytes += static_cast<int64_t>(val.constant->bytes.size());
  }
  // Shape arithmetic on run-time dims: evaluated here; the node then only writes the values.
  if (fold_dims(g, id)) {
    const int out = g.nodes[id].outputs[0];
    if (g.values[out].constant) {
      g.erase(id);
      return true;
    }
    Node d;
    d.op = "Dims";
    d.domain = "onnx2cpp";
    d.opset = 1;
    d.name = g.nodes[id].name;
    d.index = g.nodes[id].index;
    d.outputs = {out};
    g.replace(id, std::move(d));
    return false;
  }
  OpCtx ctx(g, n);
  infer_node(ctx);
  // FlexAttention's modifier graphs are inlined between ordinary nodes (they are inferred too).
  if (expand_flex_attention(g, id, opt)) return false;
  // Gradient's nodes come from the backward rules of the nodes before it.
  if (expand_gradient(g, id)) return false;
  int64_t out_bytes = 0;
  bool known = true;  // infer may have set the constants itself (Shape, Constant)
  for (int v : n.outputs) {
    if (v < 0) continue;
    const Value& val = g.values[v];
    if (!val.typed) throw CompileError(g.where(n) + ": output type was not inferred");
    if (!dtype_supported(val.dtype))
      throw UnsupportedError(g.where(n) + ": output " + quote_name(val.name) + " has type " + dtype_name(val.dtype) +
                             ", which is not supported");
    out_bytes += checked_bytes(val.dtype, val.shape, g.where(n) + ": output " + quote_name(val.name));
    if (!val.constant) known = false;
  }
  if (!known && opt.fold && all_const && !(opt.keep_conv_dequantize && conv_dequantize(g, n)) &&
      out_bytes <= std::max(opt.max_growth_bytes, 2 * in_bytes))
    known = fold(g, n, *find_op(n.domain, n.op)->def);  // infer may have changed the op (Dropout)
  if (known) {
    g.erase(id);
    return true;
  }
  // An output infer made a constant (Dropout's mask) is the graph's now, no longer the node's
  // (found by the fuzzer: --verify-each refused the graph).
  std::vector<int> outs = n.outputs;
  for (int& v : outs)
    if (v >= 0 && g.values[v].constant) v = -1;
  if (outs != n.outputs) g.set_outputs(id, std::move(outs));
  if (n.op == "Loop" && n.domain.empty() && loop_needs_unrolling(ctx)) unroll_loop(g, id, opt);
  return false;
}

void infer_and_fold(Graph& g, const FoldOptions& opt) {
  for (int id : g.live_nodes()) infer_fold_node(g, id, opt);
}

namespace {

// The outer values a node's bodies still read, once their own dead nodes are gone: folding
// inside a body can leave a captured constant unread, and a capture nobody reads would still be
// planned, kept alive and declared (an unused variable) in the generated code.
std::vector<int> live_captures(const Node& n) {
  std::vector<int> live;
  for (Graph* body : subgraphs(n)) {
    remove_dead_nodes(*body);
    for (const Value& v : body->values)
      if (v.capture_of >= 0 && (v.is_output || !v.readers.empty()) &&
          std::find(live.begin(), live.end(), v.capture_of) == live.end())
        live.push_back(v.capture_of);
  }
  std::vector<int> kept;  // in the node's order
  for (int v : n.captures)
    if (std::find(live.begin(), live.end(), v) != live.end()) kept.push_back(v);
  return kept;
}

// Run-time dims: the symbols a value's dims and dims contents read, with the operands of
// the derived ones, into `syms`.
void add_symbols(const DimTable& t, const Value& v, std::vector<char>& syms) {
  std::vector<int> todo;
  for (const auto* list : {&v.dims, &v.sym})
    for (const Dim& d : *list)
      for (int id : d.symbols()) todo.push_back(id);
  while (!todo.empty()) {
    const size_t id = static_cast<size_t>(todo.back());
    todo.pop_back();
    if (id >= syms.size() || syms[id]) continue;
    syms[id] = 1;
    for (const Dim* d : {&t.syms[id].a, &t.syms[id].b})
      for (int o : d->symbols()) todo.push_back(o);
  }
}
void add_symbols(const DimTable& t, const Graph& g, const Node& n, std::vector<char>& syms) {
  for (const auto* list : {&n.inputs, &n.outputs, &n.captures})
    for (int v : *list)
      if (v >= 0) add_symbols(t, g.values[v], syms);
  for (Graph* body : subgraphs(n))
    for (const Value& v : body->values) add_symbols(t, v, syms);
}

}  // namespace

// A node is dead when nothing reads its outputs and no live value's dims read a count its
// kernel finds (NonZero's, when only the count is used: Shape(NonZero(x)) became a Dims node).
// Bodies share the table and number their nodes apart: a symbol of a body's node may keep an
// outer node of the same number, which only keeps more code than needed.
void remove_dead_nodes(Graph& g) {
  const std::vector<int> order = g.live_nodes();
  const DimTable& t = *g.dims;
  std::vector<char> needed(t.syms.size(), 0);
  for (int v : g.outputs) add_symbols(t, g.values[v], needed);
  for (size_t k = order.size(); k-- > 0;) {
    const Node& n = g.nodes[order[k]];
    bool used = false;
    for (int v : n.outputs)
      if (v >= 0 && (g.values[v].is_output || !g.values[v].readers.empty())) used = true;
    for (size_t i = 0; i < t.syms.size() && !used; ++i)
      used = needed[i] && t.syms[i].kind == DimSym::Kind::Data && t.syms[i].node == n.id;
    if (!used) {
      g.erase(order[k]);
      continue;
    }
    add_symbols(t, g, n, needed);
    if (n.captures.empty()) continue;
    std::vector<int> kept = live_captures(n);
    if (kept.size() != n.captures.size()) g.set_captures(order[k], std::move(kept));
  }
}

}  // namespace o2c
