// The generated API of a training step (onnx2cpp train, passes/train_step.cpp): a C caller owns
// two params structs, initializes them, trains each on one batch; the loss falls, the
// parameters change in place, and the two runs agree (no shared state). Its arithmetic against
// PyTorch is tests/train's (verify-train).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "builder.hpp"
#include "gradcheck.hpp"
#include "emit/train_api.hpp"
#include "onnx/model_io.hpp"
#include "tools/runner.hpp"
#include "tools/train_cli.hpp"

using namespace o2c;
using namespace o2c::test;

namespace {

void write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

// Gemm(transB) -> Relu -> Gemm(transB): 4 features, 6 hidden, 3 classes, batch 5.
Options mlp(ModelBuilder& b, const std::string& dir) {
  std::vector<float> w1(24), w2(18);
  for (size_t i = 0; i < w1.size(); ++i) w1[i] = 0.3f * static_cast<float>(static_cast<int>(i % 5) - 2);
  for (size_t i = 0; i < w2.size(); ++i) w2[i] = 0.25f * static_cast<float>(static_cast<int>(i % 4) - 1);
  b.input("x", {5, 4});
  b.init_f("W1", {6, 4}, w1).init_f("b1", {6}, std::vector<float>(6, 0.1f)).init_f("W2", {3, 6}, w2).init_f("b2", {3}, {0, 0, 0});
  ModelBuilder::attr_i(b.node("Gemm", {"x", "W1", "b1"}, {"h"}), "transB", 1);
  b.node("Relu", {"h"}, {"r"});
  ModelBuilder::attr_i(b.node("Gemm", {"r", "W2", "b2"}, {"logits"}), "transB", 1);
  b.output("logits");
  Options o;
  o.model_path = b.save(dir);
  o.name = "net";
  o.verify_each = true;
  o.backward.output = "logits";
  o.backward.loss = "cross_entropy";
  o.backward.optimizer.type = "sgd";
  o.backward.optimizer.momentum = 0.9;
  return o;
}

}  // namespace

