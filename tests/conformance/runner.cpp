// Conformance runner: main() of every conformance batch executable.
//
//   <batch_exe> SUITE/TEST TEST_DIR RTOL ATOL [STATUS_FILE]
//   <batch_exe> --batch FILE   (a line per test: the arguments above, tab-separated)
//   <batch_exe> --list
//
// Finds SUITE/TEST in the batch's table (conformance.hpp), feeds it every
// TEST_DIR/test_data_set_*/input_K.pb (matched to the model's inputs by position; a
// sequence or optional file gives its tensors, the model's inputs NAME[0], ...), runs it
// twice -- once on an arena filled with 0xFF bytes, once on the same arena refilled with 0x7F
// and into differently poisoned output buffers -- requires bit-identical outputs (no read of
// uninitialized memory, every output byte written), then compares every output_K.pb with
// allclose semantics: |got - want| <= atol + rtol * |want|, NaN equals NaN, infinities must
// match, integers and bools exactly, shapes and element types must match.
//
// The light suite ships TEST_DIR/<TEST>.onnx and <TEST>_output_K.pb only: like the ONNX
// backend runner, its inputs are generated as arange(n).reshape(shape) / n in float32.
//
// --check=MODE (anywhere among the arguments; manifest option check=MODE) replaces the value
// comparison for outputs drawn from random numbers, which cannot match numpy's generator
// (shapes and element types must still match, and the two runs must agree bit for bit):
//   random   an output whose reference values all lie in {0, 1} (Bernoulli, masks) must too;
//            any other must be finite and inside the reference's [min, max]
//   dropout  Dropout's outputs, from input 0 (x), input 1 (ratio, default 0.5) and input 2
//            (training_mode, default false): y[k] is 0 or x[k] / (1 - ratio) (allclose), the
//            mask (output 1, if any) true exactly where y[k] is the kept value; without
//            training, or with ratio 0, y = x and the mask is all true
//
// Writes "PASS" or "FAIL: <first reason>" to STATUS_FILE; exits 0 on PASS, 1 on FAIL (with
// --batch: 1 if any test failed, all of them run and the failed ones named at the end).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "conformance.hpp"
#include "tensor_pb.hpp"

namespace fs = std::filesystem;
using o2c_conf::DType;
using o2c_conf::Shape;
using o2c_conf::Tensor;

