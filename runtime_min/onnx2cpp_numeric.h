/* onnx2cpp numeric: ONNX's storage-only element types to and from float. C and C++, no
 * dependencies. Pasted into generated code that uses these types (before
 * templates/numeric.hpp); the compiler folds constants with it too.
 *
 * Semantics are those of ONNX Cast (opset 24/25): onnx/onnx docs/Operators.md "Cast" and
 * docs/docsgen/source/technical/{float8,float4,int4,int2}.md. Every conversion to a narrower
 * type rounds to nearest, ties to even (E8M0 has its own rounding modes), subnormals
 * included. NaNs come out quiet.
 *
 *   float16   IEEE binary16          bias 15   inf, NaN
 *   bfloat16  float's top 16 bits    bias 127  inf, NaN
 *   e4m3fn    float8 1.4.3           bias 7    NaN = S.1111.111, no inf, max 448
 *   e4m3fnuz  float8 1.4.3           bias 8    NaN = 0x80 (the only one), no inf, no -0, max 240
 *   e5m2      float8 1.5.2           bias 15   IEEE-like: inf = S.11111.00, max 57344
 *   e5m2fnuz  float8 1.5.2           bias 16   NaN = 0x80 (the only one), no inf, no -0, max 57344
 *   e8m0      2^(code - 127)         unsigned, NaN = 0xFF, no zero (MX block scales)
 *   e2m1      float4 1.2.1           bias 1    no inf, no NaN, max 6; one code per low nibble
 *   int4/uint4, int2/uint2: packed from the low bits of each byte up. */
#ifndef ONNX2CPP_NUMERIC_H
#define ONNX2CPP_NUMERIC_H

#include <stdint.h>
#include <string.h>

/* A program uses some of these functions, not all: clang reports unused static functions of
 * the main file, which generated code pasting this header is. */
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#endif

/* ---- bits ------------------------------------------------------------------------------- */

static inline uint32_t onnx2cpp_f32_bits(float x) {
  uint32_t u;
  memcpy(&u, &x, sizeof u);
  return u;
}
static inline float onnx2cpp_f32_from_bits(uint32_t u) {
  float x;
  memcpy(&x, &u, sizeof x);
  return x;
}
static inline uint64_t onnx2cpp_f64_bits(double x) {
  uint64_t u;
  memcpy(&u, &x, sizeof u);
  return u;
}

/* v >> sh rounded to nearest, ties to even (1 <= sh < 32, resp. 64, and no overflow):
 * adding half an ulp minus one, plus the lowest kept bit, carries into the kept bits exactly
 * when the dropped bits exceed half, or equal it and the kept value is odd. A carry out of a
 * mantissa into the exponent field is the correct result (the next binade, or infinity). */
static inline uint32_t onnx2cpp_rne32(uint32_t v, unsigned sh) {
  return (v + (1u << (sh - 1)) - 1u + ((v >> sh) & 1u)) >> sh;
}
static inline uint64_t onnx2cpp_rne64(uint64_t v, int sh) {
  return (v + (UINT64_C(1) << (sh - 1)) - 1u + ((v >> sh) & 1u)) >> sh;
}

/* c ? a : b (c is 0 or 1) as masks: compilers keep it branch-free, and loops of it vectorize. */
static inline uint32_t onnx2cpp_select(int c, uint32_t a, uint32_t b) {
  uint32_t m = 0u - (uint32_t)c;
  return (a & m) | (b & ~m);
}

/* Rounds a finite magnitude to a smaller binary format. `a` is a float's bits without the sign
 * (exponent field above `sm` mantissa bits, bias `sb`); the target has `m` mantissa bits and
 * bias `b` <= sb. Returns the target's magnitude code, exponent field << m | mantissa,
 * unbounded above: a code past the target's largest finite one means overflow. */
static inline uint64_t onnx2cpp_round_bits(uint64_t a, int sm, int sb, int m, int b) {
  int e = (int)(a >> sm), t, sh = sm - m;
  uint64_t v = a & ((UINT64_C(1) << sm) - 1);
  if (e) v |= UINT64_C(1) << sm; /* the implicit leading bit */
  else e = 1;                    /* a subnormal source has the scale of exponent field 1 */
  t = e - sb + b;                /* the target's exponent field for this binade */
  if (t >= 1) v += (uint64_t)(t - 1) << sm; /* leading bit + (t - 1): the field lands above the mantissa */
  else sh += 1 - t;              /* a target subnormal: the ulp stays that of field 1 */
  if (sh > sm + 1) return 0;     /* v < 2^(sm+1) is below half the smallest subnormal */
  return onnx2cpp_rne64(v, sh);
}

