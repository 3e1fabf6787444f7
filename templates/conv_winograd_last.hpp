// onnx2cpp kernels: Winograd's F(2x2, 3x3) on channels-last tensors. needs: common.hpp activation.hpp panel_gemm.hpp conv.hpp conv_channels.hpp conv_winograd.hpp
// The same algorithm as conv_winograd.hpp with the channels, not the tiles, in the SIMD
// lanes: X[H][W][C] -> Y[OH][OW][M]. A tile's 4x4 input block is 16 packets of channels
// per step, transformed in registers (V = B^T d B); the 16 products V[xi] * U[xi] are
// GEMMs of [tiles x C] by [C x M] on conv_channels' tile kernel (tiles in its rows, output
// channels in its packets); the output transform (Y = A^T m A) adds the bias, the residual
// and the activation. With the channels in the lanes, the transforms fill every lane
// whatever the plane's size: the NCHW kernel's rows of tiles left most lanes idle on the
// small planes of CIFAR ResNets (8x8 to 32x32), where this one runs.
#ifndef ONNX2CPP_K_CONV_WINOGRAD_LAST_HPP
#define ONNX2CPP_K_CONV_WINOGRAD_LAST_HPP

ONNX2CPP_K_BEGIN

// Tiles per block: a block's V (16 x tiles x C) and products (16 x tiles x M) stay in L2
// between the transforms and the GEMMs. The same on every target (the scratch size is
// computed at compile time).
constexpr i64 kWinoLastTiles = 64;

// Whether conv_winograd_last() can run the conv: winograd_fits, channels in whole packets
// on every target, C within one pass of the tile kernel.
inline bool winograd_last_fits(const ConvParams& p) {
  return winograd_fits(p) && p.C % kChanMultiple == 0 && p.M % kChanMultiple == 0 && p.C <= kChanKC;
}

struct WinoLastGeom {
  i64 TH, TW, T;             // tile rows, columns, count
  i64 tb;                    // tiles per block: min(T, kWinoLastTiles)
  // scratch: V, products, the input's channels-last copy, the output's, zeros and gathered
  // rows for the tiles at edges, row offsets (i64)
  i64 v, m, x, y, z, off, total;
};

// Elements between two tiles' V: 16 C, and 16 more so that the tile kernel's rows (up to
// 16 tiles read at once) do not fall into the same L1 sets when 16 C floats are a multiple
// of 4 KB (128 -> 128 on 28x28 ran 16 % slower).
inline i64 wino_last_vp(const ConvParams& p) { return 16 * p.C + 16; }

inline WinoLastGeom wino_last_geom(const ConvParams& p, bool in_last, bool out_last) {
  WinoLastGeom g{};
  g.TH = (p.out[1] + 1) / 2;
  g.TW = (p.out[2] + 1) / 2;
  g.T = g.TH * g.TW;
  g.tb = std::min(g.T, kWinoLastTiles);
  g.v = 0;
  g.m = g.v + g.tb * wino_last_vp(p);
  g.x = g.m + 16 * g.tb * p.M;
  g.y = g.x + (in_last ? 0 : p.in[1] * p.in[2] * p.C);
  g.z = g.y + (out_last ? 0 : conv_out_size(p) * p.M);
  g.off = g.z + 20 * p.C;
  g.total = g.off + (p.C * 8 + sizeof(float) - 1) / sizeof(float) + 16;
  return g;
}

// Elements of scratch conv_winograd_last() needs, for the input's and output's layouts.
inline i64 winograd_last_scratch(const ConvParams& p, bool in_last, bool out_last) {
  return wino_last_geom(p, in_last, out_last).total;
}

// U[xi][M / BW][C][BW] (BW = chan_block(p)) from the 3x3 weights, G g G^T as
// winograd_weights() computes it (done at compile time): each product's weights in the
// layout of conv_channels_weights() for a 1x1 convolution.
template <class T>
inline void winograd_last_weights(const T* W, T* U, const ConvParams& p) {
  const i64 BW = chan_block(p);
  winograd_transform(W, p, [&](i64 xi, i64 m, i64 c) -> T& {
    return U[(xi * p.M + m / BW * BW) * p.C + c * BW + m % BW];
  });
}

