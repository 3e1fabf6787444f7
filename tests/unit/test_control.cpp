// Control flow compiled to code: If (both branches, reading outer values), Loop (a run-time
// trip count and condition; unrolled when its body needs the iteration number), Scan
// (reversed, along another axis). Built and run against the same computed here.
#include <catch2/catch.hpp>

#include "builder.hpp"
#include "run_check.hpp"
#include "onnx/model_io.hpp"

using namespace o2c;
using namespace o2c::test;

namespace {

// y = If(cond) then_g else -x, for x of 3 floats.
void add_if(ModelBuilder& b, const onnx::GraphProto& then_g) {
  onnx::GraphProto else_g;
  else_g.set_name("else");
  add_node(else_g, "Neg", {"x"}, {"e"});
  value_info(else_g.mutable_output(), "e", 1, {3});
  auto& n = b.node("If", {"cond"}, {"y"});
  ModelBuilder::attr_graph(n, "then_branch", then_g);
  ModelBuilder::attr_graph(n, "else_branch", else_g);
  b.output("y");
}

}  // namespace

TEST_CASE("If runs the branch its condition picks: the branches read outer values", "[control][build]") {
  ModelBuilder b;
  b.input("cond", {}, 9).input("x", {3});
  onnx::GraphProto then_g;
  then_g.set_name("then");
  add_node(then_g, "Relu", {"x"}, {"t"});
  value_info(then_g.mutable_output(), "t", 1, {3});
  add_if(b, then_g);
  TempDir d;
  const Compiled c = compile_file(b.save(d.path));
  CHECK(c.files.source.find("if (in_cond[0]) {") != std::string::npos);
  for (bool cond : {true, false}) {
    INFO("cond " << cond);
    Tensor tc(DType::Bool, {});
    tc.data<uint8_t>()[0] = cond;
    const Tensor x = floats({3}, {-1.5f, 0.5f, 2.0f});
    const Tensor y = cond ? floats({3}, {0.0f, 0.5f, 2.0f}) : floats({3}, {1.5f, -0.5f, -2.0f});
    check_run(c, d.path, {tensor_to_proto(tc, "cond"), tensor_to_proto(x, "x")}, {tensor_to_proto(y, "y")});
  }
}

TEST_CASE("A branch that folds the outer constants it read no longer captures them", "[control][build]") {
  // then: y = x * (a + b); a + b folds, so the If reads x alone: a and b are neither kept alive
  // nor declared (an unused variable would not build with -Werror).
  ModelBuilder b;
  b.input("cond", {}, 9).input("x", {3});
  b.init_f("a", {3}, {1, 2, 3}).init_f("b", {3}, {0.5f, 0.5f, 0.5f});
  onnx::GraphProto then_g;
  then_g.set_name("then");
  add_node(then_g, "Add", {"a", "b"}, {"s"});
  add_node(then_g, "Mul", {"x", "s"}, {"t"});
  value_info(then_g.mutable_output(), "t", 1, {3});
  add_if(b, then_g);
  TempDir d;
  const Compiled c = compile_file(b.save(d.path));
  REQUIRE(live_nodes(c, "If") == 1);
  for (int id : c.graph.order)
    if (c.graph.nodes[id].op == "If") {
      const std::vector<int>& caps = c.graph.nodes[id].captures;
      REQUIRE(caps.size() == 1);
      CHECK(c.graph.values[caps[0]].name == "x");
    }
  CHECK(c.graph.values[c.graph.find("a")].readers.empty());
  for (bool cond : {true, false}) {
    INFO("cond " << cond);
    Tensor tc(DType::Bool, {});
    tc.data<uint8_t>()[0] = cond;
    const Tensor x = floats({3}, {-1.5f, 0.5f, 2.0f});
    const Tensor y = cond ? floats({3}, {-2.25f, 1.25f, 7.0f}) : floats({3}, {1.5f, -0.5f, -2.0f});
    check_run(c, d.path, {tensor_to_proto(tc, "cond"), tensor_to_proto(x, "x")}, {tensor_to_proto(y, "y")});
  }
}

