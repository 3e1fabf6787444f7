// onnx2cpp kernels: QLinearConv on 8-bit integers the way int8 hardware multiplies them:
// unsigned 8-bit activations by signed 8-bit weights, four products summed into an int32 lane
// (x86 vpdpbusd under AVX-512 VNNI; a plain loop with the same sums elsewhere: the int32 sums
// are exact either way, so every build gives the same bytes).
//
// Activations: int8 x is shifted to uint8 (x + 128, its zero point too). The input is copied
// into a zero-point-padded buffer blocked by 4 channels and split by stride phase,
// [C/4][stride_h][stride_w][Hq][Wq][4] u8: for every tap (kh, kw) the inputs of the outputs
// q = oh * Wq + ow (ow up to Wq, those past the output width computed and dropped) are one
// contiguous run of 4-byte groups, 16 positions to a 64-byte vector.
// Weights (packed at compile time): (w - w_zp) as int8 in [tap][C/4][Mp][4] order (Mp: M up to
// a multiple of kQU8Tm, zeros), so each (tap, 4 channels, output channel) is one broadcast
// 32-bit word. Since padding holds the zero point, sum (x - zx)(w - zw) = sum x (w - zw) -
// zx sum (w - zw): the second term is folded into the bias at compile time (qconv_u8s8_pack).
// Requantization as requantize_rows: round half to even of (acc + bias) * (ws * xs / ys) in
// double (the multiplier rounded to the scales' type), clamped, plus y_zp.
#ifndef ONNX2CPP_K_QCONV_U8S8_HPP
#define ONNX2CPP_K_QCONV_U8S8_HPP
#if defined(__AVX512VNNI__) && defined(__AVX512BW__) && defined(__AVX512VL__)
#include <immintrin.h>
#define ONNX2CPP_QU8_AVX512 1
#endif

ONNX2CPP_K_BEGIN

constexpr i64 kQU8Tm = 8;   // output channels per tile
constexpr i64 kQU8L = 16;   // positions per vector (one int32 lane each)

// The geometry of the blocked, phase-split input (spatial dims 1 and 2; dim 0 is 1).
struct QU8Geom {
  i64 c4, sh, sw, hq, wq, plane, q, qv, mp;  // q = out_h * wq positions computed, qv vectors
  i64 xp_bytes;                               // the blocked input with its slack
};
inline QU8Geom qconv_u8s8_geom(const ConvParams& p) {
  QU8Geom g{};
  g.c4 = (p.C + 3) / 4;
  g.sh = p.stride[1], g.sw = p.stride[2];
  const i64 span_h = (p.out[1] - 1) * p.stride[1] + (p.k[1] - 1) * p.dil[1] + 1;
  const i64 span_w = (p.out[2] - 1) * p.stride[2] + (p.k[2] - 1) * p.dil[2] + 1;
  g.hq = (span_h + g.sh - 1) / g.sh, g.wq = (span_w + g.sw - 1) / g.sw;
  g.plane = g.hq * g.wq;
  g.q = p.out[1] * g.wq;
  g.qv = (g.q + kQU8L - 1) / kQU8L;
  g.mp = (p.M + kQU8Tm - 1) / kQU8Tm * kQU8Tm;
  // Reads run up to qv * L - 1 past a plane's start plus a tap's offset in it: one plane and a
  // row more than the buffer holds at most.
  g.xp_bytes = (4 * (g.c4 * g.sh * g.sw * g.plane + g.qv * kQU8L + g.wq + g.plane) + 63) / 64 * 64;
  return g;
}
// What the kernel runs on: 2-D (or 1-D) convolutions, one group.
inline bool qconv_u8s8_fits(const ConvParams& p) { return p.group == 1 && p.in[0] == 1 && p.k[0] == 1 && p.out[0] == 1; }
inline i64 qconv_u8s8_scratch_bytes(const ConvParams& p) {
  const QU8Geom g = qconv_u8s8_geom(p);
  return g.xp_bytes + 8 * g.mp + g.mp * g.qv * kQU8L;  // input, multipliers, padded-width output
}

