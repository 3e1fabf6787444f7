// onnx2cpp command line: flags -> Options -> driver; exit codes documented in --help.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>

#include "driver.hpp"
#include "onnx/model_io.hpp"
#include "onnx/names.hpp"
#include "ops/registry.hpp"
#include "tools/runner.hpp"
#include "tools/wasm.hpp"

namespace fs = std::filesystem;
using namespace o2c;

namespace {

// Exit codes.
constexpr int kOk = 0, kMismatch = 1, kBadInput = 2, kUnsupported = 3, kBuildFailed = 4;

struct Common {
  std::string model;
  std::vector<std::string> dims, shapes, freeze;
  std::string name;
  bool no_fold = false;
  bool no_fuse = false;
  std::vector<std::string> disable_pass, dump_ir_after;
  bool verify_each = false;
  std::string planner = "greedy";
  std::string weights = "embed";  // embed | file
};

void add_weights_option(CLI::App* app, Common& c) {
  app->add_option("--weights", c.weights,
                  "embed (default): the constants are in the generated code; file: in <name>.weights.bin "
                  "beside it, passed to <name>_run_with_weights")
      ->check(CLI::IsMember({"embed", "file"}));
}

void add_pass_options(CLI::App* app, Common& c) {
  app->add_flag("--no-fuse", c.no_fuse, "turn off the optimizing passes (the \"fuse\" group of --list-passes)");
  app->add_option("--disable-pass", c.disable_pass, "turn off a pass or group by name (repeatable; see --list-passes)");
  app->add_option("--dump-ir-after", c.dump_ir_after, "print the IR after this pass to stderr (repeatable)");
  app->add_flag("--verify-each", c.verify_each, "check the graph's invariants after every pass");
}

void add_common(CLI::App* app, Common& c) {
  app->add_option("model", c.model, "ONNX model file")->required();
  app->add_option("--dim", c.dims, "bind a symbolic dimension: NAME=VALUE (repeatable)");
  app->add_option("--shape", c.shapes, "set an input's shape: INPUT=1x3x224x224 (repeatable)");
  app->add_option("--freeze", c.freeze,
                  "make an input a constant with its value from the data (repeatable): specializes the model");
  app->add_option("--name", c.name, "model name, the prefix of every exported symbol");
  app->add_flag("--no-fold", c.no_fold, "do not fold constant sub-graphs");
  add_pass_options(app, c);
  app->add_option("--planner", c.planner, "memory planner: greedy (default) or linear")
      ->check(CLI::IsMember({"greedy", "linear"}));
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
  for (const auto& d : c.dims) {
    auto eq = d.find('=');
    if (eq == std::string::npos) throw CompileError("--dim expects NAME=VALUE, got " + quote_name(d));
    o.bind.dims[d.substr(0, eq)] = std::stoll(d.substr(eq + 1));
  }
  for (const auto& s : c.shapes) {
    auto eq = s.rfind('=');
    if (eq == std::string::npos) throw CompileError("--shape expects INPUT=1x3x224x224, got " + quote_name(s));
    o.bind.shapes[s.substr(0, eq)] = parse_shape(s.substr(eq + 1));
  }
  return o;
}

// --freeze INPUT=value.pb for the compile command.
void freeze_from_files(const Common& c, Options& o) {
  for (const auto& f : c.freeze) {
    auto eq = f.rfind('=');
    if (eq == std::string::npos) throw CompileError("--freeze expects INPUT=value.pb, got " + quote_name(f));
    const std::string name = f.substr(0, eq), src = f.substr(eq + 1);
    std::string file = src;
    if (fs::is_directory(src)) {  // a test_data_set folder: the input_K.pb named NAME
      file.clear();
      for (int k = 0; fs::exists(fs::path(src) / ("input_" + std::to_string(k) + ".pb")); ++k) {
        const std::string p = (fs::path(src) / ("input_" + std::to_string(k) + ".pb")).string();
        if (load_tensor_proto(p).name() == name) file = p;
      }
      if (file.empty()) throw CompileError("--freeze " + f + ": no input_K.pb named " + quote_name(name) + " in " + src);
    }
    o.bind.frozen[name] = tensor_from_proto(load_tensor_proto(file), "", file);
  }
}

void write_file(const fs::path& p, const std::string& text) {
  if (p.has_parent_path()) fs::create_directories(p.parent_path());
  std::ifstream old(p, std::ios::binary);
  if (old) {  // leave unchanged files untouched (keeps build systems quiet)
    std::string cur((std::istreambuf_iterator<char>(old)), std::istreambuf_iterator<char>());
    if (cur == text) return;
  }
  std::ofstream f(p, std::ios::binary);
  f << text;
  if (!f) throw CompileError("cannot write " + p.string());
}

// The command line recorded in generated files: the model and the options that change the
// output, not where the files go (so regenerating elsewhere gives identical bytes).
std::string recorded_command(const Common& c) {
  std::string s = "onnx2cpp " + c.model;
  if (!c.name.empty()) s += " --name " + c.name;
  for (const auto& d : c.dims) s += " --dim " + d;
  for (const auto& d : c.shapes) s += " --shape " + d;
  for (const auto& d : c.freeze) s += " --freeze " + d;
  if (c.no_fold) s += " --no-fold";
  if (c.no_fuse) s += " --no-fuse";
  for (const auto& d : c.disable_pass) s += " --disable-pass " + d;
  if (c.planner != "greedy") s += " --planner " + c.planner;
  if (c.weights != "embed") s += " --weights " + c.weights;
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
      "in float). Ops of the domain onnx2cpp are made by the passes (fused kernels), never read from a model.\n\n"
      "| op | domain | family (codegen/ops/) | versions | signature | types | precision |\n|---|---|---|---|---|---|---|\n";
  int onnx_ops = 0;
  for (const OpInfo& op : op_table()) {
    std::string types;
    for (const auto& kv : op.types) types += (types.empty() ? "" : "; ") + kv.first + ": " + kv.second.str();
    std::string versions;
    for (int v : op.versions) versions += (versions.empty() ? "" : " ") + std::to_string(v);
    s += std::string("| ") + op.name + " | " + (*op.domain ? op.domain : "ai.onnx") + " | " + op.family + " | " +
         versions + " | `" + op.signature + "` | " + types + " | " + op.precision + " |\n";
    onnx_ops += *op.domain == '\0';
  }
  s += "\n" + std::to_string(onnx_ops) + " ONNX ops, " + std::to_string(op_table().size() - onnx_ops) +
       " internal ones. Precision: exact = bit-exact; rounding = float arithmetic in another order; approximate = libm "
       "transcendental functions.\n";
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"onnx2cpp: compile an ONNX model to one standalone C++ file (plus a C header)\n"
               "exit codes: 0 ok, 1 verification mismatch, 2 bad input or model, 3 unsupported model,\n"
               "4 building or running the generated code failed"};
  app.require_subcommand(0, 1);
  Common cc;
  std::string out_cpp, out_h, dump_plan;
  bool list_ops = false, ops_markdown = false, list_passes = false;
  app.add_option("model", cc.model, "ONNX model file");
  app.add_option("-o,--output", out_cpp, "generated source (default: <model stem>.cpp)");
  app.add_option("--header", out_h, "generated header (default: source path with .h)");
  app.add_option("--dim", cc.dims, "bind a symbolic dimension: NAME=VALUE (repeatable)");
  app.add_option("--shape", cc.shapes, "set an input's shape: INPUT=1x3x224x224 (repeatable)");
  app.add_option("--freeze", cc.freeze,
                 "make an input a constant: INPUT=value.pb (a serialized TensorProto) or INPUT=DIR "
                 "(the input_K.pb named INPUT in a test_data_set folder); repeatable");
  app.add_option("--name", cc.name, "model name, the prefix of every exported symbol (default: output stem)");
  app.add_flag("--no-fold", cc.no_fold, "do not fold constant sub-graphs");
  add_pass_options(&app, cc);
  app.add_option("--planner", cc.planner, "memory planner: greedy (default) or linear");
  app.add_option("--dump-plan", dump_plan, "write the memory plan chart to this file");
  add_weights_option(&app, cc);
  app.add_flag("--list-ops", list_ops, "print the supported ops and exit");
  app.add_flag("--list-passes", list_passes, "print the passes in the order they run and exit");
  app.add_flag("--ops-markdown", ops_markdown, "print the supported ops as docs/ops.md and exit");

