// Shape ops: views that only reinterpret their input (Reshape, Flatten, Squeeze, Unsqueeze,
// Identity, Dropout) and shape computations that are always known at compile time
// (Shape, Size, Constant, ConstantOfShape).
#include <algorithm>
#include <set>

#include "onnx/model_io.hpp"
#include "ops/helpers.hpp"

namespace o2c {
namespace {

// Folding a view: same bytes, new shape.
void eval_view(OpCtx& c) {
  Tensor t = *c.const_in(0);
  t.shape = c.out(0).shape;
  c.set_const(0, std::move(t));
}
void emit_none(EmitCtx&) {}

void infer_Reshape(OpCtx& c) {
  c.arity(1, 2);
  std::vector<int64_t> target;
  if (c.opset() < 5) target = c.ints("shape");
  else target = c.require_const(1, "the target shape").to_ints();
  const Shape& in = c.shape(0);
  const bool allowzero = c.i("allowzero", 0) != 0;
  Shape out;
  int infer_at = -1;
  int64_t known = 1;
  for (size_t i = 0; i < target.size(); ++i) {
    int64_t d = target[i];
    if (d == 0 && !allowzero) {
      if (i >= in.size()) c.fail("shape entry 0 at " + std::to_string(i) + " has no input dim to copy");
      d = in[i];
    }
    if (d == -1) {
      if (infer_at >= 0) c.fail("shape " + shape_str(target) + " has more than one -1");
      infer_at = static_cast<int>(i);
      out.push_back(1);
      continue;
    }
    if (d < 0) c.fail("invalid shape entry " + std::to_string(d));
    out.push_back(d);
    known *= d;
  }
  if (infer_at >= 0) {
    if (known == 0 || numel(in) % known) c.fail("cannot reshape " + shape_str(in) + " to " + shape_str(target));
    out[infer_at] = numel(in) / known;
  }
  if (numel(out) != numel(in)) c.fail("cannot reshape " + shape_str(in) + " to " + shape_str(target));
  c.set_out(0, c.dtype(0), out);
}

void infer_Flatten(OpCtx& c) {
  c.arity(1, 1);
  const Shape& in = c.shape(0);
  int64_t r = static_cast<int64_t>(in.size());
  int64_t a = c.i("axis", 1);
  if (a < 0) a += r;
  if (a < 0 || a > r) c.fail("axis out of range");
  int64_t outer = 1;
  for (int64_t i = 0; i < a; ++i) outer *= in[i];
  c.set_out(0, c.dtype(0), {outer, outer ? numel(in) / outer : 0});
  if (outer == 0) {
    int64_t inner = 1;
    for (int64_t i = a; i < r; ++i) inner *= in[i];
    c.set_out(0, c.dtype(0), {0, inner});
  }
}

std::vector<int64_t> axes_of(OpCtx& c, bool required) {
  if (c.opset() < 13) return c.ints("axes");
  if (!c.has_in(1)) {
    if (required) c.fail("axes input is required");
    return {};
  }
  return c.require_const(1, "axes").to_ints();
}

void infer_Squeeze(OpCtx& c) {
  c.arity(1, 2);
  const Shape& in = c.shape(0);
  auto axes = axes_of(c, false);
  std::set<int64_t> drop;
  for (int64_t a : axes) drop.insert(c.axis(a, static_cast<int64_t>(in.size())));
  Shape out;
  for (size_t i = 0; i < in.size(); ++i) {
    bool d = axes.empty() ? in[i] == 1 : drop.count(static_cast<int64_t>(i)) > 0;
    if (d && in[i] != 1) c.fail("cannot squeeze dim " + std::to_string(i) + " of size " + std::to_string(in[i]));
    if (!d) out.push_back(in[i]);
  }
  c.set_out(0, c.dtype(0), out);
}

void infer_Unsqueeze(OpCtx& c) {
  c.arity(1, 2);
  const Shape& in = c.shape(0);
  auto axes = axes_of(c, true);
  const int64_t r = static_cast<int64_t>(in.size() + axes.size());
  std::set<int64_t> ins;
  for (int64_t a : axes)
    if (!ins.insert(c.axis(a, r)).second) c.fail("repeated axis " + std::to_string(a));
  Shape out;
  size_t j = 0;
  for (int64_t i = 0; i < r; ++i) out.push_back(ins.count(i) ? 1 : in[j++]);
  c.set_out(0, c.dtype(0), out);
}

void infer_Identity(OpCtx& c) {
  c.arity(1, 1);
  c.set_out(0, c.dtype(0), c.shape(0));
}

void infer_Dropout(OpCtx& c) {
  c.arity(1, 3, 1, 2);
  if (c.has_in(2)) {
    const Tensor* t = c.const_in(2);
    if (!t || t->int_at(0) != 0) c.unsupported("training_mode must be a constant false");
  }
  if (c.i("is_test", 1) == 0 && c.opset() < 7) c.unsupported("training mode (is_test=0)");
  c.set_out(0, c.dtype(0), c.shape(0));
  if (c.has_out(1)) {
    Tensor mask(DType::Bool, c.shape(0));
    std::fill(mask.bytes.begin(), mask.bytes.end(), 1);
    c.set_const(1, std::move(mask));
  }
}

void infer_Shape(OpCtx& c) {
  c.arity(1, 1);
  const Shape& in = c.shape(0);
  const int64_t r = static_cast<int64_t>(in.size());
  int64_t start = c.i("start", 0), end = c.i("end", r);
  if (start < 0) start += r;
  if (end < 0) end += r;
  start = std::clamp<int64_t>(start, 0, r);
  end = std::clamp<int64_t>(end, 0, r);
  Tensor t(DType::Int64, {std::max<int64_t>(end - start, 0)});
  for (int64_t i = start; i < end; ++i) t.data<int64_t>()[i - start] = in[i];
  c.set_const(0, std::move(t));
}

void infer_Size(OpCtx& c) {
  c.arity(1, 1);
  Tensor t(DType::Int64, {});
  t.data<int64_t>()[0] = numel(c.shape(0));
  c.set_const(0, std::move(t));
}

void infer_Constant(OpCtx& c) {
  c.arity(0, 0);
  if (const Tensor* t = c.tensor("value")) {
    c.set_const(0, *t);
  } else if (c.has("value_float")) {
    Tensor t(DType::Float, {});
    t.data<float>()[0] = c.f("value_float", 0);
    c.set_const(0, std::move(t));
  } else if (c.has("value_floats")) {
    auto v = c.floats("value_floats");
    Tensor t(DType::Float, {static_cast<int64_t>(v.size())});
    std::copy(v.begin(), v.end(), t.data<float>());
    c.set_const(0, std::move(t));
  } else if (c.has("value_int")) {
    Tensor t(DType::Int64, {});
    t.data<int64_t>()[0] = c.i("value_int", 0);
    c.set_const(0, std::move(t));
  } else if (c.has("value_ints")) {
    auto v = c.ints("value_ints");
    Tensor t(DType::Int64, {static_cast<int64_t>(v.size())});
    std::copy(v.begin(), v.end(), t.data<int64_t>());
    c.set_const(0, std::move(t));
  } else {
    c.unsupported("only tensor, float(s) and int(s) values are supported");
  }
}

Tensor cos_value(OpCtx& c) {
  if (const Tensor* t = c.tensor("value")) return *t;
  Tensor z(DType::Float, {1});
  return z;
}

void infer_ConstantOfShape(OpCtx& c) {
  c.arity(1, 1);
  auto dims = c.require_const(0, "the shape").to_ints();
  Tensor v = cos_value(c);
  if (v.numel() != 1) c.fail("value must have one element");
  if (!dtype_supported(v.dtype)) c.unsupported("value of type " + dtype_name(v.dtype));
  c.set_out(0, v.dtype, dims);
}
void eval_ConstantOfShape(OpCtx& c) {
  Tensor v = cos_value(c);
  Tensor y = out_tensor(c, 0);
  const size_t es = dtype_size(y.dtype);
  for (size_t i = 0; i < y.bytes.size(); i += es) std::copy(v.bytes.begin(), v.bytes.end(), y.bytes.begin() + static_cast<std::ptrdiff_t>(i));
  c.set_const(0, std::move(y));
}
void emit_ConstantOfShape(EmitCtx& c) {
  Tensor v = cos_value(c);
  c.line("k::fill(" + c.Y(0) + ", " + lit(numel(c.out(0).shape)) + ", " +
         lit_of(v.dtype, v.float_at(0)) + ");");
}


}  // namespace

O2C_DEFINE_OP(Reshape, infer_Reshape, emit_none, eval_view, true);
O2C_DEFINE_OP(Flatten, infer_Flatten, emit_none, eval_view, true);
O2C_DEFINE_OP(Squeeze, infer_Squeeze, emit_none, eval_view, true);
O2C_DEFINE_OP(Unsqueeze, infer_Unsqueeze, emit_none, eval_view, true);
O2C_DEFINE_OP(Identity, infer_Identity, emit_none, eval_view, true);
O2C_DEFINE_OP(Dropout, infer_Dropout, emit_none, eval_view, true);
O2C_DEFINE_OP(Shape, infer_Shape, emit_none, nullptr);
O2C_DEFINE_OP(Size, infer_Size, emit_none, nullptr);
O2C_DEFINE_OP(Constant, infer_Constant, emit_none, nullptr);
O2C_DEFINE_OP(ConstantOfShape, infer_ConstantOfShape, emit_ConstantOfShape, eval_ConstantOfShape);

}  // namespace o2c
