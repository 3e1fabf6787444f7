// Model-local functions (ModelProto.functions) inlined at import: values renamed apart per call,
// attribute references resolved from the call or the declared default, nested calls, the body's
// own opsets; malformed calls and recursion refused with the node named.
#include <google/protobuf/unknown_field_set.h>

#include <catch2/catch.hpp>

#include "builder.hpp"
#include "onnx/model_io.hpp"

using namespace o2c;
using namespace o2c::test;

namespace {

onnx::NodeProto* add_node(google::protobuf::RepeatedPtrField<onnx::NodeProto>* nodes, const std::string& op,
                          std::vector<std::string> ins, std::vector<std::string> outs, const std::string& domain = "") {
  auto* n = nodes->Add();
  n->set_op_type(op);
  n->set_domain(domain);
  for (auto& i : ins) n->add_input(i);
  for (auto& o : outs) n->add_output(o);
  return n;
}

// local.LeakyAdd(X) = LeakyRelu(X, alpha=@alpha) + X, alpha defaulting to 0.25 (attribute_proto,
// a field newer than the onnx.proto onnx2cpp builds against).
void add_leaky_add(onnx::ModelProto& m) {
  auto* f = m.add_functions();
  f->set_name("LeakyAdd");
  f->set_domain("local");
  f->add_input("X");
  f->add_output("Y");
  auto* os = f->add_opset_import();
  os->set_domain("");
  os->set_version(18);
  auto* leaky = add_node(f->mutable_node(), "LeakyRelu", {"X"}, {"T"});
  auto* ref = leaky->add_attribute();
  ref->set_name("alpha");
  ref->set_type(onnx::AttributeProto::FLOAT);
  ref->set_ref_attr_name("alpha");
  add_node(f->mutable_node(), "Add", {"T", "X"}, {"Y"});
  onnx::AttributeProto def;
  def.set_name("alpha");
  def.set_type(onnx::AttributeProto::FLOAT);
  def.set_f(0.25f);
  f->GetReflection()->MutableUnknownFields(f)->AddLengthDelimited(11, def.SerializeAsString());
}

// local.Twice(X) = LeakyAdd(LeakyAdd(X, alpha=@a), alpha=@a): a call inside a function body.
void add_twice(onnx::ModelProto& m) {
  auto* f = m.add_functions();
  f->set_name("Twice");
  f->set_domain("local");
  f->add_input("X");
  f->add_output("Y");
  f->add_attribute("a");
  auto* os = f->add_opset_import();
  os->set_domain("local");
  os->set_version(1);
  for (auto [in, out] : {std::pair<const char*, const char*>{"X", "T"}, {"T", "Y"}}) {
    auto* call = add_node(f->mutable_node(), "LeakyAdd", {in}, {out}, "local");
    auto* ref = call->add_attribute();
    ref->set_name("alpha");
    ref->set_type(onnx::AttributeProto::FLOAT);
    ref->set_ref_attr_name("a");
  }
}

void add_local_opset(onnx::ModelProto& m) {
  auto* os = m.add_opset_import();
  os->set_domain("local");
  os->set_version(1);
}

float leaky_add(float x, float alpha) { return (x < 0 ? alpha * x : x) + x; }

}  // namespace

TEST_CASE("Calls of model-local functions are inlined, attributes from the call or the default", "[functions][build]") {
  ModelBuilder b(13);
  add_local_opset(b.m);
  add_leaky_add(b.m);
  add_twice(b.m);
  b.input("x", {4});
  b.node("LeakyAdd", {"x"}, {"y1"}).set_domain("local");  // alpha defaulted: 0.25
  auto& twice = b.node("Twice", {"x"}, {"y2"}, "twice");
  twice.set_domain("local");
  ModelBuilder::attr_f(twice, "a", 0.5f);
  b.output("y1").output("y2");
  TempDir d;
  const Compiled c = compile_file(b.save(d.path));
  CHECK(live_nodes(c, "LeakyRelu") == 3);
  const Tensor x = [] {
    Tensor t(DType::Float, {4});
    const float v[] = {-2.0f, -0.5f, 0.0f, 3.0f};
    std::copy(v, v + 4, t.data<float>());
    return t;
  }();
  Tensor y1(DType::Float, {4}), y2(DType::Float, {4});
  for (int i = 0; i < 4; ++i) {
    const float xi = x.data<float>()[i];
    y1.data<float>()[i] = leaky_add(xi, 0.25f);
    y2.data<float>()[i] = leaky_add(leaky_add(xi, 0.5f), 0.5f);
  }
  TestData data;
  data.inputs = {tensor_to_proto(x, "x")};
  data.outputs = {tensor_to_proto(y1, "y1"), tensor_to_proto(y2, "y2")};
  const auto r = build_and_compare(c, data, d.path, 1e-6, 1e-6);
  REQUIRE(r.size() == 2);
  for (const auto& cmp : r) {
    INFO(cmp.name << ": max abs error " << cmp.max_abs);
    CHECK(cmp.pass);
  }
}

TEST_CASE("A function that calls itself is refused, naming the call", "[functions]") {
  ModelBuilder b(13);
  add_local_opset(b.m);
  auto* f = b.m.add_functions();
  f->set_name("Loopy");
  f->set_domain("local");
  f->add_input("X");
  f->add_output("Y");
  add_node(f->mutable_node(), "Loopy", {"X"}, {"Y"}, "local");
  b.input("x", {2});
  b.node("Loopy", {"x"}, {"y"}, "outer").set_domain("local");
  b.output("y");
  TempDir d;
  REQUIRE_THROWS_WITH(compile_file(b.save(d.path)),
                      Catch::Contains("node \"outer\"") && Catch::Contains("nest deeper than"));
}

TEST_CASE("A call with more inputs than its function declares is refused", "[functions]") {
  ModelBuilder b(13);
  add_local_opset(b.m);
  add_leaky_add(b.m);
  b.input("x", {2});
  b.node("LeakyAdd", {"x", "x"}, {"y"}, "bad").set_domain("local");
  b.output("y");
  TempDir d;
  REQUIRE_THROWS_WITH(compile_file(b.save(d.path)), Catch::Contains("\"bad\"") && Catch::Contains("declares 1"));
}
