// The dead-code pass: nodes whose results reach no graph output go, transitively.
#include <catch2/catch.hpp>

#include "builder.hpp"

using namespace o2c;
using namespace o2c::test;

TEST_CASE("dead-code removes the nodes no output needs, chains included", "[dead-code]") {
  ModelBuilder b;
  b.input("x", {4});
  b.node("Relu", {"x"}, {"y"});
  b.node("Neg", {"x"}, {"n1"});  // n1 -> n2: both dead
  b.node("Abs", {"n1"}, {"n2"});
  b.output("y");
  TempDir d;
  Graph g = inferred_graph(b.save(d.path));
  CHECK(g.order.size() == 3);
  run_pass(g, "dead-code", PassOptions{});
  REQUIRE(g.order.size() == 1);
  CHECK(g.nodes[g.order[0]].op == "Relu");
  CHECK(g.values[g.find("x")].readers.size() == 1);  // the readers index follows
}