/* ---- float16, bfloat16 ------------------------------------------------------------------- */

/* float16 <-> float run in every float16 kernel: every case is computed and one selected, no
 * branches, so that loops of them vectorize (AVX2: 8 floats in a few instructions). */
static inline uint16_t onnx2cpp_f32_to_f16(float x) {
  uint32_t u = onnx2cpp_f32_bits(x), a = u & 0x7FFFFFFFu, s = (u >> 16) & 0x8000u, r;
  /* |x| >= 2^-14, a normal half: rebias the exponent, 127 -> 15, and round off 13 bits */
  uint32_t normal = onnx2cpp_rne32(a - ((127u - 15u) << 23), 13);
  /* |x| < 2^-14: |x| + 0.5 has an ulp of 2^-24, the smallest subnormal half, so the float
   * addition rounds |x| to it, to nearest even, and its low bits count 2^-24 units (0x400, the
   * smallest normal, when it rounds up to 2^-14). Exact under the default rounding mode;
   * 0.5 = 0x3F000000. A float subnormal that a DAZ mode reads as 0 rounds to 0 anyway. */
  uint32_t subnormal = onnx2cpp_f32_bits(onnx2cpp_f32_from_bits(a) + 0.5f) - 0x3F000000u;
  r = onnx2cpp_select(a >= 0x38800000u, normal, subnormal);
  /* inf, and >= 65520: 65504 + half an ulp, a tie rounding to 2^16 */
  r = onnx2cpp_select(a >= 0x477FF000u, 0x7C00u, r);
  r = onnx2cpp_select(a > 0x7F800000u, 0x7E00u | ((a >> 13) & 0x3FFu), r); /* NaN: quiet, payload's top kept */
  return (uint16_t)(s | r);
}

static inline float onnx2cpp_f16_to_f32(uint16_t h) {
  uint32_t a = h & 0x7FFFu, v;
  uint32_t normal = (a << 13) + ((127u - 15u) << 23); /* rebias the exponent, 15 -> 127 */
  /* inf and NaN: rebias the all-ones exponent once more to 255; NaNs come out quiet */
  uint32_t special = (normal + ((127u - 15u) << 23)) | (a > 0x7C00u ? 0x400000u : 0u);
  /* zero and subnormals, a * 2^-24: `normal` plus 1 in the exponent field is 2^-14 * (1 + a /
   * 1024), and subtracting 2^-14 leaves a * 2^-24, exact and a normal float (flush-to-zero
   * modes do not matter) */
  uint32_t subnormal = onnx2cpp_f32_bits(onnx2cpp_f32_from_bits(normal + (1u << 23)) - 6.103515625e-05f);
  v = onnx2cpp_select(a >= 0x7C00u, special, onnx2cpp_select(a >= 0x400u, normal, subnormal));
  return onnx2cpp_f32_from_bits(v | (uint32_t)(h & 0x8000u) << 16);
}

static inline uint16_t onnx2cpp_f64_to_f16(double x) {
  uint64_t u = onnx2cpp_f64_bits(x), a = u & UINT64_C(0x7FFFFFFFFFFFFFFF), c;
  uint16_t s = (uint16_t)((u >> 48) & 0x8000u);
  if (a > UINT64_C(0x7FF0000000000000)) return (uint16_t)(s | 0x7E00u | ((a >> 42) & 0x3FFu)); /* NaN */
  c = a == UINT64_C(0x7FF0000000000000) ? 0x7C00u : onnx2cpp_round_bits(a, 52, 1023, 10, 15);
  return (uint16_t)(s | (c > 0x7C00u ? 0x7C00u : c));
}

static inline uint16_t onnx2cpp_f32_to_bf16(float x) {
  uint32_t u = onnx2cpp_f32_bits(x);
  if ((u & 0x7FFFFFFFu) > 0x7F800000u) return (uint16_t)((u >> 16) | 0x40u); /* NaN, quiet */
  /* the sign bit rides along: the largest finite magnitude plus the rounding stays below 2^31 */
  return (uint16_t)onnx2cpp_rne32(u, 16);
}

static inline float onnx2cpp_bf16_to_f32(uint16_t h) {
  uint32_t u = (uint32_t)h << 16;
  if ((u & 0x7FFFFFFFu) > 0x7F800000u) u |= 0x400000u; /* NaN: quiet */
  return onnx2cpp_f32_from_bits(u);
}

