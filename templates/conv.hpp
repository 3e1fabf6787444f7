// onnx2cpp kernels: convolution (im2col panels + microkernel; depthwise). needs: common.hpp panel_gemm.hpp
// Packed im2col panels feed the microkernel of panel_gemm.hpp, for 1 to 3 spatial dims;
// depthwise convolutions have their own direct kernel.
#ifndef ONNX2CPP_K_CONV_HPP
#define ONNX2CPP_K_CONV_HPP

ONNX2CPP_K_BEGIN

// Spatial dims are padded to 3 with leading size-1 dims (in=out=k=stride=dil=1, pad=0).
struct ConvParams {
  i64 N, C, M, group;
  i64 in[3], out[3], k[3], stride[3], pad[3], dil[3];
};

inline bool conv_is_pointwise(const ConvParams& p) {
  for (int d = 0; d < 3; ++d)
    if (p.k[d] != 1 || p.stride[d] != 1 || p.pad[d] != 0) return false;
  return true;
}
inline i64 conv_out_size(const ConvParams& p) { return p.out[0] * p.out[1] * p.out[2]; }
inline i64 conv_kg(const ConvParams& p) { return (p.C / p.group) * p.k[0] * p.k[1] * p.k[2]; }

// Output positions per packed tile: a multiple of kPanelQuantum, about 64K elements of
// columns (the column matrix of a large convolution, a 9x9 kernel over 32 channels at
// 224x224, would take 520 MB).
inline i64 conv_tile(const ConvParams& p) {
  const i64 O = conv_out_size(p);
  const i64 q = kPanelQuantum;
  i64 t = ((i64(1) << 16) / std::max<i64>(conv_kg(p), 1) + q - 1) / q * q;
  const i64 all = (O + q - 1) / q * q;
  t = std::max(t, q);
  return t < all ? t : all;
}
// Depthwise: one input channel per group, one output channel per group, up to 2 spatial dims.
inline bool conv_is_depthwise(const ConvParams& p) {
  return p.group > 1 && p.C == p.group && p.M == p.group && p.in[0] == 1 && p.k[0] == 1;
}
// Packs the columns of output positions ob .. ob+n-1 into panels of NR: panel j / NR holds
// row r = ((c*k0+a)*k1+b)*k2+e at [r][j % NR] = x[c][o*stride - pad + tap*dil], 0 outside
// the input and past n.
template <class T>
inline void im2col_panels(const T* x, T* dst, i64 C, const ConvParams& p, i64 ob, i64 n) {
  constexpr int NR = PanelTraits<T>::NR;
  const i64 I = p.in[0] * p.in[1] * p.in[2];
  const i64 Kg = C * p.k[0] * p.k[1] * p.k[2];
  const bool pointwise = conv_is_pointwise(p);
  struct Run {
    i64 q0, q1, q2, len, at;
  };
  for (i64 j0 = 0; j0 < n; j0 += NR) {
    const i64 cnt = std::min<i64>(NR, n - j0);
    T* pan = dst + (j0 / NR) * Kg * NR;
    if (pointwise) {
      for (i64 c = 0; c < C; ++c) {
        T* d = pan + c * NR;
        std::memcpy(d, x + c * I + ob + j0, sizeof(T) * cnt);
        for (i64 t = cnt; t < NR; ++t) d[t] = T(0);
      }
      continue;
    }
    // The panel's positions as runs along the innermost output dim.
    Run runs[NR];
    int nruns = 0;
    {
      i64 o = ob + j0;
      i64 q0 = o / (p.out[1] * p.out[2]), q1 = (o / p.out[2]) % p.out[1], q2 = o % p.out[2];
      for (i64 at = 0; at < cnt;) {
        const i64 len = std::min(cnt - at, p.out[2] - q2);
        runs[nruns++] = Run{q0, q1, q2, len, at};
        at += len;
        q2 = 0;
        if (++q1 == p.out[1]) {
          q1 = 0;
          ++q0;
        }
      }
    }
    T* d = pan;
    for (i64 c = 0; c < C; ++c)
      for (i64 a = 0; a < p.k[0]; ++a)
        for (i64 b = 0; b < p.k[1]; ++b)
          for (i64 e = 0; e < p.k[2]; ++e, d += NR) {
            const T* xc = x + c * I;
            for (int r = 0; r < nruns; ++r) {
              const Run& u = runs[r];
              T* out = d + u.at;
              const i64 i0 = u.q0 * p.stride[0] - p.pad[0] + a * p.dil[0];
              const i64 i1 = u.q1 * p.stride[1] - p.pad[1] + b * p.dil[1];
              if (i0 < 0 || i0 >= p.in[0] || i1 < 0 || i1 >= p.in[1]) {
                for (i64 t = 0; t < u.len; ++t) out[t] = T(0);
                continue;
              }
              const T* src = xc + (i0 * p.in[1] + i1) * p.in[2];
              // Positions t whose input index base + t*s lies in [0, in2).
              const i64 s = p.stride[2], base = u.q2 * s - p.pad[2] + e * p.dil[2];
              i64 lo = base >= 0 ? 0 : s == 1 ? -base : (-base + s - 1) / s;
              i64 hi = base >= p.in[2] ? 0 : s == 1 ? p.in[2] - base : (p.in[2] - base + s - 1) / s;
              lo = std::min(lo, u.len);
              hi = std::max(lo, std::min(hi, u.len));
              for (i64 t = 0; t < lo; ++t) out[t] = T(0);
              if (s == 1) {
                std::memcpy(out + lo, src + base + lo, sizeof(T) * (hi - lo));
              } else {
                for (i64 t = lo; t < hi; ++t) out[t] = src[base + t * s];
              }
              for (i64 t = hi; t < u.len; ++t) out[t] = T(0);
            }
            for (i64 t = cnt; t < NR; ++t) d[t] = T(0);
          }
  }
}