namespace {

struct Failure {
  std::string what;
};

[[noreturn]] void fail(const std::string& what) { throw Failure{what}; }

struct Buffer {  // 64-byte aligned, freed on scope exit
  unsigned char* p = nullptr;
  size_t n = 0;
  explicit Buffer(size_t bytes) : n(bytes) {
    void* q = nullptr;
    if (posix_memalign(&q, 64, bytes ? bytes : 64) != 0) fail("out of memory");
    p = static_cast<unsigned char*>(q);
  }
  Buffer(Buffer&& o) noexcept : p(o.p), n(o.n) { o.p = nullptr; }
  Buffer(const Buffer&) = delete;
  ~Buffer() { std::free(p); }
};

Shape info_shape(const onnx2cpp_tensor_info* ti) { return Shape(ti->shape, ti->shape + ti->rank); }

std::string type_of(DType t, const Shape& s) { return o2c_conf::type_str(t, s); }
std::string type_of(const onnx2cpp_tensor_info* ti) {
  return o2c_conf::type_str(static_cast<DType>(ti->dtype), info_shape(ti));
}

std::string fmt(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3g", v);
  return b;
}

struct DataSet {
  std::string name;
  std::vector<Tensor> inputs;   // empty tensors (dtype Undefined) for generated inputs
  std::vector<std::string> input_names;  // TensorProto names ("" when absent)
  std::vector<Tensor> outputs;
};

o2c_conf::TensorFile load(const fs::path& p) { return o2c_conf::read_tensor_file(p.string()); }
// A data file's tensors: a sequence or optional gives its elements' (named NAME[k]).
std::vector<o2c_conf::TensorFile> load_value(const fs::path& p) { return o2c_conf::read_value_file(p.string()); }

// Numeric suffix order: test_data_set_2 before test_data_set_10.
bool natural_less(const std::string& a, const std::string& b) {
  auto num = [](const std::string& s) {
    size_t i = s.find_last_not_of("0123456789");
    return i + 1 < s.size() ? std::atoll(s.c_str() + i + 1) : -1LL;
  };
  return num(a) != num(b) ? num(a) < num(b) : a < b;
}

std::vector<DataSet> load_data(const std::string& test, const fs::path& dir, const o2c_conf_model& m) {
  std::vector<DataSet> sets;
  std::vector<std::string> names;
  if (fs::is_directory(dir))
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_directory() && e.path().filename().string().rfind("test_data_set_", 0) == 0)
        names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end(), natural_less);
  for (const auto& n : names) {
    DataSet d;
    d.name = n;
    for (int k = 0;; ++k) {
      fs::path p = dir / n / ("input_" + std::to_string(k) + ".pb");
      if (!fs::exists(p)) break;
      for (o2c_conf::TensorFile& f : load_value(p)) {
        d.inputs.push_back(std::move(f.tensor));
        d.input_names.push_back(f.name);
      }
    }
    for (int k = 0;; ++k) {
      fs::path p = dir / n / ("output_" + std::to_string(k) + ".pb");
      if (!fs::exists(p)) break;
      for (o2c_conf::TensorFile& f : load_value(p)) d.outputs.push_back(std::move(f.tensor));
    }
    sets.push_back(std::move(d));
  }
  if (!sets.empty()) return sets;
  // The light suite: DIR/<test>_output_K.pb and generated inputs.
  const std::string stem = test.substr(test.find('/') + 1);
  DataSet d;
  d.name = stem + "_output_*.pb (generated inputs)";
  for (int k = 0;; ++k) {
    fs::path p = dir / (stem + "_output_" + std::to_string(k) + ".pb");
    if (!fs::exists(p)) break;
    d.outputs.push_back(load(p).tensor);
  }
  if (d.outputs.empty()) fail("no test_data_set_* in " + dir.string() + " and no " + stem + "_output_0.pb");
  for (size_t i = 0; i < m.num_inputs(); ++i) {
    const onnx2cpp_tensor_info* ti = m.input_info(i);
    if (ti->dtype != ONNX2CPP_FLOAT) fail(std::string("cannot generate data for input ") + ti->c_name + ": not float");
    Tensor t(DType::Float, info_shape(ti));
    const int64_t n = t.numel();
    float* v = t.data<float>();
    for (int64_t j = 0; j < n; ++j) v[j] = static_cast<float>(static_cast<double>(j) / static_cast<double>(n));
    d.inputs.push_back(std::move(t));
  }
  sets.push_back(std::move(d));
  return sets;
}

struct Compare {
  double max_abs = 0, max_rel = 0;
  int64_t bad = 0, first_bad = -1;
  double got_first = 0, want_first = 0;
};

// The contents of a string output (an array of views, `bytes` long).
std::vector<std::string> strings_of(const void* p, size_t bytes) {
  const auto* v = static_cast<const onnx2cpp_string*>(p);
  std::vector<std::string> r;
  for (size_t k = 0; k < bytes / sizeof(onnx2cpp_string); ++k) r.emplace_back(v[k].data, static_cast<size_t>(v[k].size));
  return r;
}

Compare compare(const Tensor& got, const Tensor& want, double rtol, double atol) {
  Compare c;
  const bool exact = !o2c_conf::dtype_is_float(want.dtype);
  const int64_t n = want.numel();
  for (int64_t k = 0; k < n; ++k) {
    bool ok;
    if (exact) {
      const int64_t a = got.int_at(k), b = want.int_at(k);
      ok = a == b;
      const double err = std::fabs(static_cast<double>(a) - static_cast<double>(b));
      c.max_abs = std::max(c.max_abs, err);
      if (b != 0) c.max_rel = std::max(c.max_rel, err / std::fabs(static_cast<double>(b)));
    } else {
      const double a = got.float_at(k), b = want.float_at(k);
      if (std::isnan(a) || std::isnan(b)) {
        ok = std::isnan(a) && std::isnan(b);
        if (!ok) c.max_abs = c.max_rel = NAN;
      } else if (std::isinf(a) || std::isinf(b)) {
        ok = a == b;
        if (!ok) c.max_abs = c.max_rel = INFINITY;
      } else {
        const double err = std::fabs(a - b);
        ok = err <= atol + rtol * std::fabs(b);
        if (!std::isnan(c.max_abs)) c.max_abs = std::max(c.max_abs, err);
        if (b != 0 && !std::isnan(c.max_rel)) c.max_rel = std::max(c.max_rel, err / std::fabs(b));
      }
    }
    if (!ok) {
      if (c.bad == 0) {
        c.first_bad = k;
        c.got_first = got.float_at(k);
        c.want_first = want.float_at(k);
      }
      ++c.bad;
    }
  }
  return c;
}

