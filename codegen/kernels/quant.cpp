// Folding with templates/quant.hpp: quantize_linear, dequantize_linear, dynamic_quantize_linear,
// matmul_integer, requantize_rows, conv_integer, qlinear_conv_packed. Compiled for float scales and inputs and every quantized
// type; other instantiations (float16 scales, a precision attribute) run in generated code.
#include "kernels/eval.hpp"

namespace o2c {
namespace {

const TypeSet kQuantized = type_set({DType::Int8, DType::UInt8, DType::Int16, DType::UInt16, DType::Int32,
                                     DType::Float8E4M3FN, DType::Float8E4M3FNUZ, DType::Float8E5M2,
                                     DType::Float8E5M2FNUZ});
const TypeSet kInt8 = type_set({DType::Int8, DType::UInt8});

// The C++ types a quantized value can have: the integers and the float8 types.
template <class Q>
constexpr bool quantized_cpp = std::is_integral<Q>::value || (sizeof(Q) == 1 && !std::is_arithmetic<Q>::value);

// Calls f(Tag<A>, Tag<B>) for the int8/uint8 types of template arguments 0 and 1.
template <class F>
bool with_int8_pair(const Call& c, F&& f) {
  bool ok = false;
  dispatch_native(targ_type(c, 0), kInt8, [&](auto ta) {
    dispatch_native(targ_type(c, 1), kInt8, [&](auto tb) {
      f(ta, tb);
      ok = true;
    });
  });
  return ok;
}

bool all_float(std::initializer_list<DType> ts) {
  for (DType t : ts)
    if (t != DType::Float) return false;
  return true;
}

}  // namespace

bool eval_quantize_linear(const Call& c, const Frame& f) {  // <X, S, Q, P>(x, scale, zp, y, QuantIndex, saturate)
  if (!all_float({targ_type(c, 0), targ_type(c, 1), targ_type(c, 3)}) || targ_type(c, 2) == DType::Int32) return false;
  return dispatch_held(targ_type(c, 2), kQuantized, [&](auto tq) {
    using Q = typename decltype(tq)::type;
    const auto& a = c.args;
    if constexpr (quantized_cpp<Q>)
      k::quantize_linear<float, float, Q, float>(f.in_ptr<float>(a[0]), f.in_ptr<float>(a[1]), f.in_ptr<Q>(a[2]),
                                                 f.out_ptr<Q>(a[3]), a[4].as<k::QuantIndex>(), f.value<bool>(a[5]));
  });
}

bool eval_dequantize_linear(const Call& c, const Frame& f) {  // <Q, S, Y>(x, scale, zp, y, QuantIndex)
  if (!all_float({targ_type(c, 1), targ_type(c, 2)})) return false;
  return dispatch_held(targ_type(c, 0), kQuantized, [&](auto tq) {
    using Q = typename decltype(tq)::type;
    const auto& a = c.args;
    if constexpr (quantized_cpp<Q>)
      k::dequantize_linear<Q, float, float>(f.in_ptr<Q>(a[0]), f.in_ptr<float>(a[1]), f.in_ptr<Q>(a[2]),
                                            f.out_ptr<float>(a[3]), a[4].as<k::QuantIndex>());
  });
}

// <X, S, P, Pr>(x, scale, zp, y, QuantIndex), P a packed type id: float x, scale and precision.
bool eval_quantize_linear_packed(const Call& c, const Frame& f) {
  if (!all_float({targ_type(c, 0), targ_type(c, 1), targ_type(c, 3)})) return false;
  return with_value<k::kUInt4, k::kInt4, k::kFloat4E2M1, k::kUInt2, k::kInt2>(targ_num(c, 2, 0), [&](auto p) {
    const auto& a = c.args;
    k::quantize_linear_packed<float, float, decltype(p)::value, float>(
        f.in_ptr<float>(a[0]), f.in_ptr<float>(a[1]), f.in_ptr<std::uint8_t>(a[2]), f.out_ptr<std::uint8_t>(a[3]),
        a[4].as<k::QuantIndex>());
  });
}

// <P, S, Y>(x, scale, zp, y, QuantIndex), P a packed type id: float scale and y.
bool eval_dequantize_linear_packed(const Call& c, const Frame& f) {
  if (!all_float({targ_type(c, 1), targ_type(c, 2)})) return false;
  return with_value<k::kUInt4, k::kInt4, k::kFloat4E2M1, k::kUInt2, k::kInt2>(targ_num(c, 0, 0), [&](auto p) {
    const auto& a = c.args;
    k::dequantize_linear_packed<decltype(p)::value, float, float>(f.in_ptr<std::uint8_t>(a[0]), f.in_ptr<float>(a[1]),
                                                                  f.in_ptr<std::uint8_t>(a[2]), f.out_ptr<float>(a[3]),
                                                                  a[4].as<k::QuantIndex>());
  });
}

bool eval_dynamic_quantize_linear(const Call& c, const Frame& f) {  // (x, y, scale, zp, n)
  const auto& a = c.args;
  k::dynamic_quantize_linear(f.in_ptr<float>(a[0]), f.out_ptr<std::uint8_t>(a[1]), f.out_ptr<float>(a[2]),
                             f.out_ptr<std::uint8_t>(a[3]), f.value<int64_t>(a[4]));
  return true;
}

bool eval_matmul_integer(const Call& c, const Frame& f) {
  return with_int8_pair(c, [&](auto ta, auto tb) {
    using A = typename decltype(ta)::type;
    using B = typename decltype(tb)::type;
    const auto& a = c.args;
    k::matmul_integer<A, B>(f.in_ptr<A>(a[0]), f.in_ptr<B>(a[1]), f.out_ptr<std::int32_t>(a[2]),
                            a[3].as<k::MatMulPlan>(), f.in_ptr<A>(a[4]), f.value<int64_t>(a[5]),
                            f.value<int64_t>(a[6]), f.in_ptr<B>(a[7]), f.value<int64_t>(a[8]));
  });
}

// <S, Q>(acc, y, total, rows, N, as, sas, bs, sbs, ys, yzp)
bool eval_requantize_rows(const Call& c, const Frame& f) {
  if (targ_type(c, 0) != DType::Float) return false;
  return dispatch_native(targ_type(c, 1), kInt8, [&](auto tq) {
    using Q = typename decltype(tq)::type;
    const auto& a = c.args;
    k::requantize_rows<float, Q>(f.in_ptr<std::int32_t>(a[0]), f.out_ptr<Q>(a[1]), f.value<int64_t>(a[2]),
                                 f.value<int64_t>(a[3]), f.value<int64_t>(a[4]), f.in_ptr<float>(a[5]),
                                 f.value<int64_t>(a[6]), f.in_ptr<float>(a[7]), f.value<int64_t>(a[8]),
                                 f.in_ptr<float>(a[9]), f.in_ptr<Q>(a[10]));
  });
}

// <X, W>(x, w, bias, y, ConvParams, xzp, wzp, swzp)
bool eval_conv_integer(const Call& c, const Frame& f) {
  return with_int8_pair(c, [&](auto tx, auto tw) {
    using X = typename decltype(tx)::type;
    using W = typename decltype(tw)::type;
    const auto& a = c.args;
    k::conv_integer<X, W>(f.in_ptr<X>(a[0]), f.in_ptr<W>(a[1]), f.in_ptr<std::int32_t>(a[2]),
                          f.out_ptr<std::int32_t>(a[3]), a[4].as<k::ConvParams>(), f.in_ptr<X>(a[5]),
                          f.in_ptr<W>(a[6]), f.value<int64_t>(a[7]));
  });
}

// <X, S, Q>(x, xs, xzp, wp, ws, sws, ys, yzp, bias, y, ConvParams, scratch)
bool eval_qlinear_conv_packed(const Call& c, const Frame& f) {
  if (targ_type(c, 1) != DType::Float) return false;
  bool ok = false;
  dispatch_native(targ_type(c, 0), kInt8, [&](auto tx) {
    dispatch_native(targ_type(c, 2), kInt8, [&](auto tq) {
    using X = typename decltype(tx)::type;
    using Q = typename decltype(tq)::type;
    const auto& a = c.args;
    ok = true;
    k::qlinear_conv_packed<X, float, Q>(f.in_ptr<X>(a[0]), f.in_ptr<float>(a[1]), f.in_ptr<X>(a[2]),
                                        f.in_ptr<std::int16_t>(a[3]), f.in_ptr<float>(a[4]), f.value<int64_t>(a[5]),
                                        f.in_ptr<float>(a[6]), f.in_ptr<Q>(a[7]), f.in_ptr<std::int32_t>(a[8]),
                                        f.out_ptr<Q>(a[9]), a[10].as<k::ConvParams>(),
                                        static_cast<std::int32_t*>(f.scratch));
    });
  });
  return ok;
}

// <A, B, Q>(a, as, azp, b, bs, bzp, ys, yzp, y, n, relu)
bool eval_qlinear_add(const Call& c, const Frame& f) {
  bool ok = false;
  with_int8_pair(c, [&](auto ta, auto tb) {
    dispatch_native(targ_type(c, 2), kInt8, [&](auto tq) {
      using A = typename decltype(ta)::type;
      using B = typename decltype(tb)::type;
      using Q = typename decltype(tq)::type;
      const auto& a = c.args;
      ok = true;
      k::qlinear_add<A, B, Q>(f.in_ptr<A>(a[0]), f.in_ptr<float>(a[1]), f.in_ptr<A>(a[2]), f.in_ptr<B>(a[3]),
                              f.in_ptr<float>(a[4]), f.in_ptr<B>(a[5]), f.in_ptr<float>(a[6]), f.in_ptr<Q>(a[7]),
                              f.out_ptr<Q>(a[8]), f.value<int64_t>(a[9]), f.value<int64_t>(a[10]));
    });
  });
  return ok;
}

}  // namespace o2c
