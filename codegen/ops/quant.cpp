// Linear quantization (templates/quant.hpp): QuantizeLinear, DequantizeLinear (per tensor, per
// axis, blocked; integer, float8 and packed 4- and 2-bit types), DynamicQuantizeLinear, and the integer products
// MatMulInteger, QLinearMatMul, ConvInteger and QLinearConv. Their type variables are held ("= ..." in ops.def): the
// kernels convert float16/bfloat16/float8 themselves, in the precision the spec names for each
// step, rather than the compute-in-float pass widening them.
#include "ops/conv.hpp"
#include "ops/helpers.hpp"
#include "ops/registry.hpp"

namespace o2c {
namespace {

Arg quant_arg(const k::QuantIndex& q) {
  return object(q, "k::QuantIndex{" + lit(q.outer) + ", " + lit(q.axis) + ", " + lit(q.inner) + ", " + lit(q.block) +
                       ", " + lit(q.so) + ", " + lit(q.sa) + ", " + lit(q.si) + "}");
}

bool is_quant_int(DType t) {
  return t == DType::Int8 || t == DType::UInt8 || t == DType::Int16 || t == DType::UInt16;
}
bool is_packed(DType t) { return dtype_info(t).how == DHow::Packed; }
bool is_float8(DType t) {
  return t == DType::Float8E4M3FN || t == DType::Float8E4M3FNUZ || t == DType::Float8E5M2 || t == DType::Float8E5M2FNUZ;
}

// Where each element of x (input 0) finds its scale (input 1) and zero point (input 2, whose
// shape must be the scale's): per tensor (one scale), per axis (a 1-D scale along `axis`) or
// blocked (the scale x's shape with `axis` divided into blocks of block_size).
k::QuantIndex quant_index(OpCtx& c, int64_t axis, int64_t block_size) {
  const Shape& x = c.shape(0);
  const Shape& s = c.shape(1);
  if (c.has_in(2) && c.shape(2) != s && !(numel(c.shape(2)) == 1 && numel(s) == 1))
    c.fail("the zero point's shape " + shape_str(c.shape(2)) + " differs from the scale's " + shape_str(s));
  k::QuantIndex q{1, 1, numel(x), 1, 0, 0, 0};
  if (block_size < 0) c.fail("block_size must not be negative");
  if (block_size == 0 && numel(s) == 1 && s.size() <= 1) return q;
  if (x.empty()) c.fail("a per-axis or blocked scale needs an input of rank >= 1");
  const int64_t ax = c.axis(axis, c.rank(0));
  const Dims3 d3 = dims3(x, ax);
  q.outer = d3.outer;
  q.axis = d3.n;
  q.inner = d3.inner;
  if (block_size == 0) {
    if (s.size() != 1 || s[0] != q.axis)
      c.fail("a per-axis scale must be 1-D of x's dim " + std::to_string(ax) + " (" + std::to_string(q.axis) +
             "), got " + shape_str(s));
    q.sa = 1;
    return q;
  }
  bool ok = s.size() == x.size();
  for (size_t d = 0; ok && d < x.size(); ++d)
    ok = static_cast<int64_t>(d) == ax ? s[d] == (q.axis + block_size - 1) / block_size : s[d] == x[d];
  if (!ok)
    c.fail("a blocked scale must have x's shape " + shape_str(x) + " with dim " + std::to_string(ax) +
           " divided into blocks of " + std::to_string(block_size) + ", got " + shape_str(s));
  q.block = block_size;
  q.so = s[static_cast<size_t>(ax)] * q.inner;
  q.sa = q.inner;
  q.si = 1;
  return q;
}

// ---- QuantizeLinear -------------------------------------------------------------------------

struct QuantizeAttrs {
  int64_t axis = 1;
  int64_t block_size = 0;
  int64_t output_dtype = 0;
  int64_t precision = 0;
  bool saturate = true;
  O2C_FIELDS(axis, block_size, output_dtype, precision, saturate)
};

DType quantized_type(OpCtx& c, const QuantizeAttrs& a) {
  const DType given = static_cast<DType>(a.output_dtype);
  if (c.has_in(2)) {
    if (a.output_dtype && given != c.dtype(2))
      c.fail("output_dtype " + std::string(dtype_name(given)) + " differs from the zero point's type " + dtype_name(c.dtype(2)));
    return c.dtype(2);
  }
  if (!a.output_dtype) return DType::UInt8;
  if (!is_quant_int(given) && !is_float8(given) && !is_packed(given))
    c.unsupported("quantizing to " + std::string(dtype_name(given)));
  return given;
}

// The type x / scale is computed in: the precision attribute, else numpy's promotion of the
// two (a 16-bit float type when both are it; double when x is int32).
DType division_type(OpCtx& c, const QuantizeAttrs& a) {
  if (a.precision) {
    const DType p = static_cast<DType>(a.precision);
    if (p != DType::Float && p != DType::Double && p != DType::Float16 && p != DType::BFloat16)
      c.unsupported("precision " + std::string(dtype_name(p)));
    return p;
  }
  const DType x = c.dtype(0), s = c.dtype(1);
  if (x == s) return x == DType::Int32 ? DType::Double : x;
  if (x == DType::Int32 || x == DType::Double || s == DType::Double) return DType::Double;
  return DType::Float;
}

void infer_QuantizeLinear(OpCtx& c) {
  const auto a = c.attrs<QuantizeAttrs>();
  quant_index(c, a.axis, a.block_size);
  division_type(c, a);
  c.set_out(0, quantized_type(c, a), c.shape(0));
}
void lower_QuantizeLinear(LowerCtx& c) {
  const auto a = c.attrs<QuantizeAttrs>();
  const DType q = c.out(0).dtype;
  if (is_packed(q))
    return c.call("quantize_linear_packed",
                  {type_arg(c.dtype(0)), type_arg(c.dtype(1)), packed_type_arg(q), type_arg(division_type(c, a))},
                  {c.X(0), c.X(1), c.has_in(2) ? c.X(2) : null_of(q), c.Y(0),
                   quant_arg(quant_index(c, a.axis, a.block_size))});
  c.call("quantize_linear", {type_arg(c.dtype(0)), type_arg(c.dtype(1)), type_arg(q), type_arg(division_type(c, a))},
         {c.X(0), c.X(1), c.has_in(2) ? c.X(2) : null_of(q), c.Y(0), quant_arg(quant_index(c, a.axis, a.block_size)),
          boolean(a.saturate)});
}

// ---- DequantizeLinear -----------------------------------------------------------------------

struct DequantizeAttrs {
  int64_t axis = 1;
  int64_t block_size = 0;
  int64_t output_dtype = 0;
  O2C_FIELDS(axis, block_size, output_dtype)
};

void infer_DequantizeLinear(OpCtx& c) {
  const auto a = c.attrs<DequantizeAttrs>();
  quant_index(c, a.axis, a.block_size);
  if (c.has_in(2) && c.dtype(2) != c.dtype(0))
    c.fail("the zero point's type " + std::string(dtype_name(c.dtype(2))) + " differs from x's " + dtype_name(c.dtype(0)));
  DType y = c.dtype(1);
  if (a.output_dtype) {
    y = static_cast<DType>(a.output_dtype);
    if (y != DType::Float && y != DType::Float16 && y != DType::BFloat16)
      c.unsupported("output_dtype " + std::string(dtype_name(y)));
  }
  c.set_out(0, y, c.shape(0));
}
void lower_DequantizeLinear(LowerCtx& c) {
  const auto a = c.attrs<DequantizeAttrs>();
  if (is_packed(c.dtype(0)))
    return c.call("dequantize_linear_packed", {packed_type_arg(c.dtype(0)), type_arg(c.dtype(1)), type_arg(c.out(0).dtype)},
                  {c.X(0), c.X(1), c.has_in(2) ? c.X(2) : null_of(c.dtype(0)), c.Y(0),
                   quant_arg(quant_index(c, a.axis, a.block_size))});
  c.call("dequantize_linear", {type_arg(c.dtype(0)), type_arg(c.dtype(1)), type_arg(c.out(0).dtype)},
         {c.X(0), c.X(1), c.has_in(2) ? c.X(2) : null_of(c.dtype(0)), c.Y(0), quant_arg(quant_index(c, a.axis, a.block_size))});
}

// ---- DynamicQuantizeLinear ------------------------------------------------------------------

void infer_DynamicQuantizeLinear(OpCtx& c) {
  c.attrs<NoAttrs>();
  c.set_out(0, DType::UInt8, c.shape(0));
  c.set_out(1, DType::Float, {});
  c.set_out(2, DType::UInt8, {});
}
void lower_DynamicQuantizeLinear(LowerCtx& c) {
  c.call("dynamic_quantize_linear", {c.X(0), c.Y(0), c.Y(1), c.Y(2), index(numel(c.shape(0)))});
}

// ---- MatMulInteger, QLinearMatMul -----------------------------------------------------------

// The stride of input i, a zero point or scale, along what it is given per (a's rows, b's
// columns, w's output channels: `per`, n of them): 0 for one value, 1 for a 1-D tensor of n.
int64_t per_stride(OpCtx& c, size_t i, int64_t n, const char* per) {
  if (!c.has_in(i) || numel(c.shape(i)) == 1) return 0;
  if (c.rank(i) == 1 && c.shape(i)[0] == n) return 1;
  c.unsupported(c.info().inputs[i].name + " of shape " + shape_str(c.shape(i)) + " (one value or one per " + per +
                " only)");
}

// The rows of A's matrices (1 for a vector).
int64_t a_rows(OpCtx& c, size_t a) { return c.rank(a) == 1 ? 1 : c.shape(a)[static_cast<size_t>(c.rank(a) - 2)]; }

void infer_MatMulInteger(OpCtx& c) {
  c.attrs<NoAttrs>();
  Shape out;
  const k::MatMulPlan p = matmul_plan(c, &out);
  per_stride(c, 2, a_rows(c, 0), "row of a");
  per_stride(c, 3, p.N, "column of b");
  c.set_out(0, DType::Int32, out);
}
void lower_MatMulInteger(LowerCtx& c) {
  const k::MatMulPlan p = matmul_plan(c, nullptr);
  c.call("matmul_integer", {type_arg(c.dtype(0)), type_arg(c.dtype(1))},
         {c.X(0), c.X(1), c.Y(0), obj(p), c.has_in(2) ? c.X(2) : null_of(c.dtype(0)),
          index(per_stride(c, 2, a_rows(c, 0), "row of a")), index(a_rows(c, 0)),
          c.has_in(3) ? c.X(3) : null_of(c.dtype(1)), index(per_stride(c, 3, p.N, "column of b"))});
}

// QLinearMatMul(a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp): the int32 product of the
// operands less their zero points, requantized.
void infer_QLinearMatMul(OpCtx& c) {
  c.attrs<NoAttrs>();
  Shape out;
  const k::MatMulPlan p = matmul_plan(c, c.shape(0), c.shape(3), &out);
  const int64_t rows = a_rows(c, 0);
  per_stride(c, 1, rows, "row of a");
  per_stride(c, 2, rows, "row of a");
  per_stride(c, 4, p.N, "column of b");
  per_stride(c, 5, p.N, "column of b");
  if (numel(c.shape(6)) != 1 || numel(c.shape(7)) != 1) c.unsupported("y_scale or y_zero_point with more than one value");
  if (c.dtype(1) != c.dtype(4) || c.dtype(1) != c.dtype(6)) c.fail("the three scales must have one type");
  c.set_out(0, c.dtype(7), out);
  c.set_scratch(numel(out) * 4);
}
void lower_QLinearMatMul(LowerCtx& c) {
  const k::MatMulPlan p = matmul_plan(c, c.shape(0), c.shape(3), nullptr);
  const int64_t rows = a_rows(c, 0);
  const Arg acc = c.scratch(DType::Int32);
  c.call("matmul_integer", {type_arg(c.dtype(0)), type_arg(c.dtype(3))},
         {c.X(0), c.X(3), acc, obj(p), c.X(2), index(per_stride(c, 2, rows, "row of a")), index(rows), c.X(5),
          index(per_stride(c, 5, p.N, "column of b"))});
  c.call("requantize_rows", {type_arg(c.dtype(1)), type_arg(c.out(0).dtype)},
         {acc, c.Y(0), index(numel(c.out(0).shape) / p.N), index(rows), index(p.N), c.X(1),
          index(per_stride(c, 1, rows, "row of a")), c.X(4), index(per_stride(c, 4, p.N, "column of b")), c.X(6), c.X(7)});
}

// ---- ConvInteger, QLinearConv ---------------------------------------------------------------

Shape conv_out(const k::ConvParams& p, size_t rank) {
  Shape out = {p.N, p.M};
  for (size_t d = 5 - rank; d < 3; ++d) out.push_back(p.out[d]);  // the real dims are last
  return out;
}

// The convolution of input xi by input wi with the node's Conv attributes.
k::ConvParams int_conv_params(OpCtx& c, size_t xi, size_t wi) {
  const auto a = c.attrs<ConvAttrs>();
  if (c.rank(xi) < 3 || c.rank(xi) > 5) c.unsupported("a convolution of rank " + std::to_string(c.rank(xi)));
  return conv_params(c, c.shape(xi), c.shape(wi), a);
}

// ConvInteger(x, w, x_zero_point?, w_zero_point?): int32.
void infer_ConvInteger(OpCtx& c) {
  const k::ConvParams p = int_conv_params(c, 0, 1);
  if (c.has_in(2) && numel(c.shape(2)) != 1) c.unsupported("x_zero_point with more than one value");
  per_stride(c, 3, p.M, "output channel");
  c.set_out(0, DType::Int32, conv_out(p, c.shape(0).size()));
}
void lower_ConvInteger(LowerCtx& c) {
  const k::ConvParams p = int_conv_params(c, 0, 1);
  c.call("conv_integer", {type_arg(c.dtype(0)), type_arg(c.dtype(1))},
         {c.X(0), c.X(1), null_of(DType::Int32), c.Y(0), obj(p), c.has_in(2) ? c.X(2) : null_of(c.dtype(0)),
          c.has_in(3) ? c.X(3) : null_of(c.dtype(1)), index(per_stride(c, 3, p.M, "output channel"))});
}

// Whether QLinearConv runs the dot-product kernel on weights packed at compile time: constant
// int8/uint8 weights and weight zero points.
bool packed_weights(OpCtx& c) {
  return c.const_in(3) && (c.dtype(3) == DType::Int8 || c.dtype(3) == DType::UInt8) && c.const_in(5);
}

// The u8 x s8 dot-product kernel (templates/qconv_u8s8.hpp) runs what it fits with weights
// packed at compile time: constant weights, zero points and bias, every w - w_zp within int8.
struct U8S8 {
  Tensor wp, bq;
};
bool pack_u8s8(OpCtx& c, const k::ConvParams& p, U8S8* out) {
  if (!packed_weights(c) || !k::qconv_u8s8_fits(p) || !c.const_in(2) || (c.has_in(8) && !c.const_in(8))) return false;
  const k::QU8Geom g = k::qconv_u8s8_geom(p);
  const Tensor& w = *c.const_in(3);
  const Tensor* wzp = c.has_in(5) ? c.const_in(5) : nullptr;
  const Tensor* bias = c.has_in(8) ? c.const_in(8) : nullptr;
  const std::int32_t zx = static_cast<std::int32_t>(c.const_in(2)->int_at(0)) + (c.dtype(0) == DType::Int8 ? 128 : 0);
  Tensor wp(DType::Int8, {p.k[1] * p.k[2] * g.c4 * g.mp * 4});
  Tensor bq(DType::Int32, {g.mp});
  bool ok = false;
  dispatch_native(w.dtype, type_set({DType::Int8, DType::UInt8}), [&](auto tag) {
    using W = typename decltype(tag)::type;
    ok = k::qconv_u8s8_pack<W>(w.data<W>(), wzp ? wzp->data<W>() : nullptr, wzp && numel(wzp->shape) > 1 ? 1 : 0,
                               bias ? bias->data<std::int32_t>() : nullptr, zx, wp.data<std::int8_t>(),
                               bq.data<std::int32_t>(), p);
  });
  if (ok && out) *out = {std::move(wp), std::move(bq)};
  return ok;
}

// QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B?): the int32 convolution
// (with the bias), requantized per output channel: rows are (n, m), columns the positions.
void infer_QLinearConv(OpCtx& c) {
  const k::ConvParams p = int_conv_params(c, 0, 3);
  if (numel(c.shape(1)) != 1 || numel(c.shape(2)) != 1) c.unsupported("x_scale or x_zero_point with more than one value");
  per_stride(c, 4, p.M, "output channel");
  per_stride(c, 5, p.M, "output channel");
  if (numel(c.shape(6)) != 1 || numel(c.shape(7)) != 1) c.unsupported("y_scale or y_zero_point with more than one value");
  if (c.has_in(8) && c.shape(8) != Shape{p.M}) c.fail("B must have one value per output channel");
  if (c.dtype(1) != c.dtype(4) || c.dtype(1) != c.dtype(6)) c.fail("the three scales must have one type");
  const Shape out = conv_out(p, c.shape(0).size());
  c.set_out(0, c.dtype(7), out);
  c.set_scratch(pack_u8s8(c, p, nullptr) ? k::qconv_u8s8_scratch_bytes(p)
                : packed_weights(c)        ? k::qconv_scratch_bytes(p)
                                           : numel(out) * 4);
}
void lower_QLinearConv(LowerCtx& c) {
  const k::ConvParams p = int_conv_params(c, 0, 3);
  U8S8 u;
  if (pack_u8s8(c, p, &u)) {
    c.call("qlinear_conv_u8s8", {type_arg(c.dtype(0)), type_arg(c.dtype(1)), type_arg(c.out(0).dtype)},
           {c.X(0), c.X(1), c.X(2), c.table(std::move(u.wp)), c.table(std::move(u.bq)), c.X(4),
            index(per_stride(c, 4, p.M, "output channel")), c.X(6), c.X(7), c.Y(0), obj(p), c.scratch(DType::UInt8)});
    return;
  }
  if (packed_weights(c)) {
    // Constant weights: packed as int16 for the dot-product kernel.
    const Tensor& w = *c.const_in(3);
    const Tensor* wzp = c.has_in(5) ? c.const_in(5) : nullptr;
    Tensor wp(DType::Int16, {p.M * k::qconv_kp(p)});
    dispatch_native(w.dtype, type_set({DType::Int8, DType::UInt8}), [&](auto tag) {
      using W = typename decltype(tag)::type;
      k::qconv_pack<W>(w.data<W>(), wzp ? wzp->data<W>() : nullptr, numel(c.shape(5)) == 1 ? 0 : 1, wp.data<std::int16_t>(), p);
    });
    c.call("qlinear_conv_packed", {type_arg(c.dtype(0)), type_arg(c.dtype(1)), type_arg(c.out(0).dtype)},
           {c.X(0), c.X(1), c.X(2), c.table(std::move(wp)), c.X(4), index(per_stride(c, 4, p.M, "output channel")), c.X(6),
            c.X(7), c.has_in(8) ? c.X(8) : null_of(DType::Int32), c.Y(0), obj(p), c.scratch(DType::Int32)});
    return;
  }
  const Arg acc = c.scratch(DType::Int32);
  c.call("conv_integer", {type_arg(c.dtype(0)), type_arg(c.dtype(3))},
         {c.X(0), c.X(3), c.has_in(8) ? c.X(8) : null_of(DType::Int32), acc, obj(p), c.X(2), c.X(5),
          index(per_stride(c, 5, p.M, "output channel"))});
  const int64_t cols = k::conv_out_size(p);
  c.call("requantize_rows", {type_arg(c.dtype(1)), type_arg(c.out(0).dtype)},
         {acc, c.Y(0), index(p.N * p.M), index(p.M), index(cols), c.X(4), index(per_stride(c, 4, p.M, "output channel")),
          c.X(1), index(0), c.X(6), c.X(7)});
}

// QLinearAdd(a, a_scale, a_zp, b, a_scale, b_zp, y_scale, y_zp) (passes/qdq.cpp): per-tensor
// scales and zero points, a and b of one shape; relu = 1 applies Relu before quantizing.
struct QLinearAddAttrs {
  int64_t relu = 0;
  O2C_FIELDS(relu)
};
void infer_QLinearAdd(OpCtx& c) {
  for (size_t i : {1, 2, 4, 5, 6, 7})
    if (numel(c.shape(i)) != 1) c.unsupported("a scale or zero point with more than one value");
  if (c.shape(0) != c.shape(3)) c.unsupported("broadcasting");
  c.set_out(0, c.dtype(7), c.shape(0));
}
void lower_QLinearAdd(LowerCtx& c) {
  c.call("qlinear_add", {type_arg(c.dtype(0)), type_arg(c.dtype(3)), type_arg(c.out(0).dtype)},
         {c.X(0), c.X(1), c.X(2), c.X(3), c.X(4), c.X(5), c.X(6), c.X(7), c.Y(0), index(numel(c.shape(0))),
          index(c.attrs<QLinearAddAttrs>().relu)});
}

}  // namespace

O2C_DEFINE_OP(QLinearAdd, infer_QLinearAdd, lower_QLinearAdd);
O2C_DEFINE_OP(ConvInteger, infer_ConvInteger, lower_ConvInteger);
O2C_DEFINE_OP(QLinearConv, infer_QLinearConv, lower_QLinearConv);
O2C_DEFINE_OP(QuantizeLinear, infer_QuantizeLinear, lower_QuantizeLinear);
O2C_DEFINE_OP(DequantizeLinear, infer_DequantizeLinear, lower_DequantizeLinear);
O2C_DEFINE_OP(DynamicQuantizeLinear, infer_DynamicQuantizeLinear, lower_DynamicQuantizeLinear);
O2C_DEFINE_OP(MatMulInteger, infer_MatMulInteger, lower_MatMulInteger);
O2C_DEFINE_OP(QLinearMatMul, infer_QLinearMatMul, lower_QLinearMatMul);

}  // namespace o2c
