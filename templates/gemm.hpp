// onnx2cpp kernels: matrix products (Eigen's blocked GEMM; the panel microkernel).
#ifndef ONNX2CPP_K_GEMM_HPP
#define ONNX2CPP_K_GEMM_HPP

ONNX2CPP_K_BEGIN

// Eigen's blocked GEMM packs panels of both operands into buffers it would take from the
// heap (or the stack) on every call. Generated code passes them from the arena instead, with
// block sizes fixed here so the compiler can plan their bytes: mc x kc of the packed left
// operand and kc x nc of the right one, in Eigen's column-major view of the row-major
// product (Y^T = op(B)^T op(A)^T: its "rows" are our N, its "cols" our M).
struct GemmBlocking {
  i64 mc, nc, kc;
};
inline GemmBlocking gemm_blocking(i64 M, i64 N, i64 K) {
  GemmBlocking b;
  b.kc = K < 256 ? K : 256;
  b.mc = N < 192 ? N : 192;
  b.nc = M < 2048 ? M : 2048;
  if (b.kc < 1) b.kc = 1;
  if (b.mc < 1) b.mc = 1;
  if (b.nc < 1) b.nc = 1;
  return b;
}
// Elements of T the packing buffers of gemm_packed() need (plus alignment slack).
inline i64 gemm_packed_scratch(i64 M, i64 N, i64 K) {
  const GemmBlocking b = gemm_blocking(M, N, K);
  return b.kc * b.mc + b.kc * b.nc + 32;
}
// Elements of T the work buffer of gemm() needs: the packing buffers, or for a
// matrix-vector product the scaled vector operand.
inline i64 gemm_scratch(i64 M, i64 N, i64 K) {
  if (M <= 1 || N <= 1) return K + 16;
  return gemm_packed_scratch(M, N, K);
}

template <class T>
struct ArenaBlocking : Eigen::internal::level3_blocking<T, T> {
  ArenaBlocking(T* work, const GemmBlocking& b) {
    this->m_mc = b.mc;
    this->m_nc = b.nc;
    this->m_kc = b.kc;
    this->m_blockA = work;
    i64 off = b.kc * b.mc;
    off = (off + 15) / 16 * 16;
    this->m_blockB = work + off;
  }
};

// Y[M,N] (row stride ldy) += alpha * A * B, A and B with the given storage orders.
template <class T, int LhsOrder, int RhsOrder>
ONNX2CPP_K_OUTLINE inline void gemm_packed(const T* A, i64 lda, const T* B, i64 ldb, T* Y, i64 ldy, i64 M,
                                           i64 N, i64 K, T alpha, T* work) {
  ArenaBlocking<T> blocking(work, gemm_blocking(M, N, K));
  // Eigen::Index, not i64: they differ on 32-bit targets (wasm32), and Eigen's blocking uses it.
  Eigen::internal::general_matrix_matrix_product<Eigen::Index, T, LhsOrder, false, T, RhsOrder, false,
                                                 Eigen::RowMajor, 1>::run(M, N, K, A, lda, B, ldb, Y,
                                                                          1, ldy, alpha, blocking);
}

// Y[M,N] (+)= alpha * op(A) * op(B); op(A) is M x K, op(B) is K x N, all row-major.
// With accumulate, Y already holds beta * C (Gemm's bias). work: gemm_scratch(M, N, K)
// elements, 64-byte aligned.
template <class T>
ONNX2CPP_K_OUTLINE inline void gemm(const T* A, const T* B, T* Y, i64 M, i64 N, i64 K, bool transA,
                                    bool transB, T alpha, bool accumulate, T* work) {
  MatMap<T> y(Y, M, N);
  if (!accumulate) y.setZero();
  if (K == 0 || M == 0 || N == 0 || alpha == T(0)) return;
  if (M > 1 && N > 1) {
    constexpr int R = Eigen::RowMajor, C = Eigen::ColMajor;
    if (!transA && !transB) gemm_packed<T, R, R>(A, K, B, N, Y, N, M, N, K, alpha, work);
    else if (!transA && transB) gemm_packed<T, R, C>(A, K, B, K, Y, N, M, N, K, alpha, work);
    else if (transA && !transB) gemm_packed<T, C, R>(A, M, B, N, Y, N, M, N, K, alpha, work);
    else gemm_packed<T, C, C>(A, M, B, K, Y, N, M, N, K, alpha, work);
    return;
  }
  // Matrix-vector: y(len) += Mat(len x K) * (alpha * v)(K), with the vector operand scaled
  // into `work`, so Eigen's GEMV sees plain contiguous maps and needs no temporaries.
  using Vec = Eigen::Matrix<T, Eigen::Dynamic, 1>;
  using ColMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
  Eigen::Map<Vec> v(work, K);
  if (M == 1) {  // y^T = op(B)^T a^T
    v = CArrMap<T>(A, K).matrix() * alpha;
    Eigen::Map<Vec> yv(Y, N);
    if (transB) yv.noalias() += CMatMap<T>(B, N, K) * v;
    else yv.noalias() += Eigen::Map<const ColMat>(B, N, K) * v;
  } else {  // N == 1: y = op(A) b
    v = CArrMap<T>(B, K).matrix() * alpha;
    Eigen::Map<Vec> yv(Y, M);
    if (transA) yv.noalias() += Eigen::Map<const ColMat>(A, M, K) * v;
    else yv.noalias() += CMatMap<T>(A, M, K) * v;
  }
}

