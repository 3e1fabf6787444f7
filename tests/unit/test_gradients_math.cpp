// Gradient rules of the elementwise, shape, MatMul, Softmax, Gather and loss ops against
// central differences (gradcheck.hpp), one case per attribute combination that changes the
// rule's arithmetic; and per family, one model whose backward runs in generated code.
#include <catch2/catch.hpp>

#include <cmath>

#include "gradcheck.hpp"

using namespace o2c;
using namespace o2c::test;

namespace {

// Values in [lo, lo + 1) (a positive base for Log, Sqrt, Pow).
GradInput in_from(const std::string& name, std::vector<int64_t> shape, int seed, double lo) {
  GradInput x = grad_in(name, shape, seed);
  for (double& v : x.values) v = lo + 0.5 * (v + 1.0);
  return x;
}

// Values kept at least `gap` away from the points in `kinks` (where a rule's derivative jumps:
// central differences there average both sides).
GradInput away_from(GradInput x, std::vector<double> kinks, double gap = 0.05) {
  for (double& v : x.values)
    for (double k : kinks)
      if (std::fabs(v - k) < gap) v = k + (v < k ? -gap : gap);
  return x;
}

using Nodes = std::function<void(ModelBuilder&)>;

// A node y = op(inputs) with integer attributes.
Nodes node(const std::string& op, std::vector<std::string> ins, std::vector<std::pair<const char*, int64_t>> attrs = {}) {
  return [=](ModelBuilder& b) {
    auto& n = b.node(op, ins, {"y"});
    for (const auto& [k, v] : attrs) ModelBuilder::attr_i(n, k, v);
  };
}

}  // namespace

// ---- MatMul, Softmax, LogSoftmax, Gather, losses ---------------------------------------------

TEST_CASE("Gradient of MatMul: 1-D operands, batches, broadcast batch dims", "[gradients]") {
  const std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>> shapes = {
      {{3, 4}, {4, 5}},       {{4}, {4, 5}},          {{3, 4}, {4}},          {{4}, {4}},
      {{2, 3, 4}, {4, 5}},    {{2, 3, 4}, {2, 4, 5}}, {{2, 1, 3, 4}, {3, 4, 2}}, {{3, 4}, {2, 4, 5}},
      {{4}, {2, 4, 3}},       {{2, 3, 4}, {4}},       {{1, 3, 4}, {2, 4, 2}}};
  int seed = 10;
  for (const auto& [a, b] : shapes) {
    INFO("A " << shape_str(a) << " B " << shape_str(b));
    check_grad(gradcheck(node("MatMul", {"a", "b"}), {grad_in("a", a, seed), grad_in("b", b, seed + 1)}));
    seed += 2;
  }
}

TEST_CASE("Gradients of Softmax and LogSoftmax (axis from opset 13, coerced to 2-D before)", "[gradients]") {
  for (const char* op : {"Softmax", "LogSoftmax"}) {
    for (int64_t axis : {0, 1, 2, -1}) {
      INFO(op << " opset 13 axis " << axis);
      check_grad(gradcheck(node(op, {"x"}, {{"axis", axis}}), {grad_in("x", {2, 3, 4}, 20)}, 13));
    }
    INFO(op << " opset 13 default axis");
    check_grad(gradcheck(node(op, {"x"}), {grad_in("x", {3, 4}, 21)}, 13));
    for (int64_t axis : {0, 1, 2, -2, 3}) {
      INFO(op << " opset 11 axis " << axis);
      check_grad(gradcheck(node(op, {"x"}, {{"axis", axis}}), {grad_in("x", {2, 3, 4}, 22)}, 11));
    }
    INFO(op << " opset 11 default axis");
    check_grad(gradcheck(node(op, {"x"}), {grad_in("x", {2, 3, 2}, 23)}, 11));
  }
}

