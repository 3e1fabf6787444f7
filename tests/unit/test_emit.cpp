// The writer: safe names, exact weights, deterministic output, and generated code that builds
// and links with other generated code.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "builder.hpp"
#include "emit/js_glue.hpp"
#include "emit/writer.hpp"
#include "onnx/model_io.hpp"
#include "onnx/names.hpp"
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

// y = Conv(x, w, bias): x [1,2,5,5], w [3,2,3,3], bias [3] (the weights tests' model).
void conv_model(ModelBuilder& b, const std::vector<float>& w, const std::vector<float>& bias) {
  b.input("x", {1, 2, 5, 5}).init_f("w", {3, 2, 3, 3}, w).init_f("b", {3}, bias);
  b.node("Conv", {"x", "w", "b"}, {"y"});
  b.output("y");
}
// Its test data: a fixed input, and the output computed in double.
TestData conv_data(const std::vector<float>& w, const std::vector<float>& bias) {
  Tensor tx(DType::Float, {1, 2, 5, 5}), ty(DType::Float, {1, 3, 3, 3});
  for (int i = 0; i < 50; ++i) tx.data<float>()[i] = 0.1f * static_cast<float>(i % 11) - 0.4f;
  for (int oc = 0; oc < 3; ++oc)
    for (int y = 0; y < 3; ++y)
      for (int x = 0; x < 3; ++x) {
        double acc = bias[oc];
        for (int ic = 0; ic < 2; ++ic)
          for (int ky = 0; ky < 3; ++ky)
            for (int kx = 0; kx < 3; ++kx)
              acc += static_cast<double>(w[((oc * 2 + ic) * 3 + ky) * 3 + kx]) *
                     static_cast<double>(tx.data<float>()[(ic * 5 + y + ky) * 5 + x + kx]);
        ty.data<float>()[(oc * 3 + y) * 3 + x] = static_cast<float>(acc);
      }
  TestData data;
  data.inputs = {tensor_to_proto(tx, "x")};
  data.outputs = {tensor_to_proto(ty, "y")};
  return data;
}
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
  auto res = build_and_compare(c, data, d.path, 0, 0);
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
    REQUIRE(c.files.weights_file == name + ".cpp.weights");  // two embedded blobs, one program
    const auto bytes = c.files.weights.bytes();
    write(d.path + "/" + c.files.weights_file, std::string(bytes.begin(), bytes.end()));
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

TEST_CASE("weights in a file (--weights file) leave the source and come back through the harness", "[emit][build]") {
  TempDir d;
  ModelBuilder b;
  std::vector<float> w(54), bias = {0.5f, -1.0f, 2.0f};
  for (size_t i = 0; i < w.size(); ++i) w[i] = 0.125f * static_cast<float>(static_cast<int>(i % 7) - 3);
  conv_model(b, w, bias);
  Options o;
  o.model_path = b.save(d.path);
  o.name = "m";
  Compiled embedded = compile_model(o);
  o.external_weights = true;
  Compiled c = compile_model(o);
  CHECK(c.files.external_weights);
  REQUIRE(c.files.weights.size() == static_cast<size_t>(c.files.weights_bytes));
  CHECK(c.files.weights_bytes == embedded.files.weights_bytes);
  // The blob holds the exact weights (each tensor at a 64-byte aligned offset).
  const auto blob = c.files.weights.bytes();
  auto find = [&](const std::vector<float>& v) {
    for (size_t at = 0; at + v.size() * 4 <= blob.size(); at += 64)
      if (std::memcmp(blob.data() + at, v.data(), v.size() * 4) == 0) return true;
    return false;
  };
  CHECK(find(w));
  CHECK(find(bias));
  // No array of constants in the source; the C ABI takes them.
  CHECK(c.files.source.find("const unsigned char weights[") == std::string::npos);
  CHECK(embedded.files.source.find("const unsigned char weights[") != std::string::npos);
  CHECK(c.files.header.find("int m_run_with_weights(") != std::string::npos);
  CHECK(c.files.header.find("size_t m_weights_bytes(void);") != std::string::npos);
  CHECK(c.files.header.find("int m_run(") == std::string::npos);
  // Built with -Werror and run by the harness, which reads m.weights.bin and checks that a
  // null or misaligned weights pointer is refused.
  const TestData data = conv_data(w, bias);
  BuildConfig cfg;
  cfg.flags = O2C_TEST_CXXFLAGS;
  cfg.work_dir = d.path + "/build";
  std::string cmd = build_harness(c, "m", cfg);
  CHECK(std::filesystem::file_size(cfg.work_dir + "/m.weights.bin") == blob.size());
  auto res = run_and_compare(cmd, c, data, cfg.work_dir, 1e-5, 1e-6);
  REQUIRE(res.size() == 1);
  CHECK(res[0].pass);
}

