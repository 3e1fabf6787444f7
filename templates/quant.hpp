// onnx2cpp kernels: linear quantization (QuantizeLinear, DequantizeLinear,
// DynamicQuantizeLinear), integer matrix products (MatMulInteger, QLinearMatMul) and
// convolutions (ConvInteger, QLinearConv: direct loops, exact, not yet fast).
// Scales and zero points follow the element they apply to through QuantIndex: per tensor,
// per axis or blocked. The storage float types (float16, bfloat16, float8) convert themselves
// (numeric.hpp), so each kernel computes in the precision the spec names.
#ifndef ONNX2CPP_K_QUANT_HPP
#define ONNX2CPP_K_QUANT_HPP
#if defined(__AVX512F__) && defined(__AVX512VL__)
#include <immintrin.h>  // qlinear_add
#endif

ONNX2CPP_K_BEGIN

// Where element (o, a, i) of x viewed as [outer, axis, inner] finds its scale and zero point:
// so * o + sa * (a / block) + si * i (per tensor: all strides 0; per axis: sa = 1, block = 1).
struct QuantIndex {
  i64 outer, axis, inner, block, so, sa, si;
};

// The precision P of a division or product: a native arithmetic type, or a storage float type
// (each result rounded to it).
template <class P, class V>
inline P quant_as(V v) {
  if constexpr (std::is_arithmetic<P>::value) return static_cast<P>(v);
  else return P(static_cast<float>(v));
}
template <class P>
inline P quant_div(P a, P b) {
  if constexpr (std::is_arithmetic<P>::value) return a / b;
  else return P(static_cast<float>(a) / static_cast<float>(b));
}
template <class P>
inline P quant_mul(P a, P b) {
  if constexpr (std::is_arithmetic<P>::value) return a * b;
  else return P(static_cast<float>(a) * static_cast<float>(b));
}

// v rounded half to even, plus the zero point, saturated to Q's range (NaN gives the lowest).
template <class Q>
inline Q quant_saturate(double v, double zp) {
  const double lo = static_cast<double>(std::numeric_limits<Q>::lowest());
  const double hi = static_cast<double>(std::numeric_limits<Q>::max());
  double r = std::nearbyint(v) + zp;
  if (!(r >= lo)) r = lo;
  if (r > hi) r = hi;
  return static_cast<Q>(r);
}

// Calls f(e, s) for every element e of x with s the index of its scale and zero point.
template <class F>
inline void for_each_quant(const QuantIndex& q, F&& f) {
  i64 e = 0;
  for (i64 o = 0; o < q.outer; ++o)
    for (i64 a = 0; a < q.axis; ++a) {
      const i64 base = q.so * o + q.sa * (a / q.block);
      for (i64 i = 0; i < q.inner; ++i) f(e++, base + q.si * i);
    }
}

// y = saturate(x / scale + zero_point) in Q: integers round half to even and clamp; the float8
// types round to nearest even and saturate (or not: saturate = false).
template <class X, class S, class Q, class P>
inline void quantize_linear(const X* x, const S* scale, const Q* zp, Q* y, const QuantIndex& q, bool saturate) {
  for_each_quant(q, [&](i64 e, i64 s) {
    const P v = quant_div(quant_as<P>(x[e]), quant_as<P>(scale[s]));
    if constexpr (std::is_integral<Q>::value) {
      y[e] = quant_saturate<Q>(static_cast<double>(v), zp ? static_cast<double>(zp[s]) : 0.0);
    } else {
      const float f = static_cast<float>(v) + (zp ? static_cast<float>(zp[s]) : 0.0f);
      y[e] = saturate ? Q(f) : Q::unsaturated(f);
    }
  });
}

// y = (x - zero_point) * scale, computed in float and rounded once to Y.
template <class Q, class S, class Y>
inline void dequantize_linear(const Q* x, const S* scale, const Q* zp, Y* y, const QuantIndex& q) {
  for_each_quant(q, [&](i64 e, i64 s) {
    const float d = static_cast<float>(x[e]) - (zp ? static_cast<float>(zp[s]) : 0.0f);
    y[e] = quant_as<Y>(d * static_cast<float>(scale[s]));
  });
}

