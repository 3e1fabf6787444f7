// Test wasm/kernels: what only WebAssembly builds compile, checked under Node against scalar
// double-precision references (the kernel tests, tests/kernels, are native; Catch2 is not in
// Emscripten's sysroot, so this is a plain program whose exit code is the verdict):
//   - runtime_min/wasm/mmintrin.h's _mm_cvttps_epi32 and _mm_cvtps_epi32 (x86 results:
//     truncated or rounded to nearest even, INT_MIN for NaN and out of range), and Eigen's
//     exp, which uses them;
//   - sigmoid_array, the panel microkernel with its wasm row count (PanelTraits::MR = 4) on
//     every edge of rows and columns;
//   - rnn() (the one-pass LSTM cell) with Eigen's products and with the transposed W and R
//     (panel_matmul, rnn_gemv), against an LSTM in double;
//   - conv_winograd_last(), F(2x2, 3x3) and F(4x4, 3x3) (its tile kernel with the wasm tile of ChanTraits::SMAX = 5
//     positions) against a direct 3x3 convolution in double, channels last on both sides.
#include "templates/common.hpp"
#include "templates/activation.hpp"
#include "templates/elementwise.hpp"
#include "templates/special.hpp"
#include "templates/panel_gemm.hpp"
#include "templates/gemm.hpp"
#include "templates/rnn.hpp"
#include "templates/conv.hpp"
#include "templates/conv_channels.hpp"
#include "templates/conv_winograd.hpp"
#include "templates/conv_winograd_last.hpp"

#include <climits>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

namespace k = onnx2cpp_k;
using i64 = std::int64_t;

static int failures = 0;
#define EXPECT(cond, ...)                                          \
  do {                                                             \
    if (!(cond)) {                                                 \
      ++failures;                                                  \
      std::printf("FAILED %s:%d: %s: ", __FILE__, __LINE__, #cond); \
      std::printf(__VA_ARGS__);                                    \
      std::printf("\n");                                           \
    }                                                              \
  } while (0)

static bool near(double got, double want, double atol, double rtol) {
  if (std::isnan(want)) return std::isnan(got);
  if (std::isinf(want)) return got == want;
  return std::abs(got - want) <= atol + rtol * std::abs(want);
}

static void conversions() {
  const float v[] = {0.0f, -0.0f, 0.5f, -0.5f, 1.5f, 2.5f, -2.5f, 3.7f, -3.7f, 1e9f, -1e9f,
                     2147483520.0f, -2147483648.0f, 2147483648.0f, -2147483904.0f, 1e20f,
                     NAN, INFINITY, -INFINITY};
  for (float x : v) {
    const __m128 p = _mm_set1_ps(x);
    int t[4], r[4];
    _mm_storeu_si128(reinterpret_cast<__m128i*>(t), _mm_cvttps_epi32(p));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(r), _mm_cvtps_epi32(p));
    const bool in_range = std::abs(x) < 2147483648.0f;
    const int want_t = in_range ? static_cast<int>(x) : INT_MIN;
    const int want_r = in_range ? static_cast<int>(std::nearbyint(x)) : INT_MIN;
    for (int l = 0; l < 4; ++l) {
      EXPECT(t[l] == want_t, "_mm_cvttps_epi32(%g) = %d, want %d", x, t[l], want_t);
      EXPECT(r[l] == want_r, "_mm_cvtps_epi32(%g) = %d, want %d", x, r[l], want_r);
    }
  }
}

static void exp_and_sigmoid(std::mt19937& g) {
  std::uniform_real_distribution<float> u(-30.0f, 30.0f);
  for (i64 n : {0, 1, 3, 4, 5, 8, 17, 37, 200}) {
    std::vector<float> x(n), e(n), s(n);
    for (auto& v : x) v = u(g);
    if (n >= 8) {
      x[0] = -88.0f, x[1] = 88.0f, x[2] = -200.0f, x[3] = 100.0f;
      x[4] = -INFINITY, x[5] = INFINITY, x[6] = 0.0f, x[7] = -1e-8f;
    }
    k::ArrMap<float>(e.data(), n) = k::CArrMap<float>(x.data(), n).exp();
    k::sigmoid_array(x.data(), s.data(), n);
    for (i64 i = 0; i < n; ++i) {
      const double xd = x[i], ew = std::exp(xd), sw = 1.0 / (1.0 + std::exp(-xd));
      if (std::abs(xd) <= 88.0) EXPECT(near(e[i], ew, 1e-37, 2e-6), "exp(%g) = %g, want %g", xd, e[i], ew);
      EXPECT(near(s[i], sw, 1e-7, 2e-6), "sigmoid(%g) = %g, want %g", xd, s[i], sw);
    }
  }
}