  Common vc;
  std::string data_dir, keep_dir, cxx, flags = "-O2 -Wall -Wextra";
  double rtol = 1e-3, atol = 1e-4;
  auto* verify = app.add_subcommand("verify", "compile, build with $CXX, run on test data and compare");
  add_common(verify, vc);
  verify->add_option("--data", data_dir, "folder with input_K.pb and output_K.pb")->required();
  verify->add_option("--rtol", rtol, "relative tolerance (default 1e-3)");
  verify->add_option("--atol", atol, "absolute tolerance (default 1e-4)");
  verify->add_option("--cxx", cxx, "C++ compiler (default: $CXX, else c++)");
  verify->add_option("--cxxflags,--cxx-flags", flags, "flags for building the generated code (default: -O2 -Wall -Wextra)");
  verify->add_option("--keep", keep_dir, "build in this folder and keep it (default: a temporary folder)");
  std::string target = "native";
  verify->add_option("--target", target, "native (default) or wasm: build with Emscripten (em++), run with Node")
      ->check(CLI::IsMember({"native", "wasm"}));
  add_weights_option(verify, vc);

  Common bc;
  std::string bench_data, bench_keep, bench_flags = "-O3 -march=native";
  int iters = 50;
  bool profile = false;
  auto* bench = app.add_subcommand("bench", "build with -O3 -march=native and time single-threaded runs");
  add_common(bench, bc);
  bench->add_option("--data", bench_data, "folder with input_K.pb (default: zero inputs)");
  bench->add_option("--iters", iters, "timed iterations (default 50)");
  bench->add_option("--cxx", cxx, "C++ compiler (default: $CXX, else c++)");
  auto* bench_flags_opt = bench->add_option("--cxxflags,--cxx-flags", bench_flags, "flags (default: -O3 -march=native; wasm: -O3)");
  bench->add_option("--keep", bench_keep, "build in this folder and keep it");
  bench->add_option("--target", target, "native (default) or wasm: build with Emscripten (-O3), run with Node")
      ->check(CLI::IsMember({"native", "wasm"}));
  add_weights_option(bench, bc);

