// onnx2cpp kernels: GEMM microkernel over packed panels, fused epilogue.
// A register-blocked product whose epilogue adds the bias and a residual and applies the
// activation before the result leaves the registers.
#ifndef ONNX2CPP_K_PANEL_GEMM_HPP
#define ONNX2CPP_K_PANEL_GEMM_HPP

ONNX2CPP_K_BEGIN

// Y[m][j] = act(bias[m] + sum_k W[m][k] * B[k][j] + Z[m][j]) computed MR rows by NR columns
// at a time: the kernel streams a panel of B (kc rows of NR columns, L1-resident) against
// MR rows of W, whose elements it broadcasts. NR is two SIMD packets of the target (the
// compiler's host may have other vectors, so nothing is laid out for NR at compile time);
// MR = 6 keeps 12 accumulators, 2 B packets and one broadcast within 16 vector registers
// (SSE, AVX2); with AVX-512's 32, MR = 8 (16 accumulators: 5 % faster on a 16-channel 3x3
// convolution, whose 16 rows also fill whole panels). Under wasm SIMD, MR = 4: V8 allocates
// 15 registers and needs one more for each multiply's product (64x128x512 under Node 20:
// 36 GFLOP/s with MR = 4, 25 with 5, 27 with 6).
template <class T>
struct PanelTraits {
  using Packet = typename Eigen::internal::packet_traits<T>::type;
  static constexpr int PS = Eigen::internal::packet_traits<T>::size;
  static constexpr int NR = 2 * PS;
#if defined(__wasm__)
  static constexpr int MR = 4;
#else
  static constexpr int MR = PS >= 16 ? 8 : 6;
#endif
  // Rows of a panel in one pass: kc x NR elements stay within 24 KB of L1 (K = 144 with
  // AVX-512 in one pass: 3 % faster than two of 72 on 16-channel 3x3 convolutions).
  static constexpr i64 KC = (24576 / (NR * sizeof(T))) < 64 ? 64 : (24576 / (NR * sizeof(T)));
};

// B row k is at b + off[k] (Indirect: rows of the input itself, see conv.hpp) or at
// b + k * NR (a packed panel).
template <class T, int MR, bool Indirect>
inline void panel_kernel(const T* w, i64 ldw, const T* b, const i64* off, i64 kc, T* y, i64 ldy, int nr,
                         bool first, bool last, const T* bias, const T* z, i64 ldz, const Act act) {
  using PT = PanelTraits<T>;
  using P = typename PT::Packet;
  using namespace Eigen::internal;
  constexpr int PS = PT::PS, NR = PT::NR;
  const bool full = nr == NR;
  alignas(64) T buf[MR * NR];
  P c0[MR], c1[MR];
  if (first) {
    for (int i = 0; i < MR; ++i) c0[i] = c1[i] = bias ? pset1<P>(bias[i]) : pset1<P>(T(0));
  } else if (full) {
    for (int i = 0; i < MR; ++i) {
      c0[i] = ploadu<P>(y + i * ldy);
      c1[i] = ploadu<P>(y + i * ldy + PS);
    }
  } else {
    for (int i = 0; i < MR; ++i) {
      for (int j = 0; j < NR; ++j) buf[i * NR + j] = j < nr ? y[i * ldy + j] : T(0);
      c0[i] = pload<P>(buf + i * NR);
      c1[i] = pload<P>(buf + i * NR + PS);
    }
  }
  for (i64 k = 0; k < kc; ++k) {
    const T* bk = Indirect ? b + off[k] : b + k * NR;
    const P b0 = ploadu<P>(bk), b1 = ploadu<P>(bk + PS);
    for (int i = 0; i < MR; ++i) {
      const P a = pset1<P>(w[i * ldw + k]);
      c0[i] = pmadd(a, b0, c0[i]);
      c1[i] = pmadd(a, b1, c1[i]);
    }
  }
  if (last) {
    if (z) {
      for (int i = 0; i < MR; ++i) {
        if (full) {
          c0[i] = padd(c0[i], ploadu<P>(z + i * ldz));
          c1[i] = padd(c1[i], ploadu<P>(z + i * ldz + PS));
        } else {
          for (int j = 0; j < NR; ++j) buf[i * NR + j] = j < nr ? z[i * ldz + j] : T(0);
          c0[i] = padd(c0[i], pload<P>(buf + i * NR));
          c1[i] = padd(c1[i], pload<P>(buf + i * NR + PS));
        }
      }
    }
    if (act.kind == Act::Relu || act.kind == Act::Clip) {
      const P lo = pset1<P>(act.kind == Act::Relu ? T(0) : T(act.alpha));
      for (int i = 0; i < MR; ++i) {
        c0[i] = pmax(c0[i], lo);
        c1[i] = pmax(c1[i], lo);
      }
      if (act.kind == Act::Clip) {
        const P hi = pset1<P>(T(act.beta));
        for (int i = 0; i < MR; ++i) {
          c0[i] = pmin(c0[i], hi);
          c1[i] = pmin(c1[i], hi);
        }
      }
    } else if (act.kind == Act::LeakyRelu) {
      const P al = pset1<P>(T(act.alpha)), zero = pset1<P>(T(0));
      for (int i = 0; i < MR; ++i) {  // max(v, 0) + alpha * min(v, 0)
        c0[i] = pmadd(al, pmin(c0[i], zero), pmax(c0[i], zero));
        c1[i] = pmadd(al, pmin(c1[i], zero), pmax(c1[i], zero));
      }
    }
  }
  if (full) {
    for (int i = 0; i < MR; ++i) {
      pstoreu(y + i * ldy, c0[i]);
      pstoreu(y + i * ldy + PS, c1[i]);
    }
  } else {
    for (int i = 0; i < MR; ++i) {
      pstore(buf + i * NR, c0[i]);
      pstore(buf + i * NR + PS, c1[i]);
      for (int j = 0; j < nr; ++j) y[i * ldy + j] = buf[i * NR + j];
    }
  }
}

