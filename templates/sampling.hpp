// onnx2cpp kernels: sampling at computed coordinates: GridSample, AffineGrid, RoiAlign.
#ifndef ONNX2CPP_K_SAMPLING_HPP
#define ONNX2CPP_K_SAMPLING_HPP

ONNX2CPP_K_BEGIN

// GridSample's modes and padding modes (the kernel's mode and pad arguments).
enum : i64 { kGsNearest = 0, kGsLinear = 1, kGsCubic = 2 };
enum : i64 { kGsZeros = 0, kGsBorder = 1, kGsReflection = 2 };

// Folds x into [lo, hi] by reflecting at the nearer border until it lies inside.
template <class T>
inline T gs_reflect(T x, T lo, T hi) {
  const T range = hi - lo;
  if (!(range > T(0))) return lo;
  if (x < lo) {
    const T dx = lo - x;
    const i64 n = static_cast<i64>(dx / range);
    const T r = dx - static_cast<T>(n) * range;
    return n % 2 == 0 ? lo + r : hi - r;
  }
  if (x > hi) {
    const T dx = x - hi;
    const i64 n = static_cast<i64>(dx / range);
    const T r = dx - static_cast<T>(n) * range;
    return n % 2 == 0 ? hi - r : lo + r;
  }
  return x;
}

// The element index that tap i of a dim of d elements reads under the padding mode; -1 for a
// zero (outside, padding zeros).
template <class T>
inline i64 gs_tap(i64 i, i64 d, i64 pad, T lo, T hi) {
  if (pad == kGsZeros) return i >= 0 && i < d ? i : -1;
  if (pad == kGsReflection) i = static_cast<i64>(gs_reflect(static_cast<T>(i), lo, hi));
  return i < 0 ? 0 : (i > d - 1 ? d - 1 : i);
}

// Keys' cubic convolution weights (a = -0.75) of the taps at floor(x) - 1 .. floor(x) + 2,
// t = x - floor(x).
template <class T>
inline void gs_cubic_weights(T t, T* w) {
  const T A = T(-0.75);
  const T t1 = t + T(1), t2 = T(1) - t, t3 = T(2) - t;
  w[0] = ((A * t1 - T(5) * A) * t1 + T(8) * A) * t1 - T(4) * A;
  w[1] = ((A + T(2)) * t - (A + T(3))) * t * t + T(1);
  w[2] = ((A + T(2)) * t2 - (A + T(3))) * t2 * t2 + T(1);
  w[3] = ((A * t3 - T(5) * A) * t3 + T(8) * A) * t3 - T(4) * A;
}

