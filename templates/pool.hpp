// onnx2cpp kernels: max, average and global pooling for 1 to 3 spatial dims.
#ifndef ONNX2CPP_K_POOL_HPP
#define ONNX2CPP_K_POOL_HPP

ONNX2CPP_K_BEGIN

// Spatial dims padded to 3 as in ConvParams; NC = batch * channels.
struct PoolParams {
  i64 NC;
  i64 in[3], out[3], k[3], stride[3], pad[3], pad_end[3], dil[3];
  bool count_include_pad;
};

// Max pooling over 2D planes without dilation, in two vectorizable passes per output row:
// the max over the window's rows into a row of scratch (`row`, in[2] elements), then over
// its columns (stride 1 and 2 spelled out so that the compiler vectorizes them). Same
// comparison as pool(): a NaN loses to the numbers before it.
inline bool max_pool_2d_fits(const PoolParams& p) {
  return p.in[0] == 1 && p.k[0] == 1 && p.dil[1] == 1 && p.dil[2] == 1 && p.pad[0] == 0;
}
// The identity of max: -inf, or the lowest value of an integer type (MaxPool takes int8/uint8).
template <class T>
inline T max_identity() {
  return std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::lowest();
}
template <class T>
inline T max_of(T a, T b) {
  return b > a ? b : a;
}
template <class T>
inline void max_cols(const T* __restrict t, T* __restrict y, i64 lo, i64 hi, i64 s, i64 off) {
  if (s == 1)
    for (i64 o = lo; o < hi; ++o) y[o] = max_of(y[o], t[o + off]);
  else if (s == 2)
    for (i64 o = lo; o < hi; ++o) y[o] = max_of(y[o], t[2 * o + off]);
  else
    for (i64 o = lo; o < hi; ++o) y[o] = max_of(y[o], t[o * s + off]);
}
template <class T>
inline void max_pool_2d(const T* X, T* Y, const PoolParams& p, T* row) {
  const i64 H = p.in[1], W = p.in[2], OH = p.out[1], OW = p.out[2], KH = p.k[1], KW = p.k[2];
  const i64 sy = p.stride[1], sx = p.stride[2], py = p.pad[1], px = p.pad[2];
  // Output columns whose window lies inside the row.
  const i64 lo = std::min(OW, (px + sx - 1) / sx);
  const i64 hi = std::max(lo, std::min(OW, W - KW + px < 0 ? 0 : (W - KW + px) / sx + 1));
  const T ninf = max_identity<T>();
  for (i64 nc = 0; nc < p.NC; ++nc) {
    const T* x = X + nc * H * W;
    for (i64 oy = 0; oy < OH; ++oy) {
      T* y = Y + (nc * OH + oy) * OW;
      const i64 iy0 = oy * sy - py;
      const i64 ky0 = std::max<i64>(0, -iy0), ky1 = std::min(KH, H - iy0);
      if (ky0 >= ky1) {
        for (i64 o = 0; o < OW; ++o) y[o] = ninf;
        continue;
      }
      const T* r0 = x + (iy0 + ky0) * W;
      for (i64 i = 0; i < W; ++i) row[i] = max_of(ninf, r0[i]);
      for (i64 ky = ky0 + 1; ky < ky1; ++ky) {
        const T* r = x + (iy0 + ky) * W;
        for (i64 i = 0; i < W; ++i) row[i] = max_of(row[i], r[i]);
      }
      for (i64 o = lo; o < hi; ++o) y[o] = row[o * sx - px];
      for (i64 kx = 1; kx < KW; ++kx) max_cols(row, y, lo, hi, sx, kx - px);
      for (i64 o = 0; o < OW; ++o) {  // windows that cross the row's ends
        if (o == lo) o = hi;
        if (o >= OW) break;
        T m = ninf;
        for (i64 kx = 0; kx < KW; ++kx) {
          const i64 i = o * sx - px + kx;
          if (i >= 0 && i < W) m = max_of(m, row[i]);
        }
        y[o] = m;
      }
    }
  }
}

// pool()'s kinds: max, average, and Lp: (sum |x|^norm_p)^(1/norm_p) over the window (norm_p > 0;
// ignored by the others).
enum PoolKind : int { kPoolMax = 0, kPoolAverage = 1, kPoolLp = 2 };

template <class T, int kind>
inline void pool(const T* X, T* Y, const PoolParams& p, double norm_p) {
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
                else acc += norm_p == 1 ? std::abs(v) : norm_p == 2 ? v * v : std::pow(std::abs(v), norm_p);
                ++count;
              }
            }
          }
          double r = acc;
          if (kind == 0 && count == 0) r = static_cast<double>(max_identity<T>());  // a window of padding alone
          if (kind == 1) r = acc / static_cast<double>(p.count_include_pad ? count + padded : count);
          if (kind == 2) r = norm_p == 1 ? acc : norm_p == 2 ? std::sqrt(acc) : std::pow(acc, 1.0 / norm_p);
          y[(o0 * p.out[1] + o1) * p.out[2] + o2] = static_cast<T>(r);
        }
  }
}

