// onnx2cpp command line: flags -> Options -> driver; exit codes documented in --help.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>

#include <CLI/CLI.hpp>

#include "driver.hpp"
#include "onnx/model_io.hpp"
#include "onnx/names.hpp"
#include "ops/registry.hpp"
#include "tools/cli_values.hpp"
#include "tools/info.hpp"
#include "tools/runner.hpp"
#include "tools/train_cli.hpp"
#include "tools/wasm.hpp"

namespace fs = std::filesystem;
using namespace o2c;

namespace {

// Exit codes.
constexpr int kOk = 0, kMismatch = 1, kBadInput = 2, kUnsupported = 3, kBuildFailed = 4;

struct Common {
  std::string model;
  std::vector<std::string> dims, shapes, freeze, max;
  std::string name;
  bool no_fold = false;
  bool no_fuse = false;
  std::vector<std::string> disable_pass, dump_ir_after;
  bool verify_each = false;
  std::string planner = "greedy";
  std::string weights = "embed";  // embed | file
  int64_t max_string_bytes = ShapeBindings{}.max_string_bytes;
};

void add_weights_option(CLI::App* app, Common& c) {
  app->add_option("--weights", c.weights,
                  "embed (default): the constants are built into the code from <source>.weights beside it "
                  "(.incbin or #embed); inline: as a string literal in the source (any compiler, slow to "
                  "build); file: in <name>.weights.bin beside it, passed to <name>_run_with_weights")
      ->check(CLI::IsMember({"embed", "inline", "file"}));
}

void add_pass_options(CLI::App* app, Common& c) {
  app->add_flag("--no-fuse", c.no_fuse, "turn off the optimizing passes (the \"fuse\" group of --list-passes)");
  app->add_option("--disable-pass", c.disable_pass, "turn off a pass or group by name (repeatable; see --list-passes)");
  app->add_option("--dump-ir-after", c.dump_ir_after, "print the IR after this pass to stderr (repeatable)");
  app->add_flag("--verify-each", c.verify_each, "check the graph's invariants after every pass");
}

void add_max_option(CLI::App* app, Common& c) {
  app->add_option("--max", c.max,
                  "NAME=N: the most each run-time dim of tensor NAME may be, where an input's values decide it "
                  "and no bound follows from the shapes (e.g. Expand's shape fed at run time); repeatable");
}

void add_common(CLI::App* app, Common& c) {
  app->add_option("model", c.model, "ONNX model file")->required();
  app->add_option("--dim", c.dims, "bind a symbolic dimension: NAME=VALUE, or NAME=LO..HI for a dim given at run time (repeatable)");
  app->add_option("--shape", c.shapes, "set an input's shape: INPUT=1x3x224x224 (repeatable)");
  app->add_option("--freeze", c.freeze,
                  "make an input a constant with its value from the data (repeatable): specializes the model");
  add_max_option(app, c);
  app->add_option("--name", c.name, "model name, the prefix of every exported symbol");
  app->add_option("--max-string-bytes", c.max_string_bytes,
                  "the most bytes of one element of a string input (longer ones make the run return "
                  "ONNX2CPP_ERR_STRING_TOO_LONG); bounds the strings the model derives")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 30))
      ->capture_default_str();
  app->add_flag("--no-fold", c.no_fold, "do not fold constant sub-graphs");
  add_pass_options(app, c);
  app->add_option("--planner", c.planner, "memory planner: greedy (default) or linear")
      ->check(CLI::IsMember({"greedy", "linear"}));
}

// The input file named `name` in a test_data_set folder ("" if none).
std::string data_file_named(const std::string& dir, const std::string& name) {
  std::string file;
  for (int k = 0; fs::exists(fs::path(dir) / ("input_" + std::to_string(k) + ".pb")); ++k) {
    const std::string p = (fs::path(dir) / ("input_" + std::to_string(k) + ".pb")).string();
    if (load_data_file(p).name == name) file = p;
  }
  return file;
}

// --shape NAME=[N] (a sequence's length, an optional's presence 0 or 1) and --shape NAME=DIR
// (the shape, or length and elements' shapes, of the input_K.pb named NAME in a
// test_data_set folder); false for a plain --shape NAME=1x3x224x224.
bool composite_shape_flag(const std::string& s, ShapeBindings& b) {
  const auto eq = s.find('=');
  if (eq == std::string::npos) return false;
  const std::string name = s.substr(0, eq), value = s.substr(eq + 1);
  if (value.size() > 2 && value.front() == '[' && value.back() == ']') {
    try {
      b.lengths[name] = std::stoll(value.substr(1, value.size() - 2));
    } catch (const std::exception&) {
      throw CompileError("--shape " + s + ": expected NAME=[N], a sequence's length (an optional's: 0 or 1)");
    }
    return true;
  }
  if (!fs::is_directory(value)) return false;
  const std::string file = data_file_named(value, name);
  if (file.empty()) throw CompileError("--shape " + s + ": no input_K.pb named " + quote_name(name) + " in " + value);
  bind_data_file(name, load_data_file(file), b);
  return true;
}

