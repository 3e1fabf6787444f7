// onnx2cpp kernels: unary and broadcasting binary elementwise ops.
#ifndef ONNX2CPP_K_ELEMENTWISE_HPP
#define ONNX2CPP_K_ELEMENTWISE_HPP

ONNX2CPP_K_BEGIN

// y[i] = f(x[i])
template <class X, class Y, class F>
inline void unary(const X* x, Y* y, i64 n, F f) {
  for (i64 i = 0; i < n; ++i) y[i] = f(x[i]);
}

// Broadcasting plan for two inputs: output dims, element strides of a and b (0 = broadcast).
struct Bcast2 {
  int rank;
  i64 dims[kMaxRank];
  i64 sa[kMaxRank];
  i64 sb[kMaxRank];
};

// y = f(a, b) with numpy broadcasting. y may alias a or b when that input has y's shape.
template <class A, class B, class Y, class F>
inline void binary(const A* a, const B* b, Y* y, const Bcast2& p, F f) {
  const int r = p.rank;
  const i64 inner = p.dims[r - 1], ia = p.sa[r - 1], ib = p.sb[r - 1];
  i64 total = 1;
  for (int k = 0; k < r; ++k) total *= p.dims[k];
  if (total == 0) return;
  i64 idx[kMaxRank] = {0};
  i64 oa = 0, ob = 0;
  for (i64 o = 0; o < total; o += inner) {
    const A* pa = a + oa;
    const B* pb = b + ob;
    Y* py = y + o;
    if (ia == 1 && ib == 1) {
      for (i64 i = 0; i < inner; ++i) py[i] = f(pa[i], pb[i]);
    } else if (ia == 1 && ib == 0) {
      const B vb = pb[0];
      for (i64 i = 0; i < inner; ++i) py[i] = f(pa[i], vb);
    } else if (ia == 0 && ib == 1) {
      const A va = pa[0];
      for (i64 i = 0; i < inner; ++i) py[i] = f(va, pb[i]);
    } else {
      for (i64 i = 0; i < inner; ++i) py[i] = f(pa[i * ia], pb[i * ib]);
    }
    for (int k = r - 2; k >= 0; --k) {
      oa += p.sa[k];
      ob += p.sb[k];
      if (++idx[k] < p.dims[k]) break;
      oa -= p.sa[k] * p.dims[k];
      ob -= p.sb[k] * p.dims[k];
      idx[k] = 0;
    }
  }
}

// ---- unary functors -------------------------------------------------------------------
struct Relu { template <class T> T operator()(T v) const { return relu(v); } };
struct Neg { template <class T> T operator()(T v) const { return wrap_neg(v); } };
struct Abs {
  template <class T> T operator()(T v) const {
    if constexpr (std::is_unsigned<T>::value) return v;
    else return v < T(0) ? wrap_neg(v) : v;
  }
};
struct Sigmoid { template <class T> T operator()(T v) const { return sigmoid(v); } };
struct Tanh { template <class T> T operator()(T v) const { return std::tanh(v); } };
struct Exp { template <class T> T operator()(T v) const { return std::exp(v); } };
struct Log { template <class T> T operator()(T v) const { return std::log(v); } };
struct Sqrt { template <class T> T operator()(T v) const { return std::sqrt(v); } };
struct Reciprocal { template <class T> T operator()(T v) const { return T(1) / v; } };
struct Floor { template <class T> T operator()(T v) const { return std::floor(v); } };
struct Ceil { template <class T> T operator()(T v) const { return std::ceil(v); } };
// Round half to even, as ONNX specifies.
struct Round { template <class T> T operator()(T v) const { return std::nearbyint(v); } };
struct Erf { template <class T> T operator()(T v) const { return std::erf(v); } };
// Gelu: v/2 (1 + erf(v / sqrt 2)), or with tanh: v/2 (1 + tanh(sqrt(2 / pi) (v + 0.044715 v^3))).
struct Gelu {
  bool tanh;
  template <class T> T operator()(T v) const { return tanh ? gelu_tanh(v) : gelu_erf(v); }
};
struct Square { template <class T> T operator()(T v) const { return v * v; } };  // Pow(x, 2)

