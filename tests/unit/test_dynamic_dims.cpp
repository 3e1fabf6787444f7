// Run-time dims (--dim NAME=LO..HI): one compiled model runs at every size in the range. The
// caller gives the sizes in the inputs' `dims`, reads the outputs' actual shapes in `shapes`;
// ops that do not take run-time dims yet are refused by name.
#include <catch2/catch.hpp>

#include <functional>

#include "builder.hpp"
#include "run_check.hpp"
#include "run_main.hpp"

using namespace o2c;
using namespace o2c::test;

namespace {

ShapeBindings seq_1_to_16() {
  ShapeBindings b;
  b.dims["seq"] = DimRange{1, 16};
  return b;
}
}  // namespace

TEST_CASE("A model compiled for seq in 1..16 runs at 1, 3 and 16, and refuses 0 and 17", "[dims][build]") {
  // y = Relu(x + b) * x: x [seq, 4], b [4].
  ModelBuilder b;
  b.input("x", {-1, 4}, 1, "seq");
  b.init_f("b", {4}, {0.5f, -1.0f, 0.25f, -0.5f});
  b.node("Add", {"x", "b"}, {"s"});
  b.node("Relu", {"s"}, {"r"});
  b.node("Mul", {"r", "x"}, {"y"});
  b.output("y");
  TempDir d;
  const Compiled c = compile_file(b.save(d.path), seq_1_to_16());
  const Value& y = value(c.graph, "y");
  REQUIRE(y.dynamic());
  CHECK(y.shape == Shape{16, 4});  // planned for the bound
  CHECK(y.dims[0].str(*c.graph.dims) == "seq");
  CHECK(c.files.header.find("} dims;") != std::string::npos);
  CHECK(c.files.header.find("} shapes;") != std::string::npos);

  const std::string main_cpp = std::string(
        "#include <cmath>\n#include <cstdio>\n#include \"m.h\"\n"
        "int main() {\n"
        "  alignas(64) static unsigned char arena[M_ARENA_BYTES + 64];\n"
        "  const float bias[4] = {0.5f, -1.0f, 0.25f, -0.5f};\n"
        "  float x[16 * 4], y[16 * 4];\n"
        "  const int64_t sizes[3] = {1, 3, 16};\n"
        "  for (int t = 0; t < 3; ++t) {\n"
        "    const int64_t seq = sizes[t];\n"
        "    for (int i = 0; i < 16 * 4; ++i) { x[i] = 0.25f * float(i % 7) - 0.6f; y[i] = -99.0f; }\n"
        "    m_inputs in{};\n    in.x = x;\n    in.dims.seq = seq;\n"
        "    m_outputs out{};\n    out.y = y;\n"
        "    if (m_run(&in, &out, arena, sizeof arena) != ONNX2CPP_OK) return 1;\n"
        "    if (out.shapes.y[0] != seq || out.shapes.y[1] != 4) return 2;\n"
        "    for (int64_t i = 0; i < seq * 4; ++i) {\n"
        "      const float s = x[i] + bias[i % 4], want = (s > 0 ? s : 0.0f) * x[i];\n"
        "      if (std::fabs(y[i] - want) > 1e-6f) { std::printf(\"seq %d: y[%d] = %g, want %g\\n\", int(seq), int(i), double(y[i]), double(want)); return 3; }\n"
        "    }\n"
        "    for (int64_t i = seq * 4; i < 16 * 4; ++i) if (y[i] != -99.0f) return 4;  // nothing past the actual size\n"
        "  }\n"
        "  m_inputs in{};\n  in.x = x;\n  m_outputs out{};\n  out.y = y;\n"
        "  in.dims.seq = 0;\n  if (m_run(&in, &out, arena, sizeof arena) != ONNX2CPP_ERR_DIM_RANGE) return 5;\n"
        "  in.dims.seq = 17;\n  if (m_run(&in, &out, arena, sizeof arena) != ONNX2CPP_ERR_DIM_RANGE) return 6;\n"
        "  std::printf(\"ok\\n\");\n  return 0;\n}\n");
  std::string log;
  const int rc = build_and_run_main(c, d.path, main_cpp, &log);
  INFO(log);
  CHECK(rc == 0);
}