TEST_CASE("Loop with a run-time trip count and condition carries its values through a C++ loop", "[control][build]") {
  // y = y0 + M * x, the body adding the outer x to the carried value; cond carried as is.
  ModelBuilder b(13);
  b.input("M", {}, 7).input("cond", {}, 9).input("y0", {2}).input("x", {2});
  onnx::GraphProto body;
  body.set_name("body");
  value_info(body.mutable_input(), "i", 7, {});
  value_info(body.mutable_input(), "c_in", 9, {});
  value_info(body.mutable_input(), "y_in", 1, {2});
  add_node(body, "Identity", {"c_in"}, {"c_out"});
  add_node(body, "Add", {"y_in", "x"}, {"y_out"});
  value_info(body.mutable_output(), "c_out", 9, {});
  value_info(body.mutable_output(), "y_out", 1, {2});
  ModelBuilder::attr_graph(b.node("Loop", {"M", "cond", "y0"}, {"y"}), "body", body);
  b.output("y");
  TempDir d;
  const Compiled c = compile_file(b.save(d.path));
  CHECK(live_nodes(c, "Loop") == 1);
  CHECK(c.files.source.find("for (int64_t o2c_i0 = 0; o2c_i0 < in_M[0] && o2c_cond0; ++o2c_i0) {") != std::string::npos);
  for (int64_t m : {0, 3}) {
    INFO("M " << m);
    Tensor tm(DType::Int64, {}), tc(DType::Bool, {});
    tm.data<int64_t>()[0] = m;
    tc.data<uint8_t>()[0] = 1;
    const Tensor y0 = floats({2}, {1.0f, -2.0f}), x = floats({2}, {0.25f, 0.5f});
    const Tensor y = floats({2}, {1.0f + 0.25f * float(m), -2.0f + 0.5f * float(m)});
    check_run(c, d.path,
              {tensor_to_proto(tm, "M"), tensor_to_proto(tc, "cond"), tensor_to_proto(y0, "y0"), tensor_to_proto(x, "x")},
              {tensor_to_proto(y, "y")});
  }
}

TEST_CASE("A Loop whose body slices at its iteration number is unrolled", "[control][build]") {
  // Three iterations; each adds table[i] to the carried value and emits it.
  ModelBuilder b(13);
  b.input("y0", {1});
  b.init_i("M", {}, {3});
  b.init_f("table", {3}, {1.0f, 10.0f, 100.0f});
  onnx::GraphProto body;
  body.set_name("body");
  value_info(body.mutable_input(), "i", 7, {});
  value_info(body.mutable_input(), "c_in", 9, {});
  value_info(body.mutable_input(), "y_in", 1, {1});
  add_node(body, "Identity", {"c_in"}, {"c_out"});
  auto* one = add_node(body, "Constant", {}, {"one"});
  auto* av = one->add_attribute();
  av->set_name("value");
  av->set_type(onnx::AttributeProto::TENSOR);
  *av->mutable_t() = tensor_to_proto([] {
    Tensor t(DType::Int64, {1});
    t.data<int64_t>()[0] = 1;
    return t;
  }(), "one");
  add_node(body, "Unsqueeze", {"i", "zero_axes"}, {"start"});
  add_node(body, "Add", {"start", "one"}, {"end"});
  add_node(body, "Slice", {"table", "start", "end"}, {"slice"});
  add_node(body, "Add", {"y_in", "slice"}, {"y_out"});
  add_node(body, "Identity", {"y_out"}, {"scan"});
  value_info(body.mutable_output(), "c_out", 9, {});
  value_info(body.mutable_output(), "y_out", 1, {1});
  value_info(body.mutable_output(), "scan", 1, {1});
  b.init_i("zero_axes", {1}, {0});
  ModelBuilder::attr_graph(b.node("Loop", {"M", "", "y0"}, {"y", "steps"}), "body", body);
  b.output("y").output("steps");
  TempDir d;
  const std::string path = b.save(d.path);
  const Compiled c = compile_file(path);
  CHECK(live_nodes(c, "Loop") == 0);
  const Graph g = inferred_graph(path);  // unrolled as soon as it is inferred
  CHECK(std::count_if(g.order.begin(), g.order.end(), [&](int id) { return g.nodes[id].op == "Loop"; }) == 0);
  CHECK(std::count_if(g.order.begin(), g.order.end(), [&](int id) { return g.nodes[id].op == "Slice"; }) == 0);  // folded
  check_run(c, d.path, {tensor_to_proto(floats({1}, {0.5f}), "y0")},
            {tensor_to_proto(floats({1}, {111.5f}), "y"), tensor_to_proto(floats({3, 1}, {1.5f, 11.5f, 111.5f}), "steps")});
}

