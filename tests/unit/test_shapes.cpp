// Shape and type inference per op, through the whole pipeline on one-node models.
#include <catch2/catch.hpp>

#include "builder.hpp"

using namespace o2c;
using namespace o2c::test;

namespace {
Shape out_shape(ModelBuilder& b, const std::string& out = "y") {
  TempDir d;
  b.output(out);
  Compiled c = compile_file(b.save(d.path));
  return value(c.graph, out).shape;
}
}  // namespace

TEST_CASE("Conv: pads, strides, dilations, groups, auto_pad", "[shapes]") {
  {
    ModelBuilder b;
    b.input("x", {1, 4, 10, 12}).init_f("w", {8, 2, 3, 3}, std::vector<float>(8 * 2 * 9, 0.1f));
    auto& n = b.node("Conv", {"x", "w"}, {"y"});
    ModelBuilder::attr_i(n, "group", 2);
    ModelBuilder::attr_ints(n, "pads", {1, 0, 1, 0});
    ModelBuilder::attr_ints(n, "strides", {2, 1});
    ModelBuilder::attr_ints(n, "dilations", {1, 2});
    CHECK(out_shape(b) == Shape{1, 8, 5, 8});
  }
  {
    ModelBuilder b;
    b.input("x", {1, 1, 7, 7}).init_f("w", {2, 1, 3, 3}, std::vector<float>(18, 1.f));
    auto& n = b.node("Conv", {"x", "w"}, {"y"});
    ModelBuilder::attr_s(n, "auto_pad", "SAME_UPPER");
    ModelBuilder::attr_ints(n, "strides", {2, 2});
    CHECK(out_shape(b) == Shape{1, 2, 4, 4});
  }
}

TEST_CASE("pooling and global pooling", "[shapes]") {
  ModelBuilder b;
  b.input("x", {2, 3, 9, 9});
  auto& n = b.node("MaxPool", {"x"}, {"p"});
  ModelBuilder::attr_ints(n, "kernel_shape", {2, 2});
  ModelBuilder::attr_ints(n, "strides", {2, 2});
  ModelBuilder::attr_i(n, "ceil_mode", 1);
  b.node("GlobalAveragePool", {"p"}, {"y"});
  b.output("p");
  CHECK(out_shape(b) == Shape{2, 3, 1, 1});
  ModelBuilder b2;
  b2.input("x", {2, 3, 9, 9});
  auto& n2 = b2.node("AveragePool", {"x"}, {"y"});
  ModelBuilder::attr_ints(n2, "kernel_shape", {2, 2});
  ModelBuilder::attr_ints(n2, "strides", {2, 2});
  CHECK(out_shape(b2) == Shape{2, 3, 4, 4});
}

TEST_CASE("Gemm and MatMul with numpy broadcasting", "[shapes]") {
  ModelBuilder b;
  b.input("a", {3, 5}).init_f("w", {4, 5}, std::vector<float>(20, 1.f));
  auto& n = b.node("Gemm", {"a", "w"}, {"y"});
  ModelBuilder::attr_i(n, "transB", 1);
  CHECK(out_shape(b) == Shape{3, 4});
  ModelBuilder m;
  m.input("a", {2, 1, 3, 5}).input("b", {4, 5, 6});
  m.node("MatMul", {"a", "b"}, {"y"});
  CHECK(out_shape(m) == Shape{2, 4, 3, 6});
  ModelBuilder v;
  v.input("a", {5}).input("b", {2, 5, 6});
  v.node("MatMul", {"a", "b"}, {"y"});
  CHECK(out_shape(v) == Shape{2, 6});
}

TEST_CASE("broadcasting elementwise ops and comparison types", "[shapes]") {
  ModelBuilder b;
  b.input("a", {2, 1, 4}).input("b", {3, 1});
  b.node("Add", {"a", "b"}, {"s"});
  b.node("Less", {"s", "a"}, {"y"});
  TempDir d;
  b.output("y");
  Compiled c = compile_file(b.save(d.path));
  CHECK(value(c.graph, "s").shape == Shape{2, 3, 4});
  CHECK(value(c.graph, "y").dtype == DType::Bool);
}

