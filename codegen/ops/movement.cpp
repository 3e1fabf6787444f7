// Data movement: Transpose, Slice, Expand, Tile (strided copies), Concat, Split (row copies),
// Gather, Range (always folded), Pad and CenterCropPad (index tables). Emission and folding call the same
// kernels from templates/common.hpp and templates/tensor.hpp with the same plans.
#include <algorithm>
#include <limits>
#include <set>

#include "ops/helpers.hpp"
#include "ops/shape_data.hpp"
#include "templates/shape_data.hpp"  // range_low_precision: the arithmetic the kernel shares

namespace o2c {
namespace {

std::string join_ints(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
  return s + "]";
}

int64_t prod(const Shape& s, size_t from, size_t to) {
  int64_t p = 1;
  for (size_t i = from; i < to; ++i) p *= s[i];
  return p;
}

// ---- strided copies: y[i] = x[offset + strided(i)] ----------------------------------------

void lower_strided(LowerCtx& c, const Shape& dims, const std::vector<int64_t>& st, int64_t offset) {
  if (numel(c.out(0).shape) == 0) return;
  Arg src = c.X(0);
  src.offset = offset;
  c.call("strided_copy", {src, c.Y(0), obj(make_strided(dims, st))});
}

// ---- Transpose ------------------------------------------------------------------------------

struct TransposeAttrs {
  std::vector<int64_t> perm;  // default: the dims reversed
  bool set = false;
  template <class V>
  void fields(V& v) {
    set = v.has("perm");
    v("perm", perm);
  }
};

std::vector<int64_t> transpose_perm(OpCtx& c) {
  const int64_t r = c.rank(0);
  const auto a = c.attrs<TransposeAttrs>();
  std::vector<int64_t> perm = a.perm;
  if (!a.set) {
    for (int64_t i = r - 1; i >= 0; --i) perm.push_back(i);
  }
  if (static_cast<int64_t>(perm.size()) != r)
    c.fail("perm " + join_ints(perm) + " does not match input rank " + std::to_string(r));
  std::vector<char> seen(static_cast<size_t>(r), 0);
  for (int64_t& p : perm) {
    if (p < 0) p += r;
    if (p < 0 || p >= r || seen[static_cast<size_t>(p)])
      c.fail("perm " + join_ints(a.perm) + " is not a permutation of 0.." +
             std::to_string(r - 1));
    seen[static_cast<size_t>(p)] = 1;
  }
  return perm;
}

void transpose_plan(OpCtx& c, Shape& dims, std::vector<int64_t>& st) {
  auto perm = transpose_perm(c);
  const Shape& in = c.shape(0);
  auto ist = strides_of(in);
  dims.clear();
  st.clear();
  for (int64_t p : perm) {
    dims.push_back(in[static_cast<size_t>(p)]);
    st.push_back(ist[static_cast<size_t>(p)]);
  }
}

// The output's dims and the input's strides read at them, run-time dims too.
void transpose_dims(OpCtx& c, std::vector<Dim>& dims, std::vector<Dim>& st) {
  const std::vector<Dim> in = c.dims(0), ist = strides_of(in);
  dims.clear();
  st.clear();
  for (int64_t p : transpose_perm(c)) {
    dims.push_back(in[static_cast<size_t>(p)]);
    st.push_back(ist[static_cast<size_t>(p)]);
  }
}

void infer_Transpose(OpCtx& c) {
  std::vector<Dim> dims, st;
  transpose_dims(c, dims, st);
  c.set_out_dims(0, c.dtype(0), dims);
}
void lower_Transpose(LowerCtx& c) {
  if (c.out(0).dynamic()) {
    std::vector<Dim> dims, st;
    transpose_dims(c, dims, st);
    return c.call("strided_copy", {c.X(0), c.Y(0), strided_arg(dims, st, c.out(0).shape)});
  }
  Shape dims;
  std::vector<int64_t> st;
  transpose_plan(c, dims, st);
  lower_strided(c, dims, st, 0);
}

// d Transpose: dY transposed by the inverse permutation.
void grad_Transpose(GradCtx& c) {
  if (c.dY(0) < 0 || !c.wants(0)) return;
  const std::vector<int64_t> perm = transpose_perm(c);
  std::vector<int64_t> inv(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inv[static_cast<size_t>(perm[i])] = static_cast<int64_t>(i);
  c.set_dX(0, c.add("Transpose", {c.dY(0)}, {{"perm", Attr::of(inv)}}));
}

// ---- Slice ------------------------------------------------------------------------------------

struct SlicePlan {
  Shape dims;
  std::vector<int64_t> st;
  int64_t offset = 0;
};

// Before version 10 starts, ends and axes are attributes; from 10 on (with steps) inputs.
struct SliceAttrs {
  std::vector<int64_t> starts, ends, axes;
  bool has_axes = false;
  template <class V>
  void fields(V& v) {
    if (v.version >= 10) return;
    v.required("starts", starts);
    v.required("ends", ends);
    has_axes = v.has("axes");
    v("axes", axes);
  }
};

std::vector<int64_t> slice_param(OpCtx& c, size_t input, const char* what) {
  const Tensor& t = c.require_const(input, what);
  if (t.dtype != DType::Int32 && t.dtype != DType::Int64)
    c.fail(std::string(what) + " must be int32 or int64, got " + dtype_name(t.dtype));
  if (t.shape.size() != 1) c.fail(std::string(what) + " must be a 1-D tensor");
  return t.to_ints();
}

SlicePlan slice_plan(OpCtx& c) {
  const Shape& in = c.shape(0);
  const int64_t r = static_cast<int64_t>(in.size());
  const auto a = c.attrs<SliceAttrs>();
  std::vector<int64_t> starts, ends, axes, steps;
  if (c.version() < 10) {
    starts = a.starts;
    ends = a.ends;
    axes = a.axes;
  } else {
    starts = slice_param(c, 1, "starts");
    ends = slice_param(c, 2, "ends");
    if (c.has_in(3)) axes = slice_param(c, 3, "axes");
    if (c.has_in(4)) steps = slice_param(c, 4, "steps");
  }
  if (starts.size() != ends.size())
    c.fail("starts " + join_ints(starts) + " and ends " + join_ints(ends) + " differ in length");
  const bool axes_given = c.version() >= 10 ? c.has_in(3) : a.has_axes;
  if (!axes_given)
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (axes.size() != starts.size() || steps.size() != starts.size())
    c.fail("starts, ends, axes and steps must have the same length");

  SlicePlan p;
  p.dims = in;
  auto ist = strides_of(in);
  p.st = ist;
  std::set<int64_t> seen;
  for (size_t i = 0; i < starts.size(); ++i) {
    const int64_t a = c.axis(axes[i], r);
    if (!seen.insert(a).second) c.fail("axis " + std::to_string(axes[i]) + " is repeated");
    const int64_t dim = in[static_cast<size_t>(a)];
    int64_t step = steps[i];
    if (step == 0) c.fail("steps must not be 0");
    // |step| beyond the dim selects at most one element: clamp it to avoid overflow.
    step = std::max<int64_t>(std::min<int64_t>(step, dim + 1), -(dim + 1));
    int64_t start = starts[i], end = ends[i];
    if (start < 0) start += dim;
    if (end < 0) end += dim;
    int64_t count;
    if (step > 0) {
      start = std::min(std::max<int64_t>(start, 0), dim);
      end = std::min(std::max<int64_t>(end, 0), dim);
      count = end > start ? (end - start + step - 1) / step : 0;
    } else {
      start = std::min(std::max<int64_t>(start, 0), dim - 1);
      end = std::min(std::max<int64_t>(end, -1), dim - 1);
      count = start > end ? (start - end - step - 1) / -step : 0;
    }
    if (dim == 0) count = 0;
    p.dims[static_cast<size_t>(a)] = count;
    p.st[static_cast<size_t>(a)] = ist[static_cast<size_t>(a)] * step;
    if (count > 0) p.offset += start * ist[static_cast<size_t>(a)];
  }
  if (numel(p.dims) == 0) p.offset = 0;
  return p;
}

// Slice with run-time dims: the input's, or starts and ends computed from them (a positional
// embedding sliced to the sequence's length). Steps of 1, and bounds that stay within the dim
// for every size, or constants clamped to it (a run-time min); the offset a constant.
struct SliceDims {
  std::vector<Dim> dims, st;
  int64_t offset = 0;
};

bool slice_is_dynamic(OpCtx& c) {
  if (c.in(0).dynamic()) return true;
  for (size_t i = 1; i < c.num_in(); ++i)
    if (c.has_in(i) && !c.in(i).sym.empty()) return true;
  return false;
}

std::vector<Dim> slice_dims_param(OpCtx& c, size_t input, const char* what) {
  std::vector<Dim> v;
  if (!c.dims_in(input, &v) || c.rank(input) != 1)
    c.unsupported(std::string(what) + " (input " + std::to_string(input) + ") must be known at compile time");
  return v;
}

SliceDims slice_dims(OpCtx& c) {
  const std::vector<Dim> in = c.dims(0), ist = strides_of(in);
  const int64_t r = static_cast<int64_t>(in.size());
  const auto a = c.attrs<SliceAttrs>();
  std::vector<Dim> starts, ends;
  std::vector<int64_t> axes, steps;
  if (c.version() < 10) {
    starts.assign(a.starts.begin(), a.starts.end());
    ends.assign(a.ends.begin(), a.ends.end());
    axes = a.axes;
  } else {
    starts = slice_dims_param(c, 1, "starts");
    ends = slice_dims_param(c, 2, "ends");
    if (c.has_in(3)) axes = slice_param(c, 3, "axes");
    if (c.has_in(4)) steps = slice_param(c, 4, "steps");
  }
  if (axes.empty() && !(c.version() >= 10 ? c.has_in(3) : a.has_axes))
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    c.fail("starts, ends, axes and steps must have the same length");
  DimTable& t = c.dim_table();
  SliceDims p{in, ist, 0};
  std::set<int64_t> seen;
  for (size_t i = 0; i < starts.size(); ++i) {
    const int64_t ax = c.axis(axes[i], r);
    if (!seen.insert(ax).second) c.fail("axis " + std::to_string(axes[i]) + " is repeated");
    const Dim& dim = in[static_cast<size_t>(ax)];
    auto normalized = [&](Dim v) {  // a negative constant counts from the end; a huge one is the end
      if (v.is_const() && v.value() < 0) return v + dim;
      if (v.is_const() && dim.is_const() && v.value() > dim.value()) return dim;
      if (v.is_const() && v.value() >= (int64_t{1} << 62)) return dim;
      return v;
    };
    // A constant start or end past 0 on a run-time dim is clamped to it (x[:20] of a count):
    // min(v, dim), within the dim by construction, and two such keep their order.
    auto clamps = [&](const Dim& v) { return !dim.is_const() && v.is_const() && v.value() > 0 && v.value() < (int64_t{1} << 62); };
    const bool cb = clamps(starts[i]), ce = clamps(ends[i]);
    const Dim b = cb ? t.min(starts[i], dim) : normalized(starts[i]), e = ce ? t.min(ends[i], dim) : normalized(ends[i]);
    const bool ordered = cb && ce ? starts[i].value() <= ends[i].value() : t.range(e - b).lo >= 0;
    if (steps[i] != 1 || t.range(b).lo < 0 || !ordered || (!ce && t.range(dim - e).lo < 0))
      c.unsupported("slice [" + starts[i].str(t) + ":" + ends[i].str(t) + ":" + std::to_string(steps[i]) + "] of axis " +
                    std::to_string(ax) + " (size " + dim.str(t) +
                    ") with run-time dims: only steps of 1 with bounds inside the dim for every size are supported");
    const Dim off = b * ist[static_cast<size_t>(ax)];
    if (!off.is_const())
      c.unsupported("slice of axis " + std::to_string(ax) + " starting at a run-time offset (" + off.str(t) + ")");
    p.offset += off.value();
    p.dims[static_cast<size_t>(ax)] = e - b;
  }
  return p;
}

// Starts, ends, axes or steps known only at run time (templates/shape_data.hpp): each dim of
// the output is at most the input's (bound), the kernel clamps as slice_plan does.
bool slice_from_data(OpCtx& c) {
  if (c.version() < 10) return false;
  for (size_t i = 1; i < 5; ++i)
    if (values_at_run_time(c, i)) return true;
  return false;
}

void check_slice_data(OpCtx& c) {
  const int64_t n = data_count(c, 1, "starts", c.rank(0));
  for (size_t i = 2; i < 5; ++i) {
    if (!c.has_in(i)) continue;
    if (c.dtype(i) != c.dtype(1)) c.fail("starts, ends, axes and steps must have one type");
    if (c.shape(i) != Shape{n}) c.fail("starts, ends, axes and steps must have the same length");
  }
}

void infer_Slice(OpCtx& c) {
  if (c.version() < 10) c.arity(1, 1);
  else c.arity(3, 5);
  if (slice_from_data(c)) {
    check_slice_data(c);
    return c.set_out_dims(0, c.dtype(0), data_dims(c, 0, c.shape(0)));
  }
  if (slice_is_dynamic(c)) return c.set_out_dims(0, c.dtype(0), slice_dims(c).dims);
  c.set_out(0, c.dtype(0), slice_plan(c).dims);
}
void lower_Slice(LowerCtx& c) {
  if (slice_from_data(c)) {
    const DType it = c.dtype(1);
    c.call("slice_data", {c.X(0), c.Y(0), input_dims(c, 0), index(c.rank(0)), c.X(1), c.X(2),
                          c.has_in(3) ? c.X(3) : null_of(it), c.has_in(4) ? c.X(4) : null_of(it), index(c.shape(1)[0]),
                          dim_outs(c, c.out(0).dims)});
    c.calls.back().status = true;
    return;
  }
  if (slice_is_dynamic(c)) {
    const SliceDims p = slice_dims(c);
    Arg src = c.X(0);
    src.offset = p.offset;
    return c.call("strided_copy", {src, c.Y(0), strided_arg(p.dims, p.st, c.out(0).shape)});
  }
  const SlicePlan p = slice_plan(c);
  lower_strided(c, p.dims, p.st, p.offset);
}

// Zeros of v's type shaped s, made at run time (no constant of that size in the weights).
int zeros_like(GradCtx& c, int v, const Shape& s) { return c.add("Expand", {c.scalar_like(v, 0.0), c.ints(s)}); }

// d Slice: dY put back where the slice read, zeros elsewhere, from ops: the axes read
// backwards reversed (a Slice of step -1), the axes read with a step k > 1 spread out (k - 1
// zeros padded after each element: a Pad on a dim inserted after the axis), then a Pad to the
// input's shape (negative at the end where the last step overshoots the last element read).
void grad_Slice(GradCtx& c) {
  if (c.dY(0) < 0 || !c.wants(0)) return;
  const SlicePlan p = slice_plan(c);
  const Shape in = c.shape(0);
  const size_t r = in.size();
  if (numel(p.dims) == 0) return c.set_dX(0, zeros_like(c, c.dY(0), in));
  const std::vector<int64_t> ist = strides_of(in);
  std::vector<int64_t> rev, lowest(r), step(r);
  for (size_t a = 0; a < r; ++a) {
    const int64_t start = ist[a] ? (p.offset / ist[a]) % in[a] : 0, count = p.dims[a];
    step[a] = count > 1 ? p.st[a] / ist[a] : 1;
    lowest[a] = step[a] < 0 ? start + (count - 1) * step[a] : start;
    if (step[a] < 0) rev.push_back(static_cast<int64_t>(a));
    step[a] = std::abs(step[a]);
  }
  int g = c.dY(0);
  if (!rev.empty()) {
    const std::vector<int64_t> m1(rev.size(), -1), lo(rev.size(), std::numeric_limits<int64_t>::min());
    g = c.add("Slice", {g, c.ints(m1), c.ints(lo), c.ints(rev), c.ints(m1)});
  }
  Shape spread, merged;  // dY with a dim after each stepped axis, then those merged
  std::vector<int64_t> pads_end;
  bool stepped = false;
  for (size_t a = 0; a < r; ++a) {
    spread.push_back(p.dims[a]);
    pads_end.push_back(0);
    merged.push_back(p.dims[a] * step[a]);
    if (step[a] > 1) {
      spread.push_back(1);
      pads_end.push_back(step[a] - 1);
      stepped = true;
    }
  }
  if (stepped) {
    std::vector<int64_t> pads(pads_end.size(), 0);
    pads.insert(pads.end(), pads_end.begin(), pads_end.end());
    g = c.reshape(c.add("Pad", {c.reshape(g, spread), c.ints(pads)}), merged);
  }
  std::vector<int64_t> pads(lowest);
  for (size_t a = 0; a < r; ++a) pads.push_back(in[a] - lowest[a] - merged[a]);
  const bool whole = std::all_of(pads.begin(), pads.end(), [](int64_t v) { return v == 0; });
  c.set_dX(0, whole ? g : c.add("Pad", {g, c.ints(pads)}));
}

// ---- Expand ---------------------------------------------------------------------------------

Shape expand_shape(OpCtx& c) {
  const Tensor& s = c.require_const(1, "the target shape");
  if (s.dtype != DType::Int64) c.fail("shape must be int64, got " + dtype_name(s.dtype));
  if (s.shape.size() != 1) c.fail("shape must be a 1-D tensor");
  Shape target = s.to_ints();
  for (int64_t d : target)
    if (d < 0) c.fail("shape " + join_ints(target) + " has a negative entry");
  return broadcast(c, c.shape(0), target);
}

// With run-time dims: the input's, or a target shape computed from them (fold_dims.cpp).
bool expand_is_dynamic(OpCtx& c) { return c.in(0).dynamic() || !c.in(1).sym.empty(); }

// A target shape known only at run time: each dim at most --max or the input's largest dim.
bool expand_from_data(OpCtx& c) { return values_at_run_time(c, 1); }
int64_t expand_data_bound(OpCtx& c) {
  if (c.in(0).dynamic()) c.unsupported("Expand of run-time dims to a shape known only at run time");
  return std::max(user_bound(c, 0, 1), largest_dim(c.shape(0)));
}

void infer_Expand(OpCtx& c) {
  c.attrs<NoAttrs>();
  if (expand_from_data(c)) {
    const int64_t n = data_count(c, 1, "the target shape", k::kMaxRank);
    const size_t rank = static_cast<size_t>(std::max(n, c.rank(0)));
    return c.set_out_dims(0, c.dtype(0), data_dims(c, 0, std::vector<int64_t>(rank, expand_data_bound(c))));
  }
  if (expand_is_dynamic(c)) {
    std::vector<Dim> target;
    if (!c.dims_in(1, &target) || c.rank(1) != 1) c.unsupported("the target shape (input 1) must be known at compile time");
    for (const Dim& d : target)
      if (c.dim_table().range(d).lo < 0) c.fail("the target shape has a negative entry (" + d.str(c.dim_table()) + ")");
    return c.set_out_dims(0, c.dtype(0), broadcast_dims(c, c.dims(0), target));
  }
  c.set_out(0, c.dtype(0), expand_shape(c));
}
void lower_Expand(LowerCtx& c) {
  if (expand_from_data(c)) {
    c.call("expand_data", {c.X(0), c.Y(0), shape_table(c, c.shape(0)), index(c.rank(0)), c.X(1), index(c.shape(1)[0]),
                           index(expand_data_bound(c)), dim_outs(c, c.out(0).dims)});
    c.calls.back().status = true;
    return;
  }
  if (c.out(0).dynamic() || c.in(0).dynamic()) {
    const std::vector<Dim> out = c.out(0).dynamic() ? c.out(0).dims : std::vector<Dim>(c.out(0).shape.begin(), c.out(0).shape.end());
    return c.call("strided_copy", {c.X(0), c.Y(0), strided_arg(out, bcast_strides_dims(c.dims(0), out), c.out(0).shape)});
  }
  const Shape out = c.out(0).shape;
  lower_strided(c, out, bcast_strides(c.shape(0), out), 0);
}
// d Expand: dY summed back over the dims the input was broadcast along.
void grad_Expand(GradCtx& c) {
  if (c.dY(0) >= 0 && c.wants(0)) c.set_dX(0, c.sum_to(c.dY(0), Shape(c.shape(0))));
}

// ---- Tile: output viewed as [rep0, in0, rep1, in1, ...] with strides [0, s0, 0, s1, ...] ----

std::vector<int64_t> tile_repeats(OpCtx& c) {
  const Tensor& t = c.require_const(1, "repeats");
  if (t.dtype != DType::Int64) c.fail("repeats must be int64, got " + dtype_name(t.dtype));
  auto reps = t.to_ints();
  if (static_cast<int64_t>(reps.size()) != c.rank(0))
    c.fail("repeats " + join_ints(reps) + " must have one entry per input dim (rank " +
           std::to_string(c.rank(0)) + ")");
  for (int64_t v : reps)
    if (v < 0) c.fail("repeats " + join_ints(reps) + " has a negative entry");
  return reps;
}

void tile_plan(OpCtx& c, Shape& dims, std::vector<int64_t>& st) {
  auto reps = tile_repeats(c);
  const Shape& in = c.shape(0);
  auto ist = strides_of(in);
  dims.clear();
  st.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    dims.push_back(reps[i]);
    st.push_back(0);
    dims.push_back(in[i]);
    st.push_back(ist[i]);
  }
}

// Repeats known only at run time: each dim at most --max or the input's largest dim.
bool tile_from_data(OpCtx& c) { return c.version() >= 6 && values_at_run_time(c, 1); }
int64_t tile_data_bound(OpCtx& c) {
  if (c.in(0).dynamic()) c.unsupported("Tile of run-time dims with repeats known only at run time");
  if (data_count(c, 1, "repeats", k::kMaxRank) != c.rank(0)) c.fail("repeats must have one entry per input dim");
  return std::max(user_bound(c, 0, 1), largest_dim(c.shape(0)));
}

void infer_Tile(OpCtx& c) {
  c.attrs<NoAttrs>();
  if (c.has_in(2)) c.unsupported("Tile-1 with 'tiles'/'axis' inputs is not supported");
  if (tile_from_data(c))
    return c.set_out_dims(0, c.dtype(0), data_dims(c, 0, std::vector<int64_t>(c.shape(0).size(), tile_data_bound(c))));
  auto reps = tile_repeats(c);
  Shape out = c.shape(0);
  for (size_t i = 0; i < out.size(); ++i) out[i] *= reps[i];
  c.set_out(0, c.dtype(0), out);
}
void lower_Tile(LowerCtx& c) {
  if (tile_from_data(c)) {
    c.call("tile_data", {c.X(0), c.Y(0), shape_table(c, c.shape(0)), index(c.rank(0)), c.X(1), index(tile_data_bound(c)),
                         dim_outs(c, c.out(0).dims)});
    c.calls.back().status = true;
    return;
  }
  Shape dims;
  std::vector<int64_t> st;
  tile_plan(c, dims, st);
  lower_strided(c, dims, st, 0);
}

// d Tile: dY viewed as [rep0, in0, rep1, in1, ...] (dims repeated once left whole), summed
// over the repeats.
void grad_Tile(GradCtx& c) {
  if (c.dY(0) < 0 || !c.wants(0)) return;
  const std::vector<int64_t> reps = tile_repeats(c);
  const Shape in = c.shape(0);
  Shape view;
  std::vector<int64_t> axes;
  for (size_t i = 0; i < in.size(); ++i) {
    if (reps[i] != 1) {
      axes.push_back(static_cast<int64_t>(view.size()));
      view.push_back(reps[i]);
    }
    view.push_back(in[i]);
  }
  if (axes.empty()) return c.set_dX(0, c.dY(0));
  const int s = c.add("ReduceSum", {c.reshape(c.dY(0), view), c.ints(axes)}, {{"keepdims", Attr::of(int64_t{0})}});
  c.set_dX(0, c.reshape(s, in));
}

// ---- Concat / Split: k::copy_rows over [outer, axis * inner] rows ---------------------------

struct ConcatAttrs {
  int64_t axis = 1;  // required from version 4
  template <class V>
  void fields(V& v) {
    if (v.version >= 4) v.required("axis", axis);
    else v("axis", axis);
  }
};

int64_t concat_axis(OpCtx& c) { return c.axis(c.attrs<ConcatAttrs>().axis, c.rank(0)); }

bool any_input_dynamic(OpCtx& c) {
  for (size_t i = 0; i < c.num_in(); ++i)
    if (c.has_in(i) && c.in(i).dynamic()) return true;
  return false;
}

// Concat with run-time dims: before the axis (rows of tokens, features concatenated), and
// along it (counts found in the data, a detector's per-class boxes), each input then landing
// at a run-time offset of the row (k::copy_rows_at). The dims after the axis, like the dims
// before it, are every input's alike.
void infer_concat_dims(OpCtx& c, int64_t a) {
  std::vector<Dim> out = c.dims(0);
  const size_t ax = static_cast<size_t>(a);
  out[ax] = 0;
  for (size_t i = 0; i < c.num_in(); ++i) {
    const std::vector<Dim> s = c.dims(i);
    if (s.size() != out.size()) c.fail("input " + std::to_string(i) + " has another rank than input 0");
    for (size_t d = 0; d < s.size(); ++d)
      if (d != ax && s[d] != c.dims(0)[d])
        c.unsupported("input " + std::to_string(i) + " dim " + std::to_string(d) + " (" + s[d].str(c.dim_table()) +
                      ") is not input 0's for every size");
    out[ax] = out[ax] + s[ax];
  }
  c.set_out_dims(0, c.dtype(0), out);
}

void infer_Concat(OpCtx& c) {
  if (c.num_in() < 1) c.fail("needs at least one input");
  for (size_t i = 0; i < c.num_in(); ++i)
    if (!c.has_in(i)) c.fail("input " + std::to_string(i) + " is missing");
  if (c.rank(0) == 0) c.fail("cannot concatenate scalars");
  const int64_t a = concat_axis(c);
  if (any_input_dynamic(c)) return infer_concat_dims(c, a);
  Shape out = c.shape(0);
  out[static_cast<size_t>(a)] = 0;
  for (size_t i = 0; i < c.num_in(); ++i) {
    const Shape& s = c.shape(i);
    bool ok = s.size() == out.size();
    for (size_t d = 0; ok && d < s.size(); ++d)
      if (d != static_cast<size_t>(a) && s[d] != out[d]) ok = false;
    if (!ok)
      c.fail("input " + std::to_string(i) + " " + shape_str(s) + " does not match input 0 " +
             shape_str(c.shape(0)) + " outside axis " + std::to_string(a));
    out[static_cast<size_t>(a)] += s[static_cast<size_t>(a)];
  }
  c.set_out(0, c.dtype(0), out);
}

// Calls f(input, rows, len, dst_offset, dst_pitch) for every non-empty input.
template <class F>
void concat_parts(OpCtx& c, F f) {
  const size_t a = static_cast<size_t>(concat_axis(c));
  const Shape& out = c.out(0).shape;
  const int64_t outer = prod(out, 0, a), inner = prod(out, a + 1, out.size());
  const int64_t dp = out[a] * inner;
  int64_t at = 0;
  for (size_t i = 0; i < c.num_in(); ++i) {
    const int64_t len = c.shape(i)[a] * inner;
    if (len > 0 && outer > 0) f(i, outer, len, at, dp);
    at += len;
  }
}

// d Concat: each input's part of dY along the axis (a Slice).
void grad_Concat(GradCtx& c) {
  if (c.dY(0) < 0) return;
  const int64_t a = concat_axis(c);
  int64_t at = 0;
  for (size_t i = 0; i < c.num_in(); ++i) {
    const int64_t len = c.shape(i)[static_cast<size_t>(a)];
    if (c.wants(i)) c.set_dX(i, c.add("Slice", {c.dY(0), c.ints({at}), c.ints({at + len}), c.ints({a})}));
    at += len;
  }
}

void lower_Concat(LowerCtx& c) {
  const std::vector<Dim> out = c.out(0).dims;
  const size_t a = static_cast<size_t>(concat_axis(c));
  bool along = false;  // a run-time dim at or after the axis: offsets known only at run time
  for (size_t d = a; d < out.size(); ++d) along = along || !out[d].is_const();
  if (along) {
    Dim rows = 1, inner = 1, at = 0;
    for (size_t d = 0; d < a; ++d) rows = rows * out[d];
    for (size_t d = a + 1; d < out.size(); ++d) inner = inner * out[d];
    const Dim dp = out[a] * inner;
    for (size_t i = 0; i < c.num_in(); ++i) {
      const Dim len = c.dim(i, a) * inner;
      if (c.dim_table().bound(len) > 0)
        c.call("copy_rows_at", {c.X(i), c.Y(0), c.extent(at), c.extent(rows), c.extent(len), c.extent(len), c.extent(dp)});
      at = at + len;
    }
    return;
  }
  Dim rows = 1;  // with run-time dims: the rows before the axis
  for (size_t d = 0; d < a && !out.empty(); ++d) rows = rows * out[d];
  concat_parts(c, [&](size_t i, int64_t n, int64_t len, int64_t at, int64_t dp) {
    Arg dst = c.Y(0);
    dst.offset = at;
    c.call("copy_rows", {c.X(i), dst, out.empty() ? index(n) : c.extent(rows), index(len), index(len), index(dp)});
  });
}

// split: an attribute before version 13 (and also an input in version 1), an input from 13;
// num_outputs from 18.
struct SplitAttrs {
  int64_t axis = 0;
  std::vector<int64_t> split;
  bool has_split = false;
  int64_t num_outputs = 0;
  bool has_num_outputs = false;
  template <class V>
  void fields(V& v) {
    v("axis", axis);
    if (v.version < 13) {
      has_split = v.has("split");
      v("split", split);
    }
    if (v.version >= 18) {
      has_num_outputs = v.has("num_outputs");
      v("num_outputs", num_outputs);
    }
  }
};

std::vector<int64_t> split_sizes(OpCtx& c, int64_t& axis) {
  const Shape& in = c.shape(0);
  if (in.empty()) c.fail("cannot split a scalar");
  const auto a = c.attrs<SplitAttrs>();
  axis = c.axis(a.axis, c.rank(0));
  const int64_t dim = in[static_cast<size_t>(axis)];
  const int64_t n = static_cast<int64_t>(c.num_out());
  std::vector<int64_t> split;
  bool given = false;
  if (c.version() < 13) {
    if (a.has_split) {
      split = a.split;
      given = true;
    } else if (c.version() < 2 && c.has_in(1)) {
      split = c.require_const(1, "split").to_ints();
      given = true;
    }
  } else if (c.has_in(1)) {
    split = c.require_const(1, "split").to_ints();
    given = !split.empty();  // an empty 'split' tensor means "not given"
  }
  if (given) {
    if (a.has_num_outputs) c.fail("'split' and 'num_outputs' are mutually exclusive");
    if (static_cast<int64_t>(split.size()) != n)
      c.fail("split " + join_ints(split) + " does not have one entry per output (" +
             std::to_string(n) + ")");
    int64_t sum = 0;
    for (int64_t s : split) {
      if (s < 0) c.fail("split " + join_ints(split) + " has a negative entry");
      sum += s;
    }
    if (sum != dim)
      c.fail("split " + join_ints(split) + " does not sum to the axis dim " + std::to_string(dim));
    return split;
  }
  if (c.version() >= 18) {
    if (!a.has_num_outputs) c.fail("attribute 'num_outputs' is required");
    const int64_t parts = a.num_outputs;
    if (parts != n)
      c.fail("num_outputs " + std::to_string(parts) + " differs from the output count " +
             std::to_string(n));
    const int64_t chunk = parts > 0 ? (dim + parts - 1) / parts : 0;
    int64_t left = dim;
    for (int64_t i = 0; i < n; ++i) {
      split.push_back(std::min(chunk, left));
      left -= split.back();
    }
    if (left != 0) c.fail("cannot split dim " + std::to_string(dim) + " into " + std::to_string(n) + " parts");
    return split;
  }
  if (n == 0 || dim % n != 0)
    c.fail("dim " + std::to_string(dim) + " cannot be split evenly into " + std::to_string(n) +
           " outputs");
  split.assign(static_cast<size_t>(n), dim / n);
  return split;
}

// Sizes known only at run time (templates/shape_data.hpp): each output's axis dim is at most
// the input's; the kernel checks that they sum to it.
bool split_from_data(OpCtx& c) { return c.version() >= 13 && values_at_run_time(c, 1) && numel(c.shape(1)) != 0; }

int64_t split_data_axis(OpCtx& c) {
  if (c.in(0).dynamic()) c.unsupported("Split of run-time dims with sizes known only at run time");
  if (c.rank(0) == 0) c.fail("cannot split a scalar");
  const auto a = c.attrs<SplitAttrs>();
  if (a.has_num_outputs) c.fail("'split' and 'num_outputs' are mutually exclusive");
  const int64_t n = data_count(c, 1, "split", static_cast<int64_t>(c.num_out()));
  if (n != static_cast<int64_t>(c.num_out())) c.fail("split has " + std::to_string(n) + " entries for " + std::to_string(c.num_out()) + " outputs");
  return c.axis(a.axis, c.rank(0));
}

void infer_Split(OpCtx& c) {
  if (split_from_data(c)) {
    const size_t a = static_cast<size_t>(split_data_axis(c));
    for (size_t i = 0; i < c.num_out(); ++i) {
      if (!c.has_out(i)) continue;
      std::vector<Dim> d = c.dims(0);
      d[a] = data_dim_at(c, i, a, c.shape(0)[a]);
      c.set_out_dims(i, c.dtype(0), d);
    }
    return;
  }
  int64_t axis;
  auto split = split_sizes(c, axis);
  if (c.in(0).dynamic()) {  // run-time dims before the axis only: rows of a run-time count
    const std::vector<Dim> in = c.dims(0);
    for (size_t d = static_cast<size_t>(axis); d < in.size(); ++d)
      if (!in[d].is_const())
        c.unsupported("splitting with a run-time dim (" + in[d].str(c.dim_table()) + ") at or after the axis");
    for (size_t i = 0; i < c.num_out(); ++i) {
      std::vector<Dim> d = in;
      d[static_cast<size_t>(axis)] = split[i];
      c.set_out_dims(i, c.dtype(0), d);
    }
    return;
  }
  for (size_t i = 0; i < c.num_out(); ++i) {
    Shape s = c.shape(0);
    s[static_cast<size_t>(axis)] = split[i];
    c.set_out(i, c.dtype(0), s);
  }
}

// Calls f(output, rows, len, src_offset, src_pitch) for every present non-empty output.
template <class F>
void split_parts(OpCtx& c, F f) {
  int64_t axis;
  auto split = split_sizes(c, axis);
  const size_t a = static_cast<size_t>(axis);
  const Shape& in = c.shape(0);
  const int64_t outer = prod(in, 0, a), inner = prod(in, a + 1, in.size());
  const int64_t sp = in[a] * inner;
  int64_t at = 0;
  for (size_t i = 0; i < split.size(); ++i) {
    const int64_t len = split[i] * inner;
    if (c.has_out(i) && len > 0 && outer > 0) f(i, outer, len, at, sp);
    at += len;
  }
}

// d Split: the outputs' gradients concatenated along the axis (zeros for those without).
void grad_Split(GradCtx& c) {
  if (!c.wants(0)) return;
  int64_t axis;
  const std::vector<int64_t> sizes = split_sizes(c, axis);
  std::vector<int> parts;
  bool any = false;
  for (size_t i = 0; i < sizes.size(); ++i) {
    any = any || c.dY(i) >= 0;
    Shape s = c.shape(0);
    s[static_cast<size_t>(axis)] = sizes[i];
    parts.push_back(c.dY(i) >= 0 ? c.dY(i) : zeros_like(c, c.node().inputs[0], s));
  }
  if (any) c.set_dX(0, c.add("Concat", parts, {{"axis", Attr::of(axis)}}));
}

void lower_Split(LowerCtx& c) {
  if (split_from_data(c)) {
    const size_t a = static_cast<size_t>(split_data_axis(c));
    const Shape& in = c.shape(0);
    for (size_t i = 0; i < c.num_out(); ++i) {
      if (!c.has_out(i)) continue;
      c.call("split_part", {c.X(0), c.Y(i), index(prod(in, 0, a)), index(in[a]), index(prod(in, a + 1, in.size())), c.X(1),
                            index(c.shape(1)[0]), index(static_cast<int64_t>(i)), c.dim_out(c.out(i).dims[a])});
      c.calls.back().status = true;
    }
    return;
  }
  Dim outer = 1;  // with run-time dims: the rows before the axis
  if (c.in(0).dynamic()) {
    const std::vector<Dim> in = c.dims(0);
    int64_t axis;
    split_sizes(c, axis);
    for (int64_t d = 0; d < axis; ++d) outer = outer * in[static_cast<size_t>(d)];
  }
  split_parts(c, [&](size_t i, int64_t rows, int64_t len, int64_t at, int64_t sp) {
    Arg src = c.X(0);
    src.offset = at;
    c.call("copy_rows", {src, c.Y(i), c.in(0).dynamic() ? c.extent(outer) : index(rows), index(len), index(sp), index(len)});
  });
}

// ---- Gather -------------------------------------------------------------------------------

struct GatherDims {
  Dim outer, axis_dim, inner, nidx;
};

struct GatherAttrs {
  int64_t axis = 0;
  O2C_FIELDS(axis)
};

Dim product(const std::vector<Dim>& d, size_t from, size_t to) {
  Dim p = 1;
  for (size_t i = from; i < to; ++i) p = p * d[i];
  return p;
}

GatherDims gather_dims(OpCtx& c) {
  const std::vector<Dim> in = c.dims(0), ix = c.dims(1);
  const size_t a = static_cast<size_t>(c.axis(c.attrs<GatherAttrs>().axis, c.rank(0)));
  return {product(in, 0, a), in[a], product(in, a + 1, in.size()), product(ix, 0, ix.size())};
}

// Data and indices may have run-time dims (an embedding of [batch, seq] tokens).
void infer_Gather(OpCtx& c) {
  const std::vector<Dim> in = c.dims(0);
  if (in.empty()) c.fail("cannot gather from a scalar");
  const size_t a = static_cast<size_t>(c.axis(c.attrs<GatherAttrs>().axis, c.rank(0)));
  const DimRange len = c.dim_table().range(in[a]);  // a constant's: [n, n]
  if (len.hi == 0 && numel(c.shape(1)) > 0) c.fail("gathering from an empty axis");
  if (const Tensor* idx = c.const_in(1)) {
    for (int64_t i = 0; i < idx->numel(); ++i) {
      const int64_t v = idx->int_at(i);
      if (v < -len.lo || v >= len.lo)
        c.fail("index " + std::to_string(v) + " is out of range for axis " + std::to_string(a) + " of size " +
               in[a].str(c.dim_table()) + (in[a].is_const() ? "" : " (at least " + std::to_string(len.lo) + ")"));
    }
  }
  std::vector<Dim> out(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(a));
  for (const Dim& d : c.dims(1)) out.push_back(d);
  for (size_t d = a + 1; d < in.size(); ++d) out.push_back(in[d]);
  c.set_out_dims(0, c.dtype(0), out);
}
void lower_Gather(LowerCtx& c) {
  if (numel(c.out(0).shape) == 0) return;
  const GatherDims g = gather_dims(c);
  c.call("gather", {c.X(0), c.X(1), c.Y(0), c.extent(g.outer), c.extent(g.axis_dim), c.extent(g.inner), c.extent(g.nidx)});
}

// d Gather: dY added into zeros of the data's shape at the gathered positions (repeated
// indices accumulate, negative ones count from the end). Axis 0 (embeddings): ScatterND of
// whole rows; another axis: ScatterElements with the indices broadcast along the other dims.
void grad_Gather(GradCtx& c) {
  const int dy = c.dY(0);
  if (dy < 0 || !c.wants(0)) return;
  const Shape in = c.shape(0);
  const int64_t a = c.axis(c.attrs<GatherAttrs>().axis, c.rank(0)), n = numel(c.shape(1));
  int idx = c.node().inputs[1];
  if (c.dtype(1) != DType::Int64) idx = c.add("Cast", {idx}, {{"to", Attr::of(static_cast<int64_t>(DType::Int64))}});
  const int zeros = zeros_like(c, dy, in);
  Shape us = in;  // dY with the indices' dims flattened into one
  us[static_cast<size_t>(a)] = n;
  const Attr add = Attr::of(std::string("add"));
  if (a == 0) {
    c.set_dX(0, c.add("ScatterND", {zeros, c.reshape(idx, {n, 1}), c.reshape(dy, us)}, {{"reduction", add}}, 16));
    return;
  }
  Shape is(in.size(), 1);
  is[static_cast<size_t>(a)] = n;
  const int ix = c.add("Expand", {c.reshape(idx, is), c.ints(us)});
  c.set_dX(0, c.add("ScatterElements", {zeros, ix, c.reshape(dy, us)}, {{"axis", Attr::of(a)}, {"reduction", add}}, 16));
}

// ---- Range: the output size must be static, so start/limit/delta must be constants and the
// whole output is computed at compile time. ----------------------------------------------------

// The most elements the compiler computes (64 MiB of int64: the fuzzer's Range of 61.9 million
// elements went on to be folded into several constants of its size, 9 GB in all).
constexpr double kMaxRange = 8388608.0;  // 2^23
void check_range_count(OpCtx& c, double cnt) {
  if (!(cnt <= kMaxRange)) c.unsupported("a Range of more than 2^23 elements computed at compile time");
}

// stash_type (version 27): the precision float16 and bfloat16 ranges are computed in.
struct RangeAttrs {
  int64_t stash_type = 1;
  template <class V>
  void fields(V& v) {
    if (v.version >= 27) v("stash_type", stash_type);
  }
};

// float16 and bfloat16 (version 27) as the reference computes them: k::range_low_precision,
// the code that runs when the values arrive at run time (range_low_data).
bool low_precision(DType t) { return t == DType::Float16 || t == DType::BFloat16; }

template <class H>
Tensor low_precision_range(OpCtx& c, DType dt, bool stash_double, double s, double l, double d) {
  auto run = [&](H* y, int64_t bound) {
    return stash_double ? k::range_low_precision<double>(s, l, d, y, bound) : k::range_low_precision<float>(s, l, d, y, bound);
  };
  const int64_t cnt = run(nullptr, 0);
  if (cnt < 0) c.fail(d == 0 ? "delta must not be 0" : "the element count is not a number");
  check_range_count(c, static_cast<double>(cnt));
  Tensor y(dt, {cnt});
  run(reinterpret_cast<H*>(y.data<uint16_t>()), cnt);
  return y;
}

// An integer Range whose start or limit are run-time dims (position ids, torch.arange(seq)): n
// elements, n a run-time dim; delta a constant.
bool range_is_dynamic(OpCtx& c) { return !c.in(0).sym.empty() || !c.in(1).sym.empty(); }

Dim range_count(OpCtx& c) {
  std::vector<Dim> s, l, d;
  if (!dtype_is_int(c.dtype(0)) || !c.dims_in(0, &s) || !c.dims_in(1, &l) || !c.dims_in(2, &d) || !d[0].is_const() ||
      d[0].value() == 0)
    c.unsupported("a Range of run-time size needs integer start and limit and a constant delta other than 0");
  DimTable& t = c.dim_table();
  const int64_t delta = d[0].value();
  const Dim span = delta > 0 ? l[0] - s[0] : s[0] - l[0];
  if (t.range(span).lo < 0)
    c.unsupported("a Range of run-time size that may be empty or reversed (" + span.str(t) + " may be negative)");
  return t.ceil_div(span, delta > 0 ? delta : -delta);
}

// Start, limit or delta known only at run time (not as dims): the count at most --max.
bool range_from_data(OpCtx& c) {
  return values_at_run_time(c, 0) || values_at_run_time(c, 1) || values_at_run_time(c, 2);
}
int64_t range_data_bound(OpCtx& c) {
  if (!kNumTypes.has(c.dtype(0)) && !low_precision(c.dtype(0)))
    c.unsupported("Range of " + dtype_name(c.dtype(0)) + " known only at run time");
  for (size_t i = 0; i < 3; ++i)
    if (values_at_run_time(c, i)) return user_bound(c, 0, i);
  return 0;
}

void infer_Range(OpCtx& c) {
  const auto a = c.attrs<RangeAttrs>();
  for (size_t i = 0; i < 3; ++i)
    if (numel(c.shape(i)) != 1) c.fail("start, limit and delta must be scalars");
  if (low_precision(c.dtype(0)) && a.stash_type != 1 && a.stash_type != 11) c.fail("stash_type must be 1 (float) or 11 (double)");
  if (range_from_data(c)) return c.set_out_dims(0, c.dtype(0), {data_dim_at(c, 0, 0, range_data_bound(c))});
  if (range_is_dynamic(c)) {
    const Dim n = range_count(c);
    c.dim_table().min(n, Dim(1));  // made here, before the code: lower_Range's counts
    c.dim_table().max(n - Dim(1), Dim(0));
    return c.set_out_dims(0, c.dtype(0), {n});
  }
  const Tensor& ts = c.require_const(0, "start (the output size must be static)");
  const Tensor& tl = c.require_const(1, "limit (the output size must be static)");
  const Tensor& td = c.require_const(2, "delta (the output size must be static)");
  if (low_precision(ts.dtype)) {
    const double s = ts.float_at(0), l = tl.float_at(0), d = td.float_at(0);
    const bool stash_double = a.stash_type == 11;
    c.set_const(0, ts.dtype == DType::BFloat16 ? low_precision_range<k::bfloat16>(c, ts.dtype, stash_double, s, l, d)
                                               : low_precision_range<k::float16>(c, ts.dtype, stash_double, s, l, d));
    return;
  }
  dispatch_native(ts.dtype, kNumTypes, [&](auto tag) {
    using T = typename decltype(tag)::type;
    int64_t n = 0;
    if constexpr (std::is_floating_point<T>::value) {
      const double s = ts.float_at(0), l = tl.float_at(0), d = td.float_at(0);
      if (d == 0) c.fail("delta must not be 0");
      const double cnt = std::ceil((l - s) / d);
      check_range_count(c, cnt);
      n = cnt > 0 ? static_cast<int64_t>(cnt) : 0;
      Tensor y(ts.dtype, {n});
      for (int64_t i = 0; i < n; ++i) y.data<T>()[i] = static_cast<T>(s + static_cast<double>(i) * d);
      c.set_const(0, std::move(y));
    } else {
      const int64_t s = ts.int_at(0), l = tl.int_at(0), d = td.int_at(0);
      if (d == 0) c.fail("delta must not be 0");
      const double approx = (static_cast<double>(l) - static_cast<double>(s)) / static_cast<double>(d);
      check_range_count(c, approx);
      // ceil(|l - s| / |d|) in unsigned arithmetic: exact for any int64 values.
      auto ceil_div = [](uint64_t a, uint64_t b) { return static_cast<int64_t>(a / b + (a % b != 0)); };
      if (d > 0 && l > s)
        n = ceil_div(static_cast<uint64_t>(l) - static_cast<uint64_t>(s), static_cast<uint64_t>(d));
      if (d < 0 && l < s)
        n = ceil_div(static_cast<uint64_t>(s) - static_cast<uint64_t>(l), 0 - static_cast<uint64_t>(d));
      Tensor y(ts.dtype, {n});
      for (int64_t i = 0; i < n; ++i) y.data<T>()[i] = static_cast<T>(s + i * d);
      c.set_const(0, std::move(y));
    }
  });
}

// Run-time size only (a static Range is a constant): y[0] = start, the others delta, then
// their running sum in place: start + i * delta, exactly, in the integer type.
void lower_Range(LowerCtx& c) {
  if (range_from_data(c) && low_precision(c.dtype(0))) {
    c.call("range_low_data", {c.X(0), c.X(1), c.X(2), c.Y(0), boolean(c.attrs<RangeAttrs>().stash_type == 11),
                              index(range_data_bound(c)),
                              c.dim_out(c.out(0).dims.at(0))});
    c.calls.back().status = true;
    return;
  }
  if (range_from_data(c)) {
    c.call("range_data", {c.X(0), c.X(1), c.X(2), c.Y(0), index(range_data_bound(c)), c.dim_out(c.out(0).dims.at(0))});
    c.calls.back().status = true;
    return;
  }
  const Dim n = c.out(0).dims.at(0);
  c.call("fill", {c.Y(0), c.extent(c.dim_table().min(n, Dim(1))), c.elem(0)});
  Arg rest = c.Y(0);
  rest.offset = 1;
  c.call("fill", {rest, c.extent(c.dim_table().max(n - Dim(1), Dim(0))), c.elem(2)});
  c.call("cumsum", {c.Y(0), c.Y(0), index(1), c.extent(n), index(1), boolean(false), boolean(false)});
}

// ---- Pad: per-dim index tables for k::table_copy ------------------------------------------------
// Negative pads crop. As in onnxruntime, cropping applies first and reflect/edge/wrap then
// pad the cropped extent. A runtime constant_value input is read in generated code as X[0].

// pads (paddings in version 1) and value are attributes before version 11, inputs after.
struct PadAttrs {
  std::string mode = "constant";
  std::vector<int64_t> pads;
  float value = 0.0f;
  template <class V>
  void fields(V& v) {
    v("mode", mode);
    if (v.version < 11) {
      v.required(v.version < 2 ? "paddings" : "pads", pads);
      v("value", value);
    }
  }
};

struct PadPlan {
  std::string mode;
  std::vector<int64_t> begin, end;  // per dim
};

PadPlan pad_plan(OpCtx& c) {
  const Shape& in = c.shape(0);
  const int64_t r = static_cast<int64_t>(in.size());
  const auto a = c.attrs<PadAttrs>();
  PadPlan p;
  p.mode = a.mode;
  if (p.mode != "constant" && p.mode != "reflect" && p.mode != "edge" && p.mode != "wrap")
    c.unsupported("mode " + quote_name(p.mode));
  if (p.mode == "wrap" && c.version() < 19) c.fail("mode 'wrap' needs opset 19");
  std::vector<int64_t> pads, axes;
  if (c.version() < 11) {
    pads = a.pads;
  } else {
    const Tensor& t = c.require_const(1, "pads");
    if (t.dtype != DType::Int64) c.fail("pads must be int64, got " + dtype_name(t.dtype));
    pads = t.to_ints();
    if (c.has_in(3)) {
      const Tensor& ta = c.require_const(3, "axes");
      if (ta.dtype != DType::Int32 && ta.dtype != DType::Int64)
        c.fail("axes must be int32 or int64, got " + dtype_name(ta.dtype));
      axes = ta.to_ints();
    }
  }
  if (!c.has_in(3) || c.version() < 11)
    for (int64_t i = 0; i < r; ++i) axes.push_back(i);
  if (pads.size() != 2 * axes.size())
    c.fail("pads " + join_ints(pads) + " must have " + std::to_string(2 * axes.size()) +
           " entries");
  p.begin.assign(static_cast<size_t>(r), 0);
  p.end.assign(static_cast<size_t>(r), 0);
  std::set<int64_t> seen;
  for (size_t i = 0; i < axes.size(); ++i) {
    const int64_t a = c.axis(axes[i], r);
    if (!seen.insert(a).second) c.fail("axis " + std::to_string(axes[i]) + " is repeated");
    p.begin[static_cast<size_t>(a)] = pads[i];
    p.end[static_cast<size_t>(a)] = pads[i + axes.size()];
  }
  for (size_t d = 0; d < in.size(); ++d) {
    const int64_t kept = in[d] - std::max<int64_t>(-p.begin[d], 0) - std::max<int64_t>(-p.end[d], 0);
    if (kept < 0) c.fail("pads " + join_ints(pads) + " crop more than dim " + std::to_string(d) + " holds");
    const int64_t out = kept + std::max<int64_t>(p.begin[d], 0) + std::max<int64_t>(p.end[d], 0);
    if (p.mode != "constant" && kept == 0 && out > 0)
      c.fail("mode " + quote_name(p.mode) + " cannot pad an empty dim (dim " + std::to_string(d) + ")");
  }
  return p;
}

Shape pad_out_shape(const Shape& in, const PadPlan& p) {
  Shape out = in;
  for (size_t d = 0; d < in.size(); ++d) out[d] = in[d] + p.begin[d] + p.end[d];
  return out;
}

Tensor pad_tables(OpCtx& c, k::TableMap& map) {
  PadPlan p = pad_plan(c);
  check_table_bytes(c, pad_out_shape(c.shape(0), p), 8);
  Shape in = c.shape(0);
  std::vector<std::vector<int64_t>> tabs;
  auto st = strides_of(in);
  for (size_t d = 0; d < in.size(); ++d) {
    const int64_t lo = std::max<int64_t>(-p.begin[d], 0);
    const int64_t len = in[d] - lo - std::max<int64_t>(-p.end[d], 0);
    const int64_t pb = std::max<int64_t>(p.begin[d], 0);
    const int64_t out = len + pb + std::max<int64_t>(p.end[d], 0);
    std::vector<int64_t> t(static_cast<size_t>(out));
    for (int64_t o = 0; o < out; ++o) {
      int64_t i = o - pb;  // index into the cropped extent [0, len)
      if (i < 0 || i >= len) {
        if (p.mode == "constant") {
          t[static_cast<size_t>(o)] = -1;
          continue;
        } else if (p.mode == "edge") {
          i = std::min(std::max<int64_t>(i, 0), len - 1);
        } else if (p.mode == "wrap") {
          i = ((i % len) + len) % len;
        } else {  // reflect (numpy): mirror without repeating the edge
          if (len == 1) {
            i = 0;
          } else {
            const int64_t period = 2 * (len - 1);
            i = ((i % period) + period) % period;
            if (i >= len) i = period - i;
          }
        }
      }
      t[static_cast<size_t>(o)] = (lo + i) * st[d];
    }
    tabs.push_back(std::move(t));
  }
  if (in.empty()) tabs.push_back({0}), in.push_back(1);  // a scalar: one element
  return table_plan(in, std::move(tabs), map);
}

// Pads (or axes) known only at run time: each dim at most --max or the input's largest dim.
bool pad_from_data(OpCtx& c) { return c.version() >= 11 && (values_at_run_time(c, 1) || values_at_run_time(c, 3)); }
int pad_mode(OpCtx& c) {
  const std::string m = c.attrs<PadAttrs>().mode;
  if (m == "wrap" && c.version() < 19) c.fail("mode 'wrap' needs opset 19");
  if (m == "constant") return 0;
  if (m == "reflect") return 1;
  if (m == "edge") return 2;
  if (m == "wrap") return 3;
  c.unsupported("mode " + quote_name(m));
}
int64_t pad_data_bound(OpCtx& c) {
  if (c.in(0).dynamic()) c.unsupported("Pad of run-time dims with pads known only at run time");
  if (c.dtype(1) != DType::Int64) c.fail("pads must be int64, got " + dtype_name(c.dtype(1)));
  const int64_t n = c.has_in(3) ? data_count(c, 3, "axes", c.rank(0)) : c.rank(0);
  if (c.rank(1) != 1 || c.shape(1)[0] != 2 * n) c.fail("pads must have " + std::to_string(2 * n) + " entries");
  pad_mode(c);
  return std::max(user_bound(c, 0, values_at_run_time(c, 1) ? 1 : 3), largest_dim(c.shape(0)));
}

void infer_Pad(OpCtx& c) {
  if (c.version() < 11) c.arity(1, 1);
  else c.arity(2, c.version() >= 18 ? 4 : 3);
  if (c.version() >= 11 && c.has_in(2) && numel(c.shape(2)) > 1) c.fail("constant_value must be a scalar");
  if (pad_from_data(c))
    return c.set_out_dims(0, c.dtype(0), data_dims(c, 0, std::vector<int64_t>(c.shape(0).size(), pad_data_bound(c))));
  PadPlan p = pad_plan(c);
  c.set_out(0, c.dtype(0), pad_out_shape(c.shape(0), p));
}

// d Pad (constant mode): dY padded by the negated pads (the padding cropped, zeros where the
// pads cropped); the constant's gradient is the sum of dY over the padding.
void grad_Pad(GradCtx& c) {
  const int dy = c.dY(0);
  if (dy < 0) return;
  const PadPlan p = pad_plan(c);
  if (p.mode != "constant") c.unsupported("the gradient of Pad in mode " + quote_name(p.mode));
  std::vector<int64_t> pads;
  for (int64_t b : p.begin) pads.push_back(-b);
  for (int64_t e : p.end) pads.push_back(-e);
  const int dx = c.add("Pad", {dy, c.ints(pads)});
  c.set_dX(0, dx);
  if (c.version() >= 11 && c.has_in(2) && c.wants(2)) {
    const Attrs all = {{"keepdims", Attr::of(int64_t{0})}};
    const int pad_sum = c.add("Sub", {c.add("ReduceSum", {dy}, all), c.add("ReduceSum", {dx}, all)});
    c.set_dX(2, c.reshape(pad_sum, Shape(c.shape(2))));
  }
}

void lower_Pad(LowerCtx& c) {
  if (pad_from_data(c)) {
    const DType t = c.dtype(0);
    const bool value = c.has_in(2) && numel(c.shape(2)) > 0;
    c.call("pad_data", {c.X(0), c.Y(0), shape_table(c, c.shape(0)), index(c.rank(0)), c.X(1),
                        c.has_in(3) ? c.X(3) : null_of(DType::Int64), index(c.shape(1)[0] / 2), index(pad_mode(c)),
                        value ? c.X(2) : null_of(t), index(pad_data_bound(c)), dim_outs(c, c.out(0).dims)});
    c.calls.back().status = true;
    return;
  }
  if (numel(c.out(0).shape) == 0) return;
  k::TableMap map;
  Tensor tab = pad_tables(c, map);
  const DType t = c.dtype(0);
  Arg fill = scalar(t, 0);
  if (c.version() < 11) fill = scalar(t, c.attrs<PadAttrs>().value);
  else if (c.has_in(2) && numel(c.shape(2)) > 0) fill = c.const_in(2) ? scalar_of(*c.const_in(2)) : c.elem(2);
  c.call("table_copy", {c.X(0), c.Y(0), c.table(std::move(tab)), obj(map), fill});
}

// ---- PadAdd (internal, passes/pad_add.cpp): A + G zero-padded to A's shape, no zeros made --------

struct PadAddAttrs {
  std::vector<int64_t> starts;  // where G's first element is in A, per axis
  O2C_FIELDS(starts)
};
void infer_PadAdd(OpCtx& c) {
  const auto a = c.attrs<PadAddAttrs>();
  const Shape& in = c.shape(0);
  const Shape& part = c.shape(1);
  if (part.size() != in.size() || a.starts.size() != in.size()) c.fail("G and starts must have A's rank");
  for (size_t d = 0; d < in.size(); ++d)
    if (a.starts[d] < 0 || part[d] > in[d] || a.starts[d] > in[d] - part[d])
      c.fail("G at starts does not fit inside A along axis " + std::to_string(d));
  c.set_out(0, c.dtype(0), in);
}
void lower_PadAdd(LowerCtx& c) {
  const auto a = c.attrs<PadAddAttrs>();
  const std::vector<int64_t> st = strides_of(c.shape(0));
  int64_t at = 0;
  for (size_t d = 0; d < st.size(); ++d) at += a.starts[d] * st[d];
  c.call("pad_add", {c.X(0), c.X(1), c.Y(0), index(numel(c.shape(0))), index(at), obj(make_strided(c.shape(1), st))});
}

// ---- CenterCropPad: each axis cropped or zero-padded to its size, centered ----------------------

struct CenterCropPadAttrs {
  std::vector<int64_t> axes;  // default: every axis
  O2C_FIELDS(axes)
};

// The output's size along each dim (the shape input, a constant, on the axes).
Shape center_crop_pad_shape(OpCtx& c) {
  const Shape& in = c.shape(0);
  const int64_t r = c.rank(0);
  std::vector<int64_t> axes = c.attrs<CenterCropPadAttrs>().axes;
  if (axes.empty())
    for (int64_t i = 0; i < r; ++i) axes.push_back(i);
  const std::vector<int64_t> sizes = c.require_const(1, "shape (the output's shape)").to_ints();
  if (sizes.size() != axes.size())
    c.fail("shape has " + std::to_string(sizes.size()) + " entries for " + std::to_string(axes.size()) + " axes");
  Shape out = in;
  std::set<int64_t> seen;
  for (size_t i = 0; i < axes.size(); ++i) {
    const int64_t a = c.axis(axes[i], r);
    if (!seen.insert(a).second) c.fail("axis " + std::to_string(axes[i]) + " is repeated");
    if (sizes[i] < 0) c.fail("shape " + join_ints(sizes) + " has a negative size");
    out[static_cast<size_t>(a)] = sizes[i];
  }
  return out;
}

// Sizes known only at run time: each dim at most --max or the input's largest dim; the axes
// (an attribute) normalized here.
bool center_crop_pad_from_data(OpCtx& c) { return values_at_run_time(c, 1); }
std::vector<int64_t> center_crop_pad_axes(OpCtx& c) {
  if (c.in(0).dynamic()) c.unsupported("CenterCropPad of run-time dims with a shape known only at run time");
  const int64_t r = c.rank(0);
  std::vector<int64_t> axes = c.attrs<CenterCropPadAttrs>().axes;
  if (axes.empty())
    for (int64_t i = 0; i < r; ++i) axes.push_back(i);
  std::set<int64_t> seen;
  for (int64_t& a : axes) {
    a = c.axis(a, r);
    if (!seen.insert(a).second) c.fail("axis " + std::to_string(a) + " is repeated");
  }
  if (data_count(c, 1, "shape", r) != static_cast<int64_t>(axes.size()))
    c.fail("shape has " + std::to_string(c.shape(1)[0]) + " entries for " + std::to_string(axes.size()) + " axes");
  return axes;
}
int64_t center_crop_pad_bound(OpCtx& c) { return std::max(user_bound(c, 0, 1), largest_dim(c.shape(0))); }

void infer_CenterCropPad(OpCtx& c) {
  if (c.rank(0) == 0) c.fail("input_data must have rank >= 1");
  if (center_crop_pad_from_data(c)) {
    center_crop_pad_axes(c);
    return c.set_out_dims(0, c.dtype(0), data_dims(c, 0, std::vector<int64_t>(c.shape(0).size(), center_crop_pad_bound(c))));
  }
  c.set_out(0, c.dtype(0), center_crop_pad_shape(c));
}

// A crop starts (d - size) / 2 in, a pad puts the input (size - d) / 2 in (the extra element
// of an odd difference at the end).
void lower_CenterCropPad(LowerCtx& c) {
  if (center_crop_pad_from_data(c)) {
    const std::vector<int64_t> axes = center_crop_pad_axes(c);
    c.call("center_crop_pad_data", {c.X(0), c.Y(0), shape_table(c, c.shape(0)), index(c.rank(0)), c.X(1),
                                    shape_table(c, Shape(axes.begin(), axes.end())), index(static_cast<int64_t>(axes.size())),
                                    index(center_crop_pad_bound(c)), dim_outs(c, c.out(0).dims)});
    c.calls.back().status = true;
    return;
  }
  const Shape out = center_crop_pad_shape(c);
  if (numel(out) == 0) return;
  check_table_bytes(c, out, 8);
  const Shape& in = c.shape(0);
  const auto st = strides_of(in);
  std::vector<std::vector<int64_t>> tabs;
  for (size_t d = 0; d < in.size(); ++d) {
    std::vector<int64_t> t(static_cast<size_t>(out[d]));
    const int64_t crop = in[d] > out[d] ? (in[d] - out[d]) / 2 : 0;
    const int64_t pad = out[d] > in[d] ? (out[d] - in[d]) / 2 : 0;
    for (int64_t o = 0; o < out[d]; ++o) {
      const int64_t i = o - pad + crop;
      t[static_cast<size_t>(o)] = i >= 0 && i < in[d] ? i * st[d] : -1;
    }
    tabs.push_back(std::move(t));
  }
  k::TableMap map;
  Tensor tab = table_plan(in, std::move(tabs), map);
  c.call("table_copy", {c.X(0), c.Y(0), c.table(std::move(tab)), obj(map), scalar(c.dtype(0), 0)});
}

}  // namespace

O2C_DEFINE_OP(CenterCropPad, infer_CenterCropPad, lower_CenterCropPad);
O2C_DEFINE_OP(Transpose, infer_Transpose, lower_Transpose, false, false, grad_Transpose, true);
O2C_DEFINE_OP(Slice, infer_Slice, lower_Slice, false, false, grad_Slice, true);
O2C_DEFINE_OP(Expand, infer_Expand, lower_Expand, false, false, grad_Expand, true);
O2C_DEFINE_OP(Tile, infer_Tile, lower_Tile, false, false, grad_Tile);
O2C_DEFINE_OP(Concat, infer_Concat, lower_Concat, false, false, grad_Concat, true);
O2C_DEFINE_OP(Split, infer_Split, lower_Split, false, false, grad_Split, true);
O2C_DEFINE_OP(Gather, infer_Gather, lower_Gather, false, false, grad_Gather, true);
O2C_DEFINE_OP(Range, infer_Range, lower_Range, false, false, nullptr, true);  // static: folded by infer
O2C_DEFINE_OP(Pad, infer_Pad, lower_Pad, false, false, grad_Pad);
O2C_DEFINE_OP(PadAdd, infer_PadAdd, lower_PadAdd);

}  // namespace o2c