TEST_CASE("embedded weights: a file beside the source, built in by the toolchain (g++ and clang++)", "[emit][build]") {
  TempDir d;
  ModelBuilder b;
  std::vector<float> w(54), bias = {0.5f, -1.0f, 2.0f};
  for (size_t i = 0; i < w.size(); ++i) w[i] = 0.25f * static_cast<float>(static_cast<int>(i % 5) - 2);
  conv_model(b, w, bias);
  Options o;
  o.model_path = b.save(d.path);
  o.name = "m";
  o.inline_weights = true;
  const Compiled lit = compile_model(o);
  o.inline_weights = false;
  const Compiled c = compile_model(o);
  // The same blob: in the literal of --weights inline, in m.cpp.weights by default.
  CHECK(lit.files.weights_file.empty());
  CHECK(lit.files.weights.empty());
  CHECK(lit.files.source.find("alignas(64) const unsigned char weights[" + std::to_string(lit.files.weights_bytes + 1) +
                              "] =\n\"") != std::string::npos);
  CHECK(c.files.weights_file == "m.cpp.weights");
  REQUIRE(c.files.weights.size() == static_cast<size_t>(c.files.weights_bytes));
  CHECK(c.files.weights_bytes == lit.files.weights_bytes);
  CHECK(c.files.source.find(".incbin") != std::string::npos);
  CHECK(c.files.source.find("#embed \"m.cpp.weights\"") != std::string::npos);
  CHECK(c.files.source.find("] =\n\"") == std::string::npos);  // no literal
  CHECK(c.files.header.find("int m_run(") != std::string::npos);
  // Deterministic, and the blob's hash is in the source (caches keyed on it see new weights).
  CHECK(compile_model(o).files.source == c.files.source);
  std::vector<float> w2 = w;
  w2[7] += 1.0f;
  ModelBuilder b2;
  conv_model(b2, w2, bias);
  TempDir d2;
  o.model_path = b2.save(d2.path);
  CHECK(compile_model(o).files.source != c.files.source);
  // Built (-Werror) and run by the harness with each compiler at hand; the build runs in
  // the source's folder, so also compile from elsewhere with the source's full path.
  const TestData data = conv_data(w, bias);
  std::vector<std::string> compilers = {cxx()};
  std::string found;
  if (run_command("command -v clang++", &found) == 0) compilers.push_back("clang++");
  for (const std::string& cc : compilers) {
    INFO(cc);
    BuildConfig cfg;
    cfg.cxx = cc;
    cfg.flags = O2C_TEST_CXXFLAGS_ANY;  // without the precompiled header of c++ (tests/CMakeLists.txt)
    cfg.work_dir = d.path + "/build_" + std::to_string(&cc - compilers.data());
    std::string cmd = build_harness(c, "m", cfg);
    CHECK(std::filesystem::file_size(cfg.work_dir + "/m.cpp.weights") == c.files.weights.size());
    auto res = run_and_compare(cmd, c, data, cfg.work_dir, 1e-5, 1e-6);
    REQUIRE(res.size() == 1);
    CHECK(res[0].pass);
    std::string out;
    const std::string obj = cfg.work_dir + "/elsewhere.o";
    CHECK(run_command("cd / && " + cc + " -std=c++17 " + O2C_TEST_CXXFLAGS_ANY + " -I" + shell_quote(O2C_EIGEN_INCLUDE_DIR) +
                          " -c " + shell_quote(cfg.work_dir + "/m.cpp") + " -o " + shell_quote(obj),
                      &out) == 0);
    INFO(out);
    // A missing weights file fails the build, naming it.
    std::filesystem::remove(cfg.work_dir + "/m.cpp.weights");
    out.clear();
    CHECK(run_command("cd " + shell_quote(cfg.work_dir) + " && " + cc + " -std=c++17 -I" +
                          shell_quote(O2C_EIGEN_INCLUDE_DIR) + " -c m.cpp -o m.o",
                      &out) != 0);
    CHECK(out.find("m.cpp.weights") != std::string::npos);
  }
}

