// The index and linear-algebra ops folded at compile time (the conformance tests feed their
// inputs at run time, so only these reach the eval functions of kernels/indexing.cpp,
// linalg.cpp, BitCast's and Col2Im's), and the attribute values and constant indices the
// conformance tests do not reach.
#include <catch2/catch.hpp>

#include "builder.hpp"

using namespace o2c;
using namespace o2c::test;

TEST_CASE("GatherElements, ScatterElements and Scatter fold", "[indexing]") {
  {
    ModelBuilder b;
    b.init_f("data", {2, 3}, {1, 2, 3, 4, 5, 6}).init_i("idx", {2, 2}, {2, -3, 1, 0});
    ModelBuilder::attr_i(b.node("GatherElements", {"data", "idx"}, {"g"}), "axis", 1);
    CHECK(doubles(folded(b, "g", {2, 2})) == std::vector<double>{3, 1, 5, 4});
  }
  {
    ModelBuilder b(18);
    b.init_f("data", {1, 4}, {1, 2, 3, 4}).init_i("idx", {1, 3}, {1, 1, -1}).init_f("upd", {1, 3}, {5, 6, 7});
    auto& n = b.node("ScatterElements", {"data", "idx", "upd"}, {"s"});
    ModelBuilder::attr_i(n, "axis", 1);
    ModelBuilder::attr_s(n, "reduction", "mul");
    CHECK(doubles(folded(b, "s", {1, 4})) == std::vector<double>{1, 60, 3, 28});
  }
  {
    ModelBuilder b(10);
    b.init_f("data", {2, 2}, {1, 2, 3, 4}).init_i("idx", {1, 2}, {1, 0}).init_f("upd", {1, 2}, {8, 9});
    b.node("Scatter", {"data", "idx", "upd"}, {"s"});
    CHECK(doubles(folded(b, "s", {2, 2})) == std::vector<double>{1, 9, 8, 4});
  }
}

TEST_CASE("GatherND with batch_dims and ScatterND with a reduction fold", "[indexing]") {
  {
    ModelBuilder b(13);
    b.init_f("data", {2, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7}).init_i("idx", {2, 1}, {1, 0});
    ModelBuilder::attr_i(b.node("GatherND", {"data", "idx"}, {"g"}), "batch_dims", 1);
    CHECK(doubles(folded(b, "g", {2, 2})) == std::vector<double>{2, 3, 4, 5});
  }
  {
    ModelBuilder b(18);
    b.init_f("data", {3, 2}, {1, 2, 3, 4, 5, 6}).init_i("idx", {2, 1}, {2, 2}).init_f("upd", {2, 2}, {9, 0, 7, 8});
    ModelBuilder::attr_s(b.node("ScatterND", {"data", "idx", "upd"}, {"s"}), "reduction", "max");
    CHECK(doubles(folded(b, "s", {3, 2})) == std::vector<double>{1, 2, 3, 4, 9, 8});
  }
}