  Common bdc;
  std::string build_out, build_target = "native", build_flags, build_keep, build_cxx;
  auto* build = app.add_subcommand(
      "build", "compile and build for a target: wasm writes <name>.wasm, the ES module <name>.js and "
               "<name>.d.ts (Emscripten); native writes <name>.cpp and <name>.h");
  add_common(build, bdc);
  for (auto* o : build->get_options())
    if (o->check_name("--freeze")) o->description("make an input a constant: INPUT=value.pb or INPUT=DIR (as in compile)");
  build->add_option("-o,--output", build_out, "output folder")->required();
  build->add_option("--target", build_target, "wasm or native (default)")->check(CLI::IsMember({"native", "wasm"}));
  add_weights_option(build, bdc);
  build->add_option("--cxxflags,--cxx-flags", build_flags, "wasm: optimization and extra em++ flags (default: -O3)");
  build->add_option("--cxx", build_cxx, "wasm: the Emscripten compiler (default: $EMXX, else em++)");
  build->add_option("--keep", build_keep, "wasm: build in this folder and keep it (default: a temporary folder)");
  bench->add_flag("--profile", profile, "time every node too and print the slowest (adds timer calls)");

  Common kc;
  auto* check = app.add_subcommand("check", "compile in memory only: exit 0 if supported, 3 if not, 2 if broken");
  add_common(check, kc);

  CLI11_PARSE(app, argc, argv);

