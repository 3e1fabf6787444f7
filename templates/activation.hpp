// onnx2cpp kernels: activations fused into other kernels' epilogues.
#ifndef ONNX2CPP_K_ACTIVATION_HPP
#define ONNX2CPP_K_ACTIVATION_HPP

ONNX2CPP_K_BEGIN

// Activation functions: the one definition of each formula. Elementwise functors
// (elementwise.hpp), fused epilogues (passes/fuse.cpp folds them into Conv, Gemm, MatMul and
// the normalizations) and the recurrent layers' gates (rnn.hpp) all use them.
template <class T> inline T relu(T v) { return v > T(0) ? v : T(0); }
template <class T> inline T leaky_relu(T v, T alpha) { return v >= T(0) ? v : alpha * v; }
template <class T> inline T sigmoid(T v) {  // exact near 0 and 1 on both sides
  const T e = std::exp(-std::abs(v));
  return (v >= T(0) ? T(1) : e) / (T(1) + e);
}
template <class T> inline T hard_sigmoid(T v, T alpha, T beta) { return std::max(T(0), std::min(T(1), alpha * v + beta)); }
template <class T> inline T hard_swish(T v) { return v * hard_sigmoid(v, T(1) / T(6), T(0.5)); }
template <class T> inline T silu(T v) { return v * sigmoid(v); }
template <class T> inline T gelu_erf(T v) { return T(0.5) * v * (T(1) + std::erf(v * T(0.70710678118654752440))); }
template <class T> inline T gelu_tanh(T v) {
  return T(0.5) * v * (T(1) + std::tanh(T(0.79788456080286535588) * (v + T(0.044715) * v * v * v)));
}
template <class T> inline T thresholded_relu(T v, T alpha) { return v > alpha ? v : T(0); }
template <class T> inline T elu(T v, T alpha) { return v >= T(0) ? v : alpha * (std::exp(v) - T(1)); }
template <class T> inline T softsign(T v) { return v / (T(1) + std::abs(v)); }
template <class T> inline T softplus(T v) { return v > T(0) ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v)); }

// An activation as a value: a fused epilogue's, or one gate function of a recurrent layer.
// Relu, Clip and LeakyRelu run in registers (act_in_registers), the others on a finished
// tile while it is in cache. The kinds are listed once, in ONNX2CPP_K_ACT_KINDS.
#define ONNX2CPP_K_ACT_KINDS(X)                                                                  \
  X(None) X(Relu) X(Clip) X(LeakyRelu) X(Sigmoid) X(HardSigmoid) X(HardSwish) X(Tanh) X(Silu) X(Gelu) \
  X(Affine) X(ThresholdedRelu) X(ScaledTanh) X(Elu) X(Softsign) X(Softplus)
struct Act {
#define ONNX2CPP_K_ACT_ENUM(name) name,
  enum Kind : int { ONNX2CPP_K_ACT_KINDS(ONNX2CPP_K_ACT_ENUM) };
#undef ONNX2CPP_K_ACT_ENUM
  int kind;
  float alpha, beta;  // Clip: min, max; LeakyRelu, ThresholdedRelu, Elu: alpha; HardSigmoid, Affine, ScaledTanh: alpha, beta
};

template <class T>
inline T act_scalar(T v, const Act a) {
  const T al = static_cast<T>(a.alpha), be = static_cast<T>(a.beta);
  switch (a.kind) {
    case Act::Relu: return relu(v);
    case Act::Clip: return std::min(std::max(v, al), be);
    case Act::LeakyRelu: return leaky_relu(v, al);
    case Act::Sigmoid: return sigmoid(v);
    case Act::HardSigmoid: return hard_sigmoid(v, al, be);
    case Act::HardSwish: return hard_swish(v);
    case Act::Tanh: return std::tanh(v);
    case Act::Silu: return silu(v);
    case Act::Gelu: return gelu_erf(v);
    case Act::Affine: return al * v + be;
    case Act::ThresholdedRelu: return thresholded_relu(v, al);
    case Act::ScaledTanh: return al * std::tanh(be * v);
    case Act::Elu: return elu(v, al);
    case Act::Softsign: return softsign(v);
    case Act::Softplus: return softplus(v);
    default: return v;
  }
}
inline bool act_in_registers(const Act a) { return a.kind <= Act::LeakyRelu; }
// The register activations on one packet.
template <class T, class P>
inline P act_packet(P v, const Act a) {
  using namespace Eigen::internal;
  switch (a.kind) {
    case Act::Relu: return pmax(v, pset1<P>(T(0)));
    case Act::Clip: return pmin(pmax(v, pset1<P>(T(a.alpha))), pset1<P>(T(a.beta)));
    case Act::LeakyRelu: {  // max(v, 0) + alpha * min(v, 0)
      const P zero = pset1<P>(T(0));
      return pmadd(pset1<P>(T(a.alpha)), pmin(v, zero), pmax(v, zero));
    }
    default: return v;
  }
}
// Applies an activation to n contiguous elements (vectorized where Eigen has the function).
// y = x * sigmoid(alpha x) (Swish; SiLU with alpha 1) in one pass of packets (psigmoid). y may be x.
template <class T>
inline void swish_array(const T* x, T* y, i64 n, T alpha) {
  using namespace Eigen::internal;
  using P = typename packet_traits<T>::type;
  constexpr i64 PS = packet_traits<T>::size;
  const i64 nv = n / PS * PS;
  const P a = pset1<P>(alpha);
  i64 i = 0;
  for (; i < nv; i += PS) {
    const P v = ploadu<P>(x + i);
    pstoreu(y + i, pmul(v, psigmoid(pmul(a, v))));
  }
  for (; i < n; ++i) y[i] = x[i] * sigmoid(alpha * x[i]);
}

// act_apply and act_rows take the Act by value: a local copy that the stores to y cannot
// alias (a float member behind a reference could be any float, e.g. a lambda's capture), so
// the compiler keeps the activation's kind and parameters in registers and unswitches the loop.
template <class T>
inline void act_apply(T* y, i64 n, const Act a) {
  if (a.kind == Act::None) return;
  ArrMap<T> v(y, n);
  switch (a.kind) {
    case Act::Sigmoid: sigmoid_array(y, y, n); return;
    case Act::Tanh: v = v.tanh(); return;
    case Act::Silu: swish_array(y, y, n, T(1)); return;
    case Act::HardSwish: v = v * (v / T(6) + T(0.5)).max(T(0)).min(T(1)); return;
    default:
      for (i64 i = 0; i < n; ++i) y[i] = act_scalar(y[i], a);
  }
}

// y[0..n) = act(v + z) (z may be null).
template <class T>
inline void act_rows(const T* v, const T* z, T* y, i64 n, const Act act) {
  // Nothing to add or apply: a copy at most. (Also keeps GCC 12 at -O2 from taking the loop
  // below, inlined into a caller with constant sizes and z = nullptr, for one that overflows.)
  if (!z && act.kind == Act::None) {
    if (v != y) std::copy(v, v + n, y);
    return;
  }
  using P = typename Eigen::internal::packet_traits<T>::type;
  constexpr int PS = Eigen::internal::packet_traits<T>::size;
  using namespace Eigen::internal;
  i64 j = 0;
  if (act_in_registers(act))
    for (; j + PS <= n; j += PS) {
      P a = ploadu<P>(v + j);
      if (z) a = padd(a, ploadu<P>(z + j));
      pstoreu(y + j, act_packet<T>(a, act));
    }
  for (; j < n; ++j) y[j] = act_scalar(z ? v[j] + z[j] : v[j], act);
}

ONNX2CPP_K_END
#endif