TEST_CASE("TensorScatter, ReverseSequence, EyeLike, Det, BitCast, Col2Im, CenterCropPad, MaxUnpool fold",
          "[indexing]") {
  {
    ModelBuilder b(24);
    b.init_f("past", {1, 3, 1}, {1, 2, 3}).init_f("upd", {1, 2, 1}, {8, 9}).init_i("w", {1}, {2});
    ModelBuilder::attr_s(b.node("TensorScatter", {"past", "upd", "w"}, {"t"}), "mode", "circular");
    CHECK(doubles(folded(b, "t", {1, 3, 1})) == std::vector<double>{9, 2, 8});
  }
  {
    ModelBuilder b(10);
    b.init_f("seq", {3, 2}, {0, 1, 2, 3, 4, 5}).init_i("lens", {2}, {3, 2});
    b.node("ReverseSequence", {"seq", "lens"}, {"r"});  // time axis 0, batch axis 1
    CHECK(doubles(folded(b, "r", {3, 2})) == std::vector<double>{4, 3, 2, 1, 0, 5});
  }
  {
    ModelBuilder b(22);
    b.init_i("z", {2, 3}, {0, 0, 0, 0, 0, 0});
    auto& n = b.node("EyeLike", {"z"}, {"e"});
    ModelBuilder::attr_i(n, "k", -1);
    ModelBuilder::attr_i(n, "dtype", 1);
    CHECK(doubles(folded(b, "e", {2, 3})) == std::vector<double>{0, 0, 0, 1, 0, 0});
  }
  {
    ModelBuilder b(22);
    b.init_f("m", {2, 2, 2}, {1, 2, 3, 4, 0, 1, 1, 0});
    b.node("Det", {"m"}, {"d"});
    CHECK(doubles(folded(b, "d", {2})) == std::vector<double>{-2, -1});
  }
  {
    ModelBuilder b(26);
    b.init_f("f", {2}, {1.0f, -2.0f});
    ModelBuilder::attr_i(b.node("BitCast", {"f"}, {"i"}), "to", 6);  // int32
    const Tensor t = folded(b, "i", {2}, 6);
    CHECK(t.dtype == DType::Int32);
    CHECK(t.to_ints() == std::vector<int64_t>{0x3f800000, static_cast<int32_t>(0xc0000000u)});
  }
  {
    // One channel, 2x2 blocks over a 3x3 image with stride 1: 4 blocks.
    ModelBuilder b(18);
    b.init_f("col", {1, 4, 4}, std::vector<float>(16, 1.0f)).init_i("img", {2}, {3, 3}).init_i("blk", {2}, {2, 2});
    b.node("Col2Im", {"col", "img", "blk"}, {"c"});
    CHECK(doubles(folded(b, "c", {1, 1, 3, 3})) == std::vector<double>{1, 2, 1, 2, 4, 2, 1, 2, 1});
  }
  {
    ModelBuilder b(18);
    b.init_f("img", {3, 2}, {1, 2, 3, 4, 5, 6}).init_i("shape", {2}, {2, 4});
    b.node("CenterCropPad", {"img", "shape"}, {"c"});
    CHECK(doubles(folded(b, "c", {2, 4})) == std::vector<double>{0, 1, 2, 0, 0, 3, 4, 0});
  }
  {
    ModelBuilder b(22);
    b.init_f("v", {1, 1, 1, 2}, {5, 6}).init_i("i", {1, 1, 1, 2}, {3, 0});
    auto& n = b.node("MaxUnpool", {"v", "i"}, {"u"});
    ModelBuilder::attr_ints(n, "kernel_shape", {2, 2});
    ModelBuilder::attr_ints(n, "strides", {2, 2});
    CHECK(doubles(folded(b, "u", {1, 1, 2, 4})) == std::vector<double>{6, 0, 0, 5, 0, 0, 0, 0});
  }
}

TEST_CASE("index ops refuse what the spec forbids or onnx2cpp cannot do", "[indexing]") {
  {  // max and min reductions came with opset 18
    ModelBuilder b(16);
    b.input("data", {4}).init_i("idx", {1}, {0}).input("upd", {1});
    ModelBuilder::attr_s(b.node("ScatterElements", {"data", "idx", "upd"}, {"y"}), "reduction", "max");
    CHECK_THAT(error_of(b), Catch::Contains("need opset 18"));
  }
  {  // a constant index out of range is the model's error
    ModelBuilder b(13);
    b.input("data", {2, 3}).init_i("idx", {1, 1}, {3});
    b.node("GatherElements", {"data", "idx"}, {"y"});
    CHECK_THAT(error_of(b), Catch::Contains("out of range"));
  }
  {
    ModelBuilder b(13);
    b.input("data", {2, 3}).init_i("idx", {1, 2}, {1, -4});
    b.node("GatherND", {"data", "idx"}, {"y"});
    CHECK_THAT(error_of(b), Catch::Contains("out of range"));
  }
  {  // a byte is not a bool
    ModelBuilder b(26);
    b.input("x", {2}, 2);
    ModelBuilder::attr_i(b.node("BitCast", {"x"}, {"y"}), "to", 9);
    CHECK_THAT(error_of(b), Catch::Contains("BitCast to bool"));
  }
  {  // int8 is not a 4-bit type
    ModelBuilder b(26);
    b.input("x", {2}, 3);
    ModelBuilder::attr_i(b.node("BitCast", {"x"}, {"y"}), "to", 22);
    CHECK_THAT(error_of(b), Catch::Contains("changes the width"));
  }
}
