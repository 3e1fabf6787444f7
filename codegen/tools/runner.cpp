#include "tools/runner.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <sys/wait.h>

#include "emit/writer.hpp"
#include "onnx/model_io.hpp"
#include "tools/wasm.hpp"

#ifndef O2C_EIGEN_INCLUDE
#define O2C_EIGEN_INCLUDE "/usr/include/eigen3"
#endif

namespace o2c {
namespace fs = std::filesystem;

std::string shell_quote(const std::string& s) {
  std::string r = "'";
  for (char c : s) r += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return r + "'";
}

int run_command(const std::string& cmd, std::string* output) {
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0)
    if (output) output->append(buf, n);
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

void write_file_or_throw(const std::string& path, const std::string& text) {
  write_file_or_throw(path, reinterpret_cast<const unsigned char*>(text.data()), text.size());
}

void write_file_or_throw(const std::string& path, const unsigned char* data, size_t size) {
  const fs::path p(path);
  if (p.has_parent_path()) fs::create_directories(p.parent_path());
  std::ofstream f(p, std::ios::binary);
  f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (!f) throw CompileError("cannot write " + path);
}

void write_weights_file(const Compiled& c, const std::string& dir) {
  if (c.files.weights_file.empty()) return;
  const fs::path p = fs::path(dir) / c.files.weights_file;
  if (p.has_parent_path()) fs::create_directories(p.parent_path());
  std::ofstream f(p, std::ios::binary);
  c.files.weights.stream([&](const unsigned char* d, size_t n) { f.write(reinterpret_cast<const char*>(d), static_cast<std::streamsize>(n)); });
  if (!f) throw CompileError("cannot write " + p.string());
}

std::string tail_lines(const std::string& text, int lines) {
  size_t at = text.size();
  if (at > 0 && text[at - 1] == '\n') --at;
  for (int n = 0; n < lines && at != std::string::npos && at > 0; ++n) at = text.rfind('\n', at - 1);
  return at == std::string::npos || at == 0 ? text : "...\n" + text.substr(at + 1);
}

std::string make_temp_dir() {
  std::string tmpl = (fs::temp_directory_path() / "onnx2cpp.XXXXXX").string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) throw CompileError("cannot create a temporary directory");
  return buf.data();
}

TestData load_test_data(const std::string& dir) {
  if (!fs::is_directory(dir)) throw CompileError(dir + ": not a directory");
  TestData d;
  for (int k = 0;; ++k) {
    fs::path p = fs::path(dir) / ("input_" + std::to_string(k) + ".pb");
    if (!fs::exists(p)) break;
    d.input_files.push_back(load_data_file(p.string()));
    for (const auto& t : d.input_files.back().tensors) d.inputs.push_back(t.second);
  }
  for (int k = 0;; ++k) {
    fs::path p = fs::path(dir) / ("output_" + std::to_string(k) + ".pb");
    if (!fs::exists(p)) break;
    for (const auto& t : load_data_file(p.string()).tensors) d.outputs.push_back(t.second);
  }
  return d;
}

namespace {
std::vector<std::string> runtime_inputs(const onnx::ModelProto& m) {
  std::set<std::string> inits;
  for (const auto& t : m.graph().initializer()) inits.insert(t.name());
  std::vector<std::string> r;
  for (const auto& vi : m.graph().input())
    if (!inits.count(vi.name())) r.push_back(vi.name());
  return r;
}

// Whether input `name` declares a dim that --dim makes a run-time dim (its shape then comes with
// each run, not from the data at compile time).
bool has_runtime_dim(const onnx::ModelProto& m, const std::string& name, const ShapeBindings& b) {
  for (const auto& vi : m.graph().input()) {
    if (vi.name() != name) continue;
    for (const auto& d : vi.type().tensor_type().shape().dim()) {
      auto it = b.dims.find(d.dim_param());
      if (d.has_dim_param() && it != b.dims.end() && it->second.lo != it->second.hi) return true;
    }
  }
  return false;
}
}  // namespace

