// gemm (all transpose combinations, alpha, accumulate, GEMV and packed paths) and matmul.
#include "kt.hpp"

using namespace kt;

namespace {

// Y = alpha * op(A) op(B) (+ Y0), in double; scale gets sum |alpha a b| + |Y0| per element.
void ref_gemm(const std::vector<float>& A, const std::vector<float>& B, const std::vector<float>* Y0,
              i64 M, i64 N, i64 K, bool tA, bool tB, double alpha, std::vector<double>* Y,
              std::vector<double>* scale) {
  Y->assign(static_cast<size_t>(M * N), 0.0);
  scale->assign(static_cast<size_t>(M * N), 0.0);
  for (i64 m = 0; m < M; ++m)
    for (i64 n = 0; n < N; ++n) {
      double acc = 0, sc = 0;
      for (i64 k = 0; k < K; ++k) {
        const double a = tA ? A[k * M + m] : A[m * K + k];
        const double b = tB ? B[n * K + k] : B[k * N + n];
        acc += a * b;
        sc += std::fabs(a * b);
      }
      double y = alpha * acc, s = std::fabs(alpha) * sc;
      if (Y0) {
        y += (*Y0)[m * N + n];
        s += std::fabs((*Y0)[m * N + n]);
      }
      (*Y)[m * N + n] = y;
      (*scale)[m * N + n] = s;
    }
}

// Runs one gemm with guarded Y and scratch (scratch exactly gemm_scratch elements, filled
// with NaN so reading it before writing shows up) and checks the result.
void run_gemm(std::mt19937& g, i64 M, i64 N, i64 K, bool tA, bool tB, float alpha, bool acc) {
  auto A = rand_vec<float>(g, M * K), B = rand_vec<float>(g, K * N);
  auto Y0 = rand_vec<float>(g, M * N);
  const i64 ws = k::gemm_scratch(M, N, K);
  REQUIRE(ws >= 0);
  Guarded<float> work(ws), Y(M * N);
  work.fill(std::nanf(""));
  if (acc) Y.assign(Y0);
  else Y.fill(std::nanf(""));  // must be overwritten, not accumulated into
  REQUIRE(reinterpret_cast<std::uintptr_t>(work.data()) % 64 == 0);
  k::gemm<float>(A.data(), B.data(), Y.data(), M, N, K, tA, tB, alpha, acc, work.data());
  std::vector<double> want, scale;
  ref_gemm(A, B, acc ? &Y0 : nullptr, M, N, K, tA, tB, alpha, &want, &scale);
  const std::string what = "gemm M=" + std::to_string(M) + " N=" + std::to_string(N) + " K=" +
                           std::to_string(K) + (tA ? " A^T" : "") + (tB ? " B^T" : "") +
                           " alpha=" + std::to_string(alpha) + (acc ? " accumulate" : "");
  check_near(Y.data(), want, 1e-5 * std::sqrt(double(std::max<i64>(K, 1))), 1e-6, what, &scale);
  INFO(what);
  CHECK(Y.intact());
  CHECK(work.intact());
}

}  // namespace

TEST_CASE("gemm: vector-width sizes, all transposes", "[gemm]") {
  std::mt19937 g(61);
  const std::vector<i64> sz{1, 3, 4, 7, 8, 16, 17, 33};
  for (i64 M : sz)
    for (i64 N : sz)
      for (i64 K : {i64(1), i64(4), i64(15), i64(31)})
        for (int t = 0; t < 4; ++t) run_gemm(g, M, N, K, t & 1, t & 2, 1.0f, false);
}

TEST_CASE("gemm: alpha and accumulate into a pre-filled Y", "[gemm]") {
  std::mt19937 g(62);
  const std::vector<std::array<i64, 3>> shapes{
      {1, 1, 1}, {1, 17, 9}, {13, 1, 9}, {5, 7, 3}, {16, 16, 16}, {33, 31, 17}, {64, 3, 100}};
  for (const auto& s : shapes)
    for (int t = 0; t < 4; ++t)
      for (float alpha : {1.0f, 0.5f, -2.25f, 0.0f})
        for (bool acc : {false, true}) run_gemm(g, s[0], s[1], s[2], t & 1, t & 2, alpha, acc);
}

