// Re-entrancy, proven: generated code run from 8 threads at once, each with its own arena (a
// Session), all sharing the weights, gives outputs bit-identical to a single-threaded run; so
// do two different models in one program. Built under ThreadSanitizer when the compiler has it
// (a race ends the run with exit code 66), else with -O2.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>

#include "builder.hpp"
#include "tools/runner.hpp"

using namespace o2c;
using namespace o2c::test;

namespace {

void write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

// Compiles model_path as `name` into dir: name.h, name.cpp and its embedded weights.
void write_model(const std::string& model_path, const std::string& name, const std::string& dir) {
  Options o;
  o.model_path = model_path;
  o.name = name;
  const Compiled c = compile_model(o);
  write(dir + "/" + name + ".h", c.files.header);
  write(dir + "/" + name + ".cpp", c.files.source);
  if (!c.files.weights_file.empty()) {
    const auto bytes = c.files.weights.bytes();
    write(dir + "/" + c.files.weights_file, std::string(bytes.begin(), bytes.end()));
  }
}

// An MLP with a softmax: x [4,16] -> MatMul -> Add -> Tanh -> MatMul -> Softmax -> y [4,8].
std::string mlp_model(const std::string& dir) {
  std::vector<float> w1(256), b1(16), w2(128);
  for (size_t i = 0; i < w1.size(); ++i) w1[i] = 0.05f * static_cast<float>(static_cast<int>(i * 7 % 13) - 6);
  for (size_t i = 0; i < b1.size(); ++i) b1[i] = 0.1f * static_cast<float>(static_cast<int>(i % 5) - 2);
  for (size_t i = 0; i < w2.size(); ++i) w2[i] = 0.07f * static_cast<float>(static_cast<int>(i * 5 % 11) - 5);
  ModelBuilder b;
  b.input("x", {4, 16}).init_f("w1", {16, 16}, w1).init_f("b1", {16}, b1).init_f("w2", {16, 8}, w2);
  b.node("MatMul", {"x", "w1"}, {"h"});
  b.node("Add", {"h", "b1"}, {"a"});
  b.node("Tanh", {"a"}, {"t"});
  b.node("MatMul", {"t", "w2"}, {"z"});
  b.node("Softmax", {"z"}, {"y"});
  b.output("y");
  return b.save(dir, "mlp");
}

// The program: references from one thread, then 8 threads x 200 runs of tiny_cnn, then 8
// threads each alternating tiny_cnn and mlp; every output compared bit for bit.
const char* kMain = R"(#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>
#include "cnn.h"
#include "mlp.h"

constexpr int kInputs = 8, kThreads = 8, kIters = 200;
struct Case { std::vector<float> x, want; };

template <class M, int IN, int OUT>
struct Model {
  Case cases[kInputs];
  Model(int seed) {
    auto s = std::make_unique<typename M::Session>();
    for (int k = 0; k < kInputs; ++k) {
      cases[k].x.resize(IN);
      cases[k].want.resize(OUT);
      for (int i = 0; i < IN; ++i) cases[k].x[i] = float((i * 31 + k * 17 + seed) % 97) / 48.0f - 1.0f;
      if (run(*s, k, cases[k].want.data())) std::exit(10);
    }
  }
  static int run_one(typename M::Session& s, const float* x, float* y) {
    typename M::inputs in{x};
    typename M::outputs out{y};
    return s.run(in, out);
  }
  int run(typename M::Session& s, int k, float* y) { return run_one(s, cases[k].x.data(), y); }
  // One run of case k on session s: 0 when the output is bit-identical to the reference.
  int check(typename M::Session& s, int k) {
    float y[OUT];
    if (run(s, k, y)) return 1;
    return std::memcmp(y, cases[k].want.data(), sizeof y) != 0;
  }
};
struct Cnn { using Session = cnn::Session; using inputs = cnn::inputs; using outputs = cnn::outputs; };
struct Mlp { using Session = mlp::Session; using inputs = mlp::inputs; using outputs = mlp::outputs; };

int main() {
  Model<Cnn, CNN_IN_image_BYTES / 4, CNN_OUT_probs_BYTES / 4> cnn_m(1);
  Model<Mlp, MLP_IN_x_BYTES / 4, MLP_OUT_y_BYTES / 4> mlp_m(2);
  for (int both = 0; both < 2; ++both) {
    std::vector<int> bad(kThreads, 0);
    std::vector<std::thread> ts;
    for (int t = 0; t < kThreads; ++t)
      ts.emplace_back([&, t] {
        auto cs = std::make_unique<cnn::Session>();
        auto ms = std::make_unique<mlp::Session>();
        for (int i = 0; i < kIters; ++i) {
          bad[t] += cnn_m.check(*cs, (t + i) % kInputs);
          if (both) bad[t] += mlp_m.check(*ms, (t * 3 + i) % kInputs);
        }
      });
    for (auto& th : ts) th.join();
    int total = 0;
    for (int b : bad) total += b;
    std::printf("%s: %d threads x %d runs, %d mismatches\n", both ? "tiny_cnn and mlp" : "tiny_cnn", kThreads, kIters, total);
    if (total) return 1;
  }
  return 0;
}
)";

}  // namespace

TEST_CASE("8 threads run generated models at once, bit-identical to one thread, race-free", "[threads][build]") {
  TempDir d;
  write_model(std::string(O2C_SOURCE_DIR) + "/models/tiny_cnn/model.onnx", "cnn", d.path);
  write_model(mlp_model(d.path), "mlp", d.path);
  write(d.path + "/main.cpp", kMain);
  const std::string cxx = std::getenv("CXX") ? std::getenv("CXX") : "c++";
  std::string log;
  const bool tsan = run_command("cd " + shell_quote(d.path) + " && echo 'int main(){}' | " + cxx +
                                    " -x c++ -fsanitize=thread - -o tsan_probe && ./tsan_probe", &log) == 0;
  const std::string flags = tsan ? "-O1 -g -fsanitize=thread" : "-O2";
  INFO("flags: " << flags);
  const std::string build = "cd " + shell_quote(d.path) + " && " + cxx + " -std=c++17 -Wall -Wextra -Werror -pthread " +
                            flags + " -I" + shell_quote(O2C_EIGEN_INCLUDE_DIR) + " -I. cnn.cpp mlp.cpp main.cpp -o threads";
  log.clear();
  REQUIRE(run_command(build, &log) == 0);
  log.clear();
  const int rc = run_command("cd " + shell_quote(d.path) + " && TSAN_OPTIONS='halt_on_error=1 exitcode=66' ./threads", &log);
  INFO(log);
  CHECK(rc == 0);
  CHECK(log.find("tiny_cnn and mlp: 8 threads x 200 runs, 0 mismatches") != std::string::npos);
}
