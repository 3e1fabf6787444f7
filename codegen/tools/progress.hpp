// What long work is doing, on stderr (verify, bench, build): a step still running after a
// second is announced, again every 10 seconds with its elapsed time, and its end is reported
// with the total; quicker steps say nothing, and nothing is said with --quiet. stdout (the
// PASS/FAIL lines, bench's JSON) is left alone.
#pragma once
#include <cstddef>
#include <functional>
#include <string>

namespace o2c {

class Progress {
 public:
  explicit Progress(bool quiet = false) : quiet_(quiet) {}
  // Runs f as the step `what` ("building 12.3 MB of generated code with c++ -O2"); its
  // seconds go to *seconds. An exception from f ends the step as failed and is rethrown.
  void step(const std::string& what, const std::function<void()>& f, double* seconds = nullptr) const;

 private:
  bool quiet_;
};

// "15.4 kB", "12.3 MB": a size in a progress line.
std::string size_text(size_t bytes);
// "12.3 MB of generated code (and 13.9 MB of weights)": what a compiler is about to build.
std::string code_size_text(size_t source_bytes, size_t weights_bytes);

}  // namespace o2c