// Depthwise geometry. The zero-padded input plane is split by row phase (row r goes to
// phase r % s1, slot r / s1) and column phase (likewise with s2), so that for any stride and
// dilation, output (q1, q2) and tap (a, e) read phase plane ((a*d1) % s1, (e*d2) % s2) at
// slot (q1 + a*d1 / s1, q2 + e*d2 / s2): the output, laid out with row pitch wq ("wide"),
// is then a sum of k1*k2 shifted copies of contiguous memory.
struct DwGeom {
  i64 hq, wq;          // slots per phase plane: rows, columns (also the wide row pitch)
  i64 plane, planes;   // elements per phase plane, all phase planes
  i64 wide;            // elements of the wide output, rounded up to whole blocks
};
inline DwGeom dw_geom(const ConvParams& p) {
  DwGeom d;
  const i64 hp = (p.out[1] - 1) * p.stride[1] + (p.k[1] - 1) * p.dil[1] + 1;
  const i64 wp = (p.out[2] - 1) * p.stride[2] + (p.k[2] - 1) * p.dil[2] + 1;
  d.hq = (hp + p.stride[1] - 1) / p.stride[1];
  d.wq = (wp + p.stride[2] - 1) / p.stride[2];
  d.plane = d.hq * d.wq;
  d.planes = p.stride[1] * p.stride[2] * d.plane;
  d.wide = (p.out[1] * d.wq + 63) / 64 * 64;
  return d;
}
// Phase planes, 64 elements of slack (blocks of the wide output read past the last plane),
// then the wide output and 64 more (a row's last packet reads past the end).
inline i64 dw_scratch(const ConvParams& p) {
  const DwGeom d = dw_geom(p);
  return d.planes + 64 + d.wide + 64;
}
// Offset of tap t = a*k2 + e in the phase planes, for wide output index 0.
inline i64 dw_offset(const ConvParams& p, const DwGeom& d, i64 t) {
  const i64 r = (t / p.k[2]) * p.dil[1], c = (t % p.k[2]) * p.dil[2];
  return ((r % p.stride[1]) * p.stride[2] + c % p.stride[2]) * d.plane + (r / p.stride[1]) * d.wq + c / p.stride[2];
}

// Writes plane x into the phase planes. The padding slots are never written, so they stay
// zero for every channel.
template <class T>
inline void dw_scatter(const T* x, T* dst, const ConvParams& p, const DwGeom& d) {
  const i64 s1 = p.stride[1], s2 = p.stride[2], pad = p.pad[2], in2 = p.in[2];
  for (i64 r = 0; r < p.in[1]; ++r) {
    const i64 pr = r + p.pad[1];
    if (pr / s1 >= d.hq) break;
    T* row = dst + (pr % s1) * s2 * d.plane + (pr / s1) * d.wq;
    const T* xr = x + r * in2;
    for (i64 ph = 0; ph < s2; ++ph) {
      // slots j with input column j*s2 + ph - pad in [0, in2)
      const i64 lo = pad - ph <= 0 ? 0 : (pad - ph + s2 - 1) / s2;
      const i64 hi = std::min(d.wq, (in2 + pad - ph + s2 - 1) / s2);
      if (hi <= lo) continue;
      T* o = row + ph * d.plane;
      const T* src = xr + ph - pad;
      if (s2 == 1)
        for (i64 j = lo; j < hi; ++j) o[j] = src[j];
      else
        for (i64 j = lo; j < hi; ++j) o[j] = src[j * s2];
    }
  }
}

