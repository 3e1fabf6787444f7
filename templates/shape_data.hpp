// onnx2cpp kernels for ops whose output shape an input's values decide when that input is
// known only at run time: Reshape's shape, Squeeze's and Unsqueeze's axes, a reduction's
// axes, Slice's starts/ends/axes/steps, Split's sizes, TopK's K. Each kernel checks the
// values as the spec does, writes the output's dims into the generated code's run-time dims
// (DimOut, or one count) and computes the output dense at those dims. Buffers are planned for
// the most each dim can be (`bound`, derived at compile time from the input's shape): values
// the op cannot take return ONNX2CPP_ERR_DATA_VALUE, dims above their bound
// ONNX2CPP_ERR_DATA_SHAPE, and nothing is written past a buffer.
#ifndef ONNX2CPP_K_SHAPE_DATA_HPP
#define ONNX2CPP_K_SHAPE_DATA_HPP

ONNX2CPP_K_BEGIN

// An axis from the data, normalized against rank r; false when out of [-r, r).
template <class I>
inline bool data_axis(I a, i64 r, i64* out) {
  const i64 v = static_cast<i64>(a);
  if (v < -r || v >= r) return false;
  *out = v < 0 ? v + r : v;
  return true;
}

// ---- Reshape --------------------------------------------------------------------------------
// The dims of in[r] reshaped to shape[n]: 0 copies the input's dim (a zero with allowzero),
// one -1 takes what the others leave. Data only: the output is the input's bytes.
template <class I>
inline int reshape_dims(const i64* in, i64 r, const I* shape, i64 n, bool allowzero, i64 bound, DimOut out) {
  i64 total = 1, known = 1, infer_at = -1;
  for (i64 i = 0; i < r; ++i) total *= in[i];
  i64 d[kMaxRank];
  for (i64 i = 0; i < n; ++i) {
    d[i] = static_cast<i64>(shape[i]);
    if (d[i] == 0 && !allowzero) {
      if (i >= r) return ONNX2CPP_ERR_DATA_VALUE;
      d[i] = in[i];
    }
    if (d[i] == -1) {
      if (infer_at >= 0) return ONNX2CPP_ERR_DATA_VALUE;
      infer_at = i;
      continue;
    }
    if (d[i] < 0) return ONNX2CPP_ERR_DATA_VALUE;
    if (d[i] > bound) return ONNX2CPP_ERR_DATA_SHAPE;
    if (d[i] > 0 && known > INT64_MAX / d[i]) return ONNX2CPP_ERR_DATA_VALUE;  // no overflow (an empty input: a 0 may follow)
    known *= d[i];
  }
  if (infer_at >= 0) {
    if (known == 0 || total % known) return ONNX2CPP_ERR_DATA_VALUE;
    d[infer_at] = total / known;
    known = total;
  }
  if (known != total) return ONNX2CPP_ERR_DATA_VALUE;
  return set_data_dims(d, n, bound, out);
}

// ---- Squeeze / Unsqueeze --------------------------------------------------------------------
// in[r] without the axes[n] (each of size 1, none twice).
template <class I>
inline int squeeze_dims(const i64* in, i64 r, const I* axes, i64 n, i64 bound, DimOut out) {
  bool drop[kMaxRank] = {};
  for (i64 i = 0; i < n; ++i) {
    i64 a = 0;
    if (!data_axis(axes[i], r, &a) || drop[a] || in[a] != 1) return ONNX2CPP_ERR_DATA_VALUE;
    drop[a] = true;
  }
  i64 d[kMaxRank], m = 0;
  for (i64 i = 0; i < r; ++i)
    if (!drop[i]) d[m++] = in[i];
  return set_data_dims(d, m, bound, out);
}

// in[r] with a 1 inserted at each of axes[n] (of the output's rank r + n, none twice).
template <class I>
inline int unsqueeze_dims(const i64* in, i64 r, const I* axes, i64 n, i64 bound, DimOut out) {
  const i64 rank = r + n;
  bool one[kMaxRank] = {};
  for (i64 i = 0; i < n; ++i) {
    i64 a = 0;
    if (!data_axis(axes[i], rank, &a) || one[a]) return ONNX2CPP_ERR_DATA_VALUE;
    one[a] = true;
  }
  i64 d[kMaxRank], j = 0;
  for (i64 i = 0; i < rank; ++i) d[i] = one[i] ? 1 : in[j++];
  return set_data_dims(d, rank, bound, out);
}