// GridSample: X[N, C, S...] (r = 1..3 spatial dims: dims[0..r-1]) sampled at grid[N, P, r]
// (normalized coordinates in [-1, 1], the last spatial dim first) into Y[N, C, P].
template <class T>
inline void grid_sample(const T* X, const T* grid, T* Y, i64 N, i64 C, i64 r, i64 d0, i64 d1, i64 d2, i64 P,
                        i64 mode, i64 pad, bool align) {
  const i64 in_dims[3] = {d0, d1, d2};
  // Dims padded at the front to three (a padded dim has one element and one tap of weight 1).
  i64 dims[3] = {1, 1, 1};
  for (i64 k = 0; k < r; ++k) dims[3 - r + k] = in_dims[k];
  const i64 S = dims[0] * dims[1] * dims[2];
  for (i64 n = 0; n < N; ++n)
    for (i64 p = 0; p < P; ++p) {
      i64 idx[3][4];
      T w[3][4];
      int nt[3] = {1, 1, 1};
      for (int k = 0; k < 3; ++k) {
        idx[k][0] = 0;
        w[k][0] = T(1);
      }
      for (i64 k = 0; k < r; ++k) {
        const int j = static_cast<int>(3 - r + k);
        const i64 d = dims[j];
        const T g = grid[(n * P + p) * r + (r - 1 - k)];
        const T df = static_cast<T>(d);
        T x = align ? (g + T(1)) / T(2) * (df - T(1)) : ((g + T(1)) * df - T(1)) / T(2);
        const T lo = align ? T(0) : T(-0.5), hi = align ? df - T(1) : df - T(0.5);
        if (!(x >= T(-1e9) && x <= T(1e9))) x = T(-1e9);  // NaN and huge: far outside
        if (mode == kGsNearest) x = std::nearbyint(x);  // half to even (the reference: np.rint)
        if (x < lo || x > hi) {
          if (pad == kGsBorder) x = x < T(0) ? T(0) : (x > df - T(1) ? df - T(1) : x);
          else if (pad == kGsReflection) x = gs_reflect(x, lo, hi);
        }
        if (mode == kGsNearest) {
          nt[j] = 1;
          idx[j][0] = gs_tap(static_cast<i64>(x), d, pad, lo, hi);
          w[j][0] = T(1);
          continue;
        }
        const T f = std::floor(x);
        const i64 x0 = static_cast<i64>(f);
        const T t = x - f;
        if (mode == kGsLinear) {
          nt[j] = 2;
          w[j][0] = T(1) - t;
          w[j][1] = t;
          for (int q = 0; q < 2; ++q) idx[j][q] = gs_tap(x0 + q, d, pad, lo, hi);
        } else {
          nt[j] = 4;
          gs_cubic_weights(t, w[j]);
          for (int q = 0; q < 4; ++q) idx[j][q] = gs_tap(x0 - 1 + q, d, pad, lo, hi);
        }
      }
      for (i64 c = 0; c < C; ++c) {
        const T* x = X + (n * C + c) * S;
        T acc0 = T(0);
        for (int a = 0; a < nt[0]; ++a) {
          T acc1 = T(0);
          for (int b = 0; b < nt[1]; ++b) {
            T acc2 = T(0);
            if (idx[0][a] >= 0 && idx[1][b] >= 0) {
              const T* row = x + (idx[0][a] * dims[1] + idx[1][b]) * dims[2];
              for (int e = 0; e < nt[2]; ++e)
                acc2 += w[2][e] * (idx[2][e] >= 0 ? row[idx[2][e]] : T(0));
            }
            acc1 += w[1][b] * acc2;
          }
          acc0 += w[0][a] * acc1;
        }
        Y[(n * C + c) * P + p] = acc0;
      }
    }
}

// The normalized coordinate of element i of a dim of d elements (AffineGrid).
inline double affine_grid_coord(i64 i, i64 d, bool align) {
  if (align) return d > 1 ? -1.0 + static_cast<double>(i) * (2.0 / static_cast<double>(d - 1)) : 0.0;
  const double step = 2.0 / static_cast<double>(d);
  return (-1.0 + step / 2.0) + static_cast<double>(i) * step;
}

// AffineGrid: theta[N, r, r + 1] (r = 2: dims H, W = d1, d2; r = 3: D, H, W = d0, d1, d2)
// applied to the normalized grid (x, y[, z], 1) into Y[N, d0 or 1, d1, d2, r].
template <class T>
inline void affine_grid(const T* theta, T* Y, i64 N, i64 r, i64 d0, i64 d1, i64 d2, bool align) {
  const i64 D = r == 3 ? d0 : 1;
  for (i64 n = 0; n < N; ++n) {
    const T* th = theta + n * r * (r + 1);
    for (i64 z = 0; z < D; ++z)
      for (i64 y = 0; y < d1; ++y)
        for (i64 x = 0; x < d2; ++x) {
          const double v[4] = {affine_grid_coord(x, d2, align), affine_grid_coord(y, d1, align),
                               r == 3 ? affine_grid_coord(z, d0, align) : 1.0, 1.0};
          for (i64 j = 0; j < r; ++j) {
            double s = 0.0;
            for (i64 q = 0; q < r; ++q) s += static_cast<double>(th[j * (r + 1) + q]) * v[q];
            s += static_cast<double>(th[j * (r + 1) + r]);
            *Y++ = static_cast<T>(s);
          }
        }
  }
}