// MaxPool with its Indices output: Y as pool() computes it, I the position each maximum was
// read from, as a flat index into X (batch and channel included) whose spatial part is
// row-major (col_major false) or column-major (storage_order 1). The first of equal maxima
// wins; NaNs never do (as in pool()). A window with no number gives -inf and index -1.
template <class T>
inline void max_pool_indices(const T* X, T* Y, i64* I, const PoolParams& p, bool col_major) {
  const i64 S = p.in[0] * p.in[1] * p.in[2];
  const i64 O = p.out[0] * p.out[1] * p.out[2];
  const T ninf = max_identity<T>();
  for (i64 nc = 0; nc < p.NC; ++nc) {
    const T* x = X + nc * S;
    for (i64 o0 = 0; o0 < p.out[0]; ++o0)
      for (i64 o1 = 0; o1 < p.out[1]; ++o1)
        for (i64 o2 = 0; o2 < p.out[2]; ++o2) {
          const i64 s0 = o0 * p.stride[0] - p.pad[0];
          const i64 s1 = o1 * p.stride[1] - p.pad[1];
          const i64 s2 = o2 * p.stride[2] - p.pad[2];
          T m = ninf;
          i64 at = -1;
          for (i64 a = 0; a < p.k[0]; ++a) {
            const i64 i0 = s0 + a * p.dil[0];
            if (i0 < 0 || i0 >= p.in[0]) continue;
            for (i64 b = 0; b < p.k[1]; ++b) {
              const i64 i1 = s1 + b * p.dil[1];
              if (i1 < 0 || i1 >= p.in[1]) continue;
              for (i64 e = 0; e < p.k[2]; ++e) {
                const i64 i2 = s2 + e * p.dil[2];
                if (i2 < 0 || i2 >= p.in[2]) continue;
                const T v = x[(i0 * p.in[1] + i1) * p.in[2] + i2];
                if (v > m || (at < 0 && v == m)) {
                  m = v;
                  at = col_major ? i0 + (i1 + i2 * p.in[1]) * p.in[0] : (i0 * p.in[1] + i1) * p.in[2] + i2;
                }
              }
            }
          }
          const i64 o = nc * O + (o0 * p.out[1] + o1) * p.out[2] + o2;
          Y[o] = m;
          I[o] = at < 0 ? -1 : nc * S + at;
        }
  }
}

// MaxUnpool: Y (ny elements) zeroed, then x[i] written at the flat index idx[i] of the
// unpooled shape m.dims, at the same coordinates in Y (m.st: Y's strides; Y may be larger
// than the unpooled shape along its spatial dims). Indices outside the unpooled shape are
// dropped.
template <class T, class I>
inline void max_unpool(const T* x, const I* idx, T* Y, i64 nx, i64 ny, const Strided& m) {
  std::fill(Y, Y + ny, T(0));
  i64 total = 1;
  for (int k = 0; k < m.rank; ++k) total *= m.dims[k];
  for (i64 i = 0; i < nx; ++i) {
    i64 j = static_cast<i64>(idx[i]);
    if (j < 0 || j >= total) continue;
    i64 off = 0;
    for (int k = m.rank - 1; k >= 0; --k) {
      off += (j % m.dims[k]) * m.st[k];
      j /= m.dims[k];
    }
    Y[off] = x[i];
  }
}

// MaxUnpool with output_shape read at run time: out[r] (each dim at most `bound`) keeps the
// unpooled shape's batch and channels and extends its spatial dims; indices address the
// unpooled shape.
template <class T, class I, class S>
inline int max_unpool_data(const T* x, const I* idx, T* Y, i64 nx, const i64* unpooled, i64 r, const S* shape, i64 bound,
                           DimOut out) {
  i64 d[kMaxRank];
  Strided m{};
  m.rank = static_cast<int>(r);
  for (i64 i = 0; i < r; ++i) {
    d[i] = static_cast<i64>(shape[i]);
    if (i < 2 ? d[i] != unpooled[i] : d[i] < unpooled[i]) return ONNX2CPP_ERR_DATA_VALUE;
  }
  if (const int rc = set_data_dims(d, r, bound, out)) return rc;
  i64 ny = 1;
  for (i64 i = r - 1; i >= 0; --i) {
    m.dims[i] = unpooled[i];
    m.st[i] = ny;
    ny *= d[i];
  }
  if (ny > 0) max_unpool(x, idx, Y, nx, ny, m);
  return 0;
}

// Global average / max over S spatial elements per (n, c); NaN over none (numpy's mean of an
// empty array; Eigen's mean and max of no element would read one).
template <class T>
inline void global_avg_pool(const T* X, T* Y, i64 NC, i64 S) {
  for (i64 nc = 0; nc < NC; ++nc) Y[nc] = S ? CArrMap<T>(X + nc * S, S).mean() : std::numeric_limits<T>::quiet_NaN();
}
template <class T>
inline void global_max_pool(const T* X, T* Y, i64 NC, i64 S) {
  for (i64 nc = 0; nc < NC; ++nc) Y[nc] = S ? CArrMap<T>(X + nc * S, S).maxCoeff() : std::numeric_limits<T>::quiet_NaN();
}

ONNX2CPP_K_END
#endif
