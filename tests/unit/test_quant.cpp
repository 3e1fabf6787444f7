// Quantization ops where the conformance tests do not reach: folding of constant weights
// (the eval functions), DynamicQuantizeLinear on an all-zero input, float16 held in its bits by
// the quantization ops (no Casts around them), and the refusals.
#include <catch2/catch.hpp>

#include "builder.hpp"
#include "onnx/model_io.hpp"
#include "runtime_min/onnx2cpp_numeric.h"

using namespace o2c;
using namespace o2c::test;

namespace {

void add_int8(onnx::ModelProto& m, const std::string& name, std::vector<int64_t> dims, std::vector<int32_t> v) {
  auto* t = m.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(3);  // int8
  for (int64_t d : dims) t->add_dims(d);
  for (int32_t x : v) t->add_int32_data(x);
}

}  // namespace

TEST_CASE("DequantizeLinear of constant per-axis weights folds to float constants", "[quant][build]") {
  ModelBuilder b(13);
  b.input("x", {2, 3});
  add_int8(b.m, "w", {2, 3}, {-128, -1, 0, 1, 5, 127});
  b.init_f("s", {3}, {0.5f, 0.25f, 2.0f});
  add_int8(b.m, "z", {3}, {0, -1, 3});
  auto& dq = b.node("DequantizeLinear", {"w", "s", "z"}, {"wf"});
  ModelBuilder::attr_i(dq, "axis", 1);
  b.node("Add", {"x", "wf"}, {"y"});
  b.output("y");
  TempDir d;
  const Compiled c = compile_file(b.save(d.path));
  CHECK(live_nodes(c, "DequantizeLinear") == 0);
  Tensor x(DType::Float, {2, 3}), want(DType::Float, {2, 3});
  const float w[] = {-128, -1, 0, 1, 5, 127}, s[] = {0.5f, 0.25f, 2.0f}, z[] = {0, -1, 3};
  for (int i = 0; i < 6; ++i) {
    x.data<float>()[i] = 0.5f * float(i);
    want.data<float>()[i] = x.data<float>()[i] + (w[i] - z[i % 3]) * s[i % 3];
  }
  check_one_output(c, d.path, x, "x", want, "y", 0, 0);
}

TEST_CASE("DynamicQuantizeLinear of an all-zero input gives scale 0, zero point 0 and zeros", "[quant][build]") {
  ModelBuilder b(13);
  b.input("x", {4});
  b.node("DynamicQuantizeLinear", {"x"}, {"y", "s", "z"});
  b.output("y").output("s").output("z");
  TempDir d;
  const Compiled c = compile_file(b.save(d.path));
  TestData data;
  data.inputs = {tensor_to_proto(Tensor(DType::Float, {4}), "x")};
  data.outputs = {tensor_to_proto(Tensor(DType::UInt8, {4}), "y"), tensor_to_proto(Tensor(DType::Float, {}), "s"),
                  tensor_to_proto(Tensor(DType::UInt8, {}), "z")};
  const auto r = build_and_compare(c, data, d.path);
  REQUIRE(r.size() == 3);
  for (const auto& cmp : r) {
    INFO(cmp.name);
    CHECK(cmp.pass);
  }
}

TEST_CASE("QuantizeLinear divides float16 in float16 and keeps its inputs in their bits", "[quant][build]") {
  ModelBuilder b(19);
  b.input("x", {3}, 10);  // float16
  auto* s = b.m.mutable_graph()->add_initializer();
  s->set_name("s");
  s->set_data_type(10);
  s->add_int32_data(onnx2cpp_f32_to_f16(0.1f));
  b.node("QuantizeLinear", {"x", "s"}, {"y"});
  b.output("y");
  TempDir d;
  const Compiled c = compile_file(b.save(d.path));
  CHECK(live_nodes(c, "Cast") == 0);
  // The reference: the quotient of the float16 values rounded to float16, then half to even.
  Tensor x(DType::Float16, {3}), want(DType::UInt8, {3});
  const float xs[] = {1.25f, 2.35f, -1.0f};
  const float hs = onnx2cpp_f16_to_f32(onnx2cpp_f32_to_f16(0.1f));
  for (int i = 0; i < 3; ++i) {
    x.data<uint16_t>()[i] = onnx2cpp_f32_to_f16(xs[i]);
    const float q = onnx2cpp_f16_to_f32(onnx2cpp_f32_to_f16(onnx2cpp_f16_to_f32(x.data<uint16_t>()[i]) / hs));
    want.data<uint8_t>()[i] = static_cast<uint8_t>(std::min(255.0f, std::max(0.0f, std::nearbyint(q))));
  }
  check_one_output(c, d.path, x, "x", want, "y", 0, 0);
}

TEST_CASE("Quantization refuses what it cannot do, naming it", "[quant]") {
  ModelBuilder b(21);
  b.input("x", {2, 4});
  b.init_f("s", {2, 3}, {1, 1, 1, 1, 1, 1});
  auto& q = b.node("QuantizeLinear", {"x", "s"}, {"y"}, "q");
  ModelBuilder::attr_i(q, "axis", 1);
  ModelBuilder::attr_i(q, "block_size", 3);  // blocks of 3 along 4: 2 blocks, but the scale has 3
  b.output("y");
  TempDir d;
  REQUIRE_THROWS_WITH(compile_file(b.save(d.path)), Catch::Contains("\"q\"") && Catch::Contains("blocks of 3"));
}
