// onnx2cpp kernels: convolution (implicit GEMM; depthwise).
// The microkernel of panel_gemm.hpp reads the input rows themselves (implicit GEMM: no
// im2col matrix), for 1 to 3 spatial dims; depthwise convolutions have their own kernel.
#ifndef ONNX2CPP_K_CONV_HPP
#define ONNX2CPP_K_CONV_HPP

ONNX2CPP_K_BEGIN

// Spatial dims are padded to 3 with leading size-1 dims (in=out=k=stride=dil=1, pad=0).
struct ConvParams {
  i64 N, C, M, group;
  i64 in[3], out[3], k[3], stride[3], pad[3], dil[3];
};

inline i64 conv_out_size(const ConvParams& p) { return p.out[0] * p.out[1] * p.out[2]; }
inline i64 conv_kg(const ConvParams& p) { return (p.C / p.group) * p.k[0] * p.k[1] * p.k[2]; }
// Depthwise: one input channel per group, one output channel per group, up to 2 spatial dims.
inline bool conv_is_depthwise(const ConvParams& p) {
  return p.group > 1 && p.C == p.group && p.M == p.group && p.in[0] == 1 && p.k[0] == 1;
}

// The implicit GEMM. The zero-padded input is split by phase along each spatial dim
// (padded index r goes to phase r % stride, slot r / stride), so that output position
// (q0, q1, q2) and tap (t0, t1, t2) read, for any stride and dilation, phase
// (t*dil % stride) at slot q + t*dil / stride. Laying the output out with the slots' pitches
// ("wide" positions i = (q0*h1 + q1)*h2 + q2) makes every row of the GEMM's right operand,
// one per (channel, tap), a contiguous run of the phase planes at a fixed offset. Without
// padding and stride the phase planes are the input itself and nothing is copied; when the
// wide layout is the output's own (no padding along the inner dims) the microkernel writes
// Y directly, else a tile of wide rows is compacted into Y.
struct PhaseGeom {
  i64 h[3];          // slots per phase along each dim
  i64 hp[3];         // padded extent actually read
  i64 plane;         // elements of one phase plane
  i64 chan;          // elements per channel: all phases (or the input plane when direct)
  i64 len;           // wide positions covering the output
  bool direct;       // read the input in place
  bool dense;        // wide positions are the output's positions
};
inline PhaseGeom phase_geom(const ConvParams& p) {
  PhaseGeom g;
  bool direct = true;
  i64 phases = 1;
  for (int d = 0; d < 3; ++d) {
    g.hp[d] = (p.out[d] - 1) * p.stride[d] + (p.k[d] - 1) * p.dil[d] + 1;
    g.h[d] = (g.hp[d] + p.stride[d] - 1) / p.stride[d];
    phases *= p.stride[d];
    if (p.pad[d] != 0 || p.stride[d] != 1 || g.hp[d] != p.in[d]) direct = false;
  }
  g.plane = g.h[0] * g.h[1] * g.h[2];
  g.direct = direct;
  g.chan = direct ? p.in[0] * p.in[1] * p.in[2] : phases * g.plane;
  g.len = ((p.out[0] - 1) * g.h[1] + (p.out[1] - 1)) * g.h[2] + p.out[2];
  g.dense = g.h[2] == p.out[2] && (p.out[0] == 1 || g.h[1] == p.out[1]);
  return g;
}
// Offset of GEMM row r = ((c*k0 + t0)*k1 + t1)*k2 + t2 in the phase planes, for position 0.
inline i64 phase_offset(const ConvParams& p, const PhaseGeom& g, i64 r) {
  i64 t[3];
  t[2] = r % p.k[2];
  r /= p.k[2];
  t[1] = r % p.k[1];
  r /= p.k[1];
  t[0] = r % p.k[0];
  const i64 c = r / p.k[0];
  i64 ph = 0, slot = 0;
  for (int d = 0; d < 3; ++d) {
    const i64 rd = t[d] * p.dil[d];
    ph = ph * p.stride[d] + rd % p.stride[d];
    slot = slot * g.h[d] + rd / p.stride[d];
  }
  return c * g.chan + ph * g.plane + slot;
}

