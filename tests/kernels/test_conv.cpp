// conv: 1D/2D/3D, groups (incl. depthwise), strides, dilations, asymmetric pads, pointwise,
// and sizes large enough that conv_tile() splits the output into several im2col tiles.
// Every case whose output channels per group are a multiple of kChanMultiple also runs
// conv_channels() (channels in the lanes: tails of rows, one or two packets, K passes).
#include "kt.hpp"

using namespace kt;

namespace {

struct ConvCase {
  i64 N, C, M, group;
  std::vector<i64> in, k, stride, pad, pad_end, dil;  // per real spatial dim
  bool bias;
  bool trailing = false;  // put the real dims last instead of first in the 3-dim params
};

k::ConvParams make_params(const ConvCase& c) {
  k::ConvParams p{};
  p.N = c.N;
  p.C = c.C;
  p.M = c.M;
  p.group = c.group;
  for (int d = 0; d < 3; ++d) {
    p.in[d] = p.out[d] = p.k[d] = p.stride[d] = p.dil[d] = 1;
    p.pad[d] = 0;
  }
  const size_t n = c.in.size();
  for (size_t i = 0; i < n; ++i) {
    const size_t d = c.trailing ? 3 - n + i : i;
    const i64 ek = c.dil[i] * (c.k[i] - 1) + 1;
    p.in[d] = c.in[i];
    p.k[d] = c.k[i];
    p.stride[d] = c.stride[i];
    p.pad[d] = c.pad[i];
    p.dil[d] = c.dil[i];
    p.out[d] = (c.in[i] + c.pad[i] + c.pad_end[i] - ek) / c.stride[i] + 1;
  }
  return p;
}

// Naive direct convolution in double over the padded 3-dim params; scale gets sum |w x| + |b|.
void ref_conv(const std::vector<float>& X, const std::vector<float>& W, const float* B,
              const k::ConvParams& p, std::vector<double>* Y, std::vector<double>* scale) {
  const i64 Cg = p.C / p.group, Mg = p.M / p.group;
  const i64 O = p.out[0] * p.out[1] * p.out[2], I = p.in[0] * p.in[1] * p.in[2];
  const i64 KK = p.k[0] * p.k[1] * p.k[2];
  Y->assign(static_cast<size_t>(p.N * p.M * O), 0.0);
  scale->assign(Y->size(), 0.0);
  for (i64 n = 0; n < p.N; ++n)
    for (i64 m = 0; m < p.M; ++m) {
      const i64 g = m / Mg;
      for (i64 o0 = 0; o0 < p.out[0]; ++o0)
        for (i64 o1 = 0; o1 < p.out[1]; ++o1)
          for (i64 o2 = 0; o2 < p.out[2]; ++o2) {
            double acc = B ? B[m] : 0.0, s = B ? std::fabs(B[m]) : 0.0;
            for (i64 c = 0; c < Cg; ++c)
              for (i64 a = 0; a < p.k[0]; ++a)
                for (i64 b = 0; b < p.k[1]; ++b)
                  for (i64 e = 0; e < p.k[2]; ++e) {
                    const i64 i0 = o0 * p.stride[0] - p.pad[0] + a * p.dil[0];
                    const i64 i1 = o1 * p.stride[1] - p.pad[1] + b * p.dil[1];
                    const i64 i2 = o2 * p.stride[2] - p.pad[2] + e * p.dil[2];
                    if (i0 < 0 || i1 < 0 || i2 < 0 || i0 >= p.in[0] || i1 >= p.in[1] || i2 >= p.in[2])
                      continue;
                    const double xv = X[(n * p.C + g * Cg + c) * I + (i0 * p.in[1] + i1) * p.in[2] + i2];
                    const double wv = W[(m * Cg + c) * KK + (a * p.k[1] + b) * p.k[2] + e];
                    acc += xv * wv;
                    s += std::fabs(xv * wv);
                  }
            const i64 o = (n * p.M + m) * O + (o0 * p.out[1] + o1) * p.out[2] + o2;
            (*Y)[o] = acc;
            (*scale)[o] = s;
          }
    }
}

std::string describe(const ConvCase& c, const k::ConvParams& p) {
  std::string s = "conv N=" + std::to_string(c.N) + " C=" + std::to_string(c.C) + " M=" +
                  std::to_string(c.M) + " group=" + std::to_string(c.group) + " in=" + shape_str(c.in) +
                  " k=" + shape_str(c.k) + " stride=" + shape_str(c.stride) + " pad=" + shape_str(c.pad) +
                  "/" + shape_str(c.pad_end) + " dil=" + shape_str(c.dil) + (c.bias ? " bias" : "") +
                  (c.trailing ? " trailing" : "");
  s += " out=[" + std::to_string(p.out[0]) + "," + std::to_string(p.out[1]) + "," + std::to_string(p.out[2]) +
       "] tile=" + std::to_string(k::conv_tile(p));
  if (k::conv_is_depthwise(p)) s += " depthwise";
  else s += std::string(k::phase_geom(p).direct ? " direct" : " phases") + (k::phase_geom(p).dense ? " dense" : " wide");
  return s;
}

// Also checks the fused epilogue: act(conv + Z) with Z a residual of Y's shape.
void run_conv(std::mt19937& g, const ConvCase& c, i64 min_tiles = 1, k::Act act = {k::Act::None, 0.f, 0.f},
              bool residual = false) {
  const k::ConvParams p = make_params(c);
  std::string what = describe(c, p);
  if (act.kind) what += " act=" + std::to_string(act.kind);
  if (residual) what += " residual";
  INFO(what);
  const i64 I = p.in[0] * p.in[1] * p.in[2], O = k::conv_out_size(p);
  REQUIRE(O > 0);
  const i64 len = k::conv_is_depthwise(p) ? O : k::phase_geom(p).len;
  const i64 tiles = (len + k::conv_tile(p) - 1) / k::conv_tile(p);
  CHECK(tiles >= min_tiles);
  auto X = rand_vec<float>(g, p.N * p.C * I);
  auto W = rand_vec<float>(g, p.M * k::conv_kg(p));
  auto Bv = rand_vec<float>(g, p.M);
  auto Z = rand_vec<float>(g, p.N * p.M * O);
  std::vector<double> want, scale;
  ref_conv(X, W, c.bias ? Bv.data() : nullptr, p, &want, &scale);
  for (size_t i = 0; i < want.size(); ++i) {
    if (residual) want[i] += Z[i];
    want[i] = k::act_scalar(want[i], act);
  }
  const float* B = c.bias ? Bv.data() : nullptr;
  const float* Zp = residual ? Z.data() : nullptr;
  // Runs one kernel into guarded Y and scratch and checks it against the reference.
  auto check_kernel = [&](i64 scratch_elems, auto&& run) {
    Guarded<float> Y(p.N * p.M * O), scratch(scratch_elems);
    Y.fill(std::nanf(""));
    scratch.fill(std::nanf(""));
    run(Y.data(), scratch.data());
    check_near(Y.data(), want, 1e-5 * std::sqrt(double(k::conv_kg(p))), 1e-6, what, &scale);
    CHECK(Y.intact());
    CHECK(scratch.intact());
  };
  {
    INFO("conv");
    check_kernel(k::conv_scratch(p), [&](float* y, float* s) { k::conv(X.data(), W.data(), B, y, p, s, Zp, act); });
  }
  if (!k::conv_is_depthwise(p) && (p.M / p.group) % k::kChanMultiple == 0) {
    INFO("conv_channels, " << (k::conv_kg(p) > k::kChanKC ? "K in passes" : "one pass"));
    std::vector<float> Wt(W.size());
    k::conv_channels_weights(W.data(), Wt.data(), p);
    check_kernel(k::conv_channels_scratch(p),
                 [&](float* y, float* s) { k::conv_channels(X.data(), Wt.data(), B, y, p, s, Zp, act); });
  }
  if (k::winograd_fits(p)) {
    INFO("conv_winograd, " << k::wino_geom(p).T << " tiles");
    std::vector<float> U(static_cast<size_t>(16 * p.M * p.C));
    k::winograd_weights(W.data(), U.data(), p);
    check_kernel(k::winograd_scratch(p),
                 [&](float* y, float* s) { k::conv_winograd(X.data(), U.data(), B, y, p, s, Zp, act); });
  }
}

}  // namespace