// --max NAME=N, N >= 0.
std::pair<std::string, int64_t> parse_max_flag(const std::string& s) {
  const auto eq = s.rfind('=');
  size_t used = 0;
  int64_t n = -1;
  try {
    if (eq != std::string::npos && eq > 0) n = std::stoll(s.substr(eq + 1), &used);
  } catch (const std::exception&) {
    n = -1;
  }
  if (n < 0 || used == 0 || eq + 1 + used != s.size())
    throw CompileError("--max " + s + ": expected NAME=N, the most each run-time dim of tensor NAME may be (N >= 0)");
  return {s.substr(0, eq), n};
}

Options make_options(const Common& c, const std::string& cmdline) {
  Options o;
  o.model_path = c.model;
  o.name = c.name;
  o.planner = c.planner;
  o.fold.fold = !c.no_fold;
  o.disabled_passes = c.disable_pass;
  if (c.no_fuse) o.disabled_passes.push_back("fuse");
  o.dump_ir_after = c.dump_ir_after;
  o.verify_each = c.verify_each;
  o.command_line = cmdline;
  o.external_weights = c.weights == "file";
  o.inline_weights = c.weights == "inline";
  o.bind.max_string_bytes = c.max_string_bytes;
  if (!c.name.empty()) check_name_flag(c.name);
  for (const auto& d : c.dims)
    if (!o.bind.dims.insert(parse_dim_flag(d)).second) throw CompileError("--dim " + d + ": the dimension is bound twice");
  for (const auto& s : c.shapes)
    if (!composite_shape_flag(s, o.bind) && !o.bind.shapes.insert(parse_shape_flag(s)).second)
      throw CompileError("--shape " + s + ": the input is shaped twice");
  for (const auto& f : c.freeze) parse_freeze_flag(f);
  for (const auto& m : c.max)
    if (!o.bind.max.insert(parse_max_flag(m)).second) throw CompileError("--max " + m + ": the tensor is bounded twice");
  return o;
}

// --freeze INPUT=value.pb for the compile command.
void freeze_from_files(const Common& c, Options& o) {
  for (const auto& f : c.freeze) {
    const auto [name, src] = parse_freeze_flag(f);
    if (src.empty())
      throw CompileError("--freeze " + f + ": no value; expected INPUT=value.pb or INPUT=DIR (a test_data_set folder), "
                         "e.g. --freeze shape=shape.pb (verify and bench take INPUT alone, from --data)");
    std::string file = src;
    if (fs::is_directory(src)) {  // a test_data_set folder: the input_K.pb named NAME
      file = data_file_named(src, name);
      if (file.empty()) throw CompileError("--freeze " + f + ": no input_K.pb named " + quote_name(name) + " in " + src);
    }
    try {
      o.bind.frozen[name] = tensor_from_proto(load_tensor_proto(file), "", file);
    } catch (const CompileError& e) {
      throw CompileError("--freeze " + f + ": " + e.what());
    }
  }
}

// Writes a file unless it already holds these bytes (keeps build systems quiet); compares and
// writes in chunks, without a second copy in memory.
void write_file(const fs::path& p, const char* data, size_t size) {
  if (p.has_parent_path()) fs::create_directories(p.parent_path());
  std::error_code ec;
  if (fs::is_regular_file(p, ec) && fs::file_size(p, ec) == size && !ec) {
    std::ifstream old(p, std::ios::binary);
    std::vector<char> buf(size_t{1} << 20);
    size_t at = 0;
    while (old && at < size) {
      const size_t n = std::min(buf.size(), size - at);
      if (!old.read(buf.data(), static_cast<std::streamsize>(n)) || std::memcmp(buf.data(), data + at, n) != 0) break;
      at += n;
    }
    if (at == size) return;
  }
  std::ofstream f(p, std::ios::binary);
  f.write(data, static_cast<std::streamsize>(size));
  if (!f) throw CompileError("cannot write " + p.string());
}

void write_file(const fs::path& p, const std::string& text) { write_file(p, text.data(), text.size()); }

// The weights file of compiled code (EmitResult::weights_file), into the source's folder:
// streamed from the tensors, left untouched when it already holds them.
void write_weights(const Compiled& c, const fs::path& dir) {
  if (c.files.weights_file.empty()) return;
  const fs::path p = dir / c.files.weights_file;
  const Blob& blob = c.files.weights;
  std::error_code ec;
  if (fs::is_regular_file(p, ec) && fs::file_size(p, ec) == blob.size() && !ec) {
    std::ifstream old(p, std::ios::binary);
    std::vector<char> buf(size_t{1} << 20);
    bool same = true;
    blob.stream([&](const unsigned char* d, size_t n) {
      for (size_t at = 0; same && at < n;) {
        const size_t k = std::min(buf.size(), n - at);
        same = old.read(buf.data(), static_cast<std::streamsize>(k)) && std::memcmp(buf.data(), d + at, k) == 0;
        at += k;
      }
    });
    if (same) return;
  }
  if (p.has_parent_path()) fs::create_directories(p.parent_path());
  write_weights_file(c, p.parent_path().string());
}

