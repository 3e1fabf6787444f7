// qlinear_conv_packed (QLinearConv on weights packed at compile time) and qlinear_conv_u8s8
// (the u8 x s8 dot-product kernel, where it fits) against the direct reference, conv_integer
// then requantize_rows: bit-exact, over odd shapes, 1-D/2-D/3-D, strides, dilations, asymmetric
// pads, groups, int8/uint8 inputs and weights, zero points per tensor and per output channel
// (or weights whose w - w_zp fits int8: `narrow`), with and without bias.
#include "runtime_min/onnx2cpp_numeric.h"
#include "kt.hpp"
#include "templates/numeric.hpp"
#include "templates/subbyte.hpp"  // quant.hpp needs it (kernels.def: HEADER(quant, ...))
#include "templates/quant.hpp"
#include "templates/qconv_u8s8.hpp"

using namespace kt;

namespace {

template <class T>
std::vector<T> rand_int(std::mt19937& g, i64 n) {
  std::uniform_int_distribution<int> d(std::numeric_limits<T>::lowest(), std::numeric_limits<T>::max());
  std::vector<T> v(static_cast<size_t>(n));
  for (auto& e : v) e = static_cast<T>(d(g));
  return v;
}

template <class X, class W, class Q>
void check_case(std::mt19937& g, i64 N, i64 C, i64 M, i64 group, std::vector<i64> in, std::vector<i64> kk,
                std::vector<i64> stride, std::vector<i64> pad, std::vector<i64> pad_end, std::vector<i64> dil,
                bool per_channel, bool bias, bool narrow = false) {
  k::ConvParams p{};
  p.N = N, p.C = C, p.M = M, p.group = group;
  for (int d = 0; d < 3; ++d) p.in[d] = p.out[d] = p.k[d] = p.stride[d] = p.dil[d] = 1, p.pad[d] = 0;
  const size_t r = in.size();
  for (size_t i = 0; i < r; ++i) {
    const size_t d = 3 - r + i;
    p.in[d] = in[i], p.k[d] = kk[i], p.stride[d] = stride[i], p.pad[d] = pad[i], p.dil[d] = dil[i];
    p.out[d] = (in[i] + pad[i] + pad_end[i] - dil[i] * (kk[i] - 1) - 1) / stride[i] + 1;
  }
  const i64 cg = C / group, taps = p.k[0] * p.k[1] * p.k[2], P = k::conv_out_size(p);
  const auto x = rand_int<X>(g, N * C * p.in[0] * p.in[1] * p.in[2]);
  const auto w = rand_int<W>(g, M * cg * taps);
  const auto xzp = rand_int<X>(g, 1);
  auto wzp = rand_int<W>(g, per_channel ? M : 1);
  if (narrow)  // w - w_zp within int8: symmetric int8 weights, uint8 weights around 128
    for (auto& z : wzp) z = static_cast<W>(std::is_signed<W>::value ? 0 : 128);
  const auto yzp = rand_int<Q>(g, 1);
  std::uniform_int_distribution<int> bd(-20000, 20000);
  std::vector<std::int32_t> b(static_cast<size_t>(M));
  for (auto& e : b) e = bd(g);
  const float xs = 0.02f, ys = 0.9f + 0.1f * static_cast<float>(M % 3);
  std::vector<float> ws = rand_vec<float>(g, per_channel ? M : 1, 0.001, 0.01);
  const i64 sws = per_channel ? 1 : 0;
  // Reference.
  std::vector<std::int32_t> acc(static_cast<size_t>(N * M * P));
  std::vector<Q> want(acc.size()), got(acc.size());
  k::conv_integer<X, W>(x.data(), w.data(), bias ? b.data() : nullptr, acc.data(), p, xzp.data(), wzp.data(), sws);
  k::requantize_rows<float, Q>(acc.data(), want.data(), N * M, M, P, ws.data(), sws, &xs, 0, &ys, yzp.data());
  // Packed.
  std::vector<std::int16_t> wp(static_cast<size_t>(M * k::qconv_kp(p)));
  k::qconv_pack<W>(w.data(), wzp.data(), sws, wp.data(), p);
  std::vector<std::int32_t> scratch(static_cast<size_t>(k::qconv_scratch_bytes(p) / 4 + 1));
  k::qlinear_conv_packed<X, float, Q>(x.data(), &xs, xzp.data(), wp.data(), ws.data(), sws, &ys, yzp.data(),
                                      bias ? b.data() : nullptr, got.data(), p, scratch.data());
  INFO("N " << N << " C " << C << " M " << M << " group " << group << " rank " << r << " P " << P);
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("at " << i);
    REQUIRE(static_cast<int>(got[i]) == static_cast<int>(want[i]));
  }
  // The u8 x s8 kernel: where it fits, and packs exactly when every w - w_zp is within int8.
  if (!k::qconv_u8s8_fits(p)) return;
  const k::QU8Geom qg = k::qconv_u8s8_geom(p);
  std::vector<std::int8_t> w8(static_cast<size_t>(p.k[1] * p.k[2] * qg.c4 * qg.mp * 4));
  std::vector<std::int32_t> bq(static_cast<size_t>(qg.mp));
  const std::int32_t zx = static_cast<std::int32_t>(xzp[0]) + (std::is_signed<X>::value ? 128 : 0);
  const bool packed = k::qconv_u8s8_pack<W>(w.data(), wzp.data(), sws, bias ? b.data() : nullptr, zx, w8.data(),
                                            bq.data(), p);
  bool fits = true;
  for (i64 i = 0; i < M * cg * taps; ++i) {
    const int v = static_cast<int>(w[static_cast<size_t>(i)]) - static_cast<int>(wzp[static_cast<size_t>(per_channel ? i / (cg * taps) : 0)]);
    fits = fits && v >= -128 && v <= 127;
  }
  REQUIRE(packed == fits);
  REQUIRE((!narrow || packed));
  if (!packed) return;
  std::vector<std::uint8_t> scratch8(static_cast<size_t>(k::qconv_u8s8_scratch_bytes(p)));
  std::vector<Q> got8(acc.size());
  k::qlinear_conv_u8s8<X, float, Q>(x.data(), &xs, xzp.data(), w8.data(), bq.data(), ws.data(), sws, &ys, yzp.data(),
                                    got8.data(), p, scratch8.data());
  for (size_t i = 0; i < got8.size(); ++i) {
    INFO("u8s8 at " << i);
    REQUIRE(static_cast<int>(got8[i]) == static_cast<int>(want[i]));
  }
}

}  // namespace

