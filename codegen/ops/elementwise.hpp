// What other families and passes read of the elementwise ops: attributes with their
// defaults, and the activation a node computes.
#pragma once
#include <limits>

#include "ops/kernels.hpp"
#include "ops/op.hpp"

namespace o2c {

struct LeakyReluAttrs {
  float alpha = 0.01f;
  O2C_FIELDS(alpha)
};
struct HardSigmoidAttrs {
  float alpha = 0.2f, beta = 0.5f;
  O2C_FIELDS(alpha, beta)
};
struct EluAttrs {
  float alpha = 1.0f;
  O2C_FIELDS(alpha)
};
struct ThresholdedReluAttrs {
  float alpha = 1.0f;
  O2C_FIELDS(alpha)
};
// Clip before version 11: bounds are attributes.
struct ClipAttrs {
  float min = -std::numeric_limits<float>::max(), max = std::numeric_limits<float>::max();
  template <class V>
  void fields(V& v) {
    if (v.version < 11) {
      v("min", min);
      v("max", max);
    }
  }
};

// The activation node n computes on its first input, as a fused epilogue
// (templates/activation.hpp): Relu, Sigmoid, Tanh, HardSwish, LeakyRelu, HardSigmoid, and Clip
// with constant bounds. False for any other node.
bool node_activation(Graph& g, Node& n, k::Act* act);

}  // namespace o2c