enum class Check { Allclose, Random, Dropout };

// check=random: the number of values outside the reference's support (see the top).
Compare compare_random(const Tensor& got, const Tensor& want) {
  Compare c;
  const int64_t n = want.numel();
  bool binary = true;
  double lo = INFINITY, hi = -INFINITY;
  for (int64_t k = 0; k < n; ++k) {
    const double w = want.float_at(k);
    binary = binary && (w == 0 || w == 1);
    lo = std::min(lo, w);
    hi = std::max(hi, w);
  }
  for (int64_t k = 0; k < n; ++k) {
    const double g = got.float_at(k);
    const bool ok = binary ? (g == 0 || g == 1) : (std::isfinite(g) && g >= lo && g <= hi);
    if (!ok && c.bad++ == 0) {
      c.first_bad = k;
      c.got_first = g;
      c.want_first = want.float_at(k);
    }
  }
  return c;
}

// check=dropout: output i of Dropout (0: y, 1: the mask) against the inputs x, ratio,
// training_mode and the y the model produced.
Compare compare_dropout(size_t i, const Tensor& got, const Tensor& want, const std::vector<Tensor>& in, const Tensor& y,
                        double rtol, double atol) {
  const double ratio = in.size() > 1 && in[1].numel() == 1 ? in[1].float_at(0) : 0.5;
  const bool training = in.size() > 2 && in[2].numel() == 1 && in[2].int_at(0) != 0;
  if (!training || ratio == 0 || in.empty() || in[0].numel() != want.numel()) {
    Tensor expect = want;  // without dropping: y = x, the mask all true
    if (i == 1) std::fill(expect.bytes.begin(), expect.bytes.end(), uint8_t{1});
    return compare(got, expect, rtol, atol);
  }
  Compare c;
  const double scale = ratio < 1 ? 1 / (1 - ratio) : 0;
  for (int64_t k = 0; k < want.numel(); ++k) {
    const double kept = in[0].float_at(k) * scale, yk = y.float_at(k);
    const bool is_kept = std::fabs(yk - kept) <= atol + rtol * std::fabs(kept);
    bool ok;
    if (i == 0) ok = yk == 0 || is_kept;
    else ok = got.int_at(k) ? is_kept : yk == 0;
    if (!ok && c.bad++ == 0) {
      c.first_bad = k;
      c.got_first = got.float_at(k);
      c.want_first = i == 0 ? kept : is_kept;
    }
  }
  return c;
}

// Runs one data set; returns "" on success or the first failure.
// Inputs frozen at compile time (manifest option freeze=) are not fed: the others are matched
// to the data by name.
DataSet without_frozen(const o2c_conf_model& m, const DataSet& d) {
  DataSet r = d;
  r.inputs.clear();
  r.input_names.clear();
  for (size_t i = 0; i < m.num_inputs(); ++i) {
    const std::string name = m.input_info(i)->onnx_name;
    auto it = std::find(d.input_names.begin(), d.input_names.end(), name);
    if (it == d.input_names.end()) fail(d.name + ": no input_K.pb named " + name);
    r.inputs.push_back(d.inputs[static_cast<size_t>(it - d.input_names.begin())]);
    r.input_names.push_back(name);
  }
  return r;
}

