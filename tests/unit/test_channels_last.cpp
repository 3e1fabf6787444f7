// Channels last (passes/channels_last.cpp) around depthwise convolutions and in ResNet blocks: which tensors it
// picks, which it must leave alone, and a built inverted residual block against a direct
// computation.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>

#include "builder.hpp"
#include "naive_conv.hpp"
#include "onnx/model_io.hpp"

using namespace o2c;
using namespace o2c::test;

namespace {

// Builds the compiled model, runs it on x and compares its output y with `want` (a direct
// computation in double), shapes as given.
void check_built(const Compiled& c, const std::string& dir, const Shape& xs, const std::vector<double>& x,
                 const Shape& ys, const std::vector<double>& want, double rtol, double atol) {
  Tensor tx(DType::Float, xs), ty(DType::Float, ys);
  REQUIRE(static_cast<size_t>(tx.numel()) == x.size());
  REQUIRE(static_cast<size_t>(ty.numel()) == want.size());
  for (size_t i = 0; i < x.size(); ++i) tx.data<float>()[i] = float(x[i]);
  for (size_t i = 0; i < want.size(); ++i) ty.data<float>()[i] = float(want[i]);
  TestData data;
  data.inputs = {tensor_to_proto(tx, "x")};
  data.outputs = {tensor_to_proto(ty, "y")};
  auto r = build_and_compare(c, data, dir, rtol, atol);
  REQUIRE(r.size() == 1);
  INFO("max abs error " << r[0].max_abs << ", max rel error " << r[0].max_rel << ", " << r[0].mismatches << " of "
                        << r[0].count);
  CHECK(r[0].pass);
}

std::vector<float> ramp(size_t n, float scale, float shift) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = std::sin(float(i) * scale) + shift;
  return v;
}

// x[1,16,6,7] -> 1x1 to 32 -> Clip(0,6) -> depthwise 3x3 -> Clip(0,6) -> 1x1 to 16 (+ x).
struct Block {
  std::vector<float> w1 = ramp(32 * 16, 0.37f, 0.f), b1 = ramp(32, 0.9f, 0.1f);
  std::vector<float> w2 = ramp(32 * 9, 0.53f, 0.f), b2 = ramp(32, 0.7f, 0.f);
  std::vector<float> w3 = ramp(16 * 32, 0.29f, 0.f), b3 = ramp(16, 1.1f, 0.f);
  ModelBuilder b;
  explicit Block(bool mid_is_output) {
    b.input("x", {1, 16, 6, 7});
    b.init_f("w1", {32, 16, 1, 1}, w1).init_f("b1", {32}, b1);
    b.init_f("w2", {32, 1, 3, 3}, w2).init_f("b2", {32}, b2);
    b.init_f("w3", {16, 32, 1, 1}, w3).init_f("b3", {16}, b3);
    b.init_f("lo", {}, {0.f}).init_f("hi", {}, {6.f});
    b.node("Conv", {"x", "w1", "b1"}, {"e"});
    b.node("Clip", {"e", "lo", "hi"}, {"ec"});
    auto& dw = b.node("Conv", {"ec", "w2", "b2"}, {"d"});
    ModelBuilder::attr_i(dw, "group", 32);
    ModelBuilder::attr_ints(dw, "pads", {1, 1, 1, 1});
    b.node("Clip", {"d", "lo", "hi"}, {"dc"});
    b.node("Conv", {"dc", "w3", "b3"}, {"p"});
    b.node("Add", {"p", "x"}, {"y"});
    b.output("y");
    if (mid_is_output) b.output("dc");
  }
};

}  // namespace

// The block computed directly, in double: the output y, and dc (the depthwise conv's, clipped).
struct BlockRef {
  std::vector<double> x, dc, y;
  explicit BlockRef(const Block& blk) : x(16 * 42) {
    for (size_t i = 0; i < x.size(); ++i) x[i] = std::cos(double(i) * 0.11) * 2.0;
    auto clip = [](std::vector<double> v) {
      for (double& e : v) e = std::min(6.0, std::max(0.0, e));
      return v;
    };
    const auto e = clip(naive_conv(x, blk.w1, blk.b1, 16, 32, 6, 7, 1, 0, 1));
    dc = clip(naive_conv(e, blk.w2, blk.b2, 32, 32, 6, 7, 3, 1, 32));
    y = naive_conv(dc, blk.w3, blk.b3, 32, 16, 6, 7, 1, 0, 1);
    for (size_t i = 0; i < y.size(); ++i) y[i] += x[i];
  }
};