// The same to and from a packed type P (subbyte.hpp; zp and y packed alike): integers round
// half to even, add the zero point and clamp to P's range; float4e2m1 rounds x / scale +
// zero_point to nearest even, always saturating (its Cast: `saturate` does not apply).
template <class X, class S, int P, class Pr>
inline void quantize_linear_packed(const X* x, const S* scale, const std::uint8_t* zp, std::uint8_t* y,
                                   const QuantIndex& q) {
  using T = Packed<P>;
  const double lo = T::is_signed ? -static_cast<double>(1 << (T::bits - 1)) : 0.0;
  const double hi = T::is_signed ? static_cast<double>((1 << (T::bits - 1)) - 1) : static_cast<double>(T::mask);
  for_each_quant(q, [&](i64 e, i64 s) {
    const Pr v = quant_div(quant_as<Pr>(x[e]), quant_as<Pr>(scale[s]));
    const float z = zp ? T::get(zp, s) : 0.0f;
    if constexpr (P == kFloat4E2M1) {
      T::put(y, e, T::from(static_cast<float>(v) + z));
    } else {
      double r = std::nearbyint(static_cast<double>(v)) + z;
      if (!(r >= lo)) r = lo;
      if (r > hi) r = hi;
      T::put(y, e, T::from_int(static_cast<long long>(r)));
    }
  });
}
template <int P, class S, class Y>
inline void dequantize_linear_packed(const std::uint8_t* x, const S* scale, const std::uint8_t* zp, Y* y,
                                     const QuantIndex& q) {
  for_each_quant(q, [&](i64 e, i64 s) {
    const float d = Packed<P>::get(x, e) - (zp ? Packed<P>::get(zp, s) : 0.0f);
    y[e] = quant_as<Y>(d * static_cast<float>(scale[s]));
  });
}

// uint8 quantization of x over its own range widened to hold 0: scale = (max - min) / 255,
// zero_point = saturate(round(-min / scale)). All-zero x gives scale 0, zero point 0, y 0.
inline void dynamic_quantize_linear(const float* x, std::uint8_t* y, float* scale, std::uint8_t* zp, i64 n) {
  float lo = 0.0f, hi = 0.0f;
  for (i64 i = 0; i < n; ++i) {
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
  }
  const float s = (hi - lo) / 255.0f;
  const std::uint8_t z = s > 0 ? quant_saturate<std::uint8_t>(static_cast<double>(-lo / s), 0.0) : 0;
  for (i64 i = 0; i < n; ++i)
    y[i] = s > 0 ? quant_saturate<std::uint8_t>(static_cast<double>(x[i] / s), z) : z;
  scale[0] = s;
  zp[0] = z;
}

// QLinearAdd (domain onnx2cpp; passes/qdq.cpp makes it of a QDQ graph's residual
// DequantizeLinear x2 -> Add [-> Relu] -> QuantizeLinear): each step as those nodes compute it in
// float, in one pass over the integers: (a - a_zp) * a_scale and (b - b_zp) * b_scale each
// rounded to float, their sum, max(0, .) when relu, then quantized as quantize_linear does
// (rint rounds as nearbyint; the clamps are quant_saturate's, NaN giving the lowest, written
// as selects so that the loop vectorizes). The products are exact in double (9 by 24 bits)
// and rounded to float by the conversion: the float product, which a compiler contracting the
// sum into a fused multiply-add cannot skip.
template <bool Relu, class A, class B, class Q>
inline void qlinear_add_run(const A* a, double sa, std::int32_t za, const B* b, double sb, std::int32_t zb, float sy,
                            double z, Q* y, i64 n) {
  const double lo = static_cast<double>(std::numeric_limits<Q>::lowest()), hi = static_cast<double>(std::numeric_limits<Q>::max());
  i64 i = 0;
#if defined(__AVX512F__) && defined(__AVX512VL__)
  // The same steps 8 at a time (vmaxps/vmaxpd return their second operand for NaN: Relu's 0,
  // the lowest value).
  auto widen = [](const auto* p) {
    const __m128i v = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
    return std::is_signed<typename std::remove_pointer<decltype(p)>::type>::value ? _mm256_cvtepi8_epi32(v) : _mm256_cvtepu8_epi32(v);
  };
  const __m512d vsa = _mm512_set1_pd(sa), vsb = _mm512_set1_pd(sb), vz = _mm512_set1_pd(z);
  const __m512d vlo = _mm512_set1_pd(lo), vhi = _mm512_set1_pd(hi);
  const __m256i vza = _mm256_set1_epi32(za), vzb = _mm256_set1_epi32(zb);
  const __m256 vsy = _mm256_set1_ps(sy);
  for (; i + 8 <= n; i += 8) {
    const __m256 da = _mm512_cvtpd_ps(_mm512_mul_pd(_mm512_cvtepi32_pd(_mm256_sub_epi32(widen(a + i), vza)), vsa));
    const __m256 db = _mm512_cvtpd_ps(_mm512_mul_pd(_mm512_cvtepi32_pd(_mm256_sub_epi32(widen(b + i), vzb)), vsb));
    __m256 v = _mm256_add_ps(da, db);
    if (Relu) v = _mm256_max_ps(v, _mm256_setzero_ps());
    __m512d r = _mm512_add_pd(_mm512_roundscale_pd(_mm512_cvtps_pd(_mm256_div_ps(v, vsy)), _MM_FROUND_TO_NEAREST_INT), vz);
    r = _mm512_min_pd(_mm512_max_pd(r, vlo), vhi);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(y + i), _mm256_cvtepi32_epi8(_mm512_cvtpd_epi32(r)));
  }