TEST_CASE("Gradient of Gather: rows (embeddings) and other axes, repeated and negative indices accumulate", "[gradients]") {
  // Axis 0: index 2 three times (once as -3), 4 twice (once as -1).
  check_grad(gradcheck(
      [](ModelBuilder& b) {
        b.init_i("idx", {2, 3}, {0, 2, -1, 2, -3, 4});
        b.node("Gather", {"x", "idx"}, {"y"});
      },
      {grad_in("x", {5, 3}, 30)}));
  for (int64_t axis : {1, -1, 2}) {
    INFO("axis " << axis);
    check_grad(gradcheck(
        [&](ModelBuilder& b) {
          b.init_i("idx", {5}, {1, -1, 1, 0, 1});
          ModelBuilder::attr_i(b.node("Gather", {"x", "idx"}, {"y"}), "axis", axis);
        },
        {grad_in("x", {2, 3, 3}, 31)}));
  }
  // A scalar index (the axis dropped) and int32 indices.
  check_grad(gradcheck(
      [](ModelBuilder& b) {
        b.init_i("idx", {}, {-2});
        ModelBuilder::attr_i(b.node("Gather", {"x", "idx"}, {"y"}), "axis", 1);
      },
      {grad_in("x", {2, 4}, 32)}));
  check_grad(gradcheck(
      [](ModelBuilder& b) {
        b.init_i("idx64", {2, 2}, {3, 3, 0, 3});
        ModelBuilder::attr_i(b.node("Cast", {"idx64"}, {"idx"}), "to", 6);
        b.node("Gather", {"x", "idx"}, {"y"});
      },
      {grad_in("x", {4, 2}, 33)}));
}

// y = op(x, t, w) with classes t (ignored ones -100 when ignore), weights w (an input of the
// gradcheck, weights()) when weighted.
Nodes loss_nodes(const char* op, const char* red, bool weighted, bool ignore, std::vector<int64_t> t_shape,
                 std::vector<int64_t> t) {
  return [=](ModelBuilder& b) {
    b.init_i("t", t_shape, t);
    std::vector<std::string> ins = {"x", "t"};
    if (weighted) ins.push_back("w");
    auto& n = b.node(op, ins, {"y"});
    ModelBuilder::attr_s(n, "reduction", red);
    if (ignore) ModelBuilder::attr_i(n, "ignore_index", -100);
  };
}

TEST_CASE("Gradients of SoftmaxCrossEntropyLoss and NegativeLogLikelihoodLoss (reductions, weights and their gradient, ignore_index)", "[gradients]") {
  for (const char* op : {"SoftmaxCrossEntropyLoss", "NegativeLogLikelihoodLoss"})
    for (const char* red : {"none", "sum", "mean"})
      for (bool weighted : {false, true})
        for (bool ignore : {false, true}) {
          INFO(op << " reduction " << red << " weight " << weighted << " ignore_index " << ignore);
          const int64_t skip = ignore ? -100 : 0;
          auto inputs = [&](GradInput x) {
            std::vector<GradInput> v = {x};
            if (weighted) v.push_back({"w", {4}, {0.5, 2.0, 1.0, 0.25}});
            return v;
          };
          check_grad(gradcheck(loss_nodes(op, red, weighted, ignore, {3}, {1, skip, 3}), inputs(grad_in("x", {3, 4}, 40))));
          // [N, C, d1] scores, [N, d1] classes; class 1 three times
          check_grad(gradcheck(loss_nodes(op, red, weighted, ignore, {2, 2}, {1, 1, skip, 1}), inputs(grad_in("x", {2, 4, 2}, 41))));
        }
}

TEST_CASE("Gradient of SoftmaxCrossEntropyLoss through its log_prob output too (weights)", "[gradients]") {
  for (const char* red : {"none", "mean"}) {
    INFO("reduction " << red);
    check_grad(gradcheck(
        [&](ModelBuilder& b) {
          b.init_i("t", {2, 2}, {1, 0, 2, 1});
          auto& n = b.node("SoftmaxCrossEntropyLoss", {"x", "t", "w"}, {"loss", "logp"});
          ModelBuilder::attr_s(n, "reduction", red);
          if (std::string(red) == "none") {
            b.init_i("shape", {3}, {2, 1, 2});
            b.node("Reshape", {"loss", "shape"}, {"loss1"});
            b.node("Mul", {"logp", "loss1"}, {"y"});
          } else {
            b.node("Mul", {"logp", "loss"}, {"y"});
          }
        },
        {grad_in("x", {2, 3, 2}, 43), {"w", {3}, {0.5, 1.5, 1.0}}}));
  }
}

