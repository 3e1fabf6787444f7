// A conv streamed into the depthwise conv that reads it (conv_then_depthwise) against the two
// kernels run one after the other (conv_channels writing channels last, then
// conv_depthwise_last), on an inverted residual block's 1x1 expansion C -> E and 3x3
// depthwise conv (pad 1, stride S), with Clip(0, 6) after each. Before every timed run a 32 MB
// buffer is swept, so both start from memory: the bound of what streaming saves. Inside a
// model the tensors often still sit in a large L3, and it saves less (MobileNetV2 on a 32 MB
// L3: 3 % of the model's time, where this program shows 0.5 to 0.85 on its largest blocks).
// The two outputs are compared first; prints the best of 5 x reps runs of each and the ratio.
//   g++ -O3 -march=native -std=c++17 -I. -isystem /usr/include/eigen3 bench/conv_then_depthwise.cpp -o /tmp/ctd
//   /tmp/ctd C E HW S [reps] [in_last] [out_last] [sweep]      e.g. /tmp/ctd 16 96 112 2
// in_last / out_last (0 or 1, default 1 and 0): whether the input and the output have the
// channels last; sweep (default 1): 0 times from warm caches instead. Under wasm: em++ as in
// bench/conv3x3_kernels.cpp.
#include "templates/common.hpp"
#include "templates/activation.hpp"
#include "templates/panel_gemm.hpp"
#include "templates/conv.hpp"
#include "templates/conv_channels.hpp"
#include "templates/conv_then_depthwise.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

namespace k = onnx2cpp_k;
using i64 = std::int64_t;
using Vec = std::vector<float, Eigen::aligned_allocator<float>>;

// kernel(L) with the layout as its template argument.
template <class F>
static void with_layout(int layout, F&& kernel) {
  switch (layout) {
    case 0: kernel(std::integral_constant<int, 0>()); break;
    case 1: kernel(std::integral_constant<int, 1>()); break;
    case 2: kernel(std::integral_constant<int, 2>()); break;
    default: kernel(std::integral_constant<int, 3>()); break;
  }
}

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s C E HW S [reps] [in_last] [out_last]\n", argv[0]);
    return 2;
  }
  const i64 C = std::atoll(argv[1]), E = std::atoll(argv[2]), HW = std::atoll(argv[3]), S = std::atoll(argv[4]);
  const int reps = argc > 5 ? std::atoi(argv[5]) : 20;
  const bool in_last = argc > 6 ? std::atoi(argv[6]) != 0 : true, out_last = argc > 7 ? std::atoi(argv[7]) != 0 : false;
  const bool sweep = argc > 8 ? std::atoi(argv[8]) != 0 : true;
  const i64 OH = (HW + 2 - 3) / S + 1;
  const k::ConvParams pw{1, C, E, 1, {1, HW, HW}, {1, HW, HW}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}, {1, 1, 1}};
  const k::ConvParams dw{1, E, E, E, {1, HW, HW}, {1, OH, OH}, {1, 3, 3}, {1, S, S}, {0, 1, 1}, {1, 1, 1}};
  if (!k::conv_then_depthwise_fits(pw, dw)) {
    std::fprintf(stderr, "E must be a multiple of %d, C at most %d\n", int(k::kChanMultiple), int(k::kChanKC));
    return 2;
  }
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  Vec X(C * HW * HW), W1(E * C), B1(E), W2(E * 9), B2(E), T(E * HW * HW), Y1(E * OH * OH), Y2(E * OH * OH);
  for (Vec* v : {&X, &W1, &B1, &W2, &B2})
    for (float& e : *v) e = u(rng);
  Vec W1t(W1.size()), W2t(W2.size());
  k::conv_channels_weights(W1.data(), W1t.data(), pw, in_last);
  k::depthwise_last_weights(W2.data(), W2t.data(), dw);
  Vec s_conv(k::conv_channels_scratch(pw, in_last)), s_dw(k::depthwise_last_scratch(dw, !out_last) + 16);
  Vec s_ctd(k::conv_then_depthwise_scratch(pw, dw, in_last, !out_last));
  const k::Act clip{k::Act::Clip, 0.f, 6.f};
  const int layout = (in_last ? k::kChanInNHWC : 0) | (out_last ? k::kChanOutNHWC : 0);
  auto apart = [&] {
    if (in_last)
      k::conv_channels<float, k::kChanInNHWC | k::kChanOutNHWC>(X.data(), W1t.data(), B1.data(), T.data(), pw,
                                                                 s_conv.data(), nullptr, clip);
    else
      k::conv_channels<float, k::kChanOutNHWC>(X.data(), W1t.data(), B1.data(), T.data(), pw, s_conv.data(), nullptr,
                                               clip);
    if (out_last)
      k::conv_depthwise_last<float>(T.data(), W2t.data(), B2.data(), Y1.data(), dw, clip);
    else
      k::conv_depthwise_last<float, true>(T.data(), W2t.data(), B2.data(), Y1.data(), dw, clip, s_dw.data());
  };
  auto streamed = [&] {
    with_layout(layout, [&](auto L) {
      k::conv_then_depthwise<float, decltype(L)::value>(X.data(), W1t.data(), B1.data(), pw, clip, W2t.data(),
                                                        B2.data(), Y2.data(), dw, clip, s_ctd.data());
    });
  };
  apart();
  streamed();
  double diff = 0;
  for (size_t i = 0; i < Y1.size(); ++i) diff = std::max(diff, double(std::abs(Y1[i] - Y2[i])));
  Vec swept(8 << 20);
  auto cold = [&] {
    if (sweep)
      for (size_t i = 0; i < swept.size(); i += 16) swept[i] += 1.f;
  };
  auto ms = [](auto t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  };
  double ta = 1e30, ts = 1e30;
  for (int r = 0; r < 5 * reps; ++r) {  // alternating, so that a drifting host weighs on both
    cold();
    auto t0 = std::chrono::steady_clock::now();
    apart();
    ta = std::min(ta, ms(t0));
    cold();
    t0 = std::chrono::steady_clock::now();
    streamed();
    ts = std::min(ts, ms(t0));
  }
  const double flop = 2.0 * (C * E * HW * HW + 9 * E * OH * OH);
  std::printf("%lld -> %lld on %lldx%lld, depthwise stride %lld, input %s, output %s, %s: apart %.3f ms (%.0f GFLOP/s), "
              "streamed %.3f ms (%.0f GFLOP/s), ratio %.2f, max difference %.2g\n",
              (long long)C, (long long)E, (long long)HW, (long long)HW, (long long)S, in_last ? "NHWC" : "NCHW",
              out_last ? "NHWC" : "NCHW", sweep ? "caches swept" : "warm caches", ta, flop / ta / 1e6, ts, flop / ts / 1e6, ts / ta, diff);
  return diff == 0 ? 0 : 1;
}
