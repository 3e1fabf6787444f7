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

TEST_CASE("3x3 stride-1 convolutions with channels in whole packets run Winograd with the channels last",
          "[conv][emit]") {
  for (int h : {16, 8, 3}) {
    INFO(h << "x" << h);
    // 64 x 64 channels; the input and output are the model's (NCHW).
    const Compiled c = conv_model(64, 64, h);
    CHECK(calls(c.files.source, "k::conv_winograd_last<float>"));
    CHECK_FALSE(calls(c.files.source, "k::conv_winograd<float>"));
    CHECK_FALSE(calls(c.files.source, "k::conv_channels<float>"));
    // The weights are the 16 transformed matrices (16 x 64 x 64 floats) instead of W (9 x ...).
    const int64_t u = 16 * 64 * 64 * 4, w = 9 * 64 * 64 * 4;
    CHECK(c.files.weights_bytes >= u);
    CHECK(c.files.weights_bytes < u + w);
  }
  CHECK(calls(conv_source(16, 32, 32), "k::conv_winograd_last<float>"));
}

TEST_CASE("Other channel counts run Winograd with the tiles in the lanes on planes of 64 tiles or more",
          "[conv][emit]") {
  // 24 input channels (no whole packets of 16), 96 output channels, 16x16: 64 tiles of 2x2.
  const std::string src = conv_source(24, 96, 16);
  CHECK(calls(src, "k::conv_winograd<float>"));
  CHECK_FALSE(calls(src, "k::conv_winograd_last<float>"));
  CHECK_FALSE(calls(conv_source(24, 64, 16), "k::conv_winograd<float>"));  // C x M < 2048
  CHECK_FALSE(calls(conv_source(24, 96, 14), "k::conv_winograd<float>"));  // 49 tiles
}

TEST_CASE("Winograd is left out where it cannot run", "[conv][emit]") {
  for (const char* fn : {"k::conv_winograd<float>", "k::conv_winograd_last<float>"}) {
    INFO(fn);
    CHECK_FALSE(calls(conv_source(64, 64, 16, 2), fn));        // stride 2
    CHECK_FALSE(calls(conv_source(64, 64, 16, 1, true), fn));  // weights not constant
    CHECK_FALSE(calls(conv_source(24, 96, 16, 2), fn));
  }
}
