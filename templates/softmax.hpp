// onnx2cpp kernels: softmax and log-softmax along one axis.
#ifndef ONNX2CPP_K_SOFTMAX_HPP
#define ONNX2CPP_K_SOFTMAX_HPP

ONNX2CPP_K_BEGIN

// X viewed as [outer, n, inner]; normalizes along n. log selects LogSoftmax.
template <class T>
inline void softmax(const T* X, T* Y, i64 outer, i64 n, i64 inner, bool log) {
  if (n == 0) return;  // an empty axis: no element to write (nor any to read)
  if (inner == 1) {  // contiguous rows: Eigen's vectorized max, exp and sum
    for (i64 o = 0; o < outer; ++o) {
      CArrMap<T> x(X + o * n, n);
      ArrMap<T> y(Y + o * n, n);
      const T mx = x.maxCoeff();
      if (log) {
        y = x - mx;
        const T ls = std::log(y.exp().sum());
        y -= ls;
      } else {
        y = (x - mx).exp();
        // Eigen's exp clamps its argument: -inf logits are zeroed explicitly.
        const T* xs = X + o * n;
        T* ys = Y + o * n;
        for (i64 k = 0; k < n; ++k) ys[k] = xs[k] == -std::numeric_limits<T>::infinity() ? T(0) : ys[k];
        y *= T(1) / y.sum();
      }
    }
    return;
  }
  for (i64 o = 0; o < outer; ++o)
    for (i64 i = 0; i < inner; ++i) {
      const T* x = X + o * n * inner + i;
      T* y = Y + o * n * inner + i;
      T mx = x[0];
      for (i64 k = 1; k < n; ++k) mx = std::max(mx, x[k * inner]);
      T sum = 0;
      for (i64 k = 0; k < n; ++k) {
        const T e = std::exp(x[k * inner] - mx);
        if (!log) y[k * inner] = e;
        sum += e;
      }
      if (log) {
        const T ls = std::log(sum);
        for (i64 k = 0; k < n; ++k) y[k * inner] = x[k * inner] - mx - ls;
      } else {
        const T inv = T(1) / sum;
        for (i64 k = 0; k < n; ++k) y[k * inner] *= inv;
      }
    }
}

ONNX2CPP_K_END
#endif