// ---- Reductions -----------------------------------------------------------------------------
// X[in[r]] reduced over axes[n] (none twice; n >= 1) into Y, kept as 1s with keepdims.
template <class T, template <class> class R, class I>
inline int reduce_axes(const T* X, T* Y, const i64* in, i64 r, const I* axes, i64 n, bool keepdims, i64 bound,
                       DimOut out) {
  bool red[kMaxRank] = {};
  for (i64 i = 0; i < n; ++i) {
    i64 a = 0;
    if (!data_axis(axes[i], r, &a) || red[a]) return ONNX2CPP_ERR_DATA_VALUE;
    red[a] = true;
  }
  Strided keep{}, over{};
  i64 d[kMaxRank], m = 0, st = 1;
  for (i64 i = r - 1; i >= 0; --i) {
    Strided& s = red[i] ? over : keep;
    s.dims[s.rank] = in[i];
    s.st[s.rank++] = st;
    st *= in[i];
  }
  std::reverse(keep.dims, keep.dims + keep.rank);
  std::reverse(keep.st, keep.st + keep.rank);
  std::reverse(over.dims, over.dims + over.rank);
  std::reverse(over.st, over.st + over.rank);
  for (i64 i = 0; i < r; ++i)
    if (!red[i] || keepdims) d[m++] = red[i] ? 1 : in[i];
  if (const int rc = set_data_dims(d, m, bound, out)) return rc;
  reduce_strided<T, R>(X, Y, keep, over);
  return 0;
}

// ---- Slice ----------------------------------------------------------------------------------
// X[in[r]] sliced as ONNX Slice does: starts/ends[n] clamped per axis (axes[n], default
// 0..n-1; steps[n], default 1, never 0), into Y dense at the result's dims.
template <class T, class I>
inline int slice_data(const T* X, T* Y, const i64* in, i64 r, const I* starts, const I* ends, const I* axes,
                      const I* steps, i64 n, DimOut out) {
  i64 lo[kMaxRank], step[kMaxRank], d[kMaxRank];
  bool seen[kMaxRank] = {};
  for (i64 i = 0; i < r; ++i) {
    lo[i] = 0;
    step[i] = 1;
    d[i] = in[i];
  }
  for (i64 i = 0; i < n; ++i) {
    i64 a = i;
    if (axes && !data_axis(axes[i], r, &a)) return ONNX2CPP_ERR_DATA_VALUE;
    if (a >= r || seen[a]) return ONNX2CPP_ERR_DATA_VALUE;
    seen[a] = true;
    const i64 k = steps ? static_cast<i64>(steps[i]) : 1;
    if (k == 0) return ONNX2CPP_ERR_DATA_VALUE;
    const i64 dim = in[a];
    i64 s = static_cast<i64>(starts[i]), e = static_cast<i64>(ends[i]);
    if (s < 0) s += dim;
    if (e < 0) e += dim;
    if (k > 0) {
      s = std::max<i64>(0, std::min(s, dim));
      e = std::max<i64>(0, std::min(e, dim));
      d[a] = e > s ? 1 + (e - s - 1) / k : 0;
    } else {
      const i64 mag = k == std::numeric_limits<i64>::min() ? std::numeric_limits<i64>::max() : -k;
      s = std::max<i64>(-1, std::min(s, dim - 1));
      e = std::max<i64>(-1, std::min(e, dim - 1));
      d[a] = s > e ? 1 + (s - e - 1) / mag : 0;
    }
    lo[a] = s;
    step[a] = d[a] > 1 ? k : 1;  // a step past the end takes one element: no stride overflows
  }
  // A slice is never larger than its input: its dims are within their bounds.
  if (const int rc = set_data_dims(d, r, std::numeric_limits<i64>::max(), out)) return rc;
  for (i64 i = 0; i < r; ++i)
    if (d[i] == 0) return 0;  // empty: the starts may point past the end
  Strided v{};
  v.rank = static_cast<int>(r);
  i64 st = 1, off = 0;
  for (i64 i = r - 1; i >= 0; --i) {
    v.dims[i] = d[i];
    v.st[i] = st * step[i];
    off += lo[i] * st;
    st *= in[i];
  }
  strided_copy(X + off, Y, v);
  return 0;
}

