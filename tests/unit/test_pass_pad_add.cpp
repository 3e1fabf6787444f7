// The pad-add pass: Add(A, Pad(G)) of zeros becomes PadAdd(A, G), accumulated in A's storage
// when A has no other reader (the sum of a sliced tensor's gradients, one slice per step).
#include <catch2/catch.hpp>

#include "builder.hpp"
#include "onnx/model_io.hpp"
#include "run_check.hpp"

using namespace o2c;
using namespace o2c::test;

namespace {

int count_ops(const Graph& g, const std::string& op) {
  int k = 0;
  for (int i : g.live_nodes()) k += g.nodes[i].op == op;
  return k;
}

}  // namespace

TEST_CASE("Zero-padded tensors added up become PadAdds into one buffer, with the right sums", "[pad-add][build]") {
  // s = a + Pad(x0 at row 0) + Pad(x1 at rows 1..2, column 1) + Pad(x2 at row 3): the pads
  // (rank 2, [4, 3]) make no zeros, and the running sum lives in one buffer.
  ModelBuilder b;
  b.input("a", {4, 3}).input("x0", {1, 3}).input("x1", {2, 2}).input("x2", {1, 3});
  b.init_i("p0", {4}, {0, 0, 3, 0}).init_i("p1", {4}, {1, 1, 1, 0}).init_i("p2", {4}, {3, 0, 0, 0});
  b.node("Relu", {"a"}, {"ra"});
  b.node("Pad", {"x0", "p0"}, {"g0"});
  b.node("Pad", {"x1", "p1"}, {"g1"});
  b.node("Pad", {"x2", "p2"}, {"g2"});
  b.node("Add", {"ra", "g0"}, {"s0"});
  b.node("Add", {"g1", "s0"}, {"s1"});  // the padded operand first
  b.node("Add", {"s1", "g2"}, {"s2"});
  b.node("Neg", {"s2"}, {"y"});
  b.output("y");
  TempDir d;
  Compiled c = compile_file(b.save(d.path));
  CHECK(count_ops(c.graph, "Pad") == 0);
  CHECK(count_ops(c.graph, "PadAdd") == 3);
  const int ra = static_cast<int>(&value(c.graph, "ra") - c.graph.values.data());
  CHECK(value(c.graph, "s0").alias_of == ra);
  CHECK(value(c.graph, "s2").alias_of == ra);
  CHECK(c.plan.arena_bytes == 64);  // ra's 12 floats hold the whole chain
  std::vector<float> a(12), want(12);
  for (int i = 0; i < 12; ++i) a[i] = float(i % 5) - 1.5f;
  const std::vector<float> x0 = {1, 2, 3}, x1 = {10, 20, 30, 40}, x2 = {-1, -2, -3};
  for (int i = 0; i < 12; ++i) want[i] = std::max(0.0f, a[i]);
  for (int j = 0; j < 3; ++j) want[j] += x0[j];
  for (int r = 0; r < 2; ++r)
    for (int j = 0; j < 2; ++j) want[(1 + r) * 3 + 1 + j] += x1[r * 2 + j];
  for (int j = 0; j < 3; ++j) want[9 + j] += x2[j];
  for (float& w : want) w = -w;
  check_run(c, d.path,
            {tensor_to_proto(floats({4, 3}, a), "a"), tensor_to_proto(floats({1, 3}, x0), "x0"),
             tensor_to_proto(floats({2, 2}, x1), "x1"), tensor_to_proto(floats({1, 3}, x2), "x2")},
            {tensor_to_proto(floats({4, 3}, want), "y")});
}

TEST_CASE("PadAdd keeps its own buffer when the sum's other operand is read elsewhere, other pads stay", "[pad-add]") {
  ModelBuilder b;
  b.input("a", {2, 3}).input("x", {1, 3}).input("v", {1, 2});
  b.init_i("p", {4}, {1, 0, 0, 0}).init_i("q", {4}, {0, 0, 1, 1}).init_f("one", {}, {1.0f});
  b.node("Relu", {"a"}, {"ra"});
  b.node("Pad", {"x", "p"}, {"g"});
  b.node("Add", {"ra", "g"}, {"s"});   // ra is read again below: no aliasing
  b.node("Mul", {"ra", "s"}, {"y"});
  b.node("Pad", {"v", "q", "one"}, {"h"});  // pads with ones: an Add of it stays
  b.node("Add", {"h", "ra"}, {"z"});
  b.output("y").output("z");
  TempDir d;
  Compiled c = compile_file(b.save(d.path));
  CHECK(count_ops(c.graph, "PadAdd") == 1);
  CHECK(count_ops(c.graph, "Pad") == 1);
  CHECK(value(c.graph, "s").alias_of == -1);
}