TEST_CASE("conv 1D", "[conv]") {
  std::mt19937 g(71);
  for (i64 L : {i64(1), i64(3), i64(8), i64(17), i64(33)}) {
    run_conv(g, {1, 1, 1, 1, {L}, {1}, {1}, {0}, {0}, {1}, false});
    run_conv(g, {2, 3, 4, 1, {L}, {3}, {1}, {1}, {1}, {1}, true});
    run_conv(g, {1, 3, 4, 1, {L}, {3}, {1}, {2}, {0}, {1}, true, true});
    run_conv(g, {2, 4, 5, 1, {L + 4}, {3}, {2}, {1}, {2}, {2}, true});
    run_conv(g, {1, 6, 9, 3, {L}, {2}, {1}, {1}, {1}, {1}, false});   // groups
    run_conv(g, {2, 8, 8, 8, {L}, {3}, {1}, {1}, {1}, {1}, true});    // depthwise
    run_conv(g, {1, 4, 8, 4, {L}, {5}, {3}, {2}, {2}, {1}, true});    // depthwise x2
    run_conv(g, {2, 5, 7, 1, {L}, {1}, {1}, {0}, {0}, {1}, true});    // pointwise
    run_conv(g, {1, 5, 1, 1, {L + 2}, {3}, {1}, {0}, {0}, {1}, true});  // M == 1 (GEMV)
  }
}