TEST_CASE("Generated code runs the gradients of MatMul, Softmax, LogSoftmax, Gather and SoftmaxCrossEntropyLoss",
          "[gradients][build]") {
  check_generated(
      [](ModelBuilder& b) {
        b.init_i("idx", {2, 3}, {1, 0, 1, 3, -1, 1});
        b.node("Gather", {"emb", "idx"}, {"e"});          // [2, 3, 4]
        b.node("MatMul", {"e", "w"}, {"h"});              // [2, 3, 5]
        ModelBuilder::attr_i(b.node("Softmax", {"h"}, {"s"}), "axis", -1);
        b.node("MatMul", {"s", "v"}, {"p"});              // [2, 3, 5] x [2, 5, 3] -> [2, 3, 3]
        ModelBuilder::attr_i(b.node("LogSoftmax", {"p"}, {"q"}), "axis", 1);
        b.init_i("t", {2, 3}, {0, 2, 1, 1, 1, 0});
        auto& l = b.node("SoftmaxCrossEntropyLoss", {"q", "t", "cw"}, {"loss"});
        ModelBuilder::attr_i(l, "ignore_index", 2);
        b.node("Mul", {"q", "loss"}, {"y"});
      },
      {grad_in("emb", {4, 4}, 50), grad_in("w", {4, 5}, 51), grad_in("v", {2, 5, 3}, 52), {"cw", {3}, {0.5, 1.5, 1.0}}});
}

// ---- unary and elementwise ----------------------------------------------------------------------

TEST_CASE("Gradients of the unary maps", "[gradients]") {
  for (const char* op : {"Neg", "Exp", "Sigmoid", "Tanh", "Erf", "Softplus"}) {
    INFO(op);
    check_grad(gradcheck(node(op, {"x"}), {grad_in("x", {2, 3}, 60)}));
  }
  for (const char* op : {"Log", "Sqrt", "Reciprocal"}) {
    INFO(op);
    check_grad(gradcheck(node(op, {"x"}), {in_from("x", {2, 3}, 61, 0.5)}));
  }
  check_grad(gradcheck(node("Abs", {"x"}), {away_from(grad_in("x", {2, 3}, 62), {0})}));
  // HardSwish: the kinks at -3 and 3, values across them.
  GradInput hs = grad_in("x", {2, 4}, 63);
  for (double& v : hs.values) v *= 5;
  check_grad(gradcheck(node("HardSwish", {"x"}), {away_from(hs, {-3, 3})}, 14));
}

TEST_CASE("Gradients of the unary maps with attributes (LeakyRelu, Elu, Selu, HardSigmoid, Gelu, Swish)", "[gradients]") {
  const GradInput x = away_from(grad_in("x", {3, 4}, 64), {0});
  auto with_f = [](const char* op, std::vector<std::pair<const char*, float>> attrs) {
    return [=](ModelBuilder& b) {
      auto& n = b.node(op, {"x"}, {"y"});
      for (const auto& [k, v] : attrs) ModelBuilder::attr_f(n, k, v);
    };
  };
  check_grad(gradcheck(with_f("LeakyRelu", {}), {x}));
  check_grad(gradcheck(with_f("LeakyRelu", {{"alpha", 0.3f}}), {x}));
  check_grad(gradcheck(with_f("Elu", {}), {x}));
  check_grad(gradcheck(with_f("Elu", {{"alpha", 0.7f}}), {x}));
  check_grad(gradcheck(with_f("Selu", {}), {x}));
  check_grad(gradcheck(with_f("Selu", {{"alpha", 1.5f}, {"gamma", 2.0f}}), {x}));
  // HardSigmoid: the ramp (0, 1) of alpha x + beta ends at -2.5 and 2.5 by default.
  GradInput hx = grad_in("x", {3, 4}, 65);
  for (double& v : hx.values) v *= 4;
  check_grad(gradcheck(with_f("HardSigmoid", {}), {away_from(hx, {-2.5, 2.5})}));
  check_grad(gradcheck(with_f("HardSigmoid", {{"alpha", 0.5f}, {"beta", 0.25f}}), {away_from(hx, {-0.5, 1.5})}));
  for (const char* approx : {"none", "tanh"}) {
    INFO("Gelu approximate " << approx);
    GradInput gx = grad_in("x", {3, 4}, 66);
    for (double& v : gx.values) v *= 3;
    check_grad(gradcheck([&](ModelBuilder& b) { ModelBuilder::attr_s(b.node("Gelu", {"x"}, {"y"}), "approximate", approx); },
                    {gx}, 20));
  }
  // Swish (opset 24): x sigmoid(alpha x); also what the swish pass makes of x * Sigmoid(x)
  // before the backward.
  GradInput sx = grad_in("x", {3, 4}, 68);
  for (double& v : sx.values) v *= 3;
  check_grad(gradcheck(with_f("Swish", {}), {sx}, 24));
  check_grad(gradcheck(with_f("Swish", {{"alpha", 0.6f}}), {sx}, 24));
}