// The command line recorded in generated files: the model and the options that change the
// output, not where the files go (so regenerating elsewhere gives identical bytes).
std::string recorded_command(const Common& c) {
  std::string s = "onnx2cpp " + c.model;
  if (!c.name.empty()) s += " --name " + c.name;
  for (const auto& d : c.dims) s += " --dim " + d;
  for (const auto& d : c.shapes) s += " --shape " + d;
  for (const auto& d : c.freeze) s += " --freeze " + d;
  for (const auto& d : c.max) s += " --max " + d;
  if (c.no_fold) s += " --no-fold";
  if (c.no_fuse) s += " --no-fuse";
  for (const auto& d : c.disable_pass) s += " --disable-pass " + d;
  if (c.planner != "greedy") s += " --planner " + c.planner;
  if (c.weights != "embed") s += " --weights " + c.weights;
  if (c.max_string_bytes != ShapeBindings{}.max_string_bytes)
    s += " --max-string-bytes " + std::to_string(c.max_string_bytes);
  return s;
}

std::string fmt(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3g", v);
  return b;
}

// docs/ops.md: the op table (ops.def) as a document.
std::string ops_markdown_text() {
  std::string s =
      "# Supported ops\n\nGenerated from `codegen/ops/ops.def` by `onnx2cpp --ops-markdown`; the golden test keeps it "
      "in sync.\nVersions: the versions of the op's spec onnx2cpp implements (a node's version is the newest not above "
      "its model's opset). Types: the element types taken per type variable (float16, bfloat16 and float8 are computed "
      "in float). Ops of the domain onnx2cpp are made by the passes (fused kernels), never read from a model. "
      "Run-time dims: whether the op takes inputs with dims given at run time (`--dim NAME=LO..HI`).\n\n"
      "| op | domain | family (codegen/ops/) | versions | signature | types | precision | run-time dims |\n"
      "|---|---|---|---|---|---|---|---|\n";
  int onnx_ops = 0;
  for (const OpInfo& op : op_table()) {
    std::string types;
    for (const auto& kv : op.types) types += (types.empty() ? "" : "; ") + kv.first + ": " + kv.second.str();
    std::string versions;
    for (int v : op.versions) versions += (versions.empty() ? "" : " ") + std::to_string(v);
    s += std::string("| ") + op.name + " | " + (*op.domain ? op.domain : "ai.onnx") + " | " + op.family + " | " +
         versions + " | `" + op.signature + "` | " + types + " | " + op.precision + " | " +
         (op.def->dynamic ? "yes" : "") + " |\n";
    onnx_ops += std::string(op.domain) != "onnx2cpp";
  }
  s += "\n" + std::to_string(onnx_ops) + " ONNX ops, " + std::to_string(op_table().size() - onnx_ops) +
       " internal ones. Precision: exact = bit-exact; rounding = float arithmetic in another order; approximate = libm "
       "transcendental functions.\n";
  return s;
}

// ---- the subcommands ------------------------------------------------------------------------

// onnx2cpp MODEL -o model.cpp: writes the source and header (and the weights file).
struct CompileArgs {
  Common c;
  std::string out_cpp, out_h, dump_plan;
  BackwardOptions train;  // onnx2cpp train: the training step's flags (train.output set)
  std::string target = "native", cxx, flags, keep;  // train --target wasm (-o: the module's folder)
};

int run_compile(const CompileArgs& a) {
  if (a.c.model.empty()) {
    std::fprintf(stderr, "onnx2cpp: no model given (try --help)\n");
    return kBadInput;
  }
  const bool train = !a.train.output.empty();
  Options opt = make_options(a.c, train ? "onnx2cpp train" + recorded_command(a.c).substr(8) + train_flags_text(a.train)
                                        : recorded_command(a.c));
  opt.backward = a.train;
  freeze_from_files(a.c, opt);
  fs::path cpp = a.out_cpp.empty() ? fs::path(fs::path(a.c.model).stem().string() + ".cpp") : fs::path(a.out_cpp);
  fs::path h = a.out_h.empty() ? fs::path(cpp).replace_extension(".h") : fs::path(a.out_h);
  if (opt.name.empty()) opt.name = name_from_path(cpp.string());
  opt.source_file = cpp.filename().string();
  // The source includes the header by a path relative to the source's folder.
  fs::path cdir = fs::absolute(cpp).parent_path(), hdir = fs::absolute(h).parent_path();
  opt.header_include = cdir == hdir ? h.filename().string() : fs::relative(fs::absolute(h), cdir).string();
  Compiled c = compile_model(opt);
  write_file(cpp, c.files.source);
  write_file(h, c.files.header);
  write_weights(c, fs::path(cpp).parent_path());
  if (!a.dump_plan.empty()) write_file(a.dump_plan, c.plan_report);
  std::fprintf(stderr, "onnx2cpp: wrote %s and %s: %zu nodes, arena %lld bytes (lower bound %lld, efficiency %.3f), weights %lld bytes\n",
               cpp.string().c_str(), h.string().c_str(), c.graph.live_nodes().size(),
               static_cast<long long>(c.plan.arena_bytes), static_cast<long long>(c.plan.lower_bound),
               c.plan.efficiency(), static_cast<long long>(c.files.weights_bytes));
  return kOk;
}

