// Data movement: strided_copy, copy_rows, copy/fill, gather, table_copy, resize_interp.
#include "kt.hpp"

using namespace kt;

namespace {

k::Strided make_strided(const std::vector<i64>& dims, const std::vector<i64>& st) {
  k::Strided s{};
  s.rank = static_cast<int>(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) s.dims[i] = dims[i], s.st[i] = st[i];
  return s;
}

// Reference: out[i] = x[base + sum(idx_k * st_k)].
template <class T>
std::vector<T> ref_strided(const T* x, const std::vector<i64>& dims, const std::vector<i64>& st) {
  std::vector<T> out;
  for_each_index(dims, [&](const std::vector<i64>& idx) {
    i64 off = 0;
    for (size_t k = 0; k < dims.size(); ++k) off += idx[k] * st[k];
    out.push_back(x[off]);
  });
  return out;
}

// Transpose view of a row-major tensor `shape` by permutation perm.
void perm_view(const std::vector<i64>& shape, const std::vector<int>& perm, std::vector<i64>* dims,
               std::vector<i64>* st) {
  const auto s = strides_of(shape);
  dims->clear();
  st->clear();
  for (int p : perm) dims->push_back(shape[p]), st->push_back(s[p]);
}

}  // namespace

TEST_CASE("strided_copy: transposes", "[movement][strided_copy]") {
  std::mt19937 g(51);
  for (i64 n : vec_sizes()) {
    const std::vector<std::pair<std::vector<i64>, std::vector<int>>> cases{
        {{n, 3}, {1, 0}},
        {{3, n}, {1, 0}},
        {{n, n}, {1, 0}},
        {{2, 3, n}, {2, 0, 1}},
        {{2, 3, n}, {0, 2, 1}},
        {{n, 1, 5}, {2, 1, 0}},
        {{2, n, 3, 2}, {3, 1, 0, 2}},
        {{n}, {0}},
    };
    for (const auto& c : cases) {
      auto x = rand_vec<float>(g, numel(c.first));
      std::vector<i64> dims, st;
      perm_view(c.first, c.second, &dims, &st);
      Guarded<float> y(numel(dims));
      k::strided_copy(x.data(), y.data(), make_strided(dims, st));
      auto want = ref_strided(x.data(), dims, st);
      check_equal(y.data(), want.data(), want.size(), "transpose of " + shape_str(c.first));
      CHECK(y.intact());
    }
  }
  // Rank 8, int64 elements.
  std::vector<i64> shape{2, 1, 3, 2, 1, 2, 3, 2};
  std::vector<int> perm{7, 6, 5, 4, 3, 2, 1, 0};
  auto x = rand_int<int64_t>(g, numel(shape), -1000000, 1000000);
  std::vector<i64> dims, st;
  perm_view(shape, perm, &dims, &st);
  std::vector<int64_t> y(x.size());
  k::strided_copy(x.data(), y.data(), make_strided(dims, st));
  check_equal(y, ref_strided(x.data(), dims, st), "rank-8 reverse transpose");
}