TEST_CASE("Conv -> depthwise -> pointwise keeps the tensors in between channels last", "[channels_last][build]") {
  Block blk(false);
  TempDir d;
  Compiled c = compile_file(blk.b.save(d.path));
  CHECK(value(c.graph, "ec").channels_last);
  CHECK(value(c.graph, "dc").channels_last);
  CHECK_FALSE(value(c.graph, "x").channels_last);
  CHECK_FALSE(value(c.graph, "y").channels_last);
  // The expansion is streamed into the depthwise conv (NCHW in, channels last out); ec is
  // never stored.
  CHECK(live_nodes(c, "ConvThenDepthwise") == 1);
  CHECK(value(c.graph, "ec").readers.empty());
  CHECK(c.files.source.find("k::conv_then_depthwise<float, k::kChanOutNHWC>(") != std::string::npos);
  CHECK(c.files.source.find("k::conv_depthwise_last") == std::string::npos);
  CHECK(c.files.source.find("k::conv_channels<float, k::kChanInNHWC>(") != std::string::npos);  // reads NHWC
  CHECK(c.files.source.find("(channels last)") != std::string::npos);
  CHECK(c.files.source.find("Conv+Clip+Conv+Clip") != std::string::npos);
  for (const BufferReq& r : c.plan.reqs) CHECK(r.value != c.graph.find("ec"));
  const BlockRef want(blk);
  check_built(c, d.path, {1, 16, 6, 7}, want.x, {1, 16, 6, 7}, want.y, 1e-5, 1e-5);
}

TEST_CASE("A conv whose output another node reads is not streamed", "[channels_last][build]") {
  Block blk(false);
  auto& n = blk.b.node("Conv", {"ec", "w2", "b2"}, {"d2"});  // a second reader of ec
  ModelBuilder::attr_i(n, "group", 32);
  ModelBuilder::attr_ints(n, "pads", {1, 1, 1, 1});
  blk.b.output("d2");
  TempDir d;
  Compiled c = compile_file(blk.b.save(d.path));
  CHECK(live_nodes(c, "ConvThenDepthwise") == 0);
  CHECK(c.files.source.find("k::conv_then_depthwise") == std::string::npos);
}

TEST_CASE("A graph output stays NCHW (the depthwise conv transposes back): --no-fuse keeps NCHW", "[channels_last]") {
  {
    Block blk(true);  // dc is an output: it must stay NCHW
    TempDir d;
    Compiled c = compile_file(blk.b.save(d.path));
    CHECK(value(c.graph, "ec").channels_last);
    CHECK_FALSE(value(c.graph, "dc").channels_last);
    CHECK(c.files.source.find("k::conv_then_depthwise<float>(") != std::string::npos);  // NCHW both sides
    const BlockRef want(blk);
    Tensor tx(DType::Float, {1, 16, 6, 7});
    for (size_t i = 0; i < want.x.size(); ++i) tx.data<float>()[i] = float(want.x[i]);
    TestData data;
    data.inputs = {tensor_to_proto(tx, "x")};
    for (const auto* out : {&want.y, &want.dc}) {
      Tensor t(DType::Float, {1, out == &want.y ? 16 : 32, 6, 7});
      for (size_t i = 0; i < out->size(); ++i) t.data<float>()[i] = float((*out)[i]);
      data.outputs.push_back(tensor_to_proto(t, out == &want.y ? "y" : "dc"));
    }
    auto r = build_and_compare(c, data, d.path, 1e-5, 1e-5);
    REQUIRE(r.size() == 2);
    CHECK(r[0].pass);
    CHECK(r[1].pass);
  }
  {
    Block blk(false);
    TempDir d;
    Options o;
    o.model_path = blk.b.save(d.path);
    o.disabled_passes = {"fuse"};
    Compiled c = compile_model(o);
    CHECK_FALSE(value(c.graph, "ec").channels_last);
  }
}

