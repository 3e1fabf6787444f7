// Run-time dims (--dim NAME=LO..HI): one compiled model runs at every size in the range. The
// caller gives the sizes in the inputs' `dims`, reads the outputs' actual shapes in `shapes`;
// ops that do not take run-time dims yet are refused by name.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>

#include "builder.hpp"
#include "tools/runner.hpp"

using namespace o2c;
using namespace o2c::test;

namespace {
std::string cxx() { return std::getenv("CXX") ? std::getenv("CXX") : "c++"; }
void write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

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

  write(d.path + "/m.h", c.files.header);
  write(d.path + "/m.cpp", c.files.source);
  if (!c.files.weights_file.empty()) {
    const auto bytes = c.files.weights.bytes();
    write(d.path + "/" + c.files.weights_file, std::string(bytes.begin(), bytes.end()));
  }
  write(d.path + "/main.cpp",
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
  const std::string inc = std::string(" -I") + O2C_EIGEN_INCLUDE_DIR + " -I" + shell_quote(d.path);
  std::string log;
  const int rc = run_command("cd " + shell_quote(d.path) + " && " + cxx() + " -std=c++17 " + O2C_TEST_CXXFLAGS + inc +
                                 " m.cpp main.cpp -o run && ./run",
                             &log);
  INFO(log);
  CHECK(rc == 0);
}

TEST_CASE("An op that does not take run-time dims yet is refused, naming the dims", "[dims]") {
  ModelBuilder b;
  b.input("x", {-1, 4}, 1, "seq");
  b.node("Softmax", {"x"}, {"y"});
  const std::string m = error_of(b, seq_1_to_16());
  CHECK(m.find("Softmax") != std::string::npos);
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