TEST_CASE("Gradient of Clip: bounds as inputs (opset 13, either alone), as attributes (opset 6)", "[gradients]") {
  const GradInput x = away_from(grad_in("x", {3, 4}, 67), {-0.4, 0.3});
  check_grad(gradcheck(node("Clip", {"x", "lo", "hi"}), {x, {"lo", {}, {-0.4 + 1e-3}}, {"hi", {}, {0.3 - 1e-3}}}));
  check_grad(gradcheck(node("Clip", {"x", "lo"}), {x, {"lo", {}, {-0.4 + 1e-3}}}));
  check_grad(gradcheck(node("Clip", {"x", "", "hi"}), {x, {"hi", {}, {0.3 - 1e-3}}}));
  // min above max: every element is max, whose gradient gets all of dY.
  check_grad(gradcheck(node("Clip", {"x", "lo", "hi"}), {x, {"lo", {}, {0.5}}, {"hi", {}, {-0.5}}}));
  check_grad(gradcheck(
      [](ModelBuilder& b) {
        auto& n = b.node("Clip", {"x"}, {"y"});
        ModelBuilder::attr_f(n, "min", -0.4f);
        ModelBuilder::attr_f(n, "max", 0.3f);
      },
      {away_from(x, {-0.4f, 0.3f})}, 6));
}

TEST_CASE("Gradient of Pow: base and exponent, broadcast either way, an integer exponent", "[gradients]") {
  check_grad(gradcheck(node("Pow", {"a", "b"}), {in_from("a", {2, 3}, 68, 0.5), grad_in("b", {3}, 69)}));
  check_grad(gradcheck(node("Pow", {"a", "b"}), {in_from("a", {3}, 70, 0.5), grad_in("b", {2, 3}, 71)}));
  check_grad(gradcheck(
      [](ModelBuilder& b) {
        b.init_i("e", {}, {3});
        b.node("Pow", {"a", "e"}, {"y"});
      },
      {grad_in("a", {2, 3}, 72)}));
}

