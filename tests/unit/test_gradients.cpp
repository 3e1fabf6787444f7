// Every op's gradient rule (OpDef::grad) against central differences (gradcheck.hpp). One
// case per rule and attribute combination that changes the rule's arithmetic.
#include <catch2/catch.hpp>

#include "gradcheck.hpp"

using namespace o2c;
using namespace o2c::test;

TEST_CASE("Gradients of Add, Sub, Mul and Div, broadcast inputs summed back", "[gradients]") {
  for (const char* op : {"Add", "Sub", "Mul", "Div"}) {
    INFO(op);
    check_grad(gradcheck([&](ModelBuilder& b) { b.node(op, {"a", "b"}, {"y"}); },
                    {grad_in("a", {2, 3}, 1), {"b", {3}, {0.5, -1.5, 2.0}}}));
  }
}

TEST_CASE("Gradients of Relu and Gemm (transA, transB, alpha, beta, broadcast C)", "[gradients]") {
  check_grad(gradcheck([](ModelBuilder& b) { b.node("Relu", {"x"}, {"y"}); }, {grad_in("x", {3, 4}, 2)}));
  for (int ta : {0, 1})
    for (int tb : {0, 1}) {
      INFO("transA " << ta << " transB " << tb);
      check_grad(gradcheck(
          [&](ModelBuilder& b) {
            auto& n = b.node("Gemm", {"a", "b", "c"}, {"y"});
            ModelBuilder::attr_i(n, "transA", ta);
            ModelBuilder::attr_i(n, "transB", tb);
            ModelBuilder::attr_f(n, "alpha", 0.75f);
            ModelBuilder::attr_f(n, "beta", 1.5f);
          },
          {grad_in("a", ta ? std::vector<int64_t>{4, 2} : std::vector<int64_t>{2, 4}, 3),
           grad_in("b", tb ? std::vector<int64_t>{3, 4} : std::vector<int64_t>{4, 3}, 4), grad_in("c", {3}, 5)}));
    }
}

TEST_CASE("Gradients of ReduceSum and ReduceMean (axes, keepdims, all axes)", "[gradients]") {
  for (const char* op : {"ReduceSum", "ReduceMean"})
    for (int keep : {0, 1}) {
      INFO(op << " keepdims " << keep);
      check_grad(gradcheck(
          [&](ModelBuilder& b) {
            b.init_i("axes", {2}, {0, 2});
            ModelBuilder::attr_i(b.node(op, {"x", "axes"}, {"y"}), "keepdims", keep);
          },
          {grad_in("x", {2, 3, 4}, 6)}, 18));
      check_grad(gradcheck([&](ModelBuilder& b) { ModelBuilder::attr_i(b.node(op, {"x"}, {"y"}), "keepdims", keep); },
                      {grad_in("x", {2, 3}, 7)}, 18));
    }
}