// off[r] = phase_offset(p, g, r) for the Kg rows of one group: the taps' offsets once, then
// a channel's pitch added (phase_offset's divisions for every row cost as much as the
// products of a small convolution).
inline void phase_offsets(const ConvParams& p, const PhaseGeom& g, i64* off) {
  const i64 taps = p.k[0] * p.k[1] * p.k[2], Cg = p.C / p.group;
  for (i64 t = 0; t < taps; ++t) off[t] = phase_offset(p, g, t);
  for (i64 c = 1; c < Cg; ++c)
    for (i64 t = 0; t < taps; ++t) off[c * taps + t] = off[t] + c * g.chan;
}

// Whether some tap reads phase ph along dim d ((t * dil) % stride == ph for a t < k): a
// strided 1x1 convolution reads one phase of four, and only that one is copied.
inline bool phase_used(const ConvParams& p, int d, i64 ph) {
  for (i64 t = 0; t < p.k[d] && t < p.stride[d]; ++t)
    if ((t * p.dil[d]) % p.stride[d] == ph) return true;
  return false;
}

// Copies run slots [lo, hi) of a phase row: src[j * s] for j in [lo, hi) into o[j]. Strides
// 1 and 2 are spelled out so that the compiler vectorizes them (2: a permute of two packets).
// Stride 1 copies packets itself: compilers turn a plain copy loop into a call to memmove,
// whose cost on rows of 32 floats was 3 % of a 16-channel 3x3 convolution on 32x32 (the
// empty asm hides the loop's counter from that).
template <class T>
inline void phase_row(const T* __restrict src, T* __restrict o, i64 lo, i64 hi, i64 s) {
  if (s == 1) {
    using P = typename Eigen::internal::packet_traits<T>::type;
    constexpr i64 PS = Eigen::internal::packet_traits<T>::size;
    i64 j = lo;
    for (; j + PS <= hi; j += PS) {
      Eigen::internal::pstoreu(o + j, Eigen::internal::ploadu<P>(src + j));
#if defined(__x86_64__) || defined(__i386__) || defined(__aarch64__)
      __asm__("" : "+r"(j));
#endif
    }
    for (; j < hi; ++j) o[j] = src[j];
  } else if (s == 2)
    for (i64 j = lo; j < hi; ++j) o[j] = src[2 * j];
  else
    for (i64 j = lo; j < hi; ++j) o[j] = src[j * s];
}

