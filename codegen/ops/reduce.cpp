// Reductions (ReduceSum, ReduceMean, ReduceMax, ... ) and ArgMax/ArgMin (templates/reduce.hpp).
// Axes come from the `axes` attribute before opset 13 (ReduceSum) / 18 (the others) and from
// the optional second input after, which must then be known at compile time (or empty).
// After dropping size-1 dims and merging neighbours, reduced axes that form one block run as
// an [outer, n, inner] reduction; anything else iterates a kept and a reduced strided view.
#include <algorithm>

#include "ops/helpers.hpp"
#include "ops/shape_data.hpp"

namespace o2c {
namespace {

enum class Red { Sum, Mean, Max, Min, Prod, L1, L2, LogSum, LogSumExp, SumSquare };

struct RedInfo {
  const char* op;
  Red kind;
  const char* kernel;  // k::Red* template
};
const RedInfo kReds[] = {
    {"ReduceSum", Red::Sum, "RedSum"},       {"ReduceMean", Red::Mean, "RedMean"},
    {"ReduceMax", Red::Max, "RedMax"},       {"ReduceMin", Red::Min, "RedMin"},
    {"ReduceProd", Red::Prod, "RedProd"},    {"ReduceL1", Red::L1, "RedL1"},
    {"ReduceL2", Red::L2, "RedL2"},          {"ReduceLogSum", Red::LogSum, "RedLogSum"},
    {"ReduceLogSumExp", Red::LogSumExp, "RedLogSumExp"},
    {"ReduceSumSquare", Red::SumSquare, "RedSumSquare"},
};

const RedInfo& red_info(const OpCtx& c) {
  for (const RedInfo& r : kReds)
    if (c.node().op == r.op) return r;
  c.fail("not a reduction");
}

// The plan: either one block (outer, n, inner) or a general kept/reduced pair of views.
struct RedPlan {
  Shape out;
  bool block = true;
  int64_t outer = 1, n = 1, inner = 1;
  k::Strided keep{}, red{};
};

// The version from which the axes are an input: 13 for ReduceSum, 18 for the others.
int axes_input_version(const OpCtx& c) { return c.node().op == "ReduceSum" ? 13 : 18; }

struct ReduceAttrs {
  std::vector<int64_t> axes;
  bool keepdims = true;
  bool noop_with_empty_axes = false;
};
// axes: an attribute before version AxesInput; from then on an input, and
// noop_with_empty_axes exists.
template <int AxesInput>
struct ReduceAttrsOf : ReduceAttrs {
  template <class V>
  void fields(V& v) {
    if (v.version < AxesInput) v("axes", axes);
    v("keepdims", keepdims);
    if (v.version >= AxesInput) v("noop_with_empty_axes", noop_with_empty_axes);
  }
};

ReduceAttrs reduce_attrs(OpCtx& c) {
  if (axes_input_version(c) == 13) return c.attrs<ReduceAttrsOf<13>>();
  return c.attrs<ReduceAttrsOf<18>>();
}

std::vector<int64_t> red_axes(OpCtx& c, const ReduceAttrs& at, bool* noop) {
  const int from = axes_input_version(c);
  const int64_t r = c.rank(0);
  std::vector<int64_t> axes;
  if (c.version() >= from) {
    if (c.has_in(1) && numel(c.shape(1)) != 0) axes = c.require_const(1, "axes").to_ints();
  } else {
    if (c.num_in() > 1 && c.has_in(1)) c.fail("takes 1 input before opset " + std::to_string(from));
    axes = at.axes;
  }
  *noop = axes.empty() && at.noop_with_empty_axes;
  for (int64_t& a : axes) a = c.axis(a, r);
  if (r == 0) axes.clear();  // a scalar's axis 0 or -1 (c.axis allows them): one element, reduced alone
  std::sort(axes.begin(), axes.end());
  if (std::adjacent_find(axes.begin(), axes.end()) != axes.end()) c.fail("axes contain duplicates");
  if (axes.empty() && !*noop)
    for (int64_t i = 0; i < r; ++i) axes.push_back(i);
  return axes;
}

RedPlan red_plan(OpCtx& c) {
  const ReduceAttrs at = reduce_attrs(c);
  bool noop = false;
  std::vector<int64_t> axes = red_axes(c, at, &noop);
  const Shape& x = c.shape(0);
  const bool keepdims = at.keepdims;
  RedPlan p;
  if (noop) {  // elementwise form: each element reduced alone
    p.out = x;
    p.outer = numel(x);
    return p;
  }
  std::vector<char> is_red(x.size(), 0);
  for (int64_t a : axes) is_red[static_cast<size_t>(a)] = 1;
  for (size_t i = 0; i < x.size(); ++i) {
    if (!is_red[i]) p.out.push_back(x[i]);
    else if (keepdims) p.out.push_back(1);
  }
  // Blocks of neighbouring dims with the same role, size-1 dims dropped.
  struct Blk {
    bool red;
    int64_t size;
  };
  std::vector<Blk> blks;
  for (size_t i = 0; i < x.size(); ++i) {
    if (x[i] == 1) continue;
    const bool rd = is_red[i] != 0;
    if (!blks.empty() && blks.back().red == rd) blks.back().size *= x[i];
    else blks.push_back({rd, x[i]});
  }
  int nred = 0;
  for (const Blk& b : blks) nred += b.red;
  if (nred <= 1) {
    bool seen = false;
    for (const Blk& b : blks) {
      if (b.red) {
        p.n = b.size;
        seen = true;
      } else {
        (seen ? p.inner : p.outer) *= b.size;
      }
    }
    return p;
  }
  // General: strides of each block in the input.
  p.block = false;
  std::vector<int64_t> st(blks.size());
  int64_t acc = 1;
  for (size_t i = blks.size(); i-- > 0;) {
    st[i] = acc;
    acc *= blks[i].size;
  }
  Shape kd, rd;
  std::vector<int64_t> ks, rs;
  for (size_t i = 0; i < blks.size(); ++i) {
    (blks[i].red ? rd : kd).push_back(blks[i].size);
    (blks[i].red ? rs : ks).push_back(st[i]);
  }
  if (kd.empty()) {
    kd.push_back(1);
    ks.push_back(0);
  }
  p.keep = make_strided(kd, ks);
  p.red = make_strided(rd, rs);
  return p;
}

// With run-time dims: the reduced axes must form one block (a LayerNorm's last axis), which
// runs as [outer, n, inner] at the actual sizes.
struct RedDims {
  std::vector<Dim> out;
  Dim outer = 1, n = 1, inner = 1;
};

RedDims red_dims(OpCtx& c) {
  const ReduceAttrs at = reduce_attrs(c);
  bool noop = false;
  const std::vector<int64_t> axes = red_axes(c, at, &noop);
  const std::vector<Dim> x = c.dims(0);
  RedDims p;
  if (noop) {
    p.out = x;
    for (const Dim& d : x) p.outer = p.outer * d;
    return p;
  }
  std::vector<char> is_red(x.size(), 0);
  for (int64_t a : axes) is_red[static_cast<size_t>(a)] = 1;
  int phase = 0;  // 0: before the reduced block, 1: in it, 2: after it
  for (size_t i = 0; i < x.size(); ++i) {
    if (!is_red[i]) p.out.push_back(x[i]);
    else if (at.keepdims) p.out.push_back(Dim(1));
    if (x[i] == Dim(1)) continue;
    if (is_red[i] && phase == 2) c.unsupported("reducing axes that are not neighbours, with run-time dims");
    if (is_red[i]) phase = 1;
    else if (phase == 1) phase = 2;
    Dim& part = is_red[i] ? p.n : phase == 0 ? p.outer : p.inner;
    part = part * x[i];
  }
  return p;
}

// Axes known only at run time (templates/shape_data.hpp): the output's rank follows from their
// count; with keepdims each dim is the input's or 1, without it one of the input's dims that
// can land there (i .. i+n), at most their largest.
bool red_axes_from_data(OpCtx& c) {
  return c.version() >= axes_input_version(c) && values_at_run_time(c, 1) && numel(c.shape(1)) != 0;
}

std::vector<int64_t> red_data_bounds(OpCtx& c) {
  if (c.in(0).dynamic()) c.unsupported("axes known only at run time on run-time dims");
  const Shape& x = c.shape(0);
  const int64_t r = c.rank(0), n = data_count(c, 1, "axes", k::kMaxRank);
  if (n > r) c.fail(std::to_string(n) + " axes for rank " + std::to_string(r) + ": some repeat");
  const bool keep = reduce_attrs(c).keepdims;
  std::vector<int64_t> b;
  for (int64_t i = 0; i < (keep ? r : r - n); ++i) {
    int64_t m = 1;
    for (int64_t j = i; j <= (keep ? i : i + n); ++j) m = std::max(m, x[static_cast<size_t>(j)]);
    b.push_back(m);
  }
  return b;
}

void infer_reduce(OpCtx& c) {
  if (red_axes_from_data(c)) return c.set_out_dims(0, c.dtype(0), data_dims(c, 0, red_data_bounds(c)));
  if (c.in(0).dynamic()) return c.set_out_dims(0, c.dtype(0), red_dims(c).out);
  RedPlan p = red_plan(c);
  c.set_out(0, c.dtype(0), p.out);
}

void lower_reduce(LowerCtx& c) {
  const RedInfo& r = red_info(c);
  const std::vector<Arg> targs = {type_arg(c.dtype(0)), symbol(std::string("k::") + r.kernel, static_cast<int64_t>(r.kind))};
  if (red_axes_from_data(c)) {
    int64_t most = 1;
    for (int64_t d : c.shape(0)) most = std::max(most, d);
    c.call("reduce_axes", targs, {c.X(0), c.Y(0), shape_table(c, c.shape(0)), index(c.rank(0)), c.X(1), index(c.shape(1)[0]),
                                  boolean(reduce_attrs(c).keepdims), index(most), dim_outs(c, c.out(0).dims)});
    c.calls.back().status = true;
    return;
  }
  if (c.in(0).dynamic()) {
    const RedDims p = red_dims(c);
    return c.call("reduce", targs, {c.X(0), c.Y(0), c.extent(p.outer), c.extent(p.n), c.extent(p.inner)});
  }
  const RedPlan p = red_plan(c);
  if (p.block) c.call("reduce", targs, {c.X(0), c.Y(0), index(p.outer), index(p.n), index(p.inner)});
  else c.call("reduce_strided", targs, {c.X(0), c.Y(0), obj(p.keep), obj(p.red)});
}

// ---- ArgMax / ArgMin ------------------------------------------------------------------------

struct ArgPlan {
  Shape out;
  int64_t outer = 1, n = 1, inner = 1;
};

struct ArgAttrs {
  int64_t axis = 0;
  bool keepdims = true;
  bool select_last_index = false;  // from version 12
  template <class V>
  void fields(V& v) {
    v("axis", axis);
    v("keepdims", keepdims);
    if (v.version >= 12) v("select_last_index", select_last_index);
  }
};

ArgPlan arg_plan(OpCtx& c) {
  const Shape& x = c.shape(0);
  const int64_t r = c.rank(0);
  if (r == 0) c.fail("input must have rank >= 1");
  const auto at = c.attrs<ArgAttrs>();
  const int64_t a = c.axis(at.axis, r);
  const bool keepdims = at.keepdims;
  ArgPlan p;
  for (int64_t i = 0; i < r; ++i) {
    if (i < a) p.outer *= x[i];
    else if (i == a) p.n = x[i];
    else p.inner *= x[i];
    if (i != a) p.out.push_back(x[i]);
    else if (keepdims) p.out.push_back(1);
  }
  if (p.n == 0) c.fail("cannot take the arg-extreme of an empty axis");
  return p;
}

bool arg_is_max(const OpCtx& c) { return c.node().op == "ArgMax"; }

void infer_arg(OpCtx& c) {
  ArgPlan p = arg_plan(c);
  c.set_out(0, DType::Int64, p.out);
}

void lower_arg(LowerCtx& c) {
  const ArgPlan p = arg_plan(c);
  c.call("arg_reduce", {c.X(0), c.Y(0), index(p.outer), index(p.n), index(p.inner), boolean(arg_is_max(c)),
                        boolean(c.attrs<ArgAttrs>().select_last_index)});
}

// d ReduceSum: dY broadcast back along the reduced axes; d ReduceMean: the same over their count.
void grad_reduce(GradCtx& c) {
  if (c.dY(0) < 0 || !c.wants(0)) return;
  bool noop = false;
  const std::vector<int64_t> axes = red_axes(c, reduce_attrs(c), &noop);
  const Shape x = c.shape(0);  // a copy: adding nodes moves the graph's values
  Shape kept = x;
  int64_t count = 1;
  if (!noop)
    for (int64_t a : axes) {
      count *= x[static_cast<size_t>(a)];
      kept[static_cast<size_t>(a)] = 1;
    }
  int d = c.add("Expand", {c.reshape(c.dY(0), kept), c.ints(x)});
  if (c.node().op == "ReduceMean" && count != 1) d = c.add("Mul", {d, c.scalar_like(d, 1.0 / static_cast<double>(count))});
  c.set_dX(0, d);
}

}  // namespace

O2C_DEFINE_OP(ReduceSum, infer_reduce, lower_reduce, false, false, grad_reduce, true);
O2C_DEFINE_OP(ReduceMean, infer_reduce, lower_reduce, false, false, grad_reduce, true);
O2C_DEFINE_OP(ReduceMax, infer_reduce, lower_reduce, false, false, nullptr, true);
O2C_DEFINE_OP(ReduceMin, infer_reduce, lower_reduce, false, false, nullptr, true);
O2C_DEFINE_OP(ReduceProd, infer_reduce, lower_reduce, false, false, nullptr, true);
O2C_DEFINE_OP(ReduceL1, infer_reduce, lower_reduce, false, false, nullptr, true);
O2C_DEFINE_OP(ReduceL2, infer_reduce, lower_reduce, false, false, nullptr, true);
O2C_DEFINE_OP(ReduceLogSum, infer_reduce, lower_reduce, false, false, nullptr, true);
O2C_DEFINE_OP(ReduceLogSumExp, infer_reduce, lower_reduce, false, false, nullptr, true);
O2C_DEFINE_OP(ReduceSumSquare, infer_reduce, lower_reduce, false, false, nullptr, true);
O2C_DEFINE_OP(ArgMax, infer_arg, lower_arg);
O2C_DEFINE_OP(ArgMin, infer_arg, lower_arg);

}  // namespace o2c
