// Building generated code with the system compiler and running it on test data: the
// machinery behind `onnx2cpp verify` and `onnx2cpp bench`.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "driver.hpp"
#include "onnx/model_io.hpp"
#include "tools/progress.hpp"

namespace o2c {

struct TestData {
  // input_0.pb, input_1.pb, ...: their tensors in order (a sequence or optional file gives its
  // elements' tensors, onnx/model_io.hpp), as the compiled model's inputs line up.
  std::vector<onnx::TensorProto> inputs;
  std::vector<onnx::TensorProto> outputs;  // output_0.pb, ..., likewise
  std::vector<DataFile> input_files;       // the files themselves (bind_from_data)
};
// Reads input_K.pb / output_K.pb of a test_data_set directory.
TestData load_test_data(const std::string& dir);
// Binds input shapes from the data (for inputs not already bound with --shape), and turns
// the inputs named in `freeze` into constants with the data's values (they are removed
// from d.inputs, which then lines up with the compiled model's inputs).
void bind_from_data(const onnx::ModelProto& m, TestData& d, ShapeBindings& b,
                    const std::vector<std::string>& freeze);

// Binds input `name`'s shape from its data file: a tensor's shape, a sequence's or optional's
// length and its elements' shapes (NAME[0], ...), where not bound already.
void bind_data_file(const std::string& name, const DataFile& f, ShapeBindings& b);

struct BuildConfig {
  std::string target = "native";  // native | wasm (built with Emscripten, run with Node)
  std::string cxx;        // compiler; default $CXX, else c++ (wasm: $EMXX, else em++)
  std::string flags;      // optimization and warning flags
  std::string work_dir;   // where sources and the binary go
  // Words put before the built program when it runs (native only), e.g. "qemu-aarch64" for code
  // cross-built for another architecture: shell text, split by the shell.
  std::string run_prefix;
  Progress progress{true};  // says what a long build does (silent by default)
};
// "building 12.3 MB of generated code (and 4.0 MB of weights) with g++ -O2": the progress line
// of a build of c's code.
std::string build_step_text(const Compiled& c, const std::string& compiler);
// Writes <name>.cpp/.h (and its weights file: <name>.cpp.weights, or <name>.weights.bin for a
// model compiled with external weights)
// and the harness into work_dir and builds it; returns the shell command that runs it (the
// quoted executable, or node and the script). Throws CompileError with the compiler's
// output on failure.
std::string build_harness(const Compiled& c, const std::string& name, const BuildConfig& cfg,
                          double* build_seconds = nullptr);
// The sources build_harness compiles, written into dir; returns the extra compiler flag for a
// model with external weights ('-DO2C_WEIGHTS_FILE="<name>.weights.bin"' and a space) or "".
std::string write_harness_sources(const Compiled& c, const std::string& name, const std::string& dir);

struct Comparison {
  std::string name;
  double max_abs = 0, max_rel = 0;
  int64_t mismatches = 0, count = 0;
  bool shape_ok = true;
  bool pass = false;
};
// got against want elementwise: |got - want| <= atol + rtol * |want| (integers exactly, NaN
// equal to NaN, infinities equal to themselves).
Comparison compare_tensors(const std::string& name, const Tensor& got, const Tensor& want, double rtol, double atol);
// Runs the harness (cmd: from build_harness) on the data's inputs and compares every output
// with rtol/atol. threads > 0: the first run goes through <name>_run_parallel on a pool of
// that many threads, and the harness fails unless it is bit-identical to the serial one.
std::vector<Comparison> run_and_compare(const std::string& cmd, const Compiled& c,
                                        const TestData& d, const std::string& work_dir,
                                        double rtol, double atol, int threads = 0);
// Runs the harness with ITERS timed iterations (on a pool of `threads` threads when > 0);
// returns its JSON line.
std::string run_bench(const std::string& cmd, const Compiled& c, const TestData* d,
                      const std::string& work_dir, int iters, int threads = 0);

// Runs a shell command, capturing stdout+stderr; returns the exit status.
int run_command(const std::string& cmd, std::string* output);
std::string shell_quote(const std::string& s);
std::string make_temp_dir();
// Writes a file (creating its folder); throws CompileError naming it on failure.
void write_file_or_throw(const std::string& path, const std::string& text);
void write_file_or_throw(const std::string& path, const unsigned char* data, size_t size);
// Writes the weights file of compiled code (EmitResult::weights_file) into dir, if it has one.
void write_weights_file(const Compiled& c, const std::string& dir);
// Writes a tensor's bytes as the harness reads an input (input_K.bin; not strings).
void write_raw_tensor(const std::string& path, const Tensor& t);
// The last `lines` lines of a tool's output.
std::string tail_lines(const std::string& text, int lines);

}  // namespace o2c
