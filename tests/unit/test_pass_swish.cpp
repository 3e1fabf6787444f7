// Gated activations (passes/swish.cpp): Mul(x, Sigmoid(x)) becomes Swish and
// Mul(x, HardSigmoid(x; 1/6, 1/2)) HardSwish, which the epilogue pass folds into the conv
// writing x; an EfficientNet-style block built against a direct computation; the patterns
// that must stay.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "builder.hpp"
#include "naive_conv.hpp"
#include "ops/epilogue.hpp"
#include "passes/pipeline.hpp"
#include "run_check.hpp"

using namespace o2c;
using namespace o2c::test;

namespace {

std::vector<float> ramp(size_t n, float scale, float shift) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = std::sin(float(i) * scale) + shift;
  return v;
}

int count_op(const Graph& g, const std::string& op) {
  int n = 0;
  for (int id : g.live_nodes()) n += g.nodes[id].op == op;
  return n;
}

double silu(double v) { return v / (1.0 + std::exp(-v)); }
double hard_swish(double v) { return v * std::min(1.0, std::max(0.0, v / 6.0 + 0.5)); }

// y = gate applied to x ("Sigmoid" or "HardSigmoid" with alpha), the Mul's operands in either order.
ModelBuilder gated(const char* gate, float alpha, bool gate_first) {
  ModelBuilder b;
  b.input("x", {2, 3, 5});
  auto& n = b.node(gate, {"x"}, {"s"});
  if (std::string(gate) == "HardSigmoid") ModelBuilder::attr_f(n, "alpha", alpha);
  b.node("Mul", gate_first ? std::vector<std::string>{"s", "x"} : std::vector<std::string>{"x", "s"}, {"y"});
  b.output("y");
  return b;
}

}  // namespace

TEST_CASE("A Sigmoid gate of its own input becomes one Swish, a HardSigmoid gate (1/6, 1/2) one HardSwish", "[fuse][build]") {
  for (bool gate_first : {false, true}) {
    INFO("gate first " << gate_first);
    {
      TempDir d;
      const std::string path = gated("Sigmoid", 0, gate_first).save(d.path);
      Graph g = inferred_graph(path);
      run_pass(g, "swish", PassOptions{});
      CHECK(count_op(g, "Swish") == 1);
      CHECK(count_op(g, "Sigmoid") == 0);
      CHECK(count_op(g, "Mul") == 0);
      const Compiled c = compile_file(path);
      Tensor x(DType::Float, {2, 3, 5}), y(DType::Float, {2, 3, 5});
      for (int i = 0; i < 30; ++i) {
        // tails too: exp(-x) overflows below -88
        const double v = i == 0 ? -100.0 : i == 1 ? 100.0 : 9.0 * std::sin(i * 0.7);
        x.data<float>()[i] = float(v);
        y.data<float>()[i] = float(silu(double(float(v))));
      }
      check_one_output(c, d.path, x, "x", y, "y", 1e-6, 1e-7);
    }
    {
      TempDir d;
      const std::string path = gated("HardSigmoid", 1.0f / 6.0f, gate_first).save(d.path);
      Graph g = inferred_graph(path);
      run_pass(g, "swish", PassOptions{});
      CHECK(count_op(g, "HardSwish") == 1);
      CHECK(count_op(g, "HardSigmoid") == 0);
      const Compiled c = compile_file(path);
      Tensor x(DType::Float, {2, 3, 5}), y(DType::Float, {2, 3, 5});
      for (int i = 0; i < 30; ++i) {
        x.data<float>()[i] = 5.0f * std::sin(float(i) * 0.7f);
        y.data<float>()[i] = float(hard_swish(double(x.data<float>()[i])));
      }
      check_one_output(c, d.path, x, "x", y, "y", 1e-6, 1e-7);
    }
  }
}

