#include "tools/wasm.hpp"

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "emit/js_glue.hpp"
#include "emit/writer.hpp"
#include "onnx/names.hpp"

#ifndef O2C_EIGEN_INCLUDE
#define O2C_EIGEN_INCLUDE "/usr/include/eigen3"
#endif

namespace o2c {
namespace fs = std::filesystem;

namespace {

// Debian's emscripten runs its JavaScript optimizer with node and needs the distribution's
// node modules (acorn) on NODE_PATH; elsewhere this adds nothing.
std::string emscripten_env() {
  if (!fs::is_directory("/usr/share/nodejs")) return "";
  return "NODE_PATH=\"${NODE_PATH:+$NODE_PATH:}/usr/share/nodejs\" ";
}

void require_tool(const std::string& cmd, const std::string& what) {
  const std::string first = cmd.substr(0, cmd.find(' '));
  std::string out;
  if (run_command("command -v " + shell_quote(first), &out) != 0)
    throw CompileError(first + " not found: " + what);
}

std::string require_emxx(const std::string& cxx) {
  const std::string emxx = emxx_command(cxx);
  require_tool(emxx, "building for --target wasm needs Emscripten (Debian: apt-get install emscripten; "
                     "or set $EMXX)");
  return emxx;
}

// Runs an em++ command in dir; on failure throws with the command and the tail of its output.
// `step` is its progress line.
void run_emxx(const std::string& dir, const std::string& cmd, const std::string& what, const Progress& progress,
              const std::string& step, double* seconds) {
  const std::string full = "cd " + shell_quote(dir) + " && " + emscripten_env() + cmd;
  std::string out;
  int rc = 0;
  progress.step(step, [&] { rc = run_command(full, &out); }, seconds);
  if (rc != 0)
    throw CompileError(what + " failed (em++ exit " + std::to_string(rc) + "):\n$ " + full + "\n" + tail_lines(out, 40));
}

long long io_bytes(const Graph& g) {
  long long n = 0;
  for (int v : g.inputs) n += g.values[static_cast<size_t>(v)].bytes() + 64;
  for (int v : g.outputs) n += g.values[static_cast<size_t>(v)].bytes() + 64;
  return n;
}

void copy_out(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec) throw CompileError("cannot copy " + from.string() + " to " + to.string() + ": " + ec.message());
}

}  // namespace

std::string emxx_command(const std::string& cxx) {
  if (!cxx.empty()) return cxx;
  const char* e = std::getenv("EMXX");
  return e && *e ? e : "em++";
}

std::string wasm_code_flags(const std::string& work_dir) {
  const fs::path inc = fs::path(work_dir) / "wasm_include";
  write_file_or_throw((inc / "mmintrin.h").string(), embedded_sources().at("wasm_mmintrin"));
  return "-msimd128 -msse4.1 -isystem " + shell_quote(inc.string()) + " -I" + shell_quote(O2C_EIGEN_INCLUDE) + " " +
         kWasmLinkInlining;
}

long long wasm_memory_bytes(long long static_bytes, long long heap_bytes) {
  const long long page = 65536;
  const long long need = static_bytes + heap_bytes + kWasmStackBytes + (2LL << 20);
  const long long bytes = (need + page - 1) / page * page;
  if (bytes > (2047LL << 20))
    throw CompileError("the model needs " + std::to_string(need) + " bytes of memory, more than wasm32 allows (2 GiB)");
  return bytes;
}

namespace {

// em++ on the compiled models' sources (c: each with its name), exporting `exports` (and
// malloc, free), then the module's files into cfg.out_dir: <name>.wasm, <name>.emscripten.mjs,
// <name>.js (js) and <name>.d.ts (dts). Returns the paths written.
std::vector<std::string> build_module(const std::vector<std::pair<const Compiled*, std::string>>& models,
                                      const std::string& name, const std::string& exports, long long heap,
                                      const std::string& js, const std::string& dts, const WasmModuleConfig& cfg,
                                      double* build_seconds) {
  const std::string emxx = require_emxx(cfg.cxx);
  const fs::path work(cfg.work_dir), out(cfg.out_dir);
  fs::create_directories(work);
  fs::create_directories(out);
  long long static_bytes = 0;
  std::string sources;
  for (const auto& [c, n] : models) {
    const bool ext = c->files.external_weights;
    write_file_or_throw((work / (n + ".h")).string(), c->files.header);
    write_file_or_throw((work / (n + ".cpp")).string(), c->files.source);
    if (!ext) write_weights_file(*c, work.string());  // embedded: read by em++
    static_bytes += ext ? 0 : c->files.weights_bytes;
    heap += io_bytes(c->graph);
    sources += " " + shell_quote(n + ".cpp");
  }
  const std::string cmd =
      emxx + " -std=c++17 " + wasm_code_flags(cfg.work_dir) + " " + (cfg.flags.empty() ? "-O3" : cfg.flags) +
      " -DNDEBUG -fno-exceptions" + sources + " -o " + shell_quote(name + ".mjs") +
      " -sMODULARIZE=1 -sEXPORT_ES6=1 -sENVIRONMENT=web,worker -sFILESYSTEM=0 -sDYNAMIC_EXECUTION=0"
      " -sMALLOC=emmalloc -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=" +
      std::to_string(wasm_memory_bytes(static_bytes, heap)) + " -sTOTAL_STACK=" + std::to_string(kWasmStackBytes) +
      " --no-entry -sEXPORTED_FUNCTIONS=" + exports + ",_malloc,_free";
  run_emxx(cfg.work_dir, cmd, "building " + name + ".wasm", cfg.progress,
           build_step_text(*models.front().first, emxx + " " + (cfg.flags.empty() ? "-O3" : cfg.flags)) + " into " + name +
               ".wasm",
           build_seconds);

  std::vector<std::string> files;
  auto put = [&](const std::string& file, const std::string& text) {
    write_file_or_throw((out / file).string(), text);
    files.push_back((out / file).string());
  };
  copy_out(work / (name + ".wasm"), out / (name + ".wasm"));
  files.push_back((out / (name + ".wasm")).string());
  copy_out(work / (name + ".mjs"), out / (name + ".emscripten.mjs"));
  files.push_back((out / (name + ".emscripten.mjs")).string());
  put(name + ".js", js);
  put(name + ".d.ts", dts);
  return files;
}

}  // namespace