TEST_CASE("gemm: GEMV shapes (M or N == 1)", "[gemm][gemv]") {
  std::mt19937 g(63);
  for (i64 n : vec_sizes())
    for (i64 K : {i64(1), i64(7), i64(64), i64(300)})
      for (int t = 0; t < 4; ++t) {
        run_gemm(g, 1, n, K, t & 1, t & 2, 1.0f, false);
        run_gemm(g, n, 1, K, t & 1, t & 2, 1.0f, false);
        run_gemm(g, 1, n, K, t & 1, t & 2, 1.5f, true);
        run_gemm(g, n, 1, K, t & 1, t & 2, -0.75f, true);
      }
  // A long vector: 5000 outputs.
  run_gemm(g, 1, 5000, 40, false, false, 1.0f, false);
  run_gemm(g, 5000, 1, 40, false, true, 2.0f, true);
}

TEST_CASE("gemm: packed path with several blocks", "[gemm][packed]") {
  std::mt19937 g(64);
  // K > 256 splits kc, N > 192 splits mc, M > 2048 splits nc (see gemm_blocking).
  const std::vector<std::array<i64, 3>> shapes{
      {40, 200, 300}, {65, 193, 257}, {100, 100, 513}, {2050, 3, 5}, {2100, 20, 9}, {129, 385, 64}};
  for (const auto& s : shapes)
    for (int t = 0; t < 4; ++t) {
      run_gemm(g, s[0], s[1], s[2], t & 1, t & 2, 1.0f, false);
      run_gemm(g, s[0], s[1], s[2], t & 1, t & 2, 0.5f, true);
    }
}

TEST_CASE("gemm: degenerate sizes", "[gemm]") {
  // K == 0: Y = 0 (or unchanged with accumulate); M or N == 0: nothing written.
  Guarded<float> Y(12);
  Y.fill(3.0f);
  k::gemm<float>(nullptr, nullptr, Y.data(), 3, 4, 0, false, false, 1.0f, true, nullptr);
  std::vector<float> three(12, 3.0f), zero(12, 0.0f);
  check_equal(Y.data(), three.data(), 12, "K=0 accumulate");
  k::gemm<float>(nullptr, nullptr, Y.data(), 3, 4, 0, false, false, 1.0f, false, nullptr);
  check_equal(Y.data(), zero.data(), 12, "K=0");
  Guarded<float> E(0);
  k::gemm<float>(nullptr, nullptr, E.data(), 0, 4, 5, false, false, 1.0f, false, nullptr);
  k::gemm<float>(nullptr, nullptr, E.data(), 4, 0, 5, true, true, 1.0f, false, nullptr);
  CHECK(E.intact());
  CHECK(Y.intact());
}

TEST_CASE("gemm: double precision", "[gemm]") {
  std::mt19937 g(65);
  for (auto s : std::vector<std::array<i64, 3>>{{7, 9, 33}, {1, 17, 5}, {300, 200, 270}})
    for (int t = 0; t < 4; ++t) {
      const i64 M = s[0], N = s[1], K = s[2];
      const bool tA = t & 1, tB = t & 2;
      auto A = rand_vec<double>(g, M * K), B = rand_vec<double>(g, K * N);
      Guarded<double> work(k::gemm_scratch(M, N, K)), Y(M * N);
      Y.fill(1.0);
      k::gemm<double>(A.data(), B.data(), Y.data(), M, N, K, tA, tB, 2.0, true, work.data());
      std::vector<double> want(static_cast<size_t>(M * N));
      for (i64 m = 0; m < M; ++m)
        for (i64 n = 0; n < N; ++n) {
          long double acc = 0;
          for (i64 k = 0; k < K; ++k)
            acc += (long double)(tA ? A[k * M + m] : A[m * K + k]) * (tB ? B[n * K + k] : B[k * N + n]);
          want[m * N + n] = 1.0 + 2.0 * double(acc);
        }
      check_near(Y.data(), want, 1e-13, 1e-12, "double gemm");
      CHECK(Y.intact());
      CHECK(work.intact());
    }
}