TEST_CASE("Gradients of Sum, Mean, Max and Min (variadic, broadcast) and Where, Expand, Identity, Dropout, Cast", "[gradients]") {
  for (const char* op : {"Sum", "Mean", "Max", "Min"}) {
    INFO(op);
    check_grad(gradcheck(node(op, {"a", "b", "c"}), {grad_in("a", {2, 3}, 73), grad_in("b", {3}, 74), grad_in("c", {2, 1}, 75)}));
    check_grad(gradcheck(node(op, {"a"}), {grad_in("a", {2, 3}, 76)}));
  }
  // Ties: Max(a, a, b) (a's two readers each get half where a wins), and a tie of a and b.
  for (const char* op : {"Max", "Min"}) {
    INFO(op << " ties");
    check_grad(gradcheck(node(op, {"a", "a", "b"}), {grad_in("a", {4}, 77), grad_in("b", {4}, 78)}));
  }
  check_grad(gradcheck(
      [](ModelBuilder& b) {
        b.init_i("cond_i", {2, 1}, {1, 0});
        ModelBuilder::attr_i(b.node("Cast", {"cond_i"}, {"cond"}), "to", 9);
        b.node("Where", {"cond", "a", "b"}, {"y"});
      },
      {grad_in("a", {3}, 79), grad_in("b", {2, 3}, 80)}));
  check_grad(gradcheck(
      [](ModelBuilder& b) {
        b.init_i("shape", {3}, {2, 3, 4});
        b.node("Expand", {"a", "shape"}, {"y"});
      },
      {grad_in("a", {3, 1}, 81)}));
  check_grad(gradcheck(node("Identity", {"a"}), {grad_in("a", {2, 3}, 82)}));
  check_grad(gradcheck(
      [](ModelBuilder& b) {
        auto& n = b.node("Dropout", {"a"}, {"y", "mask"});
        (void)n;
      },
      {grad_in("a", {2, 3}, 83)}, 13));
  // double -> float -> double (steps of 1e-2: float's rounding stays small against them; the
  // square's central differences are exact)
  check_grad(gradcheck(
      [](ModelBuilder& b) {
        ModelBuilder::attr_i(b.node("Cast", {"a"}, {"f"}), "to", 1);
        b.node("Mul", {"f", "f"}, {"f2"});
        ModelBuilder::attr_i(b.node("Cast", {"f2"}, {"y"}), "to", 11);
      },
      {grad_in("a", {2, 3}, 84)}, 13, 1e-2),
        1e-4);
}

TEST_CASE("No gradient passes a Cast to or from an integer or bool type (a mask from a comparison)", "[gradients]") {
  // y = Cast(Cast(a, int64), double) + a * Cast(a > 0): the casts' paths contribute nothing.
  check_grad(gradcheck(
      [](ModelBuilder& b) {
        ModelBuilder::attr_i(b.node("Cast", {"a"}, {"i"}), "to", 7);
        ModelBuilder::attr_i(b.node("Cast", {"i"}, {"back"}), "to", 11);
        b.init_i("zero_i", {}, {0});
        ModelBuilder::attr_i(b.node("Cast", {"zero_i"}, {"zero"}), "to", 11);
        b.node("Greater", {"a", "zero"}, {"pos"});
        ModelBuilder::attr_i(b.node("Cast", {"pos"}, {"mask"}), "to", 11);
        b.node("Mul", {"a", "mask"}, {"am"});
        b.node("Add", {"back", "am"}, {"y"});
      },
      {grad_in("a", {2, 3}, 85)}));
}

TEST_CASE("Generated code runs the gradients of the elementwise ops", "[gradients][build]") {
  check_generated(
      [](ModelBuilder& b) {
        b.node("Tanh", {"a"}, {"t"});
        b.node("Sigmoid", {"t"}, {"s"});
        b.node("Exp", {"s"}, {"e"});
        b.node("Log", {"e"}, {"l"});
        b.node("Sqrt", {"e"}, {"q"});
        b.node("Reciprocal", {"q"}, {"r"});
        b.node("Abs", {"a"}, {"ab"});
        b.node("Erf", {"ab"}, {"er"});
        b.node("Softplus", {"er"}, {"sp"});
        b.node("HardSwish", {"b"}, {"hs"});
        b.node("LeakyRelu", {"b"}, {"lr"});
        b.node("Elu", {"lr"}, {"el"});
        b.node("Selu", {"el"}, {"se"});
        b.node("HardSigmoid", {"se"}, {"hg"});
        b.node("Gelu", {"hg"}, {"ge"});
        b.node("Neg", {"ge"}, {"ng"});
        b.node("Clip", {"ng", "lo", "hi"}, {"cl"});
        b.node("Pow", {"e", "cl"}, {"pw"});
        b.node("Sum", {"l", "r", "sp"}, {"su"});
        b.node("Mean", {"su", "hs"}, {"me"});
        b.node("Max", {"me", "pw"}, {"mx"});
        b.node("Min", {"mx", "t"}, {"mn"});
        ModelBuilder::attr_i(b.node("Cast", {"mn"}, {"cd"}), "to", 11);
        b.node("CastLike", {"cd", "se"}, {"cf"});  // back to the inputs' type (float run, double fold)
        b.node("Greater", {"a", "b"}, {"cond"});
        b.node("Where", {"cond", "cf", "se"}, {"w"});
        b.init_i("shape", {3}, {2, 3, 4});
        b.node("Expand", {"w", "shape"}, {"y"});
      },
      {grad_in("a", {3, 4}, 86), grad_in("b", {3, 4}, 87), {"lo", {}, {-0.3}}, {"hi", {}, {0.6}}}, 20);
}