TEST_CASE("conv 2D", "[conv]") {
  std::mt19937 g(72);
  for (i64 H : {i64(1), i64(4), i64(7), i64(16)})
    for (i64 W : {i64(3), i64(8), i64(17)}) {
      run_conv(g, {1, 3, 4, 1, {H, W}, {1, 3}, {1, 1}, {0, 1}, {0, 1}, {1, 1}, true});
      run_conv(g, {2, 4, 8, 1, {H + 2, W}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, true});
      run_conv(g, {1, 4, 6, 2, {H + 4, W + 4}, {3, 2}, {2, 1}, {1, 0}, {0, 2}, {1, 2}, false});
      run_conv(g, {1, 8, 8, 8, {H, W}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, true});      // depthwise
      run_conv(g, {2, 6, 12, 6, {H + 2, W + 2}, {3, 3}, {2, 2}, {1, 1}, {0, 0}, {1, 1}, true});  // x2
      run_conv(g, {1, 16, 33, 1, {H, W}, {1, 1}, {1, 1}, {0, 0}, {0, 0}, {1, 1}, true});    // pointwise
      run_conv(g, {1, 16, 31, 1, {H, W}, {1, 1}, {2, 2}, {0, 0}, {0, 0}, {1, 1}, false});   // strided 1x1
      run_conv(g, {1, 5, 7, 1, {H, W}, {1, 1}, {1, 1}, {1, 0}, {1, 2}, {1, 1}, true});      // padded 1x1
      run_conv(g, {1, 4, 1, 1, {H + 2, W + 2}, {3, 3}, {1, 1}, {0, 0}, {0, 0}, {1, 1}, true});  // M == 1
      run_conv(g, {1, 3, 4, 1, {H, W}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, true, true});    // trailing
      run_conv(g, {1, 2, 3, 1, {H + 6, W + 6}, {3, 3}, {1, 1}, {0, 0}, {0, 0}, {3, 3}, false});  // dilation 3
    }
}

TEST_CASE("conv 3D", "[conv]") {
  std::mt19937 g(73);
  run_conv(g, {1, 2, 3, 1, {5, 6, 7}, {3, 2, 3}, {1, 1, 1}, {1, 0, 1}, {1, 1, 0}, {1, 1, 1}, true});
  run_conv(g, {2, 4, 4, 2, {6, 5, 9}, {2, 3, 3}, {2, 1, 2}, {0, 1, 1}, {1, 1, 2}, {1, 2, 1}, false});
  run_conv(g, {1, 6, 6, 6, {4, 4, 17}, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, true});
  run_conv(g, {1, 8, 16, 1, {3, 4, 5}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}, {0, 0, 0}, {1, 1, 1}, true});
  run_conv(g, {1, 3, 1, 1, {4, 5, 6}, {2, 2, 2}, {1, 2, 1}, {0, 0, 0}, {0, 0, 0}, {1, 1, 2}, true});
}

TEST_CASE("conv: large enough for several tiles", "[conv][tiles]") {
  std::mt19937 g(74);
  // K = 32*81 = 2592: tiles of 512 wide positions (rows of 72) over a 64x64 output, not
  // aligned with output rows.
  run_conv(g, {1, 32, 4, 1, {64, 64}, {9, 9}, {1, 1}, {4, 4}, {4, 4}, {1, 1}, true}, 5);
  // Same with M == 1 (matrix-vector per tile) and with a batch of 2 and two groups.
  run_conv(g, {1, 32, 1, 1, {64, 64}, {9, 9}, {1, 1}, {4, 4}, {4, 4}, {1, 1}, false}, 5);
  run_conv(g, {2, 64, 6, 2, {62, 66}, {9, 9}, {1, 1}, {3, 5}, {5, 3}, {1, 1}, true}, 5);
  // Strided and dilated with tiles.
  run_conv(g, {1, 32, 3, 1, {130, 129}, {9, 9}, {2, 2}, {8, 8}, {8, 8}, {2, 2}, true}, 5);
  // Depthwise over 128x128 (a 9x9 kernel: 81 taps).
  run_conv(g, {1, 4, 4, 4, {128, 128}, {9, 9}, {1, 1}, {4, 4}, {4, 4}, {1, 1}, true}, 1);
  // 3D: K = 8*125 = 1000 over 12x12x12.
  run_conv(g, {1, 8, 5, 1, {12, 12, 12}, {5, 5, 5}, {1, 1, 1}, {2, 2, 2}, {2, 2, 2}, {1, 1, 1}, true}, 2);
  // Real dims last (innermost runs longer than 1): tiles start in the middle of output rows.
  run_conv(g, {1, 32, 4, 1, {64, 64}, {9, 9}, {1, 1}, {4, 4}, {4, 4}, {1, 1}, true, true}, 5);
  run_conv(g, {1, 32, 3, 1, {130, 129}, {9, 9}, {2, 2}, {8, 8}, {8, 8}, {2, 2}, false, true}, 5);
  run_conv(g, {1, 32, 1, 1, {64, 64}, {9, 9}, {1, 1}, {4, 4}, {4, 4}, {1, 1}, true, true}, 5);
  // 1D: K = 288*9 = 2592 over 1000 outputs.
  run_conv(g, {1, 288, 2, 1, {1000}, {9}, {1}, {4}, {4}, {1}, true, false}, 2);
  run_conv(g, {1, 288, 2, 1, {1000}, {9}, {1}, {4}, {4}, {1}, true, true}, 2);
  // Large pointwise: the input is read in place, several tiles.
  run_conv(g, {1, 64, 48, 1, {40, 50}, {1, 1}, {1, 1}, {0, 0}, {0, 0}, {1, 1}, true}, 3);
}