static void panel(std::mt19937& g) {
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (i64 M : {1, 3, 4, 5, 9}) {
    for (i64 n : {1, 7, 8, 9, 20}) {
      for (i64 K : {1, 5, 70}) {
        std::vector<float> W(M * K), B(K * n), Z(M * n), bias(M), Y(M * n);
        for (auto* v : {&W, &B, &Z, &bias})
          for (auto& x : *v) x = u(g);
        std::vector<i64> off(K);
        for (i64 k = 0; k < K; ++k) off[k] = k * n;
        std::vector<float, Eigen::aligned_allocator<float>> tail(k::panel_gemm_scratch(K));
        k::panel_gemm(W.data(), K, B.data(), off.data(), Y.data(), n, M, n, K, bias.data(), Z.data(), n,
                      k::Act{k::Act::Relu, 0.f, 0.f}, tail.data());
        for (i64 m = 0; m < M; ++m)
          for (i64 j = 0; j < n; ++j) {
            double want = bias[m] + Z[m * n + j];
            for (i64 k = 0; k < K; ++k) want += double(W[m * K + k]) * B[k * n + j];
            want = want > 0 ? want : 0;
            EXPECT(near(Y[m * n + j], want, 1e-5, 1e-5), "panel_gemm M %lld n %lld K %lld at (%lld, %lld): %g, want %g",
                   (long long)M, (long long)n, (long long)K, (long long)m, (long long)j, Y[m * n + j], want);
          }
      }
    }
  }
}

static void lstm(std::mt19937& g) {
  std::uniform_real_distribution<float> u(-0.5f, 0.5f);
  for (i64 H : {3, 16, 37, 128}) {
    k::RnnParams p{};
    p.cell = k::RnnCell::LSTM;
    p.seq = 6, p.batch = 1, p.input = 11, p.hidden = H, p.dirs = 1;
    p.act[0] = {k::Act::Sigmoid, 0, 0};
    p.act[1] = p.act[2] = {k::Act::Tanh, 0, 0};
    const i64 G = 4 * H;
    std::vector<float> X(p.seq * p.input), W(G * p.input), R(G * H), Bv(2 * G);
    for (auto* v : {&X, &W, &R, &Bv})
      for (auto& x : *v) x = u(g);
    std::vector<float> Rt(k::rnn_rt_size(p)), Wt(W.size());
    k::rnn_transpose_r(R.data(), Rt.data(), p);
    k::rnn_transpose_w(W.data(), Wt.data(), p);
    std::vector<float> Y1(p.seq * H), Y2(p.seq * H), C1(H), C2(H);
    std::vector<float, Eigen::aligned_allocator<float>> s(k::rnn_scratch(p) + 16);
    k::rnn<float>(X.data(), W.data(), R.data(), Bv.data(), nullptr, nullptr, nullptr, nullptr, Y1.data(), nullptr,
                  C1.data(), p, s.data());
    k::rnn<float>(X.data(), nullptr, nullptr, Bv.data(), nullptr, nullptr, nullptr, nullptr, Y2.data(), nullptr,
                  C2.data(), p, s.data(), Rt.data(), Wt.data());
    // The reference, in double: gates i o f c.
    std::vector<double> h(H, 0.0), c(H, 0.0), a(G), Yw(p.seq * H);
    auto sig = [](double x) { return 1.0 / (1.0 + std::exp(-x)); };
    for (i64 t = 0; t < p.seq; ++t) {
      for (i64 j = 0; j < G; ++j) {
        a[j] = double(Bv[j]) + Bv[G + j];
        for (i64 i = 0; i < p.input; ++i) a[j] += double(W[j * p.input + i]) * X[t * p.input + i];
        for (i64 q = 0; q < H; ++q) a[j] += double(R[j * H + q]) * h[q];
      }
      for (i64 j = 0; j < H; ++j) {
        c[j] = sig(a[2 * H + j]) * c[j] + sig(a[j]) * std::tanh(a[3 * H + j]);
        h[j] = sig(a[H + j]) * std::tanh(c[j]);
        Yw[t * H + j] = h[j];
      }
    }
    for (i64 i = 0; i < p.seq * H; ++i) {
      EXPECT(near(Y1[i], Yw[i], 1e-5, 1e-4), "LSTM H %lld Y[%lld] = %g, want %g", (long long)H, (long long)i, Y1[i],
             Yw[i]);
      EXPECT(near(Y2[i], Yw[i], 1e-5, 1e-4), "LSTM (Rt, Wt) H %lld Y[%lld] = %g, want %g", (long long)H,
             (long long)i, Y2[i], Yw[i]);
    }
    for (i64 i = 0; i < H; ++i) {
      EXPECT(near(C1[i], c[i], 1e-5, 1e-4), "LSTM H %lld Yc[%lld] = %g, want %g", (long long)H, (long long)i, C1[i],
             c[i]);
      EXPECT(near(C2[i], c[i], 1e-5, 1e-4), "LSTM (Rt, Wt) H %lld Yc[%lld] = %g, want %g", (long long)H, (long long)i,
             C2[i], c[i]);
    }
  }
}