#endif
  for (; i < n; ++i) {
    const float da = static_cast<float>(static_cast<double>(static_cast<std::int32_t>(a[i]) - za) * sa);
    const float db = static_cast<float>(static_cast<double>(static_cast<std::int32_t>(b[i]) - zb) * sb);
    float v = da + db;
    if (Relu) v = v > 0.0f ? v : 0.0f;  // as Relu: NaN and -0 give 0
    double r = std::rint(static_cast<double>(v / sy)) + z;
    r = r >= lo ? r : lo;
    r = r <= hi ? r : hi;
    y[i] = static_cast<Q>(static_cast<std::int32_t>(r));
  }
}
template <class A, class B, class Q>
inline void qlinear_add(const A* a, const float* as, const A* azp, const B* b, const float* bs, const B* bzp,
                        const float* ys, const Q* yzp, Q* y, i64 n, i64 relu) {
  const double z = static_cast<double>(yzp[0]);
  if (relu) qlinear_add_run<true>(a, as[0], azp[0], b, bs[0], bzp[0], ys[0], z, y, n);
  else qlinear_add_run<false>(a, as[0], azp[0], b, bs[0], bzp[0], ys[0], z, y, n);
}

// Y[M][N] = (A - a_zp)(B - b_zp) in int32, per batch of p (MatMul's broadcasting). a_zp is
// per row of A's matrices of `rows` rows (stride sazp 1) or one (0); b_zp per column likewise.
template <class A, class B>
inline void matmul_integer(const A* a, const B* b, std::int32_t* y, const MatMulPlan& p, const A* azp, i64 sazp,
                           i64 rows, const B* bzp, i64 sbzp) {
  for_each_batch(p, [&](i64 t, i64 oa, i64 ob) {
    const A* pa = a + oa * p.M * p.K;
    const B* pb = b + ob * p.K * p.N;
    std::int32_t* py = y + t * p.M * p.N;
    for (i64 m = 0; m < p.M; ++m) {
      std::int32_t* row = py + m * p.N;
      for (i64 n = 0; n < p.N; ++n) row[n] = 0;
      const std::int32_t za = azp ? static_cast<std::int32_t>(azp[(m % rows) * sazp]) : 0;
      std::int32_t asum = 0;  // sum over k of (a - a_zp): (a - a_zp)(b - b_zp) = (a - a_zp) b - that * b_zp
      for (i64 k = 0; k < p.K; ++k) {
        const std::int32_t av = static_cast<std::int32_t>(pa[m * p.K + k]) - za;
        asum += av;
        const B* brow = pb + k * p.N;
        for (i64 n = 0; n < p.N; ++n) row[n] += av * static_cast<std::int32_t>(brow[n]);
      }
      if (bzp)
        for (i64 n = 0; n < p.N; ++n) row[n] -= asum * static_cast<std::int32_t>(bzp[n * sbzp]);
    }
  });
}

