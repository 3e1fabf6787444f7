// batch_norm, instance_norm, layer_norm (with its mean and inverse standard deviation) and
// softmax / log-softmax.
#include "kt.hpp"

using namespace kt;

TEST_CASE("batch_norm (inference)", "[norm][batch_norm]") {
  std::mt19937 g(91);
  for (i64 S : vec_sizes())
    for (i64 C : {i64(1), i64(3), i64(16)})
      for (i64 N : {i64(1), i64(2)}) {
        auto X = rand_vec<float>(g, N * C * S, -3, 3);
        auto scale = rand_vec<float>(g, C, -2, 2), bias = rand_vec<float>(g, C, -1, 1);
        auto mean = rand_vec<float>(g, C, -1, 1), var = rand_vec<float>(g, C, 0, 3);
        var[0] = 0;  // eps keeps it finite
        const float eps = 1e-5f;
        Guarded<float> Y(N * C * S);
        k::batch_norm(X.data(), scale.data(), bias.data(), mean.data(), var.data(), Y.data(), N, C, S, eps);
        std::vector<double> want, sc;
        for (i64 n = 0; n < N; ++n)
          for (i64 c = 0; c < C; ++c)
            for (i64 s = 0; s < S; ++s) {
              const double inv = 1.0 / std::sqrt(double(var[c]) + double(eps));
              const double xn = (double(X[(n * C + c) * S + s]) - mean[c]) * inv;
              want.push_back(xn * scale[c] + bias[c]);
              // The kernel folds scale and mean into one affine map: cancellation in
              // bias - mean * a bounds the error by the magnitude of its terms.
              sc.push_back(std::fabs(double(X[(n * C + c) * S + s]) * scale[c] * inv) +
                           std::fabs(double(mean[c]) * scale[c] * inv) + std::fabs(bias[c]));
            }
        const std::string what = "batch_norm N=" + std::to_string(N) + " C=" + std::to_string(C) +
                                 " S=" + std::to_string(S);
        check_near(Y.data(), want, 4e-6, 1e-7, what, &sc);
        CHECK(Y.intact());
        // In place (Y == X).
        std::vector<float> Xi = X;
        k::batch_norm(Xi.data(), scale.data(), bias.data(), mean.data(), var.data(), Xi.data(), N, C, S, eps);
        check_equal(Xi.data(), Y.data(), Xi.size(), what + " in place");
      }
}

TEST_CASE("instance_norm", "[norm][instance_norm]") {
  std::mt19937 g(92);
  for (i64 S : vec_sizes())
    for (i64 C : {i64(1), i64(3), i64(8)})
      for (i64 N : {i64(1), i64(2)}) {
        // An offset mean stresses the variance computation.
        auto X = rand_vec<float>(g, N * C * S, 2, 4);
        auto scale = rand_vec<float>(g, C, -2, 2), bias = rand_vec<float>(g, C, -1, 1);
        const float eps = 1e-5f;
        Guarded<float> Y(N * C * S);
        k::instance_norm(X.data(), scale.data(), bias.data(), Y.data(), N, C, S, eps);
        std::vector<double> want, sc;
        for (i64 n = 0; n < N; ++n)
          for (i64 c = 0; c < C; ++c) {
            const float* x = X.data() + (n * C + c) * S;
            double mean = 0, var = 0;
            for (i64 s = 0; s < S; ++s) mean += x[s];
            mean /= double(S);
            for (i64 s = 0; s < S; ++s) var += (x[s] - mean) * (x[s] - mean);
            var /= double(S);
            const double inv = 1.0 / std::sqrt(var + eps);
            for (i64 s = 0; s < S; ++s) {
              want.push_back((x[s] - mean) * inv * scale[c] + bias[c]);
              sc.push_back(std::fabs(scale[c]) * (std::fabs(x[s] - mean) * inv + 1.0) + std::fabs(bias[c]));
            }
          }
        const std::string what = "instance_norm N=" + std::to_string(N) + " C=" + std::to_string(C) +
                                 " S=" + std::to_string(S);
        check_near(Y.data(), want, 2e-5, 1e-6, what, &sc);
        CHECK(Y.intact());
      }
  // A constant plane normalizes to the bias.
  std::vector<float> X(9, 3.0f), Y(9);
  const float s = 2.0f, b = 0.25f;
  k::instance_norm(X.data(), &s, &b, Y.data(), 1, 1, 9, 1e-5f);
  for (float v : Y) CHECK(v == b);
}