// w [M][C][kh][kw] with zero points (per tensor: swzp 0) -> wp [tap][C/4][Mp][4] int8 (w - w_zp),
// and the bias with the input zero point's term folded in: bq[Mp] = bias - xzp * sum(w - w_zp),
// xzp already shifted to uint8. False (nothing usable) when some w - w_zp leaves int8.
template <class W>
inline bool qconv_u8s8_pack(const W* w, const W* wzp, i64 swzp, const std::int32_t* bias, std::int32_t xzp,
                            std::int8_t* wp, std::int32_t* bq, const ConvParams& p) {
  const QU8Geom g = qconv_u8s8_geom(p);
  const i64 taps = p.k[1] * p.k[2];
  for (i64 i = 0; i < taps * g.c4 * g.mp * 4; ++i) wp[i] = 0;
  for (i64 m = 0; m < g.mp; ++m) bq[m] = 0;
  for (i64 m = 0; m < p.M; ++m) {
    const std::int32_t zw = wzp ? static_cast<std::int32_t>(wzp[m * swzp]) : 0;
    std::int32_t sum = 0;
    for (i64 c = 0; c < p.C; ++c)
      for (i64 t = 0; t < taps; ++t) {
        const std::int32_t v = static_cast<std::int32_t>(w[(m * p.C + c) * taps + t]) - zw;
        if (v < -128 || v > 127) return false;
        wp[((t * g.c4 + c / 4) * g.mp + m) * 4 + c % 4] = static_cast<std::int8_t>(v);
        sum += v;
      }
    bq[m] = (bias ? bias[m] : 0) - xzp * sum;
  }
  return true;
}

// Whether a tap reads stride phase f along a dim of k taps, dilation d, stride st (a 1x1
// kernel of stride 2 reads one phase of four: the others are not copied).
inline bool qconv_u8s8_phase_read(i64 f, i64 st, i64 k, i64 d) {
  for (i64 t = 0; t < k; ++t)
    if ((t * d) % st == f) return true;
  return false;
}

// x [C][H][W] (one image) -> the blocked, phase-split, zero-point-padded xp.
template <class X>
inline void qconv_u8s8_block(const X* x, std::uint8_t zx, std::uint8_t* xp, const ConvParams& p, const QU8Geom& g) {
  const std::uint8_t flip = std::is_signed<X>::value ? 0x80 : 0;
  for (i64 i = 0; i < g.xp_bytes; ++i) xp[i] = zx;
  const i64 H = p.in[1], W = p.in[2];
  const i64 rows = std::min(H, g.hq * g.sh - p.pad[1]), iw_end = std::min(W, g.wq * g.sw - p.pad[2]);
  for (i64 cb = 0; cb < g.c4; ++cb) {
    const i64 nc = std::min<i64>(4, p.C - 4 * cb);
    for (i64 ih = 0; ih < rows; ++ih) {
      const i64 ph = ih + p.pad[1];
      if (g.sh > 1 && !qconv_u8s8_phase_read(ph % g.sh, g.sh, p.k[1], p.dil[1])) continue;
      const X* src = x + (4 * cb * H + ih) * W;
      std::uint8_t* row = xp + ((cb * g.sh + ph % g.sh) * g.sw * g.plane + (ph / g.sh) * g.wq) * 4;
      for (i64 f = 0; f < g.sw; ++f) {  // the columns of phase f: padded column pw = iw + pad
        if (g.sw > 1 && !qconv_u8s8_phase_read(f, g.sw, p.k[2], p.dil[2])) continue;
        const i64 iw0 = ((f - p.pad[2]) % g.sw + g.sw) % g.sw;
        std::uint8_t* d = row + (f * g.plane + (iw0 + p.pad[2]) / g.sw) * 4;
        const i64 cnt = iw_end > iw0 ? (iw_end - iw0 + g.sw - 1) / g.sw : 0;
        const X* s0 = src + iw0;
        if (nc == 4 && g.sw == 1) {  // four whole rows interleaved (vectorizes)
          const X *s1 = s0 + H * W, *s2 = s1 + H * W, *s3 = s2 + H * W;
          for (i64 j = 0; j < cnt; ++j) {
            d[4 * j] = static_cast<std::uint8_t>(static_cast<std::uint8_t>(s0[j]) ^ flip);
            d[4 * j + 1] = static_cast<std::uint8_t>(static_cast<std::uint8_t>(s1[j]) ^ flip);
            d[4 * j + 2] = static_cast<std::uint8_t>(static_cast<std::uint8_t>(s2[j]) ^ flip);
            d[4 * j + 3] = static_cast<std::uint8_t>(static_cast<std::uint8_t>(s3[j]) ^ flip);
          }
          continue;
        }
        for (i64 c = 0; c < nc; ++c)
          for (i64 j = 0; j < cnt; ++j)
            d[4 * j + c] = static_cast<std::uint8_t>(static_cast<std::uint8_t>(s0[c * H * W + j * g.sw]) ^ flip);
      }
    }
  }
}