// QLinearMatMul's requantization of the int32 products acc ([total rows][N]):
// y = saturate(rint(acc * (a_scale * b_scale / y_scale)) + y_zp), the multiplier in the scales'
// type S, per row of A's matrices of `rows` rows (stride sas) and per column of B (stride sbs).
template <class S, class Q>
inline void requantize_rows(const std::int32_t* acc, Q* y, i64 total, i64 rows, i64 N, const S* as, i64 sas,
                            const S* bs, i64 sbs, const S* ys, const Q* yzp) {
  const double z = yzp ? static_cast<double>(yzp[0]) : 0.0;
  auto multiplier = [&](const S& a, i64 n) {
    return static_cast<double>(static_cast<float>(quant_div(quant_mul(a, bs[n * sbs]), ys[0])));
  };
  for (i64 r = 0; r < total; ++r) {
    const S a = as[(r % rows) * sas];
    const double row_mul = multiplier(a, 0);
    for (i64 n = 0; n < N; ++n) {
      const i64 e = r * N + n;
      y[e] = quant_saturate<Q>(static_cast<double>(acc[e]) * (sbs ? multiplier(a, n) : row_mul), z);
    }
  }
}

// y = conv(x - x_zp, w - w_zp) + bias in int32 (ConvInteger; QLinearConv before requantizing):
// padding contributes 0 after the zero point is taken off. w_zp per output channel (stride
// swzp 1) or one (0); x_zp one value; bias per output channel or null.
template <class X, class W>
inline void conv_integer(const X* x, const W* w, const std::int32_t* bias, std::int32_t* y, const ConvParams& p,
                         const X* xzp, const W* wzp, i64 swzp) {
  const i64 cg = p.C / p.group, mg = p.M / p.group;
  const i64 in_sp = p.in[0] * p.in[1] * p.in[2];
  const std::int32_t zx = xzp ? static_cast<std::int32_t>(xzp[0]) : 0;
  for (i64 n = 0; n < p.N; ++n)
    for (i64 m = 0; m < p.M; ++m) {
      const i64 g = m / mg;
      const std::int32_t zw = wzp ? static_cast<std::int32_t>(wzp[m * swzp]) : 0;
      const W* wm = w + m * cg * p.k[0] * p.k[1] * p.k[2];
      for (i64 od = 0; od < p.out[0]; ++od)
        for (i64 oh = 0; oh < p.out[1]; ++oh)
          for (i64 ow = 0; ow < p.out[2]; ++ow) {
            std::int32_t acc = bias ? bias[m] : 0;
            for (i64 c = 0; c < cg; ++c) {
              const X* xc = x + (n * p.C + g * cg + c) * in_sp;
              const W* wc = wm + c * p.k[0] * p.k[1] * p.k[2];
              for (i64 kd = 0; kd < p.k[0]; ++kd) {
                const i64 id = od * p.stride[0] - p.pad[0] + kd * p.dil[0];
                if (id < 0 || id >= p.in[0]) continue;
                for (i64 kh = 0; kh < p.k[1]; ++kh) {
                  const i64 ih = oh * p.stride[1] - p.pad[1] + kh * p.dil[1];
                  if (ih < 0 || ih >= p.in[1]) continue;
                  for (i64 kw = 0; kw < p.k[2]; ++kw) {
                    const i64 iw = ow * p.stride[2] - p.pad[2] + kw * p.dil[2];
                    if (iw < 0 || iw >= p.in[2]) continue;
                    const std::int32_t xv = static_cast<std::int32_t>(xc[(id * p.in[1] + ih) * p.in[2] + iw]) - zx;
                    const std::int32_t wv = static_cast<std::int32_t>(wc[(kd * p.k[1] + kh) * p.k[2] + kw]) - zw;
                    acc += xv * wv;
                  }
                }
              }
            }
            *y++ = acc;
          }
    }
}

// ---- The fast integer convolution: QLinearConv with constant weights -------------------------
// The group's input less its zero point, widened to int16, is copied into a zero-padded
// channels-last buffer (spatial extent `span`: what the output reads); each output position's
// patch is then a few contiguous runs of it (one per (kd, kh), or per tap when the width is
// dilated), copied into a vector of Kp int16 (K = kd*kh*kw*cg, zeros up to Kp). The weights
// are packed at compile time as int16 (w - w_zp) [M][Kp] in the same (kd, kh, kw, c) order, so
// every output is one dot product of two contiguous int16 vectors summed in int32: the loop the
// compilers turn into vpmaddwd / vpdpwssd on x86 and i32x4.dot_i16x8_s on wasm SIMD (|x - zp|
// and |w - zp| are at most 255, so a pair of products cannot overflow int32). Four output
// channels by two positions share each load. The int32 sums of a tile of positions (plus the
// bias) are then requantized as requantize_rows does, exactly.

