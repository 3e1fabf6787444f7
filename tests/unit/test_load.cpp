// Loading: external data, opsets, errors that name what is wrong.
#include <catch2/catch.hpp>

#include <fstream>

#include "builder.hpp"
#include "onnx/model_io.hpp"

using namespace o2c;
using namespace o2c::test;

namespace {
void external(ModelBuilder& b, const std::string& name, const std::string& location, std::vector<int64_t> dims) {
  auto* t = b.m.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(1);
  for (auto d : dims) t->add_dims(d);
  t->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* kv = t->add_external_data();
  kv->set_key("location");
  kv->set_value(location);
}
std::string error_of(const std::string& path, ShapeBindings bind = {}) {
  try {
    compile_file(path, bind);
  } catch (const CompileError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("external data is read from the model's folder", "[load]") {
  TempDir d;
  std::vector<float> w = {1.5f, -2.0f, 3.25f};
  std::ofstream(d.path + "/weights.bin", std::ios::binary).write(reinterpret_cast<const char*>(w.data()), 12);
  ModelBuilder b;
  b.input("x", {3});
  external(b, "w", "weights.bin", {3});
  b.node("Mul", {"x", "w"}, {"y"});
  b.output("y");
  Compiled c = compile_file(b.save(d.path));
  const Tensor& t = *value(c.graph, "w").constant;
  CHECK(t.data<float>()[2] == 3.25f);
}

TEST_CASE("external data may not leave the model's folder", "[load]") {
  TempDir d;
  for (std::string loc : {"../escape.bin", "/etc/passwd"}) {
    ModelBuilder b;
    b.input("x", {3});
    external(b, "w", loc, {3});
    b.node("Mul", {"x", "w"}, {"y"});
    b.output("y");
    std::string e = error_of(b.save(d.path));
    CHECK(e.find("model.onnx") != std::string::npos);
    CHECK((e.find("leaves the model's directory") != std::string::npos || e.find("absolute") != std::string::npos));
  }
}

TEST_CASE("all unsupported ops are reported at once, with node names", "[load]") {
  TempDir d;
  ModelBuilder b;
  b.input("x", {3});
  b.node("FancyOp", {"x"}, {"a"}, "first_fancy");
  b.node("OtherOp", {"a"}, {"b"}, "the_other");
  b.node("FancyOp", {"b"}, {"y"}, "second_fancy");
  b.output("y");
  try {
    compile_file(b.save(d.path));
    FAIL("expected UnsupportedError");
  } catch (const UnsupportedError& e) {
    std::string m = e.what();
    CHECK(m.find("FancyOp (2 nodes") != std::string::npos);
    CHECK(m.find("first_fancy") != std::string::npos);
    CHECK(m.find("second_fancy") != std::string::npos);
    CHECK(m.find("OtherOp") != std::string::npos);
  }
}

TEST_CASE("an unbound symbolic dim names itself and the flag to bind it", "[load]") {
  TempDir d;
  ModelBuilder b;
  b.input("x", {-1, 3}, 1, "batch");
  b.node("Relu", {"x"}, {"y"});
  b.output("y");
  std::string path = b.save(d.path);
  std::string e = error_of(path);
  CHECK(e.find("batch") != std::string::npos);
  CHECK(e.find("--dim batch=") != std::string::npos);
  ShapeBindings bind;
  bind.dims["batch"] = DimRange{5, 5};
  Compiled c = compile_file(path, bind);
  CHECK(value(c.graph, "y").shape == Shape{5, 3});
  ShapeBindings by_shape;
  by_shape.shapes["x"] = {2, 3};
  CHECK(value(compile_file(path, by_shape).graph, "y").shape == Shape{2, 3});
}

TEST_CASE("broken files and graphs give clear errors", "[load]") {
  TempDir d;
  std::ofstream(d.path + "/junk.onnx") << "this is not protobuf";
  CHECK(error_of(d.path + "/junk.onnx").find("not a valid serialized") != std::string::npos);
  CHECK(error_of(d.path + "/missing.onnx").find("cannot open") != std::string::npos);
  ModelBuilder b;
  b.input("x", {3});
  b.node("Relu", {"nothing"}, {"y"}, "dangling");
  b.output("y");
  std::string e = error_of(b.save(d.path));
  CHECK(e.find("dangling") != std::string::npos);
  CHECK(e.find("\"nothing\"") != std::string::npos);
}

TEST_CASE("Clip reads bounds from attributes before opset 11 and from inputs after", "[load]") {
  TempDir d;
  ModelBuilder old(7);
  old.input("x", {4});
  auto& n = old.node("Clip", {"x"}, {"y"});
  ModelBuilder::attr_f(n, "min", -1.0f);
  ModelBuilder::attr_f(n, "max", 2.0f);
  old.output("y");
  Compiled c = compile_file(old.save(d.path));
  CHECK(c.files.source.find("k::clip(in_x, out_y, 4, -1.0f, 2.0f);") != std::string::npos);
  ModelBuilder nu(13);
  nu.input("x", {4}).init_f("lo", {}, {0.0f}).init_f("hi", {}, {6.0f});
  nu.node("Clip", {"x", "lo", "hi"}, {"y"});
  nu.output("y");
  Compiled c2 = compile_file(nu.save(d.path));
  CHECK(c2.files.source.find("k::clip(in_x, out_y, 4, 0.0f, 6.0f);") != std::string::npos);  // constant bounds, as literals
}

TEST_CASE("a frozen input becomes a constant and can drive shapes", "[load]") {
  TempDir d;
  ModelBuilder b;
  b.input("x", {2, 1}).input("shape", {2}, 7);
  b.node("Expand", {"x", "shape"}, {"y"});  // no bound in the shapes: refused unless frozen (or --max)
  b.output("y");
  std::string path = b.save(d.path);
  CHECK(error_of(path).find("--freeze shape=value.pb") != std::string::npos);
  ShapeBindings bind;
  Tensor s(DType::Int64, {2});
  s.data<int64_t>()[0] = 2;
  s.data<int64_t>()[1] = 5;
  bind.frozen["shape"] = s;
  Compiled c = compile_file(path, bind);
  CHECK(c.graph.inputs.size() == 1);
  CHECK(value(c.graph, "y").shape == Shape{2, 5});
  CHECK(!value(c.graph, "y").dynamic());
  bind.frozen["nope"] = s;
  CHECK(error_of(path, bind).find("not an input") != std::string::npos);
}