TEST_CASE("strided_copy: slices, negative strides, broadcasts", "[movement][strided_copy]") {
  std::mt19937 g(52);
  for (i64 n : vec_sizes()) {
    const std::string s = " n=" + std::to_string(n);
    // Reverse a vector: start at the last element, stride -1.
    {
      auto x = rand_vec<float>(g, n);
      std::vector<float> y(x.size());
      k::strided_copy(x.data() + n - 1, y.data(), make_strided({n}, {-1}));
      std::vector<float> want(x.rbegin(), x.rend());
      check_equal(y, want, "reverse" + s);
    }
    // Slice [::-2, 1::3] of a [7, 3n+1] matrix.
    {
      const i64 cols = 3 * n + 1;
      auto x = rand_vec<float>(g, 7 * cols);
      const std::vector<i64> dims{4, n}, st{-2 * cols, 3};
      const float* base = x.data() + 6 * cols + 1;
      std::vector<float> y(static_cast<size_t>(4 * n));
      k::strided_copy(base, y.data(), make_strided(dims, st));
      std::vector<float> want;
      for (i64 i = 6; i >= 0; i -= 2)
        for (i64 j = 1; j < cols; j += 3) want.push_back(x[i * cols + j]);
      check_equal(y, want, "slice [::-2, 1::3]" + s);
    }
    // Expand: stride-0 dims (both inner and outer).
    {
      auto x = rand_vec<float>(g, n);
      const std::vector<i64> dims{3, n, 2}, st{0, 1, 0};
      std::vector<float> y(static_cast<size_t>(6 * n));
      k::strided_copy(x.data(), y.data(), make_strided(dims, st));
      check_equal(y, ref_strided(x.data(), dims, st), "expand" + s);
    }
    // Reversed inner dim with transposed outer dims.
    {
      auto x = rand_vec<double>(g, 3 * n * 2);
      const std::vector<i64> dims{2, n, 3}, st{1, -2, 2 * n};  // x viewed as [3, n, 2]
      const double* base = x.data() + (n - 1) * 2;
      std::vector<double> y(static_cast<size_t>(6 * n));
      k::strided_copy(base, y.data(), make_strided(dims, st));
      check_equal(y, ref_strided(base, dims, st), "mixed negative" + s);
    }
  }
  // Rank 0 (a scalar) and empty views.
  {
    float x = 4.5f, y = 0;
    k::Strided s0{};
    s0.rank = 0;
    k::strided_copy(&x, &y, s0);
    CHECK(y == 4.5f);
    Guarded<float> e(0);
    k::strided_copy(&x, e.data(), make_strided({3, 0, 2}, {0, 1, 0}));
    CHECK(e.intact());
  }
}

TEST_CASE("copy_rows, copy and fill", "[movement][copy_rows]") {
  std::mt19937 g(53);
  for (i64 len : vec_sizes()) {
    for (i64 rows : {i64(1), i64(3), i64(8)}) {
      const i64 sp = len + 5, dp = 2 * len + 1;
      auto src = rand_vec<float>(g, rows * sp);
      std::vector<float> dst(static_cast<size_t>(rows * dp), -7.0f), want = dst;
      k::copy_rows(src.data(), dst.data(), rows, len, sp, dp);
      for (i64 r = 0; r < rows; ++r)
        for (i64 i = 0; i < len; ++i) want[r * dp + i] = src[r * sp + i];
      check_equal(dst, want, "copy_rows len=" + std::to_string(len) + " rows=" + std::to_string(rows));
      // Concat-style: dst pitch is the full row, src rows are packed.
      auto src2 = rand_int<int32_t>(g, rows * len, -100, 100);
      std::vector<int32_t> dst2(static_cast<size_t>(rows * (len + 3)), 0), want2 = dst2;
      k::copy_rows(src2.data(), dst2.data() + 3, rows, len, len, len + 3);
      for (i64 r = 0; r < rows; ++r)
        for (i64 i = 0; i < len; ++i) want2[r * (len + 3) + 3 + i] = src2[r * len + i];
      check_equal(dst2, want2, "copy_rows concat len=" + std::to_string(len));
    }
    auto x = rand_vec<float>(g, len);
    Guarded<float> y(len);
    k::copy(x.data(), y.data(), len);
    check_equal(y.data(), x.data(), x.size(), "copy");
    k::fill(y.data(), len, 2.5f);
    std::vector<float> f(x.size(), 2.5f);
    check_equal(y.data(), f.data(), f.size(), "fill");
    CHECK(y.intact());
  }
  Guarded<float> e(0);
  k::copy_rows(static_cast<const float*>(nullptr), e.data(), 0, 5, 5, 5);
  k::copy(static_cast<const float*>(nullptr), e.data(), 0);
  CHECK(e.intact());
}

