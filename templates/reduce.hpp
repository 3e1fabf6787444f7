// onnx2cpp kernels: reductions (ReduceSum/Mean/Max/...) and ArgMax/ArgMin.
#ifndef ONNX2CPP_K_REDUCE_HPP
#define ONNX2CPP_K_REDUCE_HPP

ONNX2CPP_K_BEGIN

// Accumulator types: floats sum in double, integers (and bool) in uint64, where sums and
// products wrap around without undefined behaviour (the result modulo 2^64, read back as T).
template <class T>
using red_acc_t = typename std::conditional<std::is_floating_point<T>::value, double, std::uint64_t>::type;

// A reduction: A init(), step(A&, T), T fin(A, n) with n the number of reduced elements.
// Reducing a single element gives the elementwise form (noop_with_empty_axes).
template <class T>
struct RedSum {
  using A = red_acc_t<T>;
  static A init() { return A(0); }
  static void step(A& a, T x) { a += static_cast<A>(x); }
  static T fin(A a, i64) { return static_cast<T>(a); }
};
template <class T>
struct RedMean {
  using A = red_acc_t<T>;
  static A init() { return A(0); }
  static void step(A& a, T x) { a += static_cast<A>(x); }
  static T fin(A a, i64 n) {
    if constexpr (std::is_floating_point<T>::value) return static_cast<T>(a / static_cast<A>(n));
    else if constexpr (std::is_signed<T>::value) return n ? static_cast<T>(static_cast<i64>(a) / n) : T(0);
    else return n ? static_cast<T>(a / static_cast<A>(n)) : T(0);
  }
};
template <class T>
struct RedSumSquare {
  using A = red_acc_t<T>;
  static A init() { return A(0); }
  static void step(A& a, T x) { a += static_cast<A>(x) * static_cast<A>(x); }
  static T fin(A a, i64) { return static_cast<T>(a); }
};
template <class T>
struct RedL1 {
  using A = red_acc_t<T>;
  static A init() { return A(0); }
  static void step(A& a, T x) {
    if constexpr (std::is_signed<T>::value) a += static_cast<A>(x < T(0) ? wrap_neg(x) : x);
    else a += static_cast<A>(x);
  }
  static T fin(A a, i64) { return static_cast<T>(a); }
};
template <class T>
struct RedL2 {
  using A = double;
  static A init() { return 0.0; }
  static void step(A& a, T x) { a += static_cast<double>(x) * static_cast<double>(x); }
  static T fin(A a, i64) { return static_cast<T>(std::sqrt(a)); }
};
template <class T>
struct RedLogSum {
  using A = double;
  static A init() { return 0.0; }
  static void step(A& a, T x) { a += static_cast<double>(x); }
  static T fin(A a, i64) { return static_cast<T>(std::log(a)); }
};
// log(sum(exp(x))) with a running maximum: s is the sum of exp(x - m).
struct LseAcc {
  double m, s;
};
template <class T>
struct RedLogSumExp {
  using A = LseAcc;
  static A init() { return A{-std::numeric_limits<double>::infinity(), 0.0}; }
  static void step(A& a, T x) {
    const double v = static_cast<double>(x);
    if (v > a.m) {
      a.s = a.s * std::exp(a.m - v) + 1.0;
      a.m = v;
    } else {
      a.s += std::exp(v - a.m);
    }
  }
  static T fin(A a, i64) {
    if (a.s == 0.0) return static_cast<T>(-std::numeric_limits<double>::infinity());
    return static_cast<T>(a.m + std::log(a.s));
  }
};
template <class T>
struct RedProd {
  using A = red_acc_t<T>;
  static A init() { return A(1); }
  static void step(A& a, T x) { a *= static_cast<A>(x); }
  static T fin(A a, i64) { return static_cast<T>(a); }
};
// Max/Min: NaN propagates; the empty set gives -inf/+inf (lowest/max for integers).
template <class T>
struct RedMax {
  using A = T;
  static A init() {
    if constexpr (std::is_same<T, bool>::value) return false;
    else if constexpr (std::is_floating_point<T>::value) return -std::numeric_limits<T>::infinity();
    else return std::numeric_limits<T>::lowest();
  }
  static void step(A& a, T x) {
    if constexpr (std::is_same<T, bool>::value) a = a || x;
    else if constexpr (std::is_floating_point<T>::value) {
      if (x > a || std::isnan(x)) a = std::isnan(a) ? a : x;
    } else if (x > a) a = x;
  }
  static T fin(A a, i64) { return a; }
};
template <class T>
struct RedMin {
  using A = T;
  static A init() {
    if constexpr (std::is_same<T, bool>::value) return true;
    else if constexpr (std::is_floating_point<T>::value) return std::numeric_limits<T>::infinity();
    else return std::numeric_limits<T>::max();
  }
  static void step(A& a, T x) {
    if constexpr (std::is_same<T, bool>::value) a = a && x;
    else if constexpr (std::is_floating_point<T>::value) {
      if (x < a || std::isnan(x)) a = std::isnan(a) ? a : x;
    } else if (x < a) a = x;
  }
  static T fin(A a, i64) { return a; }
};

