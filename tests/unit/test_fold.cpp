// Constant folding: shape sub-graphs disappear; views cost nothing; dead code goes.
#include <catch2/catch.hpp>

#include "builder.hpp"

using namespace o2c;
using namespace o2c::test;

TEST_CASE("Shape -> Gather -> Unsqueeze -> Concat -> Reshape folds to a view", "[fold]") {
  ModelBuilder b;
  b.input("x", {1, 8, 4, 4});
  b.node("Relu", {"x"}, {"r"});
  b.node("Shape", {"r"}, {"shape"});
  b.init_i("zero", {}, {0});
  auto& g = b.node("Gather", {"shape", "zero"}, {"batch"});
  ModelBuilder::attr_i(g, "axis", 0);
  b.init_i("ax0", {1}, {0});
  b.node("Unsqueeze", {"batch", "ax0"}, {"b1"});
  b.init_i("minus1", {1}, {-1});
  auto& cc = b.node("Concat", {"b1", "minus1"}, {"target"});
  ModelBuilder::attr_i(cc, "axis", 0);
  b.node("Reshape", {"r", "target"}, {"flat"});
  b.node("Relu", {"flat"}, {"y"});
  b.output("y");
  TempDir d;
  Compiled c = compile_file(b.save(d.path));
  std::vector<std::string> ops;
  for (int i : c.graph.live_nodes()) ops.push_back(c.graph.nodes[i].op);
  CHECK(ops == std::vector<std::string>{"Relu", "Reshape", "Relu"});
  CHECK(value(c.graph, "target").constant);
  CHECK(value(c.graph, "target").constant->to_ints() == std::vector<int64_t>{1, -1});
  CHECK(value(c.graph, "flat").shape == Shape{1, 128});
  // The Reshape is a view: only the first Relu's output lives in the arena.
  CHECK(c.plan.arena_bytes == 128 * 4);
  CHECK(c.files.source.find("view of its input") != std::string::npos);
}

TEST_CASE("arithmetic on constants folds: unused nodes are removed", "[fold]") {
  ModelBuilder b;
  b.input("x", {4});
  b.init_f("a", {4}, {1, 2, 3, 4}).init_f("c", {4}, {10, 20, 30, 40});
  b.node("Mul", {"a", "c"}, {"ac"});
  b.node("Add", {"x", "ac"}, {"y"});
  b.node("Exp", {"x"}, {"unused"});
  b.output("y");
  TempDir d;
  Compiled c = compile_file(b.save(d.path));
  REQUIRE(c.graph.live_nodes().size() == 1);
  const Tensor& ac = *value(c.graph, "ac").constant;
  CHECK(ac.data<float>()[3] == 160.0f);
}

TEST_CASE("folding can be switched off (--no-fold)", "[fold]") {
  ModelBuilder b;
  b.input("x", {4});
  b.init_f("a", {4}, {1, 2, 3, 4});
  b.node("Neg", {"a"}, {"na"});
  b.node("Add", {"x", "na"}, {"y"});
  b.output("y");
  TempDir d;
  Options o;
  o.model_path = b.save(d.path);
  o.fold.fold = false;
  Compiled c = compile_model(o);
  CHECK(c.graph.live_nodes().size() == 2);
}

TEST_CASE("a graph output that is a view: its source is computed into the output buffer", "[fold]") {
  ModelBuilder b;
  b.input("x", {2, 3});
  b.node("Relu", {"x"}, {"r"});
  b.init_i("flat", {1}, {6});
  b.node("Reshape", {"r", "flat"}, {"y"});
  b.output("y");
  TempDir d;
  Compiled c = compile_file(b.save(d.path));
  CHECK(c.plan.arena_bytes == 0);  // r lives in y's buffer
  CHECK(c.files.source.find("copy it out") == std::string::npos);
  CHECK(c.files.source.find("k::copy(") == std::string::npos);
}