// Rows mr < MR at the bottom edge.
template <class T, int MR, bool Indirect>
inline void panel_kernel_rows(int mr, const T* w, i64 ldw, const T* b, const i64* off, i64 kc, T* y, i64 ldy,
                              int nr, bool first, bool last, const T* bias, const T* z, i64 ldz, const Act act) {
  if constexpr (MR > 1) {
    if (mr < MR)
      return panel_kernel_rows<T, MR - 1, Indirect>(mr, w, ldw, b, off, kc, y, ldy, nr, first, last, bias, z, ldz, act);
  }
  panel_kernel<T, MR, Indirect>(w, ldw, b, off, kc, y, ldy, nr, first, last, bias, z, ldz, act);
}

// Elements of scratch panel_gemm() needs: one packed panel.
inline i64 panel_gemm_scratch(i64 K) { return K * 32 + 16; }

// Columns of B per block of a packed B (gemm.hpp's pack_panels): 32, the widest panel (NR of
// AVX-512); every target's panels (NR of 8, 16 or 32 elements) lie within one block.
constexpr i64 kPackCols = 32;

// Y[M][0..n) (row stride ldy) = act(bias + W[M][K] (row stride ldw) * B + Z), where B[k][j]
// is src[(j / kPackCols) * bpitch + j % kPackCols + off[k]]: src[off[k] + j] with the
// default bpitch (B's rows in place), or a B packed in blocks of kPackCols columns
// (pack_panels, whose offsets packed_offsets() gives). Unless the caller allows
// reading up to 32 elements past column n - 1 of a row (overread: the values are computed,
// then dropped; a packed B's last block is zero-padded), the last, partial panel is copied
// into `tail` (panel_gemm_scratch(K) elements) first.
template <class T>
inline void panel_gemm(const T* W, i64 ldw, const T* src, const i64* off, T* Y, i64 ldy, i64 M, i64 n, i64 K,
                       const T* bias, const T* Z, i64 ldz, const Act act, T* tail, bool overread = false,
                       i64 bpitch = kPackCols) {
  using PT = PanelTraits<T>;
  constexpr int MR = PT::MR, NR = PT::NR;
  static_assert(kPackCols % NR == 0, "a panel lies within one block of a packed B");
  auto column = [&](i64 j) { return src + j / kPackCols * bpitch + j % kPackCols; };
  const i64 npan = (n + NR - 1) / NR;
  const i64 nfull = overread ? npan : n / NR;
  if (npan > nfull) {
    const i64 j0 = nfull * NR, cnt = n - j0;
    for (i64 k = 0; k < K; ++k) {
      const T* s = column(j0) + off[k];
      T* t = tail + k * NR;
      for (i64 j = 0; j < cnt; ++j) t[j] = s[j];
      for (i64 j = cnt; j < NR; ++j) t[j] = T(0);
    }
  }
  // Blocks of MC rows of W (MC x kc within about 256 KB of L2) run against every panel
  // (kc x NR, in L1), so W streams from memory once per call.
  const i64 MC = std::max<i64>(MR, i64(262144 / (PT::KC * sizeof(T))) / MR * MR);
  // K in ceil(K / KC) passes of equal length (K = 200 with KC = 192: 2 x 100, not 192 + 8).
  const i64 passes = std::max<i64>(1, (K + PT::KC - 1) / PT::KC);
  const i64 kstep = std::max<i64>(1, (K + passes - 1) / passes);
  // Rows [mb, me) of W against panel pj, rows [kb, kb + kc) of K.
  auto run = [&](i64 kb, i64 kc, i64 mb, i64 me, i64 pj) {
    const bool first = kb == 0, last = kb + kc >= K;
    const int nr = static_cast<int>(std::min<i64>(NR, n - pj * NR));
    for (i64 m0 = mb; m0 < me; m0 += MR) {
      const int mr = static_cast<int>(std::min<i64>(MR, me - m0));
      T* y = Y + m0 * ldy + pj * NR;
      const T* bm = bias ? bias + m0 : nullptr;
      const T* z = Z ? Z + m0 * ldz + pj * NR : nullptr;
      if (pj < nfull)
        panel_kernel_rows<T, MR, true>(mr, W + m0 * ldw + kb, ldw, column(pj * NR), off + kb, kc, y, ldy, nr, first,
                                       last, bm, z, ldz, act);
      else
        panel_kernel_rows<T, MR, false>(mr, W + m0 * ldw + kb, ldw, tail + kb * NR, nullptr, kc, y, ldy, nr, first,
                                        last, bm, z, ldz, act);
    }
  };
  // One pass even for K == 0 (Y = act(bias + Z)).
  for (i64 pass = 0, kb = 0; pass < passes; ++pass, kb += kstep)
    for (i64 mb = 0; mb < M; mb += MC)
      for (i64 pj = 0; pj < npan; ++pj)
        run(kb, std::max<i64>(0, std::min<i64>(kstep, K - kb)), mb, std::min(M, mb + MC), pj);
  if (!act_in_registers(act))
    for (i64 m = 0; m < M; ++m) act_apply(Y + m * ldy, n, act);
}

ONNX2CPP_K_END
#endif