TEST_CASE("A compiled training step: params struct, init, in-place steps, from C", "[train][build]") {
  TempDir d;
  ModelBuilder b;
  const Compiled c = compile_model(mlp(b, d.path));
  // The parameters and their momentum buffers, in the params struct; lr and step as inputs.
  const std::string& h = c.files.header;
  for (const char* m : {"float W1[24];", "float b1[6];", "float W2[18];", "float b2[3];", "int64_t step;",
                        "void net_params_init(net_params* p);", "int net_train_step("})
    CHECK(h.find(m) != std::string::npos);
  CHECK(c.graph.train_state.size() == 8);  // 4 parameters, 4 momentum buffers
  write(d.path + "/net.h", c.files.header);
  write(d.path + "/net.cpp", c.files.source);
  write_weights_file(c, d.path);
  write(d.path + "/use.c",
        "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include \"net.h\"\n"
        "static float x[20], logits[15], loss, grads[24 + 6 + 18 + 3];\n"
        "static const int64_t target[5] = {0, 1, 2, 1, 0};\n"
        "static int train(net_params* p, float* losses, int steps, void* arena) {\n"
        "  net_inputs in; net_outputs out; int k;\n"
        "  memset(&in, 0, sizeof in); memset(&out, 0, sizeof out);\n"
        "  in.x = x; in.logits_target = target;\n"
        "  out.logits = logits; out.loss = &loss;\n"
        "  out.grad_W1 = grads; out.grad_b1 = grads + 24; out.grad_W2 = grads + 30; out.grad_b2 = grads + 48;\n"
        "  for (k = 0; k < steps; ++k) {\n"
        "    if (net_train_step(&in, &out, p, 0.1f, arena, NET_ARENA_BYTES) != ONNX2CPP_OK) return 1;\n"
        "    losses[k] = loss;\n"
        "  }\n"
        "  return 0;\n"
        "}\n"
        "int main(void) {\n"
        "  static net_params a, b; float la[30], lb[30]; int i;\n"
        "  void* arena = aligned_alloc(NET_ARENA_ALIGN, NET_ARENA_BYTES ? (NET_ARENA_BYTES + 63) / 64 * 64 : 64);\n"
        "  for (i = 0; i < 20; ++i) x[i] = (float)((i * 7) % 11) / 5.0f - 1.0f;\n"
        "  net_params_init(&a); net_params_init(&b);\n"
        "  if (a.step != 0 || a.W1[1] != -0.3f || a.W1_momentum_buffer[0] != 0.0f) return 2;\n"
        "  if (train(&a, la, 30, arena) || train(&b, lb, 30, arena)) return 3;\n"
        "  printf(\"loss %g -> %g, steps %lld\\n\", la[0], la[29], (long long)a.step);\n"
        "  if (a.step != 30 || memcmp(&a, &b, sizeof a) != 0 || memcmp(la, lb, sizeof la) != 0) return 4;\n"
        "  if (!(la[29] < 0.5f * la[0])) return 5;\n"
        "  if (a.W1[1] == -0.3f) return 6;\n"
        "  { FILE* f = fopen(\"trained.bin\", \"wb\"); if (!f || fwrite(&a, sizeof a, 1, f) != 1) return 7; fclose(f); }\n"
        "  free(arena);\n"
        "  return 0;\n"
        "}\n");
  const char* cxx_env = std::getenv("CXX");
  const std::string cxx = cxx_env ? cxx_env : "c++";
  std::string log;
  const int rc = run_command("cd " + shell_quote(d.path) + " && cc -std=c11 -Wall -Wextra -Werror -c use.c -o use.o && " + cxx +
                                 " -std=c++17 " + O2C_TEST_CXXFLAGS + " -I" + O2C_EIGEN_INCLUDE_DIR + " net.cpp use.o -o use && ./use",
                             &log);
  INFO(log);
  REQUIRE(rc == 0);

  // export-onnx: the saved struct's parameters replace the model's initializers.
  export_trained(c, d.path + "/model.onnx", d.path + "/trained.bin", d.path + "/trained.onnx");
  std::ifstream saved(d.path + "/trained.bin", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(saved)), std::istreambuf_iterator<char>());
  const ParamsLayout l = params_layout(c.graph);
  REQUIRE(static_cast<int64_t>(bytes.size()) == l.bytes);
  const onnx::ModelProto m = load_model(d.path + "/trained.onnx");
  int checked = 0;
  for (const auto& init : m.graph().initializer())
    for (size_t i = 0; i < c.graph.train_state.size(); ++i)
      if (c.graph.values[c.graph.train_state[i].value].name == init.name()) {
        const Tensor t = tensor_from_proto(init, d.path, init.name());
        CHECK(std::memcmp(t.bytes.data(), bytes.data() + l.offsets[i], t.bytes.size()) == 0);
        ++checked;
      }
  CHECK(checked == 4);
  write(d.path + "/short.bin", bytes.substr(8));
  CHECK_THROWS_WITH(export_trained(c, d.path + "/model.onnx", d.path + "/short.bin", d.path + "/x.onnx"),
                    Catch::Contains("the params struct of this training step has"));
}

TEST_CASE("Training refuses what it cannot do, naming it", "[train]") {
  TempDir d;
  ModelBuilder b;
  Options o = mlp(b, d.path);
  o.backward.output = "h";
  CHECK_THROWS_WITH(compile_model(o), Catch::Contains("\"h\" is not an output of the model"));
  o.backward.output = "logits";
  o.backward.freeze_regex = ".*";
  CHECK_THROWS_WITH(compile_model(o), Catch::Contains("no parameter to train"));
  o.backward.freeze_regex.clear();
  o.backward.optimizer.type = "lbfgs";
  CHECK_THROWS_WITH(compile_model(o), Catch::Contains("optimizer \"lbfgs\""));
  o.backward.optimizer.type = "sgd";
  o.backward.loss = "hinge";
  CHECK_THROWS_WITH(compile_model(o), Catch::Contains("loss \"hinge\""));
  o.backward.loss = "graph";  // the model's own loss must be a scalar
  CHECK_THROWS_WITH(compile_model(o), Catch::Contains("--loss graph needs a scalar output, \"logits\""));
}

