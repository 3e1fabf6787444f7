// onnx2cpp kernels: 3x3 convolution by Winograd's F(2x2, 3x3).
// Each 2x2 block of outputs (a tile) comes from a 4x4 block of input: with the weights
// transformed at compile time (U = G g G^T, 16 numbers per pair of channels) and the input
// block transformed (V = B^T d B), the 16 products U[xi] * V[xi], summed over input
// channels, are 16 GEMMs of [M x C] by [C x tiles] on the microkernel of panel_gemm.hpp;
// the output transform (Y = A^T m A) adds the bias, the residual and the activation. That
// is 16 multiplications per tile and channel pair where the direct convolution makes 36,
// at the price of transforms that cost O(C + M) per tile, not O(C * M). The transforms
// run with tiles in the SIMD lanes: an input row split into its even and odd columns makes
// every term of a tile row contiguous.
#ifndef ONNX2CPP_K_CONV_WINOGRAD_HPP
#define ONNX2CPP_K_CONV_WINOGRAD_HPP

ONNX2CPP_K_BEGIN

// 2D (the real dims last), 3x3, stride 1, no dilation, one group.
inline bool winograd_fits(const ConvParams& p) {
  return p.group == 1 && p.in[0] == 1 && p.k[0] == 1 && p.pad[0] == 0 && p.k[1] == 3 && p.k[2] == 3 &&
         p.stride[1] == 1 && p.stride[2] == 1 && p.dil[1] == 1 && p.dil[2] == 1;
}

// Tiles are numbered f = ty * TWp + tx with TWp = TW + 1: one tile per row beyond the last
// (computed, never stored), so that a transform runs over many tiles as one run of lanes
// (rows of TW = 7 to 32 tiles with packets of 16 left most lanes to scalar tails). The
// input is first split into 4 planes per channel, by the parity of row and column: the
// tile f reads its 4 x 4 block at f, f + 1 (columns) and f + TWp (rows) of them. Tiles go
// in blocks of kWinoTiles: a block's V and products (16 x (C + M) x kWinoTiles) are
// transformed in, multiplied and transformed out while they are in cache.
constexpr i64 kWinoTiles = 64;

struct WinoGeom {
  i64 TH, TW, TWp;  // tile rows and columns (ceil(out / 2)); TWp = TW + 1
  i64 T;            // tiles, TH * TWp
  i64 pp;           // size of one split plane: (TH + 1) * TWp + 1, rounded up to 16
  i64 tp;           // pitch of the transforms' temporary rows
  i64 v, m, e, t, off, total;  // scratch: V, products, split input, transform temps, offsets
};

inline WinoGeom wino_geom(const ConvParams& p) {
  WinoGeom g{};
  g.TH = (p.out[1] + 1) / 2;
  g.TW = (p.out[2] + 1) / 2;
  g.TWp = g.TW + 1;
  g.T = g.TH * g.TWp;
  g.pp = ((g.TH + 1) * g.TWp + 1 + 15) / 16 * 16;
  g.tp = kWinoTiles + 16;
  g.v = 0;
  g.m = g.v + 16 * p.C * kWinoTiles;
  g.e = g.m + 16 * p.M * kWinoTiles;
  g.t = g.e + 4 * p.C * g.pp;  // plane (row parity h, column parity q) of channel c at (4c + 2h + q) pp
  g.off = g.t + 12 * g.tp;     // 8 rows of sums, an output row's even and odd columns, both interleaved
  g.total = g.off + 2 * p.C + 16;  // row offsets of V (i64)
  return g;
}

