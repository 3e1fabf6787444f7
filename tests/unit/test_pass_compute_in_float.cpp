// The compute-in-float pass: float16 values stay 16 bits where data only moves, and are
// computed in float (Cast to float before, back after) where an op computes on them.
#include <catch2/catch.hpp>

#include "builder.hpp"
#include "onnx/model_io.hpp"
#include "ops/registry.hpp"
#include "runtime_min/onnx2cpp_numeric.h"

using namespace o2c;
using namespace o2c::test;

TEST_CASE("compute-in-float widens the arithmetic on float16 and keeps data movement in 16 bits", "[compute-in-float][build]") {
  ModelBuilder b;
  b.input("a", {2, 3}, 10).input("c", {2, 3}, 10);  // float16
  b.node("Add", {"a", "c"}, {"s"});
  b.node("Transpose", {"s"}, {"t"});
  b.node("Sqrt", {"t"}, {"y"});
  b.output("y");
  TempDir d;
  const std::string path = b.save(d.path);
  Graph g = inferred_graph(path);
  run_pass(g, "compute-in-float", PassOptions{});
  int casts = 0;
  for (int id : g.order) {
    const Node& n = g.nodes[id];
    casts += n.op == "Cast";
    if (n.op == "Add" || n.op == "Sqrt") CHECK(g.values[n.outputs[0]].dtype == DType::Float);
    if (n.op == "Transpose") CHECK(g.values[n.outputs[0]].dtype == DType::Float16);  // moves bits
  }
  CHECK(casts == 5);  // a, c to float; the sum back; t to float; y back
  CHECK(value(g, "y").dtype == DType::Float16);

  // Built and run: every op's result rounded to float16, as the reference is.
  const Compiled c = compile_file(path);
  Tensor ta(DType::Float16, {2, 3}), tc(DType::Float16, {2, 3}), ty(DType::Float16, {3, 2});
  auto h = [](float x) { return onnx2cpp_f32_to_f16(x); };
  for (int i = 0; i < 6; ++i) {
    ta.data<uint16_t>()[i] = h(0.1f * float(i) + 0.3f);
    tc.data<uint16_t>()[i] = h(1.7f - 0.2f * float(i));
  }
  for (int r = 0; r < 2; ++r)
    for (int k = 0; k < 3; ++k) {
      const float s = onnx2cpp_f16_to_f32(h(onnx2cpp_f16_to_f32(ta.data<uint16_t>()[r * 3 + k]) +
                                            onnx2cpp_f16_to_f32(tc.data<uint16_t>()[r * 3 + k])));
      ty.data<uint16_t>()[k * 2 + r] = h(std::sqrt(s));
    }
  TestData data;
  data.inputs = {tensor_to_proto(ta, "a"), tensor_to_proto(tc, "c")};
  data.outputs = {tensor_to_proto(ty, "y")};
  const auto r = build_and_compare(c, data, d.path, 0, 0);
  REQUIRE(r.size() == 1);
  CHECK(r[0].pass);
}

TEST_CASE("compute-in-float: a type set that equals @all's still computes, only @any moves bits", "[compute-in-float]") {
  // ReduceMax's T (@num bool) and Where's T (@any) take the same types: ReduceMax compares its
  // values (widened), Where selects them (kept in 16 bits). Equal compares as floats (-0 == +0).
  ModelBuilder b;
  b.input("x", {2, 3}, 10).input("m", {2, 3}, 9);  // float16, bool
  ModelBuilder::attr_ints(b.node("ReduceMax", {"x"}, {"r"}), "axes", {0});
  b.node("Where", {"m", "x", "x"}, {"w"});
  b.node("Equal", {"w", "x"}, {"e"});
  b.output("r").output("e");
  TempDir d;
  Graph g = inferred_graph(b.save(d.path));
  run_pass(g, "compute-in-float", PassOptions{});
  for (int id : g.order) {
    const Node& n = g.nodes[id];
    if (n.op == "ReduceMax" || n.op == "Equal") CHECK(g.values[n.inputs[0]].dtype == DType::Float);
    if (n.op == "Where") CHECK(g.values[n.outputs[0]].dtype == DType::Float16);
  }
  CHECK(find_op("", "Where")->holds("T"));
  CHECK(!find_op("", "ReduceMax")->holds("T"));
  CHECK(!find_op("", "Equal")->holds("T"));
}
