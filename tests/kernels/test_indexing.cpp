// Index-driven kernels (templates/indexing.hpp, the max_unpool of pool.hpp): out-of-range
// run-time indices never read or write outside the buffers (gathers read position 0, scatters
// drop the update); integer scatter reductions wrap. Det (templates/linalg.hpp) against a
// double-precision cofactor expansion.
#include "kt.hpp"

#include <limits>

using namespace kt;

namespace {

k::Strided strided(const std::vector<i64>& dims, const std::vector<i64>& st) {
  k::Strided s{};
  s.rank = static_cast<int>(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) s.dims[i] = dims[i], s.st[i] = st[i];
  return s;
}

constexpr i64 kBig = std::numeric_limits<i64>::max();
constexpr i64 kSmall = std::numeric_limits<i64>::min();

// Determinant by cofactor expansion along the first row, in double.
double det_ref(const std::vector<double>& a, i64 n) {
  if (n == 0) return 1.0;
  if (n == 1) return a[0];
  double d = 0;
  for (i64 j = 0; j < n; ++j) {
    std::vector<double> m;
    for (i64 r = 1; r < n; ++r)
      for (i64 c = 0; c < n; ++c)
        if (c != j) m.push_back(a[static_cast<size_t>(r * n + c)]);
    d += (j % 2 ? -1.0 : 1.0) * a[static_cast<size_t>(j)] * det_ref(m, n - 1);
  }
  return d;
}

}  // namespace

TEST_CASE("gather_elements: negative indices count from the end, out of range reads position 0", "[indexing]") {
  // data [3, 4], indices [2, 4] along axis 0.
  Guarded<float> data(12), y(8);
  for (int i = 0; i < 12; ++i) data[static_cast<size_t>(i)] = static_cast<float>(i);
  const std::vector<i64> idx{0, 1, 2, -1, 3, -4, kBig, kSmall};
  k::gather_elements(data.data(), idx.data(), y.data(), strided({2, 4}, {0, 1}), 3, 4);
  CHECK(y.vec() == std::vector<float>{0, 5, 10, 11, 0, 1, 2, 3});
  CHECK(y.intact());
  CHECK(data.intact());
}

TEST_CASE("scatter_elements: reductions, duplicates in order, out of range dropped", "[indexing]") {
  Guarded<int32_t> data(5), y(5);
  data.assign({1, 2, 3, 4, 5});
  const std::vector<int64_t> idx{1, 1, -1, 5, -6, kBig};
  const std::vector<int32_t> upd{10, 20, 30, 40, 50, 60};
  const k::Strided s = strided({6}, {0});
  k::scatter_elements(data.data(), idx.data(), upd.data(), y.data(), 5, s, 5, 1, k::kScatterNone);
  CHECK(y.vec() == std::vector<int32_t>{1, 20, 3, 4, 30});
  k::scatter_elements(data.data(), idx.data(), upd.data(), y.data(), 5, s, 5, 1, k::kScatterAdd);
  CHECK(y.vec() == std::vector<int32_t>{1, 32, 3, 4, 35});
  k::scatter_elements(data.data(), idx.data(), upd.data(), y.data(), 5, s, 5, 1, k::kScatterMul);
  CHECK(y.vec() == std::vector<int32_t>{1, 400, 3, 4, 150});
  k::scatter_elements(data.data(), idx.data(), upd.data(), y.data(), 5, s, 5, 1, k::kScatterMin);
  CHECK(y.vec() == std::vector<int32_t>{1, 2, 3, 4, 5});
  CHECK(y.intact());
  // Integer overflow wraps instead of being undefined.
  Guarded<int32_t> big(1), yb(1);
  big[0] = std::numeric_limits<int32_t>::max();
  const std::vector<int64_t> zero{0};
  const std::vector<int32_t> one{1};
  k::scatter_elements(big.data(), zero.data(), one.data(), yb.data(), 1, strided({1}, {0}), 1, 1, k::kScatterAdd);
  CHECK(yb[0] == std::numeric_limits<int32_t>::min());
  // Max and min propagate a NaN update.
  Guarded<float> f(2), yf(2);
  f.assign({1.0f, 2.0f});
  const std::vector<int64_t> i01{0, 1};
  const std::vector<float> un{std::nanf(""), 1.0f};
  k::scatter_elements(f.data(), i01.data(), un.data(), yf.data(), 2, strided({2}, {0}), 2, 1, k::kScatterMax);
  CHECK(std::isnan(yf[0]));
  CHECK(yf[1] == 2.0f);
}