TEST_CASE("A conv that turns to conv_channels for channels last gets its scratch (K in passes)", "[channels_last][build]") {
  // 3x3 from 64 to 48 channels: K = 576 takes two passes, whose partial sums need scratch
  // that the NCHW kernel chosen at inference did not (48 is no multiple of 32).
  const std::vector<float> w1 = ramp(48 * 64 * 9, 0.23f, 0.f), b1 = ramp(48, 0.9f, 0.f);
  const std::vector<float> w2 = ramp(48 * 9, 0.53f, 0.f), b2 = ramp(48, 0.7f, 0.f);
  const std::vector<float> w3 = ramp(16 * 48, 0.29f, 0.f), b3 = ramp(16, 1.1f, 0.f);
  ModelBuilder b;
  b.input("x", {1, 64, 5, 6});
  b.init_f("w1", {48, 64, 3, 3}, w1).init_f("b1", {48}, b1);
  b.init_f("w2", {48, 1, 3, 3}, w2).init_f("b2", {48}, b2);
  b.init_f("w3", {16, 48, 1, 1}, w3).init_f("b3", {16}, b3);
  auto& c1 = b.node("Conv", {"x", "w1", "b1"}, {"e"});
  ModelBuilder::attr_ints(c1, "pads", {1, 1, 1, 1});
  auto& dw = b.node("Conv", {"e", "w2", "b2"}, {"d"});
  ModelBuilder::attr_i(dw, "group", 48);
  ModelBuilder::attr_ints(dw, "pads", {1, 1, 1, 1});
  b.node("Conv", {"d", "w3", "b3"}, {"y"});
  b.output("y");
  TempDir d;
  Compiled c = compile_file(b.save(d.path));
  REQUIRE(value(c.graph, "e").channels_last);
  std::vector<double> x(64 * 30);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::cos(double(i) * 0.07);
  const auto e = naive_conv(x, w1, b1, 64, 48, 5, 6, 3, 1, 1);
  const auto dd = naive_conv(e, w2, b2, 48, 48, 5, 6, 3, 1, 48);
  const auto y = naive_conv(dd, w3, b3, 48, 16, 5, 6, 1, 0, 1);
  // Sums of 576 and then 48 products of magnitudes up to ~30: float rounding near 1e-3.
  check_built(c, d.path, {1, 64, 5, 6}, x, {1, 16, 5, 6}, y, 1e-4, 5e-3);
}