// Copies C channels of x into zeroed phase planes. Padding slots are never written, so
// calls for later images and groups keep them zero.
template <class T>
inline void phase_scatter(const T* x, T* dst, i64 C, const ConvParams& p, const PhaseGeom& g) {
  const i64 s0 = p.stride[0], s1 = p.stride[1], s2 = p.stride[2];
  const i64 I = p.in[0] * p.in[1] * p.in[2];
  // Per phase along the inner dim: its slots [lo, hi) whose input column j*s2 + ph - pad
  // lies in [0, in2), or lo = hi when no tap reads it (phases beyond 16 are looked up again).
  constexpr i64 kPh = 16;
  i64 lo[kPh], hi[kPh];
  const i64 pad = p.pad[2], in2 = p.in[2];
  auto range = [&](i64 ph, i64* l, i64* h) {
    *l = pad - ph <= 0 ? 0 : (pad - ph + s2 - 1) / s2;
    *h = std::min(g.h[2], (in2 + pad - ph + s2 - 1) / s2);
    if (!phase_used(p, 2, ph)) *h = *l;
  };
  for (i64 ph = 0; ph < s2 && ph < kPh; ++ph) range(ph, &lo[ph], &hi[ph]);
  if (s0 == 1 && s1 == 1 && s2 == 1) {
    // One phase: each input row into its padded slot, with no bookkeeping per row (which
    // cost 5 to 8 % of a 3x3 convolution on 16x16 and 8x8 planes).
    const i64 n0 = std::min(p.in[0], g.hp[0] - p.pad[0]), n1 = std::min(p.in[1], g.hp[1] - p.pad[1]);
    for (i64 c = 0; c < C; ++c)
      for (i64 i0 = 0; i0 < n0; ++i0) {
        const T* xr = x + c * I + i0 * p.in[1] * p.in[2] - pad;
        T* row = dst + c * g.chan + ((i0 + p.pad[0]) * g.h[1] + p.pad[1]) * g.h[2];
        for (i64 i1 = 0; i1 < n1; ++i1) phase_row(xr + i1 * p.in[2], row + i1 * g.h[2], lo[0], hi[0], 1);
      }
    return;
  }
  // Rows: padded index r = i + pad is phase r % s, slot r / s (counted, not divided: the
  // divisions per row cost more than copying a short row).
  for (i64 c = 0; c < C; ++c) {
    i64 ph0 = p.pad[0] % s0, sl0 = p.pad[0] / s0;
    for (i64 i0 = 0; i0 < p.in[0] && i0 + p.pad[0] < g.hp[0]; ++i0) {
      const bool used0 = phase_used(p, 0, ph0);
      i64 ph1 = p.pad[1] % s1, sl1 = p.pad[1] / s1;
      for (i64 i1 = 0; used0 && i1 < p.in[1] && i1 + p.pad[1] < g.hp[1]; ++i1) {
        if (s1 == 1 || phase_used(p, 1, ph1)) {
          T* row = dst + c * g.chan + (ph0 * s1 + ph1) * s2 * g.plane + (sl0 * g.h[1] + sl1) * g.h[2];
          const T* xr = x + c * I + (i0 * p.in[1] + i1) * p.in[2];
          for (i64 ph = 0; ph < s2; ++ph) {
            i64 l, h;
            if (ph < kPh) l = lo[ph], h = hi[ph];
            else range(ph, &l, &h);
            if (l < h) phase_row(xr + ph - pad, row + ph * g.plane, l, h, s2);
          }
        }
        if (++ph1 == s1) ph1 = 0, ++sl1;
      }
      if (++ph0 == s0) ph0 = 0, ++sl0;
    }
  }
}

// Wide positions per tile: a multiple of 64 (of every NR), with the wide tile of Mg rows
// within 64K elements and at most 512 positions (the right operand's rows stay in L2).
constexpr i64 kConvMaxTile = 512;
inline i64 conv_tile(const ConvParams& p) {
  const PhaseGeom g = phase_geom(p);
  const i64 Mg = p.M / p.group;
  i64 t = std::min<i64>(kConvMaxTile, 65536 / std::max<i64>(Mg, 1)) / 64 * 64;
  t = std::max<i64>(t, 64);
  return std::min(t, (g.len + 63) / 64 * 64);
}

// Multiply-adds of one image and group: the work par_ranges() weighs.
inline i64 conv_work(const ConvParams& p) { return conv_out_size(p) * (p.M / p.group) * conv_kg(p); }

