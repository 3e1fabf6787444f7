// Re-entrancy, proven: generated code run from 8 threads at once, each with its own arena (a
// Session), all sharing the weights, gives outputs bit-identical to a single-threaded run; so
// do two different models in one program. Built under ThreadSanitizer when the compiler has it
// (a race ends the run with exit code 66), else with -O2.
// And one run on several threads (NAME_run_parallel, net::ThreadPool): a conv net whose nodes
// take every kernel that splits its outputs, and the shared models when present, run with 1,
// 2, 3 and 8 threads and through a caller's parallel-for that runs the blocks in reverse,
// bit-identical to the serial run (the conv net also under ThreadSanitizer).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
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

namespace {

// x[1,32,40,40] -> 3x3 to 64 (Winograd) -> Relu -> 3x3 stride 2 to 64 (output channels in the
// lanes) -> Relu -> 1x1 to 128 -> Clip -> depthwise 3x3 -> Clip (streamed: conv_then_depthwise)
// -> 3x3 to 3, padded (the implicit GEMM's wide tiles) -> depthwise 3x3 on 3 channels (NCHW)
// -> Flatten -> MatMul to 96 (panel matmul, column blocks) -> y[1,96].
std::string par_model(const std::string& dir) {
  auto vals = [](size_t n, float scale, float freq) {
    std::vector<float> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = scale * std::sin(0.37f + freq * static_cast<float>(i));
    return v;
  };
  ModelBuilder b;
  b.input("x", {1, 32, 40, 40});
  b.init_f("wa", {64, 32, 3, 3}, vals(64 * 32 * 9, 0.06f, 0.731f)).init_f("ba", {64}, vals(64, 0.1f, 0.3f));
  b.init_f("wb", {64, 64, 3, 3}, vals(64 * 64 * 9, 0.04f, 0.517f)).init_f("bb", {64}, vals(64, 0.1f, 0.7f));
  b.init_f("wg", {64, 64, 3, 3}, vals(64 * 64 * 9, 0.04f, 0.443f)).init_f("bg", {64}, vals(64, 0.1f, 0.5f));
  b.init_f("we", {128, 64, 1, 1}, vals(128 * 64, 0.12f, 0.913f)).init_f("be", {128}, vals(128, 0.1f, 0.2f));
  b.init_f("wd", {128, 1, 3, 3}, vals(128 * 9, 0.3f, 0.61f)).init_f("bd", {128}, vals(128, 0.1f, 0.9f));
  b.init_f("wc", {3, 128, 3, 3}, vals(3 * 128 * 9, 0.03f, 0.377f)).init_f("bc", {3}, vals(3, 0.1f, 1.1f));
  b.init_f("wq", {3, 1, 3, 3}, vals(27, 0.3f, 0.83f)).init_f("bq", {3}, vals(3, 0.1f, 1.3f));
  b.init_f("wm", {1200, 96}, vals(1200 * 96, 0.03f, 0.291f));
  b.init_f("lo", {}, {0.f}).init_f("hi", {}, {6.f});
  auto pads = [](onnx::NodeProto& n) { ModelBuilder::attr_ints(n, "pads", {1, 1, 1, 1}); };
  pads(b.node("Conv", {"x", "wa", "ba"}, {"a"}));
  b.node("Relu", {"a"}, {"ar"});
  auto& cb = b.node("Conv", {"ar", "wb", "bb"}, {"c"});
  pads(cb);
  ModelBuilder::attr_ints(cb, "strides", {2, 2});
  b.node("Relu", {"c"}, {"cr"});
  pads(b.node("Conv", {"cr", "wg", "bg"}, {"g"}));
  b.node("Relu", {"g"}, {"gr"});
  b.node("Conv", {"gr", "we", "be"}, {"e"});
  b.node("Clip", {"e", "lo", "hi"}, {"ec"});
  auto& dw = b.node("Conv", {"ec", "wd", "bd"}, {"d"});
  pads(dw);
  ModelBuilder::attr_i(dw, "group", 128);
  b.node("Clip", {"d", "lo", "hi"}, {"dc"});
  pads(b.node("Conv", {"dc", "wc", "bc"}, {"q"}));
  auto& dq = b.node("Conv", {"q", "wq", "bq"}, {"r"});
  pads(dq);
  ModelBuilder::attr_i(dq, "group", 3);
  b.node("Flatten", {"r"}, {"f"});
  b.node("MatMul", {"f", "wm"}, {"y"});
  b.output("y");
  return b.save(dir, "par");
}

// The program: the serial run (NAME_run) as the reference, then 3 runs on pools of 1, 2, 3
// and 8 threads and one through a parallel-for that runs the blocks in reverse order; every
// output compared bit for bit. Inputs: a fixed pattern of each input's type (floats, or
// zeros for other types). NAME is the model's name (-DNAME=...).
const char* kParMain = R"(#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>
#include MODEL_H
#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define FN(s) CAT(NAME, s)

static int dispatches = 0;
static void reverse_for(void*, int n, void (*body)(void*, int), void* task) {
  ++dispatches;
  for (int i = n; i-- > 0;) body(task, i);
}
static unsigned char* buffer(size_t n) {
  void* p = std::aligned_alloc(64, (n + 63) / 64 * 64 + 64);
  std::memset(p, 0, (n + 63) / 64 * 64 + 64);
  return static_cast<unsigned char*>(p);
}

int main() {
  FN(_inputs) in;
  FN(_outputs) out;
  std::memset(&in, 0, sizeof in);
  std::memset(&out, 0, sizeof out);
  const size_t ni = FN(_num_inputs)(), no = FN(_num_outputs)();
  for (size_t i = 0; i < ni; ++i) {
    const onnx2cpp_tensor_info* t = FN(_input_info)(i);
    unsigned char* b = buffer(t->bytes);
    if (t->dtype == ONNX2CPP_FLOAT)
      for (size_t k = 0; k < t->bytes / 4; ++k) reinterpret_cast<float*>(b)[k] = float((k * 37 + i * 11) % 101) / 50.0f - 1.0f;
    std::memcpy(reinterpret_cast<unsigned char*>(&in) + i * sizeof(void*), &b, sizeof(void*));
  }
  std::vector<unsigned char*> outs;
  for (size_t i = 0; i < no; ++i) {
    outs.push_back(buffer(FN(_output_info)(i)->bytes));
    std::memcpy(reinterpret_cast<unsigned char*>(&out) + i * sizeof(void*), &outs[i], sizeof(void*));
  }
  const size_t par_bytes = FN(_parallel_arena_bytes)();
  if (par_bytes < FN(_arena_bytes)()) return 13;
  unsigned char* arena = buffer(par_bytes);
  if (FN(_run)(&in, &out, arena, FN(_arena_bytes)()) != ONNX2CPP_OK) return 10;
  std::vector<std::vector<unsigned char>> want;
  for (size_t i = 0; i < no; ++i) want.emplace_back(outs[i], outs[i] + FN(_output_info)(i)->bytes);
  int bad = 0;
  auto check = [&](const char* what) {
    for (size_t i = 0; i < no; ++i) {
      if (std::memcmp(outs[i], want[i].data(), want[i].size()) != 0) {
        std::printf("%s: output %zu differs from the serial run\n", what, i);
        ++bad;
      }
      std::memset(outs[i], 0xA5, want[i].size());
    }
  };
  check("serial");
  for (int threads : {1, 2, 3, 8}) {
    NAME::ThreadPool pool(threads);
    for (int rep = 0; rep < 3; ++rep) {
      std::memset(arena, 0x5A + rep, par_bytes);
      if (NAME::run(in, out, arena, par_bytes, pool) != ONNX2CPP_OK) return 11;
      char what[64];
      std::snprintf(what, sizeof what, "%d threads, run %d", threads, rep);
      check(what);
    }
    // Given only the serial arena, the tasks that need scratch of their own take turns.
    if (NAME::run(in, out, arena, FN(_arena_bytes)(), pool) != ONNX2CPP_OK) return 11;
    check("the serial arena");
  }
  if (FN(_run_parallel)(&in, &out, arena, par_bytes, &reverse_for, nullptr) != ONNX2CPP_OK) return 12;
  check("blocks in reverse");
  std::printf("%d dispatches\n%d mismatches\n", dispatches, bad);
  return bad ? 1 : 0;
}
)";