TEST_CASE("conv: fused residual and activations", "[conv][fuse]") {
  std::mt19937 g(75);
  const k::Act acts[] = {{k::Act::None, 0.f, 0.f},      {k::Act::Relu, 0.f, 0.f},  {k::Act::Clip, -0.5f, 0.75f},
                         {k::Act::LeakyRelu, 0.1f, 0.f}, {k::Act::Sigmoid, 0.f, 0.f}, {k::Act::HardSigmoid, 0.2f, 0.5f},
                         {k::Act::HardSwish, 0.f, 0.f},  {k::Act::Tanh, 0.f, 0.f}};
  for (const k::Act& a : acts)
    for (bool residual : {false, true}) {
      // dense (pointwise, in place), wide (3x3 padded), strided, depthwise, partial panels
      run_conv(g, {1, 16, 13, 1, {9, 11}, {1, 1}, {1, 1}, {0, 0}, {0, 0}, {1, 1}, true}, 1, a, residual);
      run_conv(g, {2, 8, 8, 1, {10, 9}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, true}, 1, a, residual);
      run_conv(g, {1, 6, 7, 1, {15, 16}, {3, 3}, {2, 2}, {1, 1}, {1, 1}, {1, 1}, false}, 1, a, residual);
      run_conv(g, {1, 12, 12, 12, {14, 14}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, true}, 1, a, residual);
      run_conv(g, {1, 12, 12, 12, {15, 15}, {3, 3}, {2, 2}, {1, 1}, {1, 1}, {1, 1}, true}, 1, a, residual);
      run_conv(g, {1, 32, 70, 1, {40, 40}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, true}, 3, a, residual);
      // channels in the lanes: one and two packets, rows of 7 and 33, K in two passes
      run_conv(g, {1, 8, 16, 1, {7, 7}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, true}, 1, a, residual);
      run_conv(g, {1, 16, 32, 1, {5, 33}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, true}, 1, a, residual);
      run_conv(g, {1, 64, 32, 1, {6, 6}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, true}, 1, a, residual);
    }
}

TEST_CASE("conv_channels: channels in the lanes", "[conv][channels]") {
  std::mt19937 g(76);
  // Row lengths 1..30 (every tile length and tail of up to 14 positions per tile), one to
  // three blocks of channels, batches, groups, strides, dilation, padding, pointwise in place.
  for (i64 W : {i64(1), i64(2), i64(5), i64(7), i64(13), i64(14), i64(15), i64(28), i64(30)}) {
    run_conv(g, {2, 3, 16, 1, {4, W}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, true});
    run_conv(g, {1, 8, 32, 1, {3, W}, {1, 1}, {1, 1}, {0, 0}, {0, 0}, {1, 1}, false});
    run_conv(g, {1, 4, 48, 1, {5, W + 4}, {3, 3}, {1, 1}, {0, 0}, {0, 0}, {1, 1}, true});
    run_conv(g, {1, 6, 64, 2, {7, 2 * W + 1}, {3, 3}, {2, 2}, {1, 1}, {1, 1}, {1, 1}, true});
    run_conv(g, {1, 4, 32, 1, {8, W + 6}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {3, 3}, true});
  }
  // K in passes: 64 * 9 = 576 and 72 * 9 = 648 rows (two passes), 512 * 9 = 4608 (nine).
  run_conv(g, {1, 64, 32, 1, {8, 8}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, true});
  run_conv(g, {2, 144, 64, 2, {7, 9}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, true});
  run_conv(g, {1, 512, 32, 1, {7, 7}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, true});
  // 1D and 3D.
  run_conv(g, {1, 24, 32, 1, {37}, {5}, {1}, {2}, {2}, {1}, true});
  run_conv(g, {1, 8, 16, 1, {4, 5, 6}, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, true});
}

TEST_CASE("conv_winograd: F(2x2, 3x3)", "[conv][winograd]") {
  std::mt19937 g(78);
  // Every case here must reach conv_winograd() (run_conv checks it only where it fits).
  auto run = [&](const ConvCase& c, k::Act act = {k::Act::None, 0.f, 0.f}, bool residual = false) {
    REQUIRE(k::winograd_fits(make_params(c)));
    run_conv(g, c, 1, act, residual);
  };
  // Odd and even sizes (tiles past the edge), planes of one row or column, pads 0 to 2 on
  // either side, batches, channel counts off the packet sizes, several blocks of tiles
  // (20x30: 160 tiles in blocks of 64, some cut mid-row), K in passes (C = 200).
  for (i64 H : {i64(1), i64(2), i64(3), i64(6), i64(7), i64(20)})
    for (i64 W : {i64(1), i64(4), i64(5), i64(30)}) {
      run({1, 3, 5, 1, {H, W}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, true, true});
      run({2, 8, 16, 1, {H + 2, W + 2}, {3, 3}, {1, 1}, {0, 0}, {0, 0}, {1, 1}, false, true});
      run({1, 5, 7, 1, {H, W}, {3, 3}, {1, 1}, {2, 0}, {0, 2}, {1, 1}, true, true});
    }
  run({1, 200, 24, 1, {9, 11}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, true, true});
  run({1, 64, 64, 1, {16, 16}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, true, true});
  const k::Act acts[] = {{k::Act::None, 0.f, 0.f},      {k::Act::Relu, 0.f, 0.f},  {k::Act::Clip, -0.5f, 0.75f},
                         {k::Act::LeakyRelu, 0.1f, 0.f}, {k::Act::Sigmoid, 0.f, 0.f}, {k::Act::HardSwish, 0.f, 0.f}};
  for (const k::Act& a : acts)
    for (bool residual : {false, true}) {
      run({1, 16, 32, 1, {17, 18}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, true, true}, a, residual);
      run({2, 6, 4, 1, {5, 9}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, false, true}, a, residual);
    }
}