TEST_CASE("A gate read elsewhere, another HardSigmoid, or a gate of another tensor stays", "[fuse]") {
  {
    ModelBuilder b = gated("Sigmoid", 0, false);
    b.output("s");  // the gate is a graph output too
    TempDir d;
    Graph g = inferred_graph(b.save(d.path));
    run_pass(g, "swish", PassOptions{});
    CHECK(count_op(g, "Swish") == 0);
    CHECK(count_op(g, "Sigmoid") == 1);
  }
  {
    TempDir d;  // HardSigmoid's default alpha, 0.2: not HardSwish
    Graph g = inferred_graph(gated("HardSigmoid", 0.2f, true).save(d.path));
    run_pass(g, "swish", PassOptions{});
    CHECK(count_op(g, "HardSwish") == 0);
    CHECK(count_op(g, "Mul") == 1);
  }
  {
    ModelBuilder b;  // y = z * Sigmoid(x)
    b.input("x", {2, 3}).input("z", {2, 3});
    b.node("Sigmoid", {"x"}, {"s"});
    b.node("Mul", {"z", "s"}, {"y"});
    b.output("y");
    TempDir d;
    Graph g = inferred_graph(b.save(d.path));
    run_pass(g, "swish", PassOptions{});
    CHECK(count_op(g, "Swish") == 0);
  }
}

// x[1,16,6,7] -> 1x1 to 32 -> SiLU -> depthwise 3x3 -> SiLU -> 1x1 to 16: each SiLU spelled
// Sigmoid and Mul. The activations go into the convs' epilogues, so the expansion streams
// into the depthwise conv as in a ReLU6 block.
TEST_CASE("Conv + Sigmoid + Mul (SiLU) runs in the conv's epilogue: the block streams channels last", "[fuse][build]") {
  const std::vector<float> w1 = ramp(32 * 16, 0.37f, 0.f), b1 = ramp(32, 0.9f, 0.1f);
  const std::vector<float> w2 = ramp(32 * 9, 0.53f, 0.f), b2 = ramp(32, 0.7f, 0.f);
  const std::vector<float> w3 = ramp(16 * 32, 0.29f, 0.f), b3 = ramp(16, 1.1f, 0.f);
  ModelBuilder b;
  b.input("x", {1, 16, 6, 7});
  b.init_f("w1", {32, 16, 1, 1}, w1).init_f("b1", {32}, b1);
  b.init_f("w2", {32, 1, 3, 3}, w2).init_f("b2", {32}, b2);
  b.init_f("w3", {16, 32, 1, 1}, w3).init_f("b3", {16}, b3);
  b.node("Conv", {"x", "w1", "b1"}, {"e"});
  b.node("Sigmoid", {"e"}, {"es"});
  b.node("Mul", {"e", "es"}, {"ea"});
  auto& dw = b.node("Conv", {"ea", "w2", "b2"}, {"d"});
  ModelBuilder::attr_i(dw, "group", 32);
  ModelBuilder::attr_ints(dw, "pads", {1, 1, 1, 1});
  b.node("Sigmoid", {"d"}, {"ds"});
  b.node("Mul", {"ds", "d"}, {"da"});
  b.node("Conv", {"da", "w3", "b3"}, {"y"});
  b.output("y");
  TempDir d;
  const Compiled c = compile_file(b.save(d.path));
  CHECK(live_nodes(c, "Sigmoid") == 0);
  CHECK(live_nodes(c, "Mul") == 0);
  CHECK(live_nodes(c, "Swish") == 0);  // both folded into the convs
  CHECK(live_nodes(c, "ConvThenDepthwise") == 1);
  CHECK(c.files.source.find("k::Act::Silu") != std::string::npos);

  std::vector<double> x(16 * 42);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::cos(double(i) * 0.11) * 2.0;
  auto act = [](std::vector<double> v) {
    for (double& e : v) e = silu(e);
    return v;
  };
  const auto e = act(naive_conv(x, w1, b1, 16, 32, 6, 7, 1, 0, 1));
  const auto da = act(naive_conv(e, w2, b2, 32, 32, 6, 7, 3, 1, 32));
  const auto y = naive_conv(da, w3, b3, 32, 16, 6, 7, 1, 0, 1);
  Tensor tx(DType::Float, {1, 16, 6, 7}), ty(DType::Float, {1, 16, 6, 7});
  for (size_t i = 0; i < x.size(); ++i) tx.data<float>()[i] = float(x[i]);
  for (size_t i = 0; i < y.size(); ++i) ty.data<float>()[i] = float(y[i]);
  check_one_output(c, d.path, tx, "x", ty, "y", 1e-5, 1e-5);
}