std::vector<std::string> build_wasm_module(const Compiled& c, const std::string& name,
                                           const WasmModuleConfig& cfg, double* build_seconds) {
  const Graph& g = c.graph;
  const bool ext = c.files.external_weights;
  // The JavaScript side first: it rejects types JavaScript has no typed array for.
  const JsModel jm = js_model(g, name, c.plan.arena_bytes, c.files.weights_bytes, ext);
  const long long heap = c.plan.arena_bytes + 64 + (ext ? c.files.weights_bytes + 64 : 0);
  std::string exports;
  for (const std::string& e : js_exports(jm)) exports += (exports.empty() ? "" : ",") + e;
  std::vector<std::string> files =
      build_module({{&c, name}}, name, exports, heap, js_module(jm), ts_declarations(jm), cfg, build_seconds);
  const fs::path weights = fs::path(cfg.out_dir) / (name + ".weights.bin");
  if (ext) {
    write_weights_file(c, cfg.out_dir);
    files.push_back(weights.string());
  }
  else fs::remove(weights);  // left over from a build with --weights file
  return files;
}

std::vector<std::string> build_wasm_train_module(const Compiled& step, const Compiled& eval, const std::string& name,
                                                 const std::string& output, const WasmModuleConfig& cfg,
                                                 double* build_seconds) {
  if (step.files.external_weights || eval.files.external_weights)
    throw CompileError("training in wasm: the weights are inside the module (no --weights file)");
  const int64_t arena = std::max(step.plan.arena_bytes, eval.plan.arena_bytes);
  const JsTrainModel jm = js_train_model(step.graph, eval.graph, name, output, arena);
  const std::string exports = "_" + name + "_params_init,_" + name + "_train_step,_" + name + "_eval_run";
  return build_module({{&step, name}, {&eval, name + "_eval"}}, name, exports, arena + 64 + jm.params_bytes + 64,
                      js_train_module(jm), ts_train_declarations(jm), cfg, build_seconds);
}

std::string build_wasm_harness(const Compiled& c, const std::string& name, const BuildConfig& cfg,
                               double* build_seconds) {
  const std::string emxx = require_emxx(cfg.cxx);
  require_tool("node", "running --target wasm needs Node.js (Debian: apt-get install nodejs)");
  const std::string weights_define = write_harness_sources(c, name, cfg.work_dir);
  const Graph& g = c.graph;
  const bool ext = c.files.external_weights;
  // Two arenas, two sets of outputs, the inputs (and the weights, when loaded from a file).
  const long long heap = 2 * (c.plan.arena_bytes + 64) + 2 * io_bytes(g) + (ext ? c.files.weights_bytes + 64 : 0);
  const std::string cmd =
      emxx + " -std=c++17 " + wasm_code_flags(cfg.work_dir) + " " + cfg.flags + " -DO2C_MODEL=" + name +
      " '-DO2C_HEADER=\"" + name + ".h\"' " + weights_define + shell_quote(name + ".cpp") +
      " harness.cpp -o harness.js -sENVIRONMENT=node -sNODERAWFS=1 -sWASM_ASYNC_COMPILATION=0 -sEXIT_RUNTIME=1"
      " -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=" + std::to_string(wasm_memory_bytes(ext ? 0 : c.files.weights_bytes, heap)) +
      " -sTOTAL_STACK=" + std::to_string(kWasmStackBytes);
  run_emxx(cfg.work_dir, cmd, "building the wasm harness for " + name, cfg.progress,
           build_step_text(c, emxx + " " + cfg.flags), build_seconds);
  return "node " + shell_quote((fs::path(cfg.work_dir) / "harness.js").string());
}

}  // namespace o2c
