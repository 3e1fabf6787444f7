// onnx2cpp kernels: Winograd's F(2x2, 3x3) and F(4x4, 3x3) on channels-last tensors.
// The same algorithm as conv_winograd.hpp with the channels, not the tiles, in the SIMD
// lanes: X[H][W][C] -> Y[OH][OW][M]. A tile of R x R outputs reads an S x S input block (S =
// R + 2): S^2 packets of channels per step, transformed in registers (V = B^T d B); the S^2
// products V[xi] * U[xi] are GEMMs of [tiles x C] by [C x M] on conv_channels' tile kernel
// (tiles in its rows, output channels in its packets); the output transform (Y = A^T m A)
// adds the bias, the residual and the activation. With the channels in the lanes, the
// transforms fill every lane whatever the plane's size: the NCHW kernel's rows of tiles
// left most lanes idle on the small planes of CIFAR ResNets (8x8 to 32x32), where this one
// runs. F(4x4, 3x3) makes 36 multiplications per 16 outputs where F(2x2, 3x3) makes 64 (and
// the direct convolution 144), for transforms about as costly per output.
#ifndef ONNX2CPP_K_CONV_WINOGRAD_LAST_HPP
#define ONNX2CPP_K_CONV_WINOGRAD_LAST_HPP

ONNX2CPP_K_BEGIN

// Tiles of 2x2 per block (half as many of 4x4: 32): a block's V (S^2 x tiles x C) and
// products (S^2 x tiles x M) stay in L2 between the transforms and the GEMMs. The same on
// every target (the scratch size is computed at compile time). F(4x4) with 16, 32 or 64
// tiles per block ran within 3 % of each other (128 -> 128 on 56x56 and 28x28, 64 -> 64 on
// 112x112, AVX-512).
constexpr i64 kWinoLastTiles = 64;

// Whether conv_winograd_last() can run the conv: winograd_fits, channels in whole packets
// on every target, C within one pass of the tile kernel.
inline bool winograd_last_fits(const ConvParams& p) {
  return winograd_fits(p) && p.C % kChanMultiple == 0 && p.M % kChanMultiple == 0 && p.C <= kChanKC;
}

// The output tile (R of F(R x R, 3 x 3)) conv_winograd_last() runs a
// winograd_last_fits() convolution with: 4 when its tiles make at most 3/4 of F(2x2)'s
// products (not on 5x5 or 6x6 planes, where tiles of 4 compute 8x8 outputs) and its
// transformed weights (36 C M) stay within kWinoLast4Weights elements. F(4x4) against
// F(2x2), bench/conv3x3_kernels.cpp, one core: 0.59 to 0.64 of the time natively (AVX-512)
// and 0.62 to 0.68 under wasm SIMD, from 16 -> 16 on 32x32 to 128 -> 128 on 56x56, 0.76
// natively on 64 -> 64 on 8x8.
constexpr i64 kWinoLast4Weights = i64(1) << 20;
inline int winograd_last_tile(const ConvParams& p) {
  const i64 OH = p.out[1], OW = p.out[2];
  const i64 t2 = ((OH + 1) / 2) * ((OW + 1) / 2), t4 = ((OH + 3) / 4) * ((OW + 3) / 4);
  return t4 * 36 * 4 <= t2 * 16 * 3 && 36 * p.C * p.M <= kWinoLast4Weights ? 4 : 2;
}

template <int R>
struct WinoLast {
  static_assert(R == 2 || R == 4, "F(2x2, 3x3) or F(4x4, 3x3)");
  static constexpr int S = R + 2;    // input block
  static constexpr int SS = S * S;   // products per tile
};

struct WinoLastGeom {
  i64 TH, TW, T;             // tile rows, columns, count
  i64 tb;                    // tiles per block: min(T, kWinoLastTiles * 2 / R)
  // scratch: V, products, the input's channels-last copy, the output's, zeros and gathered
  // rows for the tiles at edges, row offsets (i64)
  i64 v, m, x, y, z, off, total;
};
// Tasks at most under a parallel-for, each with scratch of its own (the first in the kernel's
// scratch, the others in Par::extra).
constexpr i64 kWinoSlots = 4;

