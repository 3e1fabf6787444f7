// pool<T, kind>: max / average (count_include_pad both ways) / Lp, pads, ceil-mode outputs,
// dilation, 1 to 3 spatial dims; global average and max pooling.
#include "kt.hpp"

#include <limits>

using namespace kt;

namespace {

struct PoolCase {
  i64 NC;
  std::vector<i64> in, k, stride, pad, pad_end, dil;
  bool ceil_mode;
};

// Output size as ONNX defines it (ceil_mode: the last window must start inside the input or
// the begin padding).
i64 out_size(i64 in, i64 k, i64 s, i64 pb, i64 pe, i64 dil, bool ceil_mode) {
  const i64 span = in + pb + pe - (dil * (k - 1) + 1);
  if (!ceil_mode) return span / s + 1;
  i64 out = (span + s - 1) / s + 1;
  if ((out - 1) * s >= in + pb) --out;
  return out;
}

k::PoolParams make_params(const PoolCase& c, bool include_pad) {
  k::PoolParams p{};
  p.NC = c.NC;
  for (int d = 0; d < 3; ++d) {
    p.in[d] = p.out[d] = p.k[d] = p.stride[d] = p.dil[d] = 1;
    p.pad[d] = p.pad_end[d] = 0;
  }
  // The real dims last, as the compiler passes them.
  const size_t n = c.in.size();
  for (size_t i = 0; i < n; ++i) {
    const size_t d = 3 - n + i;
    p.in[d] = c.in[i];
    p.k[d] = c.k[i];
    p.stride[d] = c.stride[i];
    p.pad[d] = c.pad[i];
    p.pad_end[d] = c.pad_end[i];
    p.dil[d] = c.dil[i];
    p.out[d] = out_size(c.in[i], c.k[i], c.stride[i], c.pad[i], c.pad_end[i], c.dil[i], c.ceil_mode);
  }
  p.count_include_pad = include_pad;
  return p;
}

// kind 0 max, 1 average, 2 Lp. Padding counts for the average only inside
// [-pad, in + pad_end) (ceil-mode overhang past the end padding never counts).
std::vector<double> ref_pool(const std::vector<float>& X, const k::PoolParams& p, int kind, double norm_p) {
  std::vector<double> Y;
  const i64 I = p.in[0] * p.in[1] * p.in[2];
  for (i64 nc = 0; nc < p.NC; ++nc)
    for (i64 o0 = 0; o0 < p.out[0]; ++o0)
      for (i64 o1 = 0; o1 < p.out[1]; ++o1)
        for (i64 o2 = 0; o2 < p.out[2]; ++o2) {
          const i64 o[3] = {o0, o1, o2};
          double mx = -std::numeric_limits<double>::infinity(), sum = 0;
          i64 valid = 0, padded = 0;
          for (i64 a = 0; a < p.k[0]; ++a)
            for (i64 b = 0; b < p.k[1]; ++b)
              for (i64 e = 0; e < p.k[2]; ++e) {
                const i64 t[3] = {a, b, e};
                i64 i[3];
                bool inside = true, in_padded = true;
                for (int d = 0; d < 3; ++d) {
                  i[d] = o[d] * p.stride[d] - p.pad[d] + t[d] * p.dil[d];
                  if (i[d] < 0 || i[d] >= p.in[d]) inside = false;
                  if (i[d] < -p.pad[d] || i[d] >= p.in[d] + p.pad_end[d]) in_padded = false;
                }
                if (in_padded) ++padded;
                if (!inside) continue;
                ++valid;
                const double v = X[nc * I + (i[0] * p.in[1] + i[1]) * p.in[2] + i[2]];
                mx = std::max(mx, v);
                sum += kind == 2 ? std::pow(std::fabs(v), norm_p) : v;
              }
          if (kind == 0) Y.push_back(mx);
          else if (kind == 1) Y.push_back(sum / double(p.count_include_pad ? padded : valid));
          else Y.push_back(std::pow(sum, 1.0 / norm_p));
        }
  return Y;
}

void run_pool(std::mt19937& g, const PoolCase& c) {
  for (int variant = 0; variant < 7; ++variant) {
    const int kind = variant < 1 ? 0 : (variant < 3 ? 1 : 2);
    const bool include_pad = variant == 2;
    const double norm_p = variant == 3 ? 1 : variant == 4 ? 2 : variant == 5 ? 3 : 2.5;  // LpPool's p
    const k::PoolParams p = make_params(c, include_pad);
    const i64 I = p.in[0] * p.in[1] * p.in[2], O = p.out[0] * p.out[1] * p.out[2];
    std::string what = std::string(kind == 0 ? "max" : kind == 1 ? "avg" : "lp") +
                       (kind == 1 ? (include_pad ? " include_pad" : " exclude_pad") : "") +
                       (kind == 2 ? " p=" + std::to_string(norm_p) : "") + " NC=" + std::to_string(c.NC) +
                       " in=" + shape_str(c.in) + " k=" + shape_str(c.k) + " stride=" + shape_str(c.stride) +
                       " pad=" + shape_str(c.pad) + "/" + shape_str(c.pad_end) + " dil=" + shape_str(c.dil) +
                       (c.ceil_mode ? " ceil" : "");
    INFO(what);
    REQUIRE(O > 0);
    auto X = rand_vec<float>(g, c.NC * I, -2, 2);
    Guarded<float> Y(c.NC * O);
    Y.fill(std::nanf(""));
    if (kind == 0) k::pool<float, 0>(X.data(), Y.data(), p, 0);
    else if (kind == 1) k::pool<float, 1>(X.data(), Y.data(), p, 0);
    else k::pool<float, 2>(X.data(), Y.data(), p, norm_p);
    const auto want = ref_pool(X, p, kind, norm_p);
    check_near(Y.data(), want, 2e-6, 1e-7, what);
    CHECK(Y.intact());
    if (kind == 0 && k::max_pool_2d_fits(p)) {  // the two-pass 2D max pooling
      INFO("max_pool_2d");
      Guarded<float> Y2(c.NC * O), row(p.in[2]);
      Y2.fill(std::nanf(""));
      k::max_pool_2d(X.data(), Y2.data(), p, row.data());
      check_near(Y2.data(), want, 0, 0, what);
      CHECK(Y2.intact());
      CHECK(row.intact());
    }
  }
}

}  // namespace

