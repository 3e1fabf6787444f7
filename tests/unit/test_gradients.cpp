// Every op's gradient rule (OpDef::grad) against central differences (gradcheck.hpp). One
// case per rule and attribute combination that changes the rule's arithmetic.
#include <catch2/catch.hpp>

#include "gradcheck.hpp"

using namespace o2c;
using namespace o2c::test;

namespace {

GradInput in(const std::string& name, std::vector<int64_t> shape, int seed) {
  return {name, shape, grad_values(numel(shape), seed)};
}

void check(const GradCheck& r, double tol = 1e-6) {
  INFO(r.error);
  REQUIRE(r.error.empty());
  INFO("worst: " << r.worst << " (largest gradient " << r.max_abs_grad << ")");
  CHECK(r.max_abs_error <= tol * std::max(1.0, r.max_abs_grad));
}

}  // namespace

TEST_CASE("Gradients of Add, Sub, Mul and Div, broadcast inputs summed back", "[gradients]") {
  for (const char* op : {"Add", "Sub", "Mul", "Div"}) {
    INFO(op);
    check(gradcheck([&](ModelBuilder& b) { b.node(op, {"a", "b"}, {"y"}); },
                    {in("a", {2, 3}, 1), {"b", {3}, {0.5, -1.5, 2.0}}}));
  }
}

TEST_CASE("Gradients of Relu and Gemm (transA, transB, alpha, beta, broadcast C)", "[gradients]") {
  check(gradcheck([](ModelBuilder& b) { b.node("Relu", {"x"}, {"y"}); }, {in("x", {3, 4}, 2)}));
  for (int ta : {0, 1})
    for (int tb : {0, 1}) {
      INFO("transA " << ta << " transB " << tb);
      check(gradcheck(
          [&](ModelBuilder& b) {
            auto& n = b.node("Gemm", {"a", "b", "c"}, {"y"});
            ModelBuilder::attr_i(n, "transA", ta);
            ModelBuilder::attr_i(n, "transB", tb);
            ModelBuilder::attr_f(n, "alpha", 0.75f);
            ModelBuilder::attr_f(n, "beta", 1.5f);
          },
          {in("a", ta ? std::vector<int64_t>{4, 2} : std::vector<int64_t>{2, 4}, 3),
           in("b", tb ? std::vector<int64_t>{3, 4} : std::vector<int64_t>{4, 3}, 4), in("c", {3}, 5)}));
    }
}

TEST_CASE("Gradients of ReduceSum and ReduceMean (axes, keepdims, all axes)", "[gradients]") {
  for (const char* op : {"ReduceSum", "ReduceMean"})
    for (int keep : {0, 1}) {
      INFO(op << " keepdims " << keep);
      check(gradcheck(
          [&](ModelBuilder& b) {
            b.init_i("axes", {2}, {0, 2});
            ModelBuilder::attr_i(b.node(op, {"x", "axes"}, {"y"}), "keepdims", keep);
          },
          {in("x", {2, 3, 4}, 6)}, 18));
      check(gradcheck([&](ModelBuilder& b) { ModelBuilder::attr_i(b.node(op, {"x"}, {"y"}), "keepdims", keep); },
                      {in("x", {2, 3}, 7)}, 18));
    }
}
