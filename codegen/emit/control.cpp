// If, Loop and Scan as C++: an if/else around the branches' code, for loops around a body's
// code. A body's inputs and outputs live in the arena (plan/planner.cpp plans them through
// the node's span); loop-carried values are copied from the body's outputs to its inputs at
// the end of every iteration, scan slices in and out.
#include <algorithm>

#include "emit/body.hpp"
#include "ops/control.hpp"
#include "ops/helpers.hpp"

namespace o2c {

namespace {

std::string copy_line(const std::string& src, const std::string& dst, int64_t n) {
  return "k::copy(" + src + ", " + dst + ", " + std::to_string(n) + ");";
}

// Declares, in the current scope, the locals of the node's inputs, outputs and captured
// values: they are used inside the blocks below and after them. A captured constant may be
// read by the bodies at compile time only (a shape, an axis): marked used.
void declare_outer(GraphWriter& w, const Node& n) {
  for (int v : n.inputs)
    if (v >= 0) w.ref(v);
  for (int v : n.captures) {
    const std::string local = w.ref(v);
    if (w.g.values[v].constant) w.s.body.line("(void)" + local + ";");
  }
  for (int v : n.outputs)
    if (v >= 0) w.ref(v);
}

// Whether body value v is read by the body or returned by it.
bool used(const Graph& b, int v) {
  if (!b.values[v].readers.empty()) return true;
  for (int o : b.outputs)
    if (o == v) return true;
  return false;
}

// A body's value `from` into storage `to` (same element count), unless they are one storage.
void copy_value(GraphWriter& bw, int from, const std::string& to, int64_t n) {
  const std::string src = bw.ref(from);
  if (src != to) bw.s.body.line(copy_line(src, to, n));
}

// The body's results `from` written back into its inputs `to` for the next iteration (Loop's
// carried values, Scan's state), once the scan outputs have been copied out: ordered so that
// no input is overwritten while a copy still to come reads it (a result may be a view of
// another input: the same reference).
void carry(GraphWriter& bw, const std::vector<int>& from, const std::vector<int>& to, const std::string& where) {
  std::vector<char> done(from.size(), 0);
  for (size_t left = from.size(); left > 0;) {
    bool progress = false;
    for (size_t k = 0; k < from.size(); ++k) {
      if (done[k]) continue;
      const std::string dst = bw.ref(to[k]);
      bool read_later = false;
      for (size_t j = 0; j < from.size(); ++j) read_later = read_later || (j != k && !done[j] && bw.ref(from[j]) == dst);
      if (read_later) continue;
      copy_value(bw, from[k], dst, numel(bw.g.values[to[k]].shape));
      done[k] = 1;
      --left;
      progress = true;
    }
    if (!progress)
      throw UnsupportedError(where + ": the body's results exchange the loop-carried values among themselves (a cycle of "
                             "views of its inputs)");
  }
}

// The element count of body value v: an expression when it has run-time dims.
std::string count_of(const Value& v) {
  if (!v.dynamic()) return std::to_string(numel(v.shape));
  Dim n = 1;
  for (const Dim& d : v.dims) n = n * d;
  return n.cpp(dim_var);
}

// Each branch copies its results to the node's outputs at their actual size and sets the
// dims that differ between the branches (the node's Data symbols: ops/control.cpp).
void emit_If(GraphWriter& w, Node& n) {
  const auto a = OpCtx(w.g, n).attrs<IfAttrs>();
  declare_outer(w, n);
  Writer& out = w.s.body;
  const DimTable& t = *w.g.dims;
  out.line("if (" + w.ref(n.inputs[0]) + "[0]) {");
  for (const auto* branch : {&a.then_branch, &a.else_branch}) {
    if (branch == &a.else_branch) out.line("} else {");
    out.indent();
    GraphWriter bw(**branch, w.s, &w);
    bw.emit_nodes();
    for (size_t i = 0; i < n.outputs.size(); ++i) {
      if (n.outputs[i] < 0) continue;
      const Value& bv = (*branch)->values[(*branch)->outputs[i]];
      const std::string src = bw.ref((*branch)->outputs[i]), dst = w.ref(n.outputs[i]);
      if (src != dst) out.line("k::copy(" + src + ", " + dst + ", " + count_of(bv) + ");");
      const Value& ov = w.g.values[n.outputs[i]];
      for (size_t d = 0; d < ov.dims.size(); ++d) {
        const std::vector<int> ids = ov.dims[d].symbols();
        if (ids.size() != 1 || ov.dims[d] != Dim::sym(ids[0])) continue;
        const DimSym& sym = t.syms[static_cast<size_t>(ids[0])];
        if (sym.kind != DimSym::Kind::Data || sym.node != n.id) continue;
        const Dim bd = bv.dynamic() ? bv.dims[d] : Dim(bv.shape[d]);
        out.line(dim_var(ids[0]) + " = " + bd.cpp(dim_var) + ";");
      }
    }
    out.dedent();
  }
  out.line("}");
}

void emit_Loop(GraphWriter& w, Node& n) {
  OpCtx c(w.g, n);
  Graph& body = *c.attrs<LoopAttrs>().body;
  const LoopShape ls = loop_shape(c);
  declare_outer(w, n);
  GraphWriter bw(body, w.s, &w);
  Writer& out = w.s.body;
  const std::string d = std::to_string(w.s.loop_depth);
  const std::string i = "o2c_i" + d, cond = "o2c_cond" + d;
  out.line("{");
  out.indent();
  for (size_t k = 0; k < ls.carried; ++k)  // the initial values
    out.line(copy_line(w.ref(n.inputs[2 + k]), bw.ref(body.inputs[2 + k]), numel(w.g.values[n.inputs[2 + k]].shape)));
  const bool iter_used = used(body, body.inputs[0]), cond_used = used(body, body.inputs[1]);
  const std::string iter_in = iter_used ? bw.ref(body.inputs[0]) : "", cond_in = cond_used ? bw.ref(body.inputs[1]) : "";
  out.line("bool " + cond + " = " + (c.has_in(1) ? w.ref(n.inputs[1]) + "[0]" : std::string("true")) + ";");
  const std::string bound = ls.trips >= 0 ? std::to_string(ls.trips) : c.has_in(0) ? w.ref(n.inputs[0]) + "[0]" : "";
  // Scan outputs of a loop its condition may stop: the counter outlives the loop, it is their
  // first dim (a run-time dim, ops/control.cpp).
  const bool counted = ls.scans > 0 && ls.trips < 0;
  if (counted) out.line("int64_t " + i + " = 0;");
  out.line("for (" + (counted ? std::string() : "int64_t " + i + " = 0") + "; " + (bound.empty() ? "" : i + " < " + bound + " && ") +
           cond + "; ++" + i + ") {");
  out.indent();
  if (counted) {  // planned for the bound the condition gives (ops/control.cpp): never written past
    const Tensor* m = c.const_in(0);
    if (!m || std::max<int64_t>(m->int_at(0), 0) != ls.max_trips)
      out.line("if (" + i + " >= " + std::to_string(ls.max_trips) + ") return ONNX2CPP_ERR_DATA_SHAPE;");
  }
  if (iter_used) out.line(iter_in + "[0] = " + i + ";");
  if (cond_used) out.line(cond_in + "[0] = " + cond + ";");
  ++w.s.loop_depth;
  bw.emit_nodes();
  --w.s.loop_depth;
  out.line(cond + " = " + bw.ref(body.outputs[0]) + "[0];");
  for (size_t k = 0; k < ls.scans; ++k) {  // before the carried values: a scan output may be a view of one
    const int64_t len = numel(body.values[body.outputs[1 + ls.carried + k]].shape);
    const int o = n.outputs[ls.carried + k];
    if (o >= 0) copy_value(bw, body.outputs[1 + ls.carried + k], w.ref(o) + " + " + i + " * " + std::to_string(len), len);
  }
  carry(bw, std::vector<int>(body.outputs.begin() + 1, body.outputs.begin() + 1 + static_cast<std::ptrdiff_t>(ls.carried)),
        std::vector<int>(body.inputs.begin() + 2, body.inputs.begin() + 2 + static_cast<std::ptrdiff_t>(ls.carried)),
        w.g.where(n));
  out.dedent();
  out.line("}");
  if (counted)
    for (size_t k = 0; k < ls.scans; ++k)
      if (const int o = n.outputs[ls.carried + k]; o >= 0) {
        out.line(dim_var(w.g.values[o].dims.at(0).symbols().at(0)) + " = " + i + ";");
        break;
      }
  for (size_t k = 0; k < ls.carried; ++k)  // the final values
    if (n.outputs[k] >= 0)
      out.line(copy_line(bw.ref(body.inputs[2 + k]), w.ref(n.outputs[k]), numel(w.g.values[n.outputs[k]].shape)));
  out.dedent();
  out.line("}");
}

void emit_Scan(GraphWriter& w, Node& n) {
  OpCtx c(w.g, n);
  Graph& body = *c.attrs<ScanAttrs>().body;
  const ScanShape ss = scan_shape(c);
  declare_outer(w, n);
  GraphWriter bw(body, w.s, &w);
  Writer& out = w.s.body;
  const std::string d = std::to_string(w.s.loop_depth);
  const std::string b = "o2c_b" + d, i = "o2c_i" + d;
  auto per_batch = [&](int v) { return numel(w.g.values[v].shape) / std::max<int64_t>(ss.batch, 1); };
  // Element offset of batch entry b in an outer value (version 8's batch dim).
  auto at_batch = [&](int v) { return ss.batched ? " + " + b + " * " + std::to_string(per_batch(v)) : std::string(); };
  out.line("{");
  out.indent();
  if (ss.batched) {
    out.line("for (int64_t " + b + " = 0; " + b + " < " + std::to_string(ss.batch) + "; ++" + b + ") {");
    out.indent();
  }
  for (size_t k = 0; k < ss.state; ++k) {  // the initial state
    const int v = n.inputs[ss.first + k];
    out.line(copy_line(w.ref(v) + at_batch(v), bw.ref(body.inputs[k]), numel(body.values[body.inputs[k]].shape)));
  }
  out.line("for (int64_t " + i + " = 0; " + i + " < " + std::to_string(ss.length) + "; ++" + i + ") {");
  out.indent();
  for (size_t j = 0; j < ss.scans_in; ++j) {  // this iteration's slices
    const int v = n.inputs[ss.first + ss.state + j];
    Shape s = w.g.values[v].shape;
    if (ss.batched) s.erase(s.begin());
    std::vector<int64_t> st = strides_of(s);
    const int64_t axis_stride = st[static_cast<size_t>(ss.in_axes[j])];
    s.erase(s.begin() + ss.in_axes[j]);
    st.erase(st.begin() + ss.in_axes[j]);
    const std::string pos = ss.in_reverse[j] ? "(" + std::to_string(ss.length - 1) + " - " + i + ")" : i;
    out.line("k::strided_copy(" + w.ref(v) + at_batch(v) + " + " + pos + " * " + std::to_string(axis_stride) + ", " +
             bw.ref(body.inputs[ss.state + j]) + ", " + code(make_strided(s, st)) + ");");
  }
  ++w.s.loop_depth;
  bw.emit_nodes();
  --w.s.loop_depth;
  for (size_t k = 0; k < ss.scans_out; ++k) {  // before the state: a scan output may be a view of it
    const int o = n.outputs[ss.state + k];
    if (o < 0) continue;
    const int64_t len = numel(body.values[body.outputs[ss.state + k]].shape);
    const std::string pos = ss.out_reverse[k] ? "(" + std::to_string(ss.length - 1) + " - " + i + ")" : i;
    copy_value(bw, body.outputs[ss.state + k], w.ref(o) + at_batch(o) + " + " + pos + " * " + std::to_string(len), len);
  }
  carry(bw, std::vector<int>(body.outputs.begin(), body.outputs.begin() + static_cast<std::ptrdiff_t>(ss.state)),
        std::vector<int>(body.inputs.begin(), body.inputs.begin() + static_cast<std::ptrdiff_t>(ss.state)), w.g.where(n));
  out.dedent();
  out.line("}");
  for (size_t k = 0; k < ss.state; ++k)  // the final state
    if (n.outputs[k] >= 0)
      out.line(copy_line(bw.ref(body.inputs[k]), w.ref(n.outputs[k]) + at_batch(n.outputs[k]),
                         numel(body.values[body.inputs[k]].shape)));
  if (ss.batched) {
    out.dedent();
    out.line("}");
  }
  out.dedent();
  out.line("}");
}

}  // namespace

void emit_control(GraphWriter& w, Node& n) {
  if (n.op == "If") emit_If(w, n);
  else if (n.op == "Loop") emit_Loop(w, n);
  else if (n.op == "Scan") emit_Scan(w, n);
  else throw std::logic_error(w.g.where(n) + ": no structured emission for this op");
}

}  // namespace o2c
