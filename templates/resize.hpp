// onnx2cpp: the arithmetic of Resize and Upsample, after the ONNX reference implementation
// (onnx/reference/ops/op_resize.py), one definition for both of its uses: the compiler computes
// every output coordinate's input taps and weights with it when scales, sizes and roi are
// constants (the generated code then runs k::table_copy or k::resize_interp on those tables),
// and k::resize_data computes them at run time when those values arrive as inputs.
//   x_original from coordinate_transformation_mode, in double precision;
//   the n taps are the n input indices nearest to x_original (ties to the smaller index),
//   limited to the input edge-padded by ceil(n/2); reads clamp to the input (edge padding);
//   exclude_outside zeroes taps outside the input and renormalizes.
// Upsample and Resize-10 (`legacy`) follow onnxruntime: asymmetric coordinates; nearest rounds
// down when upsampling and up when downsampling.
#ifndef ONNX2CPP_K_RESIZE_HPP
#define ONNX2CPP_K_RESIZE_HPP

ONNX2CPP_K_BEGIN

// ResizeSpec's codes: mode, coordinate_transformation_mode, nearest_mode and
// keep_aspect_ratio_policy.
enum : int { kResizeNearest = 0, kResizeLinear = 1, kResizeCubic = 2 };
enum : int {
  kCoordHalfPixel = 0, kCoordHalfPixelSymmetric = 1, kCoordPytorchHalfPixel = 2, kCoordAlignCorners = 3,
  kCoordAsymmetric = 4, kCoordTfHalfPixelForNN = 5, kCoordTfCropAndResize = 6
};
enum : int { kRoundPreferFloor = 0, kRoundPreferCeil = 1, kRoundFloor = 2, kRoundCeil = 3 };
enum : int { kPolicyStretch = 0, kPolicyNotLarger = 1, kPolicyNotSmaller = 2 };
// resize_shape's verdicts other than 0.
enum : int { kResizeBadScale = 1, kResizeBadSize = 2, kResizeEmptyDim = 3, kResizeTooLarge = 4 };

struct ResizeSpec {
  int mode, coord, nearest, policy;
  bool legacy, exclude_outside, antialias;
  double cubic_a;
};

// The output dims out[r] and per-dim scales scale[r] of in[r] resized on axes[na] (dims 0..na-1
// when axes is null) by scales[na], or when scales is null by sizes[na] under the policy.
template <class S, class Z>
inline int resize_shape(const ResizeSpec& s, const i64* in, i64 r, const S* scales, const Z* sizes, const i64* axes,
                        i64 na, i64* out, double* scale) {
  for (i64 d = 0; d < r; ++d) {
    out[d] = in[d];
    scale[d] = 1.0;
  }
  for (i64 i = 0; i < na; ++i) {
    const i64 d = axes ? axes[i] : i;
    if (scales) {
      const double v = static_cast<double>(scales[i]);
      if (!(v > 0) || !std::isfinite(v)) return kResizeBadScale;
      const double o = std::floor(v * static_cast<double>(in[d]));
      if (o > 1e12) return kResizeTooLarge;
      scale[d] = v;
      out[d] = static_cast<i64>(o);
    } else {
      const i64 z = static_cast<i64>(sizes[i]);
      if (z < 0) return kResizeBadSize;
      if (in[d] == 0) return kResizeEmptyDim;
      if (z > 1000000000000) return kResizeTooLarge;
      out[d] = z;
      scale[d] = static_cast<double>(z) / static_cast<double>(in[d]);
    }
  }
  if (!scales && s.policy != kPolicyStretch && na > 0) {
    double k = scale[axes ? axes[0] : 0];
    for (i64 i = 0; i < na; ++i) {
      const double v = scale[axes ? axes[i] : i];
      k = s.policy == kPolicyNotLarger ? (v < k ? v : k) : (v > k ? v : k);
    }
    for (i64 i = 0; i < na; ++i) {
      const i64 d = axes ? axes[i] : i;
      scale[d] = k;
      out[d] = static_cast<i64>(k * static_cast<double>(in[d]) + 0.5);
    }
  }
  return 0;
}