void bind_data_file(const std::string& name, const DataFile& f, ShapeBindings& b) {
  for (const auto& kv : f.lengths)
    if (!b.lengths.count(name + kv.first)) b.lengths[name + kv.first] = kv.second;
  for (const auto& t : f.tensors)
    if (!b.shapes.count(name + t.first)) b.shapes[name + t.first] = Shape(t.second.dims().begin(), t.second.dims().end());
}

void bind_from_data(const onnx::ModelProto& m, TestData& d, ShapeBindings& b,
                    const std::vector<std::string>& freeze) {
  auto names = runtime_inputs(m);
  for (const auto& f : freeze)
    if (std::find(names.begin(), names.end(), f) == names.end())
      throw CompileError("--freeze " + f + ": the model has no such input");
  std::vector<onnx::TensorProto> keep;
  for (size_t i = 0; i < d.input_files.size() && i < names.size(); ++i) {
    const DataFile& f = d.input_files[i];
    const bool frozen = std::find(freeze.begin(), freeze.end(), names[i]) != freeze.end();
    if (frozen && f.tensors.size() == 1 && f.tensors[0].first.empty()) {
      b.frozen[names[i]] = tensor_from_proto(f.tensors[0].second, "", "input_" + std::to_string(i) + ".pb");
      continue;
    }
    if (frozen) throw CompileError("--freeze " + names[i] + ": the input is a sequence or optional (only tensors freeze)");
    if (!has_runtime_dim(m, names[i], b)) bind_data_file(names[i], f, b);  // a run-time dim: its shape comes with each run
    for (const auto& t : f.tensors) keep.push_back(t.second);
  }
  d.inputs = keep;
}

std::string build_harness(const Compiled& c, const std::string& name, const BuildConfig& cfg,
                          double* build_seconds) {
  if (cfg.target == "wasm") return build_wasm_harness(c, name, cfg, build_seconds);
  if (cfg.target != "native") throw CompileError("unknown target " + quote_name(cfg.target) + " (native or wasm)");
  const std::string weights_define = write_harness_sources(c, name, cfg.work_dir);
  std::string cxx = cfg.cxx;
  if (cxx.empty()) cxx = std::getenv("CXX") ? std::getenv("CXX") : "c++";
  const fs::path exe = fs::path(cfg.work_dir) / "harness";
  const std::string dir = shell_quote(cfg.work_dir);
  std::string cmd = "cd " + dir + " && " + cxx + " -std=c++17 " + cfg.flags + " -I" +
                    shell_quote(O2C_EIGEN_INCLUDE) + " -DO2C_MODEL=" + name +
                    " '-DO2C_HEADER=\"" + name + ".h\"' " + weights_define + shell_quote(name + ".cpp") +
                    " harness.cpp -pthread -o harness";
  std::string out;
  int rc = 0;
  cfg.progress.step(build_step_text(c, cxx + " " + cfg.flags), [&] { rc = run_command(cmd, &out); }, build_seconds);
  if (rc != 0) throw CompileError("building the generated code failed:\n$ " + cmd + "\n" + out);
  return (cfg.run_prefix.empty() ? "" : cfg.run_prefix + " ") + shell_quote(exe.string());
}

std::string build_step_text(const Compiled& c, const std::string& compiler) {
  const bool built_in = !c.files.weights_file.empty() && !c.files.external_weights;  // .incbin/#embed
  return "building " + code_size_text(c.files.source.size(), built_in ? c.files.weights_bytes : 0) + " with " + compiler;
}

std::string write_harness_sources(const Compiled& c, const std::string& name, const std::string& dir) {
  const fs::path d(dir);
  write_file_or_throw((d / (name + ".h")).string(), c.files.header);
  write_file_or_throw((d / (name + ".cpp")).string(), c.files.source);
  write_file_or_throw((d / "harness.cpp").string(), embedded_sources().at("harness"));
  write_weights_file(c, dir);
  if (!c.files.external_weights) return "";
  return "'-DO2C_WEIGHTS_FILE=\"" + c.files.weights_file + "\"' ";
}

void write_raw_tensor(const std::string& path, const Tensor& t) {
  write_file_or_throw(path, t.bytes.data(), t.bytes.size());
}