TEST_CASE("layer_norm", "[norm][layer_norm]") {
  std::mt19937 g(93);
  for (i64 D : vec_sizes())
    for (i64 rows : {i64(1), i64(3), i64(16)})
      for (bool with_bias : {true, false}) {
        auto X = rand_vec<float>(g, rows * D, -1, 3);
        auto scale = rand_vec<float>(g, D, -2, 2), bias = rand_vec<float>(g, D, -1, 1);
        const float eps = 1e-5f;
        Guarded<float> Y(rows * D);
        k::layer_norm(X.data(), scale.data(), with_bias ? bias.data() : nullptr, Y.data(), rows, D, eps);
        std::vector<double> want, sc;
        for (i64 r = 0; r < rows; ++r) {
          const float* x = X.data() + r * D;
          double mean = 0, var = 0;
          for (i64 i = 0; i < D; ++i) mean += x[i];
          mean /= double(D);
          for (i64 i = 0; i < D; ++i) var += (x[i] - mean) * (x[i] - mean);
          var /= double(D);
          const double inv = 1.0 / std::sqrt(var + eps);
          for (i64 i = 0; i < D; ++i) {
            want.push_back((x[i] - mean) * inv * scale[i] + (with_bias ? bias[i] : 0.0));
            sc.push_back(std::fabs(scale[i]) * (std::fabs(x[i] - mean) * inv + 1.0) +
                         (with_bias ? std::fabs(bias[i]) : 0.0));
          }
        }
        const std::string what = "layer_norm rows=" + std::to_string(rows) + " D=" + std::to_string(D) +
                                 (with_bias ? " bias" : "");
        check_near(Y.data(), want, 2e-5, 1e-6, what, &sc);
        CHECK(Y.intact());
        // The Mean and InvStdDev outputs (stash type float), and the same Y.
        Guarded<float> Y2(rows * D), M(rows), V(rows);
        k::layer_norm<float, float>(X.data(), scale.data(), with_bias ? bias.data() : nullptr, Y2.data(), rows, D,
                                    eps, M.data(), V.data());
        check_equal(Y2.data(), Y.data(), Y.size(), what + " with mean and inv_std");
        std::vector<double> want_m, want_v;
        for (i64 r = 0; r < rows; ++r) {
          const float* x = X.data() + r * D;
          double mean = 0, var = 0;
          for (i64 i = 0; i < D; ++i) mean += x[i];
          mean /= double(D);
          for (i64 i = 0; i < D; ++i) var += (x[i] - mean) * (x[i] - mean);
          want_m.push_back(mean);
          want_v.push_back(1.0 / std::sqrt(var / double(D) + eps));
        }
        check_near(M.data(), want_m, 1e-5, 1e-6, what + " mean");
        check_near(V.data(), want_v, 1e-5, 1e-6, what + " inv_std");
        CHECK(M.intact());
        CHECK(V.intact());
        // In place.
        std::vector<float> Xi = X;
        k::layer_norm(Xi.data(), scale.data(), with_bias ? bias.data() : nullptr, Xi.data(), rows, D, eps);
        check_equal(Xi.data(), Y.data(), Xi.size(), what + " in place");
      }
}

TEST_CASE("softmax and log-softmax", "[softmax]") {
  std::mt19937 g(94);
  for (i64 n : vec_sizes())
    for (i64 outer : {i64(1), i64(3)})
      for (i64 inner : {i64(1), i64(4), i64(7)})
        for (bool log : {false, true})
          for (double range : {3.0, 80.0}) {  // large logits must not overflow
            auto X = rand_vec<float>(g, outer * n * inner, -range, range);
            Guarded<float> Y(outer * n * inner);
            Y.fill(std::nanf(""));
            k::softmax(X.data(), Y.data(), outer, n, inner, log);
            std::vector<double> want(X.size());
            for (i64 o = 0; o < outer; ++o)
              for (i64 i = 0; i < inner; ++i) {
                double mx = -1e300, sum = 0;
                for (i64 kk = 0; kk < n; ++kk) mx = std::max(mx, double(X[(o * n + kk) * inner + i]));
                for (i64 kk = 0; kk < n; ++kk) sum += std::exp(double(X[(o * n + kk) * inner + i]) - mx);
                for (i64 kk = 0; kk < n; ++kk) {
                  const i64 idx = (o * n + kk) * inner + i;
                  const double z = double(X[idx]) - mx;
                  want[idx] = log ? z - std::log(sum) : std::exp(z) / sum;
                }
              }
            const std::string what = std::string(log ? "log_softmax" : "softmax") + " outer=" +
                                     std::to_string(outer) + " n=" + std::to_string(n) + " inner=" +
                                     std::to_string(inner) + " range=" + std::to_string(range);
            if (log) {
              // Error of x - max - log(sum) is relative to the size of the terms.
              std::vector<double> sc(want.size());
              for (size_t i = 0; i < want.size(); ++i) sc[i] = std::fabs(want[i]) + range + std::log(double(n)) + 1;
              check_near(Y.data(), want, 2e-7 * std::sqrt(double(n)) + 1e-7, 0, what, &sc);
            } else {
              check_near(Y.data(), want, 1e-5, 1e-9, what);
            }
            CHECK(Y.intact());
            // In place.
            std::vector<float> Xi = X;
            k::softmax(Xi.data(), Xi.data(), outer, n, inner, log);
            check_equal(Xi.data(), Y.data(), Xi.size(), what + " in place");
          }
  // Rows sum to one, -inf logits give exact zeros.
  const float inf = std::numeric_limits<float>::infinity();
  const float X[4] = {-inf, 0.0f, -inf, 0.0f};
  float Y[4];
  k::softmax(X, Y, 1, 4, 1, false);
  CHECK(Y[0] == 0.0f);
  CHECK(Y[1] == 0.5f);
  CHECK(Y[3] == 0.5f);
}
