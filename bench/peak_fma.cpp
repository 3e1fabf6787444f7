// Measures this machine's single-core FP32 peak with independent FMA chains (GCC/Clang
// vector extensions; build with -O3 -march=native). Prints GFLOP/s.
#include <chrono>
#include <cstdio>

// The widest vectors the target has: 16 floats with AVX-512, else 8.
#ifdef __AVX512F__
constexpr int kLanes = 16;
#else
constexpr int kLanes = 8;
#endif
typedef float v8 __attribute__((vector_size(kLanes * 4)));

int main(int argc, char**) {
  constexpr int kChains = 12;
  v8 acc[kChains], a, b;
  for (int i = 0; i < kLanes; ++i) {
    a[i] = 1.0f + 1e-7f * static_cast<float>(argc + i);
    b[i] = 0.999999f;
  }
  for (int c = 0; c < kChains; ++c) acc[c] = a * static_cast<float>(c);
  const long iters = 100000000;
  double best = 0;
  for (int rep = 0; rep < 3; ++rep) {
    auto t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < iters; ++i)
      for (int c = 0; c < kChains; ++c) acc[c] = acc[c] * b + a;
    auto t1 = std::chrono::steady_clock::now();
    const double s = std::chrono::duration<double>(t1 - t0).count();
    const double gflops = 2.0 * kLanes * kChains * static_cast<double>(iters) / s / 1e9;
    if (gflops > best) best = gflops;
  }
  float sink = 0;
  for (int c = 0; c < kChains; ++c) sink += acc[c][0];
  std::printf("{\"peak_gflops\": %.2f, \"sink\": %g}\n", best, static_cast<double>(sink));
  return 0;
}
