// onnx2cpp kernels: batch, instance, layer, RMS, group and Lp normalization.
#ifndef ONNX2CPP_K_NORM_HPP
#define ONNX2CPP_K_NORM_HPP

ONNX2CPP_K_BEGIN

// The mean and biased variance, in double, of `runs` runs of S elements, the r-th at
// X + r * stride: two passes, as the normalizations by batch statistics compute them.
struct Moments {
  double mean, var;
};
template <class T>
inline Moments moments(const T* X, i64 runs, i64 stride, i64 S) {
  const double count = static_cast<double>(runs * S);
  if (count == 0) return {0.0, 0.0};
  double sum = 0;
  for (i64 r = 0; r < runs; ++r) {
    const T* x = X + r * stride;
    sum += sum_lanes(S, [x](i64 k) { return static_cast<double>(x[k]); });
  }
  const double m = sum / count;
  double sq = 0;
  for (i64 r = 0; r < runs; ++r) {
    const T* x = X + r * stride;
    sq += sum_lanes(S, [x, m](i64 k) {
      const double d = static_cast<double>(x[k]) - m;
      return d * d;
    });
  }
  return {m, sq / count};
}

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
// Under a parallel-for each (n, c) is a task: its sums stay whole.
template <class T>
inline void instance_norm(const Par& par, const T* X, const T* scale, const T* bias, T* Y, i64 N, i64 C, i64 S,
                          float eps, Act act = Act{Act::None, 0.f, 0.f}) {
  if (S == 0) return;  // nothing to normalize (Eigen's mean of no element reads one)
  par_for(par, N * C, N * C * S * 4, [&](i64 nc) {
    const i64 c = nc % C;
    const i64 off = nc * S;
    CArrMap<T> x(X + off, S);
    const T mean = x.mean();
    const T var = (x - mean).square().mean();
    const T a = scale[c] / std::sqrt(var + static_cast<T>(eps));
    ArrMap<T>(Y + off, S) = (x - mean) * a + bias[c];
    act_rows(Y + off, static_cast<const T*>(nullptr), Y + off, S, act);
  });
}
template <class T>
inline void instance_norm(const T* X, const T* scale, const T* bias, T* Y, i64 N, i64 C, i64 S,
                          float eps, Act act = Act{Act::None, 0.f, 0.f}) {
  instance_norm(Par{}, X, scale, bias, Y, N, C, S, eps, act);
}

// LayerNormalization over rows of D elements: each row's mean and inverse standard deviation
// computed in S (the op's stash type), the normalized row cast back to T, then times scale
// and plus bias (both of D elements; bias may be null). mean and inv_std (rows elements
// each) may be null. Y may be X.
template <class T, class S = float>
inline void layer_norm(const T* X, const T* scale, const T* bias, T* Y, i64 rows, i64 D, float eps,
                       S* mean = nullptr, S* inv_std = nullptr) {
  CArrMap<T> s(scale, D);
  if (D == 0) {  // rows of no element: their statistics as numpy's of an empty row (NaN)
    for (i64 r = 0; r < rows; ++r) {
      if (mean) mean[r] = std::numeric_limits<S>::quiet_NaN();
      if (inv_std) inv_std[r] = std::numeric_limits<S>::quiet_NaN();
    }
    return;
  }
  for (i64 r = 0; r < rows; ++r) {
    const auto x = CArrMap<T>(X + r * D, D).template cast<S>();
    const S m = x.mean();
    const S var = (x - m).square().mean();
    const S inv = S(1) / std::sqrt(var + static_cast<S>(eps));
    if (mean) mean[r] = m;
    if (inv_std) inv_std[r] = inv;
    ArrMap<T> y(Y + r * D, D);
    if (bias) y = ((x - m) * inv).template cast<T>() * s + CArrMap<T>(bias, D);
    else y = ((x - m) * inv).template cast<T>() * s;
  }
}

// RMSNormalization over rows of D elements: x / sqrt(mean(x^2) + eps) computed in S (the
// stash type), cast back to T, times scale (D elements). Y may be X.
template <class T, class S>
inline void rms_norm(const T* X, const T* scale, T* Y, i64 rows, i64 D, float eps) {
  if (D == 0) return;  // no element to write (Eigen's mean of no element reads one)
  CArrMap<T> s(scale, D);
  for (i64 r = 0; r < rows; ++r) {
    const auto x = CArrMap<T>(X + r * D, D).template cast<S>();
    const S inv = S(1) / std::sqrt(x.square().mean() + static_cast<S>(eps));
    ArrMap<T>(Y + r * D, D) = (x * inv).template cast<T>() * s;
  }
}

// GroupNormalization of X[N, C, S] in G groups of C / G channels: mean and variance per
// (n, group) over its C / G * S elements, computed in U (the stash type); then scale and bias
// per channel, or per group (per_group: version 18). Y may be X.
template <class T, class U>
inline void group_norm(const T* X, const T* scale, const T* bias, T* Y, i64 N, i64 C, i64 S, i64 G, float eps,
                       bool per_group) {
  const i64 cg = C / G, len = cg * S;
  if (len == 0) return;  // no element to write (Eigen's mean of no element reads one)
  for (i64 n = 0; n < N; ++n)
    for (i64 g = 0; g < G; ++g) {
      const i64 off = (n * C + g * cg) * S;
      const auto x = CArrMap<T>(X + off, len).template cast<U>();
      const U m = x.mean();
      const U inv = U(1) / std::sqrt((x - m).square().mean() + static_cast<U>(eps));
      for (i64 c = 0; c < cg; ++c) {
        const i64 ch = per_group ? g : g * cg + c;
        const auto xc = CArrMap<T>(X + off + c * S, S).template cast<U>();
        ArrMap<T>(Y + off + c * S, S) = ((xc - m) * inv).template cast<T>() * scale[ch] + bias[ch];
      }
    }
}

// LpNormalization of X viewed as [outer, n, inner] along n: x / (sum |x|^p)^(1/p), p 1 or 2,
// and 0 where that norm is 0 (the spec's rule for 0 / 0); sums in double. Y may be X.
template <class T>
inline void lp_norm(const T* X, T* Y, i64 outer, i64 n, i64 inner, i64 p) {
  for (i64 o = 0; o < outer; ++o)
    for (i64 j = 0; j < inner; ++j) {
      const T* x = X + o * n * inner + j;
      T* y = Y + o * n * inner + j;
      double sum = 0;
      for (i64 i = 0; i < n; ++i) {
        const double v = static_cast<double>(x[i * inner]);
        sum += p == 1 ? std::abs(v) : v * v;
      }
      const T norm = static_cast<T>(p == 1 ? sum : std::sqrt(sum));
      for (i64 i = 0; i < n; ++i) y[i * inner] = norm == T(0) ? T(0) : static_cast<T>(x[i * inner] / norm);
    }
}

ONNX2CPP_K_END
#endif