namespace {

void write_inputs(const Compiled& c, const TestData& d, const std::string& dir) {
  const Graph& g = c.graph;
  if (d.inputs.size() != g.inputs.size())
    throw CompileError("the data has " + std::to_string(d.inputs.size()) + " inputs, the model " +
                       std::to_string(g.inputs.size()));
  for (size_t i = 0; i < d.inputs.size(); ++i) {
    const Value& v = g.values[g.inputs[i]];
    Tensor t = tensor_from_proto(d.inputs[i], dir, "input_" + std::to_string(i) + ".pb");
    bool fits = t.dtype == v.dtype && t.shape.size() == v.shape.size();
    for (size_t k = 0; fits && k < t.shape.size(); ++k)  // a run-time dim: within its bound
      fits = v.dynamic() && !v.dims[k].is_const() ? t.shape[k] <= v.shape[k] : t.shape[k] == v.shape[k];
    if (!fits)
      throw CompileError("input_" + std::to_string(i) + ".pb is " + type_str(t.dtype, t.shape) +
                         ", the model's input " + quote_name(v.name) + " is " + type_str(v.dtype, v.shape));
    if (v.dynamic()) {  // its actual shape, for <model>_set_input_shape (runtime_min/harness.cpp)
      std::string dims;
      for (int64_t x : t.shape) dims += (dims.empty() ? "" : " ") + std::to_string(x);
      write_file_or_throw((fs::path(dir) / ("input_" + std::to_string(i) + ".shape")).string(), dims + "\n");
    }
    std::ofstream f(fs::path(dir) / ("input_" + std::to_string(i) + ".bin"), std::ios::binary);
    if (t.dtype == DType::String) {  // runtime_min/harness.cpp: a uint64 length and the bytes, per element
      for (const std::string& e : t.strings) {
        for (int b = 0; b < 8; ++b) f.put(static_cast<char>((static_cast<uint64_t>(e.size()) >> (8 * b)) & 0xFF));
        f.write(e.data(), static_cast<std::streamsize>(e.size()));
      }
      continue;
    }
    f.write(reinterpret_cast<const char*>(t.bytes.data()), static_cast<std::streamsize>(t.bytes.size()));
  }
}

// A string output's file (runtime_min/harness.cpp), read into t.strings; false if malformed.
bool read_string_output(const fs::path& p, Tensor& t) {
  std::ifstream f(p, std::ios::binary);
  const std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  size_t at = 0;
  t.strings.clear();
  for (int64_t i = 0; i < t.numel(); ++i) {
    if (s.size() - at < 8) return false;
    uint64_t n = 0;
    for (int b = 0; b < 8; ++b) n |= static_cast<uint64_t>(static_cast<unsigned char>(s[at + b])) << (8 * b);
    at += 8;
    if (s.size() - at < n) return false;
    t.strings.push_back(s.substr(at, n));
    at += n;
  }
  return at == s.size();
}

// An output with run-time dims: the shape the harness wrote beside it (output_K.shape).
Shape actual_shape(const std::string& dir, size_t i, const Value& v) {
  std::ifstream f(fs::path(dir) / ("output_" + std::to_string(i) + ".shape"));
  Shape s;
  for (int64_t d = 0; s.size() < v.shape.size() && f >> d;) s.push_back(d);
  if (s.size() != v.shape.size()) throw CompileError("output_" + std::to_string(i) + ".shape does not hold " + std::to_string(v.shape.size()) + " dims");
  return s;
}

void write_zero_inputs(const Compiled& c, const std::string& dir) {
  for (size_t i = 0; i < c.graph.inputs.size(); ++i) {
    const Value& v = c.graph.values[c.graph.inputs[i]];
    std::ofstream f(fs::path(dir) / ("input_" + std::to_string(i) + ".bin"), std::ios::binary);
    std::vector<char> z(static_cast<size_t>(v.dtype == DType::String ? 8 * numel(v.shape) : v.bytes()), 0);
    f.write(z.data(), static_cast<std::streamsize>(z.size()));
  }
}

}  // namespace

