// Counts found in the data flowing through the ops a detector's post-processing runs after
// them (torchvision's SSD, RetinaNet, FCOS exports: tests/models/detection_model.sh): a score
// threshold's NonZero indexing with GatherND, TopK of min(K, count), the classes' candidates
// concatenated, NonMaxSuppression on a run-time number of boxes inside an If that returns an
// empty tensor when there are none, the best N kept with a Slice, the boxes split into
// coordinates, labels made with ConstantOfShape. Each model is built and run at several
// counts, 0 among them, against values worked out here; shapes are compared too.
#include <catch2/catch.hpp>

#include "builder.hpp"
#include "run_check.hpp"
#include "onnx/model_io.hpp"

using namespace o2c;
using namespace o2c::test;

namespace {

Tensor ints(const Shape& s, std::vector<int64_t> v) {
  Tensor t(DType::Int64, s);
  std::copy(v.begin(), v.end(), t.data<int64_t>());
  return t;
}

// A float scalar constant as an initializer named `name`.
void scalar_f(ModelBuilder& b, const std::string& name, float v) { b.init_f(name, {}, {v}); }

// x [8] -> the elements of x above 0 (their count c found in the data): Compress.
void positives(ModelBuilder& b, const std::string& x, const std::string& out) {
  b.node("Greater", {x, "zero"}, {out + "_cond"});
  b.node("Compress", {x, out + "_cond"}, {out});
}

// The elements of v above 0, in order.
std::vector<float> above0(const std::vector<float>& v) {
  std::vector<float> r;
  for (float x : v)
    if (x > 0) r.push_back(x);
  return r;
}

}  // namespace

