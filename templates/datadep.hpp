// onnx2cpp kernels whose output count the data decides: NonZero, Compress, Unique and
// NonMaxSuppression. Buffers are planned for the most the count can be (`bound`, derived at
// compile time); a kernel writes the actual count to *count, its outputs dense at that
// count from the start of each buffer, and never writes past the bound: a count above it
// returns ONNX2CPP_ERR_DATA_SHAPE. Scratch (`work`) comes from the arena; the
// sorts are std::sort (in place, no heap) with ties broken by position, so the results are
// deterministic.
#ifndef ONNX2CPP_K_DATADEP_HPP
#define ONNX2CPP_K_DATADEP_HPP

ONNX2CPP_K_BEGIN

// ---- NonZero --------------------------------------------------------------------------------
// y [rank, count]: row r holds coordinate r of each element that is not zero (NaN is not
// zero), in row-major order. x's shape: shape[rank].
template <class T>
inline int nonzero(const T* x, const i64* shape, i64 rank, i64* y, i64 bound, i64* count) {
  i64 n = 1;
  for (i64 r = 0; r < rank; ++r) n *= shape[r];
  i64 c = 0;
  for (i64 i = 0; i < n; ++i) c += x[i] != T(0);
  if (c > bound) return ONNX2CPP_ERR_DATA_SHAPE;
  *count = c;
  i64 j = 0;
  for (i64 i = 0; i < n; ++i) {
    if (!(x[i] != T(0))) continue;
    i64 rest = i;
    for (i64 r = rank - 1; r >= 0; --r) {
      y[r * c + j] = rest % shape[r];
      rest /= shape[r];
    }
    ++j;
  }
  return 0;
}

// ---- Compress -------------------------------------------------------------------------------
// x viewed as [outer, a, inner]; y [outer, count, inner]: the slices j whose cond[j] is true.
// A true condition past the axis (clen > a) is the data's error (numpy raises):
// ONNX2CPP_ERR_DATA_VALUE.
template <class T>
inline int compress(const T* x, const bool* cond, i64 clen, i64 outer, i64 a, i64 inner, T* y, i64 bound, i64* count) {
  i64 c = 0;
  for (i64 j = 0; j < clen; ++j) {
    if (!cond[j]) continue;
    if (j >= a) return ONNX2CPP_ERR_DATA_VALUE;
    ++c;
  }
  if (c > bound) return ONNX2CPP_ERR_DATA_SHAPE;
  *count = c;
  for (i64 o = 0; o < outer; ++o) {
    i64 k = 0;
    for (i64 j = 0; j < clen; ++j) {
      if (!cond[j]) continue;
      const T* from = x + (o * a + j) * inner;
      std::copy(from, from + inner, y + (o * c + k) * inner);
      ++k;
    }
  }
  return 0;
}

// ---- Unique ---------------------------------------------------------------------------------
// Values ordered as numpy sorts them: NaN after every number, NaNs equal to each other.
template <class T>
inline bool uq_nan(T v) {
  if constexpr (std::is_floating_point<T>::value) return v != v;
  else return false;
}
template <class T>
inline int uq_order(T a, T b) {
  const bool na = uq_nan(a), nb = uq_nan(b);
  if (na || nb) return na == nb ? 0 : na ? 1 : -1;
  return a < b ? -1 : b < a ? 1 : 0;
}
// Slices p and q of x viewed as [outer, n, inner] compared lexicographically, each slice's
// elements in row-major order (numpy's unique along an axis).
template <class T>
inline int uq_compare(const T* x, i64 outer, i64 n, i64 inner, i64 p, i64 q) {
  for (i64 o = 0; o < outer; ++o)
    for (i64 i = 0; i < inner; ++i)
      if (const int c = uq_order(x[(o * n + p) * inner + i], x[(o * n + q) * inner + i])) return c;
  return 0;
}

// The distinct slices of x viewed as [outer, n, inner] (n elements when no axis): y [outer,
// count, inner] sorted ascending (`sorted`) or in order of first occurrence; indices[count]
// the first occurrence of each, inverse[n] each slice's position in y, counts[count] how
// often each occurs (each of the three may be null). work: 3 * n int64.
template <class T>
inline int unique(const T* x, i64 outer, i64 n, i64 inner, bool sorted, T* y, i64* indices, i64* inverse, i64* counts,
                  i64 bound, i64* count, i64* work) {
  i64* order = work;          // slice numbers, sorted
  i64* group = work + n;      // per slice: its distinct value's rank in the sorted order
  i64* first = work + 2 * n;  // per rank: the first slice holding it
  for (i64 m = 0; m < n; ++m) order[m] = m;
  std::sort(order, order + n, [&](i64 p, i64 q) {
    const int c = uq_compare(x, outer, n, inner, p, q);
    return c != 0 ? c < 0 : p < q;
  });
  i64 u = 0;
  for (i64 k = 0; k < n; ++k) {  // equal slices are neighbours, the first of each run the earliest
    if (k == 0 || uq_compare(x, outer, n, inner, order[k - 1], order[k]) != 0) first[u++] = order[k];
    group[order[k]] = u - 1;
  }
  if (u > bound) return ONNX2CPP_ERR_DATA_SHAPE;
  *count = u;
  // Positions in y: the sorted rank, or the rank of first occurrence (slice order).
  i64* pos = order;  // order is no longer needed
  if (sorted) {
    for (i64 g = 0; g < u; ++g) pos[g] = g;
  } else {
    i64 p = 0;
    for (i64 m = 0; m < n; ++m)
      if (first[group[m]] == m) pos[group[m]] = p++;
  }
  for (i64 g = 0; g < u; ++g) {
    const i64 p = pos[g], m = first[g];
    if (indices) indices[p] = m;
    for (i64 o = 0; o < outer; ++o) {
      const T* from = x + (o * n + m) * inner;
      std::copy(from, from + inner, y + (o * u + p) * inner);
    }
  }
  if (counts) std::fill(counts, counts + u, i64(0));
  for (i64 m = 0; m < n; ++m) {
    const i64 p = pos[group[m]];
    if (inverse) inverse[m] = p;
    if (counts) ++counts[p];
  }
  return 0;
}

