// Runs the command line itself (O2C_EXE) from a test.
#pragma once
#include <string>
#include <vector>

namespace o2c::test {

// The exit code of O2C_EXE run on args (-1 when killed by a signal) and what it wrote to
// stderr (kept in dir/err.txt, stdout in dir/out.txt).
struct CliRun {
  int code = -1;
  std::string err;
};
CliRun run_cli(const std::string& dir, const std::vector<std::string>& args);

}  // namespace o2c::test
