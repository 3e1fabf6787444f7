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

}  // namespace o2c
