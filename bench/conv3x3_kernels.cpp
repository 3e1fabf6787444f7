// The 3x3 convolution kernels side by side on one shape, in one process: conv_channels()
// (direct) vs conv_winograd_last() with the channels last on both sides, its F(2x2, 3x3)
// vs its F(4x4, 3x3), and conv_winograd() vs conv_winograd_last() with NCHW on both sides
// (the latter then pays two transposes). Each is checked against the other before timing. Prints the best of 5 rounds
// of `reps` runs, and the ratio of the times.
//   g++ -O3 -march=native -std=c++17 -I. -isystem /usr/include/eigen3 bench/conv3x3_kernels.cpp -o /tmp/k3
//   /tmp/k3 C M HW [reps]          e.g. /tmp/k3 16 16 32 200
// Under wasm: em++ -O3 -msimd128 -msse4.1 -isystem runtime_min/wasm (and -I. -isystem /usr/include/eigen3
// -sALLOW_MEMORY_GROWTH=1 -sTOTAL_STACK=1048576), run with node --no-experimental-fetch.
#include "templates/common.hpp"
#include "templates/activation.hpp"
#include "templates/panel_gemm.hpp"
#include "templates/conv.hpp"
#include "templates/conv_channels.hpp"
#include "templates/conv_winograd.hpp"
#include "templates/conv_winograd_last.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

namespace k = onnx2cpp_k;
using i64 = std::int64_t;
using Vec = std::vector<float, Eigen::aligned_allocator<float>>;

template <class F>
static double best_ms(F&& f, int reps) {
  double best = 1e30;
  for (int round = 0; round < 5; ++round)
    for (int r = 0; r < reps; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      f();
      best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
  return best;
}

static double max_diff(const Vec& a, const Vec& b) {
  double d = 0;
  for (size_t i = 0; i < a.size(); ++i) d = std::max(d, double(std::abs(a[i] - b[i])));
  return d;
}

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s C M HW [reps]\n", argv[0]);
    return 2;
  }
  const i64 C = std::atoll(argv[1]), M = std::atoll(argv[2]), HW = std::atoll(argv[3]);
  const int reps = argc > 4 ? std::atoi(argv[4]) : 20;
  k::ConvParams p{1, C, M, 1, {1, HW, HW}, {1, HW, HW}, {1, 3, 3}, {1, 1, 1}, {0, 1, 1}, {1, 1, 1}};
  if (!k::winograd_last_fits(p) || M % k::kChanMultiple) {
    std::fprintf(stderr, "C and M must be multiples of %d, C <= %d\n", int(k::kChanMultiple), int(k::kChanKC));
    return 2;
  }
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  Vec X(C * HW * HW), W(M * C * 9), B(M), Y1(M * HW * HW), Y2(M * HW * HW);
  for (Vec* v : {&X, &W, &B})
    for (float& e : *v) e = u(rng);
  Vec Wt(W.size()), U(16 * M * C), U4(36 * M * C), Un(16 * M * C);
  k::conv_channels_weights(W.data(), Wt.data(), p, true);
  k::winograd_last_weights(W.data(), U.data(), p);
  k::winograd_last_weights<4>(W.data(), U4.data(), p);
  k::winograd_weights(W.data(), Un.data(), p);
  Vec s_chan(k::conv_channels_scratch(p, true)), s_last(k::winograd_last_scratch(p, false, false));
  Vec s_last4(k::winograd_last_scratch(p, true, true, 4));
  Vec s_nchw(k::winograd_scratch(p));
  const k::Act relu{k::Act::Relu, 0.f, 0.f};
  constexpr int both = k::kChanInNHWC | k::kChanOutNHWC;
  auto chan = [&] { k::conv_channels<float, both>(X.data(), Wt.data(), B.data(), Y1.data(), p, s_chan.data(), nullptr, relu); };
  auto last = [&] { k::conv_winograd_last<float, both>(X.data(), U.data(), B.data(), Y2.data(), p, s_last.data(), nullptr, relu); };
  auto last4 = [&] { k::conv_winograd_last<float, both, 4>(X.data(), U4.data(), B.data(), Y1.data(), p, s_last4.data(), nullptr, relu); };
  auto nchw = [&] { k::conv_winograd<float>(X.data(), Un.data(), B.data(), Y1.data(), p, s_nchw.data(), nullptr, relu); };
  auto last0 = [&] { k::conv_winograd_last<float>(X.data(), U.data(), B.data(), Y2.data(), p, s_last.data(), nullptr, relu); };
  const double flop = 2.0 * C * M * 9 * HW * HW;  // the direct convolution's count
  std::printf("%lld -> %lld on %lldx%lld (GFLOP/s count the direct convolution's multiply-adds)\n", (long long)C,
              (long long)M, (long long)HW, (long long)HW);
  // Runs a (into Y1) and b (into Y2) once, then times both; returns the outputs' max difference.
  auto compare = [&](const char* what, const char* na, auto&& a, const char* nb, auto&& b) {
    a();
    b();
    const double d = max_diff(Y1, Y2), ta = best_ms(a, reps), tb = best_ms(b, reps);
    std::printf("  %-14s %s %.4f ms (%.1f GFLOP/s), %s %.4f ms (%.1f), ratio %.2f, max diff %.1e\n", what, na, ta,
                flop / ta / 1e6, nb, tb, flop / tb / 1e6, tb / ta, d);
    return d;
  };
  const double d1 = compare("channels last:", "conv_channels", chan, "conv_winograd_last", last);
  const double d3 = compare("channels last:", "F(2x2, 3x3)", last, "F(4x4, 3x3)", last4);
  const double d2 = compare("NCHW:", "conv_winograd", nchw, "conv_winograd_last", last0);
  return d1 > 1e-3 || d2 > 1e-3 || d3 > 1e-3 ? 1 : 0;
}