// How many taps (weights) each output coordinate of a dim resized by `scale` reads.
inline i64 resize_taps(const ResizeSpec& s, double scale) {
  if (s.mode == kResizeNearest) return s.legacy ? 1 : 2;
  if (!s.antialias) return s.mode == kResizeCubic ? 4 : 2;
  const double sc = scale < 1 ? scale : 1.0;
  const double reach = s.mode == kResizeCubic ? 2.0 : 1.0;
  return 2 - 2 * static_cast<i64>(std::floor(-reach / sc) + 1);
}

// The most resize_taps can be for a dim of n input elements whose output is not empty (its scale
// is then at least 0.5 / n, see resize_shape), with room for rounding.
inline i64 resize_taps_most(const ResizeSpec& s, i64 n) {
  if (!s.antialias) return s.mode == kResizeCubic ? 4 : 2;
  return (s.mode == kResizeCubic ? 8 : 4) * n + 4;
}

// The n = resize_taps weights c[n] of a coordinate whose distance to the input element below it
// is `ratio` (1 for a coordinate on an element).
inline void resize_coeffs(const ResizeSpec& s, double ratio, double scale, double* c) {
  const double A = s.cubic_a;
  if (s.mode == kResizeNearest) {
    const int m = s.nearest;
    bool hi = true;  // the upper of the two taps
    if (ratio != 1.0) {
      if (m == kRoundPreferFloor) hi = ratio > 0.5;
      else if (m == kRoundPreferCeil) hi = ratio >= 0.5;
      else hi = m != kRoundFloor;
    }
    c[0] = hi ? 0.0 : 1.0;
    c[1] = hi ? 1.0 : 0.0;
    return;
  }
  if (!s.antialias) {
    if (s.mode == kResizeLinear) {
      c[0] = 1 - ratio;
      c[1] = ratio;
      return;
    }
    const double a1 = ratio + 1, b0 = 1 - ratio, b1 = b0 + 1;
    c[0] = ((A * a1 - 5 * A) * a1 + 8 * A) * a1 - 4 * A;
    c[1] = ((A + 2) * ratio - (A + 3)) * ratio * ratio + 1;
    c[2] = ((A + 2) * b0 - (A + 3)) * b0 * b0 + 1;
    c[3] = ((A * b1 - 5 * A) * b1 + 8 * A) * b1 - 4 * A;
    return;
  }
  const double sc = scale < 1 ? scale : 1.0;
  const bool cubic = s.mode == kResizeCubic;
  const i64 start = static_cast<i64>(std::floor((cubic ? -2 : -1) / sc) + 1), n = 2 - 2 * start;
  double sum = 0;
  for (i64 i = 0; i < n; ++i) {
    const double x = std::fabs((static_cast<double>(start + i) - ratio) * sc);
    double v;
    if (!cubic) v = x < 1 ? 1 - x : 0.0;
    else if (x <= 1) v = ((A + 2) * x - (A + 3)) * x * x + 1;
    else if (x < 2) v = ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
    else v = 0.0;
    c[i] = v;
    sum += v;
  }
  for (i64 i = 0; i < n; ++i) c[i] /= sum;
}