// Scratch layout of the implicit GEMM, in elements of T (all 64-byte aligned): the phase
// planes, the row offsets, then the first task's tail panel and wide tile (slot elements;
// under a parallel-for the other tasks' in Par::extra).
struct ConvScratch {
  i64 offsets, tail, tail_slot, slot, total;  // the phase planes start at 0; wide tile at tail + tail_slot
};
template <class T>
inline ConvScratch conv_scratch_layout(const ConvParams& p) {
  const PhaseGeom g = phase_geom(p);
  const i64 Kg = conv_kg(p), Cg = p.C / p.group;
  auto up = [](i64 v) { return (v + 15) / 16 * 16; };
  ConvScratch s;
  s.offsets = g.direct ? 0 : up(Cg * g.chan + 64);  // 64: panel_gemm's overread past the planes
  s.tail = s.offsets + up((Kg * 8 + sizeof(T) - 1) / sizeof(T));
  s.tail_slot = up(panel_gemm_scratch(Kg));
  s.slot = s.tail_slot + (g.dense ? 0 : (p.M / p.group) * conv_tile(p));
  s.total = s.tail + s.slot;
  return s;
}
// The tasks conv() hands out: output rows when they are whole panels (p.out[2] a multiple
// of NR, itself a multiple of 4 on every target), else tiles; the bound of both here.
inline i64 conv_tasks(const ConvParams& p) {
  const PhaseGeom g = phase_geom(p);
  const i64 ntiles = (g.len + conv_tile(p) - 1) / conv_tile(p);
  return !g.dense && p.out[0] == 1 && p.out[2] % 4 == 0 ? std::max(ntiles, p.out[1]) : ntiles;
}

// Depthwise scratch: one channel's phase planes (PhaseGeom, always copied: the blocks below
// read up to 64 elements past them), 64 of slack, the wide output rows rounded up to whole
// blocks, and 64 more (a row's last packet reads past the end).
inline i64 dw_wide(const ConvParams& p, const PhaseGeom& g) { return (p.out[1] * g.h[2] + 63) / 64 * 64; }
inline i64 dw_slot_elems(const ConvParams& p) {
  const PhaseGeom g = phase_geom(p);
  return (g.chan + 64 + dw_wide(p, g) + 64 + 15) / 16 * 16;
}
// One such area for each task (channels go to tasks under a parallel-for).
inline i64 dw_work(const ConvParams& p) { return p.N * p.C * p.out[1] * p.out[2] * p.k[1] * p.k[2]; }

// One channel of conv_depthwise(): x (its input plane) * w (its taps) + bias (+ z, its
// residual plane, when given) -> act -> y (its output plane). scratch: dw_slot_elems(p)
// elements whose padding slots are zero; off: the taps' phase offsets (kDwMaxTaps of them).
// act is a value: the stores to y cannot alias it, so it stays in registers.
constexpr i64 kDwMaxTaps = 64;
template <class T>
inline void dw_channel(const T* x, const T* w, T bias, T* y, const T* z, const ConvParams& p, const PhaseGeom& g,
                       const i64* off, const Act act, T* scratch) {
  using P = typename PanelTraits<T>::Packet;
  constexpr int PS = PanelTraits<T>::PS;
  using namespace Eigen::internal;
  const i64 O = p.out[1] * p.out[2], taps = p.k[1] * p.k[2], len = p.out[1] * g.h[2];
  T* wide = scratch + g.chan + 64;
  phase_scatter(x, scratch, 1, p, g);  // padding slots are never written: they stay zero
  const P b = pset1<P>(bias);
  for (i64 i = 0; i < len; i += 4 * PS) {
    P a0 = b, a1 = b, a2 = b, a3 = b;
    for (i64 t = 0; t < taps; ++t) {
      const T* src = scratch + (t < kDwMaxTaps ? off[t] : phase_offset(p, g, t)) + i;
      const P wt = pset1<P>(w[t]);
      a0 = pmadd(wt, ploadu<P>(src), a0);
      a1 = pmadd(wt, ploadu<P>(src + PS), a1);
      a2 = pmadd(wt, ploadu<P>(src + 2 * PS), a2);
      a3 = pmadd(wt, ploadu<P>(src + 3 * PS), a3);
    }
    pstoreu(wide + i, a0);
    pstoreu(wide + i + PS, a1);
    pstoreu(wide + i + 2 * PS, a2);
    pstoreu(wide + i + 3 * PS, a3);
  }
  // Wide rows to output rows, a packet at a time. A row's last packet may spill into the rows
  // after it, which are written later, up to the end of the plane (the next channel may be
  // another task's).
  for (i64 q1 = 0; q1 < p.out[1]; ++q1) {
    const T* src = wide + q1 * g.h[2];
    const i64 at = q1 * p.out[2];
    i64 q2 = 0;
    if (act_in_registers(act))
      for (; q2 < p.out[2] && at + q2 + PS <= O; q2 += PS) {
        P v = ploadu<P>(src + q2);
        if (z) v = padd(v, ploadu<P>(z + at + q2));
        pstoreu(y + at + q2, act_packet<T>(v, act));
      }
    for (; q2 < p.out[2]; ++q2) y[at + q2] = act_scalar(z ? src[q2] + z[at + q2] : src[q2], act);
  }
}