std::string run_data_set(const o2c_conf_model& m, const DataSet& data, double rtol, double atol, Check check) {
  const size_t n_in = m.num_inputs(), n_out = m.num_outputs();
  const DataSet d = data.inputs.size() > n_in && data.input_names.size() == data.inputs.size()
                        ? without_frozen(m, data) : data;
  if (d.inputs.size() != n_in)
    fail(d.name + ": the data has " + std::to_string(d.inputs.size()) + " inputs, the model " +
         std::to_string(n_in));
  if (d.outputs.size() > n_out)
    fail(d.name + ": the data has " + std::to_string(d.outputs.size()) + " outputs, the model " +
         std::to_string(n_out));
  std::vector<Buffer> ins;
  std::vector<const void*> in_ptrs(std::max<size_t>(n_in, 1), nullptr);
  for (size_t i = 0; i < n_in; ++i) {
    const onnx2cpp_tensor_info* ti = m.input_info(i);
    const Tensor& t = d.inputs[i];
    if (static_cast<int>(t.dtype) != static_cast<int>(ti->dtype) || t.shape != info_shape(ti))
      fail(d.name + ": input_" + std::to_string(i) + ".pb is " + type_of(t.dtype, t.shape) +
           ", the model's input " + ti->c_name + " is " + type_of(ti));
    if (t.bytes.size() != ti->bytes)
      fail(d.name + ": input_" + std::to_string(i) + ".pb has " + std::to_string(t.bytes.size()) +
           " bytes, the model expects " + std::to_string(ti->bytes));
    ins.emplace_back(ti->bytes);
    if (t.dtype == DType::String) {  // views of the data's strings
      auto* v = reinterpret_cast<onnx2cpp_string*>(ins.back().p);
      for (size_t k = 0; k < t.strings.size(); ++k) v[k] = onnx2cpp_string{t.strings[k].data(), t.strings[k].size()};
    } else if (ti->bytes) {
      std::memcpy(ins.back().p, t.bytes.data(), ti->bytes);
    }
    in_ptrs[i] = ins.back().p;
  }
  std::vector<Buffer> out_a, out_b;
  std::vector<void*> ptr_a(std::max<size_t>(n_out, 1), nullptr), ptr_b(ptr_a);
  for (size_t i = 0; i < n_out; ++i) {
    const size_t bytes = m.output_info(i)->bytes;
    out_a.emplace_back(bytes);
    out_b.emplace_back(bytes);
    std::memset(out_a.back().p, 0xA5, bytes);
    std::memset(out_b.back().p, 0x5A, bytes);
    ptr_a[i] = out_a.back().p;
    ptr_b[i] = out_b.back().p;
  }
  // Each output's actual shape per run (run-time dims: at most its bound).
  std::vector<Shape> shape_a(n_out), shape_b(n_out);
  std::vector<int64_t*> sp_a(std::max<size_t>(n_out, 1), nullptr), sp_b(sp_a);
  for (size_t i = 0; i < n_out; ++i) {
    shape_a[i].assign(static_cast<size_t>(std::max(m.output_info(i)->rank, 1)), -1);
    shape_b[i] = shape_a[i];
    sp_a[i] = shape_a[i].data();
    sp_b[i] = shape_b[i].data();
  }
  const size_t arena_bytes = m.arena_bytes();
  Buffer arena(arena_bytes);
  if (arena_bytes > 0 &&
      m.run(in_ptrs.data(), ptr_a.data(), arena.p, arena_bytes - 1, sp_a.data()) != ONNX2CPP_ERR_ARENA_TOO_SMALL)
    fail("a too small arena was not refused with ONNX2CPP_ERR_ARENA_TOO_SMALL");
  std::memset(arena.p, 0xFF, arena_bytes);  // NaN for floats, -1 for integers
  int rc = m.run(in_ptrs.data(), ptr_a.data(), arena.p, arena_bytes, sp_a.data());
  if (rc != ONNX2CPP_OK) fail(d.name + ": run returned " + std::to_string(rc));
  std::memset(arena.p, 0x7F, arena_bytes);  // large finite floats, large positive integers
  rc = m.run(in_ptrs.data(), ptr_b.data(), arena.p, arena_bytes, sp_b.data());
  if (rc != ONNX2CPP_OK) fail(d.name + ": second run returned " + std::to_string(rc));
  std::vector<size_t> bytes(n_out);  // each output's bytes at its actual shape
  for (size_t i = 0; i < n_out; ++i) {
    const onnx2cpp_tensor_info* ti = m.output_info(i);
    shape_a[i].resize(static_cast<size_t>(ti->rank));
    shape_b[i].resize(static_cast<size_t>(ti->rank));
    const Shape bound = info_shape(ti);
    for (size_t k = 0; k < bound.size(); ++k)
      if (shape_a[i] != shape_b[i] || shape_a[i][k] < 0 || shape_a[i][k] > bound[k])
        fail(d.name + ": output " + std::to_string(i) + " (" + ti->c_name + ") has shapes " +
             type_of(static_cast<DType>(ti->dtype), shape_a[i]) + " and " + type_of(static_cast<DType>(ti->dtype), shape_b[i]) + " in two runs, bound " +
             type_of(ti));
    const int64_t nb = o2c_conf::numel(bound);
    const int64_t n = o2c_conf::numel(shape_a[i]);  // n == nb: every byte (packed types too)
    bytes[i] = n == nb ? ti->bytes : ti->bytes / static_cast<size_t>(nb) * static_cast<size_t>(n);
    if (ti->dtype == ONNX2CPP_STRING ? strings_of(out_a[i].p, bytes[i]) != strings_of(out_b[i].p, bytes[i])
                                     : std::memcmp(out_a[i].p, out_b[i].p, bytes[i]) != 0)
      fail(d.name + ": output " + std::to_string(i) + " (" + ti->c_name +
           ") differs between two runs with differently poisoned arenas and output buffers "
           "(reads uninitialized memory or leaves output bytes unwritten)");
    for (size_t k = bytes[i]; k < ti->bytes; ++k)
      if (static_cast<unsigned char*>(out_a[i].p)[k] != 0xA5 || static_cast<unsigned char*>(out_b[i].p)[k] != 0x5A)
        fail(d.name + ": output " + std::to_string(i) + " (" + ti->c_name + ") was written past its actual shape " +
             type_of(static_cast<DType>(ti->dtype), shape_a[i]));
  }
  std::string first_failure;
  for (size_t i = 0; i < d.outputs.size(); ++i) {
    const onnx2cpp_tensor_info* ti = m.output_info(i);
    const Tensor& want = d.outputs[i];
    const std::string label = "output " + std::to_string(i) + " " + o2c_conf::quote_name(ti->onnx_name);
    if (static_cast<int>(want.dtype) != static_cast<int>(ti->dtype) || want.shape != shape_a[i]) {
      std::string why = label + ": the model produces " + type_of(ti) + ", the reference is " +
                        type_of(want.dtype, want.shape);
      std::printf("  %s: FAIL\n", why.c_str());
      if (first_failure.empty()) first_failure = d.name + ": " + why;
      continue;
    }
    if (want.dtype == DType::String) {  // compared exactly
      const std::vector<std::string> got = strings_of(out_a[i].p, bytes[i]);
      int64_t bad = 0, first = -1;
      for (size_t k = 0; k < got.size(); ++k)
        if (got[k] != want.strings[k] && bad++ == 0) first = static_cast<int64_t>(k);
      std::printf("  %s: %s, %lld strings, %lld differ: %s\n", label.c_str(), type_of(static_cast<DType>(ti->dtype), shape_a[i]).c_str(),
                  static_cast<long long>(want.numel()), static_cast<long long>(bad), bad ? "FAIL" : "ok");
      if (bad && first_failure.empty())
        first_failure = d.name + ": " + label + ": " + std::to_string(bad) + " strings differ; first at " +
                        std::to_string(first) + ": got " + o2c_conf::quote_name(got[static_cast<size_t>(first)]) +
                        ", want " + o2c_conf::quote_name(want.strings[static_cast<size_t>(first)]);
      continue;
    }
    Tensor got(want.dtype, want.shape);
    if (bytes[i]) std::memcpy(got.bytes.data(), out_a[i].p, bytes[i]);
    Compare c;
    if (check == Check::Random) {
      c = compare_random(got, want);
    } else if (check == Check::Dropout) {
      Tensor y = d.outputs[0];  // output 0 as produced, which the mask must agree with
      if (y.bytes.size() != m.output_info(0)->bytes) fail(d.name + ": check=dropout: output 0 has another type");
      if (!y.bytes.empty()) std::memcpy(y.bytes.data(), out_a[0].p, y.bytes.size());
      c = compare_dropout(i, got, want, d.inputs, y, rtol, atol);
    } else {
      c = compare(got, want, rtol, atol);
    }
    std::printf("  %s: %s, %lld values, max abs err %s, max rel err %s, %lld beyond tolerance: %s\n",
                label.c_str(), type_of(static_cast<DType>(ti->dtype), shape_a[i]).c_str(), static_cast<long long>(want.numel()),
                fmt(c.max_abs).c_str(), fmt(c.max_rel).c_str(), static_cast<long long>(c.bad),
                c.bad ? "FAIL" : "ok");
    if (c.bad) {  // a glimpse of the values
      const int64_t from = std::max<int64_t>(0, c.first_bad - 2), to = std::min(want.numel(), from + 8);
      std::string g = "    got ", w = "    want";
      for (int64_t k = from; k < to; ++k) {
        g += " " + fmt(got.float_at(k));
        w += " " + fmt(want.float_at(k));
      }
      std::printf("    values %lld..%lld:\n%s\n%s\n", static_cast<long long>(from),
                  static_cast<long long>(to - 1), g.c_str(), w.c_str());
    }
    if (c.bad && first_failure.empty())
      first_failure = d.name + ": " + label + ": " + std::to_string(c.bad) + " of " +
                      std::to_string(want.numel()) + " values differ (max abs err " + fmt(c.max_abs) +
                      ", max rel err " + fmt(c.max_rel) + "; first at " + std::to_string(c.first_bad) +
                      ": got " + fmt(c.got_first) + ", want " + fmt(c.want_first) + ")";
  }
  return first_failure;
}

