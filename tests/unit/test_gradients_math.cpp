// Gradient rules of the elementwise, shape, MatMul, Softmax, Gather and loss ops against
// central differences (gradcheck.hpp), one case per attribute combination that changes the
// rule's arithmetic; and per family, one model whose backward runs in generated code.
#include <catch2/catch.hpp>

#include <cmath>

#include "gradcheck.hpp"

using namespace o2c;
using namespace o2c::test;

namespace {

GradInput in(const std::string& name, std::vector<int64_t> shape, int seed) {
  return {name, shape, grad_values(numel(shape), seed)};
}


double worst_seen = 0;  // the largest error relative to max(1, largest gradient), for the report

void check(const GradCheck& r, double tol = 1e-6) {
  INFO(r.error);
  REQUIRE(r.error.empty());
  INFO("worst: " << r.worst << " (largest gradient " << r.max_abs_grad << ")");
  const double rel = r.max_abs_error / std::max(1.0, r.max_abs_grad);
  worst_seen = std::max(worst_seen, rel);
  CHECK(rel <= tol);
}

using Nodes = std::function<void(ModelBuilder&)>;

// A node y = op(inputs) with integer attributes.
Nodes node(const std::string& op, std::vector<std::string> ins, std::vector<std::pair<const char*, int64_t>> attrs = {}) {
  return [=](ModelBuilder& b) {
    auto& n = b.node(op, ins, {"y"});
    for (const auto& [k, v] : attrs) ModelBuilder::attr_i(n, k, v);
  };
}

// The inputs as float graph inputs (or initializers), y = nodes(b), L = ReduceSum(y * y) and
// the Gradient of L with respect to the inputs, as outputs y and d_NAME.
ModelBuilder gradient_model(const Nodes& nodes, const std::vector<GradInput>& inputs, int opset, bool as_inputs) {
  ModelBuilder b(opset);
  auto* os = b.m.add_opset_import();
  os->set_domain("ai.onnx.preview.training");
  os->set_version(1);
  std::vector<std::string> xs, dxs;
  for (const GradInput& x : inputs) {
    if (as_inputs) b.input(x.name, x.shape);
    else b.init_f(x.name, x.shape, std::vector<float>(x.values.begin(), x.values.end()));
    xs.push_back(x.name);
    dxs.push_back("d_" + x.name);
  }
  nodes(b);
  b.node("Mul", {"y", "y"}, {"gen_yy"});
  ModelBuilder::attr_i(b.node("ReduceSum", {"gen_yy"}, {"L"}), "keepdims", 0);
  auto& g = b.node("Gradient", xs, dxs, "gradient");
  g.set_domain("ai.onnx.preview.training");
  auto* a = g.add_attribute();
  a->set_name("xs");
  a->set_type(onnx::AttributeProto::STRINGS);
  for (const auto& x : xs) a->add_strings(x);
  ModelBuilder::attr_s(g, "y", "L");
  b.output("y");
  for (const auto& d : dxs) b.output(d);
  return b;
}

// The backward of nodes built and run as generated code, against the same model folded at
// compile time (its inputs as initializers).
void check_generated(const Nodes& nodes, const std::vector<GradInput>& inputs, int opset = 13) {
  TempDir dir;
  const Graph folded = folded_graph(gradient_model(nodes, inputs, opset, false), dir.path, "folded");
  Options o;
  o.model_path = gradient_model(nodes, inputs, opset, true).save(dir.path, "run");
  o.name = "m";
  o.verify_each = true;
  const Compiled c = compile_model(o);
  TestData data;
  for (const GradInput& x : inputs) {
    Tensor t(DType::Float, x.shape);
    for (size_t i = 0; i < x.values.size(); ++i) t.data<float>()[i] = static_cast<float>(x.values[i]);
    data.inputs.push_back(tensor_to_proto(t, x.name));
  }
  std::vector<std::string> outs = {"y"};
  for (const GradInput& x : inputs) outs.push_back("d_" + x.name);
  for (const std::string& name : outs) {
    const Value& v = value(folded, name);
    REQUIRE(v.constant);
    data.outputs.push_back(tensor_to_proto(*v.constant, name));
  }
  const auto r = build_and_compare(c, data, dir.path, 1e-4, 1e-5);
  REQUIRE(r.size() == outs.size());
  for (const auto& cmp : r) {
    INFO(cmp.name << ": max abs error " << cmp.max_abs << ", max rel error " << cmp.max_rel);
    CHECK(cmp.pass);
  }
}

}  // namespace

