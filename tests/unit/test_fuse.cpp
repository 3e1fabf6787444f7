// Epilogue fusion (passes/fuse.cpp): what is folded into Conv and the normalizations, and
// what must stay a node of its own.
#include <catch2/catch.hpp>

#include <cmath>

#include "builder.hpp"
#include "ops/epilogue.hpp"
#include "onnx/model_io.hpp"

using namespace o2c;
using namespace o2c::test;

namespace {

std::vector<std::string> live_ops(const Compiled& c) {
  std::vector<std::string> ops;
  for (int i : c.graph.live_nodes()) ops.push_back(node_label(c.graph.nodes[i]));
  return ops;
}

// The epilogue attributes of a fused node.
EpilogueAttrs epilogue(const Node& n) {
  EpilogueAttrs e;
  AttrReader r(n.attrs, 1, "test");
  e.fields(r);  // the base op's attributes are not read: no finish()
  return e;
}

ModelBuilder& conv_model(ModelBuilder& b) {
  b.input("x", {1, 2, 4, 4});
  b.init_f("w", {2, 2, 1, 1}, {1, 2, 3, 4}).init_f("bias", {2}, {0.5f, -0.5f});
  b.node("Conv", {"x", "w", "bias"}, {"c"});
  return b;
}

}  // namespace

TEST_CASE("Conv + residual Add + Relu becomes one node: the residual extends its life", "[fuse]") {
  ModelBuilder b;
  conv_model(b);
  b.node("Add", {"x", "c"}, {"s"});  // residual on either side of the Add
  b.node("Relu", {"s"}, {"y"});
  b.output("y");
  TempDir d;
  Compiled c = compile_file(b.save(d.path));
  CHECK(live_ops(c) == std::vector<std::string>{"Conv+Add+Relu"});
  const Node& n = c.graph.nodes[c.graph.live_nodes()[0]];
  CHECK(n.op == "FusedConv");
  CHECK(epilogue(n).activation == k::Act::Relu);
  CHECK(n.inputs.size() == 4);
  CHECK(c.graph.values[n.inputs[3]].name == "x");
  CHECK(c.files.source.find("k::Act{k::Act::Relu,") != std::string::npos);
}

TEST_CASE("Clip with constant bounds fuses: an output or a second reader stops fusion", "[fuse]") {
  {
    ModelBuilder b;
    conv_model(b);
    b.init_f("lo", {}, {0.0f}).init_f("hi", {}, {6.0f});
    b.node("Clip", {"c", "lo", "hi"}, {"y"});
    b.output("y");
    TempDir d;
    Compiled c = compile_file(b.save(d.path));
    REQUIRE(live_ops(c) == std::vector<std::string>{"Conv+Clip"});
    const Node& n = c.graph.nodes[c.graph.live_nodes()[0]];
    CHECK(epilogue(n).activation_alpha == 0.0f);
    CHECK(epilogue(n).activation_beta == 6.0f);
  }
  {
    ModelBuilder b;  // the conv output is also a graph output
    conv_model(b);
    b.node("Relu", {"c"}, {"y"});
    b.output("y").output("c");
    TempDir d;
    CHECK(live_ops(compile_file(b.save(d.path))) == std::vector<std::string>{"Conv", "Relu"});
  }
  {
    ModelBuilder b;  // two readers
    conv_model(b);
    b.node("Relu", {"c"}, {"r"});
    b.node("Add", {"r", "c"}, {"y"});
    b.output("y");
    TempDir d;
    CHECK(live_ops(compile_file(b.save(d.path))) == std::vector<std::string>{"Conv", "Relu", "Add"});
  }
  {
    ModelBuilder b;  // a broadcasting Add is not a residual
    conv_model(b);
    b.init_f("one", {1}, {1.0f});
    b.node("Add", {"c", "one"}, {"y"});
    b.output("y");
    TempDir d;
    CHECK(live_ops(compile_file(b.save(d.path))) == std::vector<std::string>{"Conv", "Add"});
  }
}

TEST_CASE("InstanceNormalization takes the following Relu: --no-fuse keeps both", "[fuse]") {
  ModelBuilder b;
  b.input("x", {1, 2, 3, 3});
  b.init_f("s", {2}, {1, 2}).init_f("bias", {2}, {0, 1});
  b.node("InstanceNormalization", {"x", "s", "bias"}, {"n"});
  b.node("Relu", {"n"}, {"y"});
  b.output("y");
  TempDir d;
  const std::string path = b.save(d.path);
  CHECK(live_ops(compile_file(path)) == std::vector<std::string>{"InstanceNormalization+Relu"});
  Options o;
  o.model_path = path;
  o.disabled_passes = {"fuse"};
  CHECK(live_ops(compile_model(o)) == std::vector<std::string>{"InstanceNormalization", "Relu"});
}

TEST_CASE("Conv + BatchNormalization (constant parameters) + Relu: BN folds into the weights", "[fuse][build]") {
  ModelBuilder b;
  b.input("x", {1, 2, 2, 2});
  const std::vector<float> w = {1, 2, 3, 4}, bias = {0.5f, -0.5f};
  const std::vector<float> scale = {2, 0.5f}, shift = {0.1f, -0.2f}, mean = {1, -1}, var = {4, 0.25f};
  b.init_f("w", {2, 2, 1, 1}, w).init_f("bias", {2}, bias);
  b.init_f("scale", {2}, scale).init_f("shift", {2}, shift).init_f("mean", {2}, mean).init_f("var", {2}, var);
  b.node("Conv", {"x", "w", "bias"}, {"c"});
  auto& bn = b.node("BatchNormalization", {"c", "scale", "shift", "mean", "var"}, {"n"});
  ModelBuilder::attr_f(bn, "epsilon", 0.0f);
  b.node("Relu", {"n"}, {"y"});
  b.output("y");
  TempDir d;
  Compiled c = compile_file(b.save(d.path));
  REQUIRE(live_ops(c) == std::vector<std::string>{"Conv+BatchNormalization+Relu"});
  TestData data;
  Tensor tx(DType::Float, {1, 2, 2, 2}), ty(DType::Float, {1, 2, 2, 2});
  for (int i = 0; i < 8; ++i) tx.data<float>()[i] = float(i) * 0.25f - 1.0f;
  for (int m = 0; m < 2; ++m)
    for (int s = 0; s < 4; ++s) {
      double v = bias[m];
      for (int ch = 0; ch < 2; ++ch) v += double(w[m * 2 + ch]) * tx.data<float>()[ch * 4 + s];
      v = (v - mean[m]) / std::sqrt(double(var[m])) * scale[m] + shift[m];
      ty.data<float>()[m * 4 + s] = float(std::max(0.0, v));
    }
  data.inputs = {tensor_to_proto(tx, "x")};
  data.outputs = {tensor_to_proto(ty, "y")};
  auto res = build_and_compare(c, data, d.path, 1e-6, 1e-6);
  REQUIRE(res.size() == 1);
  CHECK(res[0].pass);
}