TEST_CASE("the JavaScript module and .d.ts escape names and describe the tensors", "[emit][wasm]") {
  TempDir d;
  const std::string in = "in\"put</script>\n*/${x}`", idx = "__proto__", out = "out\xe2\x80\xa8";
  ModelBuilder b;
  b.input(in, {2, 3}).input(idx, {3}, 7);
  b.node("Relu", {in}, {out});
  b.node("Neg", {idx}, {"constructor"});
  b.output(out).output("constructor");
  Compiled c = compile_file(b.save(d.path));
  const JsModel m = js_model(c.graph, "m", c.plan.arena_bytes, c.files.weights_bytes, false);
  REQUIRE(m.inputs.size() == 2);
  CHECK(m.inputs[1].dtype == DType::Int64);
  const std::string js = js_module(m), ts = ts_declarations(m);
  for (const std::string* text : {&js, &ts}) {
    // The names appear only as escaped literals; the files are ASCII.
    CHECK(text->find("</script>") == std::string::npos);
    CHECK(text->find("in\"put") == std::string::npos);
    CHECK(text->find("\xe2\x80\xa8") == std::string::npos);
    CHECK(text->find(js_string(in)) != std::string::npos);
    CHECK(text->find(js_string(out)) != std::string::npos);
    for (unsigned char ch : *text) CHECK((ch == '\n' || (ch >= 0x20 && ch < 0x7f)));
  }
  CHECK(js.find("{ name: " + js_string(in) + ", dtype: \"float32\", shape: [2, 3], length: 6, bytes: 24 }") != std::string::npos);
  CHECK(js.find("{ name: \"__proto__\", dtype: \"int64\", shape: [3], length: 3, bytes: 24 }") != std::string::npos);
  CHECK(js.find("const ARRAYS = { float32: Float32Array, int64: BigInt64Array };") != std::string::npos);
  CHECK(js.find("const RUN_EXPORT = \"_m_run\";") != std::string::npos);
  CHECK(js.find("const WEIGHTS_FILE = null;") != std::string::npos);
  // Bundlers (Vite, webpack) copy a file the module loads only when its URL is a literal
  // new URL("./file", import.meta.url); Node's modules are imported by a specifier they cannot
  // see (a literal one is replaced by an empty stand-in in a browser bundle).
  CHECK(js.find("\"m.wasm\": () => new URL(\"./m.wasm\", import.meta.url),") != std::string::npos);
  CHECK(js.find("weights.bin") == std::string::npos);
  CHECK(js.find("new URL(file") == std::string::npos);
  CHECK(js.find("import(\"") == std::string::npos);
  CHECK(js.find("nodeModule(\"node:fs/promises\")") != std::string::npos);
  CHECK(ts.find("  \"__proto__\": BigInt64Array;") != std::string::npos);
  CHECK(ts.find("  \"constructor\": { data: BigInt64Array; shape: number[] };") != std::string::npos);
  CHECK(ts.find("readonly inputs: readonly [TensorInfo<" + js_string(in) + ", \"float32\">, TensorInfo<\"__proto__\", \"int64\">];") !=
        std::string::npos);
  // --weights file: the file and the entry point change.
  const std::string jsf = js_module(js_model(c.graph, "m", c.plan.arena_bytes, c.files.weights_bytes, true));
  CHECK(jsf.find("const WEIGHTS_FILE = \"m.weights.bin\";") != std::string::npos);
  CHECK(jsf.find("\"m.wasm\": () => new URL(\"./m.wasm\", import.meta.url),") != std::string::npos);
  CHECK(jsf.find("\"m.weights.bin\": () => new URL(\"./m.weights.bin\", import.meta.url),") != std::string::npos);
  CHECK(jsf.find("const RUN_EXPORT = \"_m_run_with_weights\";") != std::string::npos);
}
