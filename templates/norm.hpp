// onnx2cpp kernels: batch, instance and layer normalization.
#ifndef ONNX2CPP_K_NORM_HPP
#define ONNX2CPP_K_NORM_HPP

ONNX2CPP_K_BEGIN

// Inference BatchNormalization over X[N,C,S].
template <class T>
inline void batch_norm(const T* X, const T* scale, const T* bias, const T* mean, const T* var,
                       T* Y, i64 N, i64 C, i64 S, float eps, Act act = Act{Act::None, 0.f, 0.f}) {
  for (i64 c = 0; c < C; ++c) {
    const T a = scale[c] / std::sqrt(var[c] + static_cast<T>(eps));
    const T b = bias[c] - mean[c] * a;
    for (i64 n = 0; n < N; ++n) {
      const i64 off = (n * C + c) * S;
      ArrMap<T>(Y + off, S) = CArrMap<T>(X + off, S) * a + b;
      act_rows(Y + off, static_cast<const T*>(nullptr), Y + off, S, act);
    }
  }
}

// InstanceNormalization: per (n, c) mean and variance over S spatial elements.
template <class T>
inline void instance_norm(const T* X, const T* scale, const T* bias, T* Y, i64 N, i64 C, i64 S,
                          float eps, Act act = Act{Act::None, 0.f, 0.f}) {
  for (i64 n = 0; n < N; ++n)
    for (i64 c = 0; c < C; ++c) {
      const i64 off = (n * C + c) * S;
      CArrMap<T> x(X + off, S);
      const T mean = x.mean();
      const T var = (x - mean).square().mean();
      const T a = scale[c] / std::sqrt(var + static_cast<T>(eps));
      ArrMap<T>(Y + off, S) = (x - mean) * a + bias[c];
      act_rows(Y + off, static_cast<const T*>(nullptr), Y + off, S, act);
    }
}

// LayerNormalization over rows of D elements; scale/bias broadcast over D (bias may be null).
template <class T>
inline void layer_norm(const T* X, const T* scale, const T* bias, T* Y, i64 rows, i64 D,
                       float eps) {
  CArrMap<T> s(scale, D);
  for (i64 r = 0; r < rows; ++r) {
    CArrMap<T> x(X + r * D, D);
    const T mean = x.mean();
    const T var = (x - mean).square().mean();
    const T inv = T(1) / std::sqrt(var + static_cast<T>(eps));
    ArrMap<T> y(Y + r * D, D);
    if (bias) y = (x - mean) * inv * s + CArrMap<T>(bias, D);
    else y = (x - mean) * inv * s;
  }
}

ONNX2CPP_K_END
#endif
