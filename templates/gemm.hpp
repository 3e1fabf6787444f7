// onnx2cpp kernels: matrix products through Eigen's blocked GEMM. needs: common.hpp
#ifndef ONNX2CPP_K_GEMM_HPP
#define ONNX2CPP_K_GEMM_HPP

ONNX2CPP_K_BEGIN

// Y[M,N] (+)= alpha * op(A) * op(B); op(A) is M x K, op(B) is K x N, all row-major.
// With accumulate, Y already holds beta * C (Gemm's bias).
template <class T>
inline void gemm(const T* A, const T* B, T* Y, i64 M, i64 N, i64 K, bool transA, bool transB,
                 T alpha, bool accumulate) {
  MatMap<T> y(Y, M, N);
  if (K == 0) {
    if (!accumulate) y.setZero();
    return;
  }
  CMatMap<T> a(A, transA ? K : M, transA ? M : K);
  CMatMap<T> b(B, transB ? N : K, transB ? K : N);
  if (!accumulate) y.setZero();
  if (!transA && !transB) y.noalias() += alpha * (a * b);
  else if (!transA && transB) y.noalias() += alpha * (a * b.transpose());
  else if (transA && !transB) y.noalias() += alpha * (a.transpose() * b);
  else y.noalias() += alpha * (a.transpose() * b.transpose());
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

template <class T>
inline void matmul(const T* A, const T* B, T* Y, const MatMulPlan& p) {
  i64 batch = 1;
  for (int k = 0; k < p.rank; ++k) batch *= p.dims[k];
  i64 idx[kMaxRank] = {0};
  i64 oa = 0, ob = 0;
  for (i64 i = 0; i < batch; ++i) {
    gemm<T>(A + oa * p.M * p.K, B + ob * p.K * p.N, Y + i * p.M * p.N, p.M, p.N, p.K, false,
            false, T(1), false);
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

ONNX2CPP_K_END
#endif
