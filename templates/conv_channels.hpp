// onnx2cpp kernels: convolution vectorized over output channels.
// The implicit GEMM of conv.hpp puts output positions in its SIMD lanes; on small planes
// (8x8, 7x7, 14x14) their rows fill whole panels badly. This kernel puts output channels in
// the lanes instead: a tile is S consecutive positions of one output row (or two short
// rows) times NB packets of channels, each position's input element broadcast against a
// packet of weights, so only the row's end can leave lanes idle. It reads the same phase
// planes and row offsets as the implicit GEMM; its weights are transposed at compile time
// into contiguous blocks of channels (conv_channels_weights) and the tile is transposed
// into Y on the way out, or stored as it is when Y has the channels last. Also here: the
// depthwise convolution on channels-last tensors (passes/channels_last.cpp).
#ifndef ONNX2CPP_K_CONV_CHANNELS_HPP
#define ONNX2CPP_K_CONV_CHANNELS_HPP

ONNX2CPP_K_BEGIN

template <class T>
struct ChanTraits {
  using Packet = typename PanelTraits<T>::Packet;
  static constexpr int PS = PanelTraits<T>::PS;
  // PS packets, for a square transpose in registers. (PacketBlock of a vector type: GCC
  // notes that the type's attributes are not part of the template argument: harmless.)
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-attributes"
#endif
  using Block = Eigen::internal::PacketBlock<Packet, PS>;
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
  // Positions per tile: 2 x 14 accumulators with AVX-512's 32 registers, 2 x 6 within 16.
  // The same with one packet of channels (28 positions, as many accumulators, ran at 60 to
  // 70 % of the speed of 14 with AVX-512). Under wasm SIMD, 2 x 5: V8 allocates 15 of the 16
  // registers and needs one more for each multiply's product (2 x 6 ran cifar_resnet20 8 %
  // slower, 2 x 4 4 % slower).
#if defined(__wasm__)
  static constexpr int SMAX = 5;
#else
  static constexpr int SMAX = PS >= 16 ? 14 : 6;
#endif
  // With one packet of channels (16 channels with AVX-512), 16 positions: rows of 32 in two
  // tiles, not three of 10 and 11 (4 % faster on a 16-channel 3x3 conv on 32x32 with the
  // channels last on both sides; 24 positions gained less).
  template <int NB>
  static constexpr int smax = NB == 1 && PS >= 16 ? 16 : SMAX;
};

// Output channels a kernel call needs as a multiple, whatever the target's packet size.
constexpr i64 kChanMultiple = 16;

// Whether conv_channels() is expected to beat conv(). Measured with AVX-512 (single core,
// GFLOP/s of conv vs conv_channels): 3x3 convolutions 64->64 on 8x8 114 vs 186, 32->32 on
// 16x16 119 vs 152, 64->64 on 56x56 191 vs 223, 512->512 on 7x7 (weights from memory) 137
// vs 177; 1x1 960->320 on 7x7 150 vs 215. It loses when K is short (1x1 32->16 on 112x112:
// 0.102 vs 0.129 ms; the transposed stores no longer vanish next to the products) and with
// one packet of channels per tile (3x3 16->16 on 32x32: 155 vs 138).
inline bool conv_channels_pays(const ConvParams& p) {
  if (conv_is_depthwise(p)) return false;
  const i64 Mg = p.M / p.group;
  return Mg % (2 * kChanMultiple) == 0 && conv_kg(p) > 64;
}

// Channels per block of the transposed weights: 32 when M / group allows, else 16 (a
// function of the shape alone, so the layout is the same for every target; a kernel's 1 or
// 2 packets of channels always lie within one block).
inline i64 chan_block(const ConvParams& p) { return (p.M / p.group) % 32 == 0 ? 32 : 16; }

// Transposes W[group][Mg][Kg] to Wt[group][Mg / BW][Kg][BW], BW = chan_block(p) (done at
// compile time): the weights a tile streams are contiguous, which the hardware prefetcher
// follows when they come from memory (a row pitch of Mg lost 25 % on 512 x 4608 weights).
// tap_major (for an input with the channels last): K in the order (tap, channel), not
// ONNX's (channel, tap), so that consecutive rows read consecutive channels of a position.
template <class T>
inline void conv_channels_weights(const T* W, T* Wt, const ConvParams& p, bool tap_major = false) {
  const i64 Mg = p.M / p.group, Kg = conv_kg(p), BW = chan_block(p);
  const i64 taps = p.k[0] * p.k[1] * p.k[2], Cg = p.C / p.group;
  for (i64 grp = 0; grp < p.group; ++grp)
    for (i64 m = 0; m < Mg; ++m)
      for (i64 k = 0; k < Kg; ++k) {
        const i64 kt = tap_major ? k % taps * Cg + k / taps : k;
        Wt[((grp * Mg + m / BW * BW) * Kg + kt * BW) + m % BW] = W[(grp * Mg + m) * Kg + k];
      }
}

// Rows of Wt per pass: a block's 512 x 32 floats stay in L2 next to the planes while every
// tile of the plane runs (K = 4608 in one pass ran at 60 % of the speed of 9 passes; fewer
// rows per pass cost more in partial sums than they save). The same on every target, so the
// scratch size does not depend on the packet size.
constexpr i64 kChanKC = 512;

// Weights (K x M) few enough to run every block of channels on a row before the next row.
constexpr i64 kChanSmallWeights = 8192;

// Input bytes of a band of output rows (see conv_channels_group): a quarter of a 1 MB L2.
constexpr i64 kChanBandBytes = 256 * 1024;