// X[H][W][C] -> Y[H][W][M] (pad 1) by F(R x R, 3 x 3), with a residual and Relu, one and
// two packets of channels, tiles past the edges, several blocks of tiles.
template <int R>
static void winograd_last(std::mt19937& g) {
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (i64 C : {16, 32})
    for (i64 M : {16, 48})
      for (i64 H : {1, 5, 18}) {
        const i64 Wd = H + 3;
        k::ConvParams p{1, C, M, 1, {1, H, Wd}, {1, H, Wd}, {1, 3, 3}, {1, 1, 1}, {0, 1, 1}, {1, 1, 1}};
        std::vector<float> X(H * Wd * C), W(M * C * 9), bias(M), Z(H * Wd * M), Y(H * Wd * M);
        for (auto* v : {&X, &W, &bias, &Z})
          for (auto& x : *v) x = u(g);
        std::vector<float> U(k::WinoLast<R>::SS * M * C);
        k::winograd_last_weights<R>(W.data(), U.data(), p);
        std::vector<float, Eigen::aligned_allocator<float>> scratch(k::winograd_last_scratch(p, true, true, R));
        constexpr int L = k::kChanInNHWC | k::kChanOutNHWC;
        k::conv_winograd_last<float, L, R>(X.data(), U.data(), bias.data(), Y.data(), p, scratch.data(), Z.data(),
                                        k::Act{k::Act::Relu, 0.f, 0.f});
        int bad = 0;
        for (i64 y = 0; y < H; ++y)
          for (i64 x = 0; x < Wd; ++x)
            for (i64 m = 0; m < M; ++m) {
              double want = bias[m] + Z[(y * Wd + x) * M + m];
              for (i64 c = 0; c < C; ++c)
                for (i64 ky = 0; ky < 3; ++ky)
                  for (i64 kx = 0; kx < 3; ++kx) {
                    const i64 iy = y + ky - 1, ix = x + kx - 1;
                    if (iy >= 0 && iy < H && ix >= 0 && ix < Wd)
                      want += double(W[((m * C + c) * 3 + ky) * 3 + kx]) * X[(iy * Wd + ix) * C + c];
                  }
              want = want > 0 ? want : 0;
              const float got = Y[(y * Wd + x) * M + m];
              if (!near(got, want, 1e-4, 1e-4) && bad++ < 3)
                EXPECT(false, "conv_winograd_last F(%dx%d) C %lld M %lld %lldx%lld at (%lld, %lld, %lld): %g, want %g", R, R,
                       (long long)C, (long long)M, (long long)H, (long long)Wd, (long long)y, (long long)x,
                       (long long)m, got, want);
            }
      }
}

int main() {
  std::mt19937 g(2026);
  conversions();
  exp_and_sigmoid(g);
  panel(g);
  lstm(g);
  winograd_last<2>(g);
  winograd_last<4>(g);
  std::printf("%s: %d failure(s)\n", failures ? "FAILED" : "passed", failures);
  return failures ? 1 : 0;
}