static inline uint16_t onnx2cpp_f64_to_bf16(double x) {
  uint64_t u = onnx2cpp_f64_bits(x), a = u & UINT64_C(0x7FFFFFFFFFFFFFFF), c;
  uint16_t s = (uint16_t)((u >> 48) & 0x8000u);
  if (a > UINT64_C(0x7FF0000000000000)) return (uint16_t)(s | 0x7FC0u | ((a >> 45) & 0x7Fu)); /* NaN */
  c = a == UINT64_C(0x7FF0000000000000) ? 0x7F80u : onnx2cpp_round_bits(a, 52, 1023, 7, 127);
  return (uint16_t)(s | (c > 0x7F80u ? 0x7F80u : c));
}

/* ---- float8, float4 ---------------------------------------------------------------------- */

/* |x| as a magnitude code of a small format (m mantissa bits, bias b, largest finite code
 * max): the rounded code, max + 1 when |x| is infinite or rounds past max, max + 2 for NaN. */
static inline uint32_t onnx2cpp_small_code(float x, int m, int b, uint32_t max) {
  uint32_t a = onnx2cpp_f32_bits(x) & 0x7FFFFFFFu;
  uint64_t c;
  if (a >= 0x7F800000u) return a == 0x7F800000u ? max + 1 : max + 2;
  c = onnx2cpp_round_bits(a, 23, 127, m, b);
  return c > max ? max + 1 : (uint32_t)c;
}

/* The value of the finite magnitude code c of a small format (m mantissa bits, bias b), with
 * the sign of `neg`. */
static inline float onnx2cpp_small_value(uint32_t c, int m, int b, uint32_t neg) {
  uint32_t e = c >> m, f = c & ((1u << m) - 1u), v;
  if (e) v = ((e + (uint32_t)(127 - b)) << 23) | (f << (23 - m)); /* normal: rebias, widen */
  else   /* subnormal: f units of 2^(1 - b - m), an exact product */
    v = onnx2cpp_f32_bits((float)f * onnx2cpp_f32_from_bits((uint32_t)(128 - b - m) << 23));
  return onnx2cpp_f32_from_bits(v | (neg ? 0x80000000u : 0u));
}

static inline uint32_t onnx2cpp_f32_sign8(float x) { return (onnx2cpp_f32_bits(x) >> 24) & 0x80u; }
static inline float onnx2cpp_nan_f32(uint32_t neg) { return onnx2cpp_f32_from_bits(neg ? 0xFFC00000u : 0x7FC00000u); }

/* saturate (ONNX's default, 1): out-of-range values and +-inf become +-max; otherwise they
 * become NaN (E4M3FN keeps the sign, the FNUZ types have one NaN) or +-inf (E5M2). */
static inline uint8_t onnx2cpp_f32_to_e4m3fn(float x, int saturate) {
  uint32_t c = onnx2cpp_small_code(x, 3, 7, 0x7E);
  if (c > 0x7E) c = c == 0x7F && saturate ? 0x7E : 0x7F;
  return (uint8_t)(onnx2cpp_f32_sign8(x) | c);
}
static inline float onnx2cpp_e4m3fn_to_f32(uint8_t v) {
  return (v & 0x7F) == 0x7F ? onnx2cpp_nan_f32(v & 0x80) : onnx2cpp_small_value(v & 0x7Fu, 3, 7, v & 0x80);
}

static inline uint8_t onnx2cpp_f32_to_e4m3fnuz(float x, int saturate) {
  uint32_t c = onnx2cpp_small_code(x, 3, 8, 0x7F);
  if (c == 0x81 || (c == 0x80 && !saturate)) return 0x80; /* NaN */
  if (c == 0) return 0; /* no negative zero */
  return (uint8_t)(onnx2cpp_f32_sign8(x) | (c > 0x7F ? 0x7F : c));
}
static inline float onnx2cpp_e4m3fnuz_to_f32(uint8_t v) {
  return v == 0x80 ? onnx2cpp_nan_f32(0) : onnx2cpp_small_value(v & 0x7Fu, 3, 8, v & 0x80);
}

static inline uint8_t onnx2cpp_f32_to_e5m2(float x, int saturate) {
  uint32_t c = onnx2cpp_small_code(x, 2, 15, 0x7B);
  if (c > 0x7B) c = c == 0x7D ? 0x7E : saturate ? 0x7B : 0x7C; /* quiet NaN, max or inf */
  return (uint8_t)(onnx2cpp_f32_sign8(x) | c);
}
static inline float onnx2cpp_e5m2_to_f32(uint8_t v) {
  /* E5M2 is the top byte of a float16, infinities and NaNs included */
  return onnx2cpp_f16_to_f32((uint16_t)(v << 8));
}

