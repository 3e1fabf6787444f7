// onnx2cpp kernels: vectorized special functions (Eigen's SpecialFunctions).
#ifndef ONNX2CPP_K_SPECIAL_HPP
#define ONNX2CPP_K_SPECIAL_HPP
#include <unsupported/Eigen/SpecialFunctions>

ONNX2CPP_K_BEGIN

// Erf and Gelu: float through Eigen's vectorized rational approximation of erf (a few ulp on
// [-4, 4], +-1 outside) or its vectorized tanh; other types with the scalar functors.
template <class T>
inline void erf(const T* x, T* y, i64 n) { unary(x, y, n, Erf{}); }
inline void erf(const float* x, float* y, i64 n) { ArrMap<float>(y, n) = CArrMap<float>(x, n).erf(); }
template <class T>
inline void gelu(const T* x, T* y, i64 n, bool tanh) { unary(x, y, n, Gelu{tanh}); }
inline void gelu(const float* x, float* y, i64 n, bool tanh) {
  const auto v = CArrMap<float>(x, n);
  if (tanh)
    ArrMap<float>(y, n) = 0.5f * v * (1.f + (0.797884560803f * (v + 0.044715f * v * v * v)).tanh());
  else
    ArrMap<float>(y, n) = 0.5f * v * (1.f + (v * 0.707106781187f).erf());
}

ONNX2CPP_K_END
#endif
