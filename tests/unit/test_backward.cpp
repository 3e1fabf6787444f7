// The backward pass (passes/backward.cpp): Gemm -> Relu -> Gemm with a mean-squared-error
// loss; the generated loss and gradients against the same computed by hand in double.
#include <catch2/catch.hpp>

#include <cmath>

#include "builder.hpp"
#include "onnx/model_io.hpp"

using namespace o2c;
using namespace o2c::test;

namespace {

constexpr int64_t kB = 4, kIn = 3, kHid = 5, kOut = 2;

std::vector<float> wave(int64_t n, float a, float b) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = 0.5f * std::sin(a * float(i) + b);
  return v;
}

Tensor tensor(const Shape& s, const std::vector<double>& v) {
  Tensor t(DType::Float, s);
  for (size_t i = 0; i < v.size(); ++i) t.data<float>()[i] = static_cast<float>(v[i]);
  return t;
}

}  // namespace

TEST_CASE("The backward pass appends the MSE loss and the gradients of Gemm -> Relu -> Gemm", "[backward][build]") {
  const auto w1 = wave(kHid * kIn, 0.7f, 0.1f), b1 = wave(kHid, 1.3f, 0.4f);
  const auto w2 = wave(kOut * kHid, 0.9f, -0.3f), b2 = wave(kOut, 2.1f, 0.2f);
  ModelBuilder b;
  b.input("x", {kB, kIn});
  b.init_f("W1", {kHid, kIn}, w1).init_f("b1", {kHid}, b1).init_f("W2", {kOut, kHid}, w2).init_f("b2", {kOut}, b2);
  ModelBuilder::attr_i(b.node("Gemm", {"x", "W1", "b1"}, {"h"}), "transB", 1);
  b.node("Relu", {"h"}, {"r"});
  ModelBuilder::attr_i(b.node("Gemm", {"r", "W2", "b2"}, {"y"}), "transB", 1);
  b.output("y");
  TempDir dir;
  Options o;
  o.model_path = b.save(dir.path);
  o.name = "m";
  o.verify_each = true;
  o.backward.output = "y";
  const Compiled c = compile_model(o);
  // The loss and one gradient per parameter, as outputs; the target, as an input.
  std::vector<std::string> outs;
  for (int v : c.graph.outputs) outs.push_back(c.graph.values[v].name);
  CHECK(outs == std::vector<std::string>{"y", "loss", "grad/W1", "grad/b1", "grad/W2", "grad/b2"});
  REQUIRE(c.graph.inputs.size() == 2);
  CHECK(c.graph.values[c.graph.inputs[1]].name == "y_target");

  // The same by hand, in double.
  std::vector<double> x(kB * kIn), target(kB * kOut);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::cos(0.37 * double(i));
  for (size_t i = 0; i < target.size(); ++i) target[i] = 0.3 * std::sin(1.1 * double(i));
  std::vector<double> h(kB * kHid), y(kB * kOut);
  for (int64_t i = 0; i < kB; ++i)
    for (int64_t j = 0; j < kHid; ++j) {
      double s = b1[j];
      for (int64_t k = 0; k < kIn; ++k) s += x[i * kIn + k] * w1[j * kIn + k];
      h[i * kHid + j] = s;
    }
  for (int64_t i = 0; i < kB; ++i)
    for (int64_t j = 0; j < kOut; ++j) {
      double s = b2[j];
      for (int64_t k = 0; k < kHid; ++k) s += std::max(h[i * kHid + k], 0.0) * w2[j * kHid + k];
      y[i * kOut + j] = s;
    }
  double loss = 0;
  std::vector<double> dy(kB * kOut);
  for (size_t i = 0; i < y.size(); ++i) {
    loss += (y[i] - target[i]) * (y[i] - target[i]) / double(y.size());
    dy[i] = 2.0 * (y[i] - target[i]) / double(y.size());
  }
  std::vector<double> dw1(kHid * kIn), db1(kHid), dw2(kOut * kHid), db2(kOut), dh(kB * kHid);
  for (int64_t i = 0; i < kB; ++i)
    for (int64_t j = 0; j < kOut; ++j) {
      db2[j] += dy[i * kOut + j];
      for (int64_t k = 0; k < kHid; ++k) {
        dw2[j * kHid + k] += dy[i * kOut + j] * std::max(h[i * kHid + k], 0.0);
        if (h[i * kHid + k] > 0) dh[i * kHid + k] += dy[i * kOut + j] * w2[j * kHid + k];
      }
    }
  for (int64_t i = 0; i < kB; ++i)
    for (int64_t j = 0; j < kHid; ++j) {
      db1[j] += dh[i * kHid + j];
      for (int64_t k = 0; k < kIn; ++k) dw1[j * kIn + k] += dh[i * kHid + j] * x[i * kIn + k];
    }

  TestData data;
  data.inputs = {tensor_to_proto(tensor({kB, kIn}, x), "x"), tensor_to_proto(tensor({kB, kOut}, target), "y_target")};
  data.outputs = {tensor_to_proto(tensor({kB, kOut}, y), "y"), tensor_to_proto(tensor({}, {loss}), "loss"),
                  tensor_to_proto(tensor({kHid, kIn}, dw1), "grad/W1"), tensor_to_proto(tensor({kHid}, db1), "grad/b1"),
                  tensor_to_proto(tensor({kOut, kHid}, dw2), "grad/W2"), tensor_to_proto(tensor({kOut}, db2), "grad/b2")};
  const auto r = build_and_compare(c, data, dir.path, 1e-5, 1e-6);
  REQUIRE(r.size() == 6);
  for (const auto& cmp : r) {
    INFO(cmp.name << ": max abs error " << cmp.max_abs << ", max rel error " << cmp.max_rel);
    CHECK(cmp.pass);
  }
}