namespace {

// [N][A][B] -> [N][B][A]: NCHW to channels last with A = C, B = positions, and back with
// A = positions, B = C.
std::vector<float> swap_inner(const float* x, i64 N, i64 A, i64 B) {
  std::vector<float> r(static_cast<size_t>(N * A * B));
  for (i64 n = 0; n < N; ++n)
    for (i64 a = 0; a < A; ++a)
      for (i64 b = 0; b < B; ++b) r[(n * B + b) * A + a] = x[(n * A + a) * B + b];
  return r;
}

// kernel(L) with the layout (kChan*NHWC or'ed, 0 to 7) as its template argument.
template <class F>
void with_layout(int layout, F&& kernel) {
  switch (layout) {
    case 0: kernel(std::integral_constant<int, 0>()); break;
    case 1: kernel(std::integral_constant<int, 1>()); break;
    case 2: kernel(std::integral_constant<int, 2>()); break;
    case 3: kernel(std::integral_constant<int, 3>()); break;
    case 4: kernel(std::integral_constant<int, 4>()); break;
    case 5: kernel(std::integral_constant<int, 5>()); break;
    case 6: kernel(std::integral_constant<int, 6>()); break;
    case 7: kernel(std::integral_constant<int, 7>()); break;
    default: FAIL("layout " << layout);
  }
}

// The channels-last variants (passes/channels_last.cpp) against the NCHW reference: the
// input, the output and the residual (layout: kChan*NHWC or'ed), or a depthwise conv.
// The real dims are the trailing ones, as the compiler passes them.
void run_last(std::mt19937& g, const ConvCase& c, int layout, k::Act act, bool residual) {
  const k::ConvParams p = make_params(c);
  std::string what = describe(c, p) + " layout=" + std::to_string(layout) + " act=" + std::to_string(act.kind) +
                     (residual ? " residual" : "");
  INFO(what);
  const i64 I = p.in[0] * p.in[1] * p.in[2], O = k::conv_out_size(p);
  auto X = rand_vec<float>(g, p.N * p.C * I);
  auto W = rand_vec<float>(g, p.M * k::conv_kg(p));
  auto Bv = rand_vec<float>(g, p.M);
  auto Z = rand_vec<float>(g, p.N * p.M * O);
  std::vector<double> want, scale;
  ref_conv(X, W, c.bias ? Bv.data() : nullptr, p, &want, &scale);
  for (size_t i = 0; i < want.size(); ++i) {
    if (residual) want[i] += Z[i];
    want[i] = k::act_scalar(want[i], act);
  }
  const bool in_last = layout & k::kChanInNHWC, out_last = layout & k::kChanOutNHWC;
  const std::vector<float> Xl = in_last ? swap_inner(X.data(), p.N, p.C, I) : X;
  const bool res_last = k::chan_res_last(layout);
  const std::vector<float> Zl = res_last ? swap_inner(Z.data(), p.N, p.M, O) : Z;
  Guarded<float> Y(p.N * p.M * O);
  const float* B = c.bias ? Bv.data() : nullptr;
  auto check_y = [&](double loss = 1.0) {
    CHECK(Y.intact());
    std::vector<float> got = Y.vec();
    if (out_last) got = swap_inner(got.data(), p.N, O, p.M);
    check_near(got.data(), want, loss * 1e-5 * std::sqrt(double(k::conv_kg(p))), loss * 1e-6, what, &scale);
  };
  Y.fill(std::nanf(""));
  if (k::conv_is_depthwise(p)) {
    REQUIRE(k::depthwise_last_fits(p));
    REQUIRE(!residual);
    std::vector<float> Wt(W.size());
    k::depthwise_last_weights(W.data(), Wt.data(), p);
    if (out_last) {
      k::conv_depthwise_last(Xl.data(), Wt.data(), B, Y.data(), p, act);
    } else {  // rows transposed back to NCHW through scratch
      Guarded<float> scratch(k::depthwise_last_scratch(p, true));
      scratch.fill(std::nanf(""));
      k::conv_depthwise_last<float, true>(Xl.data(), Wt.data(), B, Y.data(), p, act, scratch.data());
      CHECK(scratch.intact());
    }
    check_y();
    return;
  }
  const float* Zp = residual ? Zl.data() : nullptr;
  {
    INFO("conv_channels");
    std::vector<float> Wt(W.size());
    k::conv_channels_weights(W.data(), Wt.data(), p, in_last);
    Guarded<float> scratch(k::conv_channels_scratch(p, in_last));
    scratch.fill(std::nanf(""));
    with_layout(layout, [&](auto L) {
      k::conv_channels<float, decltype(L)::value>(Xl.data(), Wt.data(), B, Y.data(), p, scratch.data(), Zp, act);
    });
    CHECK(scratch.intact());
    check_y();
  }
  if (k::winograd_last_fits(p)) {
    // F(2x2, 3x3) and F(4x4, 3x3), whichever winograd_last_tile() picks; F(4x4)'s transforms
    // (entries up to 8 and 1/24) lose about 4x more to rounding.
    auto wino = [&](auto R) {
      constexpr int r = decltype(R)::value;
      INFO("conv_winograd_last F(" << r << "x" << r << "), " << k::wino_last_geom<r>(p, in_last, out_last).T
                                   << " tiles");
      std::vector<float> U(static_cast<size_t>(k::WinoLast<r>::SS * p.M * p.C));
      k::winograd_last_weights<r>(W.data(), U.data(), p);
      Guarded<float> scratch(k::winograd_last_scratch(p, in_last, out_last, r));
      scratch.fill(std::nanf(""));
      Y.fill(std::nanf(""));
      with_layout(layout, [&](auto L) {
        k::conv_winograd_last<float, decltype(L)::value, r>(Xl.data(), U.data(), B, Y.data(), p, scratch.data(), Zp,
                                                            act);
      });
      CHECK(scratch.intact());
      check_y(r == 4 ? 4.0 : 1.0);
    };
    wino(std::integral_constant<int, 2>());
    wino(std::integral_constant<int, 4>());
  }
}

}  // namespace

