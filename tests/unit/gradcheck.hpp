// Gradient rules checked against central differences, at compile time: the model's inputs are
// double initializers, so the compiler folds the forward and the backward (the Gradient op of
// ai.onnx.preview.training, expanded by passes/backward.cpp) through the kernels' eval
// functions, the same kernel code the generated source runs. No C++ build: fast enough to
// check every rule on many attribute combinations.
#pragma once

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "builder.hpp"

namespace o2c::test {

// A differentiable initializer of the model under test.
struct GradInput {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<double> values;
};

// Deterministic values in [-1, 1) for a tensor of n elements (seed picks the sequence).
std::vector<double> grad_values(int64_t n, int seed);

struct GradCheck {
  double max_abs_error = 0;  // |analytic - numeric|, the worst element
  double max_abs_grad = 0;   // the largest |numeric| (for scale)
  std::string worst;         // "NAME[i]: analytic A, numeric N"
  std::string error;         // a CompileError while building the backward, else ""
  std::vector<std::vector<double>> analytic;  // per input, the rules' gradient
};

// The model b (saved in dir as name.onnx) imported and inferred, its Gradient nodes expanded
// into the backward nodes while nothing is folded (the rules need the forward nodes), then
// everything folded.
Graph folded_graph(const ModelBuilder& b, const std::string& dir, const std::string& name);

// y = nodes(b) (the nodes add a value named "y", reading the inputs by name; they may add
// integer initializers of their own). The loss is sum(y * w) with fixed weights w of y's
// shape; its gradient with respect to every input, from the rules, against central
// differences with step h. opset: the model's default-domain opset.
GradCheck gradcheck(const std::function<void(ModelBuilder&)>& nodes, const std::vector<GradInput>& inputs,
                    int opset = 13, double h = 1e-6);

// The same model compiled to C++ with the inputs as float graph inputs (nothing folds): its
// y, L and gradients, from the generated code, against the folded double ones (rtol, atol).
std::vector<Comparison> gradcheck_generated(const std::function<void(ModelBuilder&)>& nodes,
                                            const std::vector<GradInput>& inputs, int opset, double rtol, double atol);

// An input named `name` of `shape` with grad_values(seed).
inline GradInput grad_in(const std::string& name, std::vector<int64_t> shape, int seed) {
  return {name, shape, grad_values(numel(shape), seed)};
}

// The rules' gradients within tol of central differences (relative to the largest gradient
// when it exceeds 1).
inline void check_grad(const GradCheck& r, double tol = 1e-6) {
  INFO(r.error);
  REQUIRE(r.error.empty());
  INFO("worst: " << r.worst << " (largest gradient " << r.max_abs_grad << ")");
  CHECK(r.max_abs_error <= tol * std::max(1.0, r.max_abs_grad));
}

// gradcheck_generated's every output passes.
inline void check_generated(const std::function<void(ModelBuilder&)>& nodes, const std::vector<GradInput>& inputs,
                            int opset = 13, double rtol = 1e-4, double atol = 1e-5) {
  for (const auto& r : gradcheck_generated(nodes, inputs, opset, rtol, atol)) {
    INFO(r.name << ": max abs error " << r.max_abs << ", max rel error " << r.max_rel);
    CHECK(r.pass);
  }
}

}  // namespace o2c::test