// One tile's V = B^T d B, B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], stored as
// v[c / PS][xi][PS]: the 16 packets of a step at fixed offsets. Row i, column j of d is at
// row(i)[j * C + c].
template <class T, class Row>
inline void wino_last_tile_in(Row&& row, i64 C, T* v) {
  using P = typename ChanTraits<T>::Packet;
  constexpr int PS = ChanTraits<T>::PS;
  using namespace Eigen::internal;
  for (i64 c = 0; c < C; c += PS, v += 16 * PS) {
    P r[4][4];  // rows of d combined by columns (d B), then by rows (B^T d B)
    for (int i = 0; i < 4; ++i) {
      const T* x = row(i) + c;
      const P d0 = ploadu<P>(x), d1 = ploadu<P>(x + C), d2 = ploadu<P>(x + 2 * C), d3 = ploadu<P>(x + 3 * C);
      r[i][0] = psub(d0, d2);
      r[i][1] = padd(d1, d2);
      r[i][2] = psub(d2, d1);
      r[i][3] = psub(d1, d3);
    }
    for (int j = 0; j < 4; ++j) {
      pstoreu(v + (0 * 4 + j) * PS, psub(r[0][j], r[2][j]));
      pstoreu(v + (1 * 4 + j) * PS, padd(r[1][j], r[2][j]));
      pstoreu(v + (2 * 4 + j) * PS, psub(r[2][j], r[1][j]));
      pstoreu(v + (3 * 4 + j) * PS, psub(r[1][j], r[3][j]));
    }
  }
}

// V[t - t0] (16 x C each, see wino_last_tile_in) for tiles [t0, t0 + cnt); d is zero
// outside the input. A tile inside reads its rows in place; at an edge, a row outside reads
// `zero` (4 C zeros) and a row inside with columns outside is gathered into `gather` (4 x
// 4 C) with zeros for them.
template <class T>
inline void wino_last_input(const T* X, const ConvParams& p, const WinoLastGeom& g, i64 t0, i64 cnt, T* V,
                            const T* zero, T* gather) {
  const i64 C = p.C, H = p.in[1], W = p.in[2];
  for (i64 t = t0; t < t0 + cnt; ++t) {
    const i64 iy0 = t / g.TW * 2 - p.pad[1], ix0 = t % g.TW * 2 - p.pad[2];
    const bool cols_in = ix0 >= 0 && ix0 + 4 <= W;
    const T* rows[4];
    for (int i = 0; i < 4; ++i) {
      const i64 iy = iy0 + i;
      if (iy < 0 || iy >= H) {
        rows[i] = zero;
      } else if (cols_in) {
        rows[i] = X + (iy * W + ix0) * C;
      } else {
        T* gr = gather + i * 4 * C;
        for (i64 j = 0; j < 4; ++j) {
          const i64 ix = ix0 + j;
          if (ix >= 0 && ix < W) std::copy(X + (iy * W + ix) * C, X + (iy * W + ix + 1) * C, gr + j * C);
          else std::fill(gr + j * C, gr + (j + 1) * C, T(0));
        }
        rows[i] = gr;
      }
    }
    wino_last_tile_in<T>([&](int i) { return rows[i]; }, C, V + (t - t0) * wino_last_vp(p));
  }
}

// y[pos][M] at the 2x2 outputs of tiles [t0, t0 + n) = A^T m A + bias (+ z[pos][M], the
// residual with the channels last, if any), then the register activation if act_here; A^T =
// [1 1 1 0; 0 1 -1 -1], m the block's products. Outputs beyond OH x OW are not written.
template <class T>
inline void wino_last_output(const T* Mp, const T* B, T* y, const T* z, const ConvParams& p, const WinoLastGeom& g,
                             i64 t0, i64 n, bool act_here, const Act& act) {
  using P = typename ChanTraits<T>::Packet;
  constexpr int PS = ChanTraits<T>::PS;
  using namespace Eigen::internal;
  const i64 M = p.M, OH = p.out[1], OW = p.out[2], ms = g.tb * M;
  for (i64 t = t0; t < t0 + n; ++t) {
    const i64 oy = t / g.TW * 2, ox = t % g.TW * 2;
    const bool out[2][2] = {{true, ox + 1 < OW}, {oy + 1 < OH, oy + 1 < OH && ox + 1 < OW}};
    const T* m = Mp + (t - t0) * M;
    for (i64 c = 0; c < M; c += PS) {
      P a[4][2];  // m A: each row's two sums
      for (int i = 0; i < 4; ++i) {
        const P m0 = ploadu<P>(m + (4 * i + 0) * ms + c), m1 = ploadu<P>(m + (4 * i + 1) * ms + c);
        const P m2 = ploadu<P>(m + (4 * i + 2) * ms + c), m3 = ploadu<P>(m + (4 * i + 3) * ms + c);
        a[i][0] = padd(padd(m0, m1), m2);
        a[i][1] = psub(psub(m1, m2), m3);
      }
      const P b = B ? ploadu<P>(B + c) : pset1<P>(T(0));
      for (int dx = 0; dx < 2; ++dx) {
        const P y0 = padd(padd(padd(a[0][dx], a[1][dx]), a[2][dx]), b);
        const P y1 = padd(psub(psub(a[1][dx], a[2][dx]), a[3][dx]), b);
        for (int dy = 0; dy < 2; ++dy) {
          if (!out[dy][dx]) continue;
          const i64 at = ((oy + dy) * OW + ox + dx) * M + c;
          P v = dy ? y1 : y0;
          if (z) v = padd(v, ploadu<P>(z + at));
          pstoreu(y + at, act_here ? act_packet<T>(v, act) : v);
        }
      }
    }
  }
}