TEST_CASE("conv with the channels last", "[conv][channels]") {
  std::mt19937 g(77);
  const k::Act acts[] = {{k::Act::None, 0.f, 0.f}, {k::Act::Clip, 0.f, 6.f}, {k::Act::Sigmoid, 0.f, 0.f}};
  for (const k::Act& a : acts)
    for (i64 H : {i64(1), i64(5), i64(14), i64(17)}) {
      // expansion 1x1 writing channels last; 3x3 too (any conv can)
      run_last(g, {1, 24, 96, 1, {H, H + 2}, {1, 1}, {1, 1}, {0, 0}, {0, 0}, {1, 1}, true, true}, k::kChanOutNHWC, a, false);
      run_last(g, {1, 8, 32, 1, {H, H}, {3, 3}, {2, 2}, {1, 1}, {1, 1}, {1, 1}, false, true}, k::kChanOutNHWC, a, false);
      // projection 1x1 reading channels last, with and without the residual (NCHW)
      run_last(g, {1, 96, 32, 1, {H, H + 1}, {1, 1}, {1, 1}, {0, 0}, {0, 0}, {1, 1}, true, true}, k::kChanInNHWC, a, true);
      run_last(g, {1, 576, 64, 1, {H, 3}, {1, 1}, {1, 1}, {0, 0}, {0, 0}, {1, 1}, false, true}, k::kChanInNHWC, a, false);
      // depthwise: strides 1 and 2, 3x3 and 5x5, dilation, asymmetric pads; output NCHW too
      const int both = k::kChanInNHWC | k::kChanOutNHWC;
      run_last(g, {1, 96, 96, 96, {H, H + 3}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, true, true}, both, a, false);
      run_last(g, {1, 144, 144, 144, {H + 1, H}, {3, 3}, {2, 2}, {1, 1}, {1, 1}, {1, 1}, true, true}, both, a, false);
      run_last(g, {1, 96, 96, 96, {H + 1, H + 17}, {3, 3}, {2, 2}, {1, 1}, {1, 1}, {1, 1}, true, true}, k::kChanInNHWC, a, false);
      run_last(g, {1, 48, 48, 48, {H, 2 * H + 1}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, false, true}, k::kChanInNHWC, a, false);
      run_last(g, {1, 16, 16, 16, {H + 4, H + 8}, {5, 5}, {2, 1}, {2, 0}, {1, 2}, {1, 2}, false, true}, both, a, false);
      // 5x5 without dilation: rows long enough for the unrolled inner columns
      run_last(g, {1, 32, 32, 32, {H, 2 * H + 9}, {5, 5}, {1, 1}, {2, 2}, {2, 2}, {1, 1}, true, true}, both, a, false);
      run_last(g, {1, 16, 16, 16, {H + 2, 3 * H + 20}, {5, 5}, {2, 2}, {2, 2}, {2, 1}, {1, 1}, false, true}, both, a,
               false);
    }
}

