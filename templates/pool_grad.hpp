// onnx2cpp kernels: the gradients of the pools (the backward pass's MaxPoolGrad and
// AveragePoolGrad, internal), apart from pool.hpp so that inference code does not carry them.
#ifndef ONNX2CPP_K_POOL_GRAD_HPP
#define ONNX2CPP_K_POOL_GRAD_HPP

ONNX2CPP_K_BEGIN

// Visits the window of output position (o0, o1, o2) as pool() reads it: f(i) for each
// position i of the input plane in it, in pool()'s order; returns how many of its taps fall
// in the explicit pads (not beyond them: ceil_mode's overhang counts for no divisor).
template <class F>
inline i64 pool_window(const PoolParams& p, i64 o0, i64 o1, i64 o2, F&& f) {
  i64 padded = 0;
  for (i64 a = 0; a < p.k[0]; ++a) {
    const i64 i0 = o0 * p.stride[0] - p.pad[0] + a * p.dil[0];
    for (i64 b = 0; b < p.k[1]; ++b) {
      const i64 i1 = o1 * p.stride[1] - p.pad[1] + b * p.dil[1];
      for (i64 e = 0; e < p.k[2]; ++e) {
        const i64 i2 = o2 * p.stride[2] - p.pad[2] + e * p.dil[2];
        if (i0 < 0 || i1 < 0 || i2 < 0 || i0 >= p.in[0] || i1 >= p.in[1] || i2 >= p.in[2]) {
          padded += i0 < p.in[0] + p.pad_end[0] && i1 < p.in[1] + p.pad_end[1] && i2 < p.in[2] + p.pad_end[2];
          continue;
        }
        f((i0 * p.in[1] + i1) * p.in[2] + i2);
      }
    }
  }
  return padded;
}

// MaxPool's dX: each dY goes to the first maximum of its window (as PyTorch; a NaN is taken
// as the maximum there too), summed where windows overlap.
template <class T>
inline void max_pool_grad(const T* X, const T* dY, T* dX, const PoolParams& p) {
  const i64 I = p.in[0] * p.in[1] * p.in[2];
  const i64 O = p.out[0] * p.out[1] * p.out[2];
  fill(dX, p.NC * I, T(0));
  for (i64 nc = 0; nc < p.NC; ++nc) {
    const T* x = X + nc * I;
    T* dx = dX + nc * I;
    const T* dy = dY + nc * O;
    for (i64 o0 = 0; o0 < p.out[0]; ++o0)
      for (i64 o1 = 0; o1 < p.out[1]; ++o1)
        for (i64 o2 = 0; o2 < p.out[2]; ++o2) {
          i64 at = -1;
          pool_window(p, o0, o1, o2, [&](i64 i) {
            if (at < 0 || x[i] > x[at] || (x[i] != x[i] && x[at] == x[at])) at = i;
          });
          if (at >= 0) dx[at] += dy[(o0 * p.out[1] + o1) * p.out[2] + o2];
        }
  }
}

// AveragePool's dX: each dY divided by its window's divisor (as pool() counts it) spread over
// the window's input positions.
template <class T>
inline void average_pool_grad(const T* dY, T* dX, const PoolParams& p) {
  const i64 I = p.in[0] * p.in[1] * p.in[2];
  const i64 O = p.out[0] * p.out[1] * p.out[2];
  fill(dX, p.NC * I, T(0));
  for (i64 nc = 0; nc < p.NC; ++nc) {
    T* dx = dX + nc * I;
    const T* dy = dY + nc * O;
    for (i64 o0 = 0; o0 < p.out[0]; ++o0)
      for (i64 o1 = 0; o1 < p.out[1]; ++o1)
        for (i64 o2 = 0; o2 < p.out[2]; ++o2) {
          i64 count = 0;
          const i64 padded = pool_window(p, o0, o1, o2, [&](i64) { ++count; });
          const i64 div = p.count_include_pad ? count + padded : count;
          if (div == 0) continue;
          const T g = dy[(o0 * p.out[1] + o1) * p.out[2] + o2] / static_cast<T>(div);
          pool_window(p, o0, o1, o2, [&](i64 i) { dx[i] += g; });
        }
  }
}

ONNX2CPP_K_END
#endif