// ---- Split ----------------------------------------------------------------------------------
// Part `part` of X viewed as [outer, a, inner] split along a into sizes split[n] (each >= 0,
// summing to a): Y [outer, split[part], inner], its size written to *count.
template <class T, class I>
inline int split_part(const T* X, T* Y, i64 outer, i64 a, i64 inner, const I* split, i64 n, i64 part, i64* count) {
  i64 sum = 0, from = 0;
  for (i64 i = 0; i < n; ++i) {
    const i64 s = static_cast<i64>(split[i]);
    if (s < 0 || s > a) return ONNX2CPP_ERR_DATA_VALUE;
    if (i < part) from += s;
    sum += s;
  }
  if (sum != a) return ONNX2CPP_ERR_DATA_VALUE;
  const i64 len = static_cast<i64>(split[part]);
  *count = len;
  copy_rows(X + from * inner, Y, outer, len * inner, a * inner, len * inner);
  return 0;
}

// ---- TopK -----------------------------------------------------------------------------------
// TopK with K from the data (0 <= K <= n): k::topk at that K, which is written to *count
// (null: the caller knows K as a dim already).
template <class T, class I>
inline int topk_data(const T* X, T* V, std::int64_t* Ix, i64 outer, i64 n, i64 inner, const I* k, bool largest,
                     i64* work, i64* count) {
  const i64 kk = static_cast<i64>(k[0]);
  if (kk < 0 || kk > n) return ONNX2CPP_ERR_DATA_VALUE;
  if (count) *count = kk;
  topk(X, V, Ix, outer, n, inner, kk, largest, work);
  return 0;
}

// CenterCropPad: each of axes[n] (distinct, normalized) cropped or zero-padded to sizes[n],
// centered (a crop starts (d - size) / 2 in, a pad puts the input (size - d) / 2 in): Pad's
// constant mode with the pads that does.
template <class T, class I>
inline int center_crop_pad_data(const T* X, T* Y, const i64* in, i64 r, const I* sizes, const i64* axes, i64 n,
                                i64 bound, DimOut out) {
  std::int64_t pads[2 * kMaxRank] = {0};
  for (i64 i = 0; i < n; ++i) {
    const i64 a = axes[i], s = static_cast<i64>(sizes[i]), d = in[a];
    if (s < 0) return ONNX2CPP_ERR_DATA_VALUE;
    if (s > bound) return ONNX2CPP_ERR_DATA_SHAPE;
    const i64 begin = s >= d ? (s - d) / 2 : -((d - s) / 2);
    pads[a] = begin;
    pads[a + r] = s - d - begin;
  }
  return pad_data(X, Y, in, r, pads, static_cast<const std::int64_t*>(nullptr), r, 0, static_cast<const T*>(nullptr),
                  bound, out);
}

// ---- DFT ----------------------------------------------------------------------------------
// DFT along axis[0] of X[in[r]] (r >= 2, the last dim 1 or 2; the axis one of the others) as
// k::dft computes it: L = length (> 0) when given (>= 0), else the axis' size (2 (n - 1) for
// the inverse of a one-sided signal). tw: 2 * most_L doubles; bound: the most an output dim may be.
template <class T, class I>
inline int dft_data(const T* X, T* Y, const i64* in, i64 r, const I* axis, i64 length, bool inverse, bool onesided,
                    i64 most_L, i64 bound, double* tw, DimOut out) {
  i64 a = 0;
  if (!data_axis(axis[0], r, &a) || a > r - 2) return ONNX2CPP_ERR_DATA_VALUE;
  const bool half = inverse && onesided;
  const i64 n = in[a], L = length >= 0 ? length : half ? 2 * (n - 1) : n;
  if (L <= 0) return ONNX2CPP_ERR_DATA_VALUE;
  if (L > most_L) return ONNX2CPP_ERR_DATA_SHAPE;
  const i64 n_out = inverse ? L : onesided ? L / 2 + 1 : L, cout = half ? 1 : 2;
  i64 d[kMaxRank], outer = 1, inner = 1;
  for (i64 i = 0; i < r; ++i) {
    d[i] = i == a ? n_out : i == r - 1 ? cout : in[i];
    if (i < a) outer *= in[i];
    if (i > a && i < r - 1) inner *= in[i];
  }
  if (const int rc = set_data_dims(d, r, bound, out)) return rc;
  i64 total = 1;
  for (i64 i = 0; i < r; ++i) total *= d[i];
  if (total == 0) return 0;
  dft(X, Y, outer, n, inner, in[r - 1], L, n_out, cout, inverse ? 1 : -1, half, tw);
  return 0;
}