// ---- MatMul, Softmax, LogSoftmax, Gather, losses ---------------------------------------------

TEST_CASE("Gradient of MatMul: 1-D operands, batches, broadcast batch dims", "[gradients]") {
  const std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>> shapes = {
      {{3, 4}, {4, 5}},       {{4}, {4, 5}},          {{3, 4}, {4}},          {{4}, {4}},
      {{2, 3, 4}, {4, 5}},    {{2, 3, 4}, {2, 4, 5}}, {{2, 1, 3, 4}, {3, 4, 2}}, {{3, 4}, {2, 4, 5}},
      {{4}, {2, 4, 3}},       {{2, 3, 4}, {4}},       {{1, 3, 4}, {2, 4, 2}}};
  int seed = 10;
  for (const auto& [a, b] : shapes) {
    INFO("A " << shape_str(a) << " B " << shape_str(b));
    check(gradcheck(node("MatMul", {"a", "b"}), {in("a", a, seed), in("b", b, seed + 1)}));
    seed += 2;
  }
}

TEST_CASE("Gradients of Softmax and LogSoftmax (axis from opset 13; coerced to 2-D before)", "[gradients]") {
  for (const char* op : {"Softmax", "LogSoftmax"}) {
    for (int64_t axis : {0, 1, 2, -1}) {
      INFO(op << " opset 13 axis " << axis);
      check(gradcheck(node(op, {"x"}, {{"axis", axis}}), {in("x", {2, 3, 4}, 20)}, 13));
    }
    INFO(op << " opset 13 default axis");
    check(gradcheck(node(op, {"x"}), {in("x", {3, 4}, 21)}, 13));
    for (int64_t axis : {0, 1, 2, -2, 3}) {
      INFO(op << " opset 11 axis " << axis);
      check(gradcheck(node(op, {"x"}, {{"axis", axis}}), {in("x", {2, 3, 4}, 22)}, 11));
    }
    INFO(op << " opset 11 default axis");
    check(gradcheck(node(op, {"x"}), {in("x", {2, 3, 2}, 23)}, 11));
  }
}

TEST_CASE("Gradient of Gather: rows (embeddings) and other axes, repeated and negative indices accumulate", "[gradients]") {
  // Axis 0: index 2 three times (once as -3), 4 twice (once as -1).
  check(gradcheck(
      [](ModelBuilder& b) {
        b.init_i("idx", {2, 3}, {0, 2, -1, 2, -3, 4});
        b.node("Gather", {"x", "idx"}, {"y"});
      },
      {in("x", {5, 3}, 30)}));
  for (int64_t axis : {1, -1, 2}) {
    INFO("axis " << axis);
    check(gradcheck(
        [&](ModelBuilder& b) {
          b.init_i("idx", {5}, {1, -1, 1, 0, 1});
          ModelBuilder::attr_i(b.node("Gather", {"x", "idx"}, {"y"}), "axis", axis);
        },
        {in("x", {2, 3, 3}, 31)}));
  }
  // A scalar index (the axis dropped) and int32 indices.
  check(gradcheck(
      [](ModelBuilder& b) {
        b.init_i("idx", {}, {-2});
        ModelBuilder::attr_i(b.node("Gather", {"x", "idx"}, {"y"}), "axis", 1);
      },
      {in("x", {2, 4}, 32)}));
  check(gradcheck(
      [](ModelBuilder& b) {
        b.init_i("idx64", {2, 2}, {3, 3, 0, 3});
        ModelBuilder::attr_i(b.node("Cast", {"idx64"}, {"idx"}), "to", 6);
        b.node("Gather", {"x", "idx"}, {"y"});
      },
      {in("x", {4, 2}, 33)}));
}