// ---- shape ops ----------------------------------------------------------------------------------

TEST_CASE("Gradients of Reshape, Flatten, Squeeze and Unsqueeze (axes as inputs and as attributes)", "[gradients]") {
  check_grad(gradcheck(
      [](ModelBuilder& b) {
        b.init_i("shape", {2}, {3, -1});
        b.node("Reshape", {"x", "shape"}, {"y"});
      },
      {grad_in("x", {2, 3, 2}, 90)}));
  for (int64_t axis : {0, 2, -1}) {
    INFO("Flatten axis " << axis);
    check_grad(gradcheck(node("Flatten", {"x"}, {{"axis", axis}}), {grad_in("x", {2, 3, 2}, 91)}));
  }
  check_grad(gradcheck(
      [](ModelBuilder& b) {
        b.init_i("axes", {2}, {0, -1});
        b.node("Squeeze", {"x", "axes"}, {"y"});
      },
      {grad_in("x", {1, 3, 1}, 92)}));
  check_grad(gradcheck(node("Squeeze", {"x"}), {grad_in("x", {1, 3, 1}, 93)}));
  check_grad(gradcheck(
      [](ModelBuilder& b) { ModelBuilder::attr_ints(b.node("Squeeze", {"x"}, {"y"}), "axes", {2}); },
      {grad_in("x", {1, 3, 1}, 94)}, 11));
  check_grad(gradcheck(
      [](ModelBuilder& b) {
        b.init_i("axes", {2}, {0, -1});
        b.node("Unsqueeze", {"x", "axes"}, {"y"});
      },
      {grad_in("x", {2, 3}, 95)}));
  check_grad(gradcheck(
      [](ModelBuilder& b) { ModelBuilder::attr_ints(b.node("Unsqueeze", {"x"}, {"y"}), "axes", {1}); },
      {grad_in("x", {2, 3}, 96)}, 11));
}

TEST_CASE("Gradients of Transpose (default and given perm) and Concat (axes, negative axis)", "[gradients]") {
  check_grad(gradcheck(node("Transpose", {"x"}), {grad_in("x", {2, 3, 4}, 97)}));
  check_grad(gradcheck([](ModelBuilder& b) { ModelBuilder::attr_ints(b.node("Transpose", {"x"}, {"y"}), "perm", {1, 2, 0}); },
                  {grad_in("x", {2, 3, 4}, 98)}));
  for (int64_t axis : {0, 1, -1}) {
    INFO("Concat axis " << axis);
    std::vector<int64_t> sa = {2, 3, 2}, sb = {2, 3, 2};
    const size_t a = static_cast<size_t>(axis < 0 ? axis + 3 : axis);
    sa[a] = 1;
    sb[a] = 3;
    check_grad(gradcheck(node("Concat", {"a", "b", "a"}, {{"axis", axis}}), {grad_in("a", sa, 99), grad_in("b", sb, 100)}));
  }
}

// y = Slice(x, starts, ends, axes, steps) (axes and steps given when not empty).
Nodes slice(std::vector<int64_t> starts, std::vector<int64_t> ends, std::vector<int64_t> axes = {},
            std::vector<int64_t> steps = {}) {
  return [=](ModelBuilder& b) {
    const auto n = static_cast<int64_t>(starts.size());
    b.init_i("starts", {n}, starts).init_i("ends", {n}, ends);
    std::vector<std::string> ins = {"x", "starts", "ends"};
    if (!axes.empty() || !steps.empty()) {
      b.init_i("axes", {n}, axes);
      ins.push_back("axes");
    }
    if (!steps.empty()) {
      b.init_i("steps", {n}, steps);
      ins.push_back("steps");
    }
    b.node("Slice", ins, {"y"});
  };
}