// The sum of x[0..n) in double, vectorized (sum_lanes).
inline double sum_in_double(const float* x, i64 n) {
  return sum_lanes(n, [x](i64 k) { return static_cast<double>(x[k]); });
}

// a = step(a, x[0]), ..., step(a, x[len - 1]): one contiguous run of reduced elements (float
// sums vectorized, still accumulated in double).
template <class Op, class T, class A>
inline void reduce_run(A& a, const T* x, i64 len) {
  if constexpr (std::is_same<Op, RedSum<float>>::value || std::is_same<Op, RedMean<float>>::value) {
    a += sum_in_double(x, len);
  } else {
    for (i64 k = 0; k < len; ++k) Op::step(a, x[k]);
  }
}

// X viewed as [outer, n, inner]; reduces along n into Y[outer, inner]. Columns of `inner`
// are processed in chunks with their accumulators on the stack, reading X row by row.
template <class T, template <class> class R>
inline void reduce(const T* X, T* Y, i64 outer, i64 n, i64 inner) {
  using Op = R<T>;
  using A = typename Op::A;
  if (inner == 1) {
    for (i64 o = 0; o < outer; ++o) {
      A a = Op::init();
      reduce_run<Op>(a, X + o * n, n);
      Y[o] = Op::fin(a, n);
    }
    return;
  }
  constexpr i64 kChunk = 64;
  A acc[kChunk];
  for (i64 o = 0; o < outer; ++o)
    for (i64 j0 = 0; j0 < inner; j0 += kChunk) {
      const i64 m = inner - j0 < kChunk ? inner - j0 : kChunk;
      for (i64 j = 0; j < m; ++j) acc[j] = Op::init();
      const T* x = X + o * n * inner + j0;
      for (i64 k = 0; k < n; ++k, x += inner)
        for (i64 j = 0; j < m; ++j) Op::step(acc[j], x[j]);
      T* y = Y + o * inner + j0;
      for (i64 j = 0; j < m; ++j) y[j] = Op::fin(acc[j], n);
    }
}

// General case: output element i (in row-major order of `keep`) reduces the elements at
// offsets keep(i) + red(j) over all j. n: the number of reduced elements. When the innermost
// reduced dim is contiguous (BatchNorm's statistics over N, H, W), its rows are summed as runs.
template <class T, template <class> class R>
inline void reduce_strided(const T* X, T* Y, const Strided& keep, const Strided& red) {
  using Op = R<T>;
  using A = typename Op::A;
  i64 n = 1;
  for (int k = 0; k < red.rank; ++k) n *= red.dims[k];
  const bool runs = red.rank > 0 && red.st[red.rank - 1] == 1;
  Strided starts = red;  // with runs: where each run begins
  if (runs) --starts.rank;
  const i64 len = runs ? red.dims[red.rank - 1] : 1;
  for_strided(keep, [&](i64 o, i64 base) {
    A a = Op::init();
    const T* x = X + base;
    if (runs) for_strided(starts, [&](i64, i64 off) { reduce_run<Op>(a, x + off, len); });
    else for_strided(red, [&](i64, i64 off) { Op::step(a, x[off]); });
    Y[o] = Op::fin(a, n);
  });
}

// ArgMax (max = true) / ArgMin over X viewed as [outer, n, inner] (n >= 1): the first index
// of the extreme value, or the last with select_last.
template <class T>
inline void arg_reduce(const T* X, std::int64_t* Y, i64 outer, i64 n, i64 inner, bool max,
                       bool select_last) {
  for (i64 o = 0; o < outer; ++o)
    for (i64 j = 0; j < inner; ++j) {
      const T* x = X + o * n * inner + j;
      T best = x[0];
      i64 bi = 0;
      for (i64 k = 1; k < n; ++k) {
        const T v = x[k * inner];
        const bool better = max ? (select_last ? v >= best : v > best)
                                : (select_last ? v <= best : v < best);
        if (better) {
          best = v;
          bi = k;
        }
      }
      Y[o * inner + j] = bi;
    }
}

ONNX2CPP_K_END
#endif