// RoiAlign: X[N, C, H, W], rois[R, 4] (x1, y1, x2, y2), batch[R] into Y[R, C, oh, ow]: each
// bin averages (or takes the max of) bilinear samples on a regular grid of sampling_ratio
// (or ceil(bin size)) points per side. Coordinates and sums in double.
template <class T>
inline void roi_align(const T* X, const T* rois, const int64_t* batch, T* Y, i64 N, i64 C, i64 H, i64 W, i64 R,
                      i64 oh, i64 ow, i64 sampling_ratio, float spatial_scale, bool half_pixel, bool max_mode) {
  const double scale = static_cast<double>(spatial_scale), off = half_pixel ? 0.5 : 0.0;
  for (i64 ri = 0; ri < R; ++ri) {
    const T* roi = rois + ri * 4;
    const double x1 = static_cast<double>(roi[0]) * scale - off, y1 = static_cast<double>(roi[1]) * scale - off;
    const double x2 = static_cast<double>(roi[2]) * scale - off, y2 = static_cast<double>(roi[3]) * scale - off;
    double rw = x2 - x1, rh = y2 - y1;
    if (!half_pixel) {
      rw = rw > 1.0 ? rw : 1.0;
      rh = rh > 1.0 ? rh : 1.0;
    }
    const double bh = rh / static_cast<double>(oh), bw = rw / static_cast<double>(ow);
    const i64 gh = sampling_ratio > 0 ? sampling_ratio : static_cast<i64>(std::ceil(bh));
    const i64 gw = sampling_ratio > 0 ? sampling_ratio : static_cast<i64>(std::ceil(bw));
    const double count = static_cast<double>(gh * gw > 1 ? gh * gw : 1);
    const i64 b = batch[ri];
    for (i64 c = 0; c < C; ++c) {
      T* out = Y + (ri * C + c) * oh * ow;
      if (b < 0 || b >= N) {
        for (i64 q = 0; q < oh * ow; ++q) out[q] = T(0);
        continue;
      }
      const T* img = X + (b * C + c) * H * W;
      for (i64 ph = 0; ph < oh; ++ph)
        for (i64 pw = 0; pw < ow; ++pw) {
          double acc = 0.0;
          bool first = true;
          for (i64 iy = 0; iy < gh; ++iy) {
            const double yy = y1 + static_cast<double>(ph) * bh + (static_cast<double>(iy) + 0.5) * bh / static_cast<double>(gh);
            for (i64 ix = 0; ix < gw; ++ix) {
              const double xx = x1 + static_cast<double>(pw) * bw + (static_cast<double>(ix) + 0.5) * bw / static_cast<double>(gw);
              double v[4] = {0.0, 0.0, 0.0, 0.0};
              if (!(yy < -1.0 || yy > static_cast<double>(H) || xx < -1.0 || xx > static_cast<double>(W))) {
                double y = yy > 0.0 ? yy : 0.0, x = xx > 0.0 ? xx : 0.0;
                i64 ylo = static_cast<i64>(y), xlo = static_cast<i64>(x), yhi, xhi;
                if (ylo >= H - 1) {
                  yhi = ylo = H - 1;
                  y = static_cast<double>(ylo);
                } else {
                  yhi = ylo + 1;
                }
                if (xlo >= W - 1) {
                  xhi = xlo = W - 1;
                  x = static_cast<double>(xlo);
                } else {
                  xhi = xlo + 1;
                }
                const double ly = y - static_cast<double>(ylo), lx = x - static_cast<double>(xlo);
                const double hy = 1.0 - ly, hx = 1.0 - lx;
                v[0] = hy * hx * static_cast<double>(img[ylo * W + xlo]);
                v[1] = hy * lx * static_cast<double>(img[ylo * W + xhi]);
                v[2] = ly * hx * static_cast<double>(img[yhi * W + xlo]);
                v[3] = ly * lx * static_cast<double>(img[yhi * W + xhi]);
              }
              if (max_mode) {
                double m = v[0];
                for (int q = 1; q < 4; ++q) m = v[q] > m ? v[q] : m;
                acc = first || m > acc ? m : acc;
                first = false;
              } else {
                acc += v[0] + v[1] + v[2] + v[3];
              }
            }
          }
          out[ph * ow + pw] = static_cast<T>(max_mode ? acc : acc / count);
        }
    }
  }
}

