// The writer: safe names, exact weights, deterministic output, and generated code that builds
// and links with other generated code.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "builder.hpp"
#include "emit/writer.hpp"
#include "onnx/model_io.hpp"
#include "tools/runner.hpp"

using namespace o2c;
using namespace o2c::test;

namespace {
// Decodes a C string literal sequence as blob_literal writes it.
std::vector<unsigned char> decode(const std::string& lit) {
  std::vector<unsigned char> out;
  bool in = false;
  for (size_t i = 0; i < lit.size(); ++i) {
    char c = lit[i];
    if (!in) {
      if (c == '"') in = true;
      continue;
    }
    if (c == '"') { in = false; continue; }
    if (c == '\\') {
      int v = (lit[i + 1] - '0') * 64 + (lit[i + 2] - '0') * 8 + (lit[i + 3] - '0');
      out.push_back(static_cast<unsigned char>(v));
      i += 3;
    } else {
      out.push_back(static_cast<unsigned char>(c));
    }
  }
  return out;
}

void write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

std::string cxx() { return std::getenv("CXX") ? std::getenv("CXX") : "c++"; }
}  // namespace

TEST_CASE("the weights blob literal holds the exact bytes", "[emit]") {
  std::vector<unsigned char> bytes;
  for (int i = 0; i < 1000; ++i) bytes.push_back(static_cast<unsigned char>((i * 37) ^ (i >> 3)));
  for (unsigned char c : {'"', '\\', '?', '?', '/', '0', '\n', '7'}) bytes.push_back(c);
  std::string lit = blob_literal(bytes);
  CHECK(decode(lit) == bytes);
  CHECK(lit.find("??") == std::string::npos);
}

TEST_CASE("hostile tensor names compile to correct, injection-free code", "[emit][build]") {
  const std::string in1 = "in\"put";  // these three sanitize to the same identifier
  const std::string in2 = "in.put";
  const std::string in3 = "in_put";
  // A backslash would splice lines in a // comment; the rest tries to end comments/strings.
  const std::string mid = "*/\n#include <cstdlib>\nint evil = system(\"echo pwned\");//\\";
  const std::string out = "int";      // a keyword
  TempDir d;
  ModelBuilder b;
  b.input(in1, {2, 3}).input(in2, {2, 3}).input(in3, {3});
  b.node("Add", {in1, in2}, {mid}, "?\?/ node */");
  b.node("Mul", {mid, in3}, {out}, "class");
  b.output(out);
  std::string model = b.save(d.path);
  Compiled c = compile_file(model);
  // The payload only ever appears escaped inside comments or string literals.
  CHECK(c.files.source.find("\n#include <cstdlib>") == std::string::npos);
  CHECK(c.files.source.find("system(\"") == std::string::npos);
  // No comment line ends in a backslash (which would splice the next line into it).
  for (const std::string* text : {&c.files.source, &c.files.header}) {
    size_t at = 0;
    while (at < text->size()) {
      size_t end = text->find('\n', at);
      if (end == std::string::npos) end = text->size();
      std::string line = text->substr(at, end - at);
      if (line.find("//") != std::string::npos && !line.empty()) CHECK(line.back() != '\\');
      at = end + 1;
    }
  }
  // Build it with -Werror and run it through the harness on data computed here.
  TestData data;
  std::vector<float> a = {1, 2, 3, 4, 5, 6}, bb = {10, 20, 30, 40, 50, 60}, s = {2, 3, 4};
  Tensor ta(DType::Float, {2, 3}), tb(DType::Float, {2, 3}), ts(DType::Float, {3}), ty(DType::Float, {2, 3});
  std::copy(a.begin(), a.end(), ta.data<float>());
  std::copy(bb.begin(), bb.end(), tb.data<float>());
  std::copy(s.begin(), s.end(), ts.data<float>());
  for (int i = 0; i < 6; ++i) ty.data<float>()[i] = (a[i] + bb[i]) * s[i % 3];
  data.inputs = {tensor_to_proto(ta, in1), tensor_to_proto(tb, in2), tensor_to_proto(ts, in3)};
  data.outputs = {tensor_to_proto(ty, out)};
  BuildConfig cfg;
  cfg.flags = O2C_TEST_CXXFLAGS;
  cfg.work_dir = d.path + "/build";
  std::string exe = build_harness(c, "m", cfg);
  auto res = run_and_compare(exe, c, data, cfg.work_dir, 0, 0);
  REQUIRE(res.size() == 1);
  CHECK(res[0].pass);
  // The three inputs got three distinct members.
  CHECK(c.files.header.find("const float* in_put;") != std::string::npos);
  CHECK(c.files.header.find("const float* in_put_2;") != std::string::npos);
  CHECK(c.files.header.find("const float* in_put_3;") != std::string::npos);
  CHECK(c.files.header.find("float* int_;") != std::string::npos);
}