TEST_CASE("matmul: batch broadcasting", "[gemm][matmul]") {
  std::mt19937 g(66);
  struct Case {
    std::vector<i64> ba, bb;  // batch shapes of A and B
    i64 M, N, K;
  };
  const std::vector<Case> cases{
      {{1}, {1}, 3, 4, 5},           {{4}, {4}, 7, 8, 9},          {{4}, {1}, 17, 16, 15},
      {{1}, {3}, 1, 33, 8},          {{2, 1, 3}, {1, 4, 3}, 5, 6, 7}, {{2, 3}, {3}, 16, 1, 31},
      {{3, 1}, {1, 2}, 33, 31, 64},  {{2, 1, 1, 2}, {1, 3, 2, 1}, 4, 4, 4}, {{5}, {5}, 1, 1, 17},
      {{1}, {2}, 200, 250, 260},
  };
  for (const auto& c : cases) {
    const size_t r = std::max(c.ba.size(), c.bb.size());
    std::vector<i64> A(r - c.ba.size(), 1), B(r - c.bb.size(), 1);
    A.insert(A.end(), c.ba.begin(), c.ba.end());
    B.insert(B.end(), c.bb.begin(), c.bb.end());
    std::vector<i64> out(r);
    for (size_t i = 0; i < r; ++i) out[i] = std::max(A[i], B[i]);
    k::MatMulPlan p{};
    p.M = c.M;
    p.N = c.N;
    p.K = c.K;
    p.rank = static_cast<int>(r);
    const auto sa = strides_of(A), sb = strides_of(B);
    for (size_t i = 0; i < r; ++i) {
      p.dims[i] = out[i];
      p.sa[i] = A[i] == 1 ? 0 : sa[i];
      p.sb[i] = B[i] == 1 ? 0 : sb[i];
    }
    const i64 MK = c.M * c.K, KN = c.K * c.N, MN = c.M * c.N;
    auto a = rand_vec<float>(g, numel(A) * MK), b = rand_vec<float>(g, numel(B) * KN);
    Guarded<float> y(numel(out) * MN), work(k::matmul_scratch(c.M, c.N, c.K));
    y.fill(std::nanf(""));
    work.fill(std::nanf(""));
    k::matmul(a.data(), b.data(), y.data(), p, work.data());
    std::vector<double> want, scale;
    for_each_index(out, [&](const std::vector<i64>& idx) {
      i64 ia = 0, ib = 0;
      for (size_t i = 0; i < r; ++i) {
        ia = ia * A[i] + (A[i] == 1 ? 0 : idx[i]);
        ib = ib * B[i] + (B[i] == 1 ? 0 : idx[i]);
      }
      for (i64 m = 0; m < c.M; ++m)
        for (i64 n = 0; n < c.N; ++n) {
          double acc = 0, s = 0;
          for (i64 kk = 0; kk < c.K; ++kk) {
            const double v = double(a[ia * MK + m * c.K + kk]) * b[ib * KN + kk * c.N + n];
            acc += v;
            s += std::fabs(v);
          }
          want.push_back(acc);
          scale.push_back(s);
        }
    });
    const std::string what = "matmul " + shape_str(c.ba) + "x" + shape_str(c.bb) + " M=" +
                             std::to_string(c.M) + " N=" + std::to_string(c.N) + " K=" + std::to_string(c.K);
    check_near(y.data(), want, 1e-5 * std::sqrt(double(c.K)), 1e-6, what, &scale);
    INFO(what);
    CHECK(y.intact());
    CHECK(work.intact());
  }
}