void write_status(const std::string& path, const std::string& text) {
  if (path.empty()) return;
  fs::path p(path);
  if (p.has_parent_path()) fs::create_directories(p.parent_path());
  std::ofstream f(p, std::ios::trunc);
  f << text << "\n";
}

// Parses "--check=MODE" into *check; false (with a message) for an unknown mode.
bool parse_check(const std::string& a, Check* check) {
  if (a == "--check=random") *check = Check::Random;
  else if (a == "--check=dropout") *check = Check::Dropout;
  else {
    std::fprintf(stderr, "unknown %s (random or dropout)\n", a.c_str());
    return false;
  }
  return true;
}

// Runs one test of the batch on its data sets: 0 on PASS, 1 on FAIL (and the status file says so).
int run_test(const std::string& test, const std::string& dir, double rtol, double atol, const std::string& status,
             Check check) {
  write_status(status, "FAIL: the runner did not finish (crashed or timed out)");
  const o2c_conf_model* m = nullptr;
  for (size_t i = 0; i < o2c_conf_num_models; ++i)
    if (test == o2c_conf_models[i].test) m = &o2c_conf_models[i];
  std::string failure;
  size_t n_sets = 0;
  try {
    if (!m) fail(test + " is not in this batch (--list shows its tests)");
    std::vector<DataSet> sets = load_data(test, dir, *m);
    n_sets = sets.size();
    for (const auto& d : sets) {
      std::printf("%s:\n", d.name.c_str());
      std::fflush(stdout);
      std::string f = run_data_set(*m, d, rtol, atol, check);
      if (failure.empty()) failure = f;
    }
  } catch (const Failure& f) {
    failure = f.what;
  } catch (const std::exception& e) {
    failure = e.what();
  }
  for (char& c : failure)
    if (c == '\n') c = ' ';
  if (failure.empty()) {
    std::printf("PASS %s (%zu data set%s, rtol %g, atol %g)\n", test.c_str(), n_sets, n_sets == 1 ? "" : "s",
                rtol, atol);
    write_status(status, "PASS");
    return 0;
  }
  std::printf("FAIL %s: %s\n", test.c_str(), failure.c_str());
  write_status(status, "FAIL: " + failure);
  return 1;
}