TEST_CASE("Gradient of Slice (starts, ends, axes, steps, negative steps)", "[gradients]") {
  const GradInput x = grad_in("x", {4, 7}, 101);
  check_grad(gradcheck(slice({1, 2}, {3, 6}), {x}));
  check_grad(gradcheck(slice({-3}, {100}, {-1}), {x}));
  check_grad(gradcheck(slice({0, 1}, {4, 7}, {0, 1}, {2, 3}), {x}));
  check_grad(gradcheck(slice({5}, {0}, {1}, {-1}), {x}));
  check_grad(gradcheck(slice({-1, 6}, {-100, 0}, {0, 1}, {-2, -3}), {x}));
  check_grad(gradcheck(slice({3, 1}, {-100, 7}, {0, 1}, {-1, 4}), {x}));
  check_grad(gradcheck(slice({1}, {2}, {1}, {-5}), {x}));
  check_grad(gradcheck(slice({0, 5}, {2, -100}, {0, 1}, {1, -8}), {x}));  // a step past the dim: one element
  check_grad(gradcheck(slice({2}, {2}, {0}, {1}), {grad_in("x", {4, 7}, 102)}));   // empty
  check_grad(gradcheck(
      [](ModelBuilder& b) {
        auto& n = b.node("Slice", {"x"}, {"y"});
        ModelBuilder::attr_ints(n, "starts", {1});
        ModelBuilder::attr_ints(n, "ends", {-1});
        ModelBuilder::attr_ints(n, "axes", {1});
      },
      {x}, 9));
}

TEST_CASE("Gradient of Split (split as input, num_outputs, outputs without a gradient)", "[gradients]") {
  check_grad(gradcheck(
      [](ModelBuilder& b) {
        b.init_i("split", {3}, {1, 3, 2});
        ModelBuilder::attr_i(b.node("Split", {"x", "split"}, {"p", "q", "r"}), "axis", 1);
        b.node("Mul", {"p", "r"}, {"pr"});
        ModelBuilder::attr_i(b.node("Concat", {"q", "pr"}, {"y"}), "axis", 1);
      },
      {grad_in("x", {2, 6}, 103)}));
  // num_outputs (opset 18): uneven parts [3, 3, 1]; only the last two reach y.
  check_grad(gradcheck(
      [](ModelBuilder& b) {
        ModelBuilder::attr_i(b.node("Split", {"x"}, {"p", "q", "r"}), "num_outputs", 3);
        b.node("Sum", {"q", "r"}, {"y"});
      },
      {grad_in("x", {7}, 104)}, 18));
  check_grad(gradcheck(
      [](ModelBuilder& b) { ModelBuilder::attr_i(b.node("Split", {"x"}, {"y", ""}), "axis", -1); },
      {grad_in("x", {3, 4}, 105)}));
}

TEST_CASE("Gradients of Pad (constant mode: pads, negative pads, axes, the constant) and Tile", "[gradients]") {
  check_grad(gradcheck(
      [](ModelBuilder& b) {
        b.init_i("pads", {4}, {1, 0, 2, 3});
        b.node("Pad", {"x", "pads"}, {"y"});
      },
      {grad_in("x", {2, 3}, 106)}));
  check_grad(gradcheck(
      [](ModelBuilder& b) {
        b.init_i("pads", {4}, {-1, 2, 1, -2});
        b.node("Pad", {"x", "pads", "v"}, {"y"});
      },
      {grad_in("x", {3, 4}, 107), {"v", {}, {0.75}}}));
  check_grad(gradcheck(
      [](ModelBuilder& b) {
        b.init_i("pads", {2}, {2, 1});
        b.init_i("axes", {1}, {-1});
        b.node("Pad", {"x", "pads", "v", "axes"}, {"y"});
      },
      {grad_in("x", {2, 3}, 108), {"v", {1}, {-0.5}}}, 18));
  check_grad(gradcheck(
      [](ModelBuilder& b) {
        auto& n = b.node("Pad", {"x"}, {"y"});
        ModelBuilder::attr_ints(n, "pads", {0, 1, 1, 0});
        ModelBuilder::attr_f(n, "value", 2.0f);
      },
      {grad_in("x", {2, 3}, 109)}, 2));
  check_grad(gradcheck(
      [](ModelBuilder& b) {
        b.init_i("reps", {3}, {2, 1, 3});
        b.node("Tile", {"x", "reps"}, {"y"});
      },
      {grad_in("x", {2, 3, 2}, 110)}));
}

