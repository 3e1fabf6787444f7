// Sequences and optionals (ops/sequence.cpp): desugared into their elements at compile time.
// Sequence inputs and outputs are their elements NAME[0], NAME[1], ... in the generated API;
// built and run against values computed here. Refusals name the node and the tensor.
#include <catch2/catch.hpp>

#include "builder.hpp"
#include "run_check.hpp"
#include "onnx/model_io.hpp"

using namespace o2c;
using namespace o2c::test;

namespace {

// A graph input that is a sequence (or, with `optional`, an optional) of float tensors.
void composite_input(ModelBuilder& b, const std::string& name, std::vector<int64_t> dims, bool optional = false) {
  auto* vi = b.m.mutable_graph()->add_input();
  vi->set_name(name);
  onnx::TypeProto* elem = optional ? vi->mutable_type()->mutable_optional_type()->mutable_elem_type()
                                   : vi->mutable_type()->mutable_sequence_type()->mutable_elem_type();
  auto* tt = elem->mutable_tensor_type();
  tt->set_elem_type(1);
  for (int64_t d : dims) tt->mutable_shape()->add_dim()->set_dim_value(d);
}

std::vector<std::string> input_names(const Graph& g) {
  std::vector<std::string> r;
  for (int v : g.inputs) r.push_back(g.values[v].name);
  return r;
}
std::vector<std::string> output_names(const Graph& g) {
  std::vector<std::string> r;
  for (int v : g.outputs) r.push_back(g.values[v].name);
  return r;
}

}  // namespace

