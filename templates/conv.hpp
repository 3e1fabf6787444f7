// onnx2cpp kernels: convolution as tiled im2col + GEMM, for 1 to 3 spatial dims. needs: common.hpp gemm.hpp
#ifndef ONNX2CPP_K_CONV_HPP
#define ONNX2CPP_K_CONV_HPP

ONNX2CPP_K_BEGIN

// Spatial dims are padded to 3 with leading size-1 dims (in=out=k=stride=dil=1, pad=0).
struct ConvParams {
  i64 N, C, M, group;
  i64 in[3], out[3], k[3], stride[3], pad[3], dil[3];
};

inline bool conv_is_pointwise(const ConvParams& p) {
  for (int d = 0; d < 3; ++d)
    if (p.k[d] != 1 || p.stride[d] != 1 || p.pad[d] != 0) return false;
  return true;
}
inline i64 conv_out_size(const ConvParams& p) { return p.out[0] * p.out[1] * p.out[2]; }
inline i64 conv_kg(const ConvParams& p) { return (p.C / p.group) * p.k[0] * p.k[1] * p.k[2]; }

// Output positions per im2col tile: the column matrix of a large convolution (a 9x9 kernel
// over 32 channels at 224x224 would take 520 MB) is built a bounded tile at a time.
inline i64 conv_tile(const ConvParams& p) {
  const i64 O = conv_out_size(p);
  if (conv_is_pointwise(p)) return O;
  i64 t = (i64(1) << 20) / conv_kg(p);  // about 1M elements of columns
  t = t < 64 ? 64 : t / 16 * 16;
  return t < O ? t : O;
}
inline i64 conv_col_elems(const ConvParams& p) {
  if (conv_is_pointwise(p)) return 0;
  return (conv_kg(p) * conv_tile(p) + 15) / 16 * 16;
}
// Elements of scratch conv() needs: one im2col tile and the GEMM's packing buffers.
inline i64 conv_scratch(const ConvParams& p) {
  const i64 Mg = p.M / p.group;
  return conv_col_elems(p) + (Mg > 1 ? gemm_packed_scratch(Mg, conv_tile(p), conv_kg(p)) : 0);
}

// col[row][j] for output positions o = ob .. ob+n-1, row = ((c*k0+a)*k1+b)*k2+e:
// x[c][o*stride - pad + tap*dil], 0 outside the input.
template <class T>
inline void im2col_tile(const T* x, T* col, i64 C, const ConvParams& p, i64 ob, i64 n) {
  const i64 I = p.in[0] * p.in[1] * p.in[2];
  const i64 q0b = ob / (p.out[1] * p.out[2]), q1b = (ob / p.out[2]) % p.out[1], q2b = ob % p.out[2];
  T* row = col;
  for (i64 c = 0; c < C; ++c)
    for (i64 a = 0; a < p.k[0]; ++a)
      for (i64 b = 0; b < p.k[1]; ++b)
        for (i64 e = 0; e < p.k[2]; ++e, row += n) {
          const T* xc = x + c * I;
          i64 q0 = q0b, q1 = q1b, q2 = q2b;
          for (i64 j = 0; j < n;) {
            // One run along the innermost output dim.
            const i64 i0 = q0 * p.stride[0] - p.pad[0] + a * p.dil[0];
            const i64 i1 = q1 * p.stride[1] - p.pad[1] + b * p.dil[1];
            const i64 run = std::min(n - j, p.out[2] - q2);
            T* dst = row + j;
            if (i0 < 0 || i0 >= p.in[0] || i1 < 0 || i1 >= p.in[1]) {
              std::fill(dst, dst + run, T(0));
            } else {
              const T* src = xc + (i0 * p.in[1] + i1) * p.in[2];
              const i64 base = q2 * p.stride[2] - p.pad[2] + e * p.dil[2];
              for (i64 t = 0; t < run; ++t) {
                const i64 i2 = base + t * p.stride[2];
                dst[t] = (i2 >= 0 && i2 < p.in[2]) ? src[i2] : T(0);
              }
            }
            j += run;
            q2 = 0;
            if (++q1 == p.out[1]) {
              q1 = 0;
              ++q0;
            }
          }
        }
}

// X[N,C,in...] * W[M,C/group,k...] + B[M] -> Y[N,M,out...]; B may be null.
// scratch: conv_scratch(p) elements, 64-byte aligned.
template <class T>
inline void conv(const T* X, const T* W, const T* B, T* Y, const ConvParams& p, T* scratch) {
  const i64 I = p.in[0] * p.in[1] * p.in[2];
  const i64 O = conv_out_size(p);
  const i64 Cg = p.C / p.group, Mg = p.M / p.group, Kg = conv_kg(p);
  const i64 tile = conv_tile(p);
  const bool pointwise = conv_is_pointwise(p);
  T* col = scratch;
  T* work = scratch + conv_col_elems(p);
  for (i64 n = 0; n < p.N; ++n)
    for (i64 g = 0; g < p.group; ++g) {
      const T* x = X + (n * p.C + g * Cg) * I;
      const T* w = W + g * Mg * Kg;
      T* y = Y + (n * p.M + g * Mg) * O;
      MatMap<T> ym(y, Mg, O);
      if (B) {
        for (i64 m = 0; m < Mg; ++m) ym.row(m).setConstant(B[g * Mg + m]);
      } else {
        ym.setZero();
      }
      for (i64 ob = 0; ob < O; ob += tile) {
        const i64 tn = std::min(tile, O - ob);
        const T* cols = x + ob;
        i64 ldb = O;
        if (!pointwise) {
          im2col_tile(x, col, Cg, p, ob, tn);
          cols = col;
          ldb = tn;
        }
        if (Mg == 1) {  // matrix-vector: Eigen's GEMV on plain maps, no packing
          Eigen::Map<const RowMat<T>, 0, Eigen::OuterStride<>> cm(cols, Kg, tn, Eigen::OuterStride<>(ldb));
          Eigen::Map<Eigen::Matrix<T, 1, Eigen::Dynamic>> yv(y + ob, tn);
          yv.noalias() += Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>>(w, Kg) * cm;
        } else {
          gemm_packed<T, Eigen::RowMajor, Eigen::RowMajor>(w, Kg, cols, ldb, y + ob, O, Mg, tn, Kg, T(1),
                                                           work);
        }
      }
    }
}

ONNX2CPP_K_END
#endif
