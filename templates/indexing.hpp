// onnx2cpp kernels: element addresses read from run-time index tensors. GatherElements,
// GatherND, ScatterElements (and the deprecated Scatter), ScatterND, TensorScatter and
// ReverseSequence.
//
// Indices may be negative (counted from the end of their axis). An index outside its axis
// is the model's error, and no kernel reads or writes out of bounds for it: the gathers read
// position 0 of the axis instead (as Gather does), the scatters drop that update (the element
// keeps its value; ScatterND drops a tuple with any index outside, GatherND reads 0 for it),
// TensorScatter drops the rows a linear write index puts outside the cache (circular: any
// index is taken modulo the cache's length), ReverseSequence clamps a length to [0, time].
// (The spec leaves all of these undefined; constant indices are checked at compile time.)
#ifndef ONNX2CPP_K_INDEXING_HPP
#define ONNX2CPP_K_INDEXING_HPP

ONNX2CPP_K_BEGIN

// v normalized against an axis of n elements into j; false when outside [-n, n).
template <class I>
inline bool index_in(I v, i64 n, i64& j) {
  j = static_cast<i64>(v);
  if (j < 0) j += n;
  return j >= 0 && j < n;
}

// The scatter ops' reduction attribute.
enum ScatterReduction : int { kScatterNone = 0, kScatterAdd = 1, kScatterMul = 2, kScatterMax = 3, kScatterMin = 4 };

template <class T>
inline bool scatter_nan(T v) {
  if constexpr (std::is_floating_point<T>::value) return std::isnan(v);
  else return false;
}

// d = reduction(d, u). bool: add and max are or, mul and min are and (numpy's ufuncs on bool).
// max and min propagate a NaN of either side (np.maximum, np.minimum).
// Integer add and mul wrap around (computed unsigned) instead of overflowing.
template <class T>
inline void scatter_apply(T& d, T u, int reduction) {
  if constexpr (std::is_integral<T>::value && !std::is_same<T, bool>::value) {
    // W: the unsigned type of T, at least unsigned int (no promotion to signed int).
    using U = typename std::make_unsigned<T>::type;
    using W = typename std::conditional<(sizeof(U) < sizeof(unsigned)), unsigned, U>::type;
    const W a = static_cast<U>(d), b = static_cast<U>(u);
    switch (reduction) {
      case kScatterAdd: d = static_cast<T>(static_cast<U>(a + b)); break;
      case kScatterMul: d = static_cast<T>(static_cast<U>(a * b)); break;
      case kScatterMax: d = u > d ? u : d; break;
      case kScatterMin: d = u < d ? u : d; break;
      default: d = u;
    }
  } else if constexpr (std::is_same<T, bool>::value) {
    switch (reduction) {
      case kScatterAdd:
      case kScatterMax: d = d || u; break;
      case kScatterMul:
      case kScatterMin: d = d && u; break;
      default: d = u;
    }
  } else {
    switch (reduction) {
      case kScatterAdd: d = static_cast<T>(d + u); break;
      case kScatterMul: d = static_cast<T>(d * u); break;
      case kScatterMax: d = (u > d || scatter_nan(u)) ? u : d; break;
      case kScatterMin: d = (u < d || scatter_nan(u)) ? u : d; break;
      default: d = u;
    }
  }
}

// GatherElements: y[i] = data[off(i) + idx[i] * astride], where s walks the indices' dims
// with the data's strides (0 along the axis) and the axis has axis_dim elements.
template <class T, class I>
inline void gather_elements(const T* data, const I* idx, T* y, const Strided& s, i64 axis_dim, i64 astride) {
  if (axis_dim == 0) {  // an empty axis (run-time dims): zeros, decided once, not per element
    for_strided(s, [&](i64 o, i64) { y[o] = T{}; });
    return;
  }
  for_strided(s, [&](i64 o, i64 off) {
    i64 j;
    if (!index_in(idx[o], axis_dim, j)) j = 0;
    y[o] = data[off + j * astride];
  });
}

// GatherElements with run-time dims: as gather_elements when each indices dim but the axis
// (ix) is within the data's (d) at this run, else ONNX2CPP_ERR_DATA_SHAPE and nothing written.
template <class T, class I>
inline int gather_elements_dims(const T* data, const I* idx, T* y, const Strided& s, i64 axis_dim, i64 astride,
                                const i64* ix, const i64* d, i64 rank, i64 axis) {
  for (i64 k = 0; k < rank; ++k)
    if (k != axis && ix[k] > d[k]) return ONNX2CPP_ERR_DATA_SHAPE;
  gather_elements(data, idx, y, s, axis_dim, astride);
  return 0;
}