// Elements between two tiles' V: S^2 C, and 16 more so that the tile kernel's rows (up to
// 16 tiles read at once) do not fall into the same L1 sets when S^2 C floats are a multiple
// of 4 KB (128 -> 128 on 28x28 ran 16 % slower).
template <int R>
inline i64 wino_last_vp(const ConvParams& p) { return WinoLast<R>::SS * p.C + 16; }

template <int R>
inline WinoLastGeom wino_last_geom(const ConvParams& p, bool in_last, bool out_last) {
  constexpr int S = WinoLast<R>::S, SS = WinoLast<R>::SS;
  WinoLastGeom g{};
  g.TH = (p.out[1] + R - 1) / R;
  g.TW = (p.out[2] + R - 1) / R;
  g.T = g.TH * g.TW;
  g.tb = std::min(g.T, kWinoLastTiles * 2 / R);
  g.v = 0;
  g.m = g.v + g.tb * wino_last_vp<R>(p);
  g.x = g.m + SS * g.tb * p.M;
  g.y = g.x + (in_last ? 0 : p.in[1] * p.in[2] * p.C);
  g.z = g.y + (out_last ? 0 : conv_out_size(p) * p.M);
  g.off = g.z + (S + SS) * p.C;
  g.total = g.off + (p.C * 8 + sizeof(float) - 1) / sizeof(float) + 16;
  return g;
}

// Elements of scratch conv_winograd_last<T, L, R>() needs, for the input's and output's
// layouts.
inline i64 winograd_last_scratch(const ConvParams& p, bool in_last, bool out_last, int R = 2) {
  return R == 4 ? wino_last_geom<4>(p, in_last, out_last).total : wino_last_geom<2>(p, in_last, out_last).total;
}
// Under a parallel-for, a conv whose transformed weights take at most kWinoWholeWeights
// elements and whose plane makes two blocks of tiles or more runs each block whole in one
// task (its input transforms, products and output transforms; kWinoSlots tasks at most, each
// with V, products and gathered rows of its own): no task waits for another between the
// three steps, and a block's V and products stay in its core's caches. Larger weights, or a
// single block, go by ranges of output channels instead (below: each task reads its share).
// ResNet-18's 56x56, 64 -> 64 convs (F(4x4), 7 blocks) on 2 threads: 0.37 to 0.45 ms whole,
// 0.63 to 0.73 ms in the three barrier-separated steps this kernel ran before (one thread:
// 0.48 to 0.53 ms); the whole model 8.8 -> 8.4 ms and
// U-Net 19.9 -> 17.6 ms on 2 threads with the bound at 2^21 elements rather than 2^18.
constexpr i64 kWinoWholeWeights = i64(1) << 21;
template <int R>
inline i64 wino_last_blocks(const WinoLastGeom& g) { return (g.T + g.tb - 1) / g.tb; }
template <int R>
inline bool wino_last_whole_blocks(const ConvParams& p, const WinoLastGeom& g) {
  return wino_last_blocks<R>(g) >= 2 && WinoLast<R>::SS * p.C * p.M <= kWinoWholeWeights;
}
// The scratch of a task that runs whole blocks: V, the products, gathered rows.
template <int R>
inline i64 wino_last_block_scratch(const ConvParams& p, const WinoLastGeom& g) {
  return g.tb * wino_last_vp<R>(p) + WinoLast<R>::SS * g.tb * p.M + WinoLast<R>::SS * p.C;
}
// The work of a whole image's products, as par_slots() weighs it.
template <int R>
inline i64 wino_last_work(const ConvParams& p, const WinoLastGeom& g) { return g.T * WinoLast<R>::SS * p.C * p.M; }

// Otherwise each task takes a range of the output channels (in blocks of the tile kernel's
// packets) through every block: it transforms the input tiles itself (V and gathered rows of
// its own: O(C) a tile, against the products' O(C M / tasks)), then computes its channels'
// products (into the shared products' buffer) and output transforms. One dispatch, no
// barrier, and each task reads only its channels' share of the weights.
template <int R>
inline i64 wino_last_input_scratch(const ConvParams& p, const WinoLastGeom& g) {
  return g.tb * wino_last_vp<R>(p) + WinoLast<R>::SS * p.C;
}

