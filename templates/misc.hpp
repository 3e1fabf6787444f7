// onnx2cpp kernels: CumSum, CumProd, Trilu, OneHot, Hardmax, LRN, MeanVarianceNormalization,
// GlobalLpPool, TopK and Einsum.
#ifndef ONNX2CPP_K_MISC_HPP
#define ONNX2CPP_K_MISC_HPP

ONNX2CPP_K_BEGIN

// ---- CumSum and CumProd over X viewed as [outer, n, inner] ------------------------------
// The running sum (Prod false, starting at 0) or product (Prod true, starting at 1).
template <bool Prod, class T>
inline void cum_scan(const T* X, T* Y, i64 outer, i64 n, i64 inner, bool exclusive, bool reverse) {
  for (i64 o = 0; o < outer; ++o) {
    const T* x = X + o * n * inner;
    T* y = Y + o * n * inner;
    for (i64 j = 0; j < inner; ++j) {
      T acc = Prod ? T(1) : T(0);
      for (i64 s = 0; s < n; ++s) {
        const i64 k = reverse ? n - 1 - s : s;
        const T v = x[k * inner + j];
        if (exclusive) y[k * inner + j] = acc;
        acc = Prod ? static_cast<T>(acc * v) : static_cast<T>(acc + v);
        if (!exclusive) y[k * inner + j] = acc;
      }
    }
  }
}
template <class T>
inline void cumsum(const T* X, T* Y, i64 outer, i64 n, i64 inner, bool exclusive, bool reverse) {
  cum_scan<false>(X, Y, outer, n, inner, exclusive, reverse);
}
template <class T>
inline void cumprod(const T* X, T* Y, i64 outer, i64 n, i64 inner, bool exclusive, bool reverse) {
  cum_scan<true>(X, Y, outer, n, inner, exclusive, reverse);
}

// A shape for kernels that take an axis at run time.
struct Dims {
  int rank;
  i64 d[kMaxRank];
};

// CumSum or CumProd with the axis read at run time (an out-of-range axis leaves Y a copy of X).
template <bool Prod, class T, class A>
inline void cum_scan_axis(const T* X, const A* axis, T* Y, const Dims& s, bool exclusive, bool reverse) {
  i64 a = static_cast<i64>(axis[0]);
  if (a < 0) a += s.rank;
  if (a < 0 || a >= s.rank) {
    i64 total = 1;
    for (int k = 0; k < s.rank; ++k) total *= s.d[k];
    copy(X, Y, total);
    return;
  }
  i64 outer = 1, inner = 1;
  for (int k = 0; k < s.rank; ++k) {
    if (k < a) outer *= s.d[k];
    else if (k > a) inner *= s.d[k];
  }
  cum_scan<Prod>(X, Y, outer, s.d[a], inner, exclusive, reverse);
}
template <class T, class A>
inline void cumsum_axis(const T* X, const A* axis, T* Y, const Dims& s, bool exclusive, bool reverse) {
  cum_scan_axis<false>(X, axis, Y, s, exclusive, reverse);
}
template <class T, class A>
inline void cumprod_axis(const T* X, const A* axis, T* Y, const Dims& s, bool exclusive, bool reverse) {
  cum_scan_axis<true>(X, axis, Y, s, exclusive, reverse);
}

// ---- Trilu: keep j - i >= k (upper) or j - i <= k (lower) of each [N, M] matrix ------------
template <class T>
inline void trilu(const T* X, T* Y, i64 batch, i64 N, i64 M, i64 k, bool upper) {
  for (i64 b = 0; b < batch; ++b)
    for (i64 i = 0; i < N; ++i) {
      const T* x = X + (b * N + i) * M;
      T* y = Y + (b * N + i) * M;
      for (i64 j = 0; j < M; ++j) {
        const bool keep = upper ? j - i >= k : j - i <= k;
        y[j] = keep ? x[j] : T(0);
      }
    }
}

// ---- OneHot: Y[outer, depth, inner] = on where index == d, off elsewhere -----------------
template <class T, class I>
inline void one_hot(const I* idx, const T* values, T* Y, i64 outer, i64 depth, i64 inner) {
  const T off = values[0], on = values[1];
  for (i64 o = 0; o < outer; ++o)
    for (i64 j = 0; j < inner; ++j) {
      i64 v = static_cast<i64>(idx[o * inner + j]);
      if (v < 0) v += depth;
      for (i64 d = 0; d < depth; ++d) Y[(o * depth + d) * inner + j] = d == v ? on : off;
    }
}

// ---- Hardmax over [outer, n, inner]: 1 at the first maximum, 0 elsewhere ------------------
template <class T>
inline void hardmax(const T* X, T* Y, i64 outer, i64 n, i64 inner) {
  for (i64 o = 0; o < outer; ++o)
    for (i64 j = 0; j < inner; ++j) {
      const T* x = X + o * n * inner + j;
      T* y = Y + o * n * inner + j;
      i64 best = 0;
      for (i64 k = 1; k < n; ++k)
        if (x[k * inner] > x[best * inner]) best = k;
      for (i64 k = 0; k < n; ++k) y[k * inner] = k == best ? T(1) : T(0);
    }
}