// Where a tile's positions are: R output rows of S positions; row r reads src + r * sp
// (the wide pitch) and writes y + r * yp (the output row length); part, the sums between
// passes, has a row pitch of yp * CB.
struct ChanRows {
  i64 sp, yp;
  i64 ps;  // input position pitch: 1, or stride x C with the channels last
  i64 zm;  // residual with the channels last: its channel count
};

// Layouts besides NCHW (passes/channels_last.cpp picks them), each with group 1: the input
// with the channels last (X[N][H][W][C]), the output (Y[N][OH][OW][M]), the residual
// (Z[N][OH][OW][M]; always so with the output's). A residual with the channels last is added
// to the sums in registers, so an NCHW output can take one: the last conv of a ResNet
// writes NCHW for the pooling after it, from a residual stream kept channels last.
constexpr int kChanInNHWC = 1, kChanOutNHWC = 2, kChanResNHWC = 4;
constexpr bool chan_res_last(int L) { return (L & (kChanResNHWC | kChanOutNHWC)) != 0; }

// Where the input of a tile is: output position (q0, q1, q2) reads src + q0 * pp + q1 * sp +
// q2 * ps, and GEMM row k at off[k] from there. NCHW: the phase planes of conv.hpp. Channels
// last: the input itself when it has no padding (any stride), else its zero-padded copy
// [hp0][hp1][hp2][cp] in scratch; no phase split, the stride is in the pitches. The copy's
// position pitch cp is C, or C + 16 when C is a multiple of 256: positions 1 KB apart or
// more fall into few L1 sets, and a tile reads 14 of them at once.
struct ChanInput {
  i64 pp, sp, ps;
  bool copy;   // the input goes to scratch first
  i64 size;    // elements of the copy
  i64 cp;      // channels last: position pitch
  i64 dim[3];  // extents of the (copied) input the pitches step over
};
inline ChanInput chan_input(const ConvParams& p, const PhaseGeom& g, bool in_last) {
  ChanInput in;
  if (!in_last) {
    in.copy = !g.direct;
    in.size = in.copy ? p.C / p.group * g.chan : 0;
    in.cp = 1;
    in.ps = 1, in.sp = g.h[2], in.pp = g.h[1] * g.h[2];
    for (int d = 0; d < 3; ++d) in.dim[d] = g.h[d];
    return in;
  }
  in.copy = p.pad[0] || p.pad[1] || p.pad[2];
  in.cp = in.copy && p.C % 256 == 0 ? p.C + 16 : p.C;
  for (int d = 0; d < 3; ++d) in.dim[d] = in.copy ? g.hp[d] : p.in[d];
  in.size = in.copy ? in.dim[0] * in.dim[1] * in.dim[2] * in.cp : 0;
  in.ps = p.stride[2] * in.cp;
  in.sp = p.stride[1] * in.dim[2] * in.cp;
  in.pp = p.stride[0] * in.dim[1] * in.dim[2] * in.cp;
  return in;
}

// Scratch of conv_channels(), in elements of T, each part 64-byte aligned: the input's copy,
// the row offsets, then the partial sums of one block of channels when K takes more than
// one pass.
struct ChanScratch {
  i64 offsets, part, total;
};
template <class T>
inline ChanScratch chan_scratch(const ConvParams& p, bool in_last) {
  const ChanInput in = chan_input(p, phase_geom(p), in_last);
  auto up = [](i64 v) { return (v + 15) / 16 * 16; };
  const i64 Kg = conv_kg(p);
  ChanScratch s;
  s.offsets = up(in.size);
  s.part = s.offsets + up((Kg * 8 + sizeof(T) - 1) / sizeof(T));
  s.total = s.part + (Kg > kChanKC ? conv_out_size(p) * 32 + 16 : 0);
  return s;
}

// off[k] for GEMM row k = ((t0 * k1 + t1) * k2 + t2) * C + c (the order of
// conv_channels_weights(..., true)) on a channels-last input laid out as chan_input() says:
// consecutive rows read consecutive channels of a position. (ONNX's order, channels
// outermost, touched a line per tap and position per row: with a channel pitch of 2 KB those
// lines fell into the same L1 sets, and 512 -> 512 on 7x7 ran 35 % slower than NCHW.)
inline void chan_last_offsets(const ConvParams& p, const ChanInput& in, i64* off) {
  i64 k = 0;
  for (i64 t0 = 0; t0 < p.k[0]; ++t0)
    for (i64 t1 = 0; t1 < p.k[1]; ++t1)
      for (i64 t2 = 0; t2 < p.k[2]; ++t2)
        for (i64 c = 0; c < p.C; ++c)
          off[k++] = ((t0 * p.dil[0] * in.dim[1] + t1 * p.dil[1]) * in.dim[2] + t2 * p.dil[2]) * in.cp + c;
}

// Copies one channels-last image x[in0][in1][in2][C] into the zeroed dst[hp0][hp1][hp2][cp]
// at the padding's offset, rows beyond the extent read left out. The padding is never
// written, so later images keep it zero.
template <class T>
inline void chan_last_pad(const T* x, T* dst, const ConvParams& p, const ChanInput& in) {
  const i64 C = p.C, cp = in.cp;
  const i64 n0 = std::min(p.in[0], in.dim[0] - p.pad[0]), n1 = std::min(p.in[1], in.dim[1] - p.pad[1]);
  const i64 n2 = std::min(p.in[2], in.dim[2] - p.pad[2]);
  for (i64 i0 = 0; i0 < n0; ++i0)
    for (i64 i1 = 0; i1 < n1; ++i1) {
      const T* xr = x + (i0 * p.in[1] + i1) * p.in[2] * C;
      T* row = dst + (((i0 + p.pad[0]) * in.dim[1] + i1 + p.pad[1]) * in.dim[2] + p.pad[2]) * cp;
      if (cp == C)
        std::copy(xr, xr + n2 * C, row);
      else
        for (i64 i2 = 0; i2 < n2; ++i2) std::copy(xr + i2 * C, xr + (i2 + 1) * C, row + i2 * cp);
    }
}