// y = op(x, t, w) with classes t (ignored ones -100 when ignore), weights w when weighted.
Nodes loss_nodes(const char* op, const char* red, bool weighted, bool ignore, std::vector<int64_t> t_shape,
                 std::vector<int64_t> t) {
  return [=](ModelBuilder& b) {
    b.init_i("t", t_shape, t);
    std::vector<std::string> ins = {"x", "t"};
    if (weighted) {
      b.init_f("wf", {4}, {0.5f, 2.0f, 1.0f, 0.25f});
      ModelBuilder::attr_i(b.node("Cast", {"wf"}, {"w"}), "to", 11);
      ins.push_back("w");
    }
    auto& n = b.node(op, ins, {"y"});
    ModelBuilder::attr_s(n, "reduction", red);
    if (ignore) ModelBuilder::attr_i(n, "ignore_index", -100);
  };
}

TEST_CASE("Gradients of SoftmaxCrossEntropyLoss and NegativeLogLikelihoodLoss (reductions, weights, ignore_index)", "[gradients]") {
  for (const char* op : {"SoftmaxCrossEntropyLoss", "NegativeLogLikelihoodLoss"})
    for (const char* red : {"none", "sum", "mean"})
      for (bool weighted : {false, true})
        for (bool ignore : {false, true}) {
          INFO(op << " reduction " << red << " weight " << weighted << " ignore_index " << ignore);
          const int64_t skip = ignore ? -100 : 0;
          check(gradcheck(loss_nodes(op, red, weighted, ignore, {3}, {1, skip, 3}), {in("x", {3, 4}, 40)}));
          // [N, C, d1] scores, [N, d1] classes
          check(gradcheck(loss_nodes(op, red, weighted, ignore, {2, 2}, {1, 3, skip, 1}), {in("x", {2, 4, 2}, 41)}));
        }
}

TEST_CASE("Gradient of SoftmaxCrossEntropyLoss through its log_prob output too", "[gradients]") {
  for (const char* red : {"none", "mean"}) {
    INFO("reduction " << red);
    check(gradcheck(
        [&](ModelBuilder& b) {
          b.init_i("t", {2, 2}, {1, 0, 2, 1});
          auto& n = b.node("SoftmaxCrossEntropyLoss", {"x", "t"}, {"loss", "logp"});
          ModelBuilder::attr_s(n, "reduction", red);
          if (std::string(red) == "none") {
            b.init_i("shape", {3}, {2, 1, 2});
            b.node("Reshape", {"loss", "shape"}, {"loss1"});
            b.node("Mul", {"logp", "loss1"}, {"y"});
          } else {
            b.node("Mul", {"logp", "loss"}, {"y"});
          }
        },
        {in("x", {2, 3, 2}, 43)}));
  }
}

TEST_CASE("Generated code runs the gradients of MatMul, Softmax, LogSoftmax, Gather and SoftmaxCrossEntropyLoss",
          "[gradients][build]") {
  check_generated(
      [](ModelBuilder& b) {
        b.init_i("idx", {2, 3}, {1, 0, 1, 3, -1, 1});
        b.node("Gather", {"emb", "idx"}, {"e"});          // [2, 3, 4]
        b.node("MatMul", {"e", "w"}, {"h"});              // [2, 3, 5]
        ModelBuilder::attr_i(b.node("Softmax", {"h"}, {"s"}), "axis", -1);
        b.node("MatMul", {"s", "v"}, {"p"});              // [2, 3, 5] x [2, 5, 3] -> [2, 3, 3]
        ModelBuilder::attr_i(b.node("LogSoftmax", {"p"}, {"q"}), "axis", 1);
        b.init_i("t", {2, 3}, {0, 2, 1, 1, 1, 0});
        b.node("SoftmaxCrossEntropyLoss", {"q", "t"}, {"loss"});
        b.node("Mul", {"q", "loss"}, {"y"});
      },
      {in("emb", {4, 4}, 50), in("w", {4, 5}, 51), in("v", {2, 5, 3}, 52)});
}

TEST_CASE("Gradient rules of this file: the worst error seen", "[gradients][.report]") {
  WARN("worst gradcheck error relative to max(1, |gradient|): " << worst_seen);
}