// The input coordinate of output index x along a dim of in_n elements resized to out_n by
// `scale` (roi_s, roi_e: the dim's region, tf_crop_and_resize); false when outside the input.
inline bool resize_x_original(const ResizeSpec& s, double scale, double roi_s, double roi_e, i64 in_n, i64 out_n,
                              i64 x, double* xo) {
  const double in_w = static_cast<double>(in_n), out_w = scale * in_w;  // as the reference: not rounded
  const double xd = static_cast<double>(x);
  switch (s.coord) {
    case kCoordHalfPixel:
      *xo = (xd + 0.5) / scale - 0.5;
      break;
    case kCoordHalfPixelSymmetric: {
      const double adjustment = static_cast<double>(out_n) / out_w;
      const double offset = in_w / 2 * (1 - adjustment);
      *xo = offset + (xd + 0.5) / scale - 0.5;
      break;
    }
    case kCoordPytorchHalfPixel:
      *xo = out_w == 1 ? -0.5 : (xd + 0.5) / scale - 0.5;
      break;
    case kCoordAlignCorners:
      *xo = out_w == 1 ? 0.0 : xd * (in_w - 1) / (out_w - 1);
      break;
    case kCoordAsymmetric:
      *xo = xd / scale;
      break;
    case kCoordTfHalfPixelForNN:
      *xo = (xd + 0.5) / scale;
      break;
    default:  // tf_crop_and_resize
      *xo = out_w == 1 ? (roi_e - roi_s) * (in_w - 1) / 2 : xd * (roi_e - roi_s) * (in_w - 1) / (out_w - 1);
      *xo += roi_s * (in_w - 1);
      if (*xo < 0 || *xo > in_w - 1) return false;
  }
  return true;
}

// The taps of one dim: for each of out_n output indices, n input element offsets (index *
// stride; -1 in the first: outside the input) in off and their weights in w, both holding
// out_n * resize_taps(s, scale) entries (out_n for a dim not resized, `active` false). Returns n,
// 1 when every output index reads one element with weight 1 (then off and w hold out_n), or 0
// for a coordinate that is not finite.
inline i64 resize_axis_taps(const ResizeSpec& s, bool active, double scale, double roi_s, double roi_e, i64 in_n,
                            i64 out_n, i64 stride, i64* off, double* w) {
  if (!active || (s.legacy && s.mode == kResizeNearest)) {
    for (i64 x = 0; x < out_n; ++x) {
      i64 i = x;
      if (active) {
        const double xo = static_cast<double>(x) / scale;
        i = static_cast<i64>(scale < 1 ? std::ceil(xo) : std::floor(xo));
        i = i < 0 ? 0 : i > in_n - 1 ? in_n - 1 : i;
      }
      off[x] = i * stride;
      w[x] = 1;
    }
    return 1;
  }
  const i64 n = resize_taps(s, scale), pad = (n + 1) / 2;
  for (i64 x = 0; x < out_n; ++x) {
    i64* o = off + x * n;
    double* c = w + x * n;
    double xo = 0;
    const bool inside = resize_x_original(s, scale, roi_s, roi_e, in_n, out_n, x, &xo);
    if (!std::isfinite(xo)) return 0;
    if (!inside) {
      for (i64 j = 0; j < n; ++j) o[j] = -1, c[j] = 0;
      continue;
    }
    const double fl = std::floor(xo);
    const bool integral = xo == fl;
    resize_coeffs(s, integral ? 1.0 : xo - fl, scale, c);
    i64 first = static_cast<i64>(integral ? fl - 1 : fl) - n / 2 + 1;
    const i64 hi = in_n - 1 + pad - n + 1;
    first = first < -pad ? -pad : first > hi ? hi : first;
    if (s.exclude_outside) {
      double sum = 0;
      for (i64 j = 0; j < n; ++j) {
        if (first + j < 0 || first + j >= in_n) c[j] = 0;
        sum += c[j];
      }
      for (i64 j = 0; j < n; ++j) c[j] /= sum;
    }
    for (i64 j = 0; j < n; ++j) {
      const i64 idx = first + j < 0 ? 0 : first + j > in_n - 1 ? in_n - 1 : first + j;
      o[j] = idx * stride;
    }
  }
  // One tap of weight 1 and the rest 0 everywhere (nearest, integral coordinates): one tap.
  if (n == 1) return 1;
  for (i64 x = 0; x < out_n; ++x) {
    if (off[x * n] < 0) continue;
    i64 ones = 0;
    for (i64 j = 0; j < n; ++j) {
      const double v = w[x * n + j];
      if (v == 1.0 && ones == 0) ones = 1;
      else if (v != 0.0) return n;
    }
    if (ones == 0) return n;
  }
  for (i64 x = 0; x < out_n; ++x) {
    i64 pick = -1;
    if (off[x * n] >= 0)
      for (i64 j = 0; j < n && pick < 0; ++j)
        if (w[x * n + j] == 1.0) pick = off[x * n + j];
    off[x] = pick;
    w[x] = 1;
  }
  return 1;
}

