// onnx2cpp kernels: transposed convolution as GEMM + col2im, 1 to 3 spatial dims.
#ifndef ONNX2CPP_K_CONV_TRANSPOSE_HPP
#define ONNX2CPP_K_CONV_TRANSPOSE_HPP

ONNX2CPP_K_BEGIN

// ConvParams as for Conv: C input channels, M output channels, `in` the input's spatial dims
// and `out` the output's; pad holds the leading pads (output_padding and trailing pads only
// shape `out`).

// y[m][i*stride - pad + tap*dil] += col[m*K + tap][i] for every in-range output position.
template <class T>
inline void col2im_add(const T* col, T* y, i64 Mg, const ConvParams& p) {
  const i64 I = p.in[0] * p.in[1] * p.in[2];
  const i64 O = p.out[0] * p.out[1] * p.out[2];
  for (i64 m = 0; m < Mg; ++m)
    for (i64 a = 0; a < p.k[0]; ++a)
      for (i64 b = 0; b < p.k[1]; ++b)
        for (i64 e = 0; e < p.k[2]; ++e) {
          const T* row = col + (((m * p.k[0] + a) * p.k[1] + b) * p.k[2] + e) * I;
          T* ym = y + m * O;
          for (i64 i0 = 0; i0 < p.in[0]; ++i0) {
            const i64 o0 = i0 * p.stride[0] - p.pad[0] + a * p.dil[0];
            if (o0 < 0 || o0 >= p.out[0]) continue;
            for (i64 i1 = 0; i1 < p.in[1]; ++i1) {
              const i64 o1 = i1 * p.stride[1] - p.pad[1] + b * p.dil[1];
              if (o1 < 0 || o1 >= p.out[1]) continue;
              const T* src = row + (i0 * p.in[1] + i1) * p.in[2];
              T* dst = ym + (o0 * p.out[1] + o1) * p.out[2];
              for (i64 i2 = 0; i2 < p.in[2]; ++i2) {
                const i64 o2 = i2 * p.stride[2] - p.pad[2] + e * p.dil[2];
                if (o2 >= 0 && o2 < p.out[2]) dst[o2] += src[i2];
              }
            }
          }
        }
}

inline bool conv_transpose_direct(const ConvParams& p) {
  for (int d = 0; d < 3; ++d)
    if (p.k[d] != 1 || p.stride[d] != 1 || p.pad[d] != 0 || p.in[d] != p.out[d]) return false;
  return true;
}
inline i64 conv_transpose_col_elems(const ConvParams& p) {
  if (conv_transpose_direct(p)) return 0;
  const i64 n = (p.M / p.group) * p.k[0] * p.k[1] * p.k[2] * p.in[0] * p.in[1] * p.in[2];
  return (n + 15) / 16 * 16;
}
// Elements of scratch conv_transpose() needs: the column matrix and the GEMM's buffers.
inline i64 conv_transpose_scratch(const ConvParams& p) {
  const i64 K = p.k[0] * p.k[1] * p.k[2];
  return conv_transpose_col_elems(p) +
         gemm_scratch((p.M / p.group) * K, p.in[0] * p.in[1] * p.in[2], p.C / p.group);
}

// X[N,C,in...] with W[C, M/group, k...] and B[M] (or null) -> Y[N,M,out...].
template <class T>
inline void conv_transpose(const T* X, const T* W, const T* B, T* Y, const ConvParams& p, T* scratch) {
  T* col = scratch;
  T* work = scratch + conv_transpose_col_elems(p);
  const i64 I = p.in[0] * p.in[1] * p.in[2];
  const i64 O = p.out[0] * p.out[1] * p.out[2];
  const i64 K = p.k[0] * p.k[1] * p.k[2];
  const i64 Cg = p.C / p.group, Mg = p.M / p.group;
  const bool direct = conv_transpose_direct(p);
  for (i64 n = 0; n < p.N; ++n)
    for (i64 g = 0; g < p.group; ++g) {
      const T* x = X + (n * p.C + g * Cg) * I;
      const T* w = W + g * Cg * Mg * K;
      T* y = Y + (n * p.M + g * Mg) * O;
      for (i64 m = 0; m < Mg; ++m) fill(y + m * O, O, B ? B[g * Mg + m] : T(0));
      if (direct) {
        gemm<T>(w, x, y, Mg, I, Cg, true, false, T(1), true, work);
        continue;
      }
      gemm<T>(w, x, col, Mg * K, I, Cg, true, false, T(1), false, work);
      col2im_add(col, y, Mg, p);
    }
}

ONNX2CPP_K_END
#endif
