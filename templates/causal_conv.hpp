// onnx2cpp kernels: the depthwise causal 1-D convolution with a carried state
// (CausalConvWithState).
#ifndef ONNX2CPP_K_CAUSAL_CONV_HPP
#define ONNX2CPP_K_CAUSAL_CONV_HPP

ONNX2CPP_K_BEGIN

// X [B, C, L]; W [C, 1, K]; bias [C] or null; past [B, C, K - 1] or null (zeros). Each
// channel's row is read as past ++ x (L + K - 1 elements): Y[b, c, t] = bias[c] +
// sum_j W[c, j] * row[t + j], then SiLU when silu; present [B, C, K - 1] (or null) gets the
// row's last K - 1 elements.
template <class T>
inline void causal_conv_with_state(const T* X, const T* W, const T* bias, const T* past, T* Y, T* present, i64 B,
                                   i64 C, i64 L, i64 K, bool silu_act) {
  const i64 P = K - 1;
  for (i64 b = 0; b < B; ++b)
    for (i64 c = 0; c < C; ++c) {
      const T* x = X + (b * C + c) * L;
      const T* s = past ? past + (b * C + c) * P : nullptr;
      const T* w = W + c * K;
      T* y = Y + (b * C + c) * L;
      // Element i of the row past ++ x.
      auto at = [&](i64 i) { return i >= P ? x[i - P] : s ? s[i] : T(0); };
      const T b0 = bias ? bias[c] : T(0);
      for (i64 t = 0; t < L; ++t) {
        T acc = b0;
        if (t >= P) {  // the window lies in x
          for (i64 j = 0; j < K; ++j) acc += w[j] * x[t - P + j];
        } else {
          for (i64 j = 0; j < K; ++j) acc += w[j] * at(t + j);
        }
        y[t] = silu_act ? silu(acc) : acc;
      }
      if (present) {
        T* d = present + (b * C + c) * P;
        for (i64 i = 0; i < P; ++i) d[i] = at(L + i);
      }
    }
}

ONNX2CPP_K_END
#endif
