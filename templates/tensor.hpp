// onnx2cpp kernels: data movement (Gather, index-table copies for Pad and Resize).
#ifndef ONNX2CPP_K_TENSOR_HPP
#define ONNX2CPP_K_TENSOR_HPP

ONNX2CPP_K_BEGIN

// Gather along an axis: data viewed as [outer, axis_dim, inner], nidx indices.
template <class T, class I>
inline void gather(const T* data, const I* idx, T* y, i64 outer, i64 axis_dim, i64 inner,
                   i64 nidx) {
  for (i64 o = 0; o < outer; ++o)
    for (i64 j = 0; j < nidx; ++j) {
      i64 k = static_cast<i64>(idx[j]);
      if (k < 0) k += axis_dim;
      if (k < 0 || k >= axis_dim) k = 0;  // out of range is undefined in ONNX; stay in bounds
      std::memcpy(y + (o * nidx + j) * inner, data + (o * axis_dim + k) * inner,
                  sizeof(T) * inner);
    }
}

// Output element (i_0..i_r) reads x[sum_k tab[off_k + i_k]]; a negative table entry means
// "outside the input" and yields `fill`. Tables are element offsets computed at compile
// time: Pad (constant/reflect/edge/wrap) and nearest-neighbour Resize/Upsample.
struct TableMap {
  int rank;
  i64 dims[kMaxRank];
  i64 off[kMaxRank];
};

// Under a parallel-for, blocks of kTableRows output rows (of the innermost dim) go to tasks.
constexpr i64 kTableRows = 64;
template <class T>
inline void table_copy(const Par& par, const T* x, T* y, const i64* tab, const TableMap& m, T fill) {
  const int r = m.rank;
  const i64 inner = m.dims[r - 1];
  const i64* itab = tab + m.off[r - 1];
  i64 rows = 1;
  for (int k = 0; k < r - 1; ++k) rows *= m.dims[k];
  par_for(par, (rows + kTableRows - 1) / kTableRows, rows * inner, [&](i64 b) {
    const i64 r0 = b * kTableRows, r1 = std::min(rows, r0 + kTableRows);
    i64 idx[kMaxRank] = {0};
    i64 q = r0;
    for (int k = r - 2; k >= 0; --k) {
      idx[k] = q % m.dims[k];
      q /= m.dims[k];
    }
    for (i64 row = r0; row < r1; ++row) {
      i64 base = 0;
      bool outside = false;
      for (int k = 0; k < r - 1; ++k) {
        const i64 t = tab[m.off[k] + idx[k]];
        if (t < 0) outside = true;
        base += t;
      }
      T* py = y + row * inner;
      if (outside) {
        std::fill(py, py + inner, fill);
      } else {
        const T* px = x + base;
        for (i64 i = 0; i < inner; ++i) py[i] = itab[i] < 0 ? fill : px[itab[i]];
      }
      for (int k = r - 2; k >= 0; --k) {
        if (++idx[k] < m.dims[k]) break;
        idx[k] = 0;
      }
    }
  });
}
template <class T>
inline void table_copy(const T* x, T* y, const i64* tab, const TableMap& m, T fill) {
  table_copy(Par{}, x, y, tab, m, fill);
}

// Y = A + G placed inside A: G's element i added to Y[at + strided(i)] (PadAdd: the sum of a
// tensor and a zero-padded one, without the zeros). Y may be A (the sum accumulated in place).
template <class T>
inline void pad_add(const T* A, const T* G, T* Y, i64 n, i64 at, const Strided& s) {
  if (Y != A) copy(A, Y, n);
  for_strided(s, [&](i64 i, i64 off) { Y[at + off] += G[i]; });
}

// Interpolating Resize (linear, cubic, antialias): output dim k has dims[k] entries, each
// reading taps[k] input element offsets tab[off[k] + i * taps[k] + t] with weights
// wt[same index]; the output is the sum over all tap combinations of the product of weights
// times the input, accumulated in W. A negative offset in tap 0 marks an output coordinate
// outside the input (tf_crop_and_resize) and yields `fill`. Tables are computed at compile time.
struct InterpMap {
  int rank;
  i64 dims[kMaxRank];
  i64 taps[kMaxRank];
  i64 off[kMaxRank];
};

template <class T, class W>
inline void resize_interp(const T* x, T* y, const i64* tab, const W* wt, const InterpMap& m,
                          T fill) {
  const int r = m.rank;
  i64 total = 1;
  for (int k = 0; k < r; ++k) total *= m.dims[k];
  i64 idx[kMaxRank] = {0};
  i64 base[kMaxRank] = {0};  // first table entry of idx[k] in dim k
  for (int k = 0; k < r; ++k) base[k] = m.off[k];
  for (i64 o = 0; o < total; ++o) {
    bool outside = false;
    for (int k = 0; k < r; ++k)
      if (tab[base[k]] < 0) outside = true;
    if (outside) {
      y[o] = fill;
    } else {
      i64 t[kMaxRank] = {0};
      W acc = W(0);
      for (;;) {
        i64 src = 0;
        W w = W(1);
        for (int k = 0; k < r; ++k) {
          src += tab[base[k] + t[k]];
          w *= wt[base[k] + t[k]];
        }
        acc += w * static_cast<W>(x[src]);
        int k = r - 1;
        for (; k >= 0; --k) {
          if (++t[k] < m.taps[k]) break;
          t[k] = 0;
        }
        if (k < 0) break;
      }
      y[o] = static_cast<T>(acc);
    }
    for (int k = r - 1; k >= 0; --k) {
      base[k] += m.taps[k];
      if (++idx[k] < m.dims[k]) break;
      idx[k] = 0;
      base[k] = m.off[k];
    }
  }
}

ONNX2CPP_K_END
#endif