TEST_CASE("Scan runs its body over slices along an axis, reversed, stacking its outputs", "[control][build]") {
  // x [2, 3] scanned along axis 1 from the end: sum += x[:, j], each partial sum emitted.
  ModelBuilder b(11);
  b.input("s0", {2}).input("x", {2, 3});
  onnx::GraphProto body;
  body.set_name("body");
  value_info(body.mutable_input(), "sum_in", 1, {2});
  value_info(body.mutable_input(), "col", 1, {2});
  add_node(body, "Add", {"sum_in", "col"}, {"sum_out"});
  add_node(body, "Identity", {"sum_out"}, {"partial"});
  value_info(body.mutable_output(), "sum_out", 1, {2});
  value_info(body.mutable_output(), "partial", 1, {2});
  auto& n = b.node("Scan", {"s0", "x"}, {"sum", "partials"});
  ModelBuilder::attr_graph(n, "body", body);
  ModelBuilder::attr_i(n, "num_scan_inputs", 1);
  ModelBuilder::attr_ints(n, "scan_input_axes", {1});
  ModelBuilder::attr_ints(n, "scan_input_directions", {1});
  b.output("sum").output("partials");
  TempDir d;
  const Compiled c = compile_file(b.save(d.path));
  const Tensor s0 = floats({2}, {0.0f, 100.0f}), x = floats({2, 3}, {1, 2, 3, 4, 5, 6});
  // From the last column: [3, 6], then + [2, 5], then + [1, 4].
  check_run(c, d.path, {tensor_to_proto(s0, "s0"), tensor_to_proto(x, "x")},
            {tensor_to_proto(floats({2}, {6.0f, 115.0f}), "sum"),
             tensor_to_proto(floats({3, 2}, {3.0f, 106.0f, 5.0f, 111.0f, 6.0f, 115.0f}), "partials")});
}

TEST_CASE("A Loop its condition stops early emits as many scan slices as iterations ran", "[control][build]") {
  // Up to M = 6 iterations: y doubles, the body stops when y reaches the outer `limit`; every
  // y is emitted. The scan output's first dim is a run-time dim (at most 6) the loop sets.
  ModelBuilder b(13);
  b.input("y0", {1}).input("limit", {1});
  b.init_i("M", {}, {6});
  onnx::GraphProto body;
  body.set_name("body");
  value_info(body.mutable_input(), "i", 7, {});
  value_info(body.mutable_input(), "c_in", 9, {});
  value_info(body.mutable_input(), "y_in", 1, {1});
  add_node(body, "Add", {"y_in", "y_in"}, {"y_out"});
  add_node(body, "Less", {"y_out", "limit"}, {"below"});
  add_node(body, "Squeeze", {"below"}, {"c_out"});
  add_node(body, "Identity", {"y_out"}, {"scan"});
  value_info(body.mutable_output(), "c_out", 9, {});
  value_info(body.mutable_output(), "y_out", 1, {1});
  value_info(body.mutable_output(), "scan", 1, {1});
  ModelBuilder::attr_graph(b.node("Loop", {"M", "", "y0"}, {"y", "steps"}), "body", body);
  b.output("y").output("steps");
  TempDir d;
  const Compiled c = compile_file(b.save(d.path));
  CHECK(live_nodes(c, "Loop") == 1);
  const Value& steps = c.graph.values[c.graph.outputs[1]];
  REQUIRE(steps.dynamic());
  CHECK(steps.shape == Shape{6, 1});  // planned for M iterations
  CHECK(c.graph.dims->range(steps.dims[0]) == DimRange{0, 6});
  // Stopped after 4 iterations (16 >= 10), and running all 6 (64 < 1000).
  check_run(c, d.path, {tensor_to_proto(floats({1}, {1.0f}), "y0"), tensor_to_proto(floats({1}, {10.0f}), "limit")},
            {tensor_to_proto(floats({1}, {16.0f}), "y"), tensor_to_proto(floats({4, 1}, {2, 4, 8, 16}), "steps")});
  check_run(c, d.path, {tensor_to_proto(floats({1}, {1.0f}), "y0"), tensor_to_proto(floats({1}, {1000.0f}), "limit")},
            {tensor_to_proto(floats({1}, {64.0f}), "y"), tensor_to_proto(floats({6, 1}, {2, 4, 8, 16, 32, 64}), "steps")});
}

TEST_CASE("A --max bound names a tensor inside a branch", "[control][shapedata]") {
  // then: t = Expand(x, s) with s read at run time; its bound is given by the body tensor's name.
  ModelBuilder b;
  b.input("cond", {}, 9).input("x", {3}).input("s", {1}, 7);
  onnx::GraphProto then_g;
  then_g.set_name("then");
  add_node(then_g, "Expand", {"x", "s"}, {"t"});
  value_info(then_g.mutable_output(), "t", 1, {3});
  add_if(b, then_g);
  CHECK_THAT(error_of(b), Catch::Contains("--max t=N"));
  ShapeBindings bind;
  bind.max["t"] = 3;
  CHECK_NOTHROW(compile_file(b.save(TempDir().path), bind));
  bind.max["nowhere"] = 3;
  CHECK_THAT(error_of(b, bind), Catch::Contains("--max names \"nowhere\""));
}

