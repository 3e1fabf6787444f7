// templates/random.hpp: the counter-based generator's distributions (mean and variance
// within bounds over many samples), reproducibility for a key, different keys differing, and
// the kernels built on it (Bernoulli, Multinomial, training-mode Dropout).
#include "templates/common.hpp"
#include "templates/random.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

namespace {

namespace k = onnx2cpp_k;
using i64 = std::int64_t;

struct Moments {
  double mean = 0, var = 0;
};
template <class T>
Moments moments(const std::vector<T>& v) {
  Moments m;
  for (T x : v) m.mean += static_cast<double>(x);
  m.mean /= static_cast<double>(v.size());
  for (T x : v) m.var += (static_cast<double>(x) - m.mean) * (static_cast<double>(x) - m.mean);
  m.var /= static_cast<double>(v.size());
  return m;
}

const i64 kN = 200000;  // standard error of a mean of unit variance: 0.0022

}  // namespace

TEST_CASE("random_uniform: in [low, high), mean and variance of the uniform distribution", "[random]") {
  for (i64 key : {i64{0}, i64{1}, i64{123456789}}) {
    std::vector<float> y(kN);
    k::random_uniform(y.data(), kN, key, -2.0, 3.0);
    for (float v : y) REQUIRE((v >= -2.0f && v < 3.0f));
    const Moments m = moments(y);
    CHECK(std::fabs(m.mean - 0.5) < 0.02);           // 25 / 12 variance: se 0.0032
    CHECK(std::fabs(m.var - 25.0 / 12.0) < 0.03);
  }
  // Rounding to float cannot reach high.
  std::vector<float> y(1000);
  k::random_uniform(y.data(), 1000, 7, 1.0, 1.0000001);
  for (float v : y) CHECK(v < 1.0000001f);
}

TEST_CASE("random_normal: mean and variance", "[random]") {
  std::vector<double> y(kN);
  k::random_normal(y.data(), kN, 42, 1.5, 2.0);
  const Moments m = moments(y);
  CHECK(std::fabs(m.mean - 1.5) < 0.02);
  CHECK(std::fabs(m.var - 4.0) < 0.06);
  for (double v : y) REQUIRE(std::isfinite(v));
}

TEST_CASE("random: a key reproduces its stream, other keys differ", "[random]") {
  std::vector<float> a(1000), b(1000), c(1000);
  k::random_uniform(a.data(), 1000, 99, 0.0, 1.0);
  k::random_uniform(b.data(), 1000, 99, 0.0, 1.0);
  k::random_uniform(c.data(), 1000, 100, 0.0, 1.0);
  CHECK(a == b);
  i64 same = 0;
  for (size_t i = 0; i < a.size(); ++i) same += a[i] == c[i];
  CHECK(same < 5);
  // Element k depends on k alone (counter-based): a prefix is the same stream.
  std::vector<float> d(10);
  k::random_uniform(d.data(), 10, 99, 0.0, 1.0);
  CHECK(std::vector<float>(a.begin(), a.begin() + 10) == d);
  // Neighbouring elements are not correlated.
  double cov = 0;
  for (size_t i = 0; i + 1 < a.size(); ++i) cov += (a[i] - 0.5) * (a[i + 1] - 0.5);
  CHECK(std::fabs(cov / 999.0) < 0.01);  // variance 1/12 = 0.083
}

TEST_CASE("bernoulli: values in {0, 1} with mean p", "[random]") {
  std::vector<float> p(kN, 0.3f);
  std::vector<int32_t> y(kN);
  k::bernoulli(p.data(), y.data(), kN, 5);
  for (int32_t v : y) REQUIRE((v == 0 || v == 1));
  CHECK(std::fabs(moments(y).mean - 0.3) < 0.005);  // se 0.001
  std::vector<float> zero(100, 0.f), one(100, 1.f);
  std::vector<uint8_t> yz(100), yo(100);
  k::bernoulli(zero.data(), yz.data(), 100, 5);
  k::bernoulli(one.data(), yo.data(), 100, 5);
  for (int i = 0; i < 100; ++i) CHECK((yz[i] == 0 && yo[i] == 1));
}

TEST_CASE("multinomial: class frequencies follow the softmax of the logits", "[random]") {
  const std::vector<float> logits{std::log(0.1f), std::log(0.2f), std::log(0.7f)};
  const i64 S = 100000;
  std::vector<int64_t> y(S);
  k::multinomial(logits.data(), y.data(), 1, 3, S, 11);
  std::vector<double> freq(3, 0.0);
  for (int64_t v : y) {
    REQUIRE((v >= 0 && v < 3));
    freq[static_cast<size_t>(v)] += 1.0 / S;
  }
  CHECK(std::fabs(freq[0] - 0.1) < 0.006);
  CHECK(std::fabs(freq[1] - 0.2) < 0.006);
  CHECK(std::fabs(freq[2] - 0.7) < 0.006);
}

TEST_CASE("dropout_training: mask and scaled output agree, keep rate 1 - ratio", "[random]") {
  std::vector<float> x(kN);
  for (i64 i = 0; i < kN; ++i) x[static_cast<size_t>(i)] = static_cast<float>(i % 17) - 8.0f;
  std::vector<float> y(kN);
  std::unique_ptr<bool[]> mask(new bool[kN]);
  const float ratio = 0.25f;
  bool training = true;
  k::dropout_training(x.data(), &ratio, &training, y.data(), mask.get(), kN, 3, nullptr, 0);
  double kept = 0;
  for (i64 i = 0; i < kN; ++i) {
    const size_t u = static_cast<size_t>(i);
    REQUIRE(y[u] == (mask[u] ? x[u] * static_cast<float>(1.0 / 0.75) : 0.0f));
    kept += mask[u];
  }
  CHECK(std::fabs(kept / kN - 0.75) < 0.005);
  training = false;
  k::dropout_training(x.data(), &ratio, &training, y.data(), mask.get(), kN, 3, nullptr, 0);
  for (i64 i = 0; i < kN; ++i) REQUIRE((y[static_cast<size_t>(i)] == x[static_cast<size_t>(i)] && mask[i]));
}

TEST_CASE("dropout_training: run-time seed values move the stream, reproducibly", "[random]") {
  std::vector<float> x(kN, 1.0f), y(kN);
  const float ratio = 0.5f;
  const bool training = true;
  auto mask_of = [&](const std::vector<int64_t>& seed) {
    std::vector<char> m(kN);
    std::unique_ptr<bool[]> mask(new bool[kN]);
    k::dropout_training(x.data(), &ratio, &training, y.data(), mask.get(), kN, 3, seed.empty() ? nullptr : seed.data(),
                        static_cast<i64>(seed.size()));
    for (i64 i = 0; i < kN; ++i) m[static_cast<size_t>(i)] = mask[i];
    return m;
  };
  CHECK(mask_of({}) == mask_of({}));
  CHECK(mask_of({7, 0}) == mask_of({7, 0}));
  CHECK(mask_of({7, 0}) != mask_of({}));
  CHECK(mask_of({7, 0}) != mask_of({8, 0}));
  CHECK(mask_of({7, 0}) != mask_of({7, 1}));
}
