// Progress lines of long steps (verify, bench, build): a step past a second is announced on
// stderr and its end reported with the time; a quick one says nothing; --quiet says nothing.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include <catch2/catch.hpp>

#include "builder.hpp"
#include "tools/progress.hpp"

using namespace o2c;
using namespace o2c::test;

namespace {

// What f writes to stderr (file descriptor 2, redirected to a file meanwhile).
std::string stderr_of(const std::function<void()>& f) {
  TempDir d;
  const std::string path = d.path + "/err.txt";
  std::fflush(stderr);
  const int saved = dup(2);
  FILE* file = std::fopen(path.c_str(), "w");
  dup2(fileno(file), 2);
  try {
    f();
  } catch (...) {
  }
  std::fflush(stderr);
  dup2(saved, 2);
  close(saved);
  std::fclose(file);
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

}  // namespace

TEST_CASE("Progress announces a step past a second and reports its end", "[progress]") {
  double secs = 0;
  const std::string slow = stderr_of([&] { Progress().step("building 1.0 MB of generated code with c++", [] { sleep_ms(1300); }, &secs); });
  CHECK(secs >= 1.3);
  CHECK_THAT(slow, Catch::StartsWith("onnx2cpp: building 1.0 MB of generated code with c++ ...\n"));
  CHECK_THAT(slow, Catch::Contains("onnx2cpp: building 1.0 MB of generated code with c++: done in 1."));
  CHECK(stderr_of([] { Progress().step("quick", [] { sleep_ms(10); }); }).empty());
  CHECK(stderr_of([] { Progress(true).step("quiet", [] { sleep_ms(1200); }); }).empty());
  const std::string failed = stderr_of([] { Progress().step("running", [] { sleep_ms(1100); throw CompileError("x"); }); });
  CHECK_THAT(failed, Catch::Contains("onnx2cpp: running: failed in 1."));
  CHECK(code_size_text(12300000, 0) == "12.3 MB of generated code");
  CHECK(code_size_text(100000, 4000000) == "100.0 kB of generated code (and 4.0 MB of weights)");
}

TEST_CASE("verify, bench, build and verify-train take --quiet", "[progress]") {
  ModelBuilder b;
  b.input("x", {2});
  b.node("Relu", {"x"}, {"y"});
  b.output("y");
  TempDir d;
  const std::string model = b.save(d.path);
  const std::string cmd = std::string(O2C_EXE) + " build " + model + " --target native -o " + d.path + "/out --quiet 2>/dev/null";
  CHECK(std::system(cmd.c_str()) == 0);
  for (const char* sub : {"verify", "bench", "verify-train"}) {
    const std::string help = std::string(O2C_EXE) + " " + sub + " --help | grep -q -- --quiet";
    CHECK(std::system(help.c_str()) == 0);
  }
}