// Whether conv_winograd() is expected to beat conv() and conv_channels(). Measured with
// AVX-512 on one core whose FMA loop peaks at 114 GFLOP/s (GFLOP/s of the direct
// convolution's count, best of conv and conv_channels vs this kernel): 64->64 on 56x56 96
// vs 131, 128->128 on 28x28 101 vs 151, on 64x64 97 vs 155, 128->64 on 128x128 87 vs 161,
// 64->32 on 256x256 64 vs 120. It loses on small planes and with few channels (the
// transforms, O(C + M) per tile, no longer vanish next to the products): 32->32 on 16x16
// 95 vs 63, 64->64 on 8x8 95 vs 55, 16->16 on 32x32 91 vs 60, 512->512 on 7x7 97 vs 46;
// 256->256 on 14x14 (49 tiles) won in cache, 108 vs 117, but its transformed weights (16/9
// of the 2.4 MB) come from memory in a model. Under wasm SIMD the wins are alike (64->64 on
// 56x56 21 vs 38, 128->64 on 128x128 25 vs 37).
inline bool winograd_pays(const ConvParams& p) {
  if (!winograd_fits(p) || p.C * p.M < 2048) return false;
  const WinoGeom g = wino_geom(p);
  return g.TH * g.TW >= 64;
}

// Elements of scratch conv_winograd() needs.
inline i64 winograd_scratch(const ConvParams& p) { return wino_geom(p).total; }