// Batched MatMul with numpy broadcasting over the leading dims. sa/sb are strides in
// matrices (0 = broadcast) over the batch dims.
struct MatMulPlan {
  i64 M, N, K;
  int rank;
  i64 dims[kMaxRank];
  i64 sa[kMaxRank];
  i64 sb[kMaxRank];
};

// Calls f(i, oa, ob) for each batch i of p, with the indices (in matrices) of its A and B under
// the plan's broadcasting.
template <class F>
inline void for_each_batch(const MatMulPlan& p, F&& f) {
  i64 batch = 1;
  for (int k = 0; k < p.rank; ++k) batch *= p.dims[k];
  i64 idx[kMaxRank] = {0};
  i64 oa = 0, ob = 0;
  for (i64 i = 0; i < batch; ++i) {
    f(i, oa, ob);
    for (int k = p.rank - 1; k >= 0; --k) {
      oa += p.sa[k];
      ob += p.sb[k];
      if (++idx[k] < p.dims[k]) break;
      oa -= p.sa[k] * p.dims[k];
      ob -= p.sb[k] * p.dims[k];
      idx[k] = 0;
    }
  }
}

// Elements of scratch panel_matmul() needs (float-sized; fewer for double): the row
// offsets of B, then panel_gemm's tail panel.
inline i64 panel_matmul_scratch(i64 K) { return (K * 2 + 15) / 16 * 16 + panel_gemm_scratch(K); }

// A packed B: op(B) (K x N) in chunks of kp = pack_rows(K) rows, each chunk the blocks of
// kPackCols columns one after another, each block kp rows of kPackCols (the last block
// zero-padded, the last chunk padded to kp rows): Bp[K / kp][N / kPackCols][kp][kPackCols].
// A pass of panel_gemm() (K in passes of up to 192 rows on AVX-512: kp rows) then reads its
// panels from consecutive addresses. In place, B's rows lie N elements apart: with N a
// multiple of 1024 every row of a panel fell into the same L1 sets, and weights from memory
// streamed in short runs (49 x 768 x 3072 with B in cache: 1.51 ms in place, 1.36 packed;
// ConvNeXt-T, whose weights come from memory: 67 to 68 ms, 60 to 64 packed).
inline i64 pack_rows(i64 K) {
  const i64 chunks = std::max<i64>(1, (K + 191) / 192);
  return std::max<i64>(1, (K + chunks - 1) / chunks);
}
// N rounded up to whole blocks of kPackCols columns.
inline i64 packed_cols(i64 N) { return (N + kPackCols - 1) / kPackCols * kPackCols; }
inline i64 packed_panels_size(i64 K, i64 N) {
  const i64 kp = pack_rows(K);
  return (K + kp - 1) / kp * kp * packed_cols(N);
}
// Bp = op(B) packed as above (done at compile time for constant weights); B[N][K] when
// transB, else B[K][N].
template <class T>
inline void pack_panels(const T* B, T* Bp, i64 K, i64 N, bool transB) {
  const i64 kp = pack_rows(K), cols = packed_cols(N);
  const i64 size = packed_panels_size(K, N);
  for (i64 i = 0; i < size; ++i) Bp[i] = T(0);
  for (i64 k = 0; k < K; ++k)
    for (i64 j = 0; j < N; ++j)
      Bp[k / kp * kp * cols + j / kPackCols * kp * kPackCols + k % kp * kPackCols + j % kPackCols] =
          transB ? B[j * K + k] : B[k * N + j];
}
// panel_gemm()'s row offsets and block pitch for a B packed by pack_panels().
inline i64 packed_offsets(i64 K, i64 N, i64* off) {
  const i64 kp = pack_rows(K), cols = packed_cols(N);
  for (i64 k = 0; k < K; ++k) off[k] = k / kp * kp * cols + k % kp * kPackCols;
  return kp * kPackCols;
}

