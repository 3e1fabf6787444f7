// Normalizations, LpPool, CumProd and the losses where the ONNX node tests do not reach:
// attribute values they skip (GroupNormalization-18's scale and bias per group, LpPool-1's
// float p, RMSNormalization's stash_type=11, a constant CumProd axis) and the eval functions
// (the node tests feed every input at run time, so nothing of theirs folds). Each op here
// reads constants only: constant folding runs its kernels in the compiler; the results are
// checked against double references.
#include <catch2/catch.hpp>

#include <cmath>

#include "builder.hpp"

using namespace o2c;
using namespace o2c::test;

namespace {

// v's folded contents (builder.hpp's folded), checked to have the given shape.
std::vector<double> folded_values(ModelBuilder& b, const std::string& v, std::vector<int64_t> shape) {
  const Tensor t = folded(b, v, shape);
  CHECK(t.shape == Shape(shape.begin(), shape.end()));
  return doubles(t);
}

void check_close(const std::vector<double>& got, const std::vector<double>& want, double tol) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i << ": got " << got[i] << ", want " << want[i]);
    CHECK(std::fabs(got[i] - want[i]) <= tol * (1 + std::fabs(want[i])));
  }
}

std::vector<float> ramp(int64_t n, float a, float step) {
  std::vector<float> v;
  for (int64_t i = 0; i < n; ++i) v.push_back(a + step * static_cast<float>(i * i % 7) + 0.1f * static_cast<float>(i));
  return v;
}

}  // namespace

TEST_CASE("GroupNormalization-18: scale and bias per group", "[ops][norm]") {
  const int64_t N = 2, C = 4, S = 3, G = 2;
  const auto X = ramp(N * C * S, -1.0f, 0.5f);
  const std::vector<float> scale = {2.0f, -0.5f}, bias = {0.25f, 1.0f};
  ModelBuilder b(18);
  b.init_f("X", {N, C, S}, X).init_f("scale", {G}, scale).init_f("bias", {G}, bias);
  auto& n = b.node("GroupNormalization", {"X", "scale", "bias"}, {"v"});
  ModelBuilder::attr_i(n, "num_groups", G);
  ModelBuilder::attr_f(n, "epsilon", 1e-3f);
  std::vector<double> want;
  for (int64_t i = 0; i < N * G; ++i) {
    const int64_t len = C / G * S, g = i % G;
    double m = 0, var = 0;
    for (int64_t k = 0; k < len; ++k) m += X[size_t(i * len + k)];
    m /= double(len);
    for (int64_t k = 0; k < len; ++k) var += (X[size_t(i * len + k)] - m) * (X[size_t(i * len + k)] - m);
    const double inv = 1 / std::sqrt(var / double(len) + 1e-3);
    for (int64_t k = 0; k < len; ++k) want.push_back((X[size_t(i * len + k)] - m) * inv * scale[size_t(g)] + bias[size_t(g)]);
  }
  check_close(folded_values(b, "v", {N, C, S}), want, 1e-5);
}

TEST_CASE("LpPool: a float p (version 1) and p=3", "[ops][pool]") {
  const auto X = ramp(2 * 5, -2.0f, 0.75f);  // [1, 2, 5], windows of 2, stride 1
  for (int version : {1, 18}) {
    const double p = version == 1 ? 2.5 : 3.0;
    ModelBuilder b(version);
    b.init_f("X", {1, 2, 5}, X);
    auto& n = b.node("LpPool", {"X"}, {"v"});
    ModelBuilder::attr_ints(n, "kernel_shape", {2});
    if (version == 1) ModelBuilder::attr_f(n, "p", static_cast<float>(p));
    else ModelBuilder::attr_i(n, "p", static_cast<int64_t>(p));
    std::vector<double> want;
    for (int c = 0; c < 2; ++c)
      for (int o = 0; o < 4; ++o)
        want.push_back(std::pow(std::pow(std::fabs(double(X[size_t(c * 5 + o)])), p) +
                                    std::pow(std::fabs(double(X[size_t(c * 5 + o + 1)])), p),
                                1 / p));
    INFO("version " << version << ", p=" << p);
    check_close(folded_values(b, "v", {1, 2, 4}), want, 1e-5);
  }
}

TEST_CASE("CumProd with a constant axis, exclusive and reverse", "[ops][misc]") {
  const std::vector<float> X = {1, 2, 3, -1, 0.5f, 4};  // [2, 3]
  ModelBuilder b(26);
  b.init_f("X", {2, 3}, X).init_i("axis", {}, {-1});
  auto& n = b.node("CumProd", {"X", "axis"}, {"v"});
  ModelBuilder::attr_i(n, "exclusive", 1);
  ModelBuilder::attr_i(n, "reverse", 1);
  check_close(folded_values(b, "v", {2, 3}), {6, 3, 1, 2, 4, 1}, 0);
}