TEST_CASE("gather_nd and scatter_nd: batch dims, slices, out of range tuples", "[indexing]") {
  // data [2, 3, 2] (batch 1), tuples of 1 index into dim 1: slices of 2.
  Guarded<float> data(12), y(6);
  for (int i = 0; i < 12; ++i) data[static_cast<size_t>(i)] = static_cast<float>(i);
  k::NDPlan p{};
  p.batch = 2, p.n = 2, p.k = 1, p.dims[0] = 3, p.slice = 2, p.batch_stride = 6;
  Guarded<float> y4(8);
  const std::vector<i64> idx{2, -3, 7, 1};
  k::gather_nd(data.data(), idx.data(), y4.data(), p);
  CHECK(y4.vec() == std::vector<float>{4, 5, 0, 1, 6, 7, 8, 9});
  CHECK(y4.intact());
  // scatter_nd into [3, 2] with tuples of 1: the third tuple is out of range.
  k::NDPlan q{};
  q.batch = 1, q.n = 3, q.k = 1, q.dims[0] = 3, q.slice = 2, q.batch_stride = 6;
  const std::vector<i64> sidx{-1, 0, 3};
  const std::vector<float> upd{10, 11, 20, 21, 30, 31};
  k::scatter_nd(data.data(), sidx.data(), upd.data(), y.data(), 6, q, k::kScatterAdd);
  CHECK(y.vec() == std::vector<float>{20, 22, 2, 3, 14, 16});
  CHECK(y.intact());
}