// DeformConv (2-D): Y[N, OC, OH, OW] = B + sum over the group's input channels and the kernel
// taps of W * mask * X sampled bilinearly (zeros outside) at the tap's position plus its
// offset. offset[N, OG * KH * KW * 2, OH, OW] (dy, dx per tap), mask[N, OG * KH * KW, OH, OW]
// (null: ones), B[OC] (null: zeros). Sums in double.
template <class T>
inline void deform_conv(const T* X, const T* Wt, const T* offset, const T* B, const T* mask, T* Y, i64 N, i64 C,
                        i64 H, i64 W, i64 OC, i64 OH, i64 OW, i64 KH, i64 KW, i64 sh, i64 sw, i64 dh, i64 dw,
                        i64 ph, i64 pw, i64 group, i64 offset_group) {
  const i64 cpg = C / group, opg = OC / group, cpog = C / offset_group, K = KH * KW, S = OH * OW;
  for (i64 n = 0; n < N; ++n)
    for (i64 oc = 0; oc < OC; ++oc) {
      const i64 g = oc / opg;
      for (i64 i = 0; i < OH; ++i)
        for (i64 j = 0; j < OW; ++j) {
          double acc = B ? static_cast<double>(B[oc]) : 0.0;
          for (i64 ci = 0; ci < cpg; ++ci) {
            const i64 ic = g * cpg + ci, og = ic / cpog;
            const T* img = X + (n * C + ic) * H * W;
            const T* w = Wt + (oc * cpg + ci) * K;
            for (i64 t = 0; t < K; ++t) {
              const i64 a = t / KW, b = t % KW;
              const T* off = offset + ((n * offset_group + og) * K + t) * 2 * S + i * OW + j;
              const double y = static_cast<double>(-ph + sh * i + a * dh) + static_cast<double>(off[0]);
              const double x = static_cast<double>(-pw + sw * j + b * dw) + static_cast<double>(off[S]);
              double v = 0.0;
              if (y > -1.0 && y < static_cast<double>(H) && x > -1.0 && x < static_cast<double>(W)) {
                const double fy = std::floor(y), fx = std::floor(x);
                const i64 y0 = static_cast<i64>(fy), x0 = static_cast<i64>(fx);
                const double ly = y - fy, lx = x - fx;
                for (i64 q = 0; q < 2; ++q)
                  for (i64 e = 0; e < 2; ++e) {
                    const i64 yy = y0 + q, xx = x0 + e;
                    if (yy < 0 || yy >= H || xx < 0 || xx >= W) continue;
                    v += (q ? ly : 1.0 - ly) * (e ? lx : 1.0 - lx) * static_cast<double>(img[yy * W + xx]);
                  }
              }
              const double m = mask ? static_cast<double>(mask[((n * offset_group + og) * K + t) * S + i * OW + j]) : 1.0;
              acc += static_cast<double>(w[t]) * m * v;
            }
          }
          Y[((n * OC + oc) * OH + i) * OW + j] = static_cast<T>(acc);
        }
    }
}

// The grid of theta[N, r, r + 1] for size [N, C, (D,) H, W] read at run time: Y[N, (D,) H, W, r].
template <class T, class I>
inline int affine_grid_data(const T* theta, T* Y, i64 N, i64 r, const I* size, bool align, i64 bound, DimOut out) {
  i64 d[kMaxRank] = {N, 0, 0, 0, 0};
  for (i64 i = 0; i < r + 2; ++i)
    if (size[i] < 0) return ONNX2CPP_ERR_DATA_VALUE;
  if (static_cast<i64>(size[0]) != N) return ONNX2CPP_ERR_DATA_VALUE;
  for (i64 i = 0; i < r; ++i) d[1 + i] = static_cast<i64>(size[2 + i]);
  d[r + 1] = r;
  if (const int rc = set_data_dims(d, r + 2, bound, out)) return rc;
  affine_grid(theta, Y, N, r, r == 3 ? d[1] : 1, d[r - 1], d[r], align);
  return 0;
}

ONNX2CPP_K_END

#endif  // ONNX2CPP_K_SAMPLING_HPP
