// The concat-in-place pass: producers write their results straight into a Concat's output
// (Value::alias_of), and the Concat runs no code.
#include <catch2/catch.hpp>

#include <cmath>

#include "builder.hpp"
#include "onnx/model_io.hpp"

using namespace o2c;
using namespace o2c::test;

TEST_CASE("Concat inputs are written in place by their producers, and the result is right", "[concat-in-place][build]") {
  ModelBuilder b;
  b.input("a", {1, 2, 3}).input("c", {1, 3, 3});
  b.node("Relu", {"a"}, {"ra"});
  b.node("Neg", {"c"}, {"nc"});
  auto& cat = b.node("Concat", {"ra", "nc"}, {"cat"});
  ModelBuilder::attr_i(cat, "axis", 1);
  b.node("Abs", {"cat"}, {"y"});
  b.output("y");
  TempDir d;
  Compiled c = compile_file(b.save(d.path));
  const Node& n = c.graph.nodes[static_cast<size_t>(value(c.graph, "cat").producer)];
  CHECK(n.in_place);
  CHECK(value(c.graph, "nc").alias_offset == 2 * 3 * 4);
  // One arena buffer for cat (15 floats, 64-byte aligned); ra and nc live inside it.
  CHECK(c.plan.arena_bytes == 64);
  CHECK(c.files.source.find("written in place") != std::string::npos);
  TestData data;
  Tensor ta(DType::Float, {1, 2, 3}), tc(DType::Float, {1, 3, 3}), ty(DType::Float, {1, 5, 3});
  for (int i = 0; i < 6; ++i) ta.data<float>()[i] = float(i) - 3.0f;
  for (int i = 0; i < 9; ++i) tc.data<float>()[i] = float(i) * 0.5f - 1.0f;
  for (int i = 0; i < 6; ++i) ty.data<float>()[i] = std::max(0.0f, ta.data<float>()[i]);
  for (int i = 0; i < 9; ++i) ty.data<float>()[6 + i] = std::fabs(tc.data<float>()[i]);
  data.inputs = {tensor_to_proto(ta, "a"), tensor_to_proto(tc, "c")};
  data.outputs = {tensor_to_proto(ty, "y")};
  auto res = build_and_compare(c, data, d.path, 0, 0);
  REQUIRE(res.size() == 1);
  CHECK(res[0].pass);
}

TEST_CASE("Concat is not done in place when an input is read elsewhere or along a later axis", "[concat-in-place]") {
  ModelBuilder b;
  b.input("a", {2, 3}).input("c", {2, 3});
  b.node("Relu", {"a"}, {"ra"});
  b.node("Neg", {"c"}, {"nc"});
  auto& cat = b.node("Concat", {"ra", "nc"}, {"cat"});  // axis 1 with 2 rows: interleaved
  ModelBuilder::attr_i(cat, "axis", 1);
  auto& cat0 = b.node("Concat", {"ra", "nc"}, {"cat0"});  // ra, nc read twice
  ModelBuilder::attr_i(cat0, "axis", 0);
  b.output("cat").output("cat0");
  TempDir d;
  Compiled c = compile_file(b.save(d.path));
  for (int i : c.graph.live_nodes()) CHECK_FALSE(c.graph.nodes[i].in_place);
}

