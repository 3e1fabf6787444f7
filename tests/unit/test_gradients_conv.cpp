// Gradient rules of the convolutions, pools and normalizations against central differences
// (gradcheck.hpp): one case per attribute combination that changes the rule's arithmetic.
#include <catch2/catch.hpp>

#include <cmath>

#include "gradcheck.hpp"

using namespace o2c;
using namespace o2c::test;

namespace {

// Integer-list attributes of one node, and string ones ("auto_pad").
struct Attrs {
  std::vector<std::pair<std::string, std::vector<int64_t>>> ints;
  std::vector<std::pair<std::string, std::string>> strs;
};

void set_attrs(onnx::NodeProto& n, const Attrs& a) {
  for (const auto& [k, v] : a.ints) {
    if (v.size() == 1 && (k == "group" || k == "ceil_mode" || k == "count_include_pad" || k == "training_mode"))
      ModelBuilder::attr_i(n, k, v[0]);
    else ModelBuilder::attr_ints(n, k, v);
  }
  for (const auto& [k, v] : a.strs) ModelBuilder::attr_s(n, k, v);
}

// y = op(inputs...) with the attributes, checked on every input.
void check_op(const std::string& op, const std::vector<GradInput>& inputs, const Attrs& a, int opset = 13) {
  std::vector<std::string> names;
  for (const auto& x : inputs) names.push_back(x.name);
  check_grad(gradcheck([&](ModelBuilder& b) { set_attrs(b.node(op, names, {"y"}), a); }, inputs, opset));
}

}  // namespace

TEST_CASE("Gradients of Conv: X, W and B with groups, strides, asymmetric pads, dilations", "[gradients]") {
  SECTION("2-D, 2 groups, strides 2x1, pads, dilations 1x2") {
    check_op("Conv", {grad_in("x", {2, 4, 6, 5}, 1), grad_in("w", {6, 2, 3, 2}, 2), grad_in("b", {6}, 3)},
             {{{"group", {2}}, {"strides", {2, 1}}, {"pads", {1, 0, 0, 1}}, {"dilations", {1, 2}}}, {}});
  }
  SECTION("2-D depthwise, stride 2, SAME_UPPER") {
    check_op("Conv", {grad_in("x", {1, 3, 6, 5}, 4), grad_in("w", {3, 1, 3, 3}, 5)},
             {{{"group", {3}}, {"strides", {2, 2}}}, {{"auto_pad", "SAME_UPPER"}}});
  }
  SECTION("1-D, stride 2, SAME_LOWER") {
    check_op("Conv", {grad_in("x", {2, 3, 7}, 6), grad_in("w", {4, 3, 4}, 7), grad_in("b", {4}, 8)},
             {{{"strides", {2}}}, {{"auto_pad", "SAME_LOWER"}}});
  }
  SECTION("1-D VALID, stride 3, dilation 2: the last rows of X reach no window") {
    check_op("Conv", {grad_in("x", {1, 2, 10}, 9), grad_in("w", {3, 2, 2}, 10)},
             {{{"strides", {3}}, {"dilations", {2}}}, {{"auto_pad", "VALID"}}});
  }
  SECTION("2-D 1x1 (the weights' product reads X in place)") {
    check_op("Conv", {grad_in("x", {2, 3, 4, 3}, 11), grad_in("w", {5, 3, 1, 1}, 12), grad_in("b", {5}, 13)}, {});
  }
  SECTION("3-D, strides, pads") {
    check_op("Conv", {grad_in("x", {1, 2, 3, 4, 3}, 14), grad_in("w", {2, 2, 2, 2, 2}, 15), grad_in("b", {2}, 16)},
             {{{"strides", {1, 2, 1}}, {"pads", {1, 0, 1, 0, 1, 0}}}, {}});
  }
}

