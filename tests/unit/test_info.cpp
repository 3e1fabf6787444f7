// onnx2cpp info: the fields it reports on a supported model (symbolic dims, ops, parameters,
// MACs) and on an unsupported one (every finding, not only the first), in process and through
// the command line (text and JSON).
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "builder.hpp"
#include "tools/info.hpp"

using namespace o2c;
using namespace o2c::test;

namespace {

// x[N,8] -> MatMul by W[8,4] -> Add b -> Relu -> Conv-free tail: a Gemm by G[4,2].
ModelBuilder small_mlp() {
  ModelBuilder b;
  b.m.set_producer_name("builder");
  b.m.set_producer_version("1.0");
  b.input("x", {-1, 8}, 1, "batch");
  b.init_f("W", {8, 4}, std::vector<float>(32, 0.5f));
  b.init_f("b", {4}, {1, 2, 3, 4});
  b.init_f("G", {4, 2}, std::vector<float>(8, 0.25f));
  b.node("MatMul", {"x", "W"}, {"h"});
  b.node("Add", {"h", "b"}, {"hb"});
  b.node("Relu", {"hb"}, {"r"});
  b.node("Gemm", {"r", "G"}, {"y"});
  b.output("y");
  return b;
}

std::string run_info(const std::vector<std::string>& args, int* code) {
  TempDir d;
  std::string cmd = std::string(O2C_EXE) + " info";
  for (const auto& a : args) cmd += " '" + a + "'";
  cmd += " >" + d.path + "/out.txt 2>&1";
  const int st = std::system(cmd.c_str());
  *code = WEXITSTATUS(st);
  std::ifstream f(d.path + "/out.txt");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("info reports a model's ports, dims to bind, ops, parameters and MACs", "[info]") {
  TempDir d;
  const std::string path = small_mlp().save(d.path);

  ShapeBindings none;
  const ModelInfo free = describe_model(path, none);
  CHECK(free.producer == "builder 1.0");
  CHECK(free.ir_version == 8);
  CHECK(free.opsets.at("ai.onnx") == 13);
  REQUIRE(free.inputs.size() == 1);  // initializers are not inputs
  CHECK(free.inputs[0].dtype == "float");
  CHECK(free.inputs[0].dims == std::vector<std::string>{"batch", "8"});
  REQUIRE(free.symbols.size() == 1);
  CHECK(free.symbols[0].name == "batch");
  CHECK(free.symbols[0].flag == "--dim batch=VALUE");
  CHECK(free.symbols[0].value == 0);
  CHECK(free.ops == std::map<std::string, int64_t>{{"Add", 1}, {"Gemm", 1}, {"MatMul", 1}, {"Relu", 1}});
  CHECK(free.nodes == 4);
  CHECK(free.params == 32 + 4 + 8);
  CHECK(free.param_bytes == 4 * (32 + 4 + 8));
  CHECK(free.initializers == 3);
  CHECK(free.unsupported.empty());
  CHECK(free.checked_at_ones);
  CHECK_FALSE(free.macs_known);  // the batch is not bound

  ShapeBindings bound;
  bound.dims["batch"] = DimRange{5, 5};
  const ModelInfo at5 = describe_model(path, bound);
  CHECK(at5.symbols[0].value == 5);
  CHECK_FALSE(at5.checked_at_ones);
  REQUIRE(at5.macs_known);
  CHECK(at5.macs_by_op.at("MatMul") == 5 * 8 * 4);
  CHECK(at5.macs_by_op.at("Gemm") == 5 * 4 * 2);
  CHECK(at5.macs == 5 * 8 * 4 + 5 * 4 * 2);
  REQUIRE(at5.outputs[0].inferred_known);
  CHECK(at5.outputs[0].inferred == Shape{5, 2});

  int code = -1;
  const std::string json = run_info({path, "--dim", "batch=5", "--json"}, &code);
  CHECK(code == 0);
  CHECK_THAT(json, Catch::Contains("\"producer\": \"builder 1.0\""));
  CHECK_THAT(json, Catch::Contains("\"shape\": [\"batch\", 8]"));
  CHECK_THAT(json, Catch::Contains("{\"name\": \"batch\", \"flag\": \"--dim batch=VALUE\", \"value\": 5}"));
  CHECK_THAT(json, Catch::Contains("\"parameters\": {\"count\": 44, \"bytes\": 176, \"initializers\": 3}"));
  CHECK_THAT(json, Catch::Contains("\"macs\": 200"));
  CHECK_THAT(json, Catch::Contains("\"supported\": true"));
  const std::string text = run_info({path}, &code);
  CHECK(code == 0);
  CHECK_THAT(text, Catch::Contains("batch: --dim batch=VALUE"));
  CHECK_THAT(text, Catch::Contains("supported: yes (checked with unbound dims at 1)"));
}

TEST_CASE("info conv MACs: output elements times the window", "[info]") {
  ModelBuilder b;
  b.input("x", {1, 3, 8, 8});
  b.init_f("w", {4, 3, 3, 3}, std::vector<float>(4 * 27, 0.1f));
  ModelBuilder::attr_ints(b.node("Conv", {"x", "w"}, {"y"}), "pads", {1, 1, 1, 1});
  b.output("y");
  TempDir d;
  const ModelInfo info = describe_model(b.save(d.path), {});
  REQUIRE(info.macs_known);
  CHECK(info.macs == int64_t{1} * 4 * 8 * 8 * 3 * 3 * 3);
}

TEST_CASE("info lists every unsupported op and type at once", "[info]") {
  ModelBuilder b;  // opset 13
  b.input("x", {2, 4});
  b.input("i", {3}, 7);
  b.node("NoSuchOp", {"x"}, {"a"}, "first");
  b.node("NoSuchOp", {"a"}, {"a2"}, "second");
  b.node("Relu", {"a2"}, {"r"});         // after an unsupported node: not checked
  b.node("Gelu", {"x"}, {"g"}, "gelu");  // Gelu exists from opset 20
  b.node("Sqrt", {"i"}, {"s"}, "sqrt");  // Sqrt takes floats
  b.node("Relu", {"x"}, {"ok"});
  for (const char* o : {"r", "g", "s", "ok"}) b.output(o);
  TempDir d;
  const std::string path = b.save(d.path);
  const ModelInfo info = describe_model(path, {});
  REQUIRE(info.unsupported.size() == 3);
  CHECK(info.unsupported[0].what == "NoSuchOp");
  CHECK_THAT(info.unsupported[0].reason, Catch::Contains("not an op onnx2cpp has (2 nodes: \"first\", \"second\")"));
  CHECK_THAT(info.unsupported[1].what, Catch::Contains("Gelu \"gelu\""));
  CHECK_THAT(info.unsupported[1].reason, Catch::Contains("opset 13, before Gelu existed"));
  CHECK_THAT(info.unsupported[2].what, Catch::Contains("Sqrt \"sqrt\""));
  CHECK_THAT(info.unsupported[2].reason, Catch::Contains("has type int64"));
  CHECK(info.unchecked_nodes == 1);
  CHECK_FALSE(info.macs_known);
  CHECK(info.ops.at("NoSuchOp") == 2);

  int code = -1;
  const std::string json = run_info({path, "--json"}, &code);
  CHECK(code == 0);
  CHECK_THAT(json, Catch::Contains("\"supported\": false"));
  CHECK_THAT(json, Catch::Contains("\"what\": \"NoSuchOp\""));
  CHECK_THAT(json, Catch::Contains("\"unchecked_nodes\": 1"));
  const std::string text = run_info({path}, &code);
  CHECK_THAT(text, Catch::Contains("supported: no, 3 findings:"));
}