// Compiles model_path as `name` into dir, builds kParMain with it (flags) and runs it.
// Returns the number of parallel-for calls of one run.
int check_parallel_runs(const std::string& model_path, const std::string& name, const std::string& dir,
                        const std::string& flags, std::string* source = nullptr) {
  write_model(model_path, name, dir);
  write(dir + "/main_" + name + ".cpp", kParMain);
  if (source) {
    std::ifstream f(dir + "/" + name + ".cpp");
    *source = std::string(std::istreambuf_iterator<char>(f), {});
  }
  const std::string cxx = std::getenv("CXX") ? std::getenv("CXX") : "c++";
  const std::string build = "cd " + shell_quote(dir) + " && " + cxx + " -std=c++17 -Wall -Wextra -Werror -pthread " +
                            flags + " -I" + shell_quote(O2C_EIGEN_INCLUDE_DIR) + " -I. -DNAME=" + name +
                            " '-DMODEL_H=\"" + name + ".h\"' " + name + ".cpp main_" + name + ".cpp -o par_" + name;
  std::string log;
  INFO(model_path << ", flags: " << flags);
  REQUIRE(run_command(build, &log) == 0);
  log.clear();
  const int rc = run_command("cd " + shell_quote(dir) + " && TSAN_OPTIONS='halt_on_error=1 exitcode=66' ./par_" + name, &log);
  INFO(log);
  CHECK(rc == 0);
  CHECK(log.find("\n0 mismatches") != std::string::npos);
  const auto at = log.find(" dispatches");
  return at == std::string::npos ? -1 : std::atoi(log.substr(log.rfind('\n', at) + 1).c_str());
}