// Depthwise convolution, one channel at a time, on the phase planes of the implicit GEMM:
// each wide output row is a sum of k1*k2 shifted runs of them, four packets per step.
template <class T>
inline void conv_depthwise(const Par& par, const T* X, const T* W, const T* B, T* Y, const ConvParams& p, const T* Z,
                           const Act act, T* scratch_all) {
  const PhaseGeom g = phase_geom(p);
  const i64 I = p.in[1] * p.in[2], O = p.out[1] * p.out[2], taps = p.k[1] * p.k[2];
  i64 off[kDwMaxTaps];
  for (i64 t = 0; t < taps && t < kDwMaxTaps; ++t) off[t] = phase_offset(p, g, t);
  par_ranges_scratch(par, p.N * p.C, dw_work(p), scratch_all, dw_slot_elems(p), [&](T* scratch, i64 lo, i64 hi) {
    std::fill(scratch, scratch + g.chan + 64 + dw_wide(p, g) + 64, T(0));
    for (i64 nc = lo; nc < hi; ++nc) {
      const i64 c = nc % p.C;
      dw_channel(X + nc * I, W + c * taps, B ? B[c] : T(0), Y + nc * O, Z ? Z + nc * O : nullptr, p, g, off, act,
                 scratch);
    }
  });
}

// Elements of scratch conv() needs, for float (the largest count of the types it supports).
inline i64 conv_scratch(const ConvParams& p) {
  if (conv_is_depthwise(p)) return dw_slot_elems(p);
  return conv_scratch_layout<float>(p).total;
}
// The bytes of Par::extra conv() uses at most, for elements of elem_size bytes.
inline i64 conv_par_extra(const ConvParams& p, i64 elem_size) {
  if (conv_is_depthwise(p)) return par_extra_bytes(p.N * p.C, dw_work(p), dw_slot_elems(p), elem_size);
  return par_extra_bytes(conv_tasks(p), conv_work(p), conv_scratch_layout<float>(p).slot, elem_size);
}

