// Attributes of ai.onnx.preview.training's Gradient, read by its inference (ops/training.cpp)
// and by the expansion that replaces it (passes/backward.cpp).
#pragma once
#include <string>
#include <vector>

#include "ir/attr.hpp"
#include "ir/graph.hpp"

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

// A BatchNormalization that normalizes by the batch's statistics: training_mode=1 (version 14
// on), or before version 14 any of the training outputs (running and saved statistics)
// present, as PyTorch exports a model in training mode at opset 13 and earlier. (ops/norm.cpp)
bool batch_norm_training(const Node& n);

// The running mean and variance after a training step through BatchNormalization `node` (in
// training mode), as PyTorch's model.train() updates them: new = old * momentum + batch *
// (1 - momentum), the batch variance unbiased (n / (n - 1)). ONNX's own running outputs use
// the biased variance, so these are new nodes appended to g: {new mean, new variance}.
// (ops/norm.cpp)
std::pair<int, int> batch_norm_running_stats(Graph& g, int node);

}  // namespace o2c
