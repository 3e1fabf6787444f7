// onnx2cpp kernels: convolution as (im2col +) GEMM, for 1 to 3 spatial dims. needs: common.hpp gemm.hpp
#ifndef ONNX2CPP_K_CONV_HPP
#define ONNX2CPP_K_CONV_HPP

ONNX2CPP_K_BEGIN

// Spatial dims are padded to 3 with size-1 dims (in=out=k=stride=dil=1, pad=0).
struct ConvParams {
  i64 N, C, M, group;
  i64 in[3], out[3], k[3], stride[3], pad[3], dil[3];
};

inline bool conv_is_pointwise(const ConvParams& p) {
  for (int d = 0; d < 3; ++d)
    if (p.k[d] != 1 || p.stride[d] != 1 || p.pad[d] != 0) return false;
  return true;
}

// col[(c*k0+a)*k1+b)*k2+e][o] = x[c][o*stride - pad + tap*dil] or 0 outside.
template <class T>
inline void im2col(const T* x, T* col, i64 C, const ConvParams& p) {
  const i64 O = p.out[0] * p.out[1] * p.out[2];
  for (i64 c = 0; c < C; ++c)
    for (i64 a = 0; a < p.k[0]; ++a)
      for (i64 b = 0; b < p.k[1]; ++b)
        for (i64 e = 0; e < p.k[2]; ++e) {
          T* row = col + (((c * p.k[0] + a) * p.k[1] + b) * p.k[2] + e) * O;
          const T* xc = x + c * p.in[0] * p.in[1] * p.in[2];
          for (i64 o0 = 0; o0 < p.out[0]; ++o0) {
            const i64 i0 = o0 * p.stride[0] - p.pad[0] + a * p.dil[0];
            for (i64 o1 = 0; o1 < p.out[1]; ++o1) {
              const i64 i1 = o1 * p.stride[1] - p.pad[1] + b * p.dil[1];
              T* dst = row + (o0 * p.out[1] + o1) * p.out[2];
              if (i0 < 0 || i0 >= p.in[0] || i1 < 0 || i1 >= p.in[1]) {
                std::fill(dst, dst + p.out[2], T(0));
                continue;
              }
              const T* src = xc + (i0 * p.in[1] + i1) * p.in[2];
              for (i64 o2 = 0; o2 < p.out[2]; ++o2) {
                const i64 i2 = o2 * p.stride[2] - p.pad[2] + e * p.dil[2];
                dst[o2] = (i2 >= 0 && i2 < p.in[2]) ? src[i2] : T(0);
              }
            }
          }
        }
}

inline i64 conv_col_elems(const ConvParams& p) {
  if (conv_is_pointwise(p)) return 0;
  const i64 n = (p.C / p.group) * p.k[0] * p.k[1] * p.k[2] * p.out[0] * p.out[1] * p.out[2];
  return (n + 15) / 16 * 16;
}
// Elements of scratch conv() needs: the im2col matrix (none for pointwise convolutions)
// and the GEMM's packing buffers.
inline i64 conv_scratch(const ConvParams& p) {
  const i64 Kg = (p.C / p.group) * p.k[0] * p.k[1] * p.k[2];
  return conv_col_elems(p) + gemm_scratch(p.M / p.group, p.out[0] * p.out[1] * p.out[2], Kg);
}

// X[N,C,in...] * W[M,C/group,k...] + B[M] -> Y[N,M,out...]; B may be null.
template <class T>
inline void conv(const T* X, const T* W, const T* B, T* Y, const ConvParams& p, T* scratch) {
  T* col = scratch;
  T* work = scratch + conv_col_elems(p);
  const i64 I = p.in[0] * p.in[1] * p.in[2];
  const i64 O = p.out[0] * p.out[1] * p.out[2];
  const i64 Cg = p.C / p.group, Mg = p.M / p.group;
  const i64 Kg = Cg * p.k[0] * p.k[1] * p.k[2];
  const bool pointwise = conv_is_pointwise(p);
  for (i64 n = 0; n < p.N; ++n)
    for (i64 g = 0; g < p.group; ++g) {
      const T* x = X + (n * p.C + g * Cg) * I;
      T* y = Y + (n * p.M + g * Mg) * O;
      const T* cols = x;
      if (!pointwise) {
        im2col(x, col, Cg, p);
        cols = col;
      }
      if (B) {
        MatMap<T> ym(y, Mg, O);
        for (i64 m = 0; m < Mg; ++m) ym.row(m).setConstant(B[g * Mg + m]);
      }
      gemm<T>(W + g * Mg * Kg, cols, y, Mg, O, Kg, false, false, T(1), B != nullptr, work);
    }
}

ONNX2CPP_K_END
#endif