TEST_CASE("qlinear_conv_packed: exact against conv_integer + requantize_rows") {
  std::mt19937 g(7);
  // 2-D: a ResNet 3x3, a strided 3x3, a pointwise stride 2, odd channels, groups, depthwise,
  // dilation, asymmetric pads, batch 2.
  check_case<std::uint8_t, std::int8_t, std::uint8_t>(g, 1, 16, 16, 1, {8, 8}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, false, true);
  check_case<std::uint8_t, std::int8_t, std::uint8_t>(g, 1, 16, 32, 1, {9, 7}, {3, 3}, {2, 2}, {1, 1}, {1, 1}, {1, 1}, true, true);
  check_case<std::uint8_t, std::int8_t, std::uint8_t>(g, 2, 16, 32, 1, {7, 7}, {1, 1}, {2, 2}, {0, 0}, {0, 0}, {1, 1}, true, false);
  check_case<std::int8_t, std::int8_t, std::int8_t>(g, 1, 3, 5, 1, {11, 6}, {3, 2}, {1, 2}, {2, 0}, {1, 1}, {1, 1}, false, true);
  check_case<std::uint8_t, std::uint8_t, std::int8_t>(g, 1, 6, 9, 3, {6, 5}, {3, 3}, {1, 1}, {1, 0}, {0, 2}, {2, 1}, true, true);
  check_case<std::int8_t, std::uint8_t, std::uint8_t>(g, 2, 8, 8, 8, {5, 9}, {3, 3}, {2, 1}, {1, 1}, {1, 1}, {1, 2}, true, false);
  check_case<std::uint8_t, std::int8_t, std::uint8_t>(g, 1, 7, 13, 1, {10, 10}, {5, 5}, {3, 2}, {2, 2}, {2, 1}, {1, 1}, false, false);
  // 1-D and 3-D.
  check_case<std::uint8_t, std::int8_t, std::uint8_t>(g, 1, 5, 6, 1, {17}, {3}, {2}, {1}, {2}, {2}, true, true);
  check_case<std::int8_t, std::int8_t, std::uint8_t>(g, 1, 4, 6, 2, {4, 5, 6}, {2, 3, 3}, {1, 2, 1}, {1, 1, 0}, {0, 1, 2}, {1, 1, 2}, true, true);
  // Many positions (several tiles, an odd count) and channels not a multiple of 4.
  check_case<std::uint8_t, std::int8_t, std::uint8_t>(g, 1, 16, 18, 1, {13, 11}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, true, true);
  // The u8 x s8 kernel's cases: CIFAR ResNet shapes, int8/uint8 both sides, odd sizes.
  check_case<std::uint8_t, std::int8_t, std::uint8_t>(g, 1, 16, 16, 1, {32, 32}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, true, true, true);
  check_case<std::uint8_t, std::int8_t, std::uint8_t>(g, 2, 16, 32, 1, {32, 32}, {3, 3}, {2, 2}, {1, 1}, {1, 1}, {1, 1}, true, true, true);
  check_case<std::uint8_t, std::int8_t, std::uint8_t>(g, 1, 16, 32, 1, {32, 32}, {1, 1}, {2, 2}, {0, 0}, {0, 0}, {1, 1}, true, false, true);
  check_case<std::uint8_t, std::int8_t, std::int8_t>(g, 1, 64, 64, 1, {8, 8}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, false, true, true);
  check_case<std::int8_t, std::uint8_t, std::uint8_t>(g, 1, 3, 13, 1, {11, 6}, {3, 2}, {1, 2}, {2, 0}, {1, 1}, {1, 1}, true, true, true);
  check_case<std::int8_t, std::int8_t, std::int8_t>(g, 1, 7, 9, 1, {10, 13}, {5, 3}, {3, 2}, {2, 2}, {2, 1}, {2, 1}, false, true, true);
  check_case<std::uint8_t, std::uint8_t, std::uint8_t>(g, 1, 5, 6, 1, {17}, {3}, {2}, {1}, {2}, {2}, true, true, true);
}