// Resize (or Upsample) of X[in[r]] whose scales or sizes (or roi) arrive at run time: the output's
// dims from scales[na] or sizes[na] on axes[na] (null: dims 0..na-1), each at most `bound`; the
// taps of every dim computed into scratch, which holds `cap` weights then `cap` offsets. roi:
// 2 * na values for tf_crop_and_resize, else null.
template <class T, class S, class Z, class R>
inline int resize_data(const T* X, T* Y, const i64* in, i64 r, const S* scales, const Z* sizes, const R* roi,
                       const i64* axes, i64 na, ResizeSpec s, T fill, i64 bound, i64 cap, double* scratch,
                       DimOut out) {
  i64 d[kMaxRank];
  double scale[kMaxRank];
  if (const int rc = resize_shape(s, in, r, scales, sizes, axes, na, d, scale))
    return rc == kResizeTooLarge ? ONNX2CPP_ERR_DATA_SHAPE : ONNX2CPP_ERR_DATA_VALUE;
  if (const int rc = set_data_dims(d, r, bound, out)) return rc;
  i64 total = 1, need = 0;
  bool active[kMaxRank] = {};
  for (i64 i = 0; i < na; ++i) active[axes ? axes[i] : i] = true;
  for (i64 i = 0; i < r; ++i) {
    total *= d[i];
    need += d[i] * (active[i] ? resize_taps(s, scale[i]) : 1);
  }
  if (total == 0) return 0;
  for (i64 i = 0; i < r; ++i)
    if (in[i] == 0) return ONNX2CPP_ERR_DATA_VALUE;
  if (need > cap) return ONNX2CPP_ERR_DATA_SHAPE;
  double* w = scratch;
  i64* off = reinterpret_cast<i64*>(scratch + cap);
  InterpMap m{};
  m.rank = static_cast<int>(r);
  i64 at = 0, st[kMaxRank];
  bool single = true;
  st[r - 1] = 1;
  for (i64 i = r - 1; i > 0; --i) st[i - 1] = st[i] * in[i];
  for (i64 i = 0; i < r; ++i) {
    double rs = 0, re = 1;
    if (roi && active[i]) {
      i64 k = i;
      for (i64 j = 0; j < na; ++j)
        if ((axes ? axes[j] : j) == i) k = j;
      rs = static_cast<double>(roi[k]);
      re = static_cast<double>(roi[na + k]);
    }
    const i64 n = resize_axis_taps(s, active[i], scale[i], rs, re, in[i], d[i], st[i], off + at, w + at);
    if (n == 0) return ONNX2CPP_ERR_DATA_VALUE;
    if (n != 1) single = false;
    m.dims[i] = d[i];
    m.taps[i] = n;
    m.off[i] = at;
    at += d[i] * n;
  }
  if (single) {
    TableMap t{};
    t.rank = m.rank;
    for (i64 i = 0; i < r; ++i) t.dims[i] = m.dims[i], t.off[i] = m.off[i];
    table_copy(X, Y, off, t, fill);
    return 0;
  }
  if constexpr (std::is_floating_point<T>::value) {
    resize_interp(X, Y, off, w, m, fill);
    return 0;
  } else {
    return ONNX2CPP_ERR_DATA_VALUE;  // the compiler refuses interpolating other types
  }
}

ONNX2CPP_K_END
#endif