// The bytes of Par::extra conv_winograd_last() uses at most (the channel ranges: at most one
// per kChanMultiple channels, a bound of the blocks of the target's packets).
template <int R>
inline i64 wino_last_par_extra(const ConvParams& p, i64 elem_size) {
  const WinoLastGeom g = wino_last_geom<R>(p, true, true);
  if (wino_last_whole_blocks<R>(p, g))
    return par_extra_bytes(wino_last_blocks<R>(g), wino_last_work<R>(p, g), wino_last_block_scratch<R>(p, g), elem_size,
                           kWinoSlots);
  return par_extra_bytes(p.M / kChanMultiple, wino_last_work<R>(p, g), wino_last_input_scratch<R>(p, g), elem_size,
                         kWinoSlots);
}
inline i64 winograd_last_par_extra(const ConvParams& p, int R, i64 elem_size) {
  return R == 4 ? wino_last_par_extra<4>(p, elem_size) : wino_last_par_extra<2>(p, elem_size);
}

// U[xi][M / BW][C][BW] (BW = chan_block(p)) from the 3x3 weights, G g G^T as
// winograd_transform<R>() computes it (done at compile time): each product's weights in the
// layout of conv_channels_weights() for a 1x1 convolution. WinoLast<R>::SS * M * C elements.
template <int R = 2, class T>
inline void winograd_last_weights(const T* W, T* U, const ConvParams& p) {
  const i64 BW = chan_block(p);
  winograd_transform<R>(W, p, [&](i64 xi, i64 m, i64 c) -> T& {
    return U[(xi * p.M + m / BW * BW) * p.C + c * BW + m % BW];
  });
}

// y = B^T x for S = R + 2 packets. F(2x2): B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1].
// F(4x4): B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0;
// 0 4 0 -5 0 1].
template <int R, class P>
inline void wino_last_bt(const P* x, P* y) {
  using namespace Eigen::internal;
  using T = typename unpacket_traits<P>::type;
  if constexpr (R == 2) {
    y[0] = psub(x[0], x[2]);
    y[1] = padd(x[1], x[2]);
    y[2] = psub(x[2], x[1]);
    y[3] = psub(x[1], x[3]);
  } else {
    const P two = pset1<P>(T(2)), four = pset1<P>(T(4)), five = pset1<P>(T(5));
    const P s12 = padd(x[1], x[2]), d12 = psub(x[1], x[2]), s34 = padd(x[3], x[4]), d43 = psub(x[4], x[3]);
    const P d42 = psub(x[4], x[2]), d31 = psub(x[3], x[1]);
    y[0] = padd(psub(pmul(four, x[0]), pmul(five, x[2])), x[4]);
    y[1] = psub(s34, pmul(four, s12));
    y[2] = padd(d43, pmul(four, d12));
    y[3] = padd(d42, pmul(two, d31));
    y[4] = psub(d42, pmul(two, d31));
    y[5] = padd(psub(pmul(four, x[1]), pmul(five, x[3])), x[5]);
  }
}

// y = A^T m for S packets, R results. F(2x2): A^T = [1 1 1 0; 0 1 -1 -1]. F(4x4): A^T = [1 1
// 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1].
template <int R, class P>
inline void wino_last_at(const P* m, P* y) {
  using namespace Eigen::internal;
  using T = typename unpacket_traits<P>::type;
  if constexpr (R == 2) {
    y[0] = padd(padd(m[0], m[1]), m[2]);
    y[1] = psub(psub(m[1], m[2]), m[3]);
  } else {
    const P s12 = padd(m[1], m[2]), d12 = psub(m[1], m[2]), s34 = padd(m[3], m[4]), d34 = psub(m[3], m[4]);
    y[0] = padd(padd(m[0], s12), s34);
    y[1] = padd(d12, pmul(pset1<P>(T(2)), d34));
    y[2] = padd(s12, pmul(pset1<P>(T(4)), s34));
    y[3] = padd(padd(d12, pmul(pset1<P>(T(8)), d34)), m[5]);
  }
}

