// LayerNorm as exported before opset 17 (passes/layer_norm.cpp): the pattern becomes one
// LayerNormalization node, whose built result matches the normalization computed in double;
// a pattern whose intermediate is read elsewhere stays as it is.
#include <catch2/catch.hpp>

#include <cmath>

#include "builder.hpp"

using namespace o2c;
using namespace o2c::test;

namespace {

constexpr int64_t kRows = 6, kD = 37;

// x[2, 3, 37] -> the pattern (ReduceMean's axes as an attribute before opset 18, an input
// from 18) -> y; with `beta`, the Add of beta; with `d_out`, the difference x - mean is an
// output too.
ModelBuilder ln_model(int opset, bool beta, bool d_out) {
  ModelBuilder b(opset);
  b.input("x", {2, 3, kD});
  std::vector<float> gamma(kD), bias(kD);
  for (int64_t i = 0; i < kD; ++i) gamma[i] = 0.5f + 0.01f * float(i), bias[i] = 0.1f * std::sin(float(i));
  b.init_f("gamma", {kD}, gamma).init_f("beta", {kD}, bias).init_f("two", {}, {2.f}).init_f("eps", {}, {1e-5f});
  auto mean = [&](const std::string& in, const std::string& out) {
    if (opset >= 18) {
      b.node("ReduceMean", {in, "axes"}, {out});
    } else {
      auto& n = b.node("ReduceMean", {in}, {out});
      ModelBuilder::attr_ints(n, "axes", {-1});
    }
  };
  if (opset >= 18) b.init_i("axes", {1}, {-1});
  mean("x", "m");
  b.node("Sub", {"x", "m"}, {"d"});
  b.node("Pow", {"d", "two"}, {"p"});
  mean("p", "v");
  b.node("Add", {"v", "eps"}, {"a"});
  b.node("Sqrt", {"a"}, {"s"});
  b.node("Div", {"d", "s"}, {"n"});
  b.node("Mul", {"n", "gamma"}, beta ? std::vector<std::string>{"g"} : std::vector<std::string>{"y"});
  if (beta) b.node("Add", {"g", "beta"}, {"y"});
  b.output("y");
  if (d_out) b.output("d");
  return b;
}

void check_ln(int opset, bool beta) {
  INFO("opset " << opset << (beta ? " with beta" : ""));
  ModelBuilder b = ln_model(opset, beta, false);
  TempDir dir;
  const Compiled c = compile_file(b.save(dir.path));
  int ln = 0, others = 0;
  for (int id : c.graph.order) (c.graph.nodes[id].op == "LayerNormalization" ? ln : others) += 1;
  CHECK(ln == 1);
  CHECK(others == 0);
  Tensor tx(DType::Float, {2, 3, kD}), ty(DType::Float, {2, 3, kD});
  for (int64_t r = 0; r < kRows; ++r) {
    double mean = 0, var = 0;
    for (int64_t i = 0; i < kD; ++i) mean += (tx.data<float>()[r * kD + i] = std::cos(float(r * kD + i) * 0.7f) * 3.f);
    mean /= kD;
    for (int64_t i = 0; i < kD; ++i) var += std::pow(tx.data<float>()[r * kD + i] - mean, 2.0);
    var /= kD;
    for (int64_t i = 0; i < kD; ++i) {
      const double g = 0.5 + 0.01 * double(float(i)), bb = beta ? double(0.1f * std::sin(float(i))) : 0.0;
      ty.data<float>()[r * kD + i] = float((tx.data<float>()[r * kD + i] - mean) / std::sqrt(var + 1e-5) * g + bb);
    }
  }
  check_one_output(c, dir.path, tx, "x", ty, "y", 1e-5, 1e-5);
}

}  // namespace

TEST_CASE("LayerNorm exported as ReduceMean, Sub, Pow, ... becomes one LayerNormalization", "[fuse][build]") {
  check_ln(13, true);
  check_ln(18, true);
  check_ln(13, false);
}

TEST_CASE("A LayerNorm pattern whose intermediate is read elsewhere is left alone", "[fuse]") {
  ModelBuilder b = ln_model(13, true, true);
  TempDir dir;
  const Compiled c = compile_file(b.save(dir.path));
  for (int id : c.graph.order) CHECK(c.graph.nodes[id].op != "LayerNormalization");
}
