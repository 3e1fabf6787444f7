// onnx2cpp kernels: EyeLike and Det.
#ifndef ONNX2CPP_K_LINALG_HPP
#define ONNX2CPP_K_LINALG_HPP

ONNX2CPP_K_BEGIN

// EyeLike: y[rows, cols] is 1 on the diagonal shifted right by k (left when negative), 0 elsewhere.
template <class T>
inline void eye(T* y, i64 rows, i64 cols, i64 k) {
  const T zero = T(0), one = T(1);
  std::fill(y, y + rows * cols, zero);
  if (k >= cols || k <= -rows) return;  // no diagonal inside (and no overflow below)
  for (i64 i = std::max<i64>(0, -k); i < rows && i + k < cols; ++i) y[i * cols + i + k] = one;
}

// Det of `batch` n x n matrices, each by LU decomposition with partial pivoting in double
// (a: n * n doubles of scratch). A singular matrix gives 0; n = 0 gives 1.
template <class T>
inline void det(const T* X, T* Y, i64 batch, i64 n, double* a) {
  for (i64 b = 0; b < batch; ++b) {
    const T* x = X + b * n * n;
    for (i64 i = 0; i < n * n; ++i) a[i] = static_cast<double>(x[i]);
    double d = 1.0;
    for (i64 c = 0; c < n && d != 0.0; ++c) {
      i64 p = c;
      for (i64 r = c + 1; r < n; ++r)
        if (std::abs(a[r * n + c]) > std::abs(a[p * n + c])) p = r;
      if (a[p * n + c] == 0.0) {
        d = 0.0;
        break;
      }
      if (p != c) {
        for (i64 j = c; j < n; ++j) std::swap(a[c * n + j], a[p * n + j]);
        d = -d;
      }
      const double piv = a[c * n + c];
      d *= piv;
      for (i64 r = c + 1; r < n; ++r) {
        const double f = a[r * n + c] / piv;
        if (f == 0.0) continue;
        for (i64 j = c + 1; j < n; ++j) a[r * n + j] -= f * a[c * n + j];
      }
    }
    Y[b] = static_cast<T>(d);
  }
}

ONNX2CPP_K_END
#endif