// One tile's V = B^T d B, stored as v[c / PS][xi][PS]: the S^2 packets of a step at fixed
// offsets. Row i, column j of d is at row(i)[j * C + c].
template <int R, class T, class Row>
inline void wino_last_tile_in(Row&& row, i64 C, T* v) {
  using P = typename ChanTraits<T>::Packet;
  constexpr int PS = ChanTraits<T>::PS, S = WinoLast<R>::S, SS = WinoLast<R>::SS;
  using namespace Eigen::internal;
  for (i64 c = 0; c < C; c += PS, v += SS * PS) {
    P r[S][S];  // r[j][i]: row i of d combined by columns (d B), column j
    for (int i = 0; i < S; ++i) {
      const T* x = row(i) + c;
      P d[S], e[S];
      for (int j = 0; j < S; ++j) d[j] = ploadu<P>(x + j * C);
      wino_last_bt<R>(d, e);
      for (int j = 0; j < S; ++j) r[j][i] = e[j];
    }
    for (int j = 0; j < S; ++j) {
      P e[S];
      wino_last_bt<R>(r[j], e);  // B^T (d B), column j
      for (int a = 0; a < S; ++a) pstoreu(v + (a * S + j) * PS, e[a]);
    }
  }
}

// V[t - t0] (S^2 x C each, see wino_last_tile_in) for tiles [t0, t0 + cnt); d is zero
// outside the input. A tile inside reads its rows in place; at an edge, a row outside reads
// `zero` (S C zeros) and a row inside with columns outside is gathered into `gather` (S x
// S C) with zeros for them.
template <int R, class T>
inline void wino_last_input(const T* X, const ConvParams& p, const WinoLastGeom& g, i64 t0, i64 cnt, T* V,
                            const T* zero, T* gather) {
  constexpr int S = WinoLast<R>::S;
  const i64 C = p.C, H = p.in[1], W = p.in[2];
  for (i64 t = t0; t < t0 + cnt; ++t) {
    const i64 iy0 = t / g.TW * R - p.pad[1], ix0 = t % g.TW * R - p.pad[2];
    const bool cols_in = ix0 >= 0 && ix0 + S <= W;
    const T* rows[S];
    for (int i = 0; i < S; ++i) {
      const i64 iy = iy0 + i;
      if (iy < 0 || iy >= H) {
        rows[i] = zero;
      } else if (cols_in) {
        rows[i] = X + (iy * W + ix0) * C;
      } else {
        T* gr = gather + i * S * C;
        for (i64 j = 0; j < S; ++j) {
          const i64 ix = ix0 + j;
          if (ix >= 0 && ix < W) std::copy(X + (iy * W + ix) * C, X + (iy * W + ix + 1) * C, gr + j * C);
          else std::fill(gr + j * C, gr + (j + 1) * C, T(0));
        }
        rows[i] = gr;
      }
    }
    wino_last_tile_in<R, T>([&](int i) { return rows[i]; }, C, V + (t - t0) * wino_last_vp<R>(p));
  }
}

// y[pos][M] at the R x R outputs of tiles [t0, t0 + n) = A^T m A + bias (+ z[pos][M], the
// residual with the channels last, if any), then the register activation if act_here; m
// the block's products. Outputs beyond OH x OW are not written; only channels [m_lo, m_hi)
// (all by default).
template <int R, class T>
inline void wino_last_output(const T* Mp, const T* B, T* y, const T* z, const ConvParams& p, const WinoLastGeom& g,
                             i64 t0, i64 n, bool act_here, const Act act, i64 m_lo = 0, i64 m_hi = -1) {
  using P = typename ChanTraits<T>::Packet;
  constexpr int PS = ChanTraits<T>::PS, S = WinoLast<R>::S;
  using namespace Eigen::internal;
  const i64 M = p.M, OH = p.out[1], OW = p.out[2], ms = g.tb * M;
  for (i64 t = t0; t < t0 + n; ++t) {
    const i64 oy = t / g.TW * R, ox = t % g.TW * R;
    const int ny = static_cast<int>(std::min<i64>(R, OH - oy)), nx = static_cast<int>(std::min<i64>(R, OW - ox));
    const T* m = Mp + (t - t0) * M;
    for (i64 c = m_lo; c < (m_hi < 0 ? M : m_hi); c += PS) {
      P a[R][S];  // a[dx][i]: row i of m A, column dx
      for (int i = 0; i < S; ++i) {
        P mi[S], e[R];
        for (int j = 0; j < S; ++j) mi[j] = ploadu<P>(m + (S * i + j) * ms + c);
        wino_last_at<R>(mi, e);
        for (int dx = 0; dx < R; ++dx) a[dx][i] = e[dx];
      }
      const P b = B ? ploadu<P>(B + c) : pset1<P>(T(0));
      for (int dx = 0; dx < nx; ++dx) {
        P o[R];
        wino_last_at<R>(a[dx], o);  // A^T (m A), column dx
        for (int dy = 0; dy < ny; ++dy) {
          const i64 at = ((oy + dy) * OW + ox + dx) * M + c;
          P v = padd(o[dy], b);
          if (z) v = padd(v, ploadu<P>(z + at));
          pstoreu(y + at, act_here ? act_packet<T>(v, act) : v);
        }
      }
    }
  }
}