int run_check(const Common& kc) {
  Options opt = make_options(kc, recorded_command(kc));
  freeze_from_files(kc, opt);
  Compiled c = compile_model(opt);
  std::printf("%s: supported (%zu nodes to run, arena %lld bytes)\n", kc.model.c_str(), c.graph.live_nodes().size(),
              static_cast<long long>(c.plan.arena_bytes));
  return kOk;
}

// Under WebAssembly, embedded weights are a string literal (--weights inline): Emscripten's
// assembler cannot be trusted with .incbin (emit/api.cpp).
void wasm_weights(Options& o) {
  if (!o.external_weights) o.inline_weights = true;
}

// Builds a wasm module into `out` (build: the files written), reporting them; a build folder
// kept where `keep` says, else temporary.
int build_for_wasm(const std::string& model, const std::string& out, const std::string& cxx, const std::string& flags,
                   const std::string& keep, const Progress& progress,
                   const std::function<std::vector<std::string>(const WasmModuleConfig&, double*)>& build) {
  WasmModuleConfig wc;
  wc.cxx = cxx;
  wc.flags = flags;
  wc.out_dir = out;
  wc.work_dir = keep.empty() ? make_temp_dir() : keep;
  wc.progress = progress;
  int rc = kOk;
  try {
    double secs = 0;
    auto files = build(wc, &secs);
    std::string list;
    for (const auto& f : files) list += "\n  " + f + " (" + std::to_string(fs::file_size(f)) + " bytes)";
    std::fprintf(stderr, "onnx2cpp: built %s for wasm in %.1f s:%s\n", model.c_str(), secs, list.c_str());
  } catch (const UnsupportedError& e) {
    std::fprintf(stderr, "onnx2cpp: unsupported: %s\n", e.what());
    rc = kUnsupported;
  } catch (const CompileError& e) {
    std::fprintf(stderr, "onnx2cpp: %s: %s\n", model.c_str(), e.what());
    rc = kBuildFailed;
  }
  if (keep.empty()) fs::remove_all(wc.work_dir);
  return rc;
}

// onnx2cpp build MODEL --target native|wasm -o DIR.
struct BuildArgs {
  Common c;
  std::string out, target = "native", flags, keep, cxx;
  bool quiet = false;
};

// --quiet: no progress lines for long steps (tools/progress.hpp).
void add_quiet_option(CLI::App* app, bool& quiet) {
  app->add_flag("--quiet,-q", quiet, "do not say what a step that takes more than a second is doing");
}

// The model compiled as a step of `progress` ("compiling model.onnx (3.5 MB)").
Compiled compile_step(const Options& opt, const Progress& progress, double* seconds = nullptr) {
  std::error_code ec;
  const auto bytes = fs::file_size(opt.model_path, ec);
  Compiled c;
  progress.step("compiling " + opt.model_path + (ec ? "" : " (" + size_text(bytes) + ")"), [&] { c = compile_model(opt); },
                seconds);
  return c;
}

int run_build(const BuildArgs& a) {
  Options opt = make_options(a.c, recorded_command(a.c));
  freeze_from_files(a.c, opt);
  if (opt.name.empty()) opt.name = name_from_path(a.c.model);
  opt.name = sanitize(opt.name);
  if (a.target == "wasm") wasm_weights(opt);
  const Progress progress(a.quiet);
  Compiled c = compile_step(opt, progress);
  const fs::path out(a.out);
  if (a.target == "native") {
    write_file(out / (opt.name + ".cpp"), c.files.source);
    write_file(out / (opt.name + ".h"), c.files.header);
    write_weights(c, out);
    std::fprintf(stderr, "onnx2cpp: wrote %s and %s%s\n", (out / (opt.name + ".cpp")).string().c_str(),
                 (opt.name + ".h").c_str(), c.files.weights_file.empty() ? "" : (" and " + c.files.weights_file).c_str());
    return kOk;
  }
  return build_for_wasm(a.c.model, a.out, a.cxx, a.flags, a.keep, progress, [&](const WasmModuleConfig& wc, double* secs) {
    return build_wasm_module(c, opt.name, wc, secs);
  });
}