TEST_CASE("pool 1D", "[pool]") {
  std::mt19937 g(81);
  for (i64 L : {i64(1), i64(3), i64(4), i64(7), i64(8), i64(16), i64(17), i64(33)}) {
    run_pool(g, {3, {L}, {1}, {1}, {0}, {0}, {1}, false});
    run_pool(g, {2, {L}, {2}, {2}, {0}, {1}, {1}, false});
    run_pool(g, {2, {L}, {3}, {2}, {1}, {1}, {1}, true});
    run_pool(g, {1, {L + 2}, {3}, {1}, {0}, {0}, {1}, false});
    run_pool(g, {2, {L + 4}, {3}, {3}, {2}, {1}, {2}, true});
  }
}

TEST_CASE("pool 2D", "[pool]") {
  // (max pooling also through max_pool_2d: strides 1, 2, 3, windows over both ends)
  std::mt19937 g(82);
  for (i64 H : {i64(1), i64(4), i64(7), i64(16)})
    for (i64 W : {i64(3), i64(8), i64(17)}) {
      run_pool(g, {2, {H + 1, W}, {2, 2}, {2, 2}, {0, 0}, {1, 1}, {1, 1}, false});
      run_pool(g, {2, {H + 1, W}, {2, 2}, {2, 2}, {0, 0}, {0, 0}, {1, 1}, true});   // ceil overhang
      run_pool(g, {1, {H, W}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, false});
      run_pool(g, {3, {H + 2, W + 2}, {3, 3}, {2, 2}, {1, 1}, {1, 1}, {1, 1}, true});
      run_pool(g, {1, {H + 2, W + 1}, {3, 2}, {2, 3}, {1, 0}, {2, 1}, {1, 1}, true}); // asymmetric
      run_pool(g, {2, {H + 4, W + 4}, {3, 3}, {1, 2}, {2, 1}, {1, 2}, {2, 2}, false}); // dilation
      run_pool(g, {1, {H + 4, W + 4}, {2, 3}, {3, 2}, {0, 1}, {0, 1}, {3, 2}, true});
      run_pool(g, {2, {H, W}, {1, W}, {1, 1}, {0, 0}, {0, 0}, {1, 1}, false});       // full-width window
    }
}

