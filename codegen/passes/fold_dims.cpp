// Shape sub-graphs on run-time dims. With --dim seq=1..128 an exporter's Shape -> Gather ->
// Unsqueeze -> Concat -> Reshape chain computes sizes from dims known only when the model runs.
// Such a chain is evaluated here at compile time on Dim expressions (Value::sym), so that the
// Reshape, Slice, Expand or ConstantOfShape at its end knows its output dims as expressions of
// the symbols. The node is then replaced by a Dims node that writes the values at run time,
// for code that reads them as data; everything upstream of it that nothing else reads dies.
//
// Reductions of a 1-D value to one element (ReduceMin/Max/Sum/Prod) fold too.
// An op or case not handled here is left to its own inference: the value is then an ordinary
// run-time tensor (correct, but a Reshape reading it as its shape is refused, named).
#include <algorithm>

#include "ops/op.hpp"
#include "passes/passes.hpp"

namespace o2c {
namespace {

using Elems = std::vector<Dim>;

int64_t int_attr(const Node& n, const char* name, int64_t def) {
  auto it = n.attrs.find(name);
  return it == n.attrs.end() ? def : it->second.i;
}

// The elements of `in` broadcast to `count` elements (rank <= 1 operands).
const Dim& at(const Elems& in, size_t k) { return in.size() == 1 ? in[0] : in[k]; }

// Integer division as ONNX (and C) truncates it, where that is a floor division: the divisor a
// positive constant, the dividend never negative.
bool div(DimTable& t, const Dim& a, const Dim& b, Dim* q) {
  if (!b.is_const() || b.value() <= 0 || t.range(a).lo < 0) return false;
  *q = t.floor_div(a, b.value());
  return true;
}

// Slice of a 1-D value: starts, ends (and axes 0, steps) as constants.
bool slice(OpCtx& c, const Elems& data, Elems* out) {
  std::vector<int64_t> starts, ends, steps{1};
  const Node& n = c.node();
  if (c.version() < 10) {
    starts = n.attrs.count("starts") ? n.attrs.at("starts").ints : starts;
    ends = n.attrs.count("ends") ? n.attrs.at("ends").ints : ends;
  } else {
    const Tensor* s = c.const_in(1);
    const Tensor* e = c.const_in(2);
    const Tensor* st = c.has_in(4) ? c.const_in(4) : nullptr;
    if (!s || !e || (c.has_in(4) && !st)) return false;
    starts = s->to_ints();
    ends = e->to_ints();
    if (st) steps = st->to_ints();
  }
  if (starts.size() != 1 || ends.size() != 1 || steps.size() != 1 || steps[0] == 0) return false;
  const int64_t len = static_cast<int64_t>(data.size()), step = steps[0];
  auto clampi = [&](int64_t v, int64_t lo, int64_t hi) {
    if (v < 0) v += len;
    return std::clamp(v, lo, hi);
  };
  int64_t b = step > 0 ? clampi(starts[0], 0, len) : clampi(starts[0], -1, len - 1);
  int64_t e = step > 0 ? clampi(ends[0], 0, len) : clampi(ends[0], -1, len - 1);
  out->clear();
  for (int64_t i = b; step > 0 ? i < e : i > e; i += step) out->push_back(data[static_cast<size_t>(i)]);
  return true;
}

// The output's elements from the inputs' (each a constant or a dims value); false when the op
// or this use of it is not one computed here.
bool eval(OpCtx& c, const std::vector<Elems>& in, Elems* out) {
  const Node& n = c.node();
  const std::string& op = n.op;
  const int64_t count = numel(c.out(0).shape);
  if (op == "Identity" || op == "Reshape" || op == "Unsqueeze" || op == "Squeeze" || op == "Flatten" || op == "Cast") {
    *out = in[0];
    return true;
  }
  if (op == "Gather") {
    if (c.rank(0) != 1) return false;
    const int64_t len = static_cast<int64_t>(in[0].size());
    out->clear();
    for (const Dim& i : in[1]) {
      const int64_t k = i.value() < 0 ? i.value() + len : i.value();
      if (k < 0 || k >= len) c.fail("index " + std::to_string(i.value()) + " out of range for " + std::to_string(len) + " elements");
      out->push_back(in[0][static_cast<size_t>(k)]);
    }
    return true;
  }
  if (op == "Concat") {
    out->clear();
    for (const Elems& e : in) out->insert(out->end(), e.begin(), e.end());
    return true;
  }
  if (op == "Slice") return c.rank(0) == 1 && slice(c, in[0], out);
  if (op == "Neg") {
    out->clear();
    for (const Dim& d : in[0]) out->push_back(-d);
    return true;
  }
  if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Max" || op == "Min") {
    if (in.size() != 2 || c.rank(0) > 1 || c.rank(1) > 1) return false;
    DimTable& t = c.dim_table();
    out->clear();
    for (int64_t k = 0; k < count; ++k) {
      const Dim& a = at(in[0], static_cast<size_t>(k));
      const Dim& b = at(in[1], static_cast<size_t>(k));
      Dim r;
      if (op == "Add") r = a + b;
      else if (op == "Sub") r = a - b;
      else if (op == "Mul") r = a * b;
      else if (op == "Max") r = t.max(a, b);
      else if (op == "Min") r = t.min(a, b);
      else if (!div(t, a, b, &r)) return false;
      out->push_back(r);
    }
    return true;
  }
  // A reduction of a 1-D value to one element (min(K, count) in a detector's top-k).
  if (op == "ReduceMin" || op == "ReduceMax" || op == "ReduceSum" || op == "ReduceProd") {
    if (c.rank(0) != 1 || count != 1 || in[0].empty()) return false;
    DimTable& t = c.dim_table();
    Dim r = in[0][0];
    for (size_t k = 1; k < in[0].size(); ++k) {
      const Dim& e = in[0][k];
      r = op == "ReduceMin" ? t.min(r, e) : op == "ReduceMax" ? t.max(r, e) : op == "ReduceSum" ? r + e : r * e;
    }
    *out = {r};
    return true;
  }
  return false;
}

// The integer types a dims value takes.
bool dims_type(DType t) { return t == DType::Int64 || t == DType::Int32; }

}  // namespace