inline i64 qconv_kp(const ConvParams& p) { return (conv_kg(p) + 15) / 16 * 16; }
inline i64 qconv_span(const ConvParams& p, int d) { return (p.out[d] - 1) * p.stride[d] + (p.k[d] - 1) * p.dil[d] + 1; }
constexpr i64 kQConvTile = 64;  // positions per tile of int32 sums (even)
inline i64 qconv_tile(const ConvParams& p) { return std::min<i64>((conv_out_size(p) + 1) / 2 * 2, kQConvTile); }
inline i64 qconv_scratch_bytes(const ConvParams& p) {
  const i64 padded = qconv_span(p, 0) * qconv_span(p, 1) * qconv_span(p, 2) * (p.C / p.group);
  return 4 * (p.M / p.group) * qconv_tile(p) + 2 * (2 * qconv_kp(p) + padded);
}

// w [M][cg][kd][kh][kw] -> wp [M][Kp] int16 (w - w_zp) in (kd, kh, kw, c) order, zero-padded.
template <class W>
inline void qconv_pack(const W* w, const W* wzp, i64 swzp, std::int16_t* wp, const ConvParams& p) {
  const i64 cg = p.C / p.group, taps = p.k[0] * p.k[1] * p.k[2], Kp = qconv_kp(p);
  for (i64 m = 0; m < p.M; ++m) {
    const std::int32_t zw = wzp ? static_cast<std::int32_t>(wzp[m * swzp]) : 0;
    std::int16_t* row = wp + m * Kp;
    for (i64 i = 0; i < Kp; ++i) row[i] = 0;
    for (i64 c = 0; c < cg; ++c)
      for (i64 t = 0; t < taps; ++t)
        row[t * cg + c] = static_cast<std::int16_t>(static_cast<std::int32_t>(w[(m * cg + c) * taps + t]) - zw);
  }
}