TEST_CASE("Gradient of Pad in reflect mode is refused", "[gradients]") {
  const GradCheck r = gradcheck(
      [](ModelBuilder& b) {
        b.init_i("pads", {2}, {1, 1});
        ModelBuilder::attr_s(b.node("Pad", {"x", "pads"}, {"y"}), "mode", "reflect");
      },
      {grad_in("x", {3}, 111)});
  CHECK_THAT(r.error, Catch::Contains("mode \"reflect\""));
}

TEST_CASE("Generated code runs the gradients of the shape ops", "[gradients][build]") {
  check_generated(
      [](ModelBuilder& b) {
        b.init_i("shape", {3}, {2, 3, 4});
        b.node("Reshape", {"a", "shape"}, {"r"});
        ModelBuilder::attr_ints(b.node("Transpose", {"r"}, {"t"}), "perm", {2, 0, 1});  // [4, 2, 3]
        b.init_i("starts", {2}, {3, 0}).init_i("ends", {2}, {-100, 3}).init_i("axes", {2}, {0, 2});
        b.init_i("steps", {2}, {-2, 2});
        b.node("Slice", {"t", "starts", "ends", "axes", "steps"}, {"s"});  // [2, 2, 2]
        b.init_i("split", {2}, {1, 1});
        ModelBuilder::attr_i(b.node("Split", {"s", "split"}, {"p", "q"}), "axis", 1);  // [2, 1, 2] each
        b.init_i("ax", {1}, {1});
        b.node("Squeeze", {"p", "ax"}, {"p2"});
        b.node("Unsqueeze", {"p2", "ax"}, {"p3"});
        ModelBuilder::attr_i(b.node("Concat", {"p3", "q", "p3"}, {"c"}), "axis", 1);  // [2, 3, 2]
        b.init_i("pads", {6}, {0, 1, 0, 1, 0, -1});
        b.node("Pad", {"c", "pads"}, {"pd"});  // [3, 4, 1]
        b.init_i("reps", {3}, {1, 2, 3});
        b.node("Tile", {"pd", "reps"}, {"ti"});  // [3, 8, 3]
        ModelBuilder::attr_i(b.node("Flatten", {"ti"}, {"y"}), "axis", 1);
      },
      {grad_in("a", {24}, 112)});
}

// ---- LayerNormalization ----------------------------------------------------------------------------

// The forward computes its statistics in the stash type, float, also for double X: steps of
// 1e-3 keep float's rounding small against them (the formula's errors would be of order 1).
TEST_CASE("Gradient of LayerNormalization (axis, negative axis, epsilon, without B)", "[gradients]") {
  const double h = 1e-3, tol = 5e-4;
  for (int64_t axis : {-1, 1, 2}) {
    INFO("axis " << axis);
    const int64_t r = axis < 0 ? axis + 3 : axis;
    std::vector<int64_t> ps = {2, 3, 4};
    ps.erase(ps.begin(), ps.begin() + r);
    check_grad(gradcheck(node("LayerNormalization", {"x", "s", "b"}, {{"axis", axis}}),
                    {grad_in("x", {2, 3, 4}, 120), grad_in("s", ps, 121), grad_in("b", ps, 122)}, 17, h),
          tol);
  }
  check_grad(gradcheck(
            [](ModelBuilder& b) { ModelBuilder::attr_f(b.node("LayerNormalization", {"x", "s"}, {"y"}), "epsilon", 0.5f); },
            {grad_in("x", {3, 5}, 123), grad_in("s", {5}, 124)}, 17, h),
        tol);
}

TEST_CASE("Generated code runs the gradient of LayerNormalization", "[gradients][build]") {
  check_generated(node("LayerNormalization", {"x", "s", "b"}, {{"axis", 1}}),
                  {grad_in("x", {2, 3, 4}, 125), grad_in("s", {3, 4}, 126), grad_in("b", {3, 4}, 127)}, 17);
}
