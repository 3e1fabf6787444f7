// onnx2cpp kernels: the sub-byte element types uint4, int4, float4e2m1 (two to a byte) and
// uint2, int2 (four to a byte), held packed as ONNX stores them: element i of a tensor in byte
// i / per_byte at bits (i % per_byte) * bits, low bits first; the unused bits of the last byte
// are 0. Their pointers are bytes (std::uint8_t); the type travels as a template argument,
// its ONNX id (kUInt4 ...). Casts to and from every held type, and the packed writes of
// QuantizeLinear (quant.hpp). Float4 codes convert with runtime_min/onnx2cpp_numeric.h.
#ifndef ONNX2CPP_K_SUBBYTE_HPP
#define ONNX2CPP_K_SUBBYTE_HPP

ONNX2CPP_K_BEGIN

// The packed types by their onnx.TensorProto.DataType ids.
enum PackedType : int { kUInt4 = 21, kInt4 = 22, kFloat4E2M1 = 23, kUInt2 = 25, kInt2 = 26 };

template <int P>
struct Packed {
  static constexpr int bits = (P == kUInt2 || P == kInt2) ? 2 : 4;
  static constexpr i64 per_byte = 8 / bits;
  static constexpr unsigned mask = (1u << bits) - 1u;
  static constexpr bool is_signed = P == kInt4 || P == kInt2;

  static i64 bytes(i64 n) { return (n + per_byte - 1) / per_byte; }
  static unsigned code(const std::uint8_t* p, i64 i) {
    return (static_cast<unsigned>(p[i / per_byte]) >> ((i % per_byte) * bits)) & mask;
  }
  // Writes code c as element i. Elements must be written in order from 0: the first element
  // of each byte sets the whole byte (so the unused bits of the last one are 0).
  static void put(std::uint8_t* p, i64 i, unsigned c) {
    const i64 j = i % per_byte;
    if (j == 0) p[i / per_byte] = static_cast<std::uint8_t>(c);
    else p[i / per_byte] = static_cast<std::uint8_t>(p[i / per_byte] | (c << (j * bits)));
  }

  // The value of a code: the integer (sign-extended), or float4's value.
  static float value(unsigned c) {
    if constexpr (P == kFloat4E2M1) return onnx2cpp_e2m1_to_f32(static_cast<std::uint8_t>(c));
    else if constexpr (is_signed) return static_cast<float>(static_cast<int>(c ^ (1u << (bits - 1))) - (1 << (bits - 1)));
    else return static_cast<float>(c);
  }
  static float get(const std::uint8_t* p, i64 i) { return value(code(p, i)); }

  // The code of an integer: its low bits (two's complement wrap-around, as Cast to any
  // narrower integer type).
  static unsigned from_int(long long v) { return static_cast<unsigned>(static_cast<unsigned long long>(v)) & mask; }
  // The code of a number. Integers: truncated toward zero, then wrapped (NaN and infinities,
  // undefined in ONNX, give 0). float4e2m1: rounded to nearest even and saturated to +-6
  // (onnx2cpp_f32_to_e2m1); a double is first narrowed to float rounding to odd, so the two
  // roundings make one.
  static unsigned from(double v) {
    if constexpr (P == kFloat4E2M1) {
      float f = static_cast<float>(v);
      if (static_cast<double>(f) != v) {  // inexact (NaN compares unequal: its b is all ones)
        std::uint32_t b;
        std::memcpy(&b, &f, 4);
        if ((b & 1u) == 0 && (b & 0x7F800000u) != 0x7F800000u) {  // even: one step toward v, to odd
          b += std::fabs(v) > std::fabs(static_cast<double>(f)) ? 1u : 0xFFFFFFFFu;
          std::memcpy(&f, &b, 4);
        }
      }
      return onnx2cpp_f32_to_e2m1(f, 1);
    } else {
      std::uint64_t b;
      std::memcpy(&b, &v, 8);
      if ((b & 0x7FF0000000000000u) == 0x7FF0000000000000u) return 0;  // NaN, +-inf
      const double t = std::trunc(v);
      const double m = std::fmod(t, 65536.0);  // exact; keeps the low bits
      return from_int(static_cast<long long>(m));
    }
  }
  static unsigned from(float v) {
    if constexpr (P == kFloat4E2M1) return onnx2cpp_f32_to_e2m1(v, 1);
    else return from(static_cast<double>(v));
  }
};

// The code of x (any held type) in packed type P.
template <int P, class X>
inline unsigned packed_code(X x) {
  if constexpr (std::is_same<X, bool>::value) return static_cast<unsigned>(x);
  else if constexpr (std::is_integral<X>::value) {
    if constexpr (P == kFloat4E2M1) return Packed<P>::from(static_cast<double>(x));
    else return Packed<P>::from_int(static_cast<long long>(x));
  } else if constexpr (std::is_same<X, double>::value) return Packed<P>::from(x);
  else return Packed<P>::from(static_cast<float>(x));
}

// A packed value v (exact in float) as Y: integers through a wide integer (truncating
// float4's fractions and wrapping, as Cast from float does), others from float.
template <class Y>
inline Y from_packed_value(float v) {
  if constexpr (std::is_same<Y, bool>::value) return v != 0.0f;
  else if constexpr (std::is_integral<Y>::value) return static_cast<Y>(static_cast<long long>(v));
  else return static_cast<Y>(v);
}

// y = x (packed type P) converted to Y.
template <int P, class Y>
inline void cast_from_packed(const std::uint8_t* x, Y* y, i64 n) {
  for (i64 i = 0; i < n; ++i) y[i] = from_packed_value<Y>(Packed<P>::get(x, i));
}
// y (packed type P) = x converted.
template <class X, int P>
inline void cast_to_packed(const X* x, std::uint8_t* y, i64 n) {
  for (i64 i = 0; i < n; ++i) Packed<P>::put(y, i, packed_code<P>(x[i]));
}
// y (packed type Q) = x (packed type P) converted.
template <int P, int Q>
inline void cast_packed(const std::uint8_t* x, std::uint8_t* y, i64 n) {
  if constexpr (P == Q) {
    for (i64 i = 0; i < Packed<P>::bytes(n); ++i) y[i] = x[i];
    if (n % Packed<P>::per_byte) y[n / Packed<P>::per_byte] &= static_cast<std::uint8_t>((1u << (n % Packed<P>::per_byte * Packed<P>::bits)) - 1u);
  } else {
    for (i64 i = 0; i < n; ++i) {
      const float v = Packed<P>::get(x, i);
      if constexpr (Q == kFloat4E2M1 || P == kFloat4E2M1) Packed<Q>::put(y, i, Packed<Q>::from(v));
      else Packed<Q>::put(y, i, Packed<Q>::from_int(static_cast<long long>(v)));
    }
  }
}

ONNX2CPP_K_END
#endif