Comparison compare_tensors(const std::string& name, const Tensor& got, const Tensor& want, double rtol, double atol) {
  Comparison cmp;
  cmp.name = name;
  cmp.shape_ok = want.shape == got.shape && want.dtype == got.dtype;
  if (!cmp.shape_ok) return cmp;
  cmp.count = got.numel();
  const bool exact = !dtype_is_float(got.dtype);
  for (int64_t k = 0; k < cmp.count; ++k) {
    const double a = got.float_at(k), b = want.float_at(k);
    if (std::isnan(a) && std::isnan(b)) continue;
    if (std::isinf(a) || std::isinf(b)) {
      if (a != b) ++cmp.mismatches;
      continue;
    }
    const double err = std::abs(a - b);
    const double rel = err / std::max(std::abs(b), 1e-30);
    if (std::isnan(err)) {
      ++cmp.mismatches;
      cmp.max_abs = NAN;
      continue;
    }
    cmp.max_abs = std::max(cmp.max_abs, err);
    if (err > atol) cmp.max_rel = std::max(cmp.max_rel, rel);
    if (exact ? (got.int_at(k) != want.int_at(k)) : (err > atol + rtol * std::abs(b))) ++cmp.mismatches;
  }
  cmp.pass = cmp.mismatches == 0;
  return cmp;
}

std::vector<Comparison> run_and_compare(const std::string& cmd, const Compiled& c,
                                        const TestData& d, const std::string& work_dir,
                                        double rtol, double atol, int threads) {
  write_inputs(c, d, work_dir);
  std::string out;
  int rc = run_command(cmd + " " + shell_quote(work_dir) + " " + shell_quote(work_dir) +
                           (threads > 0 ? " 0 " + std::to_string(threads) : ""), &out);
  if (rc != 0) throw CompileError("the generated program failed (exit " + std::to_string(rc) + "):\n" + out);
  const Graph& g = c.graph;
  if (d.outputs.size() > g.outputs.size())
    throw CompileError("the data has " + std::to_string(d.outputs.size()) + " outputs, the model " +
                       std::to_string(g.outputs.size()));
  std::vector<Comparison> res;
  for (size_t i = 0; i < d.outputs.size(); ++i) {
    const Value& v = g.values[g.outputs[i]];
    Comparison cmp;
    cmp.name = v.name;
    Tensor want = tensor_from_proto(d.outputs[i], work_dir, "output_" + std::to_string(i) + ".pb");
    Tensor got(v.dtype, v.dynamic() ? actual_shape(work_dir, i, v) : v.shape);
    cmp.shape_ok = want.shape == got.shape && want.dtype == got.dtype;
    if (v.dtype == DType::String) {  // compared exactly, by contents
      if (!read_string_output(fs::path(work_dir) / ("output_" + std::to_string(i) + ".bin"), got))
        throw CompileError("output_" + std::to_string(i) + ".bin is not a string tensor of " + shape_str(v.shape));
      if (cmp.shape_ok) {
        cmp.count = got.numel();
        for (int64_t k = 0; k < cmp.count; ++k) cmp.mismatches += got.strings[k] != want.strings[k];
        cmp.pass = cmp.mismatches == 0;
      }
      res.push_back(cmp);
      continue;
    }
    std::ifstream f(fs::path(work_dir) / ("output_" + std::to_string(i) + ".bin"), std::ios::binary);
    f.read(reinterpret_cast<char*>(got.bytes.data()), static_cast<std::streamsize>(got.bytes.size()));
    res.push_back(compare_tensors(v.name, got, want, rtol, atol));
  }
  return res;
}

std::string run_bench(const std::string& cmd, const Compiled& c, const TestData* d,
                      const std::string& work_dir, int iters, int threads) {
  if (d) write_inputs(c, *d, work_dir);
  else write_zero_inputs(c, work_dir);
  std::string out;
  int rc = run_command(cmd + " " + shell_quote(work_dir) + " " + shell_quote(work_dir) + " " +
                           std::to_string(iters) + (threads > 0 ? " " + std::to_string(threads) : ""), &out);
  if (rc != 0) throw CompileError("the generated program failed (exit " + std::to_string(rc) + "):\n" + out);
  auto at = out.rfind("{\"median_ms\"");
  if (at == std::string::npos) throw CompileError("the benchmark printed no result:\n" + out);
  std::string line = out.substr(at);
  return line.substr(0, line.find('\n'));
}

}  // namespace o2c