// The 16 products of one block: Mp[xi][tiles][M] = V[xi][tiles][C] * U[xi][C][M], on
// chan_tile (tiles as positions of a channels-last input, K = C in one pass; V laid out as
// wino_last_tile_in stores it: tiles wino_last_vp apart, channel c of xi at xi * PS + off[c]).
template <class T, int NB>
inline void wino_last_products(const T* V, const T* U, T* Mp, const i64* off, const ConvParams& p,
                               const WinoLastGeom& g, i64 cnt) {
  constexpr int SMAX = ChanTraits<T>::template smax<NB>;
  constexpr int PS = ChanTraits<T>::PS;
  constexpr int Lay = kChanInNHWC | kChanOutNHWC;
  constexpr i64 CB = NB * PS;
  const i64 C = p.C, M = p.M, BW = chan_block(p), chunks = (cnt + SMAX - 1) / SMAX;
  const i64 vp = wino_last_vp(p);
  const ChanRows rows{0, 0, vp, M};
  const Act none{kActNone, 0.f, 0.f};
  for (int xi = 0; xi < 16; ++xi) {
    const T* v = V + xi * PS;
    const T* u = U + xi * M * C;
    T* mp = Mp + xi * g.tb * M;
    for (i64 cb = 0; cb < M; cb += CB)
      for (i64 ch = 0, j = 0; ch < chunks; ++ch) {
        const int n = static_cast<int>(cnt / chunks + (ch < cnt % chunks ? 1 : 0));
        chan_tile_n<T, 1, NB, Lay>(n, v + j * vp, rows, off, C, u + (cb / BW * C) * BW + cb % BW, BW, nullptr,
                                   nullptr, true, true, mp + j * M + cb, M, nullptr, none);
        j += n;
      }
  }
}

// conv() of a winograd_last_fits() convolution, with the weights as winograd_last_weights()
// lays them out. L: kChanInNHWC, kChanOutNHWC, kChanResNHWC (or'ed) as for conv_channels().
// An NCHW input is first copied with the channels last, an NCHW output computed that way
// and transposed (then an NCHW residual added). Scratch: winograd_last_scratch(p, L &
// kChanInNHWC, L & kChanOutNHWC) elements, 64-byte aligned.
template <class T, int L = 0>
inline void conv_winograd_last(const T* X, const T* U, const T* B, T* Y, const ConvParams& p, T* scratch,
                               const T* Z = nullptr, Act act = Act{kActNone, 0.f, 0.f}) {
  constexpr int PS = ChanTraits<T>::PS;
  constexpr bool in_last = (L & kChanInNHWC) != 0, out_last = (L & kChanOutNHWC) != 0;
  constexpr bool res_last = chan_res_last(L);
  const WinoLastGeom g = wino_last_geom(p, in_last, out_last);
  i64* off = reinterpret_cast<i64*>(scratch + g.off);
  for (i64 c = 0; c < p.C; ++c) off[c] = c / PS * 16 * PS + c % PS;  // V[tile][c / PS][xi][PS]
  T* zero = scratch + g.z;
  std::fill(zero, zero + 4 * p.C, T(0));
  T* V = scratch + g.v;
  T* Mp = scratch + g.m;
  const i64 I = p.in[1] * p.in[2], O = conv_out_size(p);
  const bool reg = act_in_registers(act), late_res = Z && !res_last;  // an NCHW residual: after the transpose
  const Act none{kActNone, 0.f, 0.f};
  for (i64 n = 0; n < p.N; ++n) {
    const T* x = X + n * I * p.C;
    if (!in_last) {
      rows_to_first(x, p.C, I, scratch + g.x, p.C);  // (Eigen's transpose: 10x slower)
      x = scratch + g.x;
    }
    T* yn = Y + n * O * p.M;
    const T* zn = Z ? Z + n * O * p.M : nullptr;
    T* y = out_last ? yn : scratch + g.y;
    for (i64 t0 = 0; t0 < g.T; t0 += g.tb) {
      const i64 cnt = std::min(g.tb, g.T - t0);
      wino_last_input(x, p, g, t0, cnt, V, zero, zero + 4 * p.C);
      if (chan_two_packets<T>(p.M))
        wino_last_products<T, 2>(V, U, Mp, off, p, g, cnt);
      else
        wino_last_products<T, 1>(V, U, Mp, off, p, g, cnt);
      wino_last_output(Mp, B, y, res_last ? zn : nullptr, p, g, t0, cnt, reg && !late_res, act);
    }
    if (!out_last) rows_to_first(y, O, p.M, yn, O);
    if (late_res) act_rows(yn, zn, yn, O * p.M, reg ? act : none);
  }
  if (!reg) act_apply(Y, p.N * O * p.M, act);
}

ONNX2CPP_K_END
#endif