TEST_CASE("Gradients of ConvTranspose: X, W and B with groups, strides, pads, output_padding", "[gradients]") {
  SECTION("2-D, 2 groups, strides 2x1, asymmetric pads, dilations 1x2") {
    check_op("ConvTranspose", {grad_in("x", {2, 4, 3, 4}, 21), grad_in("w", {4, 3, 3, 2}, 22), grad_in("b", {6}, 23)},
             {{{"group", {2}}, {"strides", {2, 1}}, {"pads", {1, 0, 0, 1}}, {"dilations", {1, 2}}}, {}});
  }
  SECTION("1-D, stride 2, output_padding 1") {
    check_op("ConvTranspose", {grad_in("x", {1, 3, 4}, 24), grad_in("w", {3, 2, 3}, 25)},
             {{{"strides", {2}}, {"output_padding", {1}}}, {}});
  }
  SECTION("1-D output_shape, depthwise (3 groups)") {
    check_op("ConvTranspose", {grad_in("x", {2, 3, 4}, 28), grad_in("w", {3, 1, 3}, 29)},
             {{{"group", {3}}, {"strides", {2}}, {"output_shape", {8}}}, {}});
  }
  SECTION("2-D SAME_UPPER, stride 2") {
    check_op("ConvTranspose", {grad_in("x", {1, 2, 3, 3}, 26), grad_in("w", {2, 2, 3, 3}, 27)},
             {{{"strides", {2, 2}}}, {{"auto_pad", "SAME_UPPER"}}});
  }
}

TEST_CASE("Gradients of GlobalAveragePool and GlobalMaxPool", "[gradients]") {
  check_op("GlobalAveragePool", {grad_in("x", {2, 3, 4, 3}, 31)}, {});
  check_op("GlobalAveragePool", {grad_in("x", {2, 3, 5}, 32)}, {});
  check_op("GlobalMaxPool", {grad_in("x", {2, 3, 4, 3}, 33)}, {});
}

TEST_CASE("Gradients of MaxPool: kernel, strides, pads, dilations, ceil_mode, the first maximum", "[gradients]") {
  SECTION("2-D 3x2, strides 2x1, asymmetric pads") {
    check_op("MaxPool", {grad_in("x", {2, 2, 6, 5}, 41)}, {{{"kernel_shape", {3, 2}}, {"strides", {2, 1}}, {"pads", {1, 0, 0, 1}}}, {}});
  }
  SECTION("2-D dilations 2x1, ceil_mode") {
    check_op("MaxPool", {grad_in("x", {1, 2, 7, 6}, 42)},
             {{{"kernel_shape", {2, 2}}, {"strides", {2, 2}}, {"dilations", {2, 1}}, {"ceil_mode", {1}}}, {}});
  }
  SECTION("1-D SAME_UPPER, 3-D") {
    check_op("MaxPool", {grad_in("x", {1, 3, 7}, 43)}, {{{"kernel_shape", {3}}, {"strides", {2}}}, {{"auto_pad", "SAME_UPPER"}}});
    check_op("MaxPool", {grad_in("x", {1, 1, 4, 3, 4}, 44)}, {{{"kernel_shape", {2, 2, 2}}, {"strides", {2, 1, 2}}}, {}});
  }
  SECTION("ties: the gradient goes to the first maximum (PyTorch's choice)") {
    // Windows 2x2, stride 1, on equal maxima: the first in each window's row-major order wins
    // (central differences are not defined there: the rule's result is checked alone).
    const std::vector<double> x = {1, 3, 3, 0, 3, 3, 2, 1, 0};
    const GradCheck r = gradcheck(
        [](ModelBuilder& b) { ModelBuilder::attr_ints(b.node("MaxPool", {"x"}, {"y"}), "kernel_shape", {2, 2}); },
        {{"x", {1, 1, 3, 3}, x}});
    REQUIRE(r.error.empty());
    const std::vector<double> w = grad_values(4, 99);  // the loss's weights of y's 2x2
    CHECK(r.analytic.at(0) == std::vector<double>{0, w[0] + w[1], 0, 0, w[2] + w[3], 0, 0, 0, 0});
  }
}