TEST_CASE("arena_bytes_for(in): a run at smaller dims needs and checks a smaller arena", "[dims][build]") {
  // y = MatMul(Relu(MatMul(x, w1)), w2): x [seq, 4], the [seq, 8] intermediates in the arena.
  ModelBuilder b;
  b.input("x", {-1, 4}, 1, "seq");
  std::vector<float> w1(32), w2(32);
  for (int i = 0; i < 32; ++i) w1[static_cast<size_t>(i)] = 0.1f * float(i % 5) - 0.2f, w2[static_cast<size_t>(i)] = 0.05f * float(i % 7) - 0.1f;
  b.init_f("w1", {4, 8}, w1).init_f("w2", {8, 4}, w2);
  b.node("MatMul", {"x", "w1"}, {"h"});
  b.node("Relu", {"h"}, {"r"});
  b.node("MatMul", {"r", "w2"}, {"y"});
  b.output("y");
  TempDir d;
  const Compiled c = compile_file(b.save(d.path), seq_1_to_16());
  REQUIRE(c.plan.arena_bytes >= 16 * 8 * 4);
  const std::string main_cpp = std::string(
        "#include <cstdio>\n#include <cstring>\n#include \"m.h\"\n"
        "alignas(64) static unsigned char arena[M_ARENA_BYTES + 256];\n"
        "int run(int64_t seq, size_t bytes, float* y) {\n"
        "  float x[16 * 4];\n  for (int i = 0; i < 64; ++i) x[i] = 0.25f * float(i % 9) - 1.0f;\n"
        "  m_inputs in{};\n  in.x = x;\n  in.dims.seq = seq;\n  m_outputs out{};\n  out.y = y;\n"
        "  std::memset(arena, 0xAB, sizeof arena);\n"
        "  const int rc = m_run(&in, &out, arena, bytes);\n"
        "  for (size_t i = bytes; i < sizeof arena; ++i) if (arena[i] != 0xAB) return 100;  // nothing past `bytes`\n"
        "  return rc;\n}\n"
        "int main() {\n"
        "  m_inputs in{};\n"
        "  in.dims.seq = 16;\n  const size_t most = m_arena_bytes_for(&in);\n"
        "  in.dims.seq = 3;\n  const size_t three = m_arena_bytes_for(&in);\n"
        "  in.dims.seq = 17;\n  const size_t outside = m_arena_bytes_for(&in);\n"
        "  std::printf(\"16: %zu, 3: %zu, 17: %zu, M_ARENA_BYTES %zu\\n\", most, three, outside, size_t(M_ARENA_BYTES));\n"
        "  if (most > M_ARENA_BYTES || outside != M_ARENA_BYTES || three >= most || three < 3 * 8 * 4) return 1;\n"
        "  float y16[64], y3[64];\n"
        "  if (run(16, most, y16) != ONNX2CPP_OK) return 2;\n"
        "  if (run(3, three, y3) != ONNX2CPP_OK) return 3;\n"
        "  for (int i = 0; i < 12; ++i) if (y3[i] != y16[i]) return 4;  // rows do not depend on seq\n"
        "  if (run(3, three - 1, y3) != ONNX2CPP_ERR_ARENA_TOO_SMALL) return 5;\n"
        "  if (run(16, three, y16) != ONNX2CPP_ERR_ARENA_TOO_SMALL) return 6;\n"
        "  std::printf(\"ok\\n\");\n  return 0;\n}\n");
  std::string log;
  const int rc = build_and_run_main(c, d.path, main_cpp, &log);
  INFO(log);
  CHECK(rc == 0);
}

TEST_CASE("An op that does not take run-time dims yet is refused, naming the dims", "[dims]") {
  ModelBuilder b;
  b.input("x", {-1, 4}, 1, "seq");
  b.node("Hardmax", {"x"}, {"h"});
  b.node("LpNormalization", {"h"}, {"y"});
  const std::string m = error_of(b, seq_1_to_16());
  CHECK(m.find("LpNormalization") != std::string::npos);
  CHECK(m.find("run-time dims [seq,4]") != std::string::npos);
}

