// Ops whose output count the data decides (templates/datadep.hpp): NonZero, Compress, Unique
// and NonMaxSuppression. The count is a run-time dim (DimTable::data) whose bound inference
// derives from the inputs' shapes; buffers are planned for the bound, the kernel writes the
// count into the dim's local (LowerCtx::dim_out) and the outputs are dense at the actual
// count. Readers see the count as a symbol: only ops that take run-time dims accept it.
#include <algorithm>
#include <cstring>

#include "ops/helpers.hpp"
#include "templates/datadep.hpp"  // the kernels fold constants here (not in ops/kernels.hpp: nothing else needs them)

namespace o2c {
namespace {

// The kernels' status return: ONNX2CPP_ERR_DATA_SHAPE above the bound (cannot happen while
// the bound holds, checked anyway), ONNX2CPP_ERR_DATA_VALUE for data the op cannot take.
void call_counted(LowerCtx& c, const std::string& kernel, std::vector<Arg> args) {
  c.call(kernel, std::move(args));
  c.calls.back().status = true;
}

Arg int64_table(LowerCtx& c, const Shape& v) { return c.table(vector_tensor(DType::Int64, v)); }

// ---- NonZero (9, 13) ------------------------------------------------------------------------
// A constant input folds here: its count is known, so the output is a constant.
bool fold_NonZero(OpCtx& c) {
  const Tensor* x = c.const_in(0);
  if (!x) return false;
  bool done = false;
  dispatch_native(x->dtype, kAllTypes, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const Shape& s = x->shape;
    const int64_t n = x->numel(), r = static_cast<int64_t>(s.size());
    std::vector<int64_t> all(static_cast<size_t>(std::max<int64_t>(1, n * r)));
    int64_t count = 0;
    k::nonzero<T>(x->data<T>(), s.data(), r, all.data(), n, &count);
    Tensor y(DType::Int64, {r, count});
    if (count * r > 0) std::memcpy(y.bytes.data(), all.data(), static_cast<size_t>(count * r) * sizeof(int64_t));
    c.set_const(0, std::move(y));
    done = true;
  });
  return done;
}
void infer_NonZero(OpCtx& c) {
  const Shape& x = c.shape(0);
  if (x.empty()) c.unsupported("NonZero of a scalar (numpy and the ONNX shape inference disagree on its shape)");
  if (fold_NonZero(c)) return;
  c.set_out_dims(0, DType::Int64, {Dim(static_cast<int64_t>(x.size())), c.data_dim(numel(x))});
}
void lower_NonZero(LowerCtx& c) {
  const Shape& x = c.shape(0);
  const Dim n = c.out(0).dims.at(1);
  call_counted(c, "nonzero", {c.X(0), int64_table(c, x), index(static_cast<int64_t>(x.size())), c.Y(0),
                              index(c.dim_table().bound(n)), c.dim_out(n)});
}

// ---- Compress (9, 11) -----------------------------------------------------------------------
// No axis: the input flattened.
struct CompressPlan {
  Dims3 d;                 // the input around the axis
  int64_t clen = 0;        // the condition's length
  std::vector<Dim> out;    // the output's dims but the count's (set by infer)
  size_t at = 0;           // where the count goes in them
};
CompressPlan compress_plan(OpCtx& c) {
  const auto a = c.attrs<OptionalAxisAttrs>();
  const Shape& x = c.shape(0);
  if (c.rank(1) != 1) c.fail("condition must be 1-D, it is " + shape_str(c.shape(1)));
  CompressPlan p;
  p.clen = c.shape(1)[0];
  if (!a.set) {
    p.d.n = numel(x);
    p.out = {Dim(0)};
    return p;
  }
  const int64_t ax = c.axis(a.axis, c.rank(0));
  p.d = dims3(x, ax);
  p.out.assign(x.begin(), x.end());
  p.at = static_cast<size_t>(ax);
  return p;
}
void infer_Compress(OpCtx& c) {
  CompressPlan p = compress_plan(c);
  p.out[p.at] = c.data_dim(std::min(p.clen, p.d.n));
  c.set_out_dims(0, c.dtype(0), p.out);
}
void lower_Compress(LowerCtx& c) {
  const CompressPlan p = compress_plan(c);
  const Dim n = c.out(0).dims.at(p.at);
  call_counted(c, "compress", {c.X(0), c.X(1), index(p.clen), index(p.d.outer), index(p.d.n), index(p.d.inner), c.Y(0),
                               index(c.dim_table().bound(n)), c.dim_out(n)});
}

// ---- Unique (11) ----------------------------------------------------------------------------
struct UniqueAttrs : OptionalAxisAttrs {
  bool sorted = true;
  template <class V>
  void fields(V& v) {
    OptionalAxisAttrs::fields(v);
    v("sorted", sorted);
  }
};
// The input around the axis (no axis: flattened, n = numel) and where the count goes in
// output 0's dims.
struct UniquePlan {
  Dims3 d;
  std::vector<Dim> y;
  size_t at = 0;
};
UniquePlan unique_plan(OpCtx& c) {
  const auto a = c.attrs<UniqueAttrs>();
  const Shape& x = c.shape(0);
  UniquePlan p;
  if (!a.set) {
    p.d.n = numel(x);
    p.y = {Dim(0)};
    return p;
  }
  const int64_t ax = c.axis(a.axis, c.rank(0));
  p.d = dims3(x, ax);
  p.y.assign(x.begin(), x.end());
  p.at = static_cast<size_t>(ax);
  return p;
}
void infer_Unique(OpCtx& c) {
  UniquePlan p = unique_plan(c);
  const Dim u = c.data_dim(p.d.n);
  p.y[p.at] = u;
  c.set_out_dims(0, c.dtype(0), p.y);
  c.set_out_dims(1, DType::Int64, {u});
  c.set_out(2, DType::Int64, {p.d.n});
  c.set_out_dims(3, DType::Int64, {u});
  c.set_scratch(std::max<int64_t>(8, 3 * p.d.n * 8));
}
void lower_Unique(LowerCtx& c) {
  const UniquePlan p = unique_plan(c);
  const Dim u = c.out(0).dims.at(p.at);
  call_counted(c, "unique", {c.X(0), index(p.d.outer), index(p.d.n), index(p.d.inner), boolean(c.attrs<UniqueAttrs>().sorted),
                             c.Y(0), c.Y(1), c.Y(2), c.Y(3), index(c.dim_table().bound(u)), c.dim_out(u),
                             c.scratch(DType::Int64)});
}

// ---- NonMaxSuppression (10, 11) -------------------------------------------------------------
struct NmsAttrs {
  int64_t center_point_box = 0;  // 0: [y1, x1, y2, x2], 1: [x_center, y_center, width, height]
  template <class V>
  void fields(V& v) { v("center_point_box", center_point_box); }
};
// Boxes and scores may have run-time dims (boxes a count found in the data: a detector's
// candidates); the kernel runs at the actual sizes, the output planned for the bounds.
struct NmsDims {
  Dim batches, classes, boxes;
};
NmsDims nms_dims(OpCtx& c) {
  const std::vector<Dim> b = c.dims(0), s = c.dims(1);
  const DimTable& t = c.dim_table();
  if (b.size() != 3 || b[2] != Dim(4)) c.fail("boxes must be [num_batches, spatial_dimension, 4], they are " + shape_str(c.shape(0)));
  if (s.size() != 3 || s[0] != b[0] || s[2] != b[1])
    c.fail("scores must be [num_batches, num_classes, spatial_dimension] = [" + b[0].str(t) + ", C, " + b[1].str(t) +
           "], they are " + shape_str(c.shape(1)));
  for (size_t i = 2; i < 5; ++i)
    if (c.has_in(i) && numel(c.shape(i)) != 1) c.fail("input " + std::to_string(i) + " must hold one value");
  return {b[0], s[1], b[1]};
}
void infer_NonMaxSuppression(OpCtx& c) {
  if (const int64_t b = c.attrs<NmsAttrs>().center_point_box; b != 0 && b != 1)
    c.fail("center_point_box must be 0 or 1, it is " + std::to_string(b));
  const NmsDims d = nms_dims(c);
  const DimTable& t = c.dim_table();
  const int64_t boxes = t.bound(d.boxes);
  // At most min(max_output_boxes_per_class, spatial_dimension) boxes per batch and class;
  // the spatial dimension alone when the maximum is known only at run time.
  int64_t per = boxes;
  if (!c.has_in(2)) per = 0;  // absent: 0, nothing selected
  else if (const Tensor* m = c.const_in(2)) per = std::clamp<int64_t>(m->int_at(0), 0, boxes);
  c.set_out_dims(0, DType::Int64, {c.data_dim(t.bound(d.batches) * t.bound(d.classes) * per), Dim(3)});
  c.set_scratch(std::max<int64_t>(8, 2 * boxes * 8));
}
void lower_NonMaxSuppression(LowerCtx& c) {
  const NmsDims d = nms_dims(c);
  const Dim n = c.out(0).dims.at(0);
  const Arg none = null_of(c.dtype(0));
  call_counted(c, "non_max_suppression",
               {c.X(0), c.X(1), c.X(2), c.has_in(3) ? c.X(3) : none,
                c.has_in(4) ? c.X(4) : none, c.extent(d.batches), c.extent(d.classes), c.extent(d.boxes),
                boolean(c.attrs<NmsAttrs>().center_point_box == 1), c.Y(0), index(c.dim_table().bound(n)), c.dim_out(n),
                c.scratch(DType::Int64)});
}

}  // namespace

O2C_DEFINE_OP(NonZero, infer_NonZero, lower_NonZero);
O2C_DEFINE_OP(Compress, infer_Compress, lower_Compress);
O2C_DEFINE_OP(Unique, infer_Unique, lower_Unique);
O2C_DEFINE_OP(NonMaxSuppression, infer_NonMaxSuppression, lower_NonMaxSuppression, false, false, nullptr, true);

}  // namespace o2c