// Y[M][N] = act(A[M][K] B[K][N] + Z) (Z may be null; row stride ldz, 0 for one row added to
// every row) on the panel microkernel, B's rows read in place, or B packed by pack_panels()
// (Packed). work: panel_matmul_scratch(K) elements.
// Under a parallel-for, blocks of kPanelCols columns go to tasks: whole panels on every
// target, so only the last block has a partial one (the tail), and every column is computed
// as in one call.
constexpr i64 kPanelCols = 64;
static_assert(kPanelCols % kPackCols == 0, "a task's columns are whole blocks of a packed B");
template <class T, bool Packed>
inline void panel_matmul_any(const Par& par, const T* A, const T* B, T* Y, i64 M, i64 N, i64 K, const T* Z, i64 ldz,
                             T* work, const Act act) {
  i64* off = reinterpret_cast<i64*>(work);
  T* tail = work + (K * 8 / static_cast<i64>(sizeof(T)) + 15) / 16 * 16;
  i64 bpitch = kPackCols;
  if (Packed) bpitch = packed_offsets(K, N, off);
  else
    for (i64 k = 0; k < K; ++k) off[k] = k * N;
  auto cols = [&](i64 j, i64 n) {  // columns [j, j + n), j a multiple of kPackCols
    panel_gemm(A, K, B + j / kPackCols * bpitch, off, Y + j, N, M, n, K, static_cast<const T*>(nullptr),
               Z ? Z + j : nullptr, ldz, act, tail, Packed, bpitch);
  };
  if (!par_on(par) || N <= kPanelCols) return cols(0, N);
  par_for(par, (N + kPanelCols - 1) / kPanelCols, M * N * K, [&](i64 b) {
    const i64 j = b * kPanelCols;
    cols(j, std::min(kPanelCols, N - j));
  });
}
template <class T>
inline void panel_matmul(const Par& par, const T* A, const T* B, T* Y, i64 M, i64 N, i64 K, const T* Z, i64 ldz,
                         T* work, const Act act = Act{Act::None, 0.f, 0.f}) {
  panel_matmul_any<T, false>(par, A, B, Y, M, N, K, Z, ldz, work, act);
}
template <class T>
inline void panel_matmul(const T* A, const T* B, T* Y, i64 M, i64 N, i64 K, const T* Z, i64 ldz, T* work,
                         const Act act = Act{Act::None, 0.f, 0.f}) {
  panel_matmul(Par{}, A, B, Y, M, N, K, Z, ldz, work, act);
}
// panel_matmul() on a B packed by pack_panels().
template <class T>
inline void panel_matmul_packed(const Par& par, const T* A, const T* Bp, T* Y, i64 M, i64 N, i64 K, const T* Z,
                                i64 ldz, T* work, const Act act = Act{Act::None, 0.f, 0.f}) {
  panel_matmul_any<T, true>(par, A, Bp, Y, M, N, K, Z, ldz, work, act);
}
template <class T>
inline void panel_matmul_packed(const T* A, const T* Bp, T* Y, i64 M, i64 N, i64 K, const T* Z, i64 ldz, T* work,
                                const Act act = Act{Act::None, 0.f, 0.f}) {
  panel_matmul_packed(Par{}, A, Bp, Y, M, N, K, Z, ldz, work, act);
}

// Elements of scratch matmul() needs (float-sized; fewer for double).
inline i64 matmul_scratch(i64 M, i64 N, i64 K) { return std::max(gemm_scratch(M, N, K), panel_matmul_scratch(K)); }

// Floating-point products run on the panel microkernel (panel_matmul), with the fused
// epilogue: the row `bias` of N added to every row (or null), then act; integers go through
// Eigen.
template <class T>
inline void matmul(const Par& par, const T* A, const T* B, T* Y, const MatMulPlan& p, T* work, const T* bias = nullptr,
                   const Act act = Act{Act::None, 0.f, 0.f}) {
  for_each_batch(p, [&](i64 i, i64 oa, i64 ob) {
    if constexpr (std::is_floating_point<T>::value)
      panel_matmul(par, A + oa * p.M * p.K, B + ob * p.K * p.N, Y + i * p.M * p.N, p.M, p.N, p.K, bias, 0, work, act);
    else
      gemm<T>(A + oa * p.M * p.K, B + ob * p.K * p.N, Y + i * p.M * p.N, p.M, p.N, p.K, false, false, T(1),
              false, work);
  });
}
template <class T>
inline void matmul(const T* A, const T* B, T* Y, const MatMulPlan& p, T* work, const T* bias = nullptr,
                   const Act act = Act{Act::None, 0.f, 0.f}) {
  matmul(Par{}, A, B, Y, p, work, bias, act);
}
// matmul() of floats by one B (every batch's) packed by pack_panels().
template <class T>
inline void matmul_packed(const Par& par, const T* A, const T* Bp, T* Y, const MatMulPlan& p, T* work,
                          const T* bias = nullptr, const Act act = Act{Act::None, 0.f, 0.f}) {
  for_each_batch(p, [&](i64 i, i64 oa, i64) {
    panel_matmul_packed(par, A + oa * p.M * p.K, Bp, Y + i * p.M * p.N, p.M, p.N, p.K, bias, 0, work, act);
  });
}
template <class T>
inline void matmul_packed(const T* A, const T* Bp, T* Y, const MatMulPlan& p, T* work, const T* bias = nullptr,
                          const Act act = Act{Act::None, 0.f, 0.f}) {
  matmul_packed(Par{}, A, Bp, Y, p, work, bias, act);
}

ONNX2CPP_K_END
#endif