TEST_CASE("Gradients of AveragePool: count_include_pad, pads, ceil_mode, strides", "[gradients]") {
  for (int include : {0, 1}) {
    INFO("count_include_pad " << include);
    check_op("AveragePool", {grad_in("x", {2, 2, 6, 5}, 51)},
             {{{"kernel_shape", {3, 2}}, {"strides", {2, 1}}, {"pads", {1, 0, 1, 1}}, {"count_include_pad", {include}}}, {}});
    check_op("AveragePool", {grad_in("x", {1, 2, 7, 6}, 52)},
             {{{"kernel_shape", {3, 3}}, {"strides", {2, 2}}, {"pads", {1, 1, 0, 0}}, {"ceil_mode", {1}}, {"count_include_pad", {include}}},
              {}});
  }
  check_op("AveragePool", {grad_in("x", {1, 3, 8}, 53)}, {{{"kernel_shape", {3}}, {"strides", {2}}}, {{"auto_pad", "SAME_LOWER"}}});
  check_op("AveragePool", {grad_in("x", {1, 2, 7, 6}, 54)}, {{{"kernel_shape", {2, 2}}, {"dilations", {2, 2}}}, {}}, 19);
}

TEST_CASE("Gradients of BatchNormalization (inference and training mode) and InstanceNormalization", "[gradients]") {
  auto positive = [](GradInput v) {
    for (double& x : v.values) x = 0.5 + std::abs(x);
    return v;
  };
  SECTION("inference: X, scale, B, mean and var") {
    check_op("BatchNormalization",
             {grad_in("x", {2, 3, 4, 3}, 61), grad_in("s", {3}, 62), grad_in("b", {3}, 63), grad_in("m", {3}, 64), positive(grad_in("v", {3}, 65))},
             {}, 15);
    check_op("BatchNormalization",
             {grad_in("x", {3, 2}, 66), grad_in("s", {2}, 67), grad_in("b", {2}, 68), grad_in("m", {2}, 69), positive(grad_in("v", {2}, 70))}, {}, 9);
  }
  SECTION("training mode: batch statistics") {
    check_op("BatchNormalization",
             {grad_in("x", {2, 3, 4, 3}, 71), grad_in("s", {3}, 72), grad_in("b", {3}, 73), grad_in("m", {3}, 74), positive(grad_in("v", {3}, 75))},
             {{{"training_mode", {1}}}, {}}, 15);
    check_op("BatchNormalization",
             {grad_in("x", {4, 2, 3}, 76), grad_in("s", {2}, 77), grad_in("b", {2}, 78), grad_in("m", {2}, 79), positive(grad_in("v", {2}, 80))},
             {{{"training_mode", {1}}}, {}}, 15);
  }
  SECTION("InstanceNormalization") {
    check_op("InstanceNormalization", {grad_in("x", {2, 3, 4, 3}, 81), grad_in("s", {3}, 82), grad_in("b", {3}, 83)}, {});
    check_op("InstanceNormalization", {grad_in("x", {2, 2, 5}, 84), grad_in("s", {2}, 85), grad_in("b", {2}, 86)}, {});
  }
}

