// Counts the data decides (NonZero, Compress, Unique, NonMaxSuppression): a run-time dim the
// kernel sets, bounded at compile time. What the node tests do not reach: a count read by an
// elementwise op, nothing written past the actual count, a condition the data gets wrong, and
// the refusals.
#include <catch2/catch.hpp>

#include "builder.hpp"
#include "run_check.hpp"
#include "run_main.hpp"

using namespace o2c;
using namespace o2c::test;

TEST_CASE("NonZero's count feeds an elementwise op, nothing is written past it", "[datadims][build]") {
  // y = -NonZero(x), x [3, 4]; z = Compress(x, c) along axis 1, c [5] (one past the axis).
  ModelBuilder b;
  b.input("x", {3, 4}).input("c", {5}, 9);
  b.node("NonZero", {"x"}, {"nz"});
  b.node("Neg", {"nz"}, {"y"});
  ModelBuilder::attr_i(b.node("Compress", {"x", "c"}, {"z"}), "axis", 1);
  b.output("y").output("z");
  TempDir d;
  const Compiled c = compile_file(b.save(d.path));
  const Value& y = value(c.graph, "y");
  REQUIRE(y.dynamic());
  CHECK(y.shape == Shape{2, 12});  // planned for the bound: every element nonzero
  CHECK(y.dims[1].str(*c.graph.dims) == "count(nz)");
  CHECK(value(c.graph, "z").shape == Shape{3, 4});  // min(5, 4) columns
  CHECK(c.files.header.find("int64_t y[2];  /* [\"2, count(nz)\"], at most [2,12] */") != std::string::npos);

  const std::string main_cpp = std::string(
        "#include <cstdio>\n#include \"m.h\"\n"
        "// Each output buffer is followed by guard elements the run must leave alone.\n"
        "int check(const float* x, const bool* cond, int rc_want) {\n"
        "  alignas(64) static unsigned char arena[M_ARENA_BYTES + 64];\n"
        "  int64_t y[2 * 12 + 8];\n  float z[12 + 8];\n"
        "  for (auto& v : y) v = -99;\n  for (auto& v : z) v = -99.0f;\n"
        "  m_inputs in{};\n  in.x = x;\n  in.c = cond;\n  m_outputs out{};\n  out.y = y;\n  out.z = z;\n"
        "  const int rc = m_run(&in, &out, arena, sizeof arena);\n"
        "  if (rc != rc_want) return 10 + rc;\n"
        "  if (rc) return 0;\n"
        "  int64_t n = 0;\n  for (int i = 0; i < 12; ++i) n += x[i] != 0;\n"
        "  if (out.shapes.y[0] != 2 || out.shapes.y[1] != n) return 2;\n"
        "  int64_t j = 0;\n"
        "  for (int i = 0; i < 12; ++i) {\n"
        "    if (x[i] == 0) continue;\n"
        "    if (y[j] != -(i / 4) || y[n + j] != -(i % 4)) { std::printf(\"y[%d]\\n\", int(j)); return 3; }\n"
        "    ++j;\n  }\n"
        "  for (int64_t k = 2 * n; k < 2 * 12 + 8; ++k) if (y[k] != -99) return 4;  // past the actual count\n"
        "  int64_t m = 0;\n  for (int k = 0; k < 4; ++k) m += cond[k];\n"
        "  if (out.shapes.z[0] != 3 || out.shapes.z[1] != m) return 5;\n"
        "  for (int r = 0, at = 0; r < 3; ++r)\n"
        "    for (int k = 0; k < 4; ++k) if (cond[k] && z[at++] != x[r * 4 + k]) return 6;\n"
        "  for (int64_t k = 3 * m; k < 12 + 8; ++k) if (z[k] != -99.0f) return 7;\n"
        "  return 0;\n}\n"
        "int main() {\n"
        "  const float none[12] = {0}, some[12] = {0, 1, 0, 2, 0, 0, 3, 0, 4, 5, 0, 0};\n"
        "  float all[12];\n  for (int i = 0; i < 12; ++i) all[i] = float(i + 1);\n"
        "  const bool c1[5] = {true, false, true, false, false}, c2[5] = {false, false, false, false, false};\n"
        "  const bool past[5] = {true, false, false, false, true};  // a true past the axis: the data's error\n"
        "  int rc = 0;\n"
        "  if ((rc = check(none, c1, ONNX2CPP_OK)) || (rc = check(some, c2, ONNX2CPP_OK)) || (rc = check(all, c1, ONNX2CPP_OK)) ||\n"
        "      (rc = check(some, past, ONNX2CPP_ERR_DATA_VALUE))) return rc;\n"
        "  std::printf(\"ok\\n\");\n  return 0;\n}\n");
  std::string log;
  const int rc = build_and_run_main(c, d.path, main_cpp, &log);
  INFO(log);
  CHECK(rc == 0);
}

