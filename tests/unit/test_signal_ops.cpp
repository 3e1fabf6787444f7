// The signal ops folded at compile time and the attribute and input values the conformance
// tests do not reach: DFT's dft_length (padding and cutting), DFT 20's default axis, STFT's
// two-sided output, the windows' output_datatype, and the errors of bad shapes.
#include <catch2/catch.hpp>

#include <cmath>
#include <complex>

#include "builder.hpp"

using namespace o2c;
using namespace o2c::test;

namespace {

// The DFT of length L of real x (zero padded or cut), bins [0, n_out), as re, im pairs.
std::vector<double> dft_of(const std::vector<double>& x, int64_t L, int64_t n_out) {
  const double pi = 3.14159265358979323846;
  std::vector<double> y;
  for (int64_t k = 0; k < n_out; ++k) {
    std::complex<double> s = 0;
    for (int64_t j = 0; j < std::min<int64_t>(L, static_cast<int64_t>(x.size())); ++j)
      s += x[static_cast<size_t>(j)] * std::polar(1.0, -2 * pi * static_cast<double>(j * k) / static_cast<double>(L));
    y.push_back(s.real());
    y.push_back(s.imag());
  }
  return y;
}

void check_close(const Tensor& t, const std::vector<double>& ref) {
  REQUIRE(t.numel() == static_cast<int64_t>(ref.size()));
  for (size_t i = 0; i < ref.size(); ++i) CHECK(t.float_at(static_cast<int64_t>(i)) == Approx(ref[i]).margin(1e-5));
}

}  // namespace

TEST_CASE("DFT folds with dft_length padding or cutting the signal, one-sided", "[signal]") {
  const std::vector<double> x{1, 2, 3, 4, 5};
  for (int64_t L : {3, 8}) {
    ModelBuilder b(17);
    b.init_f("s", {1, 5, 1}, {1, 2, 3, 4, 5}).init_i("L", {}, {L});
    ModelBuilder::attr_i(b.node("DFT", {"s", "L"}, {"d"}), "onesided", 1);
    check_close(folded(b, "d", {1, L / 2 + 1, 2}), dft_of(x, L, L / 2 + 1));
  }
}

TEST_CASE("DFT 20's axis defaults to -2 and its inverse undoes the forward transform", "[signal]") {
  ModelBuilder b(20);
  b.init_f("s", {2, 3, 2}, {1, 0, 2, 1, 3, -1, 4, 2, 5, 0, 6, 1});
  b.node("DFT", {"s"}, {"f"});
  ModelBuilder::attr_i(b.node("DFT", {"f"}, {"d"}), "inverse", 1);
  check_close(folded(b, "d", {2, 3, 2}), {1, 0, 2, 1, 3, -1, 4, 2, 5, 0, 6, 1});
}

TEST_CASE("STFT folds two-sided, without a window", "[signal]") {
  ModelBuilder b(17);
  b.init_f("s", {1, 7, 1}, {1, 2, 3, 4, 5, 6, 7}).init_i("step", {}, {2}).init_i("len", {}, {4});
  ModelBuilder::attr_i(b.node("STFT", {"s", "step", "", "len"}, {"d"}), "onesided", 0);
  std::vector<double> ref;
  for (int f = 0; f < 2; ++f) {
    const auto r = dft_of({1.0 + 2 * f, 2.0 + 2 * f, 3.0 + 2 * f, 4.0 + 2 * f}, 4, 4);
    ref.insert(ref.end(), r.begin(), r.end());
  }
  check_close(folded(b, "d", {1, 2, 4, 2}), ref);
}

TEST_CASE("The windows take output_datatype", "[signal]") {
  ModelBuilder b(17);
  b.init_i("n", {}, {4});
  auto& n = b.node("HammingWindow", {"n"}, {"w"});
  ModelBuilder::attr_i(n, "output_datatype", 11);  // double
  ModelBuilder::attr_i(n, "periodic", 0);
  const Tensor t = folded(b, "w", {4}, 11);
  CHECK(t.dtype == DType::Double);
  const double a = 25.0 / 46.0, pi = 3.14159265358979323846;
  for (int i = 0; i < 4; ++i) CHECK(t.float_at(i) == Approx(a - (1 - a) * std::cos(2 * pi * i / 3)).margin(1e-12));
}

TEST_CASE("DFT refuses a last dim other than 1 or 2 and an axis on it", "[signal]") {
  {
    ModelBuilder b(17);
    b.input("x", {1, 4, 3});
    b.node("DFT", {"x"}, {"y"});
    CHECK(error_of(b).find("must be 1 (real) or 2 (complex)") != std::string::npos);
  }
  {
    ModelBuilder b(17);
    b.input("x", {1, 4, 2});
    ModelBuilder::attr_i(b.node("DFT", {"x"}, {"y"}), "axis", 2);
    CHECK(error_of(b).find("out of range") != std::string::npos);
  }
}
