// onnx2cpp kernels: vectorized special functions (Eigen's SpecialFunctions). needs: common.hpp elementwise.hpp
#ifndef ONNX2CPP_K_SPECIAL_HPP
#define ONNX2CPP_K_SPECIAL_HPP
#include <unsupported/Eigen/SpecialFunctions>

ONNX2CPP_K_BEGIN

// float erf through Eigen's vectorized rational approximation (a few ulp on [-4, 4], +-1
// outside); other types keep the scalar functor.
inline void unary(const float* x, float* y, i64 n, Erf) { ArrMap<float>(y, n) = CArrMap<float>(x, n).erf(); }

ONNX2CPP_K_END
#endif
