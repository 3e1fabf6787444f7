// onnx2cpp kernels: the gradient of the normalizations by their own statistics per channel
// (the backward pass's ChannelNormGrad, internal), apart from norm.hpp so that inference code
// does not carry it.
#ifndef ONNX2CPP_K_NORM_GRAD_HPP
#define ONNX2CPP_K_NORM_GRAD_HPP

ONNX2CPP_K_BEGIN

// y = scale xhat + bias over X[N, C, S], xhat = (x - mean) inv, inv = 1 / sqrt(var + eps),
// the statistics (biased variance) those of channel c over n and s (BatchNormalization in
// training mode), or of each (n, c) over s (per_instance: InstanceNormalization). Given dY:
// dX = scale inv (dY - mean(dY) - xhat mean(dY xhat)) (PyTorch's formula), dscale =
// sum(dY xhat) and dbias = sum(dY) over all but the channels. The statistics are computed
// again from X as the forward computes them; the sums in double; no temporaries. dX, dscale
// and dbias may each be null.
template <class T>
inline void channel_norm_grad(const T* X, const T* scale, const T* dY, T* dX, T* dscale, T* dbias, i64 N, i64 C, i64 S,
                              float eps, bool per_instance) {
  const i64 groups = per_instance ? N : 1, runs = per_instance ? 1 : N, stride = C * S;
  for (i64 c = 0; c < C; ++c) {
    double sum_dyxhat = 0, sum_dy = 0;
    for (i64 g = 0; g < groups; ++g) {
      const i64 off = (g * C + c) * S;
      const Moments st = moments(X + off, runs, stride, S);
      const double m = st.mean, inv = 1.0 / std::sqrt(st.var + static_cast<double>(eps));
      double sdy = 0, sdyxc = 0;  // sum(dY), sum(dY (x - mean))
      for (i64 r = 0; r < runs; ++r) {
        const T* x = X + off + r * stride;
        const T* dy = dY + off + r * stride;
        sdy += sum_lanes(S, [dy](i64 k) { return static_cast<double>(dy[k]); });
        sdyxc += sum_lanes(S, [x, dy, m](i64 k) { return static_cast<double>(dy[k]) * (static_cast<double>(x[k]) - m); });
      }
      sum_dy += sdy;
      sum_dyxhat += sdyxc * inv;
      if (!dX) continue;
      const double count = static_cast<double>(runs * S);
      const T a = static_cast<T>(static_cast<double>(scale[c]) * inv), mdy = static_cast<T>(sdy / count),
              mt = static_cast<T>(m), b = static_cast<T>(inv * inv * sdyxc / count);
      for (i64 r = 0; r < runs; ++r) {
        const i64 at = off + r * stride;
        ArrMap<T>(dX + at, S) = (CArrMap<T>(dY + at, S) - mdy - (CArrMap<T>(X + at, S) - mt) * b) * a;
      }
    }
    if (dscale) dscale[c] = static_cast<T>(sum_dyxhat);
    if (dbias) dbias[c] = static_cast<T>(sum_dy);
  }
}

ONNX2CPP_K_END
#endif