TEST_CASE("ResNet blocks keep the residual stream channels last: the last conv writes NCHW", "[channels_last][build]") {
  // x[1,16,6,5] -> a = relu(conv x) -> b = relu(conv a) -> c = relu(conv b + a)
  //             -> d = relu(conv c) -> y = conv d + c (an output), every conv 3x3, 16 -> 16:
  // with dilation 1 on Winograd's kernel, with dilation 2 on conv_channels().
  for (int dil : {1, 2}) {
    INFO("dilation " << dil);
    const std::string kernel = dil == 1 ? "k::conv_winograd_last<float, " : "k::conv_channels<float, ";
    const std::string close = dil == 1 ? ", " : ">(";  // conv_winograd_last<T, L, R>, conv_channels<T, L>
    const char* names[] = {"a", "b", "c", "d", "y"};
    std::vector<std::vector<float>> w, bias;
    ModelBuilder b;
    b.input("x", {1, 16, 6, 5});
    for (int i = 0; i < 5; ++i) {
      w.push_back(ramp(16 * 16 * 9, 0.31f + 0.05f * float(i), 0.f));
      for (float& e : w.back()) e *= 0.1f;  // values of order 1 through the five layers
      bias.push_back(ramp(16, 0.7f + 0.1f * float(i), 0.f));
      b.init_f("w" + std::to_string(i), {16, 16, 3, 3}, w.back()).init_f("b" + std::to_string(i), {16}, bias.back());
    }
    const char* src[] = {"x", "a", "b", "c", "d"};
    const char* res[] = {nullptr, nullptr, "a", nullptr, "c"};
    for (int i = 0; i < 5; ++i) {
      const std::string out = names[i], conv = out + "_conv", sum = out + "_sum";
      auto& n = b.node("Conv", {src[i], "w" + std::to_string(i), "b" + std::to_string(i)}, {conv});
      ModelBuilder::attr_ints(n, "pads", {dil, dil, dil, dil});
      ModelBuilder::attr_ints(n, "dilations", {dil, dil});
      std::string pre = conv;
      if (res[i]) {
        b.node("Add", {conv, res[i]}, {i == 4 ? out : sum});
        pre = sum;
      }
      if (i != 4) b.node("Relu", {pre}, {out});
    }
    b.output("y");
    TempDir d;
    Compiled c = compile_file(b.save(d.path));
    for (const char* v : {"a", "b", "c", "d"}) CHECK(value(c.graph, v).channels_last);
    CHECK_FALSE(value(c.graph, "x").channels_last);
    CHECK_FALSE(value(c.graph, "y").channels_last);
    const std::string in = "k::kChanInNHWC", out = "k::kChanOutNHWC", rl = "k::kChanResNHWC";
    CHECK(c.files.source.find(kernel + out + close) != std::string::npos);  // x (NCHW) -> a
    CHECK(c.files.source.find(kernel + in + " | " + out + close) != std::string::npos);  // a -> b: both sides
    CHECK(c.files.source.find(kernel + in + " | " + out + " | " + rl + close) != std::string::npos);  // b, a -> c
    CHECK(c.files.source.find(kernel + in + " | " + rl + close) != std::string::npos);  // d, c -> y (NCHW)
    // The same computed directly, in double.
    std::map<std::string, std::vector<double>> val;
    val["x"].resize(16 * 30);
    for (size_t i = 0; i < val["x"].size(); ++i) val["x"][i] = std::cos(double(i) * 0.13);
    for (int i = 0; i < 5; ++i) {
      std::vector<double> v = naive_conv(val[src[i]], w[i], bias[i], 16, 16, 6, 5, 3, dil, 1, dil);
      if (res[i])
        for (size_t j = 0; j < v.size(); ++j) v[j] += val[res[i]][j];
      if (i != 4)
        for (double& e : v) e = std::max(0.0, e);
      val[names[i]] = v;
    }
    check_built(c, d.path, {1, 16, 6, 5}, val["x"], {1, 16, 6, 5}, val["y"], 1e-4, 1e-4);
  }
}

TEST_CASE("A tensor another op reads, or a conv whose residual is NCHW, keeps NCHW", "[channels_last]") {
  // x -> a = conv x -> b = conv a (+ x, a graph input: NCHW) -> c = conv b -> y
  //                  \-> s = Sigmoid(a) (not a conv) -> output s
  ModelBuilder b;
  b.input("x", {1, 16, 5, 5});
  for (int i = 0; i < 3; ++i)
    b.init_f("w" + std::to_string(i), {16, 16, 3, 3}, ramp(16 * 16 * 9, 0.2f + 0.1f * float(i), 0.f));
  auto conv = [&](const std::string& in, int i, const std::string& out) {
    auto& n = b.node("Conv", {in, "w" + std::to_string(i)}, {out});
    ModelBuilder::attr_ints(n, "pads", {1, 1, 1, 1});
  };
  conv("x", 0, "a");
  b.node("Sigmoid", {"a"}, {"s"});
  conv("a", 1, "bc");
  b.node("Add", {"bc", "x"}, {"b"});
  conv("b", 2, "y");
  b.output("y").output("s");
  TempDir d;
  Compiled c = compile_file(b.save(d.path));
  CHECK_FALSE(value(c.graph, "a").channels_last);  // Sigmoid reads it
  CHECK_FALSE(value(c.graph, "b").channels_last);  // its conv's residual x is NCHW
  CHECK_FALSE(value(c.graph, "y").channels_last);
  CHECK(c.files.source.find("(channels last)") == std::string::npos);
}
