// onnx2cpp kernels: storage-only element types (float16, bfloat16, float8).
// Each type holds its raw bits, converts to float implicitly and from float explicitly, with
// the conversions of runtime_min/onnx2cpp_numeric.h: generated code pastes that C header
// before this one (it is not #included here). Arithmetic happens in float:
// y[i] = T(f(float(x[i]))). Construction from float rounds to nearest even; the float8 types
// saturate, as ONNX Cast does by default (saturate=1; float8e8m0 also rounds up, its default
// round_mode). float16 and bfloat16 also round doubles directly (no double rounding through
// float), and integers through double (exact up to 2^53).
#ifndef ONNX2CPP_K_NUMERIC_HPP
#define ONNX2CPP_K_NUMERIC_HPP

ONNX2CPP_K_BEGIN

struct float16 {
  std::uint16_t bits;
  float16() = default;
  explicit float16(float x) : bits(onnx2cpp_f32_to_f16(x)) {}
  explicit float16(double x) : bits(onnx2cpp_f64_to_f16(x)) {}
  template <class I, typename std::enable_if<std::is_integral<I>::value, int>::type = 0>
  explicit float16(I x) : float16(static_cast<double>(x)) {}
  operator float() const { return onnx2cpp_f16_to_f32(bits); }
  static float16 from_bits(std::uint16_t b) {
    float16 v;
    v.bits = b;
    return v;
  }
};

struct bfloat16 {
  std::uint16_t bits;
  bfloat16() = default;
  explicit bfloat16(float x) : bits(onnx2cpp_f32_to_bf16(x)) {}
  explicit bfloat16(double x) : bits(onnx2cpp_f64_to_bf16(x)) {}
  template <class I, typename std::enable_if<std::is_integral<I>::value, int>::type = 0>
  explicit bfloat16(I x) : bfloat16(static_cast<double>(x)) {}
  operator float() const { return onnx2cpp_bf16_to_f32(bits); }
  static bfloat16 from_bits(std::uint16_t b) {
    bfloat16 v;
    v.bits = b;
    return v;
  }
};

// The float8 types differ only in their conversions. unsaturated(): Cast with saturate=0
// (out of range: infinity where the type has one, else NaN).
#define ONNX2CPP_K_FLOAT8(T, to, from)                               \
  struct T {                                                         \
    std::uint8_t bits;                                               \
    T() = default;                                                   \
    explicit T(float x) : bits(to(x, 1)) {}                          \
    operator float() const { return from(bits); }                    \
    static T from_bits(std::uint8_t b) {                             \
      T v;                                                           \
      v.bits = b;                                                    \
      return v;                                                      \
    }                                                                \
    static T unsaturated(float x) { return from_bits(to(x, 0)); }    \
  };
ONNX2CPP_K_FLOAT8(float8e4m3fn, onnx2cpp_f32_to_e4m3fn, onnx2cpp_e4m3fn_to_f32)
ONNX2CPP_K_FLOAT8(float8e4m3fnuz, onnx2cpp_f32_to_e4m3fnuz, onnx2cpp_e4m3fnuz_to_f32)
ONNX2CPP_K_FLOAT8(float8e5m2, onnx2cpp_f32_to_e5m2, onnx2cpp_e5m2_to_f32)
ONNX2CPP_K_FLOAT8(float8e5m2fnuz, onnx2cpp_f32_to_e5m2fnuz, onnx2cpp_e5m2fnuz_to_f32)
ONNX2CPP_K_FLOAT8(float8e8m0, onnx2cpp_f32_to_e8m0, onnx2cpp_e8m0_to_f32)
#undef ONNX2CPP_K_FLOAT8

// y = x converted to a float8 type without saturation (Cast with saturate=0).
template <class X, class Y>
inline void cast_unsaturated(const X* x, Y* y, i64 n) {
  for (i64 i = 0; i < n; ++i) y[i] = Y::unsaturated(static_cast<float>(x[i]));
}

// y = x converted to float8e8m0 with Cast's saturate and round_mode (0 up, 1 down, 2 nearest:
// ONNX2CPP_ROUND_*).
template <class X>
inline void cast_e8m0(const X* x, float8e8m0* y, i64 n, bool saturate, i64 round_mode) {
  for (i64 i = 0; i < n; ++i)
    y[i] = float8e8m0::from_bits(onnx2cpp_f32_to_e8m0_mode(static_cast<float>(x[i]), saturate, static_cast<int>(round_mode)));
}

ONNX2CPP_K_END
#endif
