// onnx2cpp kernels: the gradients of the activations the backward computes in one pass (the
// internal ActivationGrad), apart from activation.hpp so that inference code does not carry
// them.
#ifndef ONNX2CPP_K_ACTIVATION_GRAD_HPP
#define ONNX2CPP_K_ACTIVATION_GRAD_HPP

ONNX2CPP_K_BEGIN

// dX = dY f'(.) (PyTorch's formulas), from the input x (Gelu, Gelu with the tanh
// approximation, Swish: x sigmoid(alpha x)) or from the output y (Sigmoid, Tanh), given as V.
enum ActGradKind : int { kGradGelu, kGradGeluTanh, kGradSwish, kGradSigmoid, kGradTanh };

template <class T>
inline void activation_grad(const T* V, const T* dY, T* dX, i64 n, int kind, float alpha) {
  switch (kind) {
    case kGradSigmoid:
      for (i64 k = 0; k < n; ++k) dX[k] = dY[k] * (V[k] * (T(1) - V[k]));
      return;
    case kGradTanh:
      for (i64 k = 0; k < n; ++k) dX[k] = dY[k] * (T(1) - V[k] * V[k]);
      return;
    case kGradGelu:  // Phi(x) + x phi(x)
      for (i64 k = 0; k < n; ++k) {
        const T x = V[k];
        const T cdf = T(0.5) * (T(1) + std::erf(x * T(0.70710678118654752440)));
        const T pdf = T(0.39894228040143267794) * std::exp(x * x * T(-0.5));
        dX[k] = dY[k] * (cdf + x * pdf);
      }
      return;
    case kGradGeluTanh:  // 0.5 (1 + t) + 0.5 x (1 - t^2) s (1 + 3 c x^2), t = tanh(s (x + c x^3))
      for (i64 k = 0; k < n; ++k) {
        const T x = V[k], s = T(0.79788456080286535588), c = T(0.044715);
        const T t = std::tanh(s * (x + c * (x * x * x)));
        const T du = s * (T(1) + T(3 * 0.044715) * (x * x));
        dX[k] = dY[k] * (T(0.5) * (T(1) + t) + (T(0.5) * x) * ((T(1) - t * t) * du));
      }
      return;
    case kGradSwish:  // s + alpha x s (1 - s), s = sigmoid(alpha x)
      for (i64 k = 0; k < n; ++k) {
        const T ax = static_cast<T>(alpha) * V[k], s = sigmoid(ax);
        dX[k] = dY[k] * (s + ax * s * (T(1) - s));
      }
      return;
    default:
      return;
  }
}

ONNX2CPP_K_END
#endif