static inline uint8_t onnx2cpp_f32_to_e5m2fnuz(float x, int saturate) {
  uint32_t c = onnx2cpp_small_code(x, 2, 16, 0x7F);
  if (c == 0x81 || (c == 0x80 && !saturate)) return 0x80; /* NaN */
  if (c == 0) return 0; /* no negative zero */
  return (uint8_t)(onnx2cpp_f32_sign8(x) | (c > 0x7F ? 0x7F : c));
}
static inline float onnx2cpp_e5m2fnuz_to_f32(uint8_t v) {
  return v == 0x80 ? onnx2cpp_nan_f32(0) : onnx2cpp_small_value(v & 0x7Fu, 2, 16, v & 0x80);
}

/* float4: one code in the low nibble (two per byte in tensors: onnx2cpp_uint4_get/set). Always
 * saturating (`saturate` is there for symmetry and ignored): beyond +-6 and +-inf give +-6.
 * NaN gives -0 (0x8), as ONNX 1.22's reference and test data (test_cast_FLOAT_to_FLOAT4E2M1)
 * do; float4.md's table says +6. */
static inline uint8_t onnx2cpp_f32_to_e2m1(float x, int saturate) {
  uint32_t c = onnx2cpp_small_code(x, 1, 1, 0x7);
  (void)saturate;
  if (c == 0x9) return 0x8;
  return (uint8_t)((onnx2cpp_f32_sign8(x) >> 4) | (c > 0x7 ? 0x7 : c));
}
static inline float onnx2cpp_e2m1_to_f32(uint8_t v) {
  return onnx2cpp_small_value(v & 0x7u, 1, 1, v & 0x8);
}

/* E8M0 (an exponent alone: 2^(code - 127), 0xFF = NaN) and the Cast attribute round_mode:
 * up (the default) rounds every non-power of two up, down truncates, nearest rounds
 * 1.5 * 2^k (the midpoint of 2^k and 2^(k+1)) and above up. Results beyond 2^127 or below
 * 2^-127 (0 included) and inf become 2^127 or 2^-127 with saturate, NaN without. ONNX leaves
 * negative inputs undefined; |x| is converted, as its reference implementation does. */
#define ONNX2CPP_ROUND_UP 0
#define ONNX2CPP_ROUND_DOWN 1
#define ONNX2CPP_ROUND_NEAREST 2
static inline uint8_t onnx2cpp_f32_to_e8m0_mode(float x, int saturate, int round_mode) {
  uint32_t a = onnx2cpp_f32_bits(x) & 0x7FFFFFFFu, f = a & 0x7FFFFFu;
  int e = (int)(a >> 23);
  if (a > 0x7F800000u) return 0xFF;
  if (a == 0x7F800000u) return saturate ? 0xFE : 0xFF;
  if (a == 0) return saturate ? 0x00 : 0xFF;
  if (e == 0) { /* a subnormal float: normalize to 1.f * 2^(e - 127) with e <= 0 */
    for (e = 1; !(f & 0x800000u); --e) f <<= 1;
    f &= 0x7FFFFFu;
  }
  if (round_mode == ONNX2CPP_ROUND_UP) e += f != 0;
  else if (round_mode == ONNX2CPP_ROUND_NEAREST) e += f >= 0x400000u;
  if (e > 254) return saturate ? 0xFE : 0xFF;
  if (e < 0) return saturate ? 0x00 : 0xFF;
  return (uint8_t)e;
}
static inline uint8_t onnx2cpp_f32_to_e8m0(float x, int saturate) {
  return onnx2cpp_f32_to_e8m0_mode(x, saturate, ONNX2CPP_ROUND_UP);
}
static inline float onnx2cpp_e8m0_to_f32(uint8_t v) {
  /* code 0 is 2^-127, a subnormal float */
  return v == 0xFF ? onnx2cpp_nan_f32(0) : onnx2cpp_f32_from_bits(v ? (uint32_t)v << 23 : 0x400000u);
}

/* ---- int4, uint4, int2, uint2 ------------------------------------------------------------ */

/* Element i of a packed array: elements 2k and 2k+1 (int4) are the low and high nibbles of
 * byte k; int2 puts element 4k + j at bits 2j..2j+1. set() keeps the other elements. */