// float exp, tanh and sigmoid run through Eigen's vectorized exp and tanh (within a few ulp
// of libm's, which the scalar functors above call).
inline void unary(const float* x, float* y, i64 n, Exp) { ArrMap<float>(y, n) = CArrMap<float>(x, n).exp(); }
inline void unary(const float* x, float* y, i64 n, Tanh) { ArrMap<float>(y, n) = CArrMap<float>(x, n).tanh(); }
inline void unary(const float* x, float* y, i64 n, Sigmoid) { sigmoid_array(x, y, n); }
struct Sign {
  template <class T> T operator()(T v) const { return static_cast<T>((T(0) < v) - (v < T(0))); }
};
struct Not { bool operator()(bool v) const { return !v; } };
struct Sin { template <class T> T operator()(T v) const { return std::sin(v); } };
struct Cos { template <class T> T operator()(T v) const { return std::cos(v); } };
struct Tan { template <class T> T operator()(T v) const { return std::tan(v); } };
struct Asin { template <class T> T operator()(T v) const { return std::asin(v); } };
struct Acos { template <class T> T operator()(T v) const { return std::acos(v); } };
struct Atan { template <class T> T operator()(T v) const { return std::atan(v); } };
struct Sinh { template <class T> T operator()(T v) const { return std::sinh(v); } };
struct Cosh { template <class T> T operator()(T v) const { return std::cosh(v); } };
struct Asinh { template <class T> T operator()(T v) const { return std::asinh(v); } };
struct Acosh { template <class T> T operator()(T v) const { return std::acosh(v); } };
struct Atanh { template <class T> T operator()(T v) const { return std::atanh(v); } };
struct Softplus { template <class T> T operator()(T v) const { return softplus(v); } };
struct Softsign { template <class T> T operator()(T v) const { return softsign(v); } };
struct IsNaN { template <class T> bool operator()(T v) const { return std::isnan(v); } };
struct IsInf {
  bool pos, neg;
  template <class T> bool operator()(T v) const {
    return std::isinf(v) && ((v > 0 && pos) || (v < 0 && neg));
  }
};
struct LeakyRelu {
  float alpha;
  template <class T> T operator()(T v) const { return leaky_relu(v, static_cast<T>(alpha)); }
};
struct Swish {  // x * sigmoid(alpha x)
  float alpha;
  template <class T> T operator()(T v) const { return v * sigmoid(static_cast<T>(alpha) * v); }
};
// float Swish in packets (psigmoid, as Sigmoid above).
inline void unary(const float* x, float* y, i64 n, Swish f) { swish_array(x, y, n, f.alpha); }
struct Elu {
  float alpha;
  template <class T> T operator()(T v) const { return elu(v, static_cast<T>(alpha)); }
};
struct Celu {
  float alpha;
  template <class T> T operator()(T v) const {
    const T a = static_cast<T>(alpha);
    return std::max(T(0), v) + std::min(T(0), a * (std::exp(v / a) - T(1)));
  }
};
struct Selu {
  float alpha, gamma;
  template <class T> T operator()(T v) const {
    return static_cast<T>(gamma) * (v > T(0) ? v : static_cast<T>(alpha) * (std::exp(v) - T(1)));
  }
};
struct ThresholdedRelu {
  float alpha;
  template <class T> T operator()(T v) const { return thresholded_relu(v, static_cast<T>(alpha)); }
};
struct HardSigmoid {
  float alpha, beta;
  template <class T> T operator()(T v) const { return hard_sigmoid(v, static_cast<T>(alpha), static_cast<T>(beta)); }
};
struct HardSwish { template <class T> T operator()(T v) const { return hard_swish(v); } };
struct Mish {
  template <class T> T operator()(T v) const { return v * std::tanh(Softplus{}(v)); }
};
struct Shrink {
  float bias, lambd;
  template <class T> T operator()(T v) const {
    const double d = static_cast<double>(v);
    if (d < -lambd) return static_cast<T>(d + bias);
    if (d > lambd) return static_cast<T>(d - bias);
    return T(0);
  }
};
// Clip bounds are already converted to T by the compiler.
template <class T>
struct Clip {
  T lo, hi;
  // min(max(v, lo), hi): with lo > hi every value becomes hi, as ONNX specifies.
  T operator()(T v) const {
    const T r = v < lo ? lo : v;
    return r > hi ? hi : r;
  }
};
template <class To>
struct CastTo {
  template <class T> To operator()(T v) const { return static_cast<To>(v); }
};

