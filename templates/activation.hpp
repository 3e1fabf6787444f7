// onnx2cpp kernels: activations fused into other kernels' epilogues. needs: common.hpp
#ifndef ONNX2CPP_K_ACTIVATION_HPP
#define ONNX2CPP_K_ACTIVATION_HPP

ONNX2CPP_K_BEGIN

// Activations that passes/fuse.cpp folds into Conv and the normalizations (Node::Epilogue
// numbers them so). Relu, Clip and LeakyRelu run in registers, the others on the finished
// tile while it is in cache.
enum ActKind : int {
  kActNone = 0,
  kActRelu,
  kActClip,         // min(max(v, alpha), beta)
  kActLeakyRelu,    // v < 0 ? alpha * v : v
  kActSigmoid,
  kActHardSigmoid,  // max(0, min(1, alpha * v + beta))
  kActHardSwish,    // v * max(0, min(1, v / 6 + 1 / 2))
  kActTanh,
  kActSilu,         // v * sigmoid(v)
  kActGelu,         // 0.5 v (1 + erf(v / sqrt 2))
};
struct Act {
  int kind;
  float alpha, beta;
};

template <class T>
inline T act_scalar(T v, const Act& a) {
  switch (a.kind) {
    case kActRelu: return v > T(0) ? v : T(0);
    case kActClip: return std::min(std::max(v, T(a.alpha)), T(a.beta));
    case kActLeakyRelu: return v < T(0) ? T(a.alpha) * v : v;
    case kActSigmoid: return T(1) / (T(1) + std::exp(-v));
    case kActHardSigmoid: return std::max(T(0), std::min(T(1), T(a.alpha) * v + T(a.beta)));
    case kActHardSwish: return v * std::max(T(0), std::min(T(1), v / T(6) + T(0.5)));
    case kActTanh: return std::tanh(v);
    case kActSilu: return v / (T(1) + std::exp(-v));
    case kActGelu: return T(0.5) * v * (T(1) + std::erf(v * T(0.70710678118654752440)));
    default: return v;
  }
}
inline bool act_in_registers(const Act& a) { return a.kind <= kActLeakyRelu; }
// The register activations on one packet.
template <class T, class P>
inline P act_packet(P v, const Act& a) {
  using namespace Eigen::internal;
  switch (a.kind) {
    case kActRelu: return pmax(v, pset1<P>(T(0)));
    case kActClip: return pmin(pmax(v, pset1<P>(T(a.alpha))), pset1<P>(T(a.beta)));
    case kActLeakyRelu: {  // max(v, 0) + alpha * min(v, 0)
      const P zero = pset1<P>(T(0));
      return pmadd(pset1<P>(T(a.alpha)), pmin(v, zero), pmax(v, zero));
    }
    default: return v;
  }
}
// Applies a (non-register) activation to n contiguous elements.
template <class T>
inline void act_apply(T* y, i64 n, const Act& a) {
  if (a.kind == kActNone) return;
  ArrMap<T> v(y, n);
  switch (a.kind) {
    case kActSigmoid: v = T(1) / (T(1) + (-v).exp()); return;
    case kActTanh: v = v.tanh(); return;
    case kActSilu: v = v / (T(1) + (-v).exp()); return;
    case kActHardSwish: v = v * (v / T(6) + T(0.5)).max(T(0)).min(T(1)); return;
    default:
      for (i64 i = 0; i < n; ++i) y[i] = act_scalar(y[i], a);
  }
}

// y[0..n) = act(v + z) (z may be null).
template <class T>
inline void act_rows(const T* v, const T* z, T* y, i64 n, const Act& act) {
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