// Conv -> conv chains with the channels last on both sides (ResNet blocks): padding (the
// padded copy), strides, dilation, asymmetric pads, a residual laid out as the output, K in
// passes, one and two packets of channels, batches, a 3D case; an NCHW output with the
// residual channels last.
TEST_CASE("conv_channels with the channels last on both sides", "[conv][channels]") {
  std::mt19937 g(91);
  const int both = k::kChanInNHWC | k::kChanOutNHWC;
  const k::Act acts[] = {{k::Act::None, 0.f, 0.f}, {k::Act::Relu, 0.f, 0.f}, {k::Act::Sigmoid, 0.f, 0.f}};
  for (const k::Act& a : acts)
    for (i64 H : {i64(1), i64(4), i64(8), i64(15)})
      for (bool res : {false, true}) {
        run_last(g, {1, 16, 16, 1, {H, H}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, true, true}, both, a, res);
        run_last(g, {2, 32, 64, 1, {H + 1, H + 2}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, false, true}, both, a, res);
        run_last(g, {1, 16, 32, 1, {H + 3, H}, {3, 3}, {2, 2}, {1, 1}, {1, 1}, {1, 1}, true, true}, both, a, res);
        run_last(g, {1, 32, 64, 1, {H, H + 5}, {1, 1}, {2, 2}, {0, 0}, {0, 0}, {1, 1}, false, true}, both, a, res);
        run_last(g, {1, 24, 16, 1, {H + 2, H + 4}, {3, 5}, {1, 2}, {0, 2}, {2, 1}, {2, 1}, true, true}, both, a, res);
        run_last(g, {1, 80, 32, 1, {H, H}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, true, true}, both, a, res);  // K = 720
        // C = 256: the padded copy's positions 256 + 16 apart
        run_last(g, {2, 256, 32, 1, {H, H + 1}, {3, 3}, {2, 1}, {1, 1}, {1, 1}, {1, 1}, true, true}, both, a, res);
        run_last(g, {2, 16, 32, 1, {H, H}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, true, true}, k::kChanInNHWC, a, res);
        run_last(g, {2, 16, 16, 1, {H, H + 1}, {3, 3}, {2, 1}, {1, 1}, {1, 1}, {1, 1}, true, true}, k::kChanOutNHWC, a,
                 res);
        run_last(g, {1, 16, 32, 1, {3, H, H + 2}, {3, 3, 3}, {1, 2, 1}, {1, 1, 0}, {1, 0, 1}, {1, 1, 1}, true, true},
                 both, a, res);
        // NCHW output from a channels-last residual (and input)
        run_last(g, {2, 32, 64, 1, {H, H + 3}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, true, true},
                 k::kChanInNHWC | k::kChanResNHWC, a, res);
        run_last(g, {1, 16, 16, 1, {H + 2, H}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, false, true}, k::kChanResNHWC,
                 a, res);
        // one packet of channels in tiles of 16 positions (rows of 32 and 16)
        run_last(g, {1, 16, 16, 1, {H, 32}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, true, true},
                 k::kChanInNHWC | k::kChanResNHWC, a, res);
        run_last(g, {1, 16, 16, 1, {H, 16}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, true, true}, both, a, res);
      }
}

// Winograd with the channels in the lanes, F(2x2, 3x3) and F(4x4, 3x3), in every layout:
// odd and even sizes (tiles past the edge), planes of one row or column, pads 0 to 2 on
// either side, batches, one and two packets of channels, several blocks of tiles (20x30:
// 150 tiles of 2x2, 40 of 4x4), C at the limit of one pass (512), every fused activation
// with and without the residual.
TEST_CASE("conv_winograd_last: F(2x2, 3x3) and F(4x4, 3x3) with the channels last", "[conv][winograd]") {
  std::mt19937 g(93);
  auto run = [&](const ConvCase& c, int layout, k::Act act, bool residual) {
    REQUIRE(k::winograd_last_fits(make_params(c)));
    run_last(g, c, layout, act, residual);
  };
  const k::Act relu{k::Act::Relu, 0.f, 0.f}, none{k::Act::None, 0.f, 0.f};
  for (int layout = 0; layout < 8; ++layout)
    for (i64 H : {i64(1), i64(2), i64(3), i64(7), i64(20)})
      for (i64 W : {i64(1), i64(4), i64(5), i64(30)}) {
        run({1, 16, 16, 1, {H, W}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, true, true}, layout, relu, layout & 4);
        run({2, 32, 48, 1, {H + 2, W + 2}, {3, 3}, {1, 1}, {0, 0}, {0, 0}, {1, 1}, false, true}, layout, none, true);
        run({1, 16, 32, 1, {H, W}, {3, 3}, {1, 1}, {2, 0}, {0, 2}, {1, 1}, true, true}, layout, relu, false);
      }
  run({1, 512, 32, 1, {5, 6}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, true, true}, 3, relu, true);
  const k::Act acts[] = {{k::Act::None, 0.f, 0.f},      {k::Act::Relu, 0.f, 0.f},  {k::Act::Clip, -0.5f, 0.75f},
                         {k::Act::LeakyRelu, 0.1f, 0.f}, {k::Act::Sigmoid, 0.f, 0.f}, {k::Act::HardSwish, 0.f, 0.f}};
  for (const k::Act& a : acts)
    for (bool residual : {false, true})
      for (int layout : {0, 1, 3, 5, 7}) {
        run({1, 64, 64, 1, {8, 8}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, true, true}, layout, a, residual);
        run({1, 16, 16, 1, {9, 17}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, true, true}, layout, a, residual);
      }
}