// The S^2 products of one block: Mp[xi][tiles][M] = V[xi][tiles][C] * U[xi][C][M], on
// chan_tile (tiles as positions of a channels-last input, K = C in one pass; V laid out as
// wino_last_tile_in stores it: tiles wino_last_vp apart, channel c of xi at xi * PS + off[c]),
// for the blocks of NB packets of output channels [cb_lo, cb_hi) (all by default).
template <int R, class T, int NB>
inline void wino_last_products(const T* V, const T* U, T* Mp, const i64* off, const ConvParams& p,
                               const WinoLastGeom& g, i64 cnt, i64 cb_lo = 0, i64 cb_hi = -1) {
  constexpr int SMAX = ChanTraits<T>::template smax<NB>;
  constexpr int PS = ChanTraits<T>::PS;
  constexpr int Lay = kChanInNHWC | kChanOutNHWC;
  constexpr i64 CB = NB * PS;
  const i64 C = p.C, M = p.M, BW = chan_block(p), chunks = (cnt + SMAX - 1) / SMAX;
  const i64 vp = wino_last_vp<R>(p);
  const ChanRows rows{0, 0, vp, M};
  const Act none{Act::None, 0.f, 0.f};
  const i64 lo = cb_lo, hi = cb_hi < 0 ? (M + CB - 1) / CB : cb_hi;
  for (i64 xi = 0; xi < WinoLast<R>::SS; ++xi)
    for (i64 cbi = lo; cbi < hi; ++cbi) {
      const i64 cb = cbi * CB;
      const T* v = V + xi * PS;
      const T* u = U + xi * M * C;
      T* mp = Mp + xi * g.tb * M;
      for (i64 ch = 0, j = 0; ch < chunks; ++ch) {
        const int n = static_cast<int>(cnt / chunks + (ch < cnt % chunks ? 1 : 0));
        chan_tile_n<T, 1, NB, Lay>(n, v + j * vp, rows, off, C, u + (cb / BW * C) * BW + cb % BW, BW, nullptr,
                                   nullptr, true, true, mp + j * M + cb, M, nullptr, none);
        j += n;
      }
    }
}