// Where tap (kh, kw) starts in a 4-channel block, in 4-byte groups.
inline i64 qconv_u8s8_tap(const ConvParams& p, const QU8Geom& g, i64 kh, i64 kw) {
  const i64 dh = kh * p.dil[1], dw = kw * p.dil[2];
  return ((dh % g.sh) * g.sw + dw % g.sw) * g.plane + (dh / g.sh) * g.wq + dw / g.sw;
}

// acc[m][v * L + l] for output channels m0.. m0 + kQU8Tm and the PT vectors from v0: sums of
// x * w over the taps and channel blocks.
template <int PT>
inline void qconv_u8s8_tile(const std::uint8_t* xp, const std::int8_t* wp, const ConvParams& p, const QU8Geom& g,
                            i64 m0, i64 v0, std::int32_t* acc) {
  const i64 block = g.sh * g.sw * g.plane;
#if defined(ONNX2CPP_QU8_AVX512)
  __m512i a[kQU8Tm][PT];
  for (int m = 0; m < kQU8Tm; ++m)
    for (int v = 0; v < PT; ++v) a[m][v] = _mm512_setzero_si512();
  for (i64 kh = 0; kh < p.k[1]; ++kh)
    for (i64 kw = 0; kw < p.k[2]; ++kw) {
      const std::uint8_t* xt = xp + 4 * (qconv_u8s8_tap(p, g, kh, kw) + v0 * kQU8L);
      const std::int8_t* wt = wp + ((kh * p.k[2] + kw) * g.c4 * g.mp + m0) * 4;
      for (i64 cb = 0; cb < g.c4; ++cb) {
        __m512i xv[PT];
        for (int v = 0; v < PT; ++v) xv[v] = _mm512_loadu_si512(xt + 4 * (cb * block + v * kQU8L));
        const std::int8_t* wc = wt + cb * g.mp * 4;
        for (int m = 0; m < kQU8Tm; ++m) {
          std::int32_t word;
          std::memcpy(&word, wc + 4 * m, 4);
          const __m512i wv = _mm512_set1_epi32(word);
          for (int v = 0; v < PT; ++v) a[m][v] = _mm512_dpbusd_epi32(a[m][v], xv[v], wv);
        }
      }
    }
  for (int m = 0; m < kQU8Tm; ++m)
    for (int v = 0; v < PT; ++v) _mm512_storeu_si512(acc + m * PT * kQU8L + v * kQU8L, a[m][v]);
#else
  constexpr i64 n = PT * kQU8L;
  for (i64 i = 0; i < kQU8Tm * n; ++i) acc[i] = 0;
  for (i64 kh = 0; kh < p.k[1]; ++kh)
    for (i64 kw = 0; kw < p.k[2]; ++kw) {
      const std::uint8_t* xt = xp + 4 * (qconv_u8s8_tap(p, g, kh, kw) + v0 * kQU8L);
      const std::int8_t* wt = wp + ((kh * p.k[2] + kw) * g.c4 * g.mp + m0) * 4;
      for (i64 cb = 0; cb < g.c4; ++cb) {
        const std::uint8_t* xc = xt + 4 * cb * block;
        const std::int8_t* wc = wt + cb * g.mp * 4;
        for (i64 m = 0; m < kQU8Tm; ++m)
          for (i64 l = 0; l < n; ++l) {
            std::int32_t s = 0;
            for (int j = 0; j < 4; ++j) s += static_cast<std::int32_t>(xc[4 * l + j]) * wc[4 * m + j];
            acc[m * n + l] += s;
          }
      }
    }
#endif
}

