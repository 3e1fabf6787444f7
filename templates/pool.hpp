// onnx2cpp kernels: max, average and global pooling for 1 to 3 spatial dims. needs: common.hpp
#ifndef ONNX2CPP_K_POOL_HPP
#define ONNX2CPP_K_POOL_HPP

ONNX2CPP_K_BEGIN

// Spatial dims padded to 3 as in ConvParams; NC = batch * channels.
struct PoolParams {
  i64 NC;
  i64 in[3], out[3], k[3], stride[3], pad[3], pad_end[3], dil[3];
  bool count_include_pad;
};

// kind 0: max, 1: average, 2: Lp (p = norm_p)
template <class T, int kind>
inline void pool(const T* X, T* Y, const PoolParams& p, int norm_p) {
  const i64 I = p.in[0] * p.in[1] * p.in[2];
  const i64 O = p.out[0] * p.out[1] * p.out[2];
  for (i64 nc = 0; nc < p.NC; ++nc) {
    const T* x = X + nc * I;
    T* y = Y + nc * O;
    for (i64 o0 = 0; o0 < p.out[0]; ++o0)
      for (i64 o1 = 0; o1 < p.out[1]; ++o1)
        for (i64 o2 = 0; o2 < p.out[2]; ++o2) {
          const i64 s0 = o0 * p.stride[0] - p.pad[0];
          const i64 s1 = o1 * p.stride[1] - p.pad[1];
          const i64 s2 = o2 * p.stride[2] - p.pad[2];
          double acc = kind == 0 ? -std::numeric_limits<double>::infinity() : 0.0;
          i64 count = 0, padded = 0;
          for (i64 a = 0; a < p.k[0]; ++a) {
            const i64 i0 = s0 + a * p.dil[0];
            for (i64 b = 0; b < p.k[1]; ++b) {
              const i64 i1 = s1 + b * p.dil[1];
              for (i64 e = 0; e < p.k[2]; ++e) {
                const i64 i2 = s2 + e * p.dil[2];
                const bool in_pad = i0 < p.in[0] + p.pad_end[0] && i1 < p.in[1] + p.pad_end[1] &&
                                    i2 < p.in[2] + p.pad_end[2];
                if (i0 < 0 || i1 < 0 || i2 < 0 || i0 >= p.in[0] || i1 >= p.in[1] ||
                    i2 >= p.in[2]) {
                  if (in_pad) ++padded;
                  continue;
                }
                const double v = static_cast<double>(x[(i0 * p.in[1] + i1) * p.in[2] + i2]);
                if (kind == 0) acc = v > acc ? v : acc;
                else if (kind == 1) acc += v;
                else acc += norm_p == 1 ? std::abs(v) : v * v;
                ++count;
              }
            }
          }
          double r = acc;
          if (kind == 1) r = acc / static_cast<double>(p.count_include_pad ? count + padded : count);
          if (kind == 2) r = norm_p == 1 ? acc : std::sqrt(acc);
          y[(o0 * p.out[1] + o1) * p.out[2] + o2] = static_cast<T>(r);
        }
  }
}

// Global average / max over S spatial elements per (n, c).
template <class T>
inline void global_avg_pool(const T* X, T* Y, i64 NC, i64 S) {
  for (i64 nc = 0; nc < NC; ++nc) Y[nc] = CArrMap<T>(X + nc * S, S).mean();
}
template <class T>
inline void global_max_pool(const T* X, T* Y, i64 NC, i64 S) {
  for (i64 nc = 0; nc < NC; ++nc) Y[nc] = CArrMap<T>(X + nc * S, S).maxCoeff();
}

ONNX2CPP_K_END
#endif