TEST_CASE("Concat appends a count found in the data after fixed columns", "[datadims][build]") {
  // w = Concat(x, Compress(x, c, axis 1), axis 1): x [3, 4] then the columns c keeps.
  ModelBuilder b;
  b.input("x", {3, 4}).input("c", {4}, 9);
  ModelBuilder::attr_i(b.node("Compress", {"x", "c"}, {"z"}), "axis", 1);
  ModelBuilder::attr_i(b.node("Concat", {"x", "z"}, {"w"}), "axis", 1);
  b.output("w");
  TempDir d;
  const Compiled c = compile_file(b.save(d.path));
  const Value& w = value(c.graph, "w");
  REQUIRE(w.dynamic());
  CHECK(w.shape == Shape{3, 8});
  const Tensor x = floats({3, 4}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  Tensor keep(DType::Bool, {4});
  for (int i = 0; i < 4; ++i) keep.data<uint8_t>()[i] = i != 1;
  check_run(c, d.path, {tensor_to_proto(x, "x"), tensor_to_proto(keep, "c")},
            {tensor_to_proto(floats({3, 7}, {1, 2, 3, 4, 1, 3, 4, 5, 6, 7, 8, 5, 7, 8, 9, 10, 11, 12, 9, 11, 12}), "w")});
}

TEST_CASE("NonZero of a constant folds to a constant of its actual shape", "[datadims]") {
  ModelBuilder b;
  b.init_f("k", {2, 3}, {0, 1, 0, 2, 0, 3});
  b.input("x", {1});
  b.node("NonZero", {"k"}, {"nz"});
  b.node("Shape", {"nz"}, {"y"});
  b.output("y");
  TempDir d;
  const Compiled c = compile_file(b.save(d.path));
  const Value& y = value(c.graph, "y");
  REQUIRE(y.constant);
  CHECK(y.constant->int_at(0) == 2);
  CHECK(y.constant->int_at(1) == 3);
}

TEST_CASE("An op that takes static shapes only refuses a count found in the data, naming its input", "[datadims]") {
  ModelBuilder b;
  b.input("x", {3, 4});
  b.node("NonZero", {"x"}, {"nz"});
  ModelBuilder::attr_i(b.node("Cast", {"nz"}, {"f"}), "to", 1);
  b.node("LpNormalization", {"f"}, {"y"});
  b.output("y");
  const std::string m = error_of(b);
  INFO(m);
  CHECK(m.find("LpNormalization") != std::string::npos);
  CHECK(m.find("has run-time dims [2,count(nz)]") != std::string::npos);
  CHECK(m.find("a count found in the data") != std::string::npos);
}

TEST_CASE("NonZero of a scalar is refused", "[datadims]") {
  ModelBuilder b;
  b.input("x", {});
  b.node("NonZero", {"x"}, {"y"});
  b.output("y");
  CHECK(error_of(b).find("NonZero of a scalar") != std::string::npos);
}