static inline unsigned onnx2cpp_uint4_get(const uint8_t* p, size_t i) { return (p[i >> 1] >> ((i & 1) * 4)) & 0xFu; }
static inline int onnx2cpp_int4_get(const uint8_t* p, size_t i) {
  return (int)(onnx2cpp_uint4_get(p, i) ^ 8u) - 8; /* sign-extends: 8..15 -> -8..-1 */
}
static inline void onnx2cpp_uint4_set(uint8_t* p, size_t i, unsigned v) {
  unsigned sh = (unsigned)(i & 1) * 4;
  p[i >> 1] = (uint8_t)((p[i >> 1] & ~(0xFu << sh)) | ((v & 0xFu) << sh));
}
static inline void onnx2cpp_int4_set(uint8_t* p, size_t i, int v) { onnx2cpp_uint4_set(p, i, (unsigned)v); }

static inline unsigned onnx2cpp_uint2_get(const uint8_t* p, size_t i) { return (p[i >> 2] >> ((i & 3) * 2)) & 0x3u; }
static inline int onnx2cpp_int2_get(const uint8_t* p, size_t i) { return (int)(onnx2cpp_uint2_get(p, i) ^ 2u) - 2; }
static inline void onnx2cpp_uint2_set(uint8_t* p, size_t i, unsigned v) {
  unsigned sh = (unsigned)(i & 3) * 2;
  p[i >> 2] = (uint8_t)((p[i >> 2] & ~(0x3u << sh)) | ((v & 0x3u) << sh));
}
static inline void onnx2cpp_int2_set(uint8_t* p, size_t i, int v) { onnx2cpp_uint2_set(p, i, (unsigned)v); }

/* x rounded to the nearest integer, ties to even, then clamped to [lo, hi] (as ONNX Cast to
 * the 4- and 2-bit integers does); NaN, undefined in ONNX, gives 0. */
static inline int onnx2cpp_f32_to_int_sat(float x, int lo, int hi) {
  int t;
  float r;
  if ((onnx2cpp_f32_bits(x) & 0x7FFFFFFFu) > 0x7F800000u) return 0; /* not x != x: -ffast-math */
  if (x <= (float)lo) return lo; /* clamping first is the same: lo, hi are integers */
  if (x >= (float)hi) return hi;
  t = (int)x;        /* truncated toward zero */
  r = x - (float)t;  /* the fraction, exact, in (-1, 1) */
  if (r > 0.5f || (r >= 0.5f && t % 2 != 0)) ++t; /* above half, or half and odd */
  else if (r < -0.5f || (r <= -0.5f && t % 2 != 0)) --t;
  return t;
}
static inline int8_t onnx2cpp_f32_to_int4(float x) { return (int8_t)onnx2cpp_f32_to_int_sat(x, -8, 7); }
static inline uint8_t onnx2cpp_f32_to_uint4(float x) { return (uint8_t)onnx2cpp_f32_to_int_sat(x, 0, 15); }
static inline int8_t onnx2cpp_f32_to_int2(float x) { return (int8_t)onnx2cpp_f32_to_int_sat(x, -2, 1); }
static inline uint8_t onnx2cpp_f32_to_uint2(float x) { return (uint8_t)onnx2cpp_f32_to_int_sat(x, 0, 3); }

/* Element i of a tensor of a storage-only or packed type, by its onnx.TensorProto.DataType
 * id (10 float16, 16 bfloat16, 17 to 20 and 24 float8, 21/22 uint4/int4, 23 float4e2m1,
 * 25/26 uint2/int2), as float; NaN for any other type. For test harnesses and tools. */
static inline float onnx2cpp_storage_to_f32(int type, const uint8_t* p, size_t i) {
  uint16_t h;
  switch (type) {
    case 10: memcpy(&h, p + 2 * i, 2); return onnx2cpp_f16_to_f32(h);
    case 16: memcpy(&h, p + 2 * i, 2); return onnx2cpp_bf16_to_f32(h);
    case 17: return onnx2cpp_e4m3fn_to_f32(p[i]);
    case 18: return onnx2cpp_e4m3fnuz_to_f32(p[i]);
    case 19: return onnx2cpp_e5m2_to_f32(p[i]);
    case 20: return onnx2cpp_e5m2fnuz_to_f32(p[i]);
    case 21: return (float)onnx2cpp_uint4_get(p, i);
    case 22: return (float)onnx2cpp_int4_get(p, i);
    case 23: return onnx2cpp_e2m1_to_f32((uint8_t)onnx2cpp_uint4_get(p, i));
    case 24: return onnx2cpp_e8m0_to_f32(p[i]);
    case 25: return (float)onnx2cpp_uint2_get(p, i);
    case 26: return (float)onnx2cpp_int2_get(p, i);
    default: return onnx2cpp_f32_from_bits(0x7FC00000u);
  }
}

#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic pop
#endif

#endif /* ONNX2CPP_NUMERIC_H */
