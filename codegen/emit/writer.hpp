// Text building for generated files, and the embedded kernel sources.
#pragma once
#include <map>
#include <string>
#include <vector>

namespace o2c {

// Accumulates lines with indentation.
class Writer {
 public:
  void line(const std::string& s = "") {
    if (!s.empty()) out_.append(static_cast<size_t>(indent_) * 2, ' ');
    out_ += s;
    out_ += '\n';
  }
  void raw(const std::string& s) { out_ += s; }
  void indent() { ++indent_; }
  void dedent() { --indent_; }
  const std::string& str() const { return out_; }

 private:
  std::string out_;
  int indent_ = 0;
};

// The files of templates/ (name without .hpp -> text) and runtime_min/onnx2cpp_runtime.h
// (under "runtime"), embedded at build time by CMake.
const std::map<std::string, std::string>& embedded_sources();
// Kernel headers in dependency order (each after what it `needs:`), for the given names.
std::vector<std::string> kernel_closure(const std::vector<std::string>& names);

// One aligned byte blob as a C++ string literal, split into lines.
std::string blob_literal(const std::vector<unsigned char>& bytes);

}  // namespace o2c