// ---- Shapes with no bound in the input's shape (--max NAME=N gives it) ----------------------

// ConstantOfShape: dims shape[n], each in [0, bound].
template <class I>
inline int shape_dims(const I* shape, i64 n, i64 bound, DimOut out) {
  i64 d[kMaxRank];
  for (i64 i = 0; i < n; ++i) {
    d[i] = static_cast<i64>(shape[i]);
    if (d[i] < 0) return ONNX2CPP_ERR_DATA_VALUE;
  }
  return set_data_dims(d, n, bound, out);
}

// Expand: X[in[r]] broadcast with shape[n] (numpy rules: a pair of dims is equal or one is 1).
template <class T, class I>
inline int expand_data(const T* X, T* Y, const i64* in, i64 r, const I* shape, i64 n, i64 bound, DimOut out) {
  const i64 rank = r > n ? r : n;
  i64 d[kMaxRank];
  Strided v{};
  v.rank = static_cast<int>(rank);
  i64 st = 1;
  for (i64 i = rank - 1; i >= 0; --i) {
    const i64 a = i - (rank - r), b = i - (rank - n);  // the input's and the shape's dim at i
    const i64 x = a >= 0 ? in[a] : 1, s = b >= 0 ? static_cast<i64>(shape[b]) : 1;
    if (s < 0 || (x != s && x != 1 && s != 1)) return ONNX2CPP_ERR_DATA_VALUE;
    d[i] = x == 1 ? s : x;
    v.dims[i] = d[i];
    v.st[i] = x == 1 ? 0 : st;
    st *= x;
  }
  if (const int rc = set_data_dims(d, rank, bound, out)) return rc;
  strided_copy(X, Y, v);
  return 0;
}

// Tile: X[in[r]] repeated repeats[r] times along each dim (repeats >= 0).
template <class T, class I>
inline int tile_data(const T* X, T* Y, const i64* in, i64 r, const I* repeats, i64 bound, DimOut out) {
  i64 d[kMaxRank], total = 1;
  for (i64 i = 0; i < r; ++i) {
    const i64 k = static_cast<i64>(repeats[i]);
    if (k < 0) return ONNX2CPP_ERR_DATA_VALUE;
    if (k > 0 && in[i] > bound / k) return ONNX2CPP_ERR_DATA_SHAPE;
    d[i] = in[i] * k;
    total *= d[i];
  }
  if (const int rc = set_data_dims(d, r, bound, out)) return rc;
  i64 idx[kMaxRank] = {0};
  for (i64 o = 0; o < total; ++o) {  // y[idx] = x[idx mod in], the index counted row-major
    i64 src = 0;
    for (i64 i = 0; i < r; ++i) src = src * in[i] + idx[i] % in[i];
    Y[o] = X[src];
    for (i64 i = r - 1; i >= 0 && ++idx[i] == d[i]; --i) idx[i] = 0;
  }
  return 0;
}

