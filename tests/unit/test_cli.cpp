// Command-line values: each flag's bad values refused before anything runs, naming the flag,
// the value and what was expected (exit 2); and a small fuzz of malformed values for every
// option, run through the real binary: never an internal error, a crash or a silent acceptance.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <catch2/catch.hpp>

#include "builder.hpp"
#include "cli_run.hpp"
#include "tools/cli_values.hpp"

using namespace o2c;
using namespace o2c::test;

namespace {

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const CompileError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("Values of --dim are parsed whole and range-checked", "[cli]") {
  CHECK(parse_dim_flag("seq=128").first == "seq");
  CHECK(parse_dim_flag("seq=128").second == DimRange{128, 128});
  CHECK(parse_dim_flag("seq=1..128").second == DimRange{1, 128});  // a run-time dim
  CHECK(message_of([] { parse_dim_flag("seq=12x"); }) ==
        "--dim seq=12x: \"12x\" is not a whole number; expected NAME=VALUE or NAME=LO..HI, e.g. --dim seq=128 or --dim seq=1..128");
  CHECK_THAT(message_of([] { parse_dim_flag("seq=8..4"); }), Catch::Contains("the range is empty (8 > 4)"));
  CHECK_THAT(message_of([] { parse_dim_flag("seq=0..4"); }), Catch::Contains("\"0\" is out of range [1, "));
  CHECK_THAT(message_of([] { parse_dim_flag("seq=1..x"); }), Catch::Contains("\"x\" is not a whole number"));
  CHECK_THAT(message_of([] { parse_dim_flag("seq=abc"); }), Catch::Contains("\"abc\" is not a whole number"));
  CHECK_THAT(message_of([] { parse_dim_flag("seq=-5"); }), Catch::Contains("\"-5\" is out of range [1, "));
  CHECK_THAT(message_of([] { parse_dim_flag("seq=0"); }), Catch::Contains("\"0\" is out of range [1, "));
  CHECK_THAT(message_of([] { parse_dim_flag("seq=99999999999999999999"); }), Catch::Contains("is out of range"));
  CHECK_THAT(message_of([] { parse_dim_flag("seq="); }), Catch::Contains("\"\" is not a whole number"));
  CHECK_THAT(message_of([] { parse_dim_flag("=4"); }), Catch::Contains("no dimension name"));
  CHECK_THAT(message_of([] { parse_dim_flag("seq"); }), Catch::Contains("no '='"));
}

TEST_CASE("Values of --shape, --freeze, --name and the tolerances are checked", "[cli]") {
  CHECK(parse_shape_flag("input=1x3x224x224").second == Shape{1, 3, 224, 224});
  CHECK(parse_shape_flag("x=").second.empty());
  CHECK_THAT(message_of([] { parse_shape_flag("input=1x3xax32"); }),
             Catch::Contains("--shape input=1x3xax32: \"a\" is not a whole number; expected INPUT=DIMxDIMx..."));
  CHECK_THAT(message_of([] { parse_shape_flag("input=1xx3"); }), Catch::Contains("\"\" is not a whole number"));
  CHECK_THAT(message_of([] { parse_shape_flag("input=1x-3"); }), Catch::Contains("out of range"));
  CHECK_THAT(message_of([] { parse_freeze_flag("=a.pb"); }), Catch::Contains("no input name"));
  CHECK(parse_freeze_flag("shape").second.empty());
  CHECK_THAT(message_of([] { check_name_flag("../x"); }), Catch::Contains("is not a C identifier"));
  CHECK_THAT(message_of([] { check_name_flag("1net"); }), Catch::Contains("is not a C identifier"));
  CHECK_THAT(message_of([] { check_name_flag("int"); }), Catch::Contains("reserved word"));
  CHECK(message_of([] { check_name_flag("net_2"); }).empty());
  CHECK_THAT(message_of([] { check_tolerance_flag("--atol", -1); }), Catch::Contains("finite and >= 0"));
  CHECK_THAT(message_of([] { check_tolerance_flag("--rtol", std::nan("")); }), Catch::Contains("finite and >= 0"));
}

TEST_CASE("Malformed values for every option end in exit 2 with a message, never an internal error or a crash", "[cli]") {
  ModelBuilder b;
  b.input("x", {-1, 4}, 1, "n");
  b.node("Relu", {"x"}, {"y"});
  b.output("y");
  TempDir d;
  const std::string model = b.save(d.path);
  const std::string out = d.path + "/m.cpp";
  // Each malformation of a valid value; {option, valid value, subcommand prefix}.
  const std::vector<std::string> junk = {"", "x", "12x", "1..128", "-5", "0", "abc", "99999999999999999999", "1e3",
                                         " 4", "4 ", "nan", "-", "=", "==", "\xff\xfe", "0x10", "+-1"};
  struct Flag {
    std::vector<std::string> prefix;
    std::string option;
    std::function<std::string(const std::string&)> value;  // junk -> a malformed value
  };
  const std::vector<Flag> flags = {
      {{}, "--dim", [](const std::string& j) { return "n=" + j; }},
      {{}, "--shape", [](const std::string& j) { return "x=2x" + j; }},
      {{}, "--name", [](const std::string& j) { return "n" + j + "/"; }},
      {{}, "--planner", [](const std::string& j) { return "greedy" + j + "!"; }},
      {{}, "--weights", [](const std::string& j) { return "file" + j + "!"; }},
      {{}, "--disable-pass", [](const std::string& j) { return "fuse" + j + "!"; }},
      {{}, "--freeze", [](const std::string& j) { return "x=" + j + "/no/such.pb"; }},
      {{"verify"}, "--rtol", [](const std::string& j) { return j.empty() ? "-1" : j + "e+x"; }},
      {{"verify"}, "--atol", [](const std::string& j) { return "-" + j + "1"; }},
      {{"verify"}, "--target", [](const std::string& j) { return "wasm" + j + "!"; }},
      {{"bench"}, "--iters", [](const std::string& j) { return j == "0" || j == "-5" ? j : j + "!"; }},
  };
  std::mt19937 rng(20261206);
  for (const Flag& f : flags)
    for (int k = 0; k < 3; ++k) {
      const std::string v = f.value(junk[rng() % junk.size()]);
      std::vector<std::string> args = f.prefix;
      args.push_back(model);
      if (f.prefix.empty()) args.insert(args.end(), {"-o", out});
      else args.insert(args.end(), {"--data", d.path + "/no_data"});
      if (f.option != "--dim") args.insert(args.end(), {"--dim", "n=2"});
      args.push_back(f.option);
      args.push_back(v);
      const CliRun r = run_cli(d.path, args);
      INFO(f.option << " " << v << " -> exit " << r.code << ": " << r.err);
      CHECK(r.code == 2);
      CHECK(r.err.find("internal error") == std::string::npos);
      CHECK(r.err.find(f.option) != std::string::npos);  // the message names the flag
    }
}

namespace {

void write_tensor(const std::string& path, std::vector<float> v) {
  onnx::TensorProto t;
  t.set_data_type(onnx::TensorProto::FLOAT);
  t.add_dims(static_cast<int64_t>(v.size()));
  for (float x : v) t.add_float_data(x);
  std::ofstream f(path, std::ios::binary);
  t.SerializeToOstream(&f);
}

}  // namespace

TEST_CASE("verify --run-prefix runs the built program under the command (an emulator for cross builds)", "[cli]") {
  TempDir d;
  ModelBuilder b;
  b.input("x", {3});
  b.node("Relu", {"x"}, {"y"});
  b.output("y");
  const std::string model = b.save(d.path);
  std::filesystem::create_directories(d.path + "/data");
  write_tensor(d.path + "/data/input_0.pb", {-1, 0, 2});
  write_tensor(d.path + "/data/output_0.pb", {0, 0, 2});
  // A prefix that leaves a mark, then runs the harness with its arguments.
  const std::string prefix = d.path + "/prefix.sh";
  std::ofstream(prefix) << "#!/bin/sh\necho \"$#\" >\"" << d.path << "/ran\"\nexec \"$@\"\n";
  std::filesystem::permissions(prefix, std::filesystem::perms::owner_all);
  const std::vector<std::string> verify = {"verify", model, "--data", d.path + "/data", "--quiet", "--cxxflags", O2C_TEST_CXXFLAGS};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> a = verify;
    a.insert(a.end(), extra.begin(), extra.end());
    return run_cli(d.path, a);
  };
  CliRun r = with({"--run-prefix", prefix});
  INFO(r.err);
  CHECK(r.code == 0);
  std::ifstream ran(d.path + "/ran");
  int args = 0;
  CHECK((ran >> args && args == 3));  // the harness, its input and output folders
  CHECK(with({"--run-prefix", "false"}).code == 4);  // the program "failed": exit 4, not a pass
  r = with({"--run-prefix", "qemu-aarch64", "--target", "wasm"});
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Catch::Contains("--run-prefix: only for --target native"));
}
