#include "tools/progress.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

namespace o2c {

namespace {

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

void Progress::step(const std::string& what, const std::function<void()>& f, double* seconds) const {
  const auto t0 = std::chrono::steady_clock::now();
  std::mutex m;
  std::condition_variable cv;
  bool done = false, announced = false;
  // The watcher speaks only once the step has lasted a second, so quick steps stay silent.
  std::thread watcher;
  if (!quiet_)
    watcher = std::thread([&] {
      std::unique_lock<std::mutex> lock(m);
      auto next = t0 + std::chrono::seconds(1);
      while (!cv.wait_until(lock, next, [&] { return done; })) {
        if (!announced) std::fprintf(stderr, "onnx2cpp: %s ...\n", what.c_str());
        else std::fprintf(stderr, "onnx2cpp:   ... %.0f s\n", since(t0));
        announced = true;
        next = t0 + std::chrono::seconds(10 * (static_cast<long>(since(t0)) / 10 + 1));  // 10 s, 20 s, ...
      }
    });
  auto finish = [&](const char* how) {
    {
      std::lock_guard<std::mutex> lock(m);
      done = true;
    }
    cv.notify_all();
    if (watcher.joinable()) watcher.join();
    const double s = since(t0);
    if (seconds) *seconds = s;
    if (announced) std::fprintf(stderr, "onnx2cpp: %s: %s in %.1f s\n", what.c_str(), how, s);
  };
  try {
    f();
  } catch (...) {
    finish("failed");
    throw;
  }
  finish("done");
}

std::string size_text(size_t bytes) {  // kB below a megabyte
  char b[32];
  const double v = static_cast<double>(bytes);
  std::snprintf(b, sizeof b, v < 1e6 ? "%.1f kB" : "%.1f MB", v < 1e6 ? v / 1e3 : v / 1e6);
  return b;
}

std::string code_size_text(size_t source_bytes, size_t weights_bytes) {
  std::string s = size_text(source_bytes) + " of generated code";
  if (weights_bytes) s += " (and " + size_text(weights_bytes) + " of weights)";
  return s;
}

}  // namespace o2c