// A conv streamed into a depthwise conv (ring of rows), in its four layouts, against the two
// convolutions computed apart in double (the first conv's output rounded to float, as the
// kernel stores it). First convs: 1x1, and 3x3 with stride 2 and padding (a stem: NCHW phase
// planes or the padded channels-last copy). Depthwise convs: strides 1 and 2, 3x3 and 5x5
// windows with dilation (rings of 3 and 9 rows), asymmetric pads, planes of one row or
// column; one and several packets of channels; activations in registers and after (sigmoid)
// on either conv.
TEST_CASE("conv_then_depthwise: a conv streamed into a depthwise conv", "[conv][channels]") {
  std::mt19937 g(95);
  // cc: the first conv (its output channels E), dd: the depthwise conv's window, strides,
  // pads and dilations (its in and channels follow from cc).
  auto run = [&](const ConvCase& cc, ConvCase dd, int layout, k::Act act1, k::Act act2) {
    const k::ConvParams pc = make_params(cc);
    dd.C = dd.M = dd.group = cc.M;
    dd.in = {pc.out[1], pc.out[2]};
    const k::ConvParams dw = make_params(dd);
    REQUIRE(k::conv_then_depthwise_fits(pc, dw));
    const std::string what = describe(cc, pc) + " then " + describe(dd, dw) + " layout=" + std::to_string(layout) +
                             " act1=" + std::to_string(act1.kind) + " act2=" + std::to_string(act2.kind);
    INFO(what);
    const i64 C = pc.C, I = pc.in[1] * pc.in[2], O = k::conv_out_size(dw), E = dw.C;
    auto X = rand_vec<float>(g, C * I);
    auto W1 = rand_vec<float>(g, E * k::conv_kg(pc)), B1 = rand_vec<float>(g, E);
    auto W2 = rand_vec<float>(g, E * dw.k[1] * dw.k[2]), B2 = rand_vec<float>(g, E);
    std::vector<double> mid, want, scale;
    ref_conv(X, W1, cc.bias ? B1.data() : nullptr, pc, &mid, &scale);
    std::vector<float> midf(mid.size());
    for (size_t i = 0; i < mid.size(); ++i) midf[i] = static_cast<float>(k::act_scalar(mid[i], act1));
    ref_conv(midf, W2, dd.bias ? B2.data() : nullptr, dw, &want, &scale);
    for (double& v : want) v = k::act_scalar(v, act2);
    const bool in_last = layout & k::kChanInNHWC, out_last = layout & k::kChanOutNHWC;
    const std::vector<float> Xl = in_last ? swap_inner(X.data(), 1, C, I) : X;
    std::vector<float> W1t(W1.size()), W2t(W2.size());
    k::conv_channels_weights(W1.data(), W1t.data(), pc, in_last);
    k::depthwise_last_weights(W2.data(), W2t.data(), dw);
    Guarded<float> Y(E * O), scratch(k::conv_then_depthwise_scratch(pc, dw, in_last, !out_last));
    Y.fill(std::nanf(""));
    scratch.fill(std::nanf(""));
    const float* b1 = cc.bias ? B1.data() : nullptr;
    const float* b2 = dd.bias ? B2.data() : nullptr;
    with_layout(layout, [&](auto L) {
      k::conv_then_depthwise<float, decltype(L)::value>(Xl.data(), W1t.data(), b1, pc, act1, W2t.data(), b2, Y.data(),
                                                        dw, act2, scratch.data());
    });
    CHECK(Y.intact());
    CHECK(scratch.intact());
    std::vector<float> got = Y.vec();
    if (out_last) got = swap_inner(got.data(), 1, O, E);
    check_near(got.data(), want, 1e-5 * std::sqrt(double(k::conv_kg(pc))), 1e-5, what, &scale);
  };
  const k::Act clip{k::Act::Clip, 0.f, 6.f}, none{k::Act::None, 0.f, 0.f}, sig{k::Act::Sigmoid, 0.f, 0.f};
  for (int layout = 0; layout < 4; ++layout)
    for (i64 H : {i64(1), i64(2), i64(5), i64(12)})
      for (i64 W : {i64(1), i64(7), i64(13)}) {
        auto pw = [&](i64 C, i64 E, i64 h, i64 w) {
          return ConvCase{1, C, E, 1, {h, w}, {1, 1}, {1, 1}, {0, 0}, {0, 0}, {1, 1}, true, true};
        };
        run(pw(16, 32, H, W), {1, 0, 0, 0, {}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, true, true}, layout, clip, clip);
        run(pw(24, 48, H, W), {1, 0, 0, 0, {}, {3, 3}, {2, 2}, {1, 1}, {1, 1}, {1, 1}, true, true}, layout, clip, none);
        run(pw(3, 16, H + 1, W), {1, 0, 0, 0, {}, {5, 5}, {1, 2}, {4, 1}, {3, 3}, {2, 1}, false, true}, layout, sig,
            clip);
        run(pw(40, 96, H, W + 1), {1, 0, 0, 0, {}, {3, 3}, {2, 1}, {0, 1}, {1, 0}, {1, 1}, true, true}, layout, none,
            sig);
        // a stem: 3x3 stride 2 with padding, then a depthwise conv
        run({1, 3, 32, 1, {2 * H, 2 * W + 1}, {3, 3}, {2, 2}, {1, 1}, {1, 1}, {1, 1}, true, true},
            {1, 0, 0, 0, {}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, true, true}, layout, clip, clip);
        run({1, 8, 16, 1, {H + 2, W + 2}, {3, 3}, {1, 1}, {0, 0}, {0, 0}, {1, 1}, false, true},
            {1, 0, 0, 0, {}, {3, 3}, {2, 2}, {1, 1}, {1, 1}, {1, 1}, true, true}, layout, clip, none);
      }
}