TEST_CASE("Gradient (ai.onnx.preview.training) becomes the backward nodes of Sub, Mul and Div, broadcast dims summed", "[backward][build]") {
  // y = (a - b) * a / c with a [2,3], b [3], c [1]; z is an x that y does not depend on.
  ModelBuilder b;
  b.input("a", {2, 3}).input("b", {3}).input("c", {1}).input("z", {2});
  b.node("Sub", {"a", "b"}, {"d"});
  b.node("Mul", {"d", "a"}, {"e"});
  b.node("Div", {"e", "c"}, {"y"});
  b.gradient({"a", "b", "c", "z"}, {"dy_da", "dy_db", "dy_dc", "dy_dz"}, "y");
  for (const char* o : {"y", "dy_da", "dy_db", "dy_dc", "dy_dz"}) b.output(o);
  TempDir dir;
  Options o;
  o.model_path = b.save(dir.path);
  o.name = "m";
  o.verify_each = true;
  const Compiled c = compile_model(o);
  for (int id : c.graph.order) CHECK(c.graph.nodes[id].op != "Gradient");

  const std::vector<double> a = {0.5, -1.0, 2.0, 1.5, 0.25, -0.75}, bv = {0.1, 0.2, -0.3}, cv = {1.25}, z = {7, 8};
  std::vector<double> y(6), da(6), db(3, 0.0), dc(1, 0.0);
  for (size_t i = 0; i < 6; ++i) {
    const double ai = a[i], bi = bv[i % 3];
    y[i] = (ai - bi) * ai / cv[0];
    da[i] = (2 * ai - bi) / cv[0];  // dy/da summed over y's elements (dy = ones)
    db[i % 3] += -ai / cv[0];
    dc[0] += -(ai - bi) * ai / (cv[0] * cv[0]);
  }
  TestData data;
  data.inputs = {tensor_to_proto(tensor({2, 3}, a), "a"), tensor_to_proto(tensor({3}, bv), "b"),
                 tensor_to_proto(tensor({1}, cv), "c"), tensor_to_proto(tensor({2}, z), "z")};
  data.outputs = {tensor_to_proto(tensor({2, 3}, y), "y"), tensor_to_proto(tensor({2, 3}, da), "dy_da"),
                  tensor_to_proto(tensor({3}, db), "dy_db"), tensor_to_proto(tensor({1}, dc), "dy_dc"),
                  tensor_to_proto(tensor({2}, {0.0, 0.0}), "dy_dz")};
  const auto r = build_and_compare(c, data, dir.path, 1e-5, 1e-6);
  REQUIRE(r.size() == 5);
  for (const auto& cmp : r) {
    INFO(cmp.name << ": max abs error " << cmp.max_abs << ", max rel error " << cmp.max_rel);
    CHECK(cmp.pass);
  }
}