TEST_CASE("The conv, pool and normalization gradients run in generated code", "[gradients][build]") {
  // x -> Conv (2 groups, stride 2, pads) -> BatchNorm (training) -> Relu -> MaxPool ->
  // ConvTranspose -> InstanceNorm -> BatchNorm (inference) -> AveragePool -> depthwise Conv
  // -> GlobalAveragePool + GlobalMaxPool: every rule of this file, its backward nodes built and run.
  auto nodes = [](ModelBuilder& b) {
    auto& c1 = b.node("Conv", {"x", "w1", "b1"}, {"c1"});
    ModelBuilder::attr_i(c1, "group", 2);
    ModelBuilder::attr_ints(c1, "strides", {2, 2});
    ModelBuilder::attr_ints(c1, "pads", {1, 0, 1, 1});
    ModelBuilder::attr_i(b.node("BatchNormalization", {"c1", "s1", "t1", "m1", "v1"}, {"n1"}), "training_mode", 1);
    b.node("Relu", {"n1"}, {"r1"});
    auto& p1 = b.node("MaxPool", {"r1"}, {"p1"});
    ModelBuilder::attr_ints(p1, "kernel_shape", {3, 3});
    ModelBuilder::attr_ints(p1, "pads", {1, 1, 1, 1});
    auto& u = b.node("ConvTranspose", {"p1", "w2", "b2"}, {"u"});
    ModelBuilder::attr_ints(u, "strides", {2, 2});
    ModelBuilder::attr_ints(u, "output_padding", {1, 0});
    b.node("InstanceNormalization", {"u", "s2", "t2"}, {"n2"});
    b.node("BatchNormalization", {"n2", "s3", "t3", "m3", "v3"}, {"n3"});
    auto& a = b.node("AveragePool", {"n3"}, {"a"});
    ModelBuilder::attr_ints(a, "kernel_shape", {2, 2});
    ModelBuilder::attr_ints(a, "pads", {1, 0, 0, 1});
    ModelBuilder::attr_i(a, "ceil_mode", 1);
    auto& d = b.node("Conv", {"a", "w3"}, {"d"});
    ModelBuilder::attr_i(d, "group", 4);
    ModelBuilder::attr_ints(d, "pads", {1, 1, 1, 1});
    b.node("GlobalAveragePool", {"d"}, {"g1"});
    b.node("GlobalMaxPool", {"d"}, {"g2"});
    b.node("Add", {"g1", "g2"}, {"y"});
  };
  auto positive = [](GradInput v) {
    for (double& x : v.values) x = 0.5 + std::abs(x);
    return v;
  };
  const std::vector<GradInput> inputs = {
      grad_in("x", {2, 4, 9, 8}, 1), grad_in("w1", {6, 2, 3, 3}, 2), grad_in("b1", {6}, 3),  grad_in("s1", {6}, 4),
      grad_in("t1", {6}, 5),         grad_in("m1", {6}, 6),          positive(grad_in("v1", {6}, 7)), grad_in("w2", {6, 4, 2, 2}, 8),
      grad_in("b2", {4}, 9),         grad_in("s2", {4}, 10),         grad_in("t2", {4}, 11), grad_in("s3", {4}, 12),
      grad_in("t3", {4}, 13),        grad_in("m3", {4}, 14),         positive(grad_in("v3", {4}, 15)), grad_in("w3", {4, 1, 3, 3}, 16)};
  check_generated(nodes, inputs, 15, 1e-3, 1e-4);
}

TEST_CASE("Gradients of LayerNormalization (axis, negative axis, no B)", "[gradients]") {
  // The statistics are computed in float (stash_type 1, the one LayerNormalization takes): a
  // larger step, and a tolerance above float's rounding over it.
  auto ln = [](int64_t axis, bool bias) {
    return [=](ModelBuilder& b) {
      std::vector<std::string> ins = {"x", "s"};
      if (bias) ins.push_back("b");
      ModelBuilder::attr_i(b.node("LayerNormalization", ins, {"y"}), "axis", axis);
    };
  };
  check_grad(gradcheck(ln(-1, true), {grad_in("x", {3, 5}, 91), grad_in("s", {5}, 92), grad_in("b", {5}, 93)}, 17, 1e-2), 2e-3);
  check_grad(gradcheck(ln(1, false), {grad_in("x", {2, 3, 4}, 94), grad_in("s", {3, 4}, 95)}, 17, 1e-2), 2e-3);
}

TEST_CASE("LpPool's gradient is refused, naming the op", "[gradients]") {
  const GradCheck r = gradcheck(
      [](ModelBuilder& b) { ModelBuilder::attr_ints(b.node("LpPool", {"x"}, {"y"}), "kernel_shape", {2}); },
      {grad_in("x", {1, 1, 4}, 97)}, 18);
  CHECK_THAT(r.error, Catch::Contains("LpPool"));
}