// y = requantized conv(x - x_zp, packed w) + bias; scratch of qconv_scratch_bytes(p).
template <class X, class S, class Q>
inline void qlinear_conv_packed(const X* x, const S* xs, const X* xzp, const std::int16_t* wp, const S* ws, i64 sws,
                                const S* ys, const Q* yzp, const std::int32_t* bias, Q* y, const ConvParams& p,
                                std::int32_t* scratch) {
  const i64 cg = p.C / p.group, mg = p.M / p.group, Kp = qconv_kp(p), P = conv_out_size(p), T = qconv_tile(p);
  const i64 s0 = qconv_span(p, 0), s1 = qconv_span(p, 1), s2 = qconv_span(p, 2);
  const i64 in_sp = p.in[0] * p.in[1] * p.in[2];
  std::int32_t* acc = scratch;
  std::int16_t* col = reinterpret_cast<std::int16_t*>(scratch + mg * T);
  std::int16_t* xp = col + 2 * Kp;
  const std::int32_t zx = xzp ? static_cast<std::int32_t>(xzp[0]) : 0;
  const double z = yzp ? static_cast<double>(yzp[0]) : 0.0;
  const double lo = static_cast<double>(std::numeric_limits<Q>::lowest()) - z;
  const double hi = static_cast<double>(std::numeric_limits<Q>::max()) - z;
  const bool whole_row = p.dil[2] == 1;  // the kw taps of a row are one run
  const i64 run = whole_row ? p.k[2] * cg : cg, runs = whole_row ? 1 : p.k[2];
  for (i64 i = 0; i < 2 * Kp; ++i) col[i] = 0;
  auto gather = [&](i64 pos, std::int16_t* dst) {
    const i64 o2 = pos % p.out[2], o1 = (pos / p.out[2]) % p.out[1], o0 = pos / (p.out[2] * p.out[1]);
    i64 k = 0;
    for (i64 kd = 0; kd < p.k[0]; ++kd)
      for (i64 kh = 0; kh < p.k[1]; ++kh)
        for (i64 r = 0; r < runs; ++r) {
          const std::int16_t* src =
              xp + (((o0 * p.stride[0] + kd * p.dil[0]) * s1 + o1 * p.stride[1] + kh * p.dil[1]) * s2 + o2 * p.stride[2] +
                    r * p.dil[2]) * cg;
          for (i64 i = 0; i < run; ++i) dst[k + i] = src[i];
          k += run;
        }
  };
  for (i64 n = 0; n < p.N; ++n)
    for (i64 g = 0; g < p.group; ++g) {
      for (i64 i = 0; i < s0 * s1 * s2 * cg; ++i) xp[i] = 0;
      for (i64 c = 0; c < cg; ++c) {
        const X* xc = x + (n * p.C + g * cg + c) * in_sp;
        for (i64 d0 = 0; d0 < p.in[0] && d0 + p.pad[0] < s0; ++d0)
          for (i64 d1 = 0; d1 < p.in[1] && d1 + p.pad[1] < s1; ++d1) {
            const X* xr = xc + (d0 * p.in[1] + d1) * p.in[2];
            std::int16_t* dr = xp + (((d0 + p.pad[0]) * s1 + d1 + p.pad[1]) * s2 + p.pad[2]) * cg + c;
            const i64 w_n = std::min(p.in[2], s2 - p.pad[2]);
            for (i64 d2 = 0; d2 < w_n; ++d2) dr[d2 * cg] = static_cast<std::int16_t>(static_cast<std::int32_t>(xr[d2]) - zx);
          }
      }
      const std::int16_t* wg = wp + g * mg * Kp;
      for (i64 p0 = 0; p0 < P; p0 += T) {
        const i64 tn = std::min(T, P - p0);
        for (i64 t = 0; t < tn; t += 2) {
          gather(p0 + t, col);
          gather(t + 1 < tn ? p0 + t + 1 : p0 + t, col + Kp);
          const std::int16_t* c0 = col;
          const std::int16_t* c1 = col + Kp;
          i64 m = 0;
          for (; m + 4 <= mg; m += 4) {
            const std::int16_t* w0 = wg + m * Kp;
            const std::int16_t* w1 = w0 + Kp;
            const std::int16_t* w2 = w1 + Kp;
            const std::int16_t* w3 = w2 + Kp;
            std::int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
            for (i64 k = 0; k < Kp; ++k) {
              const std::int32_t u = c0[k], v = c1[k];
              a0 += w0[k] * u;
              a1 += w1[k] * u;
              a2 += w2[k] * u;
              a3 += w3[k] * u;
              b0 += w0[k] * v;
              b1 += w1[k] * v;
              b2 += w2[k] * v;
              b3 += w3[k] * v;
            }
            std::int32_t* r = acc + m * T + t;
            r[0] = a0, r[1] = b0, r[T] = a1, r[T + 1] = b1, r[2 * T] = a2, r[2 * T + 1] = b2, r[3 * T] = a3, r[3 * T + 1] = b3;
          }
          for (; m < mg; ++m) {
            const std::int16_t* w0 = wg + m * Kp;
            std::int32_t a0 = 0, b0 = 0;
            for (i64 k = 0; k < Kp; ++k) {
              a0 += w0[k] * static_cast<std::int32_t>(c0[k]);
              b0 += w0[k] * static_cast<std::int32_t>(c1[k]);
            }
            acc[m * T + t] = a0;
            acc[m * T + t + 1] = b0;
          }
        }
        for (i64 m = 0; m < mg; ++m) {
          const i64 oc = g * mg + m;
          const double mul = static_cast<double>(static_cast<float>(quant_div(quant_mul(ws[oc * sws], xs[0]), ys[0])));
          const std::int32_t b = bias ? bias[oc] : 0;
          const std::int32_t* a = acc + m * T;
          Q* yr = y + (n * p.M + oc) * P + p0;
          for (i64 t = 0; t < tn; ++t) {
            const double v = static_cast<double>(a[t] + b) * mul;
            yr[t] = static_cast<Q>(std::nearbyint(std::min(std::max(v, lo), hi)) + z);
          }
        }
      }
    }
}

ONNX2CPP_K_END
#endif