// Range: start, start + delta, ... before limit (the count in double for floats; exact for
// integers), at most bound elements.
template <class T>
inline int range_data(const T* start, const T* limit, const T* delta, T* Y, i64 bound, i64* count) {
  i64 n = 0;
  if constexpr (std::is_floating_point<T>::value) {
    const double s = static_cast<double>(start[0]), l = static_cast<double>(limit[0]), d = static_cast<double>(delta[0]);
    const double cnt = std::ceil((l - s) / d);
    if (d == 0 || cnt != cnt) return ONNX2CPP_ERR_DATA_VALUE;
    if (cnt > static_cast<double>(bound)) return ONNX2CPP_ERR_DATA_SHAPE;
    n = cnt > 0 ? static_cast<i64>(cnt) : 0;
    for (i64 i = 0; i < n; ++i) Y[i] = static_cast<T>(s + static_cast<double>(i) * d);
  } else {
    const i64 s = static_cast<i64>(start[0]), l = static_cast<i64>(limit[0]), d = static_cast<i64>(delta[0]);
    if (d == 0) return ONNX2CPP_ERR_DATA_VALUE;
    using U = std::uint64_t;  // ceil(|l - s| / |d|), exact for any values
    const U span = d > 0 ? (l > s ? static_cast<U>(l) - static_cast<U>(s) : 0) : (l < s ? static_cast<U>(s) - static_cast<U>(l) : 0);
    const U step = d > 0 ? static_cast<U>(d) : 0 - static_cast<U>(d);
    const U cnt = span / step + (span % step != 0);
    if (cnt > static_cast<U>(bound)) return ONNX2CPP_ERR_DATA_SHAPE;
    n = static_cast<i64>(cnt);
    for (i64 i = 0; i < n; ++i) Y[i] = static_cast<T>(s + i * d);
  }
  *count = n;
  return 0;
}

// Range of float16 or bfloat16 (H; version 27), as the reference computes it: numpy's arange
// in the stash type S (float or double): the count ceil((l - s) / d) in double, y[0] = s,
// y[1] = S(s + d), y[i] = y[0] + S(i) * (y[1] - y[0]) in S, each rounded to H (to nearest
// even; bfloat16 from double through float, as ml_dtypes does). Returns the count (-1 for a
// delta of 0 or a NaN count) and writes the values when it is at most `bound`.
template <class S, class H>
inline i64 range_low_precision(double s, double l, double d, H* y, i64 bound) {
  const double cnt = std::ceil((l - s) / d);
  if (d == 0 || cnt != cnt) return -1;
  if (cnt > static_cast<double>(bound)) return static_cast<i64>(std::min(cnt, 9.0e18));
  const i64 n = cnt > 0 ? static_cast<i64>(cnt) : 0;
  const S a0 = static_cast<S>(s), a1 = static_cast<S>(s + d), step = a1 - a0;
  for (i64 i = 0; i < n; ++i) {
    const S v = i == 0 ? a0 : i == 1 ? a1 : static_cast<S>(a0 + static_cast<S>(i) * step);
    y[i] = std::is_same<H, bfloat16>::value ? H(static_cast<float>(v)) : H(v);
  }
  return n;
}

// Range of float16 or bfloat16 read at run time (range_low_precision; stash: double when true).
template <class H>
inline int range_low_data(const H* start, const H* limit, const H* delta, H* Y, bool stash_double, i64 bound, i64* count) {
  const double s = static_cast<float>(start[0]), l = static_cast<float>(limit[0]), d = static_cast<float>(delta[0]);
  const i64 n = stash_double ? range_low_precision<double>(s, l, d, Y, bound) : range_low_precision<float>(s, l, d, Y, bound);
  if (n < 0) return ONNX2CPP_ERR_DATA_VALUE;
  if (n > bound) return ONNX2CPP_ERR_DATA_SHAPE;
  *count = n;
  return 0;
}

// OneHot: depth (a number of any type, truncated) in [1, bound], then k::one_hot.
template <class I, class D, class T>
inline int one_hot_data(const I* idx, const D* depth, const T* values, T* Y, i64 outer, i64 inner, i64 bound, i64* count) {
  const double dd = static_cast<double>(depth[0]);
  if (!(dd >= 1)) return ONNX2CPP_ERR_DATA_VALUE;
  if (dd >= static_cast<double>(bound) + 1) return ONNX2CPP_ERR_DATA_SHAPE;
  const i64 n = static_cast<i64>(dd);
  *count = n;
  one_hot(idx, values, Y, outer, n, inner);
  return 0;
}