// conv() of a winograd_last_fits() convolution by F(R x R, 3 x 3), with the weights as
// winograd_last_weights<R>() lays them out. L: kChanInNHWC, kChanOutNHWC, kChanResNHWC
// (or'ed) as for conv_channels(). An NCHW input is first copied with the channels last, an
// NCHW output computed that way and transposed (then an NCHW residual added). Scratch:
// winograd_last_scratch(p, L & kChanInNHWC, L & kChanOutNHWC, R) elements, 64-byte aligned.
// Under a parallel-for, the tasks take ranges of the blocks of tiles (wino_last_whole_blocks)
// or of the output channels, each through the input transforms, products and output
// transforms with no barrier between them; the transposes between layouts go in blocks of
// positions. Either way every tile's arithmetic is the serial run's.
template <class T, int L = 0, int R = 2>
inline void conv_winograd_last(const Par& par, const T* X, const T* U, const T* B, T* Y, const ConvParams& p,
                               T* scratch, const T* Z = nullptr, Act act = Act{Act::None, 0.f, 0.f}) {
  constexpr int PS = ChanTraits<T>::PS, S = WinoLast<R>::S, SS = WinoLast<R>::SS;
  constexpr bool in_last = (L & kChanInNHWC) != 0, out_last = (L & kChanOutNHWC) != 0;
  constexpr bool res_last = chan_res_last(L);
  const WinoLastGeom g = wino_last_geom<R>(p, in_last, out_last);
  i64* off = reinterpret_cast<i64*>(scratch + g.off);
  for (i64 c = 0; c < p.C; ++c) off[c] = c / PS * SS * PS + c % PS;  // V[tile][c / PS][xi][PS]
  T* zero = scratch + g.z;
  std::fill(zero, zero + S * p.C, T(0));
  T* V = scratch + g.v;
  T* Mp = scratch + g.m;
  const i64 I = p.in[1] * p.in[2], O = conv_out_size(p);
  const bool reg = act_in_registers(act), late_res = Z && !res_last;  // an NCHW residual: after the transpose
  const Act none{Act::None, 0.f, 0.f};
  const bool two = chan_two_packets<T>(p.M), whole = wino_last_whole_blocks<R>(p, g);
  const i64 CB = (two ? 2 : 1) * PS, nc = (p.M + CB - 1) / CB, blocks = wino_last_blocks<R>(g);
  const i64 work = wino_last_work<R>(p, g);
  for (i64 n = 0; n < p.N; ++n) {
    const T* x = X + n * I * p.C;
    if (!in_last) {
      rows_to_first_par(par, x, p.C, I, scratch + g.x, p.C);  // (Eigen's transpose: 10x slower)
      x = scratch + g.x;
    }
    T* yn = Y + n * O * p.M;
    const T* zn = Z ? Z + n * O * p.M : nullptr;
    T* y = out_last ? yn : scratch + g.y;
    // The blocks of tiles [b_lo, b_hi), channel blocks [c_lo, c_hi) of them, as the serial
    // run computes each (one task per call under a parallel-for).
    auto blocks_of = [&](T* v, T* mp, T* gather, i64 b_lo, i64 b_hi, i64 c_lo, i64 c_hi) {
      for (i64 b = b_lo; b < b_hi; ++b) {
        const i64 t0 = b * g.tb, cnt = std::min(g.tb, g.T - t0);
        wino_last_input<R>(x, p, g, t0, cnt, v, zero, gather);
        if (two)
          wino_last_products<R, T, 2>(v, U, mp, off, p, g, cnt, c_lo, c_hi);
        else
          wino_last_products<R, T, 1>(v, U, mp, off, p, g, cnt, c_lo, c_hi);
        wino_last_output<R>(mp, B, y, res_last ? zn : nullptr, p, g, t0, cnt, reg && !late_res, act, c_lo * CB,
                            std::min(p.M, c_hi * CB));
      }
    };
    if (whole) {  // ranges of blocks, each task with V, products and gathered rows of its own
      const i64 slot_elems = wino_last_block_scratch<R>(p, g);
      par_ranges_of(par, blocks, par_slots_with_scratch<T>(par, blocks, work, slot_elems, kWinoSlots), work,
                    [&](i64 slot, i64 lo, i64 hi) {
                      T* own = slot == 0 ? nullptr : slot_scratch<T>(par, nullptr, slot, slot_elems);
                      T* mp = own ? own + g.tb * wino_last_vp<R>(p) : Mp;
                      blocks_of(own ? own : V, mp, own ? mp + SS * g.tb * p.M : zero + S * p.C, lo, hi, 0, nc);
                    });
    } else {  // ranges of channel blocks, each task with V and gathered rows of its own
      const i64 slot_elems = wino_last_input_scratch<R>(p, g);
      par_ranges_of(par, nc, par_slots_with_scratch<T>(par, nc, work, slot_elems, kWinoSlots), work,
                    [&](i64 slot, i64 lo, i64 hi) {
                      T* own = slot == 0 ? nullptr : slot_scratch<T>(par, nullptr, slot, slot_elems);
                      blocks_of(own ? own : V, Mp, own ? own + g.tb * wino_last_vp<R>(p) : zero + S * p.C, 0, blocks,
                                lo, hi);
                    });
    }
    if (!out_last) rows_to_first_par(par, y, O, p.M, yn, O);
    if (late_res) {
      const i64 total = O * p.M, blk = 4096;
      par_for(par, (total + blk - 1) / blk, total, [&](i64 b) {
        const i64 at = b * blk;
        act_rows(yn + at, zn + at, yn + at, std::min(blk, total - at), reg ? act : none);
      });
    }
  }
  if (!reg) act_apply(Y, p.N * O * p.M, act);
}
template <class T, int L = 0, int R = 2>
inline void conv_winograd_last(const T* X, const T* U, const T* B, T* Y, const ConvParams& p, T* scratch,
                               const T* Z = nullptr, Act act = Act{Act::None, 0.f, 0.f}) {
  conv_winograd_last<T, L, R>(Par{}, X, U, B, Y, p, scratch, Z, act);
}

ONNX2CPP_K_END
#endif