// ---- NonMaxSuppression ------------------------------------------------------------------------
// Whether box b suppresses box a: their intersection over union above `iou`. Boxes are
// [y1, x1, y2, x2] (corners in either order) or, `center`, [x_center, y_center, width, height].
template <class T>
inline bool nms_suppresses(const T* a, const T* b, bool center, T iou) {
  T ax0, ax1, ay0, ay1, bx0, bx1, by0, by1;
  if (center) {
    ax0 = a[0] - a[2] / T(2), ax1 = a[0] + a[2] / T(2), ay0 = a[1] - a[3] / T(2), ay1 = a[1] + a[3] / T(2);
    bx0 = b[0] - b[2] / T(2), bx1 = b[0] + b[2] / T(2), by0 = b[1] - b[3] / T(2), by1 = b[1] + b[3] / T(2);
  } else {
    ax0 = std::min(a[1], a[3]), ax1 = std::max(a[1], a[3]), ay0 = std::min(a[0], a[2]), ay1 = std::max(a[0], a[2]);
    bx0 = std::min(b[1], b[3]), bx1 = std::max(b[1], b[3]), by0 = std::min(b[0], b[2]), by1 = std::max(b[0], b[2]);
  }
  const T ix0 = std::max(ax0, bx0), ix1 = std::min(ax1, bx1), iy0 = std::max(ay0, by0), iy1 = std::min(ay1, by1);
  if (!(ix1 > ix0) || !(iy1 > iy0)) return false;
  const T inter = (ix1 - ix0) * (iy1 - iy0);
  const T area_a = (ax1 - ax0) * (ay1 - ay0), area_b = (bx1 - bx0) * (by1 - by0);
  const T uni = area_a + area_b - inter;
  if (!(inter > T(0)) || !(area_a > T(0)) || !(area_b > T(0)) || !(uni > T(0))) return false;
  return inter / uni > iou;
}

// boxes [batches, nb, 4], scores [batches, classes, nb]; max_out, iou, score_min: the
// optional inputs' first elements (null: absent; max_out absent or below 0 selects nothing,
// iou absent is 0, score_min absent keeps every box). y [count, 3]: (batch, class, box) per
// selected box, per batch and class in descending score (ties: the lower box first), each
// kept unless a box selected before it suppresses it. work: 2 * nb int64.
template <class T>
inline int non_max_suppression(const T* boxes, const T* scores, const i64* max_out, const T* iou, const T* score_min,
                               i64 batches, i64 classes, i64 nb, bool center, i64* y, i64 bound, i64* count, i64* work) {
  const i64 most = max_out && max_out[0] > 0 ? max_out[0] : 0;
  const T iou_t = iou ? iou[0] : T(0);
  i64* cand = work;
  i64* kept = work + nb;
  i64 total = 0;
  for (i64 b = 0; b < batches; ++b) {
    const T* bx = boxes + b * nb * 4;
    for (i64 c = 0; c < classes; ++c) {
      const T* sc = scores + (b * classes + c) * nb;
      i64 nc = 0;
      for (i64 i = 0; i < nb; ++i)
        if (!score_min || sc[i] > score_min[0]) cand[nc++] = i;
      std::sort(cand, cand + nc, [&](i64 p, i64 q) {  // NaN scores last (a strict weak order)
        const bool np = uq_nan(sc[p]), nq = uq_nan(sc[q]);
        if (np || nq) return np == nq ? p < q : nq;
        return sc[p] > sc[q] || (sc[p] == sc[q] && p < q);
      });
      i64 nk = 0;
      for (i64 k = 0; k < nc && nk < most; ++k) {
        bool keep = true;
        for (i64 s = 0; s < nk && keep; ++s) keep = !nms_suppresses(bx + cand[k] * 4, bx + kept[s] * 4, center, iou_t);
        if (!keep) continue;
        if (total >= bound) return ONNX2CPP_ERR_DATA_SHAPE;
        kept[nk++] = cand[k];
        y[total * 3] = b, y[total * 3 + 1] = c, y[total * 3 + 2] = cand[k];
        ++total;
      }
    }
  }
  *count = total;
  return 0;
}

ONNX2CPP_K_END
#endif