TEST_CASE("two generated models link into one program, from C and C++", "[emit][build]") {
  TempDir d;
  auto make = [&](const std::string& name, const char* op) {
    ModelBuilder b;
    b.input("x", {4});
    b.init_f("w", {4}, {1, 2, 3, 4});
    b.node(op, {"x", "w"}, {"y"});
    b.output("y");
    Options o;
    o.model_path = b.save(d.path, name);
    o.name = name;
    Compiled c = compile_model(o);
    write(d.path + "/" + name + ".h", c.files.header);
    write(d.path + "/" + name + ".cpp", c.files.source);
  };
  make("alpha", "Add");
  make("beta", "Mul");
  write(d.path + "/use_c.c",
        "#include \"alpha.h\"\n#include \"beta.h\"\n"
        "int use_c(const float* x, float* y1, float* y2, void* arena) {\n"
        "  alpha_inputs ai = {x}; alpha_outputs ao = {y1};\n"
        "  beta_inputs bi = {x}; beta_outputs bo = {y2};\n"
        "  return alpha_run(&ai, &ao, arena, ALPHA_ARENA_BYTES) | beta_run(&bi, &bo, arena, BETA_ARENA_BYTES);\n"
        "}\n");
  write(d.path + "/main.cpp",
        "#include <cstdio>\n#include \"alpha.h\"\n#include \"beta.h\"\n"
        "extern \"C\" int use_c(const float*, float*, float*, void*);\n"
        "int main() {\n"
        "  float x[4] = {1, 1, 1, 1}, y1[4], y2[4];\n"
        "  alignas(64) static unsigned char arena[64];\n"
        "  if (use_c(x, y1, y2, arena) != 0) return 1;\n"
        "  alpha::Session s; alpha::inputs in{x}; alpha::outputs out{y1};\n"
        "  if (s.run(in, out) != ONNX2CPP_OK) return 2;\n"
        "  std::printf(\"%g %g\\n\", static_cast<double>(y1[3]), static_cast<double>(y2[3]));\n"
        "  return (y1[3] == 5.0f && y2[3] == 4.0f) ? 0 : 3;\n"
        "}\n");
  const std::string inc = std::string(" -I") + O2C_EIGEN_INCLUDE_DIR + " -I" + shell_quote(d.path);
  std::string log;
  int rc = run_command("cd " + shell_quote(d.path) + " && cc -std=c99 -Wall -Wextra -Werror -pedantic -c use_c.c -o use_c.o && " +
                           cxx() + " -std=c++17 " + O2C_TEST_CXXFLAGS + inc + " alpha.cpp beta.cpp main.cpp use_c.o -o both && ./both",
                       &log);
  INFO(log);
  CHECK(rc == 0);
}

TEST_CASE("compiling twice gives byte-identical files", "[emit]") {
  TempDir d;
  ModelBuilder b;
  b.input("x", {1, 2, 5, 5}).init_f("w", {3, 2, 3, 3}, std::vector<float>(54, 0.25f));
  b.node("Conv", {"x", "w"}, {"c"});
  b.node("Relu", {"c"}, {"y"});
  b.output("y");
  std::string p = b.save(d.path);
  Compiled c1 = compile_file(p), c2 = compile_file(p);
  CHECK(c1.files.source == c2.files.source);
  CHECK(c1.files.header == c2.files.header);
}
