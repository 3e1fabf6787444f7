// Attributes of ai.onnx.preview.training's Gradient, read by its inference (ops/training.cpp)
// and by the expansion that replaces it (passes/backward.cpp).
#pragma once
#include <string>
#include <vector>

#include "ir/attr.hpp"

namespace o2c {

// Gradient(xs..., zs...) -> dy/dx for each x of xs: inputs are the values named by xs then
// zs (zs are held fixed), outputs one per x.
struct GradientAttrs {
  std::vector<std::string> xs, zs;
  std::string y;
  template <class V>
  void fields(V& v) {
    v.required("xs", xs);
    v("zs", zs);
    v.required("y", y);
  }
};

// The optimizer nodes of a compiled training step (torch.optim.SGD and Adam/AdamW's
// hyper-parameters; decoupled: AdamW's weight decay).
struct SGDStepAttrs {
  float momentum = 0.f, dampening = 0.f, weight_decay = 0.f;
  int64_t nesterov = 0;
  O2C_FIELDS(momentum, dampening, weight_decay, nesterov)
};
struct AdamStepAttrs {
  float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f, weight_decay = 0.f;
  int64_t decoupled = 0;
  O2C_FIELDS(beta1, beta2, eps, weight_decay, decoupled)
};

}  // namespace o2c