TEST_CASE("gemm GEMV: accumulate with a tiny alpha keeps Y finite", "[gemm][gemv]") {
  // Y = 1e20 + 1e-20 * (A B): alpha must scale the product, not Y (1e20 / 1e-20 overflows).
  const float A[2] = {1.0f, 2.0f}, B[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  float Y[4] = {1e20f, 1e20f, 1e20f, 1e20f};
  alignas(64) float work[64];
  REQUIRE(k::gemm_scratch(1, 4, 2) <= 64);
  k::gemm<float>(A, B, Y, 1, 4, 2, false, false, 1e-20f, true, work);
  for (float v : Y) CHECK(v == 1e20f);
}

// A parallel-for that runs the tasks in reverse order on the calling thread: a kernel whose
// tasks depend on each other's order or share outputs shows it.
static void reverse_for(void*, int n, void (*body)(void*, int), void* task) {
  for (int i = n - 1; i >= 0; --i) body(task, i);
}

TEST_CASE("panel_matmul_packed: B packed at compile time gives the in-place product bit for bit", "[gemm][packed]") {
  std::mt19937 g(67);
  // K in one chunk, in several (pack_rows: 200 -> 2 x 100, 400 -> 3 x 134 with a padded last
  // chunk), N ragged against the 32-column blocks and the 64-column tasks. The split runs
  // (reverse_for) only from k::kParMinWork multiply-adds: 49 x 131 x 400 and 64 x 200 x 100.
  const std::vector<std::array<i64, 3>> shapes{{2, 2, 1},   {9, 33, 7},   {8, 32, 192}, {13, 70, 200},
                                               {49, 131, 400}, {3, 5, 385}, {17, 64, 16}, {64, 200, 100}, {1, 40, 50}};
  for (const auto& s : shapes) {
    const i64 M = s[0], N = s[1], K = s[2];
    for (bool tb : {false, true}) {
      auto A = rand_vec<float>(g, M * K), Bsrc = rand_vec<float>(g, K * N), bias = rand_vec<float>(g, N);
      std::vector<float> B(static_cast<size_t>(K * N));  // op(B) row-major [K][N]
      for (i64 k = 0; k < K; ++k)
        for (i64 j = 0; j < N; ++j) B[k * N + j] = tb ? Bsrc[j * K + k] : Bsrc[k * N + j];
      Guarded<float> Bp(k::packed_panels_size(K, N)), work(k::panel_matmul_scratch(K)), want(M * N), got(M * N);
      k::pack_panels(Bsrc.data(), Bp.data(), K, N, tb);
      const k::Act relu{k::Act::Relu, 0.f, 0.f};
      k::panel_matmul(A.data(), B.data(), want.data(), M, N, K, bias.data(), 0, work.data(), relu);
      for (int par = 0; par < 2; ++par) {
        got.fill(std::nanf(""));
        const k::Par p{par ? &reverse_for : nullptr, nullptr};
        k::panel_matmul_packed(p, A.data(), Bp.data(), got.data(), M, N, K, bias.data(), 0, work.data(), relu);
        INFO("M=" << M << " N=" << N << " K=" << K << (tb ? " B^T" : "") << (par ? " parallel" : ""));
        CHECK(std::memcmp(got.data(), want.data(), sizeof(float) * static_cast<size_t>(M * N)) == 0);
        CHECK(got.intact());
        CHECK(Bp.intact());
      }
    }
  }
}

TEST_CASE("matmul_packed: batches sharing one packed B", "[gemm][matmul][packed]") {
  std::mt19937 g(68);
  const i64 M = 5, N = 40, K = 27;
  k::MatMulPlan p{};
  p.M = M;
  p.N = N;
  p.K = K;
  p.rank = 1;
  p.dims[0] = 3;
  p.sa[0] = 1;
  p.sb[0] = 0;
  auto A = rand_vec<float>(g, 3 * M * K), B = rand_vec<float>(g, K * N);
  Guarded<float> Bp(k::packed_panels_size(K, N)), work(k::matmul_scratch(M, N, K)), want(3 * M * N), got(3 * M * N);
  k::pack_panels(B.data(), Bp.data(), K, N, false);
  k::matmul(A.data(), B.data(), want.data(), p, work.data());
  k::matmul_packed(A.data(), Bp.data(), got.data(), p, work.data());
  CHECK(std::memcmp(got.data(), want.data(), sizeof(float) * static_cast<size_t>(3 * M * N)) == 0);
  CHECK(got.intact());
}
