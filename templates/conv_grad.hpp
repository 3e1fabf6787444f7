// onnx2cpp kernels: the gradient of a convolution's weights (the backward pass's
// ConvGradW, internal): per group, the sum over the batch of dY times the im2col matrix of X
// transposed, on the blocked GEMM. A ConvTranspose's weights take the same product with
// the roles of its input and output exchanged.
#ifndef ONNX2CPP_K_CONV_GRAD_HPP
#define ONNX2CPP_K_CONV_GRAD_HPP

ONNX2CPP_K_BEGIN

// col[(c*K + tap)][o] = x[c][o*stride - pad + tap*dil], 0 outside x: the inverse gather of
// col2im_add(), rows of conv_out_size(p) for each of the C channels of x and each tap. Along
// the innermost dim, the outputs whose input lies inside x form one range (zeros around it).
template <class T>
inline void im2col(const T* x, T* col, i64 C, const ConvParams& p) {
  const i64 I = p.in[0] * p.in[1] * p.in[2], O2 = p.out[2], s2 = p.stride[2];
  for (i64 c = 0; c < C; ++c)
    for (i64 a = 0; a < p.k[0]; ++a)
      for (i64 b = 0; b < p.k[1]; ++b)
        for (i64 e = 0; e < p.k[2]; ++e) {
          const T* xc = x + c * I;
          // o2 in [lo, hi) reads i2 = o2*s2 + first, inside [0, in[2]).
          const i64 first = e * p.dil[2] - p.pad[2];
          const i64 lo = first >= 0 ? 0 : std::min(O2, (-first + s2 - 1) / s2);
          const i64 hi = std::max(lo, std::min(O2, first < p.in[2] ? (p.in[2] - first + s2 - 1) / s2 : 0));
          for (i64 o0 = 0; o0 < p.out[0]; ++o0) {
            const i64 i0 = o0 * p.stride[0] - p.pad[0] + a * p.dil[0];
            for (i64 o1 = 0; o1 < p.out[1]; ++o1, col += O2) {
              const i64 i1 = o1 * p.stride[1] - p.pad[1] + b * p.dil[1];
              if (i0 < 0 || i0 >= p.in[0] || i1 < 0 || i1 >= p.in[1]) {
                fill(col, O2, T(0));
                continue;
              }
              const T* xr = xc + (i0 * p.in[1] + i1) * p.in[2];
              fill(col, lo, T(0));
              if (s2 == 1) std::memcpy(col + lo, xr + lo + first, sizeof(T) * static_cast<std::size_t>(hi - lo));
              else for (i64 o2 = lo; o2 < hi; ++o2) col[o2] = xr[o2 * s2 + first];
              fill(col + hi, O2 - hi, T(0));
            }
          }
        }
}

// A 1x1 kernel, stride 1, no padding: the im2col matrix is x itself.
inline bool conv_grad_w_direct(const ConvParams& p) {
  for (int d = 0; d < 3; ++d)
    if (p.k[d] != 1 || p.stride[d] != 1 || p.pad[d] != 0 || p.in[d] != p.out[d]) return false;
  return true;
}
inline i64 conv_grad_w_col_elems(const ConvParams& p) {
  return conv_grad_w_direct(p) ? 0 : (conv_kg(p) * conv_out_size(p) + 15) / 16 * 16;
}
// Elements of scratch conv_grad_w() needs: one im2col matrix and the GEMM's buffers.
inline i64 conv_grad_w_scratch(const ConvParams& p) {
  return conv_grad_w_col_elems(p) + gemm_scratch(p.M / p.group, conv_kg(p), conv_out_size(p));
}

// dW[M, C/group, k...] = sum over n of dY[n] (M x out, per group) times im2col(X[n])^T, for the
// convolution of X[N, C, in...] with parameters p into dY[N, M, out...].
template <class T>
inline void conv_grad_w(const T* X, const T* dY, T* dW, const ConvParams& p, T* scratch) {
  const i64 I = p.in[0] * p.in[1] * p.in[2], O = conv_out_size(p), KG = conv_kg(p);
  const i64 Cg = p.C / p.group, Mg = p.M / p.group;
  T* col = scratch;
  T* work = scratch + conv_grad_w_col_elems(p);
  const bool direct = conv_grad_w_direct(p);
  if (p.N == 0) fill(dW, p.M * KG, T(0));
  for (i64 g = 0; g < p.group; ++g)
    for (i64 n = 0; n < p.N; ++n) {
      const T* x = X + (n * p.C + g * Cg) * I;
      if (!direct) im2col(x, col, Cg, p);
      gemm<T>(dY + (n * p.M + g * Mg) * O, direct ? x : col, dW + g * Mg * KG, Mg, KG, O, false, true, T(1), n > 0, work);
    }
}

ONNX2CPP_K_END
#endif
