// rms_norm, group_norm and lp_norm.
#include "kt.hpp"

using namespace kt;

TEST_CASE("rms_norm", "[norm][rms_norm]") {
  std::mt19937 g(95);
  for (i64 D : vec_sizes())
    for (i64 rows : {i64(1), i64(3), i64(16)}) {
      auto X = rand_vec<float>(g, rows * D, -2, 3);
      auto scale = rand_vec<float>(g, D, -2, 2);
      const float eps = 1e-5f;
      std::vector<double> want, sc;
      for (i64 r = 0; r < rows; ++r) {
        const float* x = X.data() + r * D;
        double ms = 0;
        for (i64 i = 0; i < D; ++i) ms += double(x[i]) * x[i];
        const double inv = 1.0 / std::sqrt(ms / double(D) + eps);
        for (i64 i = 0; i < D; ++i) {
          want.push_back(x[i] * inv * scale[i]);
          sc.push_back(std::fabs(x[i] * inv * scale[i]) + 1.0);
        }
      }
      const std::string what = "rms_norm rows=" + std::to_string(rows) + " D=" + std::to_string(D);
      Guarded<float> Y(rows * D);
      k::rms_norm<float, float>(X.data(), scale.data(), Y.data(), rows, D, eps);
      check_near(Y.data(), want, 2e-6, 1e-7, what, &sc);
      CHECK(Y.intact());
      Guarded<float> Yd(rows * D);  // stash type double
      k::rms_norm<float, double>(X.data(), scale.data(), Yd.data(), rows, D, eps);
      check_near(Yd.data(), want, 2e-6, 1e-7, what + " stash double", &sc);
      std::vector<float> Xi = X;  // in place
      k::rms_norm<float, float>(Xi.data(), scale.data(), Xi.data(), rows, D, eps);
      check_equal(Xi.data(), Y.data(), Xi.size(), what + " in place");
    }
}

TEST_CASE("group_norm", "[norm][group_norm]") {
  std::mt19937 g(96);
  for (i64 S : {i64(1), i64(4), i64(9), i64(17)})
    for (i64 G : {i64(1), i64(2), i64(3)})
      for (i64 cg : {i64(1), i64(2)})
        for (bool per_group : {false, true}) {
          const i64 N = 2, C = G * cg;
          auto X = rand_vec<float>(g, N * C * S, 1, 3);
          const i64 P = per_group ? G : C;
          auto scale = rand_vec<float>(g, P, -2, 2), bias = rand_vec<float>(g, P, -1, 1);
          const float eps = 1e-3f;
          std::vector<double> want(size_t(N * C * S)), sc(want.size());
          for (i64 n = 0; n < N; ++n)
            for (i64 gr = 0; gr < G; ++gr) {
              const i64 off = (n * C + gr * cg) * S, len = cg * S;
              double mean = 0, var = 0;
              for (i64 i = 0; i < len; ++i) mean += X[size_t(off + i)];
              mean /= double(len);
              for (i64 i = 0; i < len; ++i) var += (X[size_t(off + i)] - mean) * (X[size_t(off + i)] - mean);
              const double inv = 1.0 / std::sqrt(var / double(len) + eps);
              for (i64 i = 0; i < len; ++i) {
                const i64 ch = per_group ? gr : gr * cg + i / S;
                const double xn = (X[size_t(off + i)] - mean) * inv;
                want[size_t(off + i)] = xn * scale[size_t(ch)] + bias[size_t(ch)];
                sc[size_t(off + i)] = std::fabs(scale[size_t(ch)]) * (std::fabs(xn) + 1.0) + std::fabs(bias[size_t(ch)]);
              }
            }
          const std::string what = "group_norm G=" + std::to_string(G) + " C=" + std::to_string(C) +
                                   " S=" + std::to_string(S) + (per_group ? " per group" : " per channel");
          Guarded<float> Y(N * C * S);
          k::group_norm<float, float>(X.data(), scale.data(), bias.data(), Y.data(), N, C, S, G, eps, per_group);
          check_near(Y.data(), want, 2e-5, 1e-6, what, &sc);
          CHECK(Y.intact());
          std::vector<float> Xi = X;  // in place
          k::group_norm<float, float>(Xi.data(), scale.data(), bias.data(), Xi.data(), N, C, S, G, eps, per_group);
          check_equal(Xi.data(), Y.data(), Xi.size(), what + " in place");
        }
}

TEST_CASE("lp_norm", "[norm][lp_norm]") {
  std::mt19937 g(97);
  for (i64 n : {i64(1), i64(2), i64(5), i64(16)})
    for (i64 outer : {i64(1), i64(3)})
      for (i64 inner : {i64(1), i64(4)})
        for (i64 p : {i64(1), i64(2)}) {
          auto X = rand_vec<float>(g, outer * n * inner, -2, 2);
          for (i64 i = 0; i < n; ++i) X[size_t(i * inner)] = 0;  // a slice of zeros: 0 (not 0 / 0)
          std::vector<double> want(X.size());
          for (i64 o = 0; o < outer; ++o)
            for (i64 j = 0; j < inner; ++j) {
              double norm = 0;
              for (i64 i = 0; i < n; ++i) {
                const double v = X[size_t((o * n + i) * inner + j)];
                norm += p == 1 ? std::fabs(v) : v * v;
              }
              if (p == 2) norm = std::sqrt(norm);
              for (i64 i = 0; i < n; ++i)
                want[size_t((o * n + i) * inner + j)] = norm == 0 ? 0.0 : X[size_t((o * n + i) * inner + j)] / norm;
            }
          const std::string what = "lp_norm p=" + std::to_string(p) + " outer=" + std::to_string(outer) +
                                   " n=" + std::to_string(n) + " inner=" + std::to_string(inner);
          Guarded<float> Y(outer * n * inner);
          k::lp_norm(X.data(), Y.data(), outer, n, inner, p);
          check_near(Y.data(), want, 2e-6, 1e-7, what);
          CHECK(Y.intact());
        }
}