// ScatterElements: y = data (n elements), then y[off(i) + idx[i] * astride] = reduction(.., upd[i])
// in the order of the updates (later duplicates win without a reduction).
template <class T, class I>
inline void scatter_elements(const T* data, const I* idx, const T* upd, T* y, i64 n, const Strided& s, i64 axis_dim,
                             i64 astride, int reduction) {
  if (y != data) copy(data, y, n);
  for_strided(s, [&](i64 o, i64 off) {
    i64 j;
    if (index_in(idx[o], axis_dim, j)) scatter_apply(y[off + j * astride], upd[o], reduction);
  });
}

// GatherND and ScatterND: `batch` leading dims shared by data and indices; per batch entry,
// n tuples of k indices address slices of `slice` elements of the data's dims[0..k).
struct NDPlan {
  i64 batch, n;
  int k;
  i64 dims[kMaxRank];
  i64 slice, batch_stride;  // elements of a slice, of the data per batch entry
};

// The slice offset (in slices) that tuple t addresses; false if one of its indices is out
// of range, with the offset of the tuple with those indices read as 0.
template <class I>
inline bool nd_offset(const I* t, const NDPlan& p, i64& off) {
  bool ok = true;
  off = 0;
  for (int q = 0; q < p.k; ++q) {
    i64 v;
    if (!index_in(t[q], p.dims[q], v)) v = 0, ok = false;
    off = off * p.dims[q] + v;
  }
  return ok;
}

template <class T, class I>
inline void gather_nd(const T* data, const I* idx, T* y, const NDPlan& p) {
  for (i64 b = 0; b < p.batch; ++b)
    for (i64 j = 0; j < p.n; ++j) {
      const i64 t = b * p.n + j;
      i64 off;
      nd_offset(idx + t * p.k, p, off);
      copy(data + b * p.batch_stride + off * p.slice, y + t * p.slice, p.slice);
    }
}

// ScatterND (no batch dims): y = data (total elements), then each slice of updates reduced
// into the slice its tuple addresses, in order.
template <class T, class I>
inline void scatter_nd(const T* data, const I* idx, const T* upd, T* y, i64 total, const NDPlan& p, int reduction) {
  if (y != data) copy(data, y, total);
  for (i64 j = 0; j < p.n; ++j) {
    i64 off;
    if (!nd_offset(idx + j * p.k, p, off)) continue;
    T* d = y + off * p.slice;
    const T* u = upd + j * p.slice;
    if (reduction == kScatterNone) copy(u, d, p.slice);
    else
      for (i64 e = 0; e < p.slice; ++e) scatter_apply(d[e], u[e], reduction);
  }
}

// TensorScatter: cache [B, P, L, inner] (P: the dims between the batch and the sequence axis),
// update [B, P, S, inner]. Row s of batch b goes to row widx[b] + s (widx null: 0), modulo L
// when circular; a linear row past the cache is dropped.
template <class T, class I>
inline void tensor_scatter(const T* past, const T* upd, const I* widx, T* y, i64 B, i64 P, i64 L, i64 S, i64 inner,
                           bool circular) {
  if (y != past) copy(past, y, B * P * L * inner);
  for (i64 b = 0; b < B; ++b) {
    i64 w = widx ? static_cast<i64>(widx[b]) : 0;
    if (circular) w = (w % L + L) % L;         // L > 0: the caller skips empty caches
    else if (w < -S || w > L) continue;        // no row lands in the cache
    for (i64 s = 0; s < S; ++s) {
      i64 pos = w + s;
      if (circular) pos = pos >= L ? pos - L : pos;
      else if (pos < 0 || pos >= L) continue;
      for (i64 q = 0; q < P; ++q) copy(upd + ((b * P + q) * S + s) * inner, y + ((b * P + q) * L + pos) * inner, inner);
    }
  }
}

// ReverseSequence: for batch entry b, the first lens[b] steps along time reversed, the rest
// copied; a step is `inner` elements, tstride and bstride the steps' and entries' strides.
template <class T, class I>
inline void reverse_sequence(const T* x, const I* lens, T* y, i64 steps, i64 batch, i64 tstride, i64 bstride,
                             i64 inner) {
  for (i64 b = 0; b < batch; ++b) {
    const i64 len = std::min(std::max(static_cast<i64>(lens[b]), i64(0)), steps);
    for (i64 t = 0; t < steps; ++t) {
      const i64 src = t < len ? len - 1 - t : t;
      copy(x + src * tstride + b * bstride, y + t * tstride + b * bstride, inner);
    }
  }
}

ONNX2CPP_K_END
#endif
