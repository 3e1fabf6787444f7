// onnx2cpp kernels: vectorized special functions (Eigen's SpecialFunctions). needs: common.hpp elementwise.hpp
#ifndef ONNX2CPP_K_SPECIAL_HPP
#define ONNX2CPP_K_SPECIAL_HPP
#include <unsupported/Eigen/SpecialFunctions>

ONNX2CPP_K_BEGIN

// float erf (Erf, Gelu) through Eigen's vectorized rational approximation (a few ulp on [-4, 4], +-1
// outside); other types keep the scalar functor.
inline void unary(const float* x, float* y, i64 n, Erf) { ArrMap<float>(y, n) = CArrMap<float>(x, n).erf(); }
// float Gelu through the same erf (or Eigen's vectorized tanh).
inline void unary(const float* x, float* y, i64 n, Gelu f) {
  const auto v = CArrMap<float>(x, n);
  if (f.tanh)
    ArrMap<float>(y, n) = 0.5f * v * (1.f + (0.797884560803f * (v + 0.044715f * v * v * v)).tanh());
  else
    ArrMap<float>(y, n) = 0.5f * v * (1.f + (v * 0.707106781187f).erf());
}

ONNX2CPP_K_END
#endif