// One tile: R x S positions (src + off[k] + r * sp + j) x NB packets of channels
// (wt + k * ldw), rows k < kc of one pass. Between passes the sums wait in part; the last
// pass writes y[c * O + r * yp + j] = act(bias[c] + sum + z[c * O + r * yp + j]).
template <class T, int R, int S, int NB, int L>
inline void chan_tile(const T* src, ChanRows rows, const i64* off, i64 kc, const T* wt, i64 ldw, const T* bias,
                      T* part, bool first, bool last, T* y, i64 O, const T* z, const Act act) {
  using CT = ChanTraits<T>;
  using P = typename CT::Packet;
  using namespace Eigen::internal;
  constexpr int PS = CT::PS, CB = NB * PS, RS = R * S;
  constexpr bool in_last = (L & kChanInNHWC) != 0, out_last = (L & kChanOutNHWC) != 0;
  constexpr bool res_last = chan_res_last(L);
  P acc[RS][NB];
  for (int b = 0; b < NB; ++b) {
    if (first) {
      const P init = bias ? ploadu<P>(bias + b * PS) : pset1<P>(T(0));
      for (int j = 0; j < RS; ++j) acc[j][b] = init;
    } else {
      for (int r = 0; r < R; ++r)
        for (int j = 0; j < S; ++j) acc[r * S + j][b] = pload<P>(part + (r * rows.yp + j) * CB + b * PS);
    }
  }
  for (i64 k = 0; k < kc; ++k) {
    const T* s = src + off[k];
    const T* wk = wt + k * ldw;
    P w[NB];
    for (int b = 0; b < NB; ++b) w[b] = ploadu<P>(wk + b * PS);
    for (int r = 0; r < R; ++r)
      for (int j = 0; j < S; ++j) {
        const P a = pset1<P>(s[r * rows.sp + (in_last ? j * rows.ps : j)]);
        for (int b = 0; b < NB; ++b) acc[r * S + j][b] = pmadd(a, w[b], acc[r * S + j][b]);
      }
  }
  if (!last) {
    for (int r = 0; r < R; ++r)
      for (int j = 0; j < S; ++j)
        for (int b = 0; b < NB; ++b) pstore(part + (r * rows.yp + j) * CB + b * PS, acc[r * S + j][b]);
    return;
  }
  const bool reg = act_in_registers(act);
  if constexpr (res_last) {  // z[(r * yp + j) * zm + c]
    if (z) {
      for (int r = 0; r < R; ++r)
        for (int j = 0; j < S; ++j)
          for (int b = 0; b < NB; ++b)
            acc[r * S + j][b] = padd(acc[r * S + j][b], ploadu<P>(z + (r * rows.yp + j) * rows.zm + b * PS));
      z = nullptr;
    }
  }
  if constexpr (out_last) {  // y[(r * yp + j) * O + c]: O is the channel count here
    for (int r = 0; r < R; ++r)
      for (int j = 0; j < S; ++j)
        for (int b = 0; b < NB; ++b) {
          const P v = acc[r * S + j][b];
          pstoreu(y + (r * rows.yp + j) * O + b * PS, reg ? act_packet<T>(v, act) : v);
        }
    return;
  }
  if constexpr (R == 1 && S == PS && PS < 16 && std::is_same<T, float>::value) {
    // A square block: transposed in registers, each channel's S positions one packet. (Not
    // with 16-float packets: GCC 12 warns that Eigen's 16 x 16 transpose reads an
    // uninitialized register.)
    using Block = typename ChanTraits<T>::Block;
    for (int b = 0; b < NB; ++b) {
      Block blk;
      for (int j = 0; j < S; ++j) blk.packet[j] = acc[j][b];
      ptranspose(blk);
      for (int c = 0; c < PS; ++c) {
        const i64 at = (b * PS + c) * O;
        P v = blk.packet[c];
        if (z) v = padd(v, ploadu<P>(z + at));
        if (reg) v = act_packet<T>(v, act);
        pstoreu(y + at, v);
      }
    }
    return;
  }
  if (reg && !z)
    for (int j = 0; j < RS; ++j)
      for (int b = 0; b < NB; ++b) acc[j][b] = act_packet<T>(acc[j][b], act);
  alignas(64) T buf[RS * CB];
  for (int j = 0; j < RS; ++j)
    for (int b = 0; b < NB; ++b) pstore(buf + j * CB + b * PS, acc[j][b]);
  for (int c = 0; c < CB; ++c)
    for (int r = 0; r < R; ++r) {
      T* yr = y + c * O + r * rows.yp;
      const T* v = buf + r * S * CB + c;
      if (!z) {
        for (int j = 0; j < S; ++j) yr[j] = v[j * CB];
      } else {
        // The residual, then the activation with its switch out of the loop (Relu, the
        // common case, spelled out: 4 to 8 % of a residual convolution's time).
        const T* zr = z + c * O + r * rows.yp;
        switch (reg ? act.kind : int(Act::None)) {
          case Act::None:
            for (int j = 0; j < S; ++j) yr[j] = v[j * CB] + zr[j];
            break;
          case Act::Relu:
            for (int j = 0; j < S; ++j) {
              const T t = v[j * CB] + zr[j];
              yr[j] = t > T(0) ? t : T(0);
            }
            break;
          default:
            for (int j = 0; j < S; ++j) yr[j] = act_scalar(v[j * CB] + zr[j], act);
        }
      }
    }
}

