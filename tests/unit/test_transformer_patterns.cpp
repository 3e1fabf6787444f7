// The transformer's feed-forward block as exported before opset 20: MatMul by constant
// weights, Add of the bias row (passes/fuse.cpp: the bias joins the MatMul's epilogue),
// then GELU spelled Div, Erf, Add, Mul, Mul (passes/gelu.cpp: one Gelu node), in its
// variants; the built result matches the block computed in double. A pattern whose
// intermediate is read elsewhere, or with another constant, is left alone. A MatMul with a
// bias row and a Relu is one node.
#include <catch2/catch.hpp>

#include <cmath>

#include "builder.hpp"

using namespace o2c;
using namespace o2c::test;

namespace {

constexpr int64_t kRows = 5, kK = 7, kN = 19;

struct Variant {
  bool mul_scale;   // x * (1 / sqrt 2) instead of x / sqrt 2
  bool half_first;  // (x * 0.5) * (erf + 1) instead of (x * (erf + 1)) * 0.5
  bool swapped;     // the constant operands first
  float one = 1.f;  // the constant added to erf
};

// x[1, 5, 7] -> MatMul(W[7, 19]) -> Add(bias[19]) -> h -> GELU -> y; `e_out`: Erf's output is
// an output too.
ModelBuilder ffn_model(const Variant& v, bool e_out) {
  ModelBuilder b(13);
  b.input("x", {1, kRows, kK});
  std::vector<float> w(kK * kN), bias(kN);
  for (int64_t i = 0; i < kK * kN; ++i) w[i] = 0.3f * std::sin(float(i) * 0.37f);
  for (int64_t i = 0; i < kN; ++i) bias[i] = 0.2f * std::cos(float(i));
  b.init_f("w", {kK, kN}, w).init_f("bias", {kN}, bias);
  b.init_f("sqrt2", {}, {1.41421353816986083984375f}).init_f("rsqrt2", {}, {0.707106769084930419921875f});
  b.init_f("one", {}, {v.one}).init_f("half", {}, {0.5f});
  auto bin = [&](const char* op, const std::string& a, const std::string& k, const std::string& out) {
    b.node(op, v.swapped && op != std::string("Div") ? std::vector<std::string>{k, a} : std::vector<std::string>{a, k},
           {out});
  };
  b.node("MatMul", {"x", "w"}, {"m"});
  bin("Add", "m", "bias", "h");
  if (v.mul_scale) bin("Mul", "h", "rsqrt2", "s");
  else bin("Div", "h", "sqrt2", "s");
  b.node("Erf", {"s"}, {"e"});
  bin("Add", "e", "one", "e1");
  if (v.half_first) {
    bin("Mul", "h", "half", "hh");
    b.node("Mul", {"hh", "e1"}, {"y"});
  } else {
    b.node("Mul", {"h", "e1"}, {"p"});
    bin("Mul", "p", "half", "y");
  }
  b.output("y");
  if (e_out) b.output("e");
  return b;
}

void check_ffn(const Variant& v) {
  INFO("mul_scale " << v.mul_scale << ", half_first " << v.half_first << ", swapped " << v.swapped);
  ModelBuilder b = ffn_model(v, false);
  TempDir dir;
  const Compiled c = compile_file(b.save(dir.path));
  CHECK(live_nodes(c, "FusedMatMul") == 1);
  CHECK(live_nodes(c, "Gelu") == 1);
  CHECK(live_nodes(c) == 2);
  Tensor tx(DType::Float, {1, kRows, kK}), ty(DType::Float, {1, kRows, kN});
  for (int64_t i = 0; i < kRows * kK; ++i) tx.data<float>()[i] = 2.f * std::cos(float(i) * 0.9f);
  for (int64_t r = 0; r < kRows; ++r)
    for (int64_t n = 0; n < kN; ++n) {
      double h = double(0.2f * std::cos(float(n)));
      for (int64_t k = 0; k < kK; ++k)
        h += double(tx.data<float>()[r * kK + k]) * double(0.3f * std::sin(float(k * kN + n) * 0.37f));
      ty.data<float>()[r * kN + n] = float(0.5 * h * (1.0 + std::erf(h / std::sqrt(2.0))));
    }
  check_one_output(c, dir.path, tx, "x", ty, "y", 1e-5, 1e-5);
}

}  // namespace

TEST_CASE("MatMul + bias + GELU as exported before opset 20 become MatMul+Add and one Gelu", "[fuse][build]") {
  check_ffn({false, false, false});
  check_ffn({true, false, false});
  check_ffn({false, true, false});
  check_ffn({true, true, true});
}

TEST_CASE("A GELU pattern read in the middle, or with another constant, is left alone", "[fuse]") {
  {
    ModelBuilder b = ffn_model({false, false, false}, true);
    TempDir dir;
    const Compiled c = compile_file(b.save(dir.path));
    CHECK(live_nodes(c, "Gelu") == 0);
    CHECK(live_nodes(c, "Erf") == 1);
    CHECK(live_nodes(c, "FusedMatMul") == 1);  // with the bias still
    CHECK(live_nodes(c, "Add") == 1);     // erf + 1
  }
  ModelBuilder b = ffn_model({false, false, false, 2.f}, false);
  TempDir dir;
  const Compiled c = compile_file(b.save(dir.path));
  CHECK(live_nodes(c, "Gelu") == 0);
  CHECK(live_nodes(c, "Erf") == 1);
}

TEST_CASE("MatMul by constant weights takes its bias row and a Relu into one node", "[fuse][build]") {
  for (bool bias : {true, false}) {
    INFO((bias ? "with" : "without") << " the bias");
    ModelBuilder b(13);
    b.input("x", {2, kRows, kK});
    std::vector<float> w(kK * kN), row(kN);
    for (int64_t i = 0; i < kK * kN; ++i) w[i] = 0.3f * std::sin(float(i) * 0.37f);
    for (int64_t i = 0; i < kN; ++i) row[i] = 0.2f * std::cos(float(i));
    b.init_f("w", {kK, kN}, w).init_f("bias", {1, 1, kN}, row);
    b.node("MatMul", {"x", "w"}, {"m"});
    if (bias) b.node("Add", {"bias", "m"}, {"h"});
    b.node("Relu", {bias ? "h" : "m"}, {"y"});
    b.output("y");
    TempDir dir;
    const Compiled c = compile_file(b.save(dir.path));
    CHECK(live_nodes(c) == 1);
    Tensor tx(DType::Float, {2, kRows, kK}), ty(DType::Float, {2, kRows, kN});
    for (int64_t i = 0; i < 2 * kRows * kK; ++i) tx.data<float>()[i] = 2.f * std::cos(float(i) * 0.9f);
    for (int64_t r = 0; r < 2 * kRows; ++r)
      for (int64_t n = 0; n < kN; ++n) {
        double h = bias ? double(row[n]) : 0.0;
        for (int64_t k = 0; k < kK; ++k) h += double(tx.data<float>()[r * kK + k]) * double(w[k * kN + n]);
        ty.data<float>()[r * kN + n] = float(h > 0 ? h : 0.0);
      }
    check_one_output(c, dir.path, tx, "x", ty, "y", 1e-5, 1e-5);
  }
}
