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

// Col2Im's geometry: input x[3] = [N, C * prod(block), L] summed into images [N, C, image[n]]
// (n <= 3 spatial dims; dil, strides, pads[2n] as the attributes give them): ConvParams with
// `in` the grid of blocks, `out` the image, `k` the block (real dims last). Returns 0, or
// kCol2ImBad (a size not positive, a block larger than the padded image), kCol2ImChannels
// (dim 1 not a multiple of the block's size) or kCol2ImBlocks (dim 2 not the number of blocks).
enum : int { kCol2ImBad = 1, kCol2ImChannels = 2, kCol2ImBlocks = 3 };
template <class I>
inline int col2im_geometry(const i64* x, i64 n, const I* image, const I* block, const i64* dil, const i64* strides,
                           const i64* pads, ConvParams* out) {
  ConvParams p{};
  i64 K = 1, L = 1;
  for (int d = 0; d < 3; ++d) p.in[d] = p.out[d] = p.k[d] = p.stride[d] = p.dil[d] = 1, p.pad[d] = 0;
  for (i64 d = 0; d < n; ++d) {
    const i64 im = static_cast<i64>(image[d]), bl = static_cast<i64>(block[d]);
    if (im < 0 || bl < 1 || dil[d] < 1 || strides[d] < 1) return kCol2ImBad;
    if (im > (i64{1} << 40) || bl > (i64{1} << 40)) return kCol2ImBad;
    const i64 span = im + pads[d] + pads[n + d] - (dil[d] * (bl - 1) + 1);
    if (span < 0) return kCol2ImBad;
    const i64 at = 3 - n + d;
    p.in[at] = span / strides[d] + 1;
    p.out[at] = im;
    p.k[at] = bl;
    p.stride[at] = strides[d];
    p.pad[at] = pads[d];
    p.dil[at] = dil[d];
    K *= bl;
    L *= p.in[at];
    if (K > (i64{1} << 40) || (x[1] > 0 && K > x[1])) return kCol2ImChannels;  // and no overflow
    if (L > x[2]) return kCol2ImBlocks;
  }
  if (x[1] % K) return kCol2ImChannels;
  if (x[2] != L) return kCol2ImBlocks;
  p.N = x[0];
  p.C = p.M = x[1] / K;
  p.group = 1;
  *out = p;
  return 0;
}

inline bool conv_transpose_direct(const ConvParams& p) {
  for (int d = 0; d < 3; ++d)
    if (p.k[d] != 1 || p.stride[d] != 1 || p.pad[d] != 0 || p.in[d] != p.out[d]) return false;
  return true;
}

// With stride 1 (a Conv's input gradient, a decoder's 3x3), the transposed convolution is the
// convolution of X by W flipped along its spatial dims, the channel roles exchanged per group,
// with leading pads dil*(k-1) - pad: conv()'s implicit GEMM, no column matrix to add up.
// Leading pads larger than dil*(k-1) crop more than a convolution pads: col2im then.
inline bool conv_transpose_as_conv(const ConvParams& p) {
  if (conv_transpose_direct(p)) return false;
  for (int d = 0; d < 3; ++d)
    if (p.stride[d] != 1 || p.pad[d] > p.dil[d] * (p.k[d] - 1)) return false;
  return true;
}
inline ConvParams conv_transpose_conv_params(const ConvParams& p) {
  ConvParams q = p;
  for (int d = 0; d < 3; ++d) q.pad[d] = p.dil[d] * (p.k[d] - 1) - p.pad[d];
  return q;
}
inline i64 conv_transpose_weight_elems(const ConvParams& p) {
  return ((p.C / p.group) * p.M * p.k[0] * p.k[1] * p.k[2] + 15) / 16 * 16;
}

inline i64 conv_transpose_col_elems(const ConvParams& p) {
  if (conv_transpose_direct(p)) return 0;
  const i64 n = (p.M / p.group) * p.k[0] * p.k[1] * p.k[2] * p.in[0] * p.in[1] * p.in[2];
  return (n + 15) / 16 * 16;
}
// Elements of scratch conv_transpose() needs: the flipped weights and conv()'s scratch, or the
// column matrix and the GEMM's buffers.
inline i64 conv_transpose_scratch(const ConvParams& p) {
  if (conv_transpose_as_conv(p)) return conv_transpose_weight_elems(p) + conv_scratch(conv_transpose_conv_params(p));
  const i64 K = p.k[0] * p.k[1] * p.k[2];
  return conv_transpose_col_elems(p) +
         gemm_scratch((p.M / p.group) * K, p.in[0] * p.in[1] * p.in[2], p.C / p.group);
}

// Wc[M, C/group, k...] of the convolution conv_transpose_as_conv() runs, from W[C, M/group, k...]:
// Wc[g*Mg + m][c][t] = W[g*Cg + c][m][K-1-t] (reversing every spatial dim reverses the tap index).
template <class T>
inline void conv_transpose_flip(const T* W, T* Wc, const ConvParams& p) {
  const i64 K = p.k[0] * p.k[1] * p.k[2], Cg = p.C / p.group, Mg = p.M / p.group;
  for (i64 g = 0; g < p.group; ++g)
    for (i64 m = 0; m < Mg; ++m)
      for (i64 c = 0; c < Cg; ++c) {
        const T* w = W + ((g * Cg + c) * Mg + m) * K;
        T* wc = Wc + ((g * Mg + m) * Cg + c) * K;
        for (i64 t = 0; t < K; ++t) wc[t] = w[K - 1 - t];
      }
}

// X[N,C,in...] with W[C, M/group, k...] and B[M] (or null) -> Y[N,M,out...].
template <class T>
inline void conv_transpose(const T* X, const T* W, const T* B, T* Y, const ConvParams& p, T* scratch) {
  if (conv_transpose_as_conv(p)) {
    conv_transpose_flip(W, scratch, p);
    return conv(X, scratch, B, Y, conv_transpose_conv_params(p), scratch + conv_transpose_weight_elems(p));
  }
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

// Col2Im with image_shape or block_shape read at run time: the output [N, C, image...] (each dim
// at most `bound`) zeroed, then the blocks summed in.
template <class T, class I>
inline int col2im_data(const T* X, T* Y, const i64* x, i64 n, const I* image, const I* block, const i64* dil,
                       const i64* strides, const i64* pads, i64 bound, DimOut out) {
  ConvParams p{};
  if (col2im_geometry(x, n, image, block, dil, strides, pads, &p)) return ONNX2CPP_ERR_DATA_VALUE;
  i64 d[kMaxRank] = {p.N, p.C};
  for (i64 i = 0; i < n; ++i) d[2 + i] = static_cast<i64>(image[i]);
  if (const int rc = set_data_dims(d, n + 2, bound, out)) return rc;
  const i64 total = p.N * p.C * conv_out_size(p);
  for (i64 i = 0; i < total; ++i) Y[i] = T(0);
  if (total > 0) col2im_add(X, Y, p.N * p.C, p);
  return 0;
}

ONNX2CPP_K_END
#endif