TEST_CASE("gather along an axis, negative indices", "[movement][gather]") {
  std::mt19937 g(54);
  for (i64 inner : {i64(1), i64(3), i64(4), i64(17), i64(33)})
    for (i64 outer : {i64(1), i64(2), i64(5)})
      for (i64 axis_dim : {i64(1), i64(4), i64(9)})
        for (i64 nidx : {i64(1), i64(3), i64(16)}) {
          auto data = rand_vec<float>(g, outer * axis_dim * inner);
          auto idx64 = rand_int<int64_t>(g, nidx, -axis_dim, axis_dim - 1);
          std::vector<int32_t> idx32(idx64.begin(), idx64.end());
          Guarded<float> y(outer * nidx * inner);
          std::vector<float> want;
          for (i64 o = 0; o < outer; ++o)
            for (i64 j = 0; j < nidx; ++j) {
              const i64 kk = idx64[j] < 0 ? idx64[j] + axis_dim : idx64[j];
              for (i64 i = 0; i < inner; ++i) want.push_back(data[(o * axis_dim + kk) * inner + i]);
            }
          const std::string what = "gather outer=" + std::to_string(outer) + " dim=" +
                                   std::to_string(axis_dim) + " inner=" + std::to_string(inner) +
                                   " nidx=" + std::to_string(nidx);
          k::gather(data.data(), idx64.data(), y.data(), outer, axis_dim, inner, nidx);
          check_equal(y.data(), want.data(), want.size(), what + " int64");
          CHECK(y.intact());
          y.fill(0);
          k::gather(data.data(), idx32.data(), y.data(), outer, axis_dim, inner, nidx);
          check_equal(y.data(), want.data(), want.size(), what + " int32");
        }
  // Scalar index into a 1-D tensor, and int64 data.
  const int64_t d[5] = {10, 20, 30, 40, 50};
  const int64_t i[3] = {-1, 0, -5};
  int64_t y[3];
  k::gather(d, i, y, 1, 5, 1, 3);
  const int64_t want[3] = {50, 10, 10};
  check_equal(y, want, 3, "gather int64 data");
}

TEST_CASE("table_copy: pad and nearest-resize tables", "[movement][table_copy]") {
  std::mt19937 g(55);
  // Constant Pad of x[shape] with begin/end pads per dim; reflect Pad; random nearest tables.
  const std::vector<std::vector<i64>> shapes{{1}, {5}, {3, 4}, {2, 3, 17}, {2, 1, 3, 8}, {1, 2, 2, 2, 31}};
  for (const auto& shape : shapes) {
    const size_t r = shape.size();
    auto x = rand_vec<float>(g, numel(shape));
    const auto xs = strides_of(shape);
    for (int mode = 0; mode < 3; ++mode) {
      std::vector<i64> dims(r), tab;
      k::TableMap m{};
      m.rank = static_cast<int>(r);
      std::vector<std::vector<i64>> src(r);  // per dim: source coordinate or -1
      for (size_t k = 0; k < r; ++k) {
        const i64 pb = rand_in(g, 0, 3), pe = rand_in(g, 0, 3);
        if (mode == 0) {  // constant pad (also negative pads = crop)
          const i64 cb = shape[k] > 2 ? rand_in(g, -1, 0) : 0;
          const i64 b = cb < 0 ? cb : pb;
          dims[k] = shape[k] + b + pe;
          for (i64 i = 0; i < dims[k]; ++i) {
            const i64 s = i - b;
            src[k].push_back(s >= 0 && s < shape[k] ? s : -1);
          }
        } else if (mode == 1) {  // reflect pad (pads smaller than the dim)
          const i64 b = std::min(pb, shape[k] - 1), e = std::min(pe, shape[k] - 1);
          dims[k] = shape[k] + b + e;
          for (i64 i = 0; i < dims[k]; ++i) {
            i64 s = i - b;
            if (s < 0) s = -s;
            if (s >= shape[k]) s = 2 * (shape[k] - 1) - s;
            src[k].push_back(s);
          }
        } else {  // nearest resize: arbitrary source coordinates, some outside
          dims[k] = rand_in(g, 1, 2 * shape[k] + 3);
          for (i64 i = 0; i < dims[k]; ++i) src[k].push_back(rand_in(g, -1, shape[k] - 1));
        }
        m.dims[k] = dims[k];
        m.off[k] = static_cast<i64>(tab.size());
        for (i64 s : src[k]) tab.push_back(s < 0 ? -1 : s * xs[k]);
      }
      std::vector<float> want;
      for_each_index(dims, [&](const std::vector<i64>& idx) {
        i64 off = 0;
        bool outside = false;
        for (size_t k = 0; k < r; ++k) {
          const i64 s = src[k][idx[k]];
          if (s < 0) outside = true;
          off += s * xs[k];
        }
        want.push_back(outside ? -3.25f : x[off]);
      });
      Guarded<float> y(numel(dims));
      k::table_copy(x.data(), y.data(), tab.data(), m, -3.25f);
      check_equal(y.data(), want.data(), want.size(),
                  "table_copy mode " + std::to_string(mode) + " of " + shape_str(shape) + " -> " + shape_str(dims));
      CHECK(y.intact());
    }
  }
}