// train --target wasm: the step and the eval model on its params, one module.
int run_train_wasm(const CompileArgs& a) {
  Options opt = make_options(a.c, "onnx2cpp train" + recorded_command(a.c).substr(8) + train_flags_text(a.train));
  opt.backward = a.train;
  freeze_from_files(a.c, opt);
  opt.name = sanitize(opt.name.empty() ? name_from_path(a.c.model) : opt.name);
  wasm_weights(opt);
  if (opt.external_weights) throw CompileError("train --target wasm: the weights are inside the module (no --weights file)");
  Options eval = opt;
  eval.backward = BackwardOptions{};
  eval.name = opt.name + "_eval";
  opt.source_file = opt.name + ".cpp";
  opt.header_include = opt.name + ".h";
  eval.source_file = eval.name + ".cpp";
  eval.header_include = eval.name + ".h";
  const Compiled step = compile_model(opt);
  for (const auto& s : step.graph.train_state)
    if (s.init) eval.eval_params.push_back(step.graph.values[s.value].name);
  const Compiled model = compile_model(eval);
  return build_for_wasm(a.c.model, a.out_cpp, a.cxx, a.flags, a.keep, Progress(), [&](const WasmModuleConfig& wc, double* secs) {
    return build_wasm_train_module(step, model, opt.name, a.train.output, wc, secs);
  });
}

// onnx2cpp verify / bench: build the harness, run it on the data, compare or time.
struct RunArgs {
  Common c;
  std::string data, keep, cxx, flags, target = "native", dump, run_prefix;
  bool flags_given = false, profile = false, quiet = false;
  double rtol = 1e-3, atol = 1e-4;
  int iters = 50;
  int threads = 0;  // > 0: <name>_run_parallel on a pool of that many threads
};

// verify's and verify-train's tolerances and build options.
void add_check_options(CLI::App* app, RunArgs& a) {
  app->add_option("--rtol", a.rtol, "relative tolerance (default 1e-3)");
  app->add_option("--atol", a.atol, "absolute tolerance (default 1e-4)");
  app->add_option("--cxx", a.cxx, "C++ compiler (default: $CXX, else c++)");
  app->add_option("--cxxflags,--cxx-flags", a.flags, "flags for building the generated code (default: -O2 -Wall -Wextra)");
  app->add_option("--keep", a.keep, "build in this folder and keep it (default: a temporary folder)");
  app->add_option("--run-prefix", a.run_prefix,
                  "run the built program under this command, e.g. qemu-aarch64 for --cxx aarch64-linux-gnu-g++ "
                  "--cxxflags \"-O2 -static\" (shell words; native target only)");
}

void print_comparisons(const std::vector<Comparison>& res) {
  for (const auto& r : res) {
    if (!r.shape_ok) std::printf("output %s: shape or type differs from the reference: FAIL\n", quote_name(r.name).c_str());
    else
      std::printf("output %s: %lld values, max abs error %s, max rel error %s, %lld beyond tolerance: %s\n",
                  quote_name(r.name).c_str(), static_cast<long long>(r.count), fmt(r.max_abs).c_str(),
                  fmt(r.max_rel).c_str(), static_cast<long long>(r.mismatches), r.pass ? "PASS" : "FAIL");
  }
}

