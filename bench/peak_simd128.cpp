// Measures the FP32 peak of WebAssembly SIMD128 code on this core: twelve independent chains
// of f32x4 multiplies and adds (wasm SIMD has no fused multiply-add, so each multiply-add is
// two instructions; V8 keeps twelve chains and their two constants in its 15 allocatable
// registers). Build with em++ -O3 -msimd128, run with node --no-liftoff (V8's optimizing
// tier from the start: its baseline code never tiers up inside one long call). Prints GFLOP/s.
#include <wasm_simd128.h>

#include <chrono>
#include <cstdio>

constexpr int kChains = 12;

__attribute__((noinline)) void chains(v128_t* acc, v128_t a, v128_t b, long iters) {
  v128_t r[kChains];
  for (int c = 0; c < kChains; ++c) r[c] = acc[c];
  for (long i = 0; i < iters; ++i)
    for (int c = 0; c < kChains; ++c) r[c] = wasm_f32x4_add(wasm_f32x4_mul(r[c], b), a);
  for (int c = 0; c < kChains; ++c) acc[c] = r[c];
}

int main(int argc, char**) {
  v128_t acc[kChains];
  const v128_t a = wasm_f32x4_splat(1.0f + 1e-7f * static_cast<float>(argc)), b = wasm_f32x4_splat(0.999999f);
  for (int c = 0; c < kChains; ++c) acc[c] = wasm_f32x4_splat(static_cast<float>(c));
  const long iters = 5000000;
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    chains(acc, a, b, iters);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double gflops = 2.0 * 4 * kChains * static_cast<double>(iters) / s / 1e9;
    if (gflops > best) best = gflops;
  }
  float sink = 0;
  for (int c = 0; c < kChains; ++c) sink += wasm_f32x4_extract_lane(acc[c], 0);
  std::printf("{\"peak_gflops\": %.2f, \"sink\": %g}\n", best, static_cast<double>(sink));
  return 0;
}
