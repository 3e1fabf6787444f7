// Loops that torch.jit.script exports for `for i in range(n)` with a `break`: their iteration
// bound read from the condition (a counter compared with a constant, the trip count M being
// INT64_MAX), and the values they grow by appending (passes/loop_appends.cpp) compiled as
// scan outputs joined after the loop. Built and run against values computed here.
#include <catch2/catch.hpp>

#include <cstdint>

#include "builder.hpp"
#include "run_check.hpp"
#include "onnx/model_io.hpp"

using namespace o2c;
using namespace o2c::test;

namespace {

// The body's start: y [2, 1] doubles; the loop goes on while max(y) < the outer `limit`.
// `grown` is the carried value appended to (a tensor or a sequence), by `append`.
void doubling_body(onnx::GraphProto& body, bool sequence) {
  body.set_name("body");
  value_info(body.mutable_input(), "i", 7, {});
  value_info(body.mutable_input(), "c_in", 9, {});
  value_info(body.mutable_input(), "y_in", 1, {2, 1});
  value_info(body.mutable_input(), "grown_in", 1, sequence ? std::vector<int64_t>{2, 1} : std::vector<int64_t>{2, 0}, sequence);
  add_node(body, "Add", {"y_in", "y_in"}, {"y_out"});
  auto* mx = add_node(body, "ReduceMax", {"y_out"}, {"top"});
  auto* kd = mx->add_attribute();
  kd->set_name("keepdims");
  kd->set_type(onnx::AttributeProto::INT);
  kd->set_i(0);
  add_node(body, "Less", {"top", "limit"}, {"c_out"});
  value_info(body.mutable_output(), "c_out", 9, {});
  value_info(body.mutable_output(), "y_out", 1, {2, 1});
}

const Node* live_op(const Graph& g, const std::string& op) {
  for (int id : g.order)
    if (g.nodes[id].op == op) return &g.nodes[id];
  return nullptr;
}

}  // namespace

TEST_CASE("A Loop whose condition compares a counter with a constant is bounded by it", "[control][build]") {
  // M = INT64_MAX (as torch.onnx exports `for i in range(4)` with a break); the body carries a
  // counter from 0, goes on while counter + 1 < 4 and y stays below `limit`; y is emitted.
  ModelBuilder b(13);
  b.input("y0", {1}).input("limit", {});
  b.init_i("M", {}, {INT64_MAX});
  b.init_i("zero", {}, {0});
  onnx::GraphProto body;
  body.set_name("body");
  value_info(body.mutable_input(), "i", 7, {});
  value_info(body.mutable_input(), "c_in", 9, {});
  value_info(body.mutable_input(), "y_in", 1, {1});
  value_info(body.mutable_input(), "n_in", 7, {});
  add_node(body, "Add", {"y_in", "y_in"}, {"y_out"});
  add_node(body, "Add", {"n_in", "one"}, {"n_out"});
  add_node(body, "Less", {"n_out", "four"}, {"more"});
  add_node(body, "Squeeze", {"y_out"}, {"y_s"});
  add_node(body, "Less", {"y_s", "limit"}, {"below"});
  add_node(body, "And", {"more", "below"}, {"c_out"});
  add_node(body, "Identity", {"y_out"}, {"scan"});
  b.init_i("one", {}, {1});
  b.init_i("four", {}, {4});
  value_info(body.mutable_output(), "c_out", 9, {});
  value_info(body.mutable_output(), "y_out", 1, {1});
  value_info(body.mutable_output(), "n_out", 7, {});
  value_info(body.mutable_output(), "scan", 1, {1});
  ModelBuilder::attr_graph(b.node("Loop", {"M", "", "y0", "zero"}, {"y", "n", "steps"}), "body", body);
  b.output("y").output("steps");
  TempDir d;
  const Compiled c = compile_file(b.save(d.path));
  const Value& steps = c.graph.values[c.graph.outputs[1]];
  REQUIRE(steps.dynamic());
  CHECK(steps.shape == Shape{4, 1});  // the condition's bound, not M's
  // The bound is the analysis', not M's: the loop checks it rather than write past the slices.
  CHECK(c.files.source.find("if (o2c_i0 >= 4) return ONNX2CPP_ERR_DATA_SHAPE;") != std::string::npos);
  const Tensor y0 = floats({1}, {1.0f});
  check_run(c, d.path, {tensor_to_proto(y0, "y0"), tensor_to_proto(floats({}, {1000.0f}), "limit")},
            {tensor_to_proto(floats({1}, {16.0f}), "y"), tensor_to_proto(floats({4, 1}, {2, 4, 8, 16}), "steps")});
  check_run(c, d.path, {tensor_to_proto(y0, "y0"), tensor_to_proto(floats({}, {3.0f}), "limit")},
            {tensor_to_proto(floats({1}, {4.0f}), "y"), tensor_to_proto(floats({2, 1}, {2, 4}), "steps")});
}