int run_harness(const RunArgs& a, bool is_verify) {
  check_tolerance_flag("--rtol", a.rtol);
  check_tolerance_flag("--atol", a.atol);
  Options opt = make_options(a.c, recorded_command(a.c));
  opt.profile = a.profile;
  if (a.target == "wasm") wasm_weights(opt);
  TestData data;
  if (!a.data.empty()) {
    data = load_test_data(a.data);
    bind_from_data(load_model(a.c.model), data, opt.bind, a.c.freeze);
  }
  const Progress progress(a.quiet);
  double compile_s = 0;
  Compiled c = compile_step(opt, progress, &compile_s);
  const std::string name = opt.name.empty() ? name_from_path(a.c.model) : sanitize(opt.name);
  BuildConfig cfg;
  cfg.target = a.target;
  cfg.cxx = a.cxx;
  cfg.flags = a.flags;
  cfg.run_prefix = a.run_prefix;
  if (!a.run_prefix.empty() && a.target != "native") throw CompileError("--run-prefix: only for --target native");
  if (!is_verify && a.target == "wasm" && !a.flags_given) cfg.flags = "-O3";
  if (a.profile) cfg.flags += " -DO2C_PROFILE";
  cfg.work_dir = a.keep.empty() ? make_temp_dir() : a.keep;
  cfg.progress = progress;
  double build_s = 0;
  int rc = kOk;
  try {
    std::string exe = build_harness(c, name, cfg, &build_s);
    if (is_verify) {
      if (data.outputs.empty()) throw CompileError(a.data + ": no output_K.pb to compare with");
      std::vector<Comparison> res;
      progress.step("running " + name + " on " + a.data, [&] { res = run_and_compare(exe, c, data, cfg.work_dir, a.rtol, a.atol, a.threads); });
      print_comparisons(res);
      bool all = true;
      for (const auto& r : res) all = all && r.pass;
      std::printf("%s: %s (rtol %g, atol %g; compile %.2f s, build %.1f s)\n", a.c.model.c_str(), all ? "PASS" : "FAIL",
                  a.rtol, a.atol, compile_s, build_s);
      rc = all ? kOk : kMismatch;
    } else {
      std::string line;
      progress.step("running " + name + " " + std::to_string(a.iters) + " times (and warm-up runs)",
                    [&] { line = run_bench(exe, c, a.data.empty() ? nullptr : &data, cfg.work_dir, a.iters, a.threads); });
      line.pop_back();  // closing brace
      std::printf("%s, \"weights_bytes\": %lld, \"arena_lower_bound\": %lld, \"compile_s\": %.3f, \"build_s\": %.2f, "
                  "\"model\": \"%s\", \"target\": \"%s\"}\n",
                  line.c_str(), static_cast<long long>(c.files.weights_bytes), static_cast<long long>(c.plan.lower_bound),
                  compile_s, build_s, name.c_str(), a.target.c_str());
      if (a.profile) {
        std::ifstream pf(fs::path(cfg.work_dir) / "profile.txt");
        std::printf("%s", std::string(std::istreambuf_iterator<char>(pf), {}).c_str());
      }
    }
  } catch (const CompileError& e) {
    std::fprintf(stderr, "onnx2cpp: %s\n", e.what());
    rc = kBuildFailed;
  }
  if (a.keep.empty()) fs::remove_all(cfg.work_dir);
  return rc;
}