TEST_CASE("Two run-time dims that broadcast only if one of them is 1 at run time are refused", "[dims]") {
  ModelBuilder b;
  b.input("x", {-1, 4}, 1, "seq").input("z", {-1, 1}, 1, "len");
  b.node("Add", {"x", "z"}, {"y"});
  ShapeBindings two = seq_1_to_16();
  two.dims["len"] = DimRange{1, 16};
  CHECK(error_of(b, two).find("known at run time only") != std::string::npos);
}

namespace {

// x [seq, 8] through an exporter's attention block: the sizes of its Reshapes computed from
// Shape (Shape -> Gather -> Unsqueeze -> Concat), two heads, MatMul, Softmax, a LayerNorm as
// exporters spell it (ReduceMean, Sub, Pow, Sqrt, Div), Gemm by weights, a positional table
// sliced to the length.
void attention_block(ModelBuilder& b) {
  std::vector<float> w(64), pos(16 * 8);
  for (size_t i = 0; i < w.size(); ++i) w[i] = 0.05f * static_cast<float>((i * 7) % 11) - 0.25f;
  for (size_t i = 0; i < pos.size(); ++i) pos[i] = 0.01f * static_cast<float>(i % 13);
  b.init_f("w", {8, 8}, w).init_f("pos", {16, 8}, pos).init_f("two", {}, {2.0f}).init_f("eps", {}, {1e-5f});
  b.init_i("i0", {}, {0}).init_i("ax0", {1}, {0}).init_i("zero1", {1}, {0}).init_i("heads_dims", {2}, {2, 4});
  b.node("Shape", {"x"}, {"shp"});
  b.node("Gather", {"shp", "i0"}, {"len"});
  b.node("Unsqueeze", {"len", "ax0"}, {"len1"});
  b.node("Slice", {"pos", "zero1", "len1", "ax0"}, {"p"});  // pos[:len]
  b.node("Add", {"x", "p"}, {"xp"});
  ModelBuilder::attr_i(b.node("Concat", {"len1", "heads_dims"}, {"hshape"}), "axis", 0);
  b.node("Reshape", {"xp", "hshape"}, {"h"});  // [seq, 2, 4]
  ModelBuilder::attr_ints(b.node("Transpose", {"h"}, {"q"}), "perm", {1, 0, 2});   // [2, seq, 4]
  ModelBuilder::attr_ints(b.node("Transpose", {"h"}, {"kt"}), "perm", {1, 2, 0});  // [2, 4, seq]
  b.node("MatMul", {"q", "kt"}, {"s"});                                              // [2, seq, seq]
  ModelBuilder::attr_i(b.node("Softmax", {"s"}, {"a"}), "axis", -1);
  b.node("MatMul", {"a", "q"}, {"o"});                                              // [2, seq, 4]
  ModelBuilder::attr_ints(b.node("Transpose", {"o"}, {"ot"}), "perm", {1, 0, 2});   // [seq, 2, 4]
  b.init_i("flat", {2}, {-1, 8});
  b.node("Reshape", {"ot", "flat"}, {"o2"});                                        // [seq, 8]
  b.node("Gemm", {"o2", "w"}, {"g"});
  ModelBuilder::attr_ints(b.node("ReduceMean", {"g"}, {"m"}), "axes", {-1});
  b.node("Sub", {"g", "m"}, {"d"});
  b.node("Pow", {"d", "two"}, {"d2"});
  ModelBuilder::attr_ints(b.node("ReduceMean", {"d2"}, {"v"}), "axes", {-1});
  b.node("Add", {"v", "eps"}, {"ve"});
  b.node("Sqrt", {"ve"}, {"sd"});
  b.node("Div", {"d", "sd"}, {"y"});
}

std::vector<float> block_input(int64_t seq, int64_t width) {
  std::vector<float> x(static_cast<size_t>(seq * width));
  for (size_t i = 0; i < x.size(); ++i) x[i] = 0.1f * static_cast<float>((i * 5) % 17) - 0.8f;
  return x;
}

// y = block(x), x [seq, width]: compiled once for seq in 1..16 and run at several sizes,
// against the same block with x an initializer of each size (folded by the compiler's kernels).
void check_against_folded(const std::function<void(ModelBuilder&)>& block, int64_t width) {
  TempDir d;
  ModelBuilder dyn;
  dyn.input("x", {-1, width}, 1, "seq");
  block(dyn);
  dyn.output("y");
  const Compiled c = compile_file(dyn.save(d.path, "dyn"), seq_1_to_16());
  REQUIRE(value(c.graph, "y").dynamic());
  for (int64_t seq : {1, 5, 16}) {
    INFO("seq " << seq);
    ModelBuilder fixed;
    fixed.init_f("x", {seq, width}, block_input(seq, width));
    block(fixed);
    fixed.output("y");
    const Compiled f = compile_file(fixed.save(d.path, "fixed" + std::to_string(seq)));
    REQUIRE(value(f.graph, "y").constant);
    check_run(c, d.path + "/run" + std::to_string(seq), {tensor_to_proto(floats({seq, width}, block_input(seq, width)), "x")},
              {tensor_to_proto(*value(f.graph, "y").constant, "y")}, 1e-4, 1e-5);
  }
}

}  // namespace