// X[N,C,in...] * W[M,C/group,k...] + B[M] (+ Z[N,M,out...]) -> act -> Y[N,M,out...]; B and Z
// may be null. scratch: conv_scratch(p) elements, 64-byte aligned.
// Under a parallel-for the tiles (or output rows) of each image and group go to tasks, each
// with its own tail panel and wide tile.
template <class T>
inline void conv(const Par& par, const T* X, const T* W, const T* B, T* Y, const ConvParams& p, T* scratch,
                 const T* Z = nullptr, Act act = Act{Act::None, 0.f, 0.f}) {
  if (conv_is_depthwise(p)) return conv_depthwise(par, X, W, B, Y, p, Z, act, scratch);
  const PhaseGeom g = phase_geom(p);
  const ConvScratch sl = conv_scratch_layout<T>(p);
  const i64 I = p.in[0] * p.in[1] * p.in[2];
  const i64 O = conv_out_size(p);
  const i64 Cg = p.C / p.group, Mg = p.M / p.group, Kg = conv_kg(p);
  const i64 tile = conv_tile(p);
  i64* off = reinterpret_cast<i64*>(scratch + sl.offsets);
  phase_offsets(p, g, off);
  if (!g.direct) std::fill(scratch, scratch + sl.offsets, T(0));
  const Act none{Act::None, 0.f, 0.f};
  for (i64 n = 0; n < p.N; ++n)
    for (i64 grp = 0; grp < p.group; ++grp) {
      const T* x = X + (n * p.C + grp * Cg) * I;
      const T* w = W + grp * Mg * Kg;
      const T* bias = B ? B + grp * Mg : nullptr;
      const i64 yo = (n * p.M + grp * Mg) * O;
      const T* src = x;
      if (!g.direct) {
        phase_scatter(x, scratch, Cg, p, g);
        src = scratch;
      }
      // Output rows of whole panels (OW a multiple of NR: 32x32, 64x64 ... planes): each
      // row is a product of its own, written straight into Y with the residual and the
      // activation (no wide tile to compact).
      if (!g.dense && p.out[0] == 1 && p.out[2] % PanelTraits<T>::NR == 0) {
        const i64 OW = p.out[2];
        par_ranges_scratch(par, p.out[1], conv_work(p), scratch + sl.tail, sl.slot, [&](T* tail, i64 lo, i64 hi) {
          for (i64 oy = lo; oy < hi; ++oy)
            panel_gemm(w, Kg, src + oy * g.h[2], off, Y + yo + oy * OW, O, Mg, OW, Kg, bias,
                       Z ? Z + yo + oy * OW : nullptr, O, act, tail, false);
        });
        continue;
      }
      const i64 ntiles = (g.len + tile - 1) / tile;
      par_ranges_scratch(par, ntiles, conv_work(p), scratch + sl.tail, sl.slot, [&](T* tail, i64 tlo, i64 thi) {
      T* wide = tail + sl.tail_slot;
      for (i64 i0 = tlo * tile; i0 < std::min(g.len, thi * tile); i0 += tile) {
        const i64 tn = std::min(tile, g.len - i0);
        if (g.dense) {
          panel_gemm(w, Kg, src + i0, off, Y + yo + i0, O, Mg, tn, Kg, bias, Z ? Z + yo + i0 : nullptr, O, act, tail,
                     !g.direct);
          continue;
        }
        panel_gemm(w, Kg, src + i0, off, wide, tile, Mg, tn, Kg, bias, static_cast<const T*>(nullptr), 0, none, tail,
                   !g.direct);
        // Compact the tile's wide positions into Y, adding Z and applying the activation:
        // runs of valid positions (within one output row) first, then row by row.
        struct Run {
          i64 from, to, cnt;
        };
        Run runs[kConvMaxTile];
        int nr = 0;
        const i64 h12 = g.h[1] * g.h[2];
        i64 q0 = i0 / h12, q1 = (i0 % h12) / g.h[2], q2 = i0 % g.h[2];
        for (i64 i = i0; i < i0 + tn;) {
          const i64 run = std::min(g.h[2] - q2, i0 + tn - i);
          if (q1 < p.out[1] && q2 < p.out[2])
            runs[nr++] = Run{i - i0, (q0 * p.out[1] + q1) * p.out[2] + q2, std::min(run, p.out[2] - q2)};
          i += run;
          q2 = 0;
          if (++q1 == g.h[1]) {
            q1 = 0;
            ++q0;
          }
        }
        for (i64 m = 0; m < Mg; ++m) {
          const T* wr = wide + m * tile;
          T* yr = Y + yo + m * O;
          const T* zr = Z ? Z + yo + m * O : nullptr;
          for (int r = 0; r < nr; ++r)
            act_rows(wr + runs[r].from, zr ? zr + runs[r].to : nullptr, yr + runs[r].to, runs[r].cnt, act);
        }
      }
      });
    }
}
template <class T>
inline void conv(const T* X, const T* W, const T* B, T* Y, const ConvParams& p, T* scratch,
                 const T* Z = nullptr, Act act = Act{Act::None, 0.f, 0.f}) {
  conv(Par{}, X, W, B, Y, p, scratch, Z, act);
}

ONNX2CPP_K_END
#endif
