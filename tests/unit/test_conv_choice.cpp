// Which kernel a Conv node runs (codegen/ops/conv.cpp): Winograd where it pays, the other
// kernels elsewhere, and the transformed weights it reads.
#include <catch2/catch.hpp>

#include "builder.hpp"

using namespace o2c;
using namespace o2c::test;

namespace {

// One 3x3 conv, C -> M channels on an H x H plane, padded to keep its size (weights constant
// unless `weights_input`).
Compiled conv_model(int C, int M, int H, int stride = 1, bool weights_input = false) {
  ModelBuilder b;
  b.input("x", {1, C, H, H});
  std::vector<float> w(static_cast<size_t>(M * C * 9));
  for (size_t i = 0; i < w.size(); ++i) w[i] = float(i % 7) * 0.1f;
  if (weights_input) b.input("w", {M, C, 3, 3});
  else b.init_f("w", {M, C, 3, 3}, w);
  auto& n = b.node("Conv", {"x", "w"}, {"y"});
  ModelBuilder::attr_ints(n, "pads", {1, 1, 1, 1});
  ModelBuilder::attr_ints(n, "strides", {stride, stride});
  b.output("y");
  TempDir d;
  return compile_file(b.save(d.path));
}

std::string conv_source(int C, int M, int H, int stride = 1, bool weights_input = false) {
  return conv_model(C, M, H, stride, weights_input).files.source;
}

bool calls(const std::string& src, const std::string& fn) { return src.find(fn + "(") != std::string::npos; }

}  // namespace

// The output tile of the conv_winograd_last() call in src (the model's NCHW layout): 4, 2,
// or 0 for none.
static int winograd_last_tile(const std::string& src) {
  if (calls(src, "k::conv_winograd_last<float, 0, 4>")) return 4;
  return calls(src, "k::conv_winograd_last<float, 0, 2>") ? 2 : 0;
}

TEST_CASE("3x3 stride-1 convolutions with channels in whole packets run Winograd with the channels last",
          "[conv][emit]") {
  // h x h planes, F(4x4, 3x3) unless its tiles of 4 would make more than 3/4 of F(2x2)'s
  // products (6x6: 4 tiles of 36 against 9 of 16).
  for (auto [h, r] : {std::pair{16, 4}, {8, 4}, {3, 4}, {6, 2}}) {
    INFO(h << "x" << h);
    // 64 x 64 channels; the input and output are the model's (NCHW).
    const Compiled c = conv_model(64, 64, h);
    CHECK(winograd_last_tile(c.files.source) == r);
    CHECK_FALSE(calls(c.files.source, "k::conv_winograd<float>"));
    CHECK_FALSE(calls(c.files.source, "k::conv_channels<float>"));
    // The weights are the (r + 2)^2 transformed matrices instead of W (9 x 64 x 64 floats).
    const int64_t u = (r + 2) * (r + 2) * 64 * 64 * 4, w = 9 * 64 * 64 * 4;
    CHECK(c.files.weights_bytes >= u);
    CHECK(c.files.weights_bytes < u + w);
  }
  CHECK(winograd_last_tile(conv_source(16, 32, 32)) == 4);
  // 36 x 256 x 256 transformed weights (9.4 MB) are beyond kWinoLast4Weights: F(2x2).
  CHECK(winograd_last_tile(conv_source(256, 256, 14)) == 2);
}

TEST_CASE("Other channel counts run Winograd with the tiles in the lanes on planes of 64 tiles or more",
          "[conv][emit]") {
  // 24 input channels (no whole packets of 16), 96 output channels, 16x16: 64 tiles of 2x2.
  const std::string src = conv_source(24, 96, 16);
  CHECK(calls(src, "k::conv_winograd<float>"));
  CHECK(winograd_last_tile(src) == 0);
  CHECK_FALSE(calls(conv_source(24, 64, 16), "k::conv_winograd<float>"));  // C x M < 2048
  CHECK_FALSE(calls(conv_source(24, 96, 14), "k::conv_winograd<float>"));  // 49 tiles
}

TEST_CASE("Winograd is left out where it cannot run", "[conv][emit]") {
  for (const char* fn : {"k::conv_winograd<", "k::conv_winograd_last<"}) {
    INFO(fn);
    auto has = [&](const std::string& src) { return src.find(fn) != std::string::npos; };
    CHECK_FALSE(has(conv_source(64, 64, 16, 2)));        // stride 2
    CHECK_FALSE(has(conv_source(64, 64, 16, 1, true)));  // weights not constant
    CHECK_FALSE(has(conv_source(24, 96, 16, 2)));
  }
}