// onnx2cpp verify-train MODEL --data train_data/: the step compiled with train.json's settings,
// run from the initial parameters for its steps, checked against PyTorch's run.
int run_verify_train(const RunArgs& a) {
  check_tolerance_flag("--rtol", a.rtol);
  check_tolerance_flag("--atol", a.atol);
  const TrainData data = load_train_data(a.data);
  Options opt = make_options(a.c, recorded_command(a.c));
  opt.backward = data.opt;
  if (opt.name.empty()) opt.name = name_from_path(a.c.model);
  const Progress progress(a.quiet);
  const Compiled c = compile_step(opt, progress);
  BuildConfig cfg;
  cfg.progress = progress;
  cfg.cxx = a.cxx;
  cfg.flags = a.flags;
  cfg.run_prefix = a.run_prefix;
  cfg.work_dir = a.keep.empty() ? make_temp_dir() : a.keep;
  int rc = kOk;
  try {
    const TrainCheck r = verify_train(c, opt.name, data, cfg, a.rtol, a.atol, a.dump);
    std::printf("%s", r.report.c_str());
    std::printf("%s: %s (%d steps of %s, loss %s; rtol %g, atol %g)\n", a.c.model.c_str(), r.pass ? "PASS" : "FAIL", data.steps,
                data.opt.optimizer.type.c_str(), data.opt.loss.c_str(), a.rtol, a.atol);
    rc = r.pass ? kOk : kMismatch;
  } catch (const CompileError& e) {
    std::fprintf(stderr, "onnx2cpp: %s\n", e.what());
    rc = kBuildFailed;
  }
  if (a.keep.empty()) fs::remove_all(cfg.work_dir);
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"onnx2cpp: compile an ONNX model to one standalone C++ file (plus a C header)\n"
               "exit codes: 0 ok, 1 verification mismatch, 2 bad input or model, 3 unsupported model,\n"
               "4 building or running the generated code failed"};
  app.require_subcommand(0, 1);
  CompileArgs ca;
  Common& cc = ca.c;
  bool list_ops = false, ops_markdown = false, list_passes = false;
  app.add_option("model", cc.model, "ONNX model file");
  app.add_option("-o,--output", ca.out_cpp, "generated source (default: <model stem>.cpp)");
  app.add_option("--header", ca.out_h, "generated header (default: source path with .h)");
  app.add_option("--dim", cc.dims, "bind a symbolic dimension: NAME=VALUE, or NAME=LO..HI for a dim given at run time (repeatable)");
  app.add_option("--shape", cc.shapes, "set an input's shape: INPUT=1x3x224x224 (repeatable)");
  app.add_option("--freeze", cc.freeze,
                 "make an input a constant: INPUT=value.pb (a serialized TensorProto) or INPUT=DIR "
                 "(the input_K.pb named INPUT in a test_data_set folder); repeatable");
  add_max_option(&app, cc);
  app.add_option("--name", cc.name, "model name, the prefix of every exported symbol (default: output stem)");
  app.add_flag("--no-fold", cc.no_fold, "do not fold constant sub-graphs");
  add_pass_options(&app, cc);
  app.add_option("--planner", cc.planner, "memory planner: greedy (default) or linear")
      ->check(CLI::IsMember({"greedy", "linear"}));
  app.add_option("--dump-plan", ca.dump_plan, "write the memory plan chart to this file");
  add_weights_option(&app, cc);
  app.add_flag("--list-ops", list_ops, "print the supported ops and exit");
  app.add_flag("--list-passes", list_passes, "print the passes in the order they run and exit");
  app.add_flag("--ops-markdown", ops_markdown, "print the supported ops as docs/ops.md and exit");

  RunArgs va;
  va.flags = "-O2 -Wall -Wextra";
  auto* verify = app.add_subcommand("verify", "compile, build with $CXX, run on test data and compare");
  add_common(verify, va.c);
  verify->add_option("--data", va.data, "folder with input_K.pb and output_K.pb")->required();
  verify->add_option("--threads", va.threads,
                     "also run through NAME_run_parallel on a pool of N threads: bit-identical to NAME_run or FAIL")
      ->check(CLI::Range(1, 256));
  add_check_options(verify, va);
  verify->add_option("--target", va.target, "native (default) or wasm: build with Emscripten (em++), run with Node")
      ->check(CLI::IsMember({"native", "wasm"}));
  add_weights_option(verify, va.c);
  add_quiet_option(verify, va.quiet);

  RunArgs ba;
  ba.flags = "-O3 -march=native";
  auto* bench = app.add_subcommand("bench", "build with -O3 -march=native and time single-threaded runs");
  add_common(bench, ba.c);
  bench->add_option("--data", ba.data, "folder with input_K.pb (default: zero inputs)");
  bench->add_option("--iters", ba.iters, "timed iterations (default 50)")->check(CLI::Range(1, 1000000000));
  bench->add_option("--threads", ba.threads,
                    "run through NAME_run_parallel on a pool of N threads (default: NAME_run, one thread)")
      ->check(CLI::Range(1, 256));
  bench->add_option("--cxx", ba.cxx, "C++ compiler (default: $CXX, else c++)");
  auto* bench_flags_opt = bench->add_option("--cxxflags,--cxx-flags", ba.flags, "flags (default: -O3 -march=native; wasm: -O3)");
  bench->add_option("--keep", ba.keep, "build in this folder and keep it");
  bench->add_option("--target", ba.target, "native (default) or wasm: build with Emscripten (-O3), run with Node")
      ->check(CLI::IsMember({"native", "wasm"}));
  add_weights_option(bench, ba.c);
  bench->add_flag("--profile", ba.profile, "time every node too and print the slowest (adds timer calls)");
  add_quiet_option(bench, ba.quiet);

  BuildArgs bd;
  auto* build = app.add_subcommand(
      "build", "compile and build for a target: wasm writes <name>.wasm, the ES module <name>.js and "
               "<name>.d.ts (Emscripten); native writes <name>.cpp and <name>.h");
  add_common(build, bd.c);
  for (auto* o : build->get_options())
    if (o->check_name("--freeze")) o->description("make an input a constant: INPUT=value.pb or INPUT=DIR (as in compile)");
  build->add_option("-o,--output", bd.out, "output folder")->required();
  build->add_option("--target", bd.target, "wasm or native (default)")->check(CLI::IsMember({"native", "wasm"}));
  add_weights_option(build, bd.c);
  build->add_option("--cxxflags,--cxx-flags", bd.flags, "wasm: optimization and extra em++ flags (default: -O3)");
  build->add_option("--cxx", bd.cxx, "wasm: the Emscripten compiler (default: $EMXX, else em++)");
  build->add_option("--keep", bd.keep, "wasm: build in this folder and keep it (default: a temporary folder)");
  add_quiet_option(build, bd.quiet);

  CompileArgs ta;
  ta.train.optimizer.type = "sgd";
  ta.train.grads = false;
  auto* train = app.add_subcommand("train", "compile a training step: the loss on an output, its gradients and the "
                                            "optimizer's update of the parameters, in place (NAME_train_step)");
  add_common(train, ta.c);
  train->add_option("-o", ta.out_cpp, "generated source (default: <model stem>.cpp); --target wasm: the module's folder");
  train->add_option("--target", ta.target, "native (default: C++ source) or wasm: an ES module (trainStep, run, getParams, "
                                           "setParams) built with Emscripten")
      ->check(CLI::IsMember({"native", "wasm"}));
  train->add_option("--cxxflags,--cxx-flags", ta.flags, "wasm: optimization and extra em++ flags (default: -O3)");
  train->add_option("--cxx", ta.cxx, "wasm: the Emscripten compiler (default: $EMXX, else em++)");
  train->add_option("--keep", ta.keep, "wasm: build in this folder and keep it (default: a temporary folder)");
  train->add_option("--header", ta.out_h, "generated header (default: source path with .h)");
  train->add_option("--dump-plan", ta.dump_plan, "write the memory plan chart to this file");
  add_weights_option(train, ta.c);
  add_train_options(train, ta.train);

  CompileArgs ea;
  std::string trained_params;
  ea.train.optimizer.type = "sgd";
  ea.train.grads = false;
  auto* export_onnx = app.add_subcommand("export-onnx", "write the model with the parameters of a saved NAME_params struct "
                                                        "(give the training flags its step was compiled with)");
  add_common(export_onnx, ea.c);
  export_onnx->add_option("--params", trained_params, "the saved struct's bytes (fwrite(&p, sizeof p, 1, f))")->required();
  export_onnx->add_option("-o", ea.out_cpp, "the ONNX model to write")->required();
  add_train_options(export_onnx, ea.train);

  RunArgs vt;
  vt.flags = "-O2 -Wall -Wextra";
  auto* verify_train = app.add_subcommand("verify-train", "compile the training step train.json describes, build it, run "
                                                          "its steps and compare losses, gradients and parameters");
  add_common(verify_train, vt.c);
  verify_train->add_option("--data", vt.data, "train_data folder (train.json, step_K/, expected/)")->required();
  add_check_options(verify_train, vt);
  verify_train->add_option("--dump-steps", vt.dump, "write every step's loss, gradients and updated parameters and states to "
                                                    "DIR/step_K/*.pb (ONNX names inside; scripts/train_drift.py compares them)");
  add_quiet_option(verify_train, vt.quiet);

  Common ic;
  bool info_json_flag = false;
  auto* info = app.add_subcommand("info", "what the model holds (inputs, outputs, dims to bind, ops, parameters, MACs at "
                                          "the given shapes) and every op or type onnx2cpp does not take, with reasons");
  info->add_option("model", ic.model, "ONNX model file")->required();
  info->add_option("--dim", ic.dims, "bind a symbolic dimension: NAME=VALUE (as in compile)");
  info->add_option("--shape", ic.shapes, "set an input's shape: INPUT=1x3x224x224 (repeatable)");
  info->add_option("--freeze", ic.freeze, "make an input a constant: INPUT=value.pb or INPUT=DIR (as in compile)");
  add_max_option(info, ic);
  info->add_flag("--json", info_json_flag, "print one JSON object");

  Common kc;
  auto* check = app.add_subcommand("check", "compile in memory only: exit 0 if supported, 3 if not, 2 if broken");
  add_common(check, kc);

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help
    return app.exit(e);
  } catch (const CLI::ParseError& e) {  // a flag CLI11 checks (types, ranges, choices): exit 2
    app.exit(e);
    return kBadInput;
  }
  ba.flags_given = bench_flags_opt->count() > 0;

  try {
    if (ops_markdown) {
      std::fputs(ops_markdown_text().c_str(), stdout);
      return kOk;
    }
    if (list_passes) {
      for (const PassInfo& p : pass_list()) std::printf("%-16s %-6s %s\n", p.name, *p.group ? p.group : "-", p.purpose);
      return kOk;
    }
    if (list_ops) {
      for (const OpInfo& op : op_table())
        std::printf("%-28s %-10s %-14s %-12s %s\n", op.name, *op.domain ? op.domain : "ai.onnx", op.family, op.precision,
                    op.signature);
      return kOk;
    }
    if (*check) return run_check(kc);
    if (*info) {
      Options opt = make_options(ic, "");
      freeze_from_files(ic, opt);
      const ModelInfo mi = describe_model(ic.model, opt.bind);
      std::fputs((info_json_flag ? info_json(mi) : info_text(mi)).c_str(), stdout);
      return kOk;
    }
    if (*train) {
      if (ta.target == "wasm" && ta.out_cpp.empty()) throw CompileError("train --target wasm needs -o FOLDER");
      return ta.target == "wasm" ? run_train_wasm(ta) : run_compile(ta);
    }
    if (*export_onnx) {
      Options opt = make_options(ea.c, recorded_command(ea.c));
      opt.backward = ea.train;
      export_trained(compile_model(opt), ea.c.model, trained_params, ea.out_cpp);
      std::fprintf(stderr, "onnx2cpp: wrote %s\n", ea.out_cpp.c_str());
      return kOk;
    }
    if (*verify_train) return run_verify_train(vt);
    if (*build) return run_build(bd);
    if (*verify) return run_harness(va, true);
    if (*bench) return run_harness(ba, false);
    return run_compile(ca);
  } catch (const UnsupportedError& e) {
    std::fprintf(stderr, "onnx2cpp: unsupported: %s\n", e.what());
    return kUnsupported;
  } catch (const CompileError& e) {
    std::fprintf(stderr, "onnx2cpp: error: %s\n", e.what());
    return kBadInput;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "onnx2cpp: internal error: %s\n", e.what());
    return kBadInput;
  }
}
