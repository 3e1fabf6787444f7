// Which kernel a Gemm or MatMul node runs (codegen/ops/gemm.cpp): for a Gemm, the panel
// microkernel on B packed at compile time (k::pack_panels) for a float product by constant
// weights, Eigen's product otherwise; for a MatMul by constant weights every batch shares, the
// packed B too; all built and checked against a direct computation in double.
#include <catch2/catch.hpp>

#include <cmath>

#include "builder.hpp"

using namespace o2c;
using namespace o2c::test;

namespace {

struct GemmCase {
  int64_t M, N, K;
  bool tb;
  Shape c;  // C's shape; empty vector with has_c false: no C
  bool has_c;
  float alpha, beta;
};

std::vector<float> ramp(int64_t n, float scale) {
  std::vector<float> v(static_cast<size_t>(n));
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(float(i) * scale);
  return v;
}

// Compiles Y = alpha * A op(B) + beta * C with B (and C) constant (then a Relu, which the
// Gemm takes into its epilogue), checks the kernel chosen, then builds it and compares with
// the product in double.
void check_gemm(const GemmCase& g, bool panel, bool relu = false) {
  INFO("relu=" << relu << " M=" << g.M << " N=" << g.N << " K=" << g.K << " transB=" << g.tb << " C=" << (g.has_c ? shape_str(g.c) : "none")
            << " alpha=" << g.alpha << " beta=" << g.beta);
  const auto a = ramp(g.M * g.K, 0.37f), b = ramp(g.K * g.N, 0.53f), cc = ramp(g.has_c ? numel(g.c) : 0, 0.29f);
  ModelBuilder mb;
  mb.input("a", {g.M, g.K});
  mb.init_f("b", g.tb ? Shape{g.N, g.K} : Shape{g.K, g.N}, b);
  std::vector<std::string> ins = {"a", "b"};
  if (g.has_c) {
    mb.init_f("c", g.c, cc);
    ins.push_back("c");
  }
  auto& n = mb.node("Gemm", ins, {relu ? "g" : "y"});
  ModelBuilder::attr_i(n, "transB", g.tb ? 1 : 0);
  ModelBuilder::attr_f(n, "alpha", g.alpha);
  ModelBuilder::attr_f(n, "beta", g.beta);
  if (relu) mb.node("Relu", {"g"}, {"y"});
  mb.output("y");
  TempDir d;
  const Compiled c = compile_file(mb.save(d.path));
  CHECK(live_nodes(c) == 1);
  CHECK((c.files.source.find("k::panel_matmul_packed<float>(") != std::string::npos) == panel);
  CHECK((c.files.source.find("k::gemm<float>(") != std::string::npos) == !panel);
  Tensor ta(DType::Float, {g.M, g.K}), ty(DType::Float, {g.M, g.N});
  for (size_t i = 0; i < a.size(); ++i) ta.data<float>()[i] = a[i];
  for (int64_t i = 0; i < g.M; ++i)
    for (int64_t j = 0; j < g.N; ++j) {
      double s = 0;
      for (int64_t k = 0; k < g.K; ++k) s += double(a[i * g.K + k]) * b[g.tb ? j * g.K + k : k * g.N + j];
      double cv = 0;
      if (g.has_c) {
        const bool row = g.c.back() == g.N, col = g.c.size() == 2 && g.c[0] == g.M;
        cv = cc[static_cast<size_t>((col ? i * (row ? g.N : 1) : 0) + (row ? j : 0))];
      }
      const double v = g.alpha * s + g.beta * cv;
      ty.data<float>()[i * g.N + j] = float(relu && v < 0 ? 0.0 : v);
    }
  check_one_output(c, d.path, ta, "a", ty, "y", 1e-5, 1e-5);
}

}  // namespace

TEST_CASE("Gemm by constant weights runs the panel kernel: other forms run Eigen's product", "[gemm][build]") {
  // nn.Linear: transB, a bias row; odd sizes (partial panels and row blocks)
  check_gemm({5, 19, 7, true, {19}, true, 1.f, 1.f}, true);
  check_gemm({9, 33, 40, false, {1, 33}, true, 1.f, 1.f}, true);
  check_gemm({6, 17, 3, true, {6, 17}, true, 1.f, 1.f}, true);  // a full C
  check_gemm({4, 16, 8, false, {}, false, 1.f, 1.f}, true);      // no C
  // Eigen's product: alpha or beta other than 1, a C that broadcasts down a column, one row
  check_gemm({5, 19, 7, true, {19}, true, 0.5f, 1.f}, false);
  check_gemm({5, 19, 7, true, {5, 1}, true, 1.f, 1.f}, false);
  check_gemm({5, 19, 7, true, {19}, true, 1.f, 2.f}, false);
  check_gemm({1, 19, 7, true, {19}, true, 1.f, 1.f}, false);
}

TEST_CASE("Gemm takes a following Relu into its epilogue, on either kernel", "[gemm][fuse][build]") {
  check_gemm({5, 19, 7, true, {19}, true, 1.f, 1.f}, true, true);
  check_gemm({32, 5, 10, true, {5}, true, 1.f, 1.f}, true, true);  // N within one partial panel
  check_gemm({5, 19, 7, true, {19}, true, 0.5f, 1.f}, false, true);
  check_gemm({1, 19, 7, true, {19}, true, 1.f, 1.f}, false, true);
}

TEST_CASE("MatMul by constant weights reads them packed, by a batch of weights or a run-time B in place",
          "[gemm][matmul][build]") {
  // A[2][5][40] x B: B [40][37] constant (packed: two blocks of 32 columns, the second
  // partial), then B [2][40][37] (a weight per batch: in place).
  const int64_t R = 5, K = 40, N = 37;
  for (bool batched : {false, true}) {
    INFO("B " << (batched ? "[2][40][37]" : "[40][37]"));
    const auto a = ramp(2 * R * K, 0.37f), b = ramp((batched ? 2 : 1) * K * N, 0.53f);
    ModelBuilder mb;
    mb.input("a", {2, R, K});
    mb.init_f("b", batched ? Shape{2, K, N} : Shape{K, N}, b);
    mb.node("MatMul", {"a", "b"}, {"y"});
    mb.output("y");
    TempDir d;
    const Compiled c = compile_file(mb.save(d.path));
    CHECK((c.files.source.find("k::matmul_packed<float>(") != std::string::npos) == !batched);
    Tensor ta(DType::Float, {2, R, K}), ty(DType::Float, {2, R, N});
    for (size_t i = 0; i < a.size(); ++i) ta.data<float>()[i] = a[i];
    for (int64_t q = 0; q < 2; ++q)
      for (int64_t i = 0; i < R; ++i)
        for (int64_t j = 0; j < N; ++j) {
          double s = 0;
          for (int64_t k = 0; k < K; ++k) s += double(a[(q * R + i) * K + k]) * b[(batched ? q * K * N : 0) + k * N + j];
          ty.data<float>()[(q * R + i) * N + j] = float(s);
        }
    check_one_output(c, d.path, ta, "a", ty, "y", 1e-5, 1e-5);
  }
}