// HannWindow, HammingWindow, BlackmanWindow of size[0] elements (at most bound):
// a0 - a1 cos(2 pi n / N1) + a2 cos(4 pi n / N1), N1 = size (periodic) or size - 1, in double.
template <class T, class I>
inline int window_data(const I* size, double a0, double a1, double a2, bool periodic, T* Y, i64 bound, i64* count) {
  const i64 n = static_cast<i64>(size[0]);
  if (n < 0) return ONNX2CPP_ERR_DATA_VALUE;
  if (n > bound) return ONNX2CPP_ERR_DATA_SHAPE;
  const double n1 = static_cast<double>(periodic ? n : n - 1), pi = 3.14159265358979323846;
  for (i64 i = 0; i < n; ++i) {
    const double t = 2.0 * pi * static_cast<double>(i) / n1;
    Y[i] = static_cast<T>(a0 - a1 * std::cos(t) + a2 * std::cos(2.0 * t));
  }
  *count = n;
  return 0;
}

// Pad: X[in[r]] with pads[2n] on axes[n] (default 0..r-1; null: all), mode 0 constant (value[0],
// 0 when null), 1 reflect, 2 edge, 3 wrap. Negative pads crop first (as onnxruntime does); the
// other modes then pad the cropped extent, which must not be empty.
template <class T, class I>
inline int pad_data(const T* X, T* Y, const i64* in, i64 r, const std::int64_t* pads, const I* axes, i64 n, int mode,
                    const T* value, i64 bound, DimOut out) {
  i64 pb[kMaxRank] = {0}, pe[kMaxRank] = {0}, d[kMaxRank], lo[kMaxRank], kept[kMaxRank];
  bool seen[kMaxRank] = {};
  for (i64 i = 0; i < n; ++i) {
    i64 a = i;
    if (axes && !data_axis(axes[i], r, &a)) return ONNX2CPP_ERR_DATA_VALUE;
    if (a >= r || seen[a]) return ONNX2CPP_ERR_DATA_VALUE;
    seen[a] = true;
    pb[a] = pads[i];
    pe[a] = pads[i + n];
  }
  i64 total = 1;
  for (i64 i = 0; i < r; ++i) {
    if (pb[i] < -in[i] || pe[i] < -in[i]) return ONNX2CPP_ERR_DATA_VALUE;  // crops more than the dim holds
    if (pb[i] > bound || pe[i] > bound) return ONNX2CPP_ERR_DATA_SHAPE;
    lo[i] = pb[i] < 0 ? -pb[i] : 0;
    kept[i] = in[i] - lo[i] - (pe[i] < 0 ? -pe[i] : 0);
    if (kept[i] < 0) return ONNX2CPP_ERR_DATA_VALUE;
    d[i] = kept[i] + (pb[i] > 0 ? pb[i] : 0) + (pe[i] > 0 ? pe[i] : 0);
    if (mode != 0 && kept[i] == 0 && d[i] > 0) return ONNX2CPP_ERR_DATA_VALUE;
    if (pb[i] < 0) pb[i] = 0;
  }
  if (const int rc = set_data_dims(d, r, bound, out)) return rc;
  for (i64 i = 0; i < r; ++i) total *= d[i];
  const T fill = value ? value[0] : T(0);
  i64 idx[kMaxRank] = {0};
  for (i64 o = 0; o < total; ++o) {
    i64 src = 0;
    bool inside = true;
    for (i64 i = 0; i < r; ++i) {
      i64 c = idx[i] - pb[i];  // within the kept extent when in [0, kept)
      const i64 k = kept[i];
      if (c < 0 || c >= k) {
        if (mode == 0) inside = false;
        else if (mode == 2) c = c < 0 ? 0 : k - 1;
        else if (mode == 3) c = ((c % k) + k) % k;
        else if (k == 1) c = 0;
        else {
          const i64 period = 2 * (k - 1);
          c = ((c % period) + period) % period;
          if (c >= k) c = period - c;
        }
      }
      src = src * in[i] + lo[i] + c;
    }
    Y[o] = inside ? X[src] : fill;
    for (i64 i = r - 1; i >= 0 && ++idx[i] == d[i]; --i) idx[i] = 0;
  }
  return 0;
}

ONNX2CPP_K_END

#endif  // ONNX2CPP_K_SHAPE_DATA_HPP