// Requantizes n int32 sums of one output channel into bytes of Q.
template <class Q>
inline void qconv_u8s8_requant(const std::int32_t* a, i64 n, std::int32_t b, double mul, double lo, double hi,
                               std::int32_t z, Q* y) {
  i64 i = 0;
#if defined(ONNX2CPP_QU8_AVX512)
  const __m512d vmul = _mm512_set1_pd(mul), vlo = _mm512_set1_pd(lo), vhi = _mm512_set1_pd(hi);
  const __m256i vb = _mm256_set1_epi32(b), vz = _mm256_set1_epi32(z);
  for (; i + 8 <= n; i += 8) {
    const __m256i s = _mm256_add_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + i)), vb);
    const __m512d v = _mm512_min_pd(_mm512_max_pd(_mm512_mul_pd(_mm512_cvtepi32_pd(s), vmul), vlo), vhi);
    const __m256i r = _mm256_add_epi32(_mm512_cvtpd_epi32(v), vz);  // the current rounding: to even
    _mm_storel_epi64(reinterpret_cast<__m128i*>(y + i), _mm256_cvtepi32_epi8(r));
  }
#endif
  for (; i < n; ++i) {
    const double v = static_cast<double>(a[i] + b) * mul;
    y[i] = static_cast<Q>(static_cast<std::int32_t>(std::nearbyint(std::min(std::max(v, lo), hi))) + z);
  }
}

// y = QLinearConv(x, xs, xzp, w, ws, wzp, ys, yzp, B) with w packed by qconv_u8s8_pack into wp
// and bq; scratch of qconv_u8s8_scratch_bytes(p).
template <class X, class S, class Q>
inline void qlinear_conv_u8s8(const X* x, const S* xs, const X* xzp, const std::int8_t* wp, const std::int32_t* bq,
                              const S* ws, i64 sws, const S* ys, const Q* yzp, Q* y, const ConvParams& p,
                              std::uint8_t* scratch) {
  const QU8Geom g = qconv_u8s8_geom(p);
  std::uint8_t* xp = scratch;
  double* mul = reinterpret_cast<double*>(scratch + g.xp_bytes);
  Q* yq = reinterpret_cast<Q*>(mul + g.mp);  // [Mp][qv * L]: the outputs at the padded width
  const std::uint8_t zx = static_cast<std::uint8_t>((xzp ? static_cast<std::uint8_t>(xzp[0]) : 0) ^
                                                    (std::is_signed<X>::value ? 0x80 : 0));
  const std::int32_t z = yzp ? static_cast<std::int32_t>(yzp[0]) : 0;
  const double lo = static_cast<double>(std::numeric_limits<Q>::lowest()) - z;
  const double hi = static_cast<double>(std::numeric_limits<Q>::max()) - z;
  for (i64 m = 0; m < p.M; ++m)
    mul[m] = static_cast<double>(static_cast<float>(quant_div(quant_mul(ws[m * sws], xs[0]), ys[0])));
  const i64 row = g.qv * kQU8L, P = p.out[1] * p.out[2];
  constexpr int PT = 3;
  alignas(64) std::int32_t acc[kQU8Tm * PT * kQU8L];
  for (i64 n = 0; n < p.N; ++n) {
    qconv_u8s8_block(x + n * p.C * p.in[1] * p.in[2], zx, xp, p, g);
    for (i64 v0 = 0; v0 < g.qv; v0 += PT) {
      const i64 pt = std::min<i64>(PT, g.qv - v0);
      for (i64 m0 = 0; m0 < p.M; m0 += kQU8Tm) {
        switch (pt) {
          case 1: qconv_u8s8_tile<1>(xp, wp, p, g, m0, v0, acc); break;
          case 2: qconv_u8s8_tile<2>(xp, wp, p, g, m0, v0, acc); break;
          default: qconv_u8s8_tile<PT>(xp, wp, p, g, m0, v0, acc); break;
        }
        for (i64 m = m0; m < std::min(m0 + kQU8Tm, p.M); ++m)
          qconv_u8s8_requant(acc + (m - m0) * pt * kQU8L, pt * kQU8L, bq[m], mul[m], lo, hi, z, yq + m * row + v0 * kQU8L);
      }
    }
    Q* yn = y + n * p.M * P;
    for (i64 m = 0; m < p.M; ++m)
      for (i64 oh = 0; oh < p.out[1]; ++oh)
        std::memcpy(yn + (m * p.out[1] + oh) * p.out[2], yq + m * row + oh * g.wq, static_cast<size_t>(p.out[2]) * sizeof(Q));
  }
}

ONNX2CPP_K_END
#endif