// y = clip(x, lo, hi), y = x * s, y = x converted to Y's type.
template <class T>
inline void clip(const T* x, T* y, i64 n, T lo, T hi) { unary(x, y, n, Clip<T>{lo, hi}); }
template <class T>
inline void scale(const T* x, T* y, i64 n, T s) {
  for (i64 i = 0; i < n; ++i) y[i] = static_cast<T>(x[i] * s);
}
template <class X, class Y>
inline void cast(const X* x, Y* y, i64 n) {
  if constexpr (std::is_same<X, Y>::value) copy(x, y, n);
  else unary(x, y, n, CastTo<Y>{});
}

// ---- binary functors ------------------------------------------------------------------
struct Add {
  template <class T> T operator()(T a, T b) const { return static_cast<T>(static_cast<wrap_t<T>>(a) + static_cast<wrap_t<T>>(b)); }
};
struct Sub {
  template <class T> T operator()(T a, T b) const { return static_cast<T>(static_cast<wrap_t<T>>(a) - static_cast<wrap_t<T>>(b)); }
};
struct Mul {
  template <class T> T operator()(T a, T b) const { return static_cast<T>(static_cast<wrap_t<T>>(a) * static_cast<wrap_t<T>>(b)); }
};
struct Div {
  template <class T> T operator()(T a, T b) const {
    if constexpr (std::is_integral<T>::value) {
      if (b == T(0)) return T(0);
      if (std::is_signed<T>::value && b == T(-1)) return wrap_neg(a);  // the lowest value wraps (x86's division traps)
      return static_cast<T>(a / b);
    } else {
      return a / b;
    }
  }
};
// Max and Min propagate NaN from either operand, as numpy and ONNX Runtime do.
struct Max {
  template <class T> T operator()(T a, T b) const {
    if constexpr (std::is_floating_point<T>::value) {
      if (std::isnan(a)) return a;
      if (std::isnan(b)) return b;
    }
    return a < b ? b : a;
  }
};
struct Min {
  template <class T> T operator()(T a, T b) const {
    if constexpr (std::is_floating_point<T>::value) {
      if (std::isnan(a)) return a;
      if (std::isnan(b)) return b;
    }
    return b < a ? b : a;
  }
};
struct Pow {
  template <class T, class U> T operator()(T a, U b) const {
    return static_cast<T>(std::pow(static_cast<double>(a), static_cast<double>(b)));
  }
};
struct PowF {  // float base: stay in float precision
  template <class U> float operator()(float a, U b) const { return std::pow(a, static_cast<float>(b)); }
};
// Mod with fmod=0: result has the sign of the divisor (Python semantics).
struct Mod {
  template <class T> T operator()(T a, T b) const {
    if constexpr (std::is_integral<T>::value) {
      if (b == T(0) || (std::is_signed<T>::value && b == T(-1))) return T(0);  // x % -1 is 0 (and traps for the lowest x)
      T r = static_cast<T>(a % b);
      if (r != T(0) && ((r < T(0)) != (b < T(0)))) r = static_cast<T>(r + b);
      return r;
    } else {
      T r = std::fmod(a, b);
      if (r != T(0) && ((r < T(0)) != (b < T(0)))) r += b;
      return r;
    }
  }
};
struct FMod {
  template <class T> T operator()(T a, T b) const {
    if constexpr (std::is_integral<T>::value) {
      if (b == T(0) || (std::is_signed<T>::value && b == T(-1))) return T(0);  // x % -1 is 0 (and traps for the lowest x)
      return static_cast<T>(a % b);
    } else {
      return std::fmod(a, b);
    }
  }
};
struct Equal { template <class T> bool operator()(T a, T b) const { return a == b; } };
struct Less { template <class T> bool operator()(T a, T b) const { return a < b; } };
struct LessOrEqual { template <class T> bool operator()(T a, T b) const { return a <= b; } };
struct Greater { template <class T> bool operator()(T a, T b) const { return a > b; } };
struct GreaterOrEqual { template <class T> bool operator()(T a, T b) const { return a >= b; } };
struct And { bool operator()(bool a, bool b) const { return a && b; } };
struct Or { bool operator()(bool a, bool b) const { return a || b; } };
struct Xor { bool operator()(bool a, bool b) const { return a != b; } };
struct BitAnd { template <class T> T operator()(T a, T b) const { return static_cast<T>(a & b); } };
struct BitOr { template <class T> T operator()(T a, T b) const { return static_cast<T>(a | b); } };
struct BitXor { template <class T> T operator()(T a, T b) const { return static_cast<T>(a ^ b); } };
struct BitNot { template <class T> T operator()(T a) const { return static_cast<T>(~a); } };
struct ShiftLeft {
  template <class T> T operator()(T a, T b) const {
    return b >= T(sizeof(T) * 8) ? T(0) : static_cast<T>(a << b);
  }
};
struct ShiftRight {
  template <class T> T operator()(T a, T b) const {
    return b >= T(sizeof(T) * 8) ? T(0) : static_cast<T>(a >> b);
  }
};
// PRelu: y = x < 0 ? slope * x : x
struct PRelu { template <class T> T operator()(T x, T s) const { return x < T(0) ? static_cast<T>(s * x) : x; } };
// y = a + scale * b, for Gemm's beta * C and Mean's final scaling
template <class T>
struct AddScaled {
  T scale;
  T operator()(T a, T b) const { return a + scale * b; }
};
template <class T>
struct Scale {
  T scale;
  T operator()(T a) const { return a * scale; }
};