TEST_CASE("GatherND reads the tuples NonZero found: its output has their count", "[detectdims][build]") {
  // rows [6, 2]; s [6]; idx = Transpose(NonZero(s > 0)) [c, 1]; y = GatherND(rows, idx) [c, 2].
  ModelBuilder b;
  b.input("rows", {6, 2}).input("s", {6});
  scalar_f(b, "zero", 0.0f);
  b.node("Greater", {"s", "zero"}, {"m"});
  b.node("NonZero", {"m"}, {"nz"});
  ModelBuilder::attr_ints(b.node("Transpose", {"nz"}, {"idx"}), "perm", {1, 0});
  b.node("GatherND", {"rows", "idx"}, {"y"});
  b.output("y");
  TempDir d;
  const Compiled c = compile_file(b.save(d.path));
  const Value& y = value(c.graph, "y");
  REQUIRE(y.dynamic());
  CHECK(y.shape == Shape{6, 2});
  CHECK(y.dims[0].str(*c.graph.dims) == "count(nz)");
  const Tensor rows = floats({6, 2}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  check_run(c, d.path, {tensor_to_proto(rows, "rows"), tensor_to_proto(floats({6}, {1, -1, 0, 2, -3, 5}), "s")},
            {tensor_to_proto(floats({3, 2}, {0, 1, 6, 7, 10, 11}), "y")});
  check_run(c, d.path, {tensor_to_proto(rows, "rows"), tensor_to_proto(floats({6}, {-1, -1, 0, -2, -3, -5}), "s")},
            {tensor_to_proto(floats({0, 2}, {}), "y")});
}

TEST_CASE("TopK of a count found in the data with K = min(3, count): the output planned for 3",
          "[detectdims][build]") {
  // p = x[x > 0] [c]; K = ReduceMin(Concat([3], Shape(p))) (torchvision's
  // min(topk_candidates, num_topk)), a dim: min(3, c); v, i = TopK(p, K).
  ModelBuilder b;
  b.input("x", {8});
  scalar_f(b, "zero", 0.0f);
  b.init_i("three", {1}, {3}).init_i("one", {1}, {1});
  positives(b, "x", "p");
  b.node("Shape", {"p"}, {"n"});
  ModelBuilder::attr_i(b.node("Concat", {"three", "n"}, {"kk"}), "axis", 0);
  ModelBuilder::attr_i(b.node("ReduceMin", {"kk"}, {"kmin"}), "keepdims", 0);
  b.node("Reshape", {"kmin", "one"}, {"k"});
  b.node("TopK", {"p", "k"}, {"v", "i"});
  b.output("v").output("i");
  TempDir d;
  const Compiled c = compile_file(b.save(d.path));
  CHECK(value(c.graph, "v").shape == Shape{3});  // min(3, c), not c's bound 8
  CHECK(value(c.graph, "i").dims == value(c.graph, "v").dims);
  check_run(c, d.path, {tensor_to_proto(floats({8}, {0.5f, -1, 3, 2, -2, 1, 4, 0}), "x")},
            {tensor_to_proto(floats({3}, {4, 3, 2}), "v"), tensor_to_proto(ints({3}, {4, 1, 2}), "i")});
  check_run(c, d.path, {tensor_to_proto(floats({8}, {-0.5f, -1, 3, -2, -2, -1, 2, 0}), "x")},
            {tensor_to_proto(floats({2}, {3, 2}), "v"), tensor_to_proto(ints({2}, {0, 1}), "i")});
  check_run(c, d.path, {tensor_to_proto(floats({8}, {-1, -1, -1, -1, -1, -1, -1, 0}), "x")},
            {tensor_to_proto(floats({0}, {}), "v"), tensor_to_proto(ints({0}, {}), "i")});
}

TEST_CASE("TopK of a count found in the data with K given at run time", "[detectdims][build]") {
  // v, i = TopK(x[x > 0], k): K checked against the count when the model runs.
  ModelBuilder b;
  b.input("x", {8}).input("k", {1}, 7);
  scalar_f(b, "zero", 0.0f);
  positives(b, "x", "p");
  ModelBuilder::attr_i(b.node("TopK", {"p", "k"}, {"v", "i"}), "largest", 0);
  b.output("v").output("i");
  TempDir d;
  const Compiled c = compile_file(b.save(d.path));
  CHECK(value(c.graph, "v").shape == Shape{8});
  const Tensor x = floats({8}, {0.5f, -1, 3, 2, -2, 1, 4, 0});
  check_run(c, d.path, {tensor_to_proto(x, "x"), tensor_to_proto(ints({1}, {2}), "k")},
            {tensor_to_proto(floats({2}, {0.5f, 1}), "v"), tensor_to_proto(ints({2}, {0, 3}), "i")});
  check_run(c, d.path, {tensor_to_proto(x, "x"), tensor_to_proto(ints({1}, {5}), "k")},
            {tensor_to_proto(floats({5}, {0.5f, 1, 2, 3, 4}), "v"), tensor_to_proto(ints({5}, {0, 3, 2, 1, 4}), "i")});
}

TEST_CASE("TopK of a count found in the data with a constant K: checked against the count at run time",
          "[detectdims][build]") {
  // v, i = TopK(x[x > 0], 2): the output [2]; a count below 2 is the data's error.
  ModelBuilder b;
  b.input("x", {8});
  scalar_f(b, "zero", 0.0f);
  b.init_i("k", {1}, {2});
  positives(b, "x", "p");
  b.node("TopK", {"p", "k"}, {"v", "i"});
  b.output("v").output("i");
  TempDir d;
  const Compiled c = compile_file(b.save(d.path));
  CHECK(!value(c.graph, "v").dynamic());
  CHECK(value(c.graph, "v").shape == Shape{2});
  check_run(c, d.path, {tensor_to_proto(floats({8}, {0.5f, -1, 3, 2, -2, 1, 4, 0}), "x")},
            {tensor_to_proto(floats({2}, {4, 3}), "v"), tensor_to_proto(ints({2}, {4, 1}), "i")});
  TestData one;  // one element above 0: K = 2 does not fit
  one.inputs = {tensor_to_proto(floats({8}, {-1, -1, 3, -1, -1, -1, -1, 0}), "x")};
  one.outputs = {tensor_to_proto(floats({2}, {0, 0}), "v"), tensor_to_proto(ints({2}, {0, 0}), "i")};
  CHECK_THROWS_WITH(build_and_compare(c, one, d.path), Catch::Contains("run returned 7"));  // ONNX2CPP_ERR_DATA_VALUE
}

TEST_CASE("Concat along counts found in the data: each part at a run-time offset", "[detectdims][build]") {
  // a = rows[s > 0], b = rows[s < 0] along axis 0 ([ca, 2], [cb, 2]); y = Concat(a, b) [ca + cb, 2].
  ModelBuilder b;
  b.input("rows", {5, 2}).input("s", {5});
  scalar_f(b, "zero", 0.0f);
  b.node("Greater", {"s", "zero"}, {"pos"});
  b.node("Less", {"s", "zero"}, {"neg"});
  ModelBuilder::attr_i(b.node("Compress", {"rows", "pos"}, {"a"}), "axis", 0);
  ModelBuilder::attr_i(b.node("Compress", {"rows", "neg"}, {"b"}), "axis", 0);
  ModelBuilder::attr_i(b.node("Concat", {"a", "b"}, {"y"}), "axis", 0);
  b.output("y");
  TempDir d;
  const Compiled c = compile_file(b.save(d.path));
  CHECK(value(c.graph, "y").shape == Shape{10, 2});
  const Tensor rows = floats({5, 2}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  check_run(c, d.path, {tensor_to_proto(rows, "rows"), tensor_to_proto(floats({5}, {-1, 2, 0, -3, 4}), "s")},
            {tensor_to_proto(floats({4, 2}, {2, 3, 8, 9, 0, 1, 6, 7}), "y")});
  check_run(c, d.path, {tensor_to_proto(rows, "rows"), tensor_to_proto(floats({5}, {0, 0, 0, 0, 1}), "s")},
            {tensor_to_proto(floats({1, 2}, {8, 9}), "y")});
}

TEST_CASE("If whose branches give different dims: the branch taken sets them, a branch reads a count",
          "[detectdims][build]") {
  // p = x[x > 0] [c]; y = If(cond) then [] (an empty constant) else p * 2, read in the
  // branch at its actual count (torchvision's batched_nms: no boxes, no NMS).
  ModelBuilder b;
  b.input("cond", {}, 9).input("x", {6});
  scalar_f(b, "zero", 0.0f);
  positives(b, "x", "p");
  onnx::GraphProto then_g, else_g;
  then_g.set_name("then");
  else_g.set_name("else");
  auto* k = add_node(then_g, "Constant", {}, {"empty"})->add_attribute();
  k->set_name("value");
  k->set_type(onnx::AttributeProto::TENSOR);
  k->mutable_t()->set_data_type(1);
  k->mutable_t()->add_dims(0);
  then_g.add_output()->set_name("empty");
  auto* two = add_node(else_g, "Constant", {}, {"two"})->add_attribute();
  two->set_name("value");
  two->set_type(onnx::AttributeProto::TENSOR);
  two->mutable_t()->set_data_type(1);
  two->mutable_t()->add_float_data(2.0f);
  add_node(else_g, "Mul", {"p", "two"}, {"e"});
  else_g.add_output()->set_name("e");
  auto& n = b.node("If", {"cond"}, {"y"});
  ModelBuilder::attr_graph(n, "then_branch", then_g);
  ModelBuilder::attr_graph(n, "else_branch", else_g);
  b.output("y");
  TempDir d;
  const Compiled c = compile_file(b.save(d.path));
  const Value& y = value(c.graph, "y");
  REQUIRE(y.dynamic());
  CHECK(y.shape == Shape{6});  // the larger branch's bound
  const Tensor x = floats({6}, {1, -1, 2.5f, 0, -3, 4});
  for (bool cond : {true, false}) {
    INFO("cond " << cond);
    Tensor tc(DType::Bool, {});
    tc.data<uint8_t>()[0] = cond;
    const Tensor want = cond ? floats({0}, {}) : floats({3}, {2, 5, 8});
    check_run(c, d.path, {tensor_to_proto(tc, "cond"), tensor_to_proto(x, "x")}, {tensor_to_proto(want, "y")});
  }
}

TEST_CASE("NonMaxSuppression of a run-time number of boxes", "[detectdims][build]") {
  // The boxes scoring above 0.1 (one NonZero: boxes and scores gathered at its indices, so
  // that both have its count): NMS at IoU 0.5, at most 10 per class. Boxes [y1, x1, y2, x2]:
  // 0 and 1 overlap (IoU 81/119), 2 apart, 3 on top of 0.
  ModelBuilder b;
  b.input("s", {4});
  b.init_f("boxes", {1, 4, 4}, {0, 0, 10, 10, 1, 1, 11, 11, 20, 20, 30, 30, 0, 0, 10, 10});
  b.init_i("most", {1}, {10}).init_i("axes01", {2}, {0, 1}).init_i("axis0", {1}, {0});
  b.init_f("iou", {1}, {0.5f});
  scalar_f(b, "tenth", 0.1f);
  b.node("Greater", {"s", "tenth"}, {"keep"});
  b.node("NonZero", {"keep"}, {"nz"});
  b.node("Squeeze", {"nz", "axis0"}, {"idx"});
  ModelBuilder::attr_i(b.node("Gather", {"boxes", "idx"}, {"kb"}), "axis", 1);
  b.node("Gather", {"s", "idx"}, {"ks"});
  b.node("Unsqueeze", {"ks", "axes01"}, {"ks3"});
  b.node("NonMaxSuppression", {"kb", "ks3", "most", "iou"}, {"y"});
  b.output("y");
  TempDir d;
  const Compiled c = compile_file(b.save(d.path));
  CHECK(value(c.graph, "y").shape == Shape{4, 3});  // at most the 4 boxes
  // Indices are into the boxes kept by the threshold.
  check_run(c, d.path, {tensor_to_proto(floats({4}, {0.9f, 0.8f, 0.7f, 0.05f}), "s")},
            {tensor_to_proto(ints({2, 3}, {0, 0, 0, 0, 0, 2}), "y")});
  check_run(c, d.path, {tensor_to_proto(floats({4}, {0.05f, 0.8f, 0.7f, 0.9f}), "s")},
            {tensor_to_proto(ints({2, 3}, {0, 0, 2, 0, 0, 1}), "y")});  // box 3 (kept #2) suppresses box 1 (kept #0)
  check_run(c, d.path, {tensor_to_proto(floats({4}, {0.05f, 0.05f, 0.7f, 0.05f}), "s")},
            {tensor_to_proto(ints({1, 3}, {0, 0, 0}), "y")});
  check_run(c, d.path, {tensor_to_proto(floats({4}, {0, 0, 0, 0}), "s")}, {tensor_to_proto(ints({0, 3}, {}), "y")});
}

TEST_CASE("Slice of a count found in the data to a constant end: the end clamped to the count",
          "[detectdims][build]") {
  // y = x[x > 0][:3] (torchvision's keep[:detections_per_img]): min(3, c) elements.
  ModelBuilder b;
  b.input("x", {8});
  scalar_f(b, "zero", 0.0f);
  b.init_i("start", {1}, {0}).init_i("end", {1}, {3});
  positives(b, "x", "p");
  b.node("Slice", {"p", "start", "end"}, {"y"});
  b.output("y");
  TempDir d;
  const Compiled c = compile_file(b.save(d.path));
  CHECK(value(c.graph, "y").shape == Shape{3});
  for (const std::vector<float>& x : {std::vector<float>{1, -1, 2, 3, -4, 5, 6, 0}, std::vector<float>{0, 0, -1, 2, 0, 0, 0, 0}}) {
    std::vector<float> want = above0(x);
    want.resize(std::min<size_t>(want.size(), 3));
    check_run(c, d.path, {tensor_to_proto(floats({8}, x), "x")},
              {tensor_to_proto(floats({static_cast<int64_t>(want.size())}, want), "y")});
  }
}

TEST_CASE("Split of rows counted in the data, along the static axis", "[detectdims][build]") {
  // k = rows[s > 0] [c, 3]; a, b = Split(k, [1, 2], axis 1): [c, 1] and [c, 2].
  ModelBuilder b;
  b.input("rows", {4, 3}).input("s", {4});
  scalar_f(b, "zero", 0.0f);
  b.init_i("sizes", {2}, {1, 2});
  b.node("Greater", {"s", "zero"}, {"m"});
  ModelBuilder::attr_i(b.node("Compress", {"rows", "m"}, {"k"}), "axis", 0);
  ModelBuilder::attr_i(b.node("Split", {"k", "sizes"}, {"a", "b"}), "axis", 1);
  b.output("a").output("b");
  TempDir d;
  const Compiled c = compile_file(b.save(d.path));
  CHECK(value(c.graph, "b").shape == Shape{4, 2});
  const Tensor rows = floats({4, 3}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  check_run(c, d.path, {tensor_to_proto(rows, "rows"), tensor_to_proto(floats({4}, {1, 0, 1, 1}), "s")},
            {tensor_to_proto(floats({3, 1}, {0, 6, 9}), "a"), tensor_to_proto(floats({3, 2}, {1, 2, 7, 8, 10, 11}), "b")});
  check_run(c, d.path, {tensor_to_proto(rows, "rows"), tensor_to_proto(floats({4}, {0, 1, 0, 0}), "s")},
            {tensor_to_proto(floats({1, 1}, {3}), "a"), tensor_to_proto(floats({1, 2}, {4, 5}), "b")});
}

TEST_CASE("ConstantOfShape of an int64 value at a count found in the data", "[detectdims][build]") {
  // labels = ConstantOfShape(Shape(x[x > 0]), value = int64 7) (a detector's labels per class).
  ModelBuilder b;
  b.input("x", {6});
  scalar_f(b, "zero", 0.0f);
  positives(b, "x", "p");
  b.node("Shape", {"p"}, {"n"});
  auto* v = b.node("ConstantOfShape", {"n"}, {"y"}).add_attribute();
  v->set_name("value");
  v->set_type(onnx::AttributeProto::TENSOR);
  v->mutable_t()->set_data_type(7);
  v->mutable_t()->add_dims(1);
  v->mutable_t()->add_int64_data(7);
  b.output("y");
  TempDir d;
  const Compiled c = compile_file(b.save(d.path));
  check_run(c, d.path, {tensor_to_proto(floats({6}, {1, -1, 2, 0, 3, -3}), "x")}, {tensor_to_proto(ints({3}, {7, 7, 7}), "y")});
  check_run(c, d.path, {tensor_to_proto(floats({6}, {0, 0, 0, 0, 0, 0}), "x")}, {tensor_to_proto(ints({0}, {}), "y")});
}

TEST_CASE("A count found in the data read only through its Shape keeps the node that finds it",
          "[detectdims][build]") {
  // y = Shape(x[x > 0]): the Shape becomes a Dims node writing count(p); p itself has no reader,
  // but the Compress that sets the count must still run.
  ModelBuilder b;
  b.input("x", {6});
  scalar_f(b, "zero", 0.0f);
  positives(b, "x", "p");
  b.node("Shape", {"p"}, {"y"});
  b.output("y");
  TempDir d;
  const Compiled c = compile_file(b.save(d.path));
  CHECK(live_nodes(c, "Compress") == 1);
  check_run(c, d.path, {tensor_to_proto(floats({6}, {1, -1, 2, 0, 3, -3}), "x")}, {tensor_to_proto(ints({1}, {3}), "y")});
  check_run(c, d.path, {tensor_to_proto(floats({6}, {1, 1, 1, 1, 1, 0}), "x")}, {tensor_to_proto(ints({1}, {5}), "y")});
}