  try {
    if (ops_markdown) {
      std::fputs(ops_markdown_text().c_str(), stdout);
      return kOk;
    }
    if (list_passes) {
      for (const PassInfo& p : pass_list())
        std::printf("%-16s %-6s %s\n", p.name, *p.group ? p.group : "-", p.purpose);
      return kOk;
    }
    if (list_ops) {
      for (const OpInfo& op : op_table())
        std::printf("%-28s %-10s %-14s %-12s %s\n", op.name, *op.domain ? op.domain : "ai.onnx", op.family, op.precision,
                    op.signature);
      return kOk;
    }
    if (*check) {
      Options kopt = make_options(kc, recorded_command(kc));
      freeze_from_files(kc, kopt);
      Compiled c = compile_model(kopt);
      std::printf("%s: supported (%zu nodes to run, arena %lld bytes)\n", kc.model.c_str(),
                  c.graph.live_nodes().size(), static_cast<long long>(c.plan.arena_bytes));
      return kOk;
    }
    if (*build) {
      Options bopt = make_options(bdc, recorded_command(bdc));
      freeze_from_files(bdc, bopt);
      if (bopt.name.empty()) bopt.name = name_from_path(bdc.model);
      bopt.name = sanitize(bopt.name);
      Compiled c = compile_model(bopt);
      const fs::path out(build_out);
      if (build_target == "native") {
        write_file(out / (bopt.name + ".cpp"), c.files.source);
        write_file(out / (bopt.name + ".h"), c.files.header);
        if (c.files.external_weights)
          write_file(out / (bopt.name + ".weights.bin"), std::string(c.files.weights.begin(), c.files.weights.end()));
        std::fprintf(stderr, "onnx2cpp: wrote %s and %s%s\n", (out / (bopt.name + ".cpp")).string().c_str(),
                     (bopt.name + ".h").c_str(), c.files.external_weights ? " and the weights file" : "");
        return kOk;
      }
      WasmModuleConfig wc;
      wc.cxx = build_cxx;
      wc.flags = build_flags;
      wc.out_dir = build_out;
      wc.work_dir = build_keep.empty() ? make_temp_dir() : build_keep;
      int rc = kOk;
      try {
        double secs = 0;
        auto files = build_wasm_module(c, bopt.name, wc, &secs);
        std::string list;
        for (const auto& f : files)
          list += "\n  " + f + " (" + std::to_string(fs::file_size(f)) + " bytes)";
        std::fprintf(stderr, "onnx2cpp: built %s for wasm in %.1f s:%s\n", bdc.model.c_str(), secs, list.c_str());
      } catch (const UnsupportedError& e) {
        std::fprintf(stderr, "onnx2cpp: unsupported: %s\n", e.what());
        rc = kUnsupported;
      } catch (const CompileError& e) {
        std::fprintf(stderr, "onnx2cpp: %s: %s\n", bdc.model.c_str(), e.what());
        rc = kBuildFailed;
      }
      if (build_keep.empty()) fs::remove_all(wc.work_dir);
      return rc;
    }
    if (*verify || *bench) {
      const bool is_verify = static_cast<bool>(*verify);
      Common& o = is_verify ? vc : bc;
      const std::string dir = is_verify ? data_dir : bench_data;
      Options opt = make_options(o, recorded_command(o));
      opt.profile = profile;
      TestData data;
      if (!dir.empty()) {
        data = load_test_data(dir);
        bind_from_data(load_model(o.model), data, opt.bind, o.freeze);
      }
      auto t0 = std::chrono::steady_clock::now();
      Compiled c = compile_model(opt);
      auto t1 = std::chrono::steady_clock::now();
      const std::string name = opt.name.empty() ? name_from_path(o.model) : sanitize(opt.name);
      const std::string keep = is_verify ? keep_dir : bench_keep;
      BuildConfig cfg;
      cfg.target = target;
      cfg.cxx = cxx;
      cfg.flags = is_verify ? flags : bench_flags;
      if (!is_verify && target == "wasm" && bench_flags_opt->count() == 0) cfg.flags = "-O3";
      if (profile) cfg.flags += " -DO2C_PROFILE";
      cfg.work_dir = keep.empty() ? make_temp_dir() : keep;
      double build_s = 0;
      int rc = kOk;
      try {
        std::string exe = build_harness(c, name, cfg, &build_s);
        if (is_verify) {
          if (data.outputs.empty()) throw CompileError(dir + ": no output_K.pb to compare with");
          auto res = run_and_compare(exe, c, data, cfg.work_dir, rtol, atol);
          bool all = true;
          for (const auto& r : res) {
            if (!r.shape_ok) std::printf("output %s: shape or type differs from the reference: FAIL\n", quote_name(r.name).c_str());
            else
              std::printf("output %s: %lld values, max abs error %s, max rel error %s, %lld beyond tolerance: %s\n",
                          quote_name(r.name).c_str(), static_cast<long long>(r.count), fmt(r.max_abs).c_str(),
                          fmt(r.max_rel).c_str(), static_cast<long long>(r.mismatches), r.pass ? "PASS" : "FAIL");
            all = all && r.pass;
          }
          std::printf("%s: %s (rtol %g, atol %g; compile %.2f s, build %.1f s)\n", o.model.c_str(),
                      all ? "PASS" : "FAIL", rtol, atol, std::chrono::duration<double>(t1 - t0).count(), build_s);
          rc = all ? kOk : kMismatch;
        } else {
          std::string line = run_bench(exe, c, dir.empty() ? nullptr : &data, cfg.work_dir, iters);
          line.pop_back();  // closing brace
          std::printf("%s, \"weights_bytes\": %lld, \"arena_lower_bound\": %lld, \"compile_s\": %.3f, \"build_s\": %.2f, \"model\": \"%s\", \"target\": \"%s\"}\n",
                      line.c_str(), static_cast<long long>(c.files.weights_bytes),
                      static_cast<long long>(c.plan.lower_bound),
                      std::chrono::duration<double>(t1 - t0).count(), build_s, name.c_str(), target.c_str());
          if (profile) {
            std::ifstream pf(fs::path(cfg.work_dir) / "profile.txt");
            std::printf("%s", std::string(std::istreambuf_iterator<char>(pf), {}).c_str());
          }
        }
      } catch (const CompileError& e) {
        std::fprintf(stderr, "onnx2cpp: %s\n", e.what());
        rc = kBuildFailed;
      }
      if (keep.empty()) fs::remove_all(cfg.work_dir);
      return rc;
    }
    if (cc.model.empty()) {
      std::fprintf(stderr, "onnx2cpp: no model given (try --help)\n");
      return kBadInput;
    }
    Options opt = make_options(cc, recorded_command(cc));
    freeze_from_files(cc, opt);
    fs::path cpp = out_cpp.empty() ? fs::path(fs::path(cc.model).stem().string() + ".cpp") : fs::path(out_cpp);
    fs::path h = out_h.empty() ? fs::path(cpp).replace_extension(".h") : fs::path(out_h);
    if (opt.name.empty()) opt.name = name_from_path(cpp.string());
    // The source includes the header by a path relative to the source's folder.
    fs::path cdir = fs::absolute(cpp).parent_path(), hdir = fs::absolute(h).parent_path();
    opt.header_include = cdir == hdir ? h.filename().string() : fs::relative(fs::absolute(h), cdir).string();
    Compiled c = compile_model(opt);
    write_file(cpp, c.files.source);
    write_file(h, c.files.header);
    if (c.files.external_weights)
      write_file(fs::path(cpp).replace_filename(opt.name + ".weights.bin"),
                 std::string(c.files.weights.begin(), c.files.weights.end()));
    if (!dump_plan.empty()) write_file(dump_plan, c.plan_report);
    std::fprintf(stderr, "onnx2cpp: wrote %s and %s: %zu nodes, arena %lld bytes (lower bound %lld, efficiency %.3f), weights %lld bytes\n",
                 cpp.string().c_str(), h.string().c_str(), c.graph.live_nodes().size(),
                 static_cast<long long>(c.plan.arena_bytes), static_cast<long long>(c.plan.lower_bound),
                 c.plan.efficiency(), static_cast<long long>(c.files.weights_bytes));
    return kOk;
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