TEST_CASE("An attention block compiled for seq in 1..16 matches the block folded at each size", "[dims][build]") {
  check_against_folded(attention_block, 8);
}

TEST_CASE("ConstantOfShape, Concat and Expand take shapes of run-time dims", "[dims][build]") {
  check_against_folded(
      [](ModelBuilder& b) {
        b.init_f("bias", {1, 6}, {0.5f, -1.0f, 0.25f, 2.0f, -0.5f, 1.5f});
        b.node("Shape", {"x"}, {"shp"});
        auto& ones = b.node("ConstantOfShape", {"shp"}, {"ones"});
        onnx::TensorProto one;
        one.set_data_type(1);
        one.add_dims(1);
        one.add_float_data(1.0f);
        auto* a = ones.add_attribute();
        a->set_name("value");
        a->set_type(onnx::AttributeProto::TENSOR);
        *a->mutable_t() = one;
        b.init_i("two", {1}, {2});
        b.init_i("zero", {1}, {0});
        b.init_i("one", {1}, {1});
        b.node("Slice", {"ones", "zero", "two", "one"}, {"ones2"});  // [seq, 2]
        ModelBuilder::attr_i(b.node("Concat", {"x", "ones2"}, {"cat"}), "axis", 1);  // [seq, 6]
        b.node("Shape", {"cat"}, {"cshp"});
        b.node("Expand", {"bias", "cshp"}, {"e"});  // [seq, 6]
        b.node("Mul", {"cat", "e"}, {"y"});
      },
      4);
}

TEST_CASE("Range takes a limit of run-time dims (position ids)", "[dims][build]") {
  check_against_folded(
      [](ModelBuilder& b) {
        b.init_i("i0", {}, {0}).init_i("three", {}, {3}).init_i("one", {}, {1}).init_i("ax1", {1}, {1});
        b.node("Shape", {"x"}, {"shp"});
        b.node("Gather", {"shp", "i0"}, {"len"});
        b.node("Add", {"len", "three"}, {"end"});
        b.node("Range", {"three", "end", "one"}, {"pos"});  // 3, 4, ..., seq + 2
        ModelBuilder::attr_i(b.node("Cast", {"pos"}, {"posf"}), "to", 1);
        b.node("Unsqueeze", {"posf", "ax1"}, {"col"});  // [seq, 1]
        b.node("Add", {"x", "col"}, {"y"});
      },
      3);
}

