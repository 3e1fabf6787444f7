// Shape ops: views that only reinterpret their input (Reshape, Flatten, Squeeze, Unsqueeze,
// Identity, Dropout) and shape computations that are always known at compile time
// (Shape, Size, Constant, ConstantOfShape).
#include <algorithm>
#include <set>

#include "ir/limits.hpp"
#include "ops/helpers.hpp"
#include "ops/shape_data.hpp"

namespace o2c {
namespace {

struct ReshapeAttrs {
  std::vector<int64_t> shape;  // before version 5
  bool allowzero = false;
  template <class V>
  void fields(V& v) {
    if (v.version < 5) v("shape", shape);
    if (v.version >= 14) v("allowzero", allowzero);
  }
};

std::string dims_text(OpCtx& c, const std::vector<Dim>& v) {
  std::string s;
  for (const Dim& d : v) s += (s.empty() ? "" : ",") + d.str(c.dim_table());
  return "[" + s + "]";
}

// Reshape with run-time dims: the input's, or a target computed from them (fold_dims.cpp).
void infer_reshape_dims(OpCtx& c, const std::vector<Dim>& target, bool allowzero) {
  const std::vector<Dim> in = c.dims(0);
  Dim total = 1, known = 1;
  for (const Dim& d : in) total = total * d;
  std::vector<Dim> out;
  int infer_at = -1;
  for (size_t i = 0; i < target.size(); ++i) {
    Dim d = target[i];
    if (!d.is_const()) {
      if (c.dim_table().range(d).lo < 1)
        c.unsupported("shape entry " + std::to_string(i) + " (" + d.str(c.dim_table()) + ") may be 0 or negative at run time");
    } else if (d.value() == 0 && !allowzero) {
      if (i >= in.size()) c.fail("shape entry 0 at " + std::to_string(i) + " has no input dim to copy");
      d = in[i];
    } else if (d.value() == -1) {
      if (infer_at >= 0) c.fail("shape " + dims_text(c, target) + " has more than one -1");
      infer_at = static_cast<int>(i);
      out.push_back(1);
      continue;
    } else if (d.value() < 0) {
      c.fail("invalid shape entry " + std::to_string(d.value()));
    }
    out.push_back(d);
    known = known * d;
  }
  if (infer_at >= 0 && (known == Dim(0) || !total.divides_by(known, &out[static_cast<size_t>(infer_at)])))
    c.unsupported("cannot reshape " + dims_text(c, in) + " to " + dims_text(c, target) + ": the -1 is not a whole number of the others for every size");
  Dim n = 1;
  for (const Dim& d : out) n = n * d;
  if (n != total) c.unsupported("cannot reshape " + dims_text(c, in) + " to " + dims_text(c, out) + ": the sizes differ for some run-time dims");
  c.set_out_dims(0, c.dtype(0), out);
}

// Reshape to a shape known only at run time (templates/shape_data.hpp): the output's rank is
// the shape's length, each dim at most the input's element count. Still a view: the kernel
// checks the shape and writes the dims.
bool reshape_from_data(OpCtx& c) { return c.version() >= 5 && values_at_run_time(c, 1); }

int64_t reshape_data_bound(OpCtx& c) {
  if (c.in(0).dynamic()) c.unsupported("Reshape of run-time dims to a shape known only at run time");
  const int64_t total = numel(c.shape(0));
  return total > 0 ? total : user_bound(c, 0, 1);  // an empty tensor: its dims have no bound but the one given
}

void infer_reshape_data(OpCtx& c) {
  const int64_t n = data_count(c, 1, "the target shape", k::kMaxRank);
  c.set_out_dims(0, c.dtype(0), data_dims(c, 0, std::vector<int64_t>(static_cast<size_t>(n), reshape_data_bound(c))));
}

void lower_Reshape(LowerCtx& c) {
  if (!reshape_from_data(c)) return;  // a view, no code
  const Shape& in = c.shape(0);
  c.call("reshape_dims", {shape_table(c, in), index(c.rank(0)), c.X(1), index(c.shape(1)[0]),
                          boolean(c.attrs<ReshapeAttrs>().allowzero), index(reshape_data_bound(c)), dim_outs(c, c.out(0).dims)});
  c.calls.back().status = true;
}

void infer_Reshape(OpCtx& c) {
  const auto a = c.attrs<ReshapeAttrs>();
  if (reshape_from_data(c)) return infer_reshape_data(c);
  std::vector<Dim> sym_target;
  if (c.version() >= 5 && c.dims_in(1, &sym_target) && (c.in(0).dynamic() || !c.in(1).sym.empty()))
    return infer_reshape_dims(c, sym_target, a.allowzero);
  if (c.in(0).dynamic()) {
    std::vector<int64_t> t = c.version() < 5 ? a.shape : c.require_const(1, "the target shape").to_ints();
    return infer_reshape_dims(c, std::vector<Dim>(t.begin(), t.end()), a.allowzero);
  }
  const std::vector<int64_t> target = c.version() < 5 ? a.shape : c.require_const(1, "the target shape").to_ints();
  const Shape& in = c.shape(0);
  const bool allowzero = a.allowzero;
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
    if (__builtin_mul_overflow(known, d, &known))  // no shape of that many elements exists
      c.fail("cannot reshape " + shape_str(in) + " to " + shape_str(target) + ": the dims' product overflows");
  }
  if (infer_at >= 0) {
    if (known == 0 || numel(in) % known) c.fail("cannot reshape " + shape_str(in) + " to " + shape_str(target));
    out[infer_at] = numel(in) / known;
  }
  if (numel(out) != numel(in)) c.fail("cannot reshape " + shape_str(in) + " to " + shape_str(target));
  c.set_out(0, c.dtype(0), out);
}

struct AxisAttrs {
  int64_t axis = 1;
  O2C_FIELDS(axis)
};

void infer_Flatten(OpCtx& c) {
  if (c.in(0).dynamic()) {
    const std::vector<Dim> in = c.dims(0);
    const int64_t a = c.axis(c.attrs<AxisAttrs>().axis, static_cast<int64_t>(in.size()) + 1);
    Dim outer = 1, inner = 1;
    for (size_t i = 0; i < in.size(); ++i) {
      Dim& part = static_cast<int64_t>(i) < a ? outer : inner;
      part = part * in[i];
    }
    return c.set_out_dims(0, c.dtype(0), {outer, inner});
  }
  const Shape& in = c.shape(0);
  int64_t r = static_cast<int64_t>(in.size());
  int64_t a = c.attrs<AxisAttrs>().axis;
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

// Squeeze's and Unsqueeze's axes: an attribute before version 13, an input after.
struct AxesAttrs {
  std::vector<int64_t> axes;
  template <class V>
  void fields(V& v) {
    if (v.version < 13) v("axes", axes);
  }
};

std::vector<int64_t> axes_of(OpCtx& c, bool required) {
  const auto a = c.attrs<AxesAttrs>();
  if (c.version() < 13) {
    if (required && a.axes.empty()) c.fail("attribute 'axes' is required");
    return a.axes;
  }
  if (!c.has_in(1)) {
    if (required) c.fail("axes input is required");
    return {};
  }
  return c.require_const(1, "axes").to_ints();
}

// Squeeze's and Unsqueeze's axes known only at run time (templates/shape_data.hpp): the
// output's rank follows from the axes' count; dim i of the output is one of the input's dims
// that can land there (Squeeze: i .. i+n, Unsqueeze: i-n .. i, or 1), at most their largest.
bool axes_from_data(OpCtx& c) { return c.version() >= 13 && values_at_run_time(c, 1); }

std::vector<int64_t> squeeze_data_bounds(OpCtx& c, bool unsqueeze) {
  if (c.in(0).dynamic()) c.unsupported("axes known only at run time on run-time dims");
  const Shape& in = c.shape(0);
  const int64_t r = c.rank(0), n = data_count(c, 1, "axes", k::kMaxRank);
  const int64_t rank = unsqueeze ? r + n : r - n;
  if (rank < 0 || rank > k::kMaxRank) c.fail("cannot " + std::string(unsqueeze ? "unsqueeze " : "squeeze ") + std::to_string(n) + " axes of rank " + std::to_string(r));
  std::vector<int64_t> b;
  for (int64_t i = 0; i < rank; ++i) {
    int64_t m = unsqueeze ? 1 : 0;
    const int64_t lo = unsqueeze ? i - n : i, hi = unsqueeze ? i : i + n;
    for (int64_t j = std::max<int64_t>(lo, 0); j <= hi && j < r; ++j) m = std::max(m, in[static_cast<size_t>(j)]);
    b.push_back(m);
  }
  return b;
}

void lower_squeeze_data(LowerCtx& c, bool unsqueeze) {
  int64_t most = 1;
  for (int64_t d : c.shape(0)) most = std::max(most, d);
  c.call(unsqueeze ? "unsqueeze_dims" : "squeeze_dims",
         {shape_table(c, c.shape(0)), index(c.rank(0)), c.X(1), index(c.shape(1)[0]), index(most),
          dim_outs(c, c.out(0).dims)});
  c.calls.back().status = true;
}
void lower_Squeeze(LowerCtx& c) {
  if (axes_from_data(c)) lower_squeeze_data(c, false);  // else a view, no code
}
void lower_Unsqueeze(LowerCtx& c) {
  if (axes_from_data(c)) lower_squeeze_data(c, true);
}

// Squeeze and Unsqueeze on dims (run-time ones too: a squeezed dim must be 1 for every size).
void infer_Squeeze(OpCtx& c) {
  if (axes_from_data(c)) return c.set_out_dims(0, c.dtype(0), data_dims(c, 0, squeeze_data_bounds(c, false)));
  const std::vector<Dim> in = c.dims(0);
  auto axes = axes_of(c, false);
  std::set<int64_t> drop;
  for (int64_t a : axes) drop.insert(c.axis(a, static_cast<int64_t>(in.size())));
  std::vector<Dim> out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (axes.empty() && !in[i].is_const() && c.dim_table().range(in[i]).lo <= 1)
      c.unsupported("Squeeze without axes of dim " + std::to_string(i) + " (" + in[i].str(c.dim_table()) +
                    "), which is 1 for some sizes: give the axes");
    bool d = axes.empty() ? in[i] == Dim(1) : drop.count(static_cast<int64_t>(i)) > 0;
    if (d && in[i] != Dim(1)) {
      if (!in[i].is_const()) c.unsupported("cannot squeeze dim " + std::to_string(i) + " (" + in[i].str(c.dim_table()) + "): it is 1 only for some sizes");
      c.fail("cannot squeeze dim " + std::to_string(i) + " of size " + std::to_string(in[i].value()));
    }
    if (!d) out.push_back(in[i]);
  }
  c.set_out_dims(0, c.dtype(0), out);
}

void infer_Unsqueeze(OpCtx& c) {
  if (axes_from_data(c)) return c.set_out_dims(0, c.dtype(0), data_dims(c, 0, squeeze_data_bounds(c, true)));
  const std::vector<Dim> in = c.dims(0);
  auto axes = axes_of(c, true);
  const int64_t r = static_cast<int64_t>(in.size() + axes.size());
  std::set<int64_t> ins;
  for (int64_t a : axes)
    if (!ins.insert(c.axis(a, r)).second) c.fail("repeated axis " + std::to_string(a));
  std::vector<Dim> out;
  size_t j = 0;
  for (int64_t i = 0; i < r; ++i) out.push_back(ins.count(i) ? Dim(1) : in[j++]);
  c.set_out_dims(0, c.dtype(0), out);
}

void infer_Identity(OpCtx& c) {
  c.attrs<NoAttrs>();
  c.set_out_dims(0, c.dtype(0), c.dims(0));
}

struct DropoutAttrs {
  float ratio = 0.5f;
  int64_t is_test = 0, seed = 0;
  template <class V>
  void fields(V& v) {
    if (v.version < 12) v("ratio", ratio);
    if (v.version < 7) v("is_test", is_test);
    if (v.version >= 12) v("seed", seed);
  }
};

// With a training_mode that is not a constant false, the node becomes an onnx2cpp
// TrainingDropout (ops/random.cpp), which draws the mask at run time.
void infer_Dropout(OpCtx& c) {
  const auto a = c.attrs<DropoutAttrs>();
  if (c.has_in(2)) {
    const Tensor* t = c.const_in(2);
    if (!t || t->int_at(0) != 0) {
      c.node().op = "TrainingDropout";
      c.node().domain = "onnx2cpp";
      infer_node(c);
      return;
    }
  }
  if (c.version() < 7 && a.is_test == 0) c.unsupported("training mode (is_test=0)");
  c.set_out(0, c.dtype(0), c.shape(0));
  if (c.has_out(1)) {
    if (tensor_bytes(DType::Bool, c.shape(0)) > kMaxComputedBytes)
      c.unsupported("the mask output " + quote_name(c.out(1).name) + " " + type_str(DType::Bool, c.shape(0)) +
                    " (a constant of ones the compiler builds) is larger than " + std::to_string(kMaxComputedBytes >> 20) + " MiB");
    Tensor mask(DType::Bool, c.shape(0));
    std::fill(mask.bytes.begin(), mask.bytes.end(), 1);
    c.set_const(1, std::move(mask));
  }
}

struct ShapeAttrs {
  int64_t start = 0, end = INT64_MAX;
  template <class V>
  void fields(V& v) {
    if (v.version >= 15) {
      v("start", start);
      v("end", end);
    }
  }
};

void infer_Shape(OpCtx& c) {
  const auto a = c.attrs<ShapeAttrs>();
  const Shape& in = c.shape(0);
  const int64_t r = static_cast<int64_t>(in.size());
  int64_t start = a.start, end = a.end;
  if (start < 0) start += r;
  if (end < 0) end += r;
  start = std::clamp<int64_t>(start, 0, r);
  end = std::clamp<int64_t>(end, 0, r);
  Tensor t(DType::Int64, {std::max<int64_t>(end - start, 0)});
  for (int64_t i = start; i < end; ++i) t.data<int64_t>()[i - start] = in[i];
  c.set_const(0, std::move(t));
}

void infer_Size(OpCtx& c) {
  c.attrs<NoAttrs>();
  Tensor t(DType::Int64, {});
  t.data<int64_t>()[0] = numel(c.shape(0));
  c.set_const(0, std::move(t));
}

// Exactly one of the value attributes (sparse_value is not supported).
struct ConstantAttrs {
  std::shared_ptr<const Tensor> value;
  float value_float = 0;
  std::vector<float> value_floats;
  int64_t value_int = 0;
  std::vector<int64_t> value_ints;
  std::string value_string;
  std::vector<std::string> value_strings;
  template <class V>
  void fields(V& v) {
    v("value", value);
    if (v.version >= 12) {
      v("value_float", value_float);
      v("value_floats", value_floats);
      v("value_int", value_int);
      v("value_ints", value_ints);
      v("value_string", value_string);
      v("value_strings", value_strings);
    }
  }
};

void infer_Constant(OpCtx& c) {
  const auto a = c.attrs<ConstantAttrs>();
  if (c.node().attrs.size() != 1) c.fail("needs exactly one value attribute");
  if (a.value) {
    c.set_const(0, *a.value);
  } else if (c.has("value_float")) {
    Tensor t(DType::Float, {});
    t.data<float>()[0] = a.value_float;
    c.set_const(0, std::move(t));
  } else if (c.has("value_floats")) {
    Tensor t(DType::Float, {static_cast<int64_t>(a.value_floats.size())});
    std::copy(a.value_floats.begin(), a.value_floats.end(), t.data<float>());
    c.set_const(0, std::move(t));
  } else if (c.has("value_string")) {
    Tensor t(DType::String, {});
    t.strings = {a.value_string};
    c.set_const(0, std::move(t));
  } else if (c.has("value_strings")) {
    Tensor t(DType::String, {static_cast<int64_t>(a.value_strings.size())});
    t.strings = a.value_strings;
    c.set_const(0, std::move(t));
  } else if (c.has("value_int")) {
    Tensor t(DType::Int64, {});
    t.data<int64_t>()[0] = a.value_int;
    c.set_const(0, std::move(t));
  } else {
    Tensor t(DType::Int64, {static_cast<int64_t>(a.value_ints.size())});
    std::copy(a.value_ints.begin(), a.value_ints.end(), t.data<int64_t>());
    c.set_const(0, std::move(t));
  }
}

// ConstantOfShape's value: one element (default a float 0).
struct ConstantOfShapeAttrs {
  std::shared_ptr<const Tensor> value;
  O2C_FIELDS(value)
  Tensor fill() const { return value ? *value : Tensor(DType::Float, {1}); }
};

// The shape may be computed from run-time dims (fold_dims.cpp): the output has them. A shape
// known only at run time: each dim at most --max, checked by the kernel.
bool cos_from_data(OpCtx& c) { return values_at_run_time(c, 0) && numel(c.shape(0)) > 0; }

void infer_ConstantOfShape(OpCtx& c) {
  const Tensor v = c.attrs<ConstantOfShapeAttrs>().fill();
  if (v.numel() != 1) c.fail("value must have one element");
  if (!kHeldTypes.has(v.dtype)) c.unsupported("value of type " + dtype_name(v.dtype));
  if (cos_from_data(c)) {
    const int64_t n = data_count(c, 0, "the shape", k::kMaxRank);
    return c.set_out_dims(0, v.dtype, data_dims(c, 0, std::vector<int64_t>(static_cast<size_t>(n), user_bound(c, 0, 0))));
  }
  std::vector<Dim> dims;
  if (!c.in(0).sym.empty() && c.dims_in(0, &dims)) return c.set_out_dims(0, v.dtype, dims);
  c.set_out(0, v.dtype, c.require_const(0, "the shape").to_ints());
}
void lower_ConstantOfShape(LowerCtx& c) {
  const Tensor v = c.attrs<ConstantOfShapeAttrs>().fill();
  if (cos_from_data(c)) {
    c.call("shape_dims", {c.X(0), index(c.shape(0)[0]), index(c.dim_table().bound(c.out(0).dims.at(0))), dim_outs(c, c.out(0).dims)});
    c.calls.back().status = true;
  }
  // The element type spelled out: an int64 value prints as a plain literal (an int).
  c.call("fill", {type_arg(v.dtype)}, {c.Y(0), c.numel_of(c.out(0)), scalar_of(v)});
}

// A value of run-time dims (passes/fold_dims.cpp made its node this one, its contents
// Value::sym): written element by element, for code that reads it.
void infer_Dims(OpCtx& c) {
  c.attrs<NoAttrs>();
  if (c.out(0).sym.size() != static_cast<size_t>(numel(c.out(0).shape))) c.fail("a dims value without its dims");
}
void lower_Dims(LowerCtx& c) {
  const std::vector<Dim> elems = c.out(0).sym;
  for (size_t k = 0; k < elems.size(); ++k) {
    Arg y = c.Y(0);
    y.offset = static_cast<int64_t>(k);
    c.call("fill", {type_arg(c.out(0).dtype)}, {y, index(1), c.extent(elems[k])});
  }
}

// d of a view (Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout in inference): dY
// viewed with the input's shape. The data input alone: shapes, axes and ratios have none, nor
// has Dropout's mask output.
void grad_view(GradCtx& c) {
  if (c.dY(0) >= 0 && c.wants(0)) c.set_dX(0, c.reshape(c.dY(0), Shape(c.shape(0))));
}

}  // namespace