TEST_CASE("pool 3D", "[pool]") {
  std::mt19937 g(83);
  run_pool(g, {2, {4, 5, 6}, {2, 2, 2}, {2, 2, 2}, {0, 0, 0}, {0, 1, 0}, {1, 1, 1}, true});
  run_pool(g, {1, {5, 7, 9}, {3, 3, 3}, {1, 2, 2}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, false});
  run_pool(g, {3, {6, 6, 17}, {2, 3, 3}, {2, 1, 3}, {1, 0, 1}, {0, 1, 2}, {2, 1, 2}, true});
  run_pool(g, {1, {1, 1, 33}, {1, 1, 4}, {1, 1, 4}, {0, 0, 0}, {0, 0, 3}, {1, 1, 1}, true});
}

TEST_CASE("pool: windows entirely in the padding", "[pool]") {
  // k=1 with pads: corner windows see only padding. Max gives -inf there; average with
  // count_include_pad gives 0 (padding counts as zeros).
  k::PoolParams p{};
  p.NC = 1;
  for (int d = 0; d < 3; ++d) p.in[d] = p.out[d] = p.k[d] = p.stride[d] = p.dil[d] = 1;
  p.in[0] = 2;
  p.pad[0] = 1;
  p.pad_end[0] = 1;
  p.out[0] = 4;
  const float X[2] = {1.5f, -2.0f};
  float Y[4];
  k::pool<float, 0>(X, Y, p, 0);
  CHECK(std::isinf(Y[0]));
  CHECK(Y[0] < 0);
  CHECK(Y[1] == 1.5f);
  CHECK(Y[2] == -2.0f);
  CHECK(std::isinf(Y[3]));
  p.count_include_pad = true;
  k::pool<float, 1>(X, Y, p, 0);
  CHECK(Y[0] == 0.0f);
  CHECK(Y[1] == 1.5f);
  CHECK(Y[3] == 0.0f);
}

TEST_CASE("global average and max pooling", "[pool][global]") {
  std::mt19937 g(84);
  for (i64 S : vec_sizes())
    for (i64 NC : {i64(1), i64(3), i64(16)}) {
      auto X = rand_vec<float>(g, NC * S, -5, 5);
      Guarded<float> Ya(NC), Ym(NC);
      k::global_avg_pool(X.data(), Ya.data(), NC, S);
      k::global_max_pool(X.data(), Ym.data(), NC, S);
      std::vector<double> avg, mx;
      for (i64 i = 0; i < NC; ++i) {
        double s = 0, m = -1e300;
        for (i64 j = 0; j < S; ++j) s += X[i * S + j], m = std::max(m, double(X[i * S + j]));
        avg.push_back(s / double(S));
        mx.push_back(m);
      }
      const std::string what = "S=" + std::to_string(S) + " NC=" + std::to_string(NC);
      std::vector<double> scale(avg.size(), 5.0);
      check_near(Ya.data(), avg, 1e-6 * std::sqrt(double(S)), 1e-7, "global avg " + what, &scale);
      check_near(Ym.data(), mx, 0, 0, "global max " + what);
      CHECK(Ya.intact());
      CHECK(Ym.intact());
    }
  // A large plane.
  auto X = rand_vec<float>(g, 2 * 224 * 224, 0, 1);
  float Y[2];
  k::global_avg_pool(X.data(), Y, 2, 224 * 224);
  for (int c = 0; c < 2; ++c) {
    double s = 0;
    for (i64 j = 0; j < 224 * 224; ++j) s += X[c * 224 * 224 + j];
    CHECK(std::fabs(Y[c] - s / (224 * 224)) <= 1e-5);
  }
}
