// nll_loss (NegativeLogLikelihoodLoss, and SoftmaxCrossEntropyLoss after a log-softmax).
#include "kt.hpp"

using namespace kt;

namespace {

// The losses [N, D] and their weights per the spec (ignored targets weigh 0).
void ref_nll(const std::vector<float>& X, const std::vector<int64_t>& t, const float* weight, i64 N, i64 C, i64 D,
             bool has_ignore, i64 ignore, std::vector<double>& loss, std::vector<double>& w) {
  loss.assign(size_t(N * D), 0.0);
  w.assign(size_t(N * D), 0.0);
  for (i64 n = 0; n < N; ++n)
    for (i64 d = 0; d < D; ++d) {
      const i64 c = t[size_t(n * D + d)];
      if (has_ignore && c == ignore) continue;
      w[size_t(n * D + d)] = weight ? weight[c] : 1.0;
      loss[size_t(n * D + d)] = -double(X[size_t((n * C + c) * D + d)]) * w[size_t(n * D + d)];
    }
}

}  // namespace

TEST_CASE("nll_loss", "[loss]") {
  std::mt19937 g(98);
  for (i64 D : {i64(1), i64(3), i64(16)})
    for (i64 C : {i64(1), i64(5)})
      for (int variant = 0; variant < 4; ++variant) {
        const i64 N = 3;
        const bool with_weight = variant & 1, has_ignore = variant & 2;
        const i64 ignore = C > 1 ? 1 : -3;
        auto X = rand_vec<float>(g, N * C * D, -4, 0);
        auto weight = rand_vec<float>(g, C, 0.1, 2);
        auto t = rand_int<int64_t>(g, N * D, 0, C - 1);
        if (has_ignore) t[0] = ignore;  // at least one ignored
        std::vector<double> loss, w;
        ref_nll(X, t, with_weight ? weight.data() : nullptr, N, C, D, has_ignore, ignore, loss, w);
        double sum = 0, wsum = 0;
        for (size_t i = 0; i < loss.size(); ++i) sum += loss[i], wsum += w[i];
        const std::string what = "nll_loss C=" + std::to_string(C) + " D=" + std::to_string(D) +
                                 (with_weight ? " weight" : "") + (has_ignore ? " ignore_index" : "");
        const float* wp = with_weight ? weight.data() : nullptr;
        Guarded<float> Y(N * D);
        k::nll_loss(X.data(), t.data(), wp, Y.data(), N, C, D, k::kLossNone, has_ignore, ignore);
        check_near(Y.data(), loss, 1e-6, 0, what + " none");
        CHECK(Y.intact());
        Guarded<float> S(1), M(1);
        k::nll_loss(X.data(), t.data(), wp, S.data(), N, C, D, k::kLossSum, has_ignore, ignore);
        check_near(S.data(), {sum}, 1e-6, 0, what + " sum");
        k::nll_loss(X.data(), t.data(), wp, M.data(), N, C, D, k::kLossMean, has_ignore, ignore);
        check_near(M.data(), {sum / wsum}, 1e-6, 0, what + " mean");
        CHECK(S.intact());
        CHECK(M.intact());
        // int32 targets.
        std::vector<int32_t> t32(t.begin(), t.end());
        Guarded<float> Y32(N * D);
        k::nll_loss(X.data(), t32.data(), wp, Y32.data(), N, C, D, k::kLossNone, has_ignore, ignore);
        check_equal(Y32.data(), Y.data(), Y.size(), what + " int32 targets");
      }
  // A target outside [0, C) that is not ignored has no loss: NaN.
  const std::vector<float> X = {-1, -2};
  const std::vector<int64_t> t = {2};
  float y = 0;
  k::nll_loss(X.data(), t.data(), static_cast<const float*>(nullptr), &y, 1, 2, 1, k::kLossSum, false, 0);
  CHECK(std::isnan(y));
}