TEST_CASE("SplitToSequence, SequenceAt, SequenceInsert and ConcatFromSequence become tensor ops", "[sequence][build]") {
  ModelBuilder b(12);
  b.input("x", {4, 2});
  b.init_i("at", {}, {-1});
  b.init_i("front", {}, {0});
  b.node("SplitToSequence", {"x"}, {"rows"});  // 4 rows of [2] (keepdims 0)
  ModelBuilder::attr_i(b.m.mutable_graph()->mutable_node(0)[0], "keepdims", 0);
  b.node("SequenceAt", {"rows", "at"}, {"last"});
  b.node("SequenceInsert", {"rows", "last", "front"}, {"rotated"});
  auto& cat = b.node("ConcatFromSequence", {"rotated"}, {"stacked"});
  ModelBuilder::attr_i(cat, "axis", 0);
  ModelBuilder::attr_i(cat, "new_axis", 1);
  b.node("SequenceLength", {"rotated"}, {"len"});
  b.output("last").output("stacked").output("len");
  TempDir d;
  const Compiled c = compile_file(b.save(d.path));
  for (int id : c.graph.order) CHECK(c.graph.nodes[id].op.rfind("Sequence", 0) != 0);
  const Value& len = value(c.graph, "len");
  REQUIRE(len.constant);
  CHECK(len.constant->int_at(0) == 5);
  const Tensor x = floats({4, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  Tensor want_len(DType::Int64, {});
  want_len.data<int64_t>()[0] = 5;
  check_run(c, d.path, {tensor_to_proto(x, "x")},
            {tensor_to_proto(floats({2}, {7, 8}), "last"),
             tensor_to_proto(floats({5, 2}, {7, 8, 1, 2, 3, 4, 5, 6, 7, 8}), "stacked"), tensor_to_proto(want_len, "len")});
}

TEST_CASE("A sequence input is its elements, a sequence output too: NAME[0], NAME[1], ...", "[sequence][build]") {
  ModelBuilder b(12);
  composite_input(b, "s", {2});
  b.input("y", {2});
  b.init_i("one", {}, {1});
  b.node("SequenceErase", {"s", "one"}, {"s2"});  // drops s[1]
  b.node("SequenceInsert", {"s2", "y"}, {"s3"});  // appends y
  b.output("s3");
  TempDir d;
  ShapeBindings bind;
  bind.lengths["s"] = 3;
  const Compiled c = compile_file(b.save(d.path), bind);
  CHECK(input_names(c.graph) == std::vector<std::string>{"s[0]", "s[1]", "s[2]", "y"});
  CHECK(output_names(c.graph) == std::vector<std::string>{"s3[0]", "s3[1]", "s3[2]"});
  CHECK(c.files.header.find("const float* s_0;") != std::string::npos);
  const Tensor a = floats({2}, {1, 2}), bb = floats({2}, {3, 4}), cc = floats({2}, {5, 6}), y = floats({2}, {7, 8});
  check_run(c, d.path, {tensor_to_proto(a, "s[0]"), tensor_to_proto(bb, "s[1]"), tensor_to_proto(cc, "s[2]"), tensor_to_proto(y, "y")},
            {tensor_to_proto(a, "s3[0]"), tensor_to_proto(cc, "s3[1]"), tensor_to_proto(y, "s3[2]")});
}

TEST_CASE("SequenceMap inlines its body once per element", "[sequence][build]") {
  ModelBuilder b(17);
  composite_input(b, "s", {3});
  b.input("k", {3});
  onnx::GraphProto body;
  body.set_name("body");
  for (const char* n : {"e", "kk"}) body.add_input()->set_name(n);
  auto* add = body.add_node();
  add->set_op_type("Mul");
  add->add_input("e");
  add->add_input("kk");
  add->add_output("r");
  body.add_output()->set_name("r");
  auto& m = b.node("SequenceMap", {"s", "k"}, {"out"});
  ModelBuilder::attr_graph(m, "body", body);
  b.output("out");
  TempDir d;
  ShapeBindings bind;
  bind.lengths["s"] = 2;
  const Compiled c = compile_file(b.save(d.path), bind);
  const Tensor s0 = floats({3}, {1, 2, 3}), s1 = floats({3}, {4, 5, 6}), k = floats({3}, {2, 3, 4});
  check_run(c, d.path, {tensor_to_proto(s0, "s[0]"), tensor_to_proto(s1, "s[1]"), tensor_to_proto(k, "k")},
            {tensor_to_proto(floats({3}, {2, 6, 12}), "out[0]"), tensor_to_proto(floats({3}, {8, 15, 24}), "out[1]")});
}

TEST_CASE("An optional input's presence is known at compile time: OptionalHasElement folds", "[sequence]") {
  for (int64_t present : {0, 1}) {
    INFO("present " << present);
    ModelBuilder b(18);
    composite_input(b, "o", {2}, true);
    b.node("OptionalHasElement", {"o"}, {"has"});
    b.output("has");
    TempDir d;
    ShapeBindings bind;
    bind.lengths["o"] = present;
    const Compiled c = compile_file(b.save(d.path), bind);
    CHECK(c.graph.inputs.size() == static_cast<size_t>(present));
    const Value& has = value(c.graph, "has");
    REQUIRE(has.constant);
    CHECK(has.constant->int_at(0) == present);
  }
}

TEST_CASE("Sequence refusals name the node, the tensor and the flag", "[sequence]") {
  SECTION("a position known only at run time") {
    ModelBuilder b(12);
    b.input("x", {4});
    b.input("p", {}, 7);
    b.node("SplitToSequence", {"x"}, {"parts"});
    b.node("SequenceAt", {"parts", "p"}, {"y"}, "pick");
    b.output("y");
    TempDir d;
    const std::string path = b.save(d.path);
    REQUIRE_THROWS_AS(compile_file(path), UnsupportedError);
    REQUIRE_THROWS_WITH(compile_file(path), Catch::Contains("\"pick\"") &&
                                                Catch::Contains("position (input 1 \"p\") must be known at compile time"));
  }
  SECTION("a sequence input without a length") {
    ModelBuilder b(12);
    composite_input(b, "s", {2});
    b.node("SequenceLength", {"s"}, {"n"});
    b.output("n");
    TempDir d;
    REQUIRE_THROWS_WITH(compile_file(b.save(d.path)),
                        Catch::Contains("input \"s\" is a sequence") && Catch::Contains("--shape 's=[N]'"));
  }
  SECTION("an op that takes tensors, given a sequence") {
    ModelBuilder b(12);
    b.input("x", {4});
    b.node("SplitToSequence", {"x"}, {"parts"});
    b.node("Relu", {"parts"}, {"y"}, "relu");
    b.output("y");
    TempDir d;
    const std::string path = b.save(d.path);
    REQUIRE_THROWS_AS(compile_file(path), UnsupportedError);
    REQUIRE_THROWS_WITH(compile_file(path), Catch::Contains("\"relu\"") &&
                                                Catch::Contains("input 0 \"parts\" is a sequence; Relu takes tensors"));
  }
}