// (G g G^T)[xi] for the 3x3 kernel g = W[m][c], into at(xi, m, c) (done at compile time,
// in double), for Winograd's F(R x R, 3 x 3): xi in [0, (R + 2)^2). F(2x2, 3x3): G = [1 0 0;
// 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]. F(4x4, 3x3), at the points 0, -1, 1, 1/2, -1/2 and
// infinity (Lavin and Gray's choice): G = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24
// 1/12 1/6; 1/24 -1/12 1/6; 0 0 1].
template <int R = 2, class T, class At>
inline void winograd_transform(const T* W, const ConvParams& p, At&& at) {
  static_assert(R == 2 || R == 4, "F(2x2, 3x3) or F(4x4, 3x3)");
  constexpr int S = R + 2;
  static const double G2[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
  static const double G4[6][3] = {{0.25, 0, 0},           {-1.0 / 6, -1.0 / 6, -1.0 / 6}, {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                  {1.0 / 24, 1.0 / 12, 1.0 / 6}, {1.0 / 24, -1.0 / 12, 1.0 / 6}, {0, 0, 1}};
  const double(*G)[3] = R == 2 ? G2 : G4;
  for (i64 m = 0; m < p.M; ++m)
    for (i64 c = 0; c < p.C; ++c) {
      const T* g = W + (m * p.C + c) * 9;
      double gg[S][3];  // G g
      for (int a = 0; a < S; ++a)
        for (int j = 0; j < 3; ++j)
          gg[a][j] = G[a][0] * double(g[j]) + G[a][1] * double(g[3 + j]) + G[a][2] * double(g[6 + j]);
      for (int a = 0; a < S; ++a)
        for (int b = 0; b < S; ++b)
          at(a * S + b, m, c) = T(gg[a][0] * G[b][0] + gg[a][1] * G[b][1] + gg[a][2] * G[b][2]);
    }
}

// U[xi][M][C]: the transformed weights as conv_winograd() reads them.
template <class T>
inline void winograd_weights(const T* W, T* U, const ConvParams& p) {
  winograd_transform(W, p, [&](i64 xi, i64 m, i64 c) -> T& { return U[(xi * p.M + m) * p.C + c]; });
}

// One input row iy (zero outside the input), split: ev[t] = x[iy][2t - pl], od[t] =
// x[iy][2t + 1 - pl] for t in [0, TWp).
template <class T>
inline void wino_split_row(const T* x, i64 iy, const ConvParams& p, i64 TWp, T* ev, T* od) {
  const i64 H = p.in[1], W = p.in[2], pl = p.pad[2];
  if (iy < 0 || iy >= H) {
    std::fill(ev, ev + TWp, T(0));
    std::fill(od, od + TWp, T(0));
    return;
  }
  const T* r = x + iy * W;
  // t whose columns 2t - pl and 2t + 1 - pl are both inside the row
  const i64 lo = std::min(TWp, (pl + 1) / 2), hi = std::max(lo, std::min(TWp, (W + pl) / 2));
  auto edge = [&](i64 t) {
    const i64 ix = 2 * t - pl;
    ev[t] = ix >= 0 && ix < W ? r[ix] : T(0);
    od[t] = ix + 1 >= 0 && ix + 1 < W ? r[ix + 1] : T(0);
  };
  for (i64 t = 0; t < lo; ++t) edge(t);
  const T* rs = r - pl;
  for (i64 t = lo; t < hi; ++t) {
    ev[t] = rs[2 * t];
    od[t] = rs[2 * t + 1];
  }
  for (i64 t = hi; t < TWp; ++t) edge(t);
}

// The 4 split planes of each channel of one image.
template <class T>
inline void wino_split(const T* X, const ConvParams& p, const WinoGeom& g, T* s) {
  const i64 I = p.in[1] * p.in[2];
  for (i64 c = 0; c < p.C; ++c) {
    T* pl = s + g.e + 4 * c * g.pp;
    for (i64 r = 0; r < 2 * g.TH + 2; ++r) {
      T* row = pl + (r & 1) * 2 * g.pp + (r >> 1) * g.TWp;
      wino_split_row(X + c * I, r - p.pad[1], p, g.TWp, row, row + g.pp);
    }
    for (int q = 0; q < 4; ++q) pl[q * g.pp + (g.TH + 1) * g.TWp] = T(0);  // read by the last, unused tile
  }
}

// V[xi][c][f - f0] = (B^T d B)[xi] for the L tiles from f0, B^T = [1 0 -1 0; 0 1 1 0;
// 0 -1 1 0; 0 1 0 -1].
template <class T>
inline void wino_input(const ConvParams& p, const WinoGeom& g, i64 f0, i64 L, T* s) {
  const i64 TWp = g.TWp, xs = p.C * kWinoTiles;
  T* t = s + g.t;  // t[4q + i]: the rows' combination i on the columns of parity q
  for (i64 c = 0; c < p.C; ++c) {
    const T* pl = s + g.e + 4 * c * g.pp + f0;
    for (int q = 0; q < 2; ++q) {
      CArrMap<T> d0(pl + q * g.pp, L + 1), d1(pl + (2 + q) * g.pp, L + 1);
      CArrMap<T> d2(pl + q * g.pp + TWp, L + 1), d3(pl + (2 + q) * g.pp + TWp, L + 1);
      ArrMap<T>(t + (4 * q + 0) * g.tp, L + 1) = d0 - d2;
      ArrMap<T>(t + (4 * q + 1) * g.tp, L + 1) = d1 + d2;
      ArrMap<T>(t + (4 * q + 2) * g.tp, L + 1) = d2 - d1;
      ArrMap<T>(t + (4 * q + 3) * g.tp, L + 1) = d1 - d3;
    }
    for (int i = 0; i < 4; ++i) {
      // columns 2tx .. 2tx + 3 of a tile: even[f], odd[f], even[f + 1], odd[f + 1]
      CArrMap<T> e0(t + i * g.tp, L), o0(t + (4 + i) * g.tp, L);
      CArrMap<T> e1(t + i * g.tp + 1, L), o1(t + (4 + i) * g.tp + 1, L);
      T* v = s + g.v + (4 * i * p.C + c) * kWinoTiles;
      ArrMap<T>(v, L) = e0 - e1;
      ArrMap<T>(v + xs, L) = o0 + e1;
      ArrMap<T>(v + 2 * xs, L) = e1 - o0;
      ArrMap<T>(v + 3 * xs, L) = o0 - o1;
    }
  }
}

// The outputs of the L tiles from f0 of one image = act(A^T m A + bias + Z), A^T =
// [1 1 1 0; 0 1 -1 -1], m the products of the block.
template <class T>
inline void wino_output(const T* B, T* Y, const T* Z, const ConvParams& p, const WinoGeom& g, i64 f0, i64 L,
                        const Act act, T* s) {
  const i64 TWp = g.TWp, OH = p.out[1], OW = p.out[2], O = OH * OW, xs = p.M * kWinoTiles;
  T* a = s + g.t;         // a[j]: the sums over rows for output row 0, a[4 + j] for row 1
  T* ce = a + 8 * g.tp;   // one output row's even and odd columns
  T* co = ce + g.tp;
  T* row = co + g.tp;     // the same interleaved (2 tp)
  const bool reg = act_in_registers(act);
  const Act none{Act::None, 0.f, 0.f};
  for (i64 m = 0; m < p.M; ++m) {
    const T bias = B ? B[m] : T(0);
    const T* mm = s + g.m + m * kWinoTiles;
    for (int j = 0; j < 4; ++j) {
      CArrMap<T> m0(mm + j * xs, L), m1(mm + (4 + j) * xs, L), m2(mm + (8 + j) * xs, L), m3(mm + (12 + j) * xs, L);
      ArrMap<T>(a + j * g.tp, L) = m0 + m1 + m2;
      ArrMap<T>(a + (4 + j) * g.tp, L) = m1 - m2 - m3;
    }
    for (int dy = 0; dy < 2; ++dy) {
      const T* sv = a + 4 * dy * g.tp;
      CArrMap<T> s0(sv, L), s1(sv + g.tp, L), s2(sv + 2 * g.tp, L), s3(sv + 3 * g.tp, L);
      ArrMap<T>(ce, L) = s0 + s1 + s2 + bias;
      ArrMap<T>(co, L) = s1 - s2 - s3 + bias;
      for (i64 f = 0; f < L; ++f) {
        row[2 * f] = ce[f];
        row[2 * f + 1] = co[f];
      }
      // the block's part of each tile row: tiles [a0, a1) of row ty, outputs [2 a0, 2 a1)
      for (i64 ty = f0 / TWp; ty * TWp < f0 + L; ++ty) {
        const i64 oy = 2 * ty + dy;
        if (oy >= OH) break;
        const i64 a0 = std::max(f0, ty * TWp) - ty * TWp, a1 = std::min(f0 + L, (ty + 1) * TWp) - ty * TWp;
        const i64 x0 = 2 * a0, x1 = std::min(2 * a1, OW);
        if (x1 <= x0) continue;
        const i64 at = m * O + oy * OW + x0;
        act_rows(row + 2 * (ty * TWp + a0 - f0), Z ? Z + at : nullptr, Y + at, x1 - x0, reg ? act : none);
        if (!reg) act_apply(Y + at, x1 - x0, act);
      }
    }
  }
}

// conv() of a 3x3, stride-1 convolution (winograd_fits) with the weights as
// winograd_weights() lays them out. Scratch: winograd_scratch(p) elements, 64-byte aligned.
template <class T>
inline void conv_winograd(const T* X, const T* U, const T* B, T* Y, const ConvParams& p, T* scratch,
                          const T* Z = nullptr, Act act = Act{Act::None, 0.f, 0.f}) {
  const WinoGeom g = wino_geom(p);
  const i64 I = p.in[1] * p.in[2], O = conv_out_size(p);
  i64* off = reinterpret_cast<i64*>(scratch + g.off);
  for (i64 c = 0; c < p.C; ++c) off[c] = c * kWinoTiles;
  for (i64 n = 0; n < p.N; ++n) {
    wino_split(X + n * p.C * I, p, g, scratch);
    for (i64 f0 = 0; f0 < g.T; f0 += kWinoTiles) {
      const i64 L = std::min(kWinoTiles, g.T - f0);
      wino_input(p, g, f0, L, scratch);
      for (int xi = 0; xi < 16; ++xi)
        panel_gemm<T>(U + xi * p.M * p.C, p.C, scratch + g.v + xi * p.C * kWinoTiles, off,
                      scratch + g.m + xi * p.M * kWinoTiles, kWinoTiles, p.M, L, p.C, nullptr, nullptr, 0,
                      Act{Act::None, 0.f, 0.f}, nullptr, true);
      wino_output(B, Y + n * p.M * O, Z ? Z + n * p.M * O : nullptr, p, g, f0, L, act, scratch);
    }
  }
}

ONNX2CPP_K_END
#endif