TEST_CASE("Training only the head (--train) leaves the other initializers constants", "[train]") {
  TempDir d;
  ModelBuilder b;
  Options o = mlp(b, d.path);
  o.backward.train_regex = "2$";
  const Compiled c = compile_model(o);
  std::vector<std::string> trained;
  for (const auto& s : c.graph.train_state)
    if (s.init) trained.push_back(c.graph.values[s.value].name);
  CHECK(trained == std::vector<std::string>{"W2", "b2"});
  for (int v : c.graph.outputs) CHECK(c.graph.values[v].name.rfind("grad/W1", 0) != 0);
}

TEST_CASE("Default parameters: weights and biases, not scalars, exponents or statistics, none the loss ignores", "[train]") {
  TempDir d;
  ModelBuilder b;
  Options o = mlp(b, d.path);
  // logits2 = (logits * s) ^ e + c, s a scalar, e a Pow exponent; aux = x * w, another output.
  b.m.mutable_graph()->clear_output();
  b.init_f("s", {}, {0.5f}).init_f("e", {1}, {2.0f}).init_f("c", {3}, {0.1f, 0.2f, 0.3f}).init_f("w", {4}, {1, 2, 3, 4});
  b.node("Mul", {"logits", "s"}, {"scaled"});
  b.node("Pow", {"scaled", "e"}, {"squared"});
  b.node("Add", {"squared", "c"}, {"logits2"});
  b.node("Mul", {"x", "w"}, {"aux"});
  b.output("logits2").output("aux");
  o.model_path = b.save(d.path);
  o.backward.output = "logits2";
  const Compiled c = compile_model(o);
  std::vector<std::string> trained;
  for (const auto& s : c.graph.train_state)
    if (s.init) trained.push_back(c.graph.values[s.value].name);
  CHECK(trained == std::vector<std::string>{"W1", "b1", "W2", "b2", "c"});
  for (int v : c.graph.inputs) CHECK(c.graph.values[v].name != "w");  // no gradient: a constant again
}

namespace {

void init_bool(ModelBuilder& b, const std::string& name, bool v) {
  auto* t = b.m.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(9);  // bool
  t->add_int32_data(v);
}

}  // namespace

TEST_CASE("Dropout in training mode: the gradient goes through the forward's mask", "[train][gradients]") {
  // Linear in x for a fixed mask: central differences are exact where the rule reuses the mask.
  const GradCheck r = gradcheck(
      [](ModelBuilder& b) {
        b.init_f("ratio", {}, {0.3f});
        init_bool(b, "training", true);
        b.node("Dropout", {"x", "ratio", "training"}, {"y"});
      },
      {grad_in("x", {4, 8}, 1)});
  check_grad(r);
  int zeros = 0;
  for (double d : r.analytic.at(0)) zeros += d == 0;
  CHECK(zeros > 0);
  CHECK(zeros < 32);
}

TEST_CASE("Dropout in training mode: keep rate, scaling 1 / (1 - ratio), a mask per seed", "[train]") {
  // TrainingDropout with a fixed key and run-time seeds (the training step's {seed, step}).
  const int64_t n = 20000;
  ModelBuilder b;
  auto* os = b.m.add_opset_import();
  os->set_domain("onnx2cpp");
  os->set_version(1);
  std::vector<float> x(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) x[static_cast<size_t>(i)] = 1.0f + static_cast<float>(i % 7);
  b.init_f("x", {n}, x).init_f("ratio", {}, {0.25f});
  init_bool(b, "training", true);
  const std::vector<std::pair<std::string, std::vector<int64_t>>> seeds = {
      {"a", {1, 0}}, {"a_again", {1, 0}}, {"other_seed", {2, 0}}, {"next_step", {1, 1}}};
  for (const auto& [name, s] : seeds) {
    b.init_i("seed_" + name, {2}, s);
    auto& d = b.node("TrainingDropout", {"x", "ratio", "training", "seed_" + name}, {name});
    d.set_domain("onnx2cpp");
    ModelBuilder::attr_i(d, "key", 12345);
    b.output(name);
  }
  TempDir dir;
  const Graph g = folded_graph(b, dir.path, "dropout");
  auto y = [&](const std::string& name) { return doubles(*value(g, name).constant); };
  const std::vector<double> a = y("a");
  int64_t kept = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double v = a[static_cast<size_t>(i)];
    if (v != 0) {
      ++kept;
      REQUIRE(v == static_cast<double>(x[static_cast<size_t>(i)] * static_cast<float>(1.0 / 0.75)));
    }
  }
  CHECK(std::fabs(static_cast<double>(kept) / static_cast<double>(n) - 0.75) < 0.01);
  CHECK(y("a_again") == a);  // reproducible
  CHECK(y("other_seed") != a);
  CHECK(y("next_step") != a);
}