// Dispatches R rows of s <= SMAX / R positions to their kernel.
template <class T, int R, int NB, int L, int S = ChanTraits<T>::template smax<NB> / R>
inline void chan_tile_n(int s, const T* src, ChanRows rows, const i64* off, i64 kc, const T* wt, i64 ldw,
                        const T* bias, T* part, bool first, bool last, T* y, i64 O, const T* z, const Act act) {
  if constexpr (S > 1) {
    if (s < S)
      return chan_tile_n<T, R, NB, L, S - 1>(s, src, rows, off, kc, wt, ldw, bias, part, first, last, y, O, z, act);
  }
  chan_tile<T, R, S, NB, L>(src, rows, off, kc, wt, ldw, bias, part, first, last, y, O, z, act);
}

// Scratch of conv_channels() (chan_scratch) in floats, for the input's layout.
inline i64 conv_channels_scratch(const ConvParams& p, bool in_last = false) {
  return chan_scratch<float>(p, in_last).total;
}

// The channels in blocks of NB packets; for each block, K in equal passes of up to
// kChanKC rows (the block's weights are reused by every tile of the plane).
// With a parallel-for, the output rows of each plane go to tasks in blocks (chan_row_block
// rows, even when rows go in pairs), each block computed as the serial loop computes its rows:
// the same tiles, the same passes over K, its own rows of `part`.
template <class T, int NB, int L>
inline void conv_channels_group(const T* src, const i64* off, const T* wt, const T* bias, T* y, const T* z,
                                const ConvParams& p, const ChanInput& in, T* part, const Act act,
                                const Par& par = Par{}) {
  constexpr int SMAX = ChanTraits<T>::template smax<NB>;
  constexpr i64 CB = NB * ChanTraits<T>::PS;
  constexpr bool out_last = (L & kChanOutNHWC) != 0;
  const i64 O = conv_out_size(p), Mg = p.M / p.group, Kg = conv_kg(p), BW = chan_block(p);
  const i64 OW = p.out[2], chunks = (OW + SMAX - 1) / SMAX;
  // Rows no longer than half a tile go two at a time (7x7: 2 x 7 positions, not 7).
  const bool pairs = 2 * OW <= SMAX;
  constexpr bool res_last = chan_res_last(L);
  const ChanRows rows{in.sp, OW, in.ps, p.M};
  // Output element (channel c, position i) of a tile at channel cb and position pos, and
  // the channel pitch the tile kernel takes; the residual's likewise.
  const i64 ypos = out_last ? p.M : 1, ychan = out_last ? 1 : O, ypitch = out_last ? p.M : O;
  const i64 zpos = res_last ? p.M : 1, zchan = res_last ? 1 : O;
  const i64 passes = (Kg + kChanKC - 1) / kChanKC, kstep = (Kg + passes - 1) / passes;
  // The tiles of output rows q1 (and q1 + 1 when in pairs) of plane q0, channels [cb, cb +
  // CB), rows [kb, kb + kc) of K; returns the output rows done.
  auto tiles = [&](i64 cb, i64 kb, i64 kc, i64 q0, i64 q1) -> i64 {
    const bool first = kb == 0, last = kb + kc >= Kg;
    const T* w = wt + (cb / BW * Kg + kb) * BW + cb % BW;
    const T* bb = bias ? bias + cb : nullptr;
    const T* s = src + q0 * in.pp + q1 * in.sp;
    const i64 pos = (q0 * p.out[1] + q1) * OW;
    T* pt = part ? part + pos * CB : nullptr;
    T* yt = y + cb * ychan + pos * ypos;
    const T* zt = z ? z + cb * zchan + pos * zpos : nullptr;
    if (pairs && q1 + 1 < p.out[1]) {
      chan_tile_n<T, 2, NB, L>(static_cast<int>(OW), s, rows, off + kb, kc, w, BW, bb, pt, first, last, yt, ypitch,
                               zt, act);
      return 2;
    }
    // the row in chunks of equal length (the first ones one longer)
    for (i64 ch = 0, q2 = 0; ch < chunks; ++ch) {
      const int n = static_cast<int>(OW / chunks + (ch < OW % chunks ? 1 : 0));
      chan_tile_n<T, 1, NB, L>(n, s + q2 * in.ps, rows, off + kb, kc, w, BW, bb, pt ? pt + q2 * CB : nullptr, first,
                               last, yt + q2 * ypos, ypitch, zt ? zt + q2 * zpos : nullptr, act);
      q2 += n;
    }
    return 1;
  };
  const bool small = passes == 1 && Kg * Mg <= kChanSmallWeights;
  // Output rows in bands whose input stays in L2 while every block of channels runs over
  // them: the whole plane when it fits, else each block would read the plane from memory
  // again (3x3 stride 2 32 -> 64 on 226x226, 6.5 MB of phase planes: 7.7 vs 5.7 ms natively
  // in 2 blocks of 32 channels, 33 vs 22 to 28 ms under wasm in 8 blocks of 8).
  const i64 row_bytes = std::max<i64>(1, p.C / p.group * p.stride[1] * p.in[2] * i64(sizeof(T)));
  i64 band = std::max<i64>(1, std::min(p.out[1], kChanBandBytes / row_bytes));
  if (pairs) band += band % 2;
  // Rows [r0, r1) of plane q0 (r0 and r1 even, or r1 the last row, when in pairs).
  auto rows_of = [&](i64 q0, i64 r0, i64 r1) {
    if (small) {
      // Few weights (1x1 expansions from 16 to 32 channels): all channel blocks of a row
      // before the next row, so that a row's input is read from L1 and its output written in
      // one sweep, not once per block.
      for (i64 q1 = r0; q1 < r1;) {
        i64 done = 1;
        for (i64 cb = 0; cb < Mg; cb += CB) done = tiles(cb, 0, Kg, q0, q1);
        q1 += done;
      }
      return;
    }
    for (i64 b0 = r0; b0 < r1; b0 += band)
      for (i64 cb = 0; cb < Mg; cb += CB)
        for (i64 kb = 0; kb < Kg; kb += kstep)
          for (i64 q1 = b0; q1 < std::min(r1, b0 + band);) q1 += tiles(cb, kb, std::min(kstep, Kg - kb), q0, q1);
  };
  if (!par_on(par)) {
    for (i64 q0 = 0; q0 < p.out[0]; ++q0) rows_of(q0, 0, p.out[1]);
    return;
  }
  i64 rb = std::max<i64>(1, (p.out[1] + 7) / 8);
  if (pairs) rb += rb % 2;
  const i64 nb = (p.out[1] + rb - 1) / rb;
  par_for2(par, p.out[0], nb, O * Mg * Kg, [&](i64 q0, i64 b) {
    const i64 r0 = b * rb;
    rows_of(q0, r0, std::min(p.out[1], r0 + rb));
  });
}