// Views: the output is the input's bytes (no code but a check of a shape known only at run
// time; folding reinterprets the constant).
O2C_DEFINE_OP(Reshape, infer_Reshape, lower_Reshape, true, false, grad_view, true);
O2C_DEFINE_OP(Flatten, infer_Flatten, nullptr, true, false, grad_view, true);
O2C_DEFINE_OP(Squeeze, infer_Squeeze, lower_Squeeze, true, false, grad_view, true);
O2C_DEFINE_OP(Unsqueeze, infer_Unsqueeze, lower_Unsqueeze, true, false, grad_view, true);
O2C_DEFINE_OP(Identity, infer_Identity, nullptr, true, false, grad_view, true);
O2C_DEFINE_OP(Dropout, infer_Dropout, nullptr, true, false, grad_view);
// Always known at compile time (infer sets the constant).
O2C_DEFINE_OP(Shape, infer_Shape, nullptr);
O2C_DEFINE_OP(Size, infer_Size, nullptr);
O2C_DEFINE_OP(Constant, infer_Constant, nullptr);
O2C_DEFINE_OP(ConstantOfShape, infer_ConstantOfShape, lower_ConstantOfShape, false, false, nullptr, true);
O2C_DEFINE_OP(Dims, infer_Dims, lower_Dims);

}  // namespace o2c