TEST_CASE("A tensor a Loop concatenates to becomes a scan output joined after the loop", "[control][build]") {
  // grown starts as t0 [2, 1] and gets y_out appended along axis 1 at every iteration (up to 5).
  ModelBuilder b(13);
  b.input("y0", {2, 1}).input("t0", {2, 1}).input("limit", {});
  b.init_i("M", {}, {5});
  onnx::GraphProto body;
  doubling_body(body, false);
  auto* cat = add_node(body, "Concat", {"grown_in", "y_out"}, {"grown_out"});
  auto* ax = cat->add_attribute();
  ax->set_name("axis");
  ax->set_type(onnx::AttributeProto::INT);
  ax->set_i(-1);
  value_info(body.mutable_output(), "grown_out", 1, {2, 0});
  ModelBuilder::attr_graph(b.node("Loop", {"M", "", "y0", "t0"}, {"y", "grown"}), "body", body);
  b.output("grown");
  TempDir d;
  const Compiled c = compile_file(b.save(d.path));
  const Node* loop = live_op(c.graph, "Loop");
  REQUIRE(loop);
  CHECK(loop->inputs.size() == 3);  // M, cond, y0: grown is no longer carried
  const Value& grown = c.graph.values[c.graph.outputs[0]];
  REQUIRE(grown.dynamic());
  CHECK(grown.shape == Shape{2, 6});
  const Tensor y0 = floats({2, 1}, {1, 2}), t0 = floats({2, 1}, {0, 1});
  // Three iterations (max 16 >= 10 stops it), then all five.
  check_run(c, d.path, {tensor_to_proto(y0, "y0"), tensor_to_proto(t0, "t0"), tensor_to_proto(floats({}, {10.0f}), "limit")},
            {tensor_to_proto(floats({2, 4}, {0, 2, 4, 8, 1, 4, 8, 16}), "grown")});
  check_run(c, d.path, {tensor_to_proto(y0, "y0"), tensor_to_proto(t0, "t0"), tensor_to_proto(floats({}, {1e6f}), "limit")},
            {tensor_to_proto(floats({2, 6}, {0, 2, 4, 8, 16, 32, 1, 4, 8, 16, 32, 64}), "grown")});
}

TEST_CASE("A sequence a Loop appends to becomes a scan output that ConcatFromSequence joins", "[control][sequence][build]") {
  // From SequenceEmpty, y_out inserted at every iteration; after the loop stacked along axis 1
  // ([2, n, 1]) and concatenated along axis 0 ([2n, 1]).
  ModelBuilder b(13);
  b.input("y0", {2, 1}).input("limit", {});
  b.init_i("M", {}, {5});
  b.node("SequenceEmpty", {}, {"empty"});
  onnx::GraphProto body;
  doubling_body(body, true);
  add_node(body, "SequenceInsert", {"grown_in", "y_out"}, {"grown_out"});
  value_info(body.mutable_output(), "grown_out", 1, {2, 1}, true);
  ModelBuilder::attr_graph(b.node("Loop", {"M", "", "y0", "empty"}, {"y", "seq"}), "body", body);
  auto& st = b.node("ConcatFromSequence", {"seq"}, {"stacked"});
  ModelBuilder::attr_i(st, "axis", 1);
  ModelBuilder::attr_i(st, "new_axis", 1);
  auto& ct = b.node("ConcatFromSequence", {"seq"}, {"joined"});
  ModelBuilder::attr_i(ct, "axis", 0);
  b.output("stacked").output("joined");
  TempDir d;
  const Compiled c = compile_file(b.save(d.path));
  REQUIRE(live_op(c.graph, "Loop"));
  for (int id : c.graph.order) CHECK(c.graph.nodes[id].op.rfind("Sequence", 0) != 0);
  CHECK(c.graph.values[c.graph.outputs[0]].shape == Shape{2, 5, 1});
  CHECK(c.graph.values[c.graph.outputs[1]].shape == Shape{10, 1});
  const Tensor y0 = floats({2, 1}, {1, 2});
  // Two iterations: [2, 4], then [4, 8] (8 >= 5 stops it).
  check_run(c, d.path, {tensor_to_proto(y0, "y0"), tensor_to_proto(floats({}, {5.0f}), "limit")},
            {tensor_to_proto(floats({2, 2, 1}, {2, 4, 4, 8}), "stacked"), tensor_to_proto(floats({4, 1}, {2, 4, 4, 8}), "joined")});
}

TEST_CASE("A Loop stopped by a condition that gives no bound refuses its scan outputs, naming M", "[control]") {
  // M = INT64_MAX and a condition on the data alone: the scan outputs would need M slices.
  ModelBuilder b(13);
  b.input("y0", {2, 1}).input("limit", {});
  b.init_i("M", {}, {INT64_MAX});
  onnx::GraphProto body;
  doubling_body(body, false);
  body.mutable_input()->RemoveLast();  // no grown value: y_out is emitted instead
  add_node(body, "Identity", {"y_out"}, {"scan"});
  value_info(body.mutable_output(), "scan", 1, {2, 1});
  ModelBuilder::attr_graph(b.node("Loop", {"M", "", "y0"}, {"y", "steps"}), "body", body);
  b.output("steps");
  TempDir d;
  const std::string path = b.save(d.path);
  std::string msg;
  try {
    compile_file(path);
  } catch (const UnsupportedError& e) {
    msg = e.what();
  }
  CHECK_THAT(msg, Catch::Contains("would be planned for 9223372036854775807 iterations (the trip count M): the condition "
                                  "gives no smaller bound"));
}