// Whether a kernel's tile takes two packets of channels for M output channels: whenever
// they allow; with packets of 8 or fewer floats they always do (M is a multiple of 16), and
// the one-packet kernels are not compiled in.
template <class T>
constexpr bool chan_two_packets(i64 M) {
  return 2 * ChanTraits<T>::PS <= kChanMultiple || M % (2 * ChanTraits<T>::PS) == 0;
}

// conv_channels_group() with the packets per tile chan_two_packets() picks.
template <class T, int L>
inline void conv_channels_rows(const T* src, const i64* off, const T* wt, const T* bias, T* y, const T* z,
                               const ConvParams& p, const ChanInput& in, T* part, const Act act,
                               const Par& par = Par{}) {
  if (chan_two_packets<T>(p.M / p.group))
    conv_channels_group<T, 2, L>(src, off, wt, bias, y, z, p, in, part, act, par);
  else
    conv_channels_group<T, 1, L>(src, off, wt, bias, y, z, p, in, part, act, par);
}

// The input side of conv_channels() and conv_then_depthwise(), once per call: the row
// offsets (chan_input's layout) into off and, when the input needs its padded copy, the
// copy's zeros (the padding is never written, so every image keeps them).
template <class T>
inline void chan_prepare(const ConvParams& p, const PhaseGeom& g, const ChanInput& in, bool in_last, i64* off,
                         T* copy) {
  if (in_last)
    chan_last_offsets(p, in, off);
  else
    phase_offsets(p, g, off);
  if (in.copy) std::fill(copy, copy + in.size, T(0));
}
// Per image and group: the input the tiles read, x itself or its padded copy (the group's
// channels of x) laid out in `copy`.
template <class T>
inline const T* chan_source(const T* x, const ConvParams& p, const PhaseGeom& g, const ChanInput& in, bool in_last,
                            T* copy) {
  if (!in.copy) return x;
  if (in_last)
    chan_last_pad(x, copy, p, in);
  else
    phase_scatter(x, copy, p.C / p.group, p, g);
  return copy;
}

// conv() with the weights as conv_channels_weights() lays them out (tap_major with
// kChanInNHWC); M / group must be a multiple of kChanMultiple. Scratch:
// conv_channels_scratch(p, L & kChanInNHWC) elements, 64-byte aligned. L: kChanInNHWC,
// kChanOutNHWC, kChanResNHWC (or'ed), each with group 1.
template <class T, int L = 0>
inline void conv_channels(const Par& par, const T* X, const T* Wt, const T* B, T* Y, const ConvParams& p, T* scratch,
                          const T* Z = nullptr, Act act = Act{Act::None, 0.f, 0.f}) {
  constexpr bool in_last = (L & kChanInNHWC) != 0;
  const PhaseGeom g = phase_geom(p);
  const ChanInput in = chan_input(p, g, in_last);
  const ChanScratch sl = chan_scratch<T>(p, in_last);
  const i64 I = p.in[0] * p.in[1] * p.in[2], O = conv_out_size(p);
  const i64 Cg = p.C / p.group, Mg = p.M / p.group, Kg = conv_kg(p);
  i64* off = reinterpret_cast<i64*>(scratch + sl.offsets);
  chan_prepare(p, g, in, in_last, off, scratch);
  T* part = Kg > kChanKC ? scratch + sl.part : nullptr;
  for (i64 n = 0; n < p.N; ++n)
    for (i64 grp = 0; grp < p.group; ++grp) {
      const T* src = chan_source(X + (n * p.C + grp * Cg) * I, p, g, in, in_last, scratch);
      const i64 yo = (n * p.M + grp * Mg) * O;
      conv_channels_rows<T, L>(src, off, Wt + grp * Kg * Mg, B ? B + grp * Mg : nullptr, Y + yo, Z ? Z + yo : nullptr,
                               p, in, part, act, par);
      if (!act_in_registers(act))
        for (i64 m = 0; m < Mg; ++m) act_apply(Y + yo + m * O, O, act);
    }
}
template <class T, int L = 0>
inline void conv_channels(const T* X, const T* Wt, const T* B, T* Y, const ConvParams& p, T* scratch,
                          const T* Z = nullptr, Act act = Act{Act::None, 0.f, 0.f}) {
  conv_channels<T, L>(Par{}, X, Wt, B, Y, p, scratch, Z, act);
}