// Where(cond, x, y): three-way broadcast handled as a plan with three strides.
struct Bcast3 {
  int rank;
  i64 dims[kMaxRank];
  i64 sc[kMaxRank];
  i64 sx[kMaxRank];
  i64 sy[kMaxRank];
};
// One run of n outputs along the innermost dim, each operand at a fixed stride; the strides of
// 0 and 1 a ReLU's gradient (x > 0 ? dy : 0) and broadcast operands take are spelled out so
// that the compiler vectorizes them (the conditions read as bytes: GCC vectorizes no loads of
// bool, and both sides loaded before the choice).
template <class T>
inline void where_run(const bool* cond, const T* x, const T* y, T* out, i64 n, i64 sc, i64 sx, i64 sy) {
  const unsigned char* c = reinterpret_cast<const unsigned char*>(cond);
  if (sc == 1 && sx == 1 && sy == 1) {
    for (i64 i = 0; i < n; ++i) {
      const T a = x[i], b = y[i];
      out[i] = c[i] != 0 ? a : b;
    }
  } else if (sc == 1 && sx == 1 && sy == 0) {
    const T b = y[0];
    for (i64 i = 0; i < n; ++i) {
      const T a = x[i];
      out[i] = c[i] != 0 ? a : b;
    }
  } else if (sc == 1 && sx == 0 && sy == 1) {
    const T a = x[0];
    for (i64 i = 0; i < n; ++i) {
      const T b = y[i];
      out[i] = c[i] != 0 ? a : b;
    }
  } else {
    for (i64 i = 0; i < n; ++i) out[i] = c[i * sc] != 0 ? x[i * sx] : y[i * sy];
  }
}

template <class T>
inline void where(const bool* c, const T* x, const T* y, T* out, const Bcast3& p) {
  const int r = p.rank;
  i64 total = 1;
  for (int k = 0; k < r; ++k) total *= p.dims[k];
  if (total == 0) return;
  const i64 n = r ? p.dims[r - 1] : 1;
  i64 idx[kMaxRank] = {0};
  i64 oc = 0, ox = 0, oy = 0;
  for (i64 o = 0; o < total; o += n) {
    where_run(c + oc, x + ox, y + oy, out + o, n, r ? p.sc[r - 1] : 0, r ? p.sx[r - 1] : 0, r ? p.sy[r - 1] : 0);
    for (int k = r - 2; k >= 0; --k) {
      oc += p.sc[k]; ox += p.sx[k]; oy += p.sy[k];
      if (++idx[k] < p.dims[k]) break;
      oc -= p.sc[k] * p.dims[k]; ox -= p.sx[k] * p.dims[k]; oy -= p.sy[k] * p.dims[k];
      idx[k] = 0;
    }
  }
}

ONNX2CPP_K_END
#endif