// Depthwise convolution, one channel at a time (see DwGeom), four packets per step.
template <class T>
inline void conv_depthwise(const T* X, const T* W, const T* B, T* Y, const ConvParams& p, const T* Z,
                           const Act& act, T* scratch) {
  using P = typename PanelTraits<T>::Packet;
  constexpr int PS = PanelTraits<T>::PS;
  using namespace Eigen::internal;
  const DwGeom d = dw_geom(p);
  const i64 I = p.in[1] * p.in[2], O = p.out[1] * p.out[2], taps = p.k[1] * p.k[2];
  T* wide = scratch + d.planes + 64;
  std::fill(scratch, wide + d.wide + 64, T(0));
  constexpr i64 kMaxTaps = 64;
  i64 off[kMaxTaps];
  for (i64 t = 0; t < taps && t < kMaxTaps; ++t) off[t] = dw_offset(p, d, t);
  const i64 len = p.out[1] * d.wq, yend = p.N * p.C * O;
  for (i64 n = 0; n < p.N; ++n)
    for (i64 c = 0; c < p.C; ++c) {
      const T* x = X + (n * p.C + c) * I;
      const T* w = W + c * taps;
      dw_scatter(x, scratch, p, d);
      const P b = pset1<P>(B ? B[c] : T(0));
      for (i64 i = 0; i < len; i += 4 * PS) {
        P a0 = b, a1 = b, a2 = b, a3 = b;
        for (i64 t = 0; t < taps; ++t) {
          const T* src = scratch + (t < kMaxTaps ? off[t] : dw_offset(p, d, t)) + i;
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
      // Wide rows to output rows, a packet at a time. A row's last packet may spill into the
      // rows after it, which are written later, up to the end of Y.
      const i64 yc = (n * p.C + c) * O;
      for (i64 q1 = 0; q1 < p.out[1]; ++q1) {
        const T* src = wide + q1 * d.wq;
        const i64 at = yc + q1 * p.out[2];
        i64 q2 = 0;
        if (act_in_registers(act))
          for (; q2 < p.out[2] && at + q2 + PS <= yend; q2 += PS) {
            P v = ploadu<P>(src + q2);
            if (Z) v = padd(v, ploadu<P>(Z + at + q2));
            pstoreu(Y + at + q2, act_packet(v, act));
          }
        for (; q2 < p.out[2]; ++q2) Y[at + q2] = act_scalar(Z ? src[q2] + Z[at + q2] : src[q2], act);
      }
    }
}

// Elements of scratch conv() needs: one tile of packed column panels, or the
// depthwise kernel's padded plane.
inline i64 conv_scratch(const ConvParams& p) {
  if (conv_is_depthwise(p)) return dw_scratch(p);
  return conv_kg(p) * conv_tile(p) + 16;
}

// X[N,C,in...] * W[M,C/group,k...] + B[M] (+ Z[N,M,out...]) -> act -> Y[N,M,out...]; B and Z
// may be null. scratch: conv_scratch(p) elements, 64-byte aligned.
template <class T>
inline void conv(const T* X, const T* W, const T* B, T* Y, const ConvParams& p, T* scratch,
                 const T* Z = nullptr, Act act = Act{kActNone, 0.f, 0.f}) {
  if (conv_is_depthwise(p)) return conv_depthwise(X, W, B, Y, p, Z, act, scratch);
  const i64 I = p.in[0] * p.in[1] * p.in[2];
  const i64 O = conv_out_size(p);
  const i64 Cg = p.C / p.group, Mg = p.M / p.group, Kg = conv_kg(p);
  const i64 tile = conv_tile(p);
  for (i64 n = 0; n < p.N; ++n)
    for (i64 g = 0; g < p.group; ++g) {
      const T* x = X + (n * p.C + g * Cg) * I;
      const T* w = W + g * Mg * Kg;
      const i64 yo = (n * p.M + g * Mg) * O;
      for (i64 ob = 0; ob < O; ob += tile) {
        const i64 tn = std::min(tile, O - ob);
        im2col_panels(x, scratch, Cg, p, ob, tn);
        panel_gemm(w, Kg, scratch, Y + yo + ob, O, Mg, tn, Kg, B ? B + g * Mg : nullptr,
                   Z ? Z + yo + ob : nullptr, O, act);
      }
    }
}

ONNX2CPP_K_END
#endif