// Whether a depthwise convolution can run conv_depthwise_last(): 2D, channels filling
// packets on every target, a window of at most kDwMaxRows rows.
constexpr i64 kDwMaxRows = 16;
inline bool depthwise_last_fits(const ConvParams& p) {
  return conv_is_depthwise(p) && p.N == 1 && p.in[0] == 1 && p.C % kChanMultiple == 0 && p.k[1] <= kDwMaxRows;
}

// Wt[tap][C] = W[C][tap] (done at compile time).
template <class T>
inline void depthwise_last_weights(const T* W, T* Wt, const ConvParams& p) {
  const i64 taps = p.k[1] * p.k[2];
  for (i64 c = 0; c < p.C; ++c)
    for (i64 t = 0; t < taps; ++t) Wt[t * p.C + c] = W[c * taps + t];
}

// Depthwise convolution with the channels last, one output row at a time: xr[ky] is input
// row oy * stride - pad + ky * dil ([W][C]) for the taps ky0 <= ky < ky1 whose row is inside
// the input (the rows may lie anywhere: conv_then_depthwise() keeps them in a ring).
// Weights as depthwise_last_weights() lays them out. Every position is a run of packets of
// channels, each a sum of one packet per tap: no padded copy, no shifted loads. Inside the
// row, 4 or 6 positions share each weight packet (dw_last_inner); near its ends a position
// sums the taps that fall inside.
template <class T>
inline void dw_last_edge(const T* const* xr, const T* Wt, const T* B, T* y, const ConvParams& p, const Act act,
                         i64 ox, i64 ky0, i64 ky1) {
  using P = typename ChanTraits<T>::Packet;
  constexpr int PS = ChanTraits<T>::PS;
  using namespace Eigen::internal;
  const i64 C = p.C, W = p.in[2], KW = p.k[2];
  const i64 ix0 = ox * p.stride[2] - p.pad[2];
  i64 kx0 = 0, kx1 = KW;
  while (kx0 < KW && ix0 + kx0 * p.dil[2] < 0) ++kx0;
  while (kx1 > kx0 && ix0 + (kx1 - 1) * p.dil[2] >= W) --kx1;
  const bool reg = act_in_registers(act);
  for (i64 c = 0; c < C; c += PS) {
    P a0 = B ? ploadu<P>(B + c) : pset1<P>(T(0)), a1 = pset1<P>(T(0));
    int t = 0;
    for (i64 ky = ky0; ky < ky1; ++ky)
      for (i64 kx = kx0; kx < kx1; ++kx, ++t) {
        const P w = ploadu<P>(Wt + (ky * KW + kx) * C + c);
        const P x = ploadu<P>(xr[ky] + (ix0 + kx * p.dil[2]) * C + c);
        if (t & 1) a1 = pmadd(w, x, a1);  // two chains of sums, not one
        else a0 = pmadd(w, x, a0);
      }
    const P v = padd(a0, a1);
    pstoreu(y + c, reg ? act_packet<T>(v, act) : v);
  }
}

// The columns [ox, ox_hi) whose taps are all inside the row, G at a time, for a window of
// KW columns and a stride of S (no dilation): the taps' loads are unrolled, so a column that
// several taps of the G positions read is loaded once per row of the window, not once per
// tap (3x3 depthwise convs of MobileNetV2 10 to 25 % faster). Returns the first column
// left.
template <class T, int KW, int S>
inline i64 dw_last_inner(const T* const* xr, const T* Wt, const T* B, T* yrow, const ConvParams& p, const Act act,
                         i64 ky0, i64 ky1, i64 ox, i64 ox_hi) {
  using P = typename ChanTraits<T>::Packet;
  constexpr int PS = ChanTraits<T>::PS;
  // 6 positions with AVX-512's 32 registers (144 channels on 56x56: 13 % faster than 4, 8
  // gained less), 4 within 16 registers.
  constexpr int G = PS >= 16 ? 6 : 4;
  using namespace Eigen::internal;
  const i64 C = p.C;
  const bool reg = act_in_registers(act);
  for (; ox + G <= ox_hi; ox += G) {
    const i64 x0 = (ox * S - p.pad[2]) * C;
    T* y = yrow + ox * C;
    for (i64 c = 0; c < C; c += PS) {
      const P b = B ? ploadu<P>(B + c) : pset1<P>(T(0));
      P a[G];
      for (int j = 0; j < G; ++j) a[j] = b;
      for (i64 ky = ky0; ky < ky1; ++ky) {
        const T* xs = xr[ky] + x0 + c;
        const T* wk = Wt + ky * KW * C + c;
        for (int kx = 0; kx < KW; ++kx) {
          const P w = ploadu<P>(wk + kx * C);
          for (int j = 0; j < G; ++j) a[j] = pmadd(w, ploadu<P>(xs + (j * S + kx) * C), a[j]);
        }
      }
      for (int j = 0; j < G; ++j) pstoreu(y + j * C + c, reg ? act_packet<T>(a[j], act) : a[j]);
    }
  }
  return ox;
}

