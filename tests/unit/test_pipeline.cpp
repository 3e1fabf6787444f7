// The pass pipeline (passes/pipeline.cpp): the list, turning passes off, IR dumps, and every
// pass run alone on a built graph leaving it sound (verify()).
#include <catch2/catch.hpp>

#include "builder.hpp"
#include "ir/dump.hpp"
#include "ir/verify.hpp"

using namespace o2c;
using namespace o2c::test;

namespace {

// Conv -> BatchNormalization -> Relu -> Concat with a second branch, and a dead node.
ModelBuilder small_net() {
  ModelBuilder b;
  b.input("x", {1, 2, 4, 4});
  b.init_f("w", {2, 2, 1, 1}, {1, 2, 3, 4}).init_f("bias", {2}, {0.5f, -0.5f});
  b.init_f("s", {2}, {1, 2}).init_f("o", {2}, {0, 1}).init_f("m", {2}, {0, 0}).init_f("v", {2}, {1, 1});
  b.node("Conv", {"x", "w", "bias"}, {"c"});
  b.node("BatchNormalization", {"c", "s", "o", "m", "v"}, {"n"});
  b.node("Relu", {"n"}, {"r"});
  b.node("Neg", {"x"}, {"nx"});
  ModelBuilder::attr_i(b.node("Concat", {"r", "nx"}, {"y"}), "axis", 1);
  b.node("Abs", {"x"}, {"dead"});
  b.output("y");
  return b;
}

}  // namespace

TEST_CASE("The passes are listed in order, each with a purpose: the required ones cannot be turned off", "[pipeline]") {
  std::vector<std::string> names;
  for (const PassInfo& p : pass_list()) {
    names.push_back(p.name);
    CHECK(std::string(p.purpose).size() > 10);
  }
  CHECK(names.front() == "infer");
  CHECK(std::find(names.begin(), names.end(), "epilogues") != names.end());
  TempDir d;
  Options o;
  o.model_path = small_net().save(d.path);
  o.disabled_passes = {"infer"};
  CHECK_THROWS_WITH(compile_model(o), Catch::Contains("this pass is required"));
  o.disabled_passes = {"no-such-pass"};
  CHECK_THROWS_WITH(compile_model(o), Catch::Contains("no such pass"));
}

TEST_CASE("One pass turned off by name, and the IR printed after a pass", "[pipeline]") {
  TempDir d;
  Options o;
  o.model_path = small_net().save(d.path);
  o.verify_each = true;
  o.disabled_passes = {"concat-in-place"};
  const Compiled c = compile_model(o);
  for (int id : c.graph.order) CHECK_FALSE(c.graph.nodes[id].in_place);
  CHECK(live_nodes(c, "FusedConv") == 1);  // the other fusions ran
  Graph g = inferred_graph(o.model_path);
  const std::string ir = dump_ir(g);
  CHECK(ir.find("Conv") != std::string::npos);
  CHECK(ir.find("\"dead\"") != std::string::npos);  // still there: dead-code did not run yet
}

TEST_CASE("Every pass alone on a built graph leaves it sound", "[pipeline]") {
  TempDir d;
  const std::string path = small_net().save(d.path);
  for (const PassInfo& p : pass_list()) {
    if (std::string(p.name) == "infer") continue;
    INFO("pass " << p.name);
    Graph g = inferred_graph(path);
    CHECK_NOTHROW(run_pass(g, p.name, PassOptions{}));
    CHECK(verify(g).empty());
  }
}

TEST_CASE("verify() finds a broken graph", "[pipeline]") {
  TempDir d;
  Graph g = inferred_graph(small_net().save(d.path));
  REQUIRE(verify(g).empty());
  Graph late = g;  // a node read before it is computed
  std::swap(late.order.front(), late.order.back());
  CHECK(verify(late, false).find("before it is computed") != std::string::npos);
  Graph stale = g;  // inputs changed behind the rewrite API's back
  const int id = stale.order.front();
  stale.nodes[id].inputs.push_back(stale.nodes[id].inputs[0]);
  CHECK(verify(stale, false).find("readers") != std::string::npos);
  Graph wrong = g;  // an output type its op does not infer
  const int conv = wrong.order.front();
  wrong.values[wrong.nodes[conv].outputs[0]].shape = {1, 3, 4, 4};
  CHECK(verify(wrong).find("its op infers") != std::string::npos);
}