TEST_CASE("A shape computed from run-time dims folds to expressions of them", "[dims]") {
  ModelBuilder b;
  b.input("x", {-1, 8}, 1, "seq");
  attention_block(b);
  b.output("y");
  TempDir d;
  const Compiled c = compile_file(b.save(d.path), seq_1_to_16());
  const Value& h = value(c.graph, "h");
  REQUIRE(h.dynamic());
  CHECK(h.dims[0].str(*c.graph.dims) == "seq");
  CHECK(h.shape == Shape{16, 2, 4});
  CHECK(value(c.graph, "s").dims[2].str(*c.graph.dims) == "seq");
  // Nothing of the shape arithmetic runs but the values something reads as data.
  for (int id : c.graph.order) CHECK(c.graph.nodes[id].op != "Shape");
}

TEST_CASE("A slice past the end of a table for some sizes is refused, naming them", "[dims]") {
  ModelBuilder b;
  b.input("x", {-1, 8}, 1, "seq");
  attention_block(b);
  ShapeBindings big;
  big.dims["seq"] = DimRange{1, 32};  // pos has 16 rows
  const std::string m = error_of(b, big);
  CHECK(m.find("Slice") != std::string::npos);
  CHECK(m.find("inside the dim for every size") != std::string::npos);
}

TEST_CASE("Squeeze without axes of a run-time dim that may be 1 is refused", "[dims]") {
  ModelBuilder b;
  b.input("x", {-1, 4}, 1, "seq");
  b.node("Squeeze", {"x"}, {"y"});
  CHECK(error_of(b, seq_1_to_16()).find("which is 1 for some sizes") != std::string::npos);
}

TEST_CASE("GatherElements takes run-time dims, indices rows beyond the data's at a run return an error", "[dims][build]") {
  // y[i][j] = x[i][idx[i][j]]: x [seq, 3], idx [n, 2] (n <= seq is checked when the model runs).
  ModelBuilder b;
  b.input("x", {-1, 3}, 1, "seq").input("idx", {-1, 2}, 7, "n");
  auto& g = b.node("GatherElements", {"x", "idx"}, {"y"});
  ModelBuilder::attr_i(g, "axis", 1);
  b.output("y");
  ShapeBindings bind;
  bind.dims["seq"] = DimRange{1, 8};
  bind.dims["n"] = DimRange{1, 8};
  TempDir d;
  const Compiled c = compile_file(b.save(d.path), bind);
  CHECK(c.files.source.find("k::gather_elements_dims(") != std::string::npos);
  const std::string main_cpp = std::string(
        "#include <cstdio>\n#include \"m.h\"\n"
        "int main() {\n"
        "  alignas(64) static unsigned char arena[M_ARENA_BYTES + 64];\n"
        "  float x[8 * 3], y[8 * 2];\n  int64_t idx[8 * 2];\n"
        "  for (int i = 0; i < 24; ++i) x[i] = float(i);\n"
        "  for (int i = 0; i < 16; ++i) idx[i] = (i * 5) % 3 - (i % 4 == 0 ? 3 : 0);  // negative ones too\n"
        "  m_inputs in{};\n  in.x = x;\n  in.idx = idx;\n  m_outputs out{};\n  out.y = y;\n"
        "  in.dims.seq = 4;\n  in.dims.n = 3;\n"
        "  if (m_run(&in, &out, arena, sizeof arena) != ONNX2CPP_OK) return 1;\n"
        "  if (out.shapes.y[0] != 3 || out.shapes.y[1] != 2) return 2;\n"
        "  for (int i = 0; i < 3; ++i)\n    for (int j = 0; j < 2; ++j) {\n"
        "      const int64_t k = idx[i * 2 + j] < 0 ? idx[i * 2 + j] + 3 : idx[i * 2 + j];\n"
        "      if (y[i * 2 + j] != x[i * 3 + k]) { std::printf(\"y[%d][%d] = %g\\n\", i, j, double(y[i * 2 + j])); return 3; }\n"
        "    }\n"
        "  in.dims.seq = 2;\n"
        "  if (m_run(&in, &out, arena, sizeof arena) != ONNX2CPP_ERR_DATA_SHAPE) return 4;\n"
        "  std::printf(\"ok\\n\");\n  return 0;\n}\n");
  std::string log;
  const int rc = build_and_run_main(c, d.path, main_cpp, &log);
  INFO(log);
  CHECK(rc == 0);
}