// --batch FILE: every line "SUITE/TEST TEST_DIR RTOL ATOL STATUS_FILE [--check=MODE]" (fields
// separated by tabs) run in turn in this one process; exits 1 if any failed, after naming them.
int run_batch(const std::string& file) {
  std::ifstream in(file);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", file.c_str());
    return 2;
  }
  std::vector<std::string> failed;
  size_t total = 0;
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> w;
    std::istringstream fields(line);
    for (std::string f; std::getline(fields, f, '\t');) w.push_back(f);
    if (w.empty()) continue;
    Check check = Check::Allclose;
    if ((w.size() != 5 && w.size() != 6) || (w.size() == 6 && !parse_check(w[5], &check))) {
      std::fprintf(stderr, "%s: bad line: %s\n", file.c_str(), line.c_str());
      return 2;
    }
    ++total;
    if (run_test(w[0], w[1], std::atof(w[2].c_str()), std::atof(w[3].c_str()), w[4], check)) failed.push_back(w[0]);
    std::fflush(stdout);
  }
  std::printf("%zu of %zu tests passed\n", total - failed.size(), total);
  for (const auto& t : failed) std::printf("FAILED %s\n", t.c_str());
  return failed.empty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--list") {
    for (size_t i = 0; i < o2c_conf_num_models; ++i)
      std::printf("%s %s\n", o2c_conf_models[i].test, o2c_conf_models[i].c_name);
    return 0;
  }
  if (argc == 3 && std::string(argv[1]) == "--batch") return run_batch(argv[2]);
  Check check = Check::Allclose;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--check=", 0) == 0) {
      if (!parse_check(a, &check)) return 2;
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  if (argc < 5 || argc > 6) {
    std::fprintf(stderr,
                 "usage: %s SUITE/TEST TEST_DIR RTOL ATOL [STATUS_FILE] [--check=random|dropout]\n"
                 "       %s --batch FILE\n       %s --list\n",
                 argv[0], argv[0], argv[0]);
    return 2;
  }
  return run_test(argv[1], argv[2], std::atof(argv[3]), std::atof(argv[4]), argc > 5 ? argv[5] : "", check);
}