// ---- LRN across channels of X[N, C, S] ----------------------------------------------------
template <class T>
inline void lrn(const T* X, T* Y, i64 N, i64 C, i64 S, i64 size, float alpha, float beta, float bias) {
  const i64 lo = (size - 1) / 2, hi = size - 1 - lo;
  const double a = static_cast<double>(alpha) / static_cast<double>(size);
  for (i64 n = 0; n < N; ++n)
    for (i64 c = 0; c < C; ++c) {
      const i64 c0 = c - lo < 0 ? 0 : c - lo, c1 = c + hi > C - 1 ? C - 1 : c + hi;
      for (i64 s = 0; s < S; ++s) {
        double sum = 0;
        for (i64 q = c0; q <= c1; ++q) {
          const double v = static_cast<double>(X[(n * C + q) * S + s]);
          sum += v * v;
        }
        const i64 at = (n * C + c) * S + s;
        Y[at] = static_cast<T>(static_cast<double>(X[at]) /
                               std::pow(static_cast<double>(bias) + a * sum, static_cast<double>(beta)));
      }
    }
}

// ---- MeanVarianceNormalization: (x - mean) / (sqrt(var) + 1e-9) over the reduced view ------
template <class T>
inline void mvn(const T* X, T* Y, const Strided& keep, const Strided& red) {
  i64 n = 1;
  for (int k = 0; k < red.rank; ++k) n *= red.dims[k];
  for_strided(keep, [&](i64, i64 base) {
    double sum = 0, sq = 0;
    for_strided(red, [&](i64, i64 off) {
      const double v = static_cast<double>(X[base + off]);
      sum += v;
      sq += v * v;
    });
    const double mean = sum / static_cast<double>(n);
    double var = sq / static_cast<double>(n) - mean * mean;
    if (var < 0) var = 0;
    const double inv = 1.0 / (std::sqrt(var) + 1e-9);
    for_strided(red, [&](i64, i64 off) {
      Y[base + off] = static_cast<T>((static_cast<double>(X[base + off]) - mean) * inv);
    });
  });
}

// ---- GlobalLpPool: Y[nc] = (sum |x|^p)^(1/p) over S elements ------------------------------
template <class T>
inline void global_lp_pool(const T* X, T* Y, i64 NC, i64 S, i64 p) {
  const double pd = static_cast<double>(p);
  for (i64 i = 0; i < NC; ++i) {
    double sum = 0;
    for (i64 s = 0; s < S; ++s) {
      const double v = std::abs(static_cast<double>(X[i * S + s]));
      sum += p == 1 ? v : p == 2 ? v * v : std::pow(v, pd);
    }
    Y[i] = static_cast<T>(p == 1 ? sum : p == 2 ? std::sqrt(sum) : std::pow(sum, 1.0 / pd));
  }
}

// ---- TopK along n of X[outer, n, inner]: values and int64 indices [outer, k, inner], -------
// sorted, ties broken by the lower index. work: n indices.
template <class T>
inline void topk(const T* X, T* V, std::int64_t* I, i64 outer, i64 n, i64 inner, i64 k, bool largest,
                 i64* work) {
  for (i64 o = 0; o < outer; ++o)
    for (i64 j = 0; j < inner; ++j) {
      const T* x = X + o * n * inner + j;
      for (i64 q = 0; q < n; ++q) work[q] = q;
      auto before = [&](i64 a, i64 b) {
        const T va = x[a * inner], vb = x[b * inner];
        if (va != vb) return largest ? va > vb : va < vb;
        return a < b;
      };
      std::partial_sort(work, work + k, work + n, before);
      for (i64 q = 0; q < k; ++q) {
        V[(o * k + q) * inner + j] = x[work[q] * inner];
        I[(o * k + q) * inner + j] = work[q];
      }
    }
}

// ---- Einsum of one or two operands: every label is a loop; y[sy] += a[sa] * b[sb] ---------
struct EinsumPlan {
  int nl;               // number of distinct labels (loops)
  i64 dims[kMaxRank];   // extent of each label
  i64 sa[kMaxRank];     // strides of operand a per label (summed for repeated labels)
  i64 sb[kMaxRank];     // of operand b (unused with one operand)
  i64 sy[kMaxRank];     // of the output (0 for summed labels)
};

template <class T>
inline void einsum(const T* A, const T* B, T* Y, i64 ny, const EinsumPlan& p) {
  fill(Y, ny, T(0));
  i64 total = 1;
  for (int k = 0; k < p.nl; ++k) total *= p.dims[k];
  if (total == 0) return;
  i64 idx[kMaxRank] = {0};
  i64 oa = 0, ob = 0, oy = 0;
  const int last = p.nl - 1;
  const i64 inner = p.nl ? p.dims[last] : 1;
  const i64 ia = p.nl ? p.sa[last] : 0, ib = p.nl ? p.sb[last] : 0, iy = p.nl ? p.sy[last] : 0;
  for (i64 it = 0; it < total; it += inner) {
    if (B)
      for (i64 i = 0; i < inner; ++i) Y[oy + i * iy] += A[oa + i * ia] * B[ob + i * ib];
    else
      for (i64 i = 0; i < inner; ++i) Y[oy + i * iy] += A[oa + i * ia];
    for (int k = last - 1; k >= 0; --k) {
      oa += p.sa[k];
      ob += p.sb[k];
      oy += p.sy[k];
      if (++idx[k] < p.dims[k]) break;
      oa -= p.sa[k] * p.dims[k];
      ob -= p.sb[k] * p.dims[k];
      oy -= p.sy[k] * p.dims[k];
      idx[k] = 0;
    }
  }
}

ONNX2CPP_K_END
#endif