TEST_CASE("A Loop's scan output that is its carried input is emitted before the update, --max bounds the trips",
          "[control][build][shapedata]") {
  // Range as its function expands it: M = ceil(n) run-time iterations, each emitting the
  // carried value before adding delta (scan = Identity(prev)). Its bound comes from --max on
  // the scan output.
  ModelBuilder b(13);
  b.input("M", {}, 7).input("start", {}).input("delta", {});
  onnx::GraphProto body;
  body.set_name("body");
  value_info(body.mutable_input(), "i", 7, {});
  value_info(body.mutable_input(), "c_in", 9, {});
  value_info(body.mutable_input(), "prev", 1, {});
  add_node(body, "Identity", {"c_in"}, {"c_out"});
  add_node(body, "Add", {"prev", "delta"}, {"next"});
  add_node(body, "Identity", {"prev"}, {"emitted"});
  value_info(body.mutable_output(), "c_out", 9, {});
  value_info(body.mutable_output(), "next", 1, {});
  value_info(body.mutable_output(), "emitted", 1, {});
  ModelBuilder::attr_graph(b.node("Loop", {"M", "", "start"}, {"last", "y"}), "body", body);
  b.output("last");
  CHECK_THAT(error_of(b), Catch::Contains("--max y=N"));  // error_of adds output y
  ShapeBindings bind;
  bind.max["y"] = 8;
  TempDir d;
  const Compiled c = compile_file(b.save(d.path), bind);
  CHECK(c.graph.dims->range(c.graph.values[c.graph.outputs[1]].dims[0]) == DimRange{0, 8});
  auto scalar = [](float v) { return floats({}, {v}); };
  Tensor m(DType::Int64, {});
  m.data<int64_t>()[0] = 3;
  check_run(c, d.path, {tensor_to_proto(m, "M"), tensor_to_proto(scalar(1), "start"), tensor_to_proto(scalar(2), "delta")},
            {tensor_to_proto(scalar(7), "last"), tensor_to_proto(floats({3}, {1, 3, 5}), "y")});
}

TEST_CASE("Scan emits a state's old value (a view of its input) before the state is updated", "[control][build]") {
  ModelBuilder b(11);
  b.input("s0", {2}).input("x", {3, 2});
  onnx::GraphProto body;
  body.set_name("body");
  value_info(body.mutable_input(), "sum_in", 1, {2});
  value_info(body.mutable_input(), "row", 1, {2});
  add_node(body, "Add", {"sum_in", "row"}, {"sum_out"});
  add_node(body, "Identity", {"sum_in"}, {"before"});
  value_info(body.mutable_output(), "sum_out", 1, {2});
  value_info(body.mutable_output(), "before", 1, {2});
  auto& n = b.node("Scan", {"s0", "x"}, {"sum", "befores"});
  ModelBuilder::attr_graph(n, "body", body);
  ModelBuilder::attr_i(n, "num_scan_inputs", 1);
  b.output("sum").output("befores");
  TempDir d;
  const Compiled c = compile_file(b.save(d.path));
  check_run(c, d.path, {tensor_to_proto(floats({2}, {0, 10}), "s0"), tensor_to_proto(floats({3, 2}, {1, 2, 3, 4, 5, 6}), "x")},
            {tensor_to_proto(floats({2}, {9, 22}), "sum"),
             tensor_to_proto(floats({3, 2}, {0, 10, 1, 12, 4, 16}), "befores")});
}

TEST_CASE("Loop-carried values that exchange places through views are refused, not miscompiled", "[control]") {
  ModelBuilder b(13);
  b.input("M", {}, 7).input("a0", {2}).input("b0", {2});
  onnx::GraphProto body;
  body.set_name("body");
  value_info(body.mutable_input(), "i", 7, {});
  value_info(body.mutable_input(), "c_in", 9, {});
  value_info(body.mutable_input(), "a_in", 1, {2});
  value_info(body.mutable_input(), "b_in", 1, {2});
  add_node(body, "Identity", {"c_in"}, {"c_out"});
  add_node(body, "Identity", {"b_in"}, {"a_out"});
  add_node(body, "Identity", {"a_in"}, {"b_out"});
  value_info(body.mutable_output(), "c_out", 9, {});
  value_info(body.mutable_output(), "a_out", 1, {2});
  value_info(body.mutable_output(), "b_out", 1, {2});
  ModelBuilder::attr_graph(b.node("Loop", {"M", "", "a0", "b0"}, {"a", "y"}), "body", body);
  b.output("a");
  CHECK_THAT(error_of(b), Catch::Contains("exchange the loop-carried values"));
}