template <class T>
inline void dw_last_row(const T* const* xr, const T* Wt, const T* B, T* yrow, const ConvParams& p, const Act act,
                        i64 ky0, i64 ky1) {
  using P = typename ChanTraits<T>::Packet;
  constexpr int PS = ChanTraits<T>::PS;
  using namespace Eigen::internal;
  const i64 C = p.C, W = p.in[2], KW = p.k[2], OW = p.out[2];
  const i64 s2 = p.stride[2], d2 = p.dil[2];
  const bool reg = act_in_registers(act);
  // Columns whose taps are all inside the row: ox * s2 - pad >= 0, ... + (KW - 1) * d2 < W.
  const i64 ox_lo = std::min(OW, (p.pad[2] + s2 - 1) / s2);
  const i64 last = W - 1 - (KW - 1) * d2 + p.pad[2];
  const i64 ox_hi = std::max(ox_lo, std::min(OW, last < 0 ? 0 : last / s2 + 1));
  for (i64 ox = 0; ox < ox_lo; ++ox) dw_last_edge(xr, Wt, B, yrow + ox * C, p, act, ox, ky0, ky1);
  i64 ox = ox_lo;
  if (d2 == 1 && KW == 3 && s2 == 1)
    ox = dw_last_inner<T, 3, 1>(xr, Wt, B, yrow, p, act, ky0, ky1, ox, ox_hi);
  else if (d2 == 1 && KW == 3 && s2 == 2)
    ox = dw_last_inner<T, 3, 2>(xr, Wt, B, yrow, p, act, ky0, ky1, ox, ox_hi);
  else if (d2 == 1 && KW == 5 && s2 == 1)
    ox = dw_last_inner<T, 5, 1>(xr, Wt, B, yrow, p, act, ky0, ky1, ox, ox_hi);
  else if (d2 == 1 && KW == 5 && s2 == 2)
    ox = dw_last_inner<T, 5, 2>(xr, Wt, B, yrow, p, act, ky0, ky1, ox, ox_hi);
  for (; ox + 4 <= ox_hi; ox += 4) {
    const i64 x0 = (ox * s2 - p.pad[2]) * C;
    T* y = yrow + ox * C;
    for (i64 c = 0; c < C; c += PS) {
      const P b = B ? ploadu<P>(B + c) : pset1<P>(T(0));
      P a0 = b, a1 = b, a2 = b, a3 = b;
      for (i64 ky = ky0; ky < ky1; ++ky)
        for (i64 kx = 0; kx < KW; ++kx) {
          const P w = ploadu<P>(Wt + (ky * KW + kx) * C + c);
          const T* xs = xr[ky] + x0 + kx * d2 * C + c;
          a0 = pmadd(w, ploadu<P>(xs), a0);
          a1 = pmadd(w, ploadu<P>(xs + s2 * C), a1);
          a2 = pmadd(w, ploadu<P>(xs + 2 * s2 * C), a2);
          a3 = pmadd(w, ploadu<P>(xs + 3 * s2 * C), a3);
        }
      if (reg) {
        a0 = act_packet<T>(a0, act);
        a1 = act_packet<T>(a1, act);
        a2 = act_packet<T>(a2, act);
        a3 = act_packet<T>(a3, act);
      }
      pstoreu(y + c, a0);
      pstoreu(y + C + c, a1);
      pstoreu(y + 2 * C + c, a2);
      pstoreu(y + 3 * C + c, a3);
    }
  }
  for (; ox < OW; ++ox) dw_last_edge(xr, Wt, B, yrow + ox * C, p, act, ox, ky0, ky1);
}

// The taps [ky0, ky1) of output row oy whose input rows are inside the input.
inline void dw_rows_inside(const ConvParams& p, i64 oy, i64* ky0, i64* ky1) {
  const i64 iy0 = oy * p.stride[1] - p.pad[1], KH = p.k[1];
  *ky0 = 0, *ky1 = KH;
  while (*ky0 < KH && iy0 + *ky0 * p.dil[1] < 0) ++*ky0;
  while (*ky1 > *ky0 && iy0 + (*ky1 - 1) * p.dil[1] >= p.in[1]) --*ky1;
}

// y[c * O + i] = row[i * C + c] for the n positions of an output row and C channels (or
// any n x C matrix): square blocks of packets transposed in registers (the last one
// overlapping the one before it when n is no multiple of the packet size, instead of element
// copies for the 8 and 12 positions left of rows of 56 and 28; the columns past the last
// whole packet one element at a time), rows shorter than a packet one element at a time.
template <class T>
inline void rows_to_first(const T* row, i64 n, i64 C, T* y, i64 O) {
  using P = typename ChanTraits<T>::Packet;
  constexpr int PS = ChanTraits<T>::PS;
  using namespace Eigen::internal;
  i64 i = 0;
  if constexpr (std::is_same<T, float>::value) {
    using Block = typename ChanTraits<T>::Block;
    const i64 cw = C / PS * PS;
    auto block = [&](i64 at) {
      for (i64 c = 0; c < cw; c += PS) {
        Block b;
        for (int r = 0; r < PS; ++r) b.packet[r] = ploadu<P>(row + (at + r) * C + c);
        ptranspose(b);
        for (int r = 0; r < PS; ++r) pstoreu(y + (c + r) * O + at, b.packet[r]);
      }
      for (i64 c = cw; c < C; ++c)
        for (int r = 0; r < PS; ++r) y[c * O + at + r] = row[(at + r) * C + c];
    };
    if (n >= PS) {
      for (; i + PS <= n; i += PS) block(i);
      if (i < n) block(n - PS);
      i = n;
    }
  }
  for (; i < n; ++i)
    for (i64 c = 0; c < C; ++c) y[c * O + i] = row[i * C + c];
}