bool has_tsan(const std::string& dir) {
  const std::string cxx = std::getenv("CXX") ? std::getenv("CXX") : "c++";
  std::string log;
  return run_command("cd " + shell_quote(dir) + " && echo 'int main(){}' | " + cxx +
                         " -x c++ -fsanitize=thread - -o tsan_probe && ./tsan_probe", &log) == 0;
}

}  // namespace

TEST_CASE("one run on 1, 2, 3 and 8 threads is bit-identical to the serial run, race-free", "[threads][build]") {
  TempDir d;
  std::string src;
  // (a small model: every split reached at the dispatch threshold of 2^15 multiply-adds)
  const std::string flags =
      std::string(has_tsan(d.path) ? "-O1 -g -fsanitize=thread" : "-O2") + " -DONNX2CPP_PAR_MIN_WORK=32768";
  // winograd (by blocks of tiles on 40x40, by output channels for the one block of 20x20),
  // conv_channels, conv_then_depthwise, conv, matmul at least
  CHECK(check_parallel_runs(par_model(d.path), "par", d.path, flags, &src) >= 5);
  // the kernels that split their outputs, each reached (and handed the run's parallel-for)
  for (const char* k : {"k::conv_winograd_last<float", "k::conv_channels<float", "k::conv_then_depthwise<float",
                        "k::conv<float>(par", "k::matmul_packed<float>(par"}) {
    INFO(k);
    CHECK(src.find(k) != std::string::npos);
  }
  CHECK(src.find("(par, ") != std::string::npos);
}

TEST_CASE("the shared models on 1, 2, 3 and 8 threads: bit-identical to the serial run", "[threads][build][models]") {
  const std::string shared = std::string(O2C_SOURCE_DIR) + "/../shared/models";
  if (!std::filesystem::exists(shared)) {
    WARN("no " << shared << ": skipped");
    return;
  }
  TempDir d;
  int ran = 0;
  for (const char* m : {"mobilenet_v2", "cifar_resnet20", "fast_neural_style", "tiny_bert"}) {
    const std::string path = shared + "/" + m + "/model.onnx";
    if (!std::filesystem::exists(path)) continue;
    CHECK(check_parallel_runs(path, m, d.path, "-O2") > 0);
    ++ran;
  }
  CHECK(ran > 0);
}

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
