// A direct 2-D convolution in double, the reference of the tests that build conv kernels
// (test_channels_last.cpp, test_pass_swish.cpp).
#pragma once
#include <vector>

namespace o2c::test {

// Y[m][y][x] = B[m] + sum W[m][c][ky][kx] X[g*Cg + c][y + ky - pad][x + kx - pad] (stride 1).
inline std::vector<double> naive_conv(const std::vector<double>& X, const std::vector<float>& W, const std::vector<float>& B,
                               int C, int M, int H, int Wd, int k, int pad, int group, int dil = 1) {
  const int Cg = C / group, Mg = M / group;
  std::vector<double> Y(static_cast<size_t>(M * H * Wd));
  for (int m = 0; m < M; ++m)
    for (int y = 0; y < H; ++y)
      for (int x = 0; x < Wd; ++x) {
        double v = B[m];
        for (int c = 0; c < Cg; ++c)
          for (int ky = 0; ky < k; ++ky)
            for (int kx = 0; kx < k; ++kx) {
              const int iy = y + ky * dil - pad, ix = x + kx * dil - pad;
              if (iy < 0 || ix < 0 || iy >= H || ix >= Wd) continue;
              v += double(W[((m * Cg + c) * k + ky) * k + kx]) * X[((m / Mg * Cg + c) * H + iy) * Wd + ix];
            }
        Y[(m * H + y) * Wd + x] = v;
      }
  return Y;
}

}  // namespace o2c::test