// rows_to_first() in blocks of positions under a parallel-for (a copy: exact either way).
template <class T>
inline void rows_to_first_par(const Par& par, const T* row, i64 n, i64 C, T* y, i64 O) {
  constexpr i64 blk = 256;  // positions per task
  if (!par_on(par) || n <= blk) return rows_to_first(row, n, C, y, O);
  par_for(par, (n + blk - 1) / blk, n * C, [&](i64 b) {
    const i64 a = b * blk;
    rows_to_first(row + a * C, std::min(blk, n - a), C, y + a, O);
  });
}

// Output rows a depthwise kernel writing NCHW computes with the channels last before it
// transposes them at once: a channel's rows are contiguous in NCHW, so each channel then
// gets one run of kDwFirstRows * OW elements.
constexpr i64 kDwFirstRows = 4;
// Under a parallel-for, depthwise kernels hand out blocks of output rows: a multiple of
// kDwFirstRows, about rows / kDwBlocks of them (4: few blocks, so that conv_then_depthwise
// recomputes few rows of its first conv at their edges).
constexpr i64 kDwBlocks = 4;
inline i64 dw_row_block(const ConvParams& p) {
  const i64 r = (p.out[1] + kDwBlocks - 1) / kDwBlocks;
  return (r + kDwFirstRows - 1) / kDwFirstRows * kDwFirstRows;
}
inline i64 dw_row_blocks(const ConvParams& p) { return (p.out[1] + dw_row_block(p) - 1) / dw_row_block(p); }
// Scratch of conv_depthwise_last() writing NCHW: kDwFirstRows output rows with the channels
// last, for each task (dw_slot_scratch apart).
inline i64 dw_slot_scratch(const ConvParams& p) { return (kDwFirstRows * p.out[2] * p.C + 31) / 16 * 16; }
inline i64 dw_last_work(const ConvParams& p) { return conv_out_size(p) * p.C * p.k[1] * p.k[2]; }
inline i64 depthwise_last_scratch(const ConvParams& p, bool out_first) { return out_first ? dw_slot_scratch(p) : 0; }
// The bytes of Par::extra conv_depthwise_last() uses at most (writing NCHW).
inline i64 depthwise_last_par_extra(const ConvParams& p, bool out_first, i64 elem_size) {
  return out_first ? par_extra_bytes(dw_row_blocks(p), dw_last_work(p), dw_slot_scratch(p), elem_size) : 0;
}

// Output row oy of a depthwise kernel writing NCHW goes to rows[oy % kDwFirstRows] (OW x C,
// channels last); dw_first_flush() then transposes the rows gathered so far into Y once
// kDwFirstRows are there, or at the last row.
template <class T>
inline T* dw_first_row(T* rows, i64 oy, i64 OW, i64 C) { return rows + oy % kDwFirstRows * OW * C; }
template <class T>
inline void dw_first_flush(const T* rows, i64 oy, const ConvParams& p, T* Y) {
  const i64 r = oy % kDwFirstRows, OW = p.out[2];
  if (r == kDwFirstRows - 1 || oy + 1 == p.out[1])
    rows_to_first(rows, (r + 1) * OW, p.C, Y + (oy - r) * OW, conv_out_size(p));
}

// Depthwise convolution with the channels last: X[H][W][C] -> Y[OH][OW][C], or NCHW when
// OutFirst (the next conv cannot read channels last): the output rows are computed into
// scratch (depthwise_last_scratch elements) and transposed into Y kDwFirstRows at a time.
template <class T, bool OutFirst = false>
inline void conv_depthwise_last(const Par& par, const T* X, const T* Wt, const T* B, T* Y, const ConvParams& p,
                                Act act, T* scratch = nullptr) {
  const i64 C = p.C, W = p.in[2], OW = p.out[2], rb = dw_row_block(p);
  auto block = [&](T* rows, i64 b0, i64 b1) {
    const T* xr[kDwMaxRows];
    for (i64 oy = b0 * rb; oy < std::min(p.out[1], b1 * rb); ++oy) {
      i64 ky0, ky1;
      dw_rows_inside(p, oy, &ky0, &ky1);
      for (i64 ky = ky0; ky < ky1; ++ky) xr[ky] = X + (oy * p.stride[1] - p.pad[1] + ky * p.dil[1]) * W * C;
      T* yrow = OutFirst ? dw_first_row(rows, oy, OW, C) : Y + oy * OW * C;
      dw_last_row(xr, Wt, B, yrow, p, act, ky0, ky1);
      if (OutFirst) dw_first_flush(rows, oy, p, Y);
    }
  };
  if (OutFirst)
    par_ranges_scratch(par, dw_row_blocks(p), dw_last_work(p), scratch, dw_slot_scratch(p), block);
  else
    par_ranges(par, dw_row_blocks(p), dw_last_work(p), [&](i64, i64 b0, i64 b1) { block(nullptr, b0, b1); });
  if (!act_in_registers(act)) act_apply(Y, conv_out_size(p) * C, act);
}
template <class T, bool OutFirst = false>
inline void conv_depthwise_last(const T* X, const T* Wt, const T* B, T* Y, const ConvParams& p, Act act,
                                T* scratch = nullptr) {
  conv_depthwise_last<T, OutFirst>(Par{}, X, Wt, B, Y, p, act, scratch);
}

ONNX2CPP_K_END
#endif