TEST_CASE("RMSNormalization with stash_type=11 (double)", "[ops][norm]") {
  const auto X = ramp(2 * 6, -1.5f, 0.4f);  // [2, 6], normalized over the last dim
  const auto scale = ramp(6, 0.5f, 0.25f);
  ModelBuilder b(23);
  b.init_f("X", {2, 6}, X).init_f("scale", {6}, scale);
  auto& n = b.node("RMSNormalization", {"X", "scale"}, {"v"});
  ModelBuilder::attr_i(n, "stash_type", 11);
  std::vector<double> want;
  for (int r = 0; r < 2; ++r) {
    double ms = 0;
    for (int i = 0; i < 6; ++i) ms += double(X[size_t(r * 6 + i)]) * X[size_t(r * 6 + i)];
    const double inv = 1 / std::sqrt(ms / 6 + 1e-5);
    for (int i = 0; i < 6; ++i) want.push_back(X[size_t(r * 6 + i)] * inv * scale[size_t(i)]);
  }
  check_close(folded_values(b, "v", {2, 6}), want, 1e-6);
}

TEST_CASE("LayerNormalization's Mean and InvStdDev", "[ops][norm]") {
  const auto X = ramp(3 * 4, 0.5f, 0.3f);  // [3, 4], axis 1
  ModelBuilder b(17);
  b.init_f("X", {3, 4}, X).init_f("W", {4}, {1, 2, 3, 4});
  b.node("LayerNormalization", {"X", "W"}, {"Y", "mean", "inv"});
  auto& cat = b.node("Concat", {"mean", "inv"}, {"v"});  // [3, 2]: each row's mean and inverse std
  ModelBuilder::attr_i(cat, "axis", 1);
  std::vector<double> want;
  for (int r = 0; r < 3; ++r) {
    double m = 0, var = 0;
    for (int i = 0; i < 4; ++i) m += X[size_t(r * 4 + i)];
    m /= 4;
    for (int i = 0; i < 4; ++i) var += (X[size_t(r * 4 + i)] - m) * (X[size_t(r * 4 + i)] - m);
    want.push_back(m);
    want.push_back(1 / std::sqrt(var / 4 + 1e-5));
  }
  check_close(folded_values(b, "v", {3, 2}), want, 1e-5);
}

TEST_CASE("NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss", "[ops][loss]") {
  // Scores [N=2, C=3, D=2], targets [2, 2] (one ignored), class weights.
  const auto S = ramp(12, -2.0f, 0.6f);
  const std::vector<int64_t> T = {0, 2, 1, 1};
  const std::vector<float> W = {0.5f, 2.0f, 1.5f};
  for (bool sce : {false, true}) {
    ModelBuilder b(13);
    b.init_f("S", {2, 3, 2}, S).init_i("T", {2, 2}, T).init_f("W", {3}, W);
    auto& n = b.node(sce ? "SoftmaxCrossEntropyLoss" : "NegativeLogLikelihoodLoss", {"S", "T", "W"}, {"loss"});
    ModelBuilder::attr_i(n, "ignore_index", 2);
    b.node("Unsqueeze", {"loss", "ax0"}, {"v"});
    b.init_i("ax0", {1}, {0});
    // The log-probabilities: the scores themselves, or their log-softmax over the classes.
    std::vector<double> logp(S.begin(), S.end());
    if (sce)
      for (int nn = 0; nn < 2; ++nn)
        for (int d = 0; d < 2; ++d) {
          double sum = 0;
          for (int c = 0; c < 3; ++c) sum += std::exp(double(S[size_t((nn * 3 + c) * 2 + d)]));
          for (int c = 0; c < 3; ++c) logp[size_t((nn * 3 + c) * 2 + d)] -= std::log(sum);
        }
    double loss = 0, wsum = 0;
    for (int nn = 0; nn < 2; ++nn)
      for (int d = 0; d < 2; ++d) {
        const int64_t t = T[size_t(nn * 2 + d)];
        if (t == 2) continue;
        loss -= logp[size_t((nn * 3 + t) * 2 + d)] * W[size_t(t)];
        wsum += W[size_t(t)];
      }
    INFO(n.op_type());
    check_close(folded_values(b, "v", {1}), {loss / wsum}, 1e-5);
  }
}

TEST_CASE("refused: LpNormalization with p=3, LayerNormalization with a double stash", "[ops][norm]") {
  for (int which = 0; which < 2; ++which) {
    ModelBuilder b(22);
    b.input("x", {2, 3});
    if (which == 0) {
      auto& n = b.node("LpNormalization", {"x"}, {"y"});
      ModelBuilder::attr_i(n, "p", 3);
    } else {
      b.init_f("W", {3}, {1, 1, 1});
      auto& n = b.node("LayerNormalization", {"x", "W"}, {"y"});
      ModelBuilder::attr_i(n, "stash_type", 11);
    }
    b.output("y");
    TempDir d;
    const std::string path = b.save(d.path);
    CHECK_THROWS_AS(compile_file(path), UnsupportedError);
  }
}