TEST_CASE("Reshape with 0 and -1, Flatten, Squeeze, Unsqueeze, Transpose", "[shapes]") {
  ModelBuilder b;
  b.input("x", {2, 3, 4}).init_i("s", {2}, {0, -1});
  b.node("Reshape", {"x", "s"}, {"r"});
  auto& f = b.node("Flatten", {"x"}, {"f"});
  ModelBuilder::attr_i(f, "axis", 2);
  b.init_i("ax", {2}, {0, 3});
  b.node("Unsqueeze", {"x", "ax"}, {"u"});
  b.node("Squeeze", {"u"}, {"q"});
  auto& t = b.node("Transpose", {"x"}, {"y"});
  ModelBuilder::attr_ints(t, "perm", {2, 0, 1});
  for (auto o : {"r", "f", "u", "q"}) b.output(o);
  TempDir d;
  b.output("y");
  Compiled c = compile_file(b.save(d.path));
  CHECK(value(c.graph, "r").shape == Shape{2, 12});
  CHECK(value(c.graph, "f").shape == Shape{6, 4});
  CHECK(value(c.graph, "u").shape == Shape{1, 2, 3, 1, 4});
  CHECK(value(c.graph, "q").shape == Shape{2, 3, 4});
  CHECK(value(c.graph, "y").shape == Shape{4, 2, 3});
}

TEST_CASE("Softmax axis semantics before and after opset 13", "[shapes]") {
  for (int opset : {11, 13}) {
    ModelBuilder b(opset);
    b.input("x", {2, 3, 4});
    b.node("Softmax", {"x"}, {"y"});
    CHECK(out_shape(b) == Shape{2, 3, 4});
  }
}

TEST_CASE("Concat, Slice, Gather, Pad, Resize", "[shapes]") {
  ModelBuilder b;
  b.input("x", {1, 2, 4, 4}).input("z", {1, 3, 4, 4});
  auto& cc = b.node("Concat", {"x", "z"}, {"c"});
  ModelBuilder::attr_i(cc, "axis", 1);
  b.init_i("st", {1}, {1}).init_i("en", {1}, {1000}).init_i("axs", {1}, {2});
  b.node("Slice", {"c", "st", "en", "axs"}, {"s"});
  b.init_i("idx", {2}, {0, -1});
  auto& g = b.node("Gather", {"s", "idx"}, {"g"});
  ModelBuilder::attr_i(g, "axis", 1);
  b.init_i("pads", {8}, {0, 0, 1, 2, 0, 0, 3, 4});
  b.node("Pad", {"x", "pads"}, {"p"});
  b.init_f("scales", {4}, {1, 1, 2, 2});
  b.node("Resize", {"x", "", "scales"}, {"y"});
  for (auto o : {"c", "s", "g", "p"}) b.output(o);
  TempDir d;
  b.output("y");
  Compiled c = compile_file(b.save(d.path));
  CHECK(value(c.graph, "c").shape == Shape{1, 5, 4, 4});
  CHECK(value(c.graph, "s").shape == Shape{1, 5, 3, 4});
  CHECK(value(c.graph, "g").shape == Shape{1, 2, 3, 4});
  CHECK(value(c.graph, "p").shape == Shape{1, 2, 8, 10});
  CHECK(value(c.graph, "y").shape == Shape{1, 2, 8, 8});
}

TEST_CASE("shape errors name the node", "[shapes]") {
  ModelBuilder b;
  b.input("a", {2, 3}).input("b", {4, 3});
  b.node("Add", {"a", "b"}, {"y"}, "the_add");
  TempDir d;
  b.output("y");
  try {
    compile_file(b.save(d.path));
    FAIL("expected an error");
  } catch (const CompileError& e) {
    std::string msg = e.what();
    CHECK(msg.find("the_add") != std::string::npos);
    CHECK(msg.find("do not broadcast") != std::string::npos);
    CHECK(msg.find("model.onnx") != std::string::npos);
  }
}