TEST_CASE("verify-train --dump-steps: every step's loss, gradients and updated states, under their names", "[train][build]") {
  TempDir d;
  ModelBuilder b;
  Options o = mlp(b, d.path);
  o.backward.grads = true;
  const Compiled c = compile_model(o);
  auto save = [&](const Tensor& t, const std::string& name, const std::string& dir, const std::string& file) {
    std::filesystem::create_directories(dir);
    std::ofstream f(dir + "/" + file, std::ios::binary);
    REQUIRE(tensor_to_proto(t, name).SerializeToOstream(&f));
  };
  TrainData data;
  data.opt = o.backward;
  data.lr = 0.1;
  data.steps = 2;
  data.dir = d.path + "/train_data";
  for (int k = 0; k < 2; ++k) {
    Tensor x(DType::Float, {5, 4}), target(DType::Int64, {5});
    for (int i = 0; i < 20; ++i) x.data<float>()[i] = static_cast<float>((i * 7 + k) % 11) / 5.0f - 1.0f;
    for (int i = 0; i < 5; ++i) target.data<int64_t>()[i] = (i + k) % 3;
    save(x, "x", data.dir + "/step_" + std::to_string(k), "input_0.pb");
    save(target, "logits_target", data.dir + "/step_" + std::to_string(k), "target.pb");
  }
  save(Tensor(DType::Float, {2}), "loss", data.dir + "/expected", "loss.pb");  // not what is checked here
  BuildConfig cfg;
  cfg.flags = O2C_TEST_CXXFLAGS;
  cfg.work_dir = d.path + "/build";
  verify_train(c, "net", data, cfg, 1e-3, 1e-5, d.path + "/dump");
  std::map<std::string, Tensor> steps[2];
  for (int k = 0; k < 2; ++k) {
    const std::string dir = d.path + "/dump/step_" + std::to_string(k);
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      const onnx::TensorProto p = load_tensor_proto(e.path().string());
      steps[k].emplace(p.name(), tensor_from_proto(p, dir, e.path().filename().string()));
    }
    for (const char* n : {"loss", "logits", "grad/W1", "grad/b2", "W1", "b2", "W1/momentum_buffer"}) CHECK(steps[k].count(n) == 1);
  }
  // SGD's first step with momentum: the buffer is the gradient, W1 moves by lr times it.
  std::vector<float> w1(24);
  for (size_t i = 0; i < w1.size(); ++i) w1[i] = 0.3f * static_cast<float>(static_cast<int>(i % 5) - 2);
  const float* g = steps[0].at("grad/W1").data<float>();
  float moved = 0;
  for (int i = 0; i < 24; ++i) {
    CHECK(steps[0].at("W1/momentum_buffer").data<float>()[i] == g[i]);
    CHECK(steps[0].at("W1").data<float>()[i] == Approx(w1[i] - 0.1f * g[i]).margin(1e-6));
    moved = std::max(moved, std::abs(steps[1].at("W1").data<float>()[i] - steps[0].at("W1").data<float>()[i]));
  }
  CHECK(moved > 1e-4f);
  CHECK(steps[0].at("loss").data<float>()[0] != steps[1].at("loss").data<float>()[0]);
}
