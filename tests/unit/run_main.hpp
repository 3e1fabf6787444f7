// Building a compiled model with a hand-written main.cpp and running it: tests of what the
// generated API does at run time (error codes, output shapes, guard elements after buffers).
#pragma once

#include <cstdlib>
#include <fstream>
#include <string>

#include "builder.hpp"
#include "tools/runner.hpp"

namespace o2c::test {

// Writes c's files (m.h, m.cpp and its weights) and main_cpp into dir, builds them with $CXX
// (else c++) and the tests' flags, and runs the program: its exit code (the build's when it
// fails), what both printed in *log.
inline int build_and_run_main(const Compiled& c, const std::string& dir, const std::string& main_cpp, std::string* log) {
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir + "/" + name, std::ios::binary) << text;
  };
  write("m.h", c.files.header);
  write("m.cpp", c.files.source);
  if (!c.files.weights_file.empty()) {
    const auto bytes = c.files.weights.bytes();
    write(c.files.weights_file, std::string(bytes.begin(), bytes.end()));
  }
  write("main.cpp", main_cpp);
  const std::string cxx = std::getenv("CXX") ? std::getenv("CXX") : "c++";
  const std::string inc = std::string(" -I") + O2C_EIGEN_INCLUDE_DIR + " -I" + shell_quote(dir);
  return run_command("cd " + shell_quote(dir) + " && " + cxx + " -std=c++17 " + O2C_TEST_CXXFLAGS + inc +
                         " m.cpp main.cpp -o run && ./run",
                     log);
}

}  // namespace o2c::test