TEST_CASE("tensor_scatter: linear rows past the cache dropped, circular wraps, any write index", "[indexing]") {
  // cache [B=2, L=3, inner=2], update [2, S=2, 2].
  Guarded<float> past(12), y(12);
  past.fill(0.0f);
  const std::vector<float> upd{1, 1, 2, 2, 3, 3, 4, 4};
  const std::vector<i64> w{2, kBig};
  k::tensor_scatter(past.data(), upd.data(), w.data(), y.data(), 2, 1, 3, 2, 2, false);
  CHECK(y.vec() == std::vector<float>{0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0});
  const std::vector<i64> wc{2, kSmall};
  k::tensor_scatter(past.data(), upd.data(), wc.data(), y.data(), 2, 1, 3, 2, 2, true);
  // kSmall mod 3 == 1 (-9223372036854775808 = -3074457345618258603 * 3 + 1).
  CHECK(y.vec() == std::vector<float>{2, 2, 0, 0, 1, 1, 0, 0, 3, 3, 4, 4});
  CHECK(y.intact());
  const std::vector<i64> wn{-1, -5};
  k::tensor_scatter(past.data(), upd.data(), wn.data(), y.data(), 2, 1, 3, 2, 2, false);
  CHECK(y.vec() == std::vector<float>{2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
}

TEST_CASE("reverse_sequence: lengths clamped to [0, steps]", "[indexing]") {
  // x [T=3, B=3] (time axis 0), inner 1.
  Guarded<float> x(9), y(9);
  for (int i = 0; i < 9; ++i) x[static_cast<size_t>(i)] = static_cast<float>(i);
  const std::vector<i64> lens{kBig, -4, 2};
  k::reverse_sequence(x.data(), lens.data(), y.data(), 3, 3, 3, 1, 1);
  CHECK(y.vec() == std::vector<float>{6, 1, 5, 3, 4, 2, 0, 7, 8});
  CHECK(y.intact());
}

TEST_CASE("max_unpool: indices outside the unpooled shape dropped", "[indexing]") {
  Guarded<float> y(6);
  const std::vector<float> x{1, 2, 3, 4};
  const std::vector<i64> idx{5, -1, 6, 0};
  k::max_unpool(x.data(), idx.data(), y.data(), 4, 6, strided({6}, {1}));
  CHECK(y.vec() == std::vector<float>{4, 0, 0, 0, 0, 1});
  CHECK(y.intact());
}

TEST_CASE("eye: diagonals inside and outside the matrix", "[linalg]") {
  Guarded<float> y(12);
  k::eye(y.data(), 3, 4, 1);
  CHECK(y.vec() == std::vector<float>{0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1});
  k::eye(y.data(), 3, 4, -2);
  CHECK(y.vec() == std::vector<float>{0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0});
  k::eye(y.data(), 3, 4, kBig);
  CHECK(y.vec() == std::vector<float>(12, 0.0f));
  k::eye(y.data(), 3, 4, kSmall);
  CHECK(y.vec() == std::vector<float>(12, 0.0f));
  CHECK(y.intact());
}

TEST_CASE("det: random, singular and permuted matrices", "[linalg]") {
  std::mt19937 g(77);
  for (i64 n = 1; n <= 6; ++n) {
    const i64 batch = 3;
    std::vector<float> x = rand_vec<float>(g, batch * n * n, -2.0, 2.0);
    if (n >= 2) {  // matrix 1: two equal rows; matrix 2: a zero leading column
      for (i64 j = 0; j < n; ++j) x[static_cast<size_t>(n * n + n + j)] = x[static_cast<size_t>(n * n + j)];
      for (i64 r = 0; r < n; ++r) x[static_cast<size_t>(2 * n * n + r * n)] = 0.0f;
      x[static_cast<size_t>(2 * n * n + (n - 1) * n)] = 1.5f;
    }
    std::vector<double> ref;
    for (i64 b = 0; b < batch; ++b)
      ref.push_back(det_ref(std::vector<double>(x.begin() + b * n * n, x.begin() + (b + 1) * n * n), n));
    Guarded<float> y(batch);
    Guarded<double> scratch(n * n);
    k::det(x.data(), y.data(), batch, n, scratch.data());
    check_near(y.data(), ref, 1e-5, 1e-6, "det n=" + std::to_string(n));
    CHECK(y.intact());
    CHECK(scratch.intact());
  }
}

TEST_CASE("max_pool_indices: values and flat indices in both storage orders", "[indexing][pool]") {
  std::mt19937 g(91);
  struct Case {
    i64 in[3], k[3], s[3], pb[3], pe[3], dil[3];
  };
  const std::vector<Case> cases{
      {{1, 1, 9}, {1, 1, 3}, {1, 1, 2}, {0, 0, 1}, {0, 0, 1}, {1, 1, 1}},      // 1D
      {{1, 5, 6}, {1, 3, 2}, {1, 2, 1}, {0, 1, 0}, {0, 1, 1}, {1, 1, 2}},      // 2D
      {{4, 3, 5}, {2, 2, 3}, {2, 1, 2}, {1, 0, 1}, {0, 1, 1}, {1, 2, 1}},      // 3D
  };
  for (const Case& cs : cases) {
    k::PoolParams p{};
    p.NC = 3;
    for (int d = 0; d < 3; ++d) {
      p.in[d] = cs.in[d], p.k[d] = cs.k[d], p.stride[d] = cs.s[d], p.pad[d] = cs.pb[d], p.pad_end[d] = cs.pe[d];
      p.dil[d] = cs.dil[d];
      p.out[d] = (cs.in[d] + cs.pb[d] + cs.pe[d] - (cs.dil[d] * (cs.k[d] - 1) + 1)) / cs.s[d] + 1;
    }
    const i64 S = p.in[0] * p.in[1] * p.in[2], O = p.out[0] * p.out[1] * p.out[2];
    // Distinct values: no ties.
    std::vector<float> x(static_cast<size_t>(p.NC * S));
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i);
    std::shuffle(x.begin(), x.end(), g);
    for (bool col_major : {false, true}) {
      Guarded<float> y(p.NC * O);
      Guarded<i64> ind(p.NC * O);
      k::max_pool_indices(x.data(), y.data(), ind.data(), p, col_major);
      std::vector<double> ry, ri;
      for (i64 nc = 0; nc < p.NC; ++nc)
        for (i64 a = 0; a < p.out[0]; ++a)
          for (i64 b = 0; b < p.out[1]; ++b)
            for (i64 c = 0; c < p.out[2]; ++c) {
              double best = -1;
              i64 at = -1;
              for (i64 u = 0; u < p.k[0]; ++u)
                for (i64 v = 0; v < p.k[1]; ++v)
                  for (i64 w = 0; w < p.k[2]; ++w) {
                    const i64 h = a * p.stride[0] - p.pad[0] + u * p.dil[0];
                    const i64 wi = b * p.stride[1] - p.pad[1] + v * p.dil[1];
                    const i64 d = c * p.stride[2] - p.pad[2] + w * p.dil[2];
                    if (h < 0 || h >= p.in[0] || wi < 0 || wi >= p.in[1] || d < 0 || d >= p.in[2]) continue;
                    const double val = x[static_cast<size_t>(nc * S + (h * p.in[1] + wi) * p.in[2] + d)];
                    if (val > best) {
                      best = val;
                      // ONNX's spatial dims are those of size > 1 here, leading dims first:
                      // column-major counts the first one fastest.
                      at = col_major ? h + (wi + d * p.in[1]) * p.in[0] : (h * p.in[1] + wi) * p.in[2] + d;
                    }
                  }
              ry.push_back(best);
              ri.push_back(static_cast<double>(nc * S + at));
            }
      check_near(y.data(), ry, 0, 0, "max_pool_indices values");
      std::vector<double> got(ind.data(), ind.data() + p.NC * O);
      check_near(got.data(), ri, 0, 0, std::string("max_pool_indices indices, col_major ") + (col_major ? "1" : "0"));
      CHECK(y.intact());
      CHECK(ind.intact());
    }
  }
}
