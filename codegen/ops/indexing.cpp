// Ops that address elements through run-time index tensors (templates/indexing.hpp):
// GatherElements, GatherND, ScatterElements, Scatter (deprecated, ScatterElements without a
// reduction), ScatterND, TensorScatter and ReverseSequence. Indices known at compile time
// are checked here; at run time an out-of-range index is handled as indexing.hpp says (no
// access out of bounds).
#include "ops/helpers.hpp"
#include "ops/shape_data.hpp"

namespace o2c {
namespace {

int64_t prod(const Shape& s, size_t from, size_t to) {
  int64_t p = 1;
  for (size_t i = from; i < to; ++i) p *= s[i];
  return p;
}

void max_rank(OpCtx& c, size_t i) {
  if (c.rank(i) > k::kMaxRank) c.unsupported("input " + std::to_string(i) + " of rank above " + std::to_string(k::kMaxRank));
}

// Fails when constant input i holds an index outside [-n(j), n(j)), n giving the axis size
// of element j.
template <class N>
void check_indices(OpCtx& c, size_t i, N&& n) {
  const Tensor* t = c.const_in(i);
  if (!t) return;
  for (int64_t j = 0; j < t->numel(); ++j) {
    const int64_t v = t->int_at(j), d = n(j);
    if (v < -d || v >= d)
      c.fail("index " + std::to_string(v) + " is out of range for an axis of size " + std::to_string(d));
  }
}

// The scatter ops' reduction attribute: none and, from version 16, add and mul; max and min
// from version 18.
const Spellings kReductions = {"none", "add", "mul", "max", "min"};
const char* const kReductionSymbols[] = {"k::kScatterNone", "k::kScatterAdd", "k::kScatterMul", "k::kScatterMax",
                                         "k::kScatterMin"};
template <class V>
void reduction_field(V& v, int& reduction) {
  if (v.version < 16) return;
  v("reduction", reduction, kReductions);
  if (v.version < 18 && reduction > k::kScatterMul) v.fail("reduction 'max' and 'min' need opset 18");
}
Arg reduction_arg(int r) { return symbol(kReductionSymbols[r], r); }

// ---- GatherElements, ScatterElements, Scatter -----------------------------------------------

struct GatherElementsAttrs {
  int64_t axis = 0;
  O2C_FIELDS(axis)
};
struct ScatterElementsAttrs {
  int64_t axis = 0;
  int reduction = k::kScatterNone;
  template <class V>
  void fields(V& v) {
    v("axis", axis);
    reduction_field(v, reduction);
  }
};
using ScatterAttrs = GatherElementsAttrs;  // Scatter: axis only

struct ElemAxis {
  int64_t axis, reduction;
};
ElemAxis elem_axis(OpCtx& c) {
  const std::string& op = c.node().op;
  if (op == "ScatterElements") {
    const auto a = c.attrs<ScatterElementsAttrs>();
    return {c.axis(a.axis, c.rank(0)), a.reduction};
  }
  const int64_t a = op == "Scatter" ? c.attrs<ScatterAttrs>().axis : c.attrs<GatherElementsAttrs>().axis;
  return {c.axis(a, c.rank(0)), k::kScatterNone};
}

// Checks data (input 0) against indices (input 1), and updates (input 2) for the scatters.
void check_elements(OpCtx& c, bool scatter) {
  const Shape& d = c.shape(0);
  const Shape& ix = c.shape(1);
  if (d.empty()) c.fail("data must have rank >= 1");
  if (ix.size() != d.size()) c.fail("indices " + shape_str(ix) + " must have the rank of data " + shape_str(d));
  max_rank(c, 0);
  const size_t a = static_cast<size_t>(elem_axis(c).axis);
  for (size_t k = 0; k < d.size(); ++k)
    if (k != a && ix[k] > d[k])
      c.fail("indices " + shape_str(ix) + " exceed data " + shape_str(d) + " along axis " + std::to_string(k));
  if (scatter && c.shape(2) != ix) c.fail("updates " + shape_str(c.shape(2)) + " must have the shape of indices " + shape_str(ix));
  if (d[a] == 0 && numel(ix) > 0) c.fail("indexing an empty axis");
  check_indices(c, 1, [&](int64_t) { return d[a]; });
}

// The walk over the indices' dims with the data's strides, 0 along the axis.
k::Strided elem_walk(OpCtx& c, int64_t axis) {
  auto st = strides_of(c.shape(0));
  st[static_cast<size_t>(axis)] = 0;
  return make_strided(c.shape(1), st);
}

// GatherElements with run-time dims: each indices dim but the axis must be within the data's,
// checked here where it can be (equal as polynomials, or ranges that settle it), else by the
// kernel at run time (gather_elements_dims); the data's axis may be any (an index outside it
// is handled as indexing.hpp says, an empty axis gives zeros).
bool check_elements_dims(OpCtx& c) {
  const std::vector<Dim> d = c.dims(0), ix = c.dims(1);
  if (d.empty()) c.fail("data must have rank >= 1");
  if (ix.size() != d.size()) c.fail("indices " + shape_str(c.shape(1)) + " must have the rank of data " + shape_str(c.shape(0)));
  max_rank(c, 0);
  const size_t a = static_cast<size_t>(elem_axis(c).axis);
  const DimTable& t = c.dim_table();
  bool at_run_time = false;
  for (size_t k = 0; k < d.size(); ++k) {
    if (k == a || ix[k] == d[k] || t.range(ix[k]).hi <= t.range(d[k]).lo) continue;
    if (t.range(ix[k]).lo > t.range(d[k]).hi)
      c.fail("indices dim " + std::to_string(k) + " (" + ix[k].str(t) + ") exceeds the data's (" + d[k].str(t) + ")");
    at_run_time = true;
  }
  return at_run_time;
}

void infer_GatherElements(OpCtx& c) {
  if (c.in(0).dynamic() || c.in(1).dynamic()) {
    check_elements_dims(c);
    c.set_out_dims(0, c.dtype(0), c.dims(1));
    return;
  }
  check_elements(c, false);
  c.set_out(0, c.dtype(0), c.shape(1));
}
void lower_GatherElements(LowerCtx& c) {
  if (numel(c.shape(1)) == 0) return;
  const int64_t a = elem_axis(c).axis;
  if (c.in(0).dynamic() || c.in(1).dynamic()) {
    std::vector<Dim> st = strides_of(c.dims(0));
    const Dim astride = st[static_cast<size_t>(a)];
    st[static_cast<size_t>(a)] = 0;
    std::vector<Arg> args = {c.X(0), c.X(1), c.Y(0), strided_arg(c.dims(1), st, c.shape(1)),
                             c.extent(c.dim(0, static_cast<size_t>(a))), c.extent(astride)};
    if (!check_elements_dims(c)) return c.call("gather_elements", args);
    for (Arg x : {input_dims(c, 1), input_dims(c, 0), index(c.rank(0)), index(a)}) args.push_back(x);
    c.call("gather_elements_dims", args);
    c.calls.back().status = true;
    return;
  }
  c.call("gather_elements", {c.X(0), c.X(1), c.Y(0), obj(elem_walk(c, a)), index(c.shape(0)[static_cast<size_t>(a)]),
                             index(strides_of(c.shape(0))[static_cast<size_t>(a)])});
}

void infer_scatter_elements(OpCtx& c) {
  check_elements(c, true);
  c.set_out(0, c.dtype(0), c.shape(0));
}
void lower_scatter_elements(LowerCtx& c) {
  if (numel(c.shape(0)) == 0) return;
  const ElemAxis e = elem_axis(c);
  const size_t a = static_cast<size_t>(e.axis);
  c.call("scatter_elements", {c.X(0), c.X(1), c.X(2), c.Y(0), index(numel(c.shape(0))), obj(elem_walk(c, e.axis)),
                              index(c.shape(0)[a]), index(strides_of(c.shape(0))[a]), reduction_arg(static_cast<int>(e.reduction))});
}

// ---- GatherND, ScatterND --------------------------------------------------------------------

std::string code_nd(const k::NDPlan& p) {
  return "k::NDPlan{" + lit(p.batch) + ", " + lit(p.n) + ", " + std::to_string(p.k) + ", " + lit_array(p.dims, p.k) +
         ", " + lit(p.slice) + ", " + lit(p.batch_stride) + "}";
}

struct GatherNDAttrs {
  int64_t batch_dims = 0;
  template <class V>
  void fields(V& v) {
    if (v.version >= 12) v("batch_dims", batch_dims);
  }
};
struct ScatterNDAttrs {
  int reduction = k::kScatterNone;
  template <class V>
  void fields(V& v) { reduction_field(v, reduction); }
};

// The plan of data (input 0) indexed by indices (input 1) with b batch dims; fails on shapes
// that do not fit.
k::NDPlan nd_plan(OpCtx& c, int64_t b) {
  const Shape& d = c.shape(0);
  const Shape& ix = c.shape(1);
  const int64_t r = c.rank(0), q = c.rank(1);
  if (r < 1 || q < 1) c.fail("data and indices must have rank >= 1");
  if (b < 0 || b >= std::min(r, q)) c.fail("batch_dims " + std::to_string(b) + " must be below the ranks of data and indices");
  const int64_t kk = ix.back();
  if (kk < 0 || b + kk > r)
    c.fail("index tuples of " + std::to_string(kk) + " entries do not fit data " + shape_str(d) + " after " +
           std::to_string(b) + " batch dims");
  if (kk > k::kMaxRank) c.unsupported("index tuples of more than " + std::to_string(k::kMaxRank) + " entries");
  const size_t bs = static_cast<size_t>(b), ks = static_cast<size_t>(kk);
  for (size_t i = 0; i < bs; ++i)
    if (ix[i] != d[i]) c.fail("the batch dims of indices " + shape_str(ix) + " and data " + shape_str(d) + " differ");
  for (size_t t = 0; t < ks; ++t)
    if (d[bs + t] == 0 && numel(ix) > 0) c.fail("indexing an empty axis");
  check_indices(c, 1, [&](int64_t j) { return d[bs + static_cast<size_t>(j % kk)]; });
  k::NDPlan p{};
  p.batch = prod(d, 0, bs);
  p.n = prod(ix, bs, ix.size() - 1);
  p.k = static_cast<int>(kk);
  for (size_t t = 0; t < ks; ++t) p.dims[t] = d[bs + t];
  p.slice = prod(d, bs + ks, d.size());
  p.batch_stride = prod(d, bs, d.size());
  return p;
}

// GatherND's dims: run-time dims (a count found in the data, e.g. NonZero's tuples) may be
// any but the index tuples' length (the indices' last dim) and the indexed data dims, which
// the plan's strides need as numbers. The plan's counts are then expressions of the symbols.
struct NDDims {
  Dim batch, n, slice, batch_stride;
  std::vector<Dim> out;
};
NDDims nd_dims(OpCtx& c, int64_t b) {
  const std::vector<Dim> d = c.dims(0), ix = c.dims(1);
  const int64_t r = c.rank(0), q = c.rank(1);
  if (r < 1 || q < 1) c.fail("data and indices must have rank >= 1");
  if (b < 0 || b >= std::min(r, q)) c.fail("batch_dims " + std::to_string(b) + " must be below the ranks of data and indices");
  if (!ix.back().is_const()) c.unsupported("index tuples of a length known only at run time");
  const int64_t kk = ix.back().value();
  if (kk < 0 || b + kk > r)
    c.fail("index tuples of " + std::to_string(kk) + " entries do not fit data " + shape_str(c.shape(0)) + " after " +
           std::to_string(b) + " batch dims");
  const size_t bs = static_cast<size_t>(b), ks = static_cast<size_t>(kk);
  for (size_t i = 0; i < bs; ++i)
    if (ix[i] != d[i]) c.fail("the batch dims of indices " + shape_str(c.shape(1)) + " and data " + shape_str(c.shape(0)) + " differ");
  for (size_t t = bs; t < bs + ks; ++t)
    if (!d[t].is_const()) c.unsupported("indexing data dim " + std::to_string(t) + " of a size known only at run time");
  auto product = [](const std::vector<Dim>& v, size_t from, size_t to) {
    Dim p = 1;
    for (size_t i = from; i < to; ++i) p = p * v[i];
    return p;
  };
  NDDims n;
  n.batch = product(d, 0, bs);
  n.n = product(ix, bs, ix.size() - 1);
  n.slice = product(d, bs + ks, d.size());
  n.batch_stride = product(d, bs, d.size());
  n.out.assign(ix.begin(), ix.end() - 1);
  n.out.insert(n.out.end(), d.begin() + b + kk, d.end());
  return n;
}

void infer_GatherND(OpCtx& c) {
  const int64_t b = c.attrs<GatherNDAttrs>().batch_dims;
  const NDDims n = nd_dims(c, b);
  nd_plan(c, b);  // the checks on the bounds (static shapes: the shapes)
  c.set_out_dims(0, c.dtype(0), n.out);
}
void lower_GatherND(LowerCtx& c) {
  if (numel(c.out(0).shape) == 0) return;
  const int64_t b = c.attrs<GatherNDAttrs>().batch_dims;
  const k::NDPlan p = nd_plan(c, b);
  const NDDims n = nd_dims(c, b);
  auto ex = [](const Dim& d) { return d.is_const() ? lit(d.value()) : d.cpp(dim_var); };
  const std::string code = "k::NDPlan{" + ex(n.batch) + ", " + ex(n.n) + ", " + std::to_string(p.k) + ", " +
                           lit_array(p.dims, p.k) + ", " + ex(n.slice) + ", " + ex(n.batch_stride) + "}";
  c.call("gather_nd", {c.X(0), c.X(1), c.Y(0), object(p, c.in(0).dynamic() || c.in(1).dynamic() ? code : code_nd(p))});
}

void infer_ScatterND(OpCtx& c) {
  c.attrs<ScatterNDAttrs>();
  const k::NDPlan p = nd_plan(c, 0);
  const Shape& ix = c.shape(1);
  const Shape& d = c.shape(0);
  Shape want(ix.begin(), ix.end() - 1);
  want.insert(want.end(), d.begin() + p.k, d.end());
  if (c.shape(2) != want) c.fail("updates " + shape_str(c.shape(2)) + " must have shape " + shape_str(want));
  c.set_out(0, c.dtype(0), d);
}
void lower_ScatterND(LowerCtx& c) {
  if (numel(c.shape(0)) == 0) return;
  const k::NDPlan p = nd_plan(c, 0);
  c.call("scatter_nd", {c.X(0), c.X(1), c.X(2), c.Y(0), index(numel(c.shape(0))), object(p, code_nd(p)),
                        reduction_arg(c.attrs<ScatterNDAttrs>().reduction)});
}

// ---- TensorScatter --------------------------------------------------------------------------

struct TensorScatterAttrs {
  int64_t axis = -2;
  int mode = 0;  // linear, circular
  template <class V>
  void fields(V& v) {
    v("axis", axis);
    v("mode", mode, {"linear", "circular"});
  }
};

struct TensorScatterDims {
  int64_t B, P, L, S, inner;
};
TensorScatterDims tensor_scatter_dims(OpCtx& c) {
  const Shape& x = c.shape(0);
  const Shape& u = c.shape(1);
  if (x.size() < 2) c.fail("past_cache must have rank >= 2");
  const int64_t a = c.axis(c.attrs<TensorScatterAttrs>().axis, c.rank(0));
  if (a == 0) c.fail("axis must not be the batch axis 0");
  const size_t as = static_cast<size_t>(a);
  if (u.size() != x.size()) c.fail("update " + shape_str(u) + " must have the rank of past_cache " + shape_str(x));
  for (size_t k = 0; k < x.size(); ++k)
    if (k == as ? u[k] > x[k] : u[k] != x[k])
      c.fail("update " + shape_str(u) + " does not fit past_cache " + shape_str(x) + " (axis " + std::to_string(a) + ")");
  if (c.has_in(2) && c.shape(2) != Shape{x[0]}) c.fail("write_indices must have shape [" + std::to_string(x[0]) + "]");
  return {x[0], prod(x, 1, as), x[as], u[as], prod(x, as + 1, x.size())};
}

void infer_TensorScatter(OpCtx& c) {
  tensor_scatter_dims(c);
  c.set_out(0, c.dtype(0), c.shape(0));
}
void lower_TensorScatter(LowerCtx& c) {
  if (numel(c.shape(0)) == 0) return;
  const TensorScatterDims d = tensor_scatter_dims(c);
  const bool circular = c.attrs<TensorScatterAttrs>().mode == 1;
  c.call("tensor_scatter", {c.X(0), c.X(1), c.has_in(2) ? c.X(2) : null_of(DType::Int64), c.Y(0), index(d.B), index(d.P),
                            index(d.L), index(d.S), index(d.inner), boolean(circular)});
}

// ---- ReverseSequence ------------------------------------------------------------------------

struct ReverseSequenceAttrs {
  int64_t batch_axis = 1, time_axis = 0;
  O2C_FIELDS(batch_axis, time_axis)
};

void infer_ReverseSequence(OpCtx& c) {
  const auto a = c.attrs<ReverseSequenceAttrs>();
  const Shape& x = c.shape(0);
  if (x.size() < 2) c.fail("input must have rank >= 2");
  if (!((a.batch_axis == 0 && a.time_axis == 1) || (a.batch_axis == 1 && a.time_axis == 0)))
    c.fail("batch_axis and time_axis must be 0 and 1, one each");
  const int64_t batch = x[static_cast<size_t>(a.batch_axis)], steps = x[static_cast<size_t>(a.time_axis)];
  if (c.shape(1) != Shape{batch}) c.fail("sequence_lens must have shape [" + std::to_string(batch) + "]");
  if (const Tensor* t = c.const_in(1))
    for (int64_t i = 0; i < t->numel(); ++i)
      if (t->int_at(i) < 0 || t->int_at(i) > steps)
        c.fail("sequence length " + std::to_string(t->int_at(i)) + " is outside [0, " + std::to_string(steps) + "]");
  c.set_out(0, c.dtype(0), x);
}
void lower_ReverseSequence(LowerCtx& c) {
  if (numel(c.shape(0)) == 0) return;
  const auto a = c.attrs<ReverseSequenceAttrs>();
  const Shape& x = c.shape(0);
  const int64_t inner = prod(x, 2, x.size());
  const int64_t steps = x[static_cast<size_t>(a.time_axis)], batch = x[static_cast<size_t>(a.batch_axis)];
  const int64_t tstride = a.time_axis == 0 ? batch * inner : inner;
  const int64_t bstride = a.batch_axis == 0 ? steps * inner : inner;
  c.call("reverse_sequence", {c.X(0), c.X(1), c.Y(0), index(steps), index(batch), index(tstride), index(bstride), index(inner)});
}

}  // namespace

O2C_DEFINE_OP(GatherElements, infer_GatherElements, lower_GatherElements, false, false, nullptr, true);
O2C_DEFINE_OP(ScatterElements, infer_scatter_elements, lower_scatter_elements);
O2C_DEFINE_OP(Scatter, infer_scatter_elements, lower_scatter_elements);
O2C_DEFINE_OP(GatherND, infer_GatherND, lower_GatherND, false, false, nullptr, true);
O2C_DEFINE_OP(ScatterND, infer_ScatterND, lower_ScatterND);
O2C_DEFINE_OP(TensorScatter, infer_TensorScatter, lower_TensorScatter);
O2C_DEFINE_OP(ReverseSequence, infer_ReverseSequence, lower_ReverseSequence);

}  // namespace o2c