TEST_CASE("resize_interp: separable tap tables", "[movement][resize]") {
  std::mt19937 g(56);
  const std::vector<std::vector<i64>> shapes{{5}, {3, 4}, {2, 3, 17}, {1, 2, 5, 9}};
  for (const auto& shape : shapes)
    for (i64 taps : {i64(1), i64(2), i64(4)}) {
      const size_t r = shape.size();
      auto x = rand_vec<float>(g, numel(shape));
      const auto xs = strides_of(shape);
      k::InterpMap m{};
      m.rank = static_cast<int>(r);
      std::vector<i64> dims(r), tab;
      std::vector<double> wt;
      std::vector<std::vector<i64>> src(r);
      std::vector<std::vector<double>> w(r);
      for (size_t k = 0; k < r; ++k) {
        dims[k] = rand_in(g, 1, 2 * shape[k] + 1);
        m.dims[k] = dims[k];
        m.taps[k] = taps;
        m.off[k] = static_cast<i64>(tab.size());
        for (i64 i = 0; i < dims[k]; ++i) {
          const bool outside = rand_in(g, 0, 9) == 0;  // tf_crop_and_resize extrapolation
          for (i64 t = 0; t < taps; ++t) {
            const i64 s = outside && t == 0 ? -1 : rand_in(g, 0, shape[k] - 1);
            const double wv = std::uniform_real_distribution<double>(-0.5, 1.0)(g);
            src[k].push_back(s);
            w[k].push_back(wv);
            tab.push_back(s < 0 ? -1 : s * xs[k]);
            wt.push_back(wv);
          }
        }
      }
      std::vector<double> want;
      for_each_index(dims, [&](const std::vector<i64>& idx) {
        bool outside = false;
        for (size_t k = 0; k < r; ++k)
          if (src[k][idx[k] * taps] < 0) outside = true;
        if (outside) {
          want.push_back(7.0);
          return;
        }
        double acc = 0;
        std::vector<i64> t(r, taps);
        for_each_index(t, [&](const std::vector<i64>& tt) {
          double wv = 1;
          i64 off = 0;
          for (size_t k = 0; k < r; ++k) {
            wv *= w[k][idx[k] * taps + tt[k]];
            off += src[k][idx[k] * taps + tt[k]] * xs[k];
          }
          acc += wv * x[off];
        });
        want.push_back(acc);
      });
      Guarded<float> y(numel(dims));
      k::resize_interp(x.data(), y.data(), tab.data(), wt.data(), m, 7.0f);
      check_near(y.data(), want, 1e-6, 1e-6,
                 "resize_interp taps=" + std::to_string(taps) + " " + shape_str(shape) + " -> " + shape_str(dims));
      CHECK(y.intact());
    }
}