bool fold_dims(Graph& g, int id) {
  Node& n = g.nodes[id];
  if (!n.domain.empty() || n.outputs.size() != 1 || n.outputs[0] < 0) return false;
  OpCtx c(g, n);
  // A Shape or Size of a value with run-time dims: its dims.
  if ((n.op == "Shape" || n.op == "Size") && c.has_in(0) && c.in(0).dynamic()) {
    const std::vector<Dim> d = c.dims(0);
    if (n.op == "Size") {
      Dim p = 1;
      for (const Dim& x : d) p = p * x;
      c.set_dims_value(0, DType::Int64, {}, {p});
      return true;
    }
    const int64_t r = static_cast<int64_t>(d.size());
    int64_t start = int_attr(n, "start", 0), end = int_attr(n, "end", r);
    if (start < 0) start += r;
    if (end < 0) end += r;
    start = std::clamp<int64_t>(start, 0, r);
    end = std::clamp<int64_t>(end, start, r);
    c.set_dims_value(0, DType::Int64, {end - start}, Elems(d.begin() + start, d.begin() + end));
    return true;
  }
  // Otherwise: an integer op reading at least one dims value, the others constants.
  bool any = false;
  std::vector<Elems> in;
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    if (n.inputs[i] < 0) continue;
    const Value& v = g.values[n.inputs[i]];
    any = any || !v.sym.empty();
    in.emplace_back();
    if (!c.dims_in(i, &in.back())) return false;
  }
  if (!any) return false;
  infer_node(c);
  const Value& y = c.out(0);
  if (!dims_type(y.dtype) || y.shape.size() > 1) return false;
  Elems out;
  if (!eval(c, in, &out) || static_cast<int64_t>(out.size()) != numel(y.shape)) return false;
  c.set_dims_value(0, y.dtype, y.shape, out);
  return true;
}

}  // namespace o2c
