// onnx2cpp runtime: a small ready-made thread pool for <model>_run_parallel (C++ only).
// Pasted into every generated header's C++ part; guarded so several models share one. Define
// ONNX2CPP_NO_THREAD_POOL before including the header to leave it out (no <thread>: a
// WebAssembly build without pthreads, or an app that brings its own pool).
#if !defined(ONNX2CPP_POOL_HPP) && !defined(ONNX2CPP_NO_THREAD_POOL)
#define ONNX2CPP_POOL_HPP
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace onnx2cpp {

// threads - 1 workers plus the calling thread run each parallel-for. A job's indices are
// taken one at a time from a shared counter; the caller spins briefly, then sleeps, until the
// last one has returned. One job at a time: a ThreadPool serves one run at a time (give each
// concurrent caller its own pool, or call serially).
class ThreadPool {
 public:
  explicit ThreadPool(int threads = static_cast<int>(std::thread::hardware_concurrency()))
      : threads_(threads < 1 ? 1 : threads) {
    for (int t = 1; t < threads_; ++t) workers_.emplace_back([this] { work(); });
  }
  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : workers_) t.join();
  }
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return threads_; }

  // An onnx2cpp_parallel_for: ctx is the pool.
  static void parallel_for(void* ctx, int n, void (*body)(void*, int), void* task) {
    static_cast<ThreadPool*>(ctx)->run(n, body, task);
  }

  void run(int n, void (*body)(void*, int), void* task) {
    if (n <= 0) return;
    if (threads_ == 1 || n == 1) {
      for (int i = 0; i < n; ++i) body(task, i);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      // Workers still leaving the previous job's indices read them: wait until they are out.
      while (active_.load(std::memory_order_acquire) != 0) std::this_thread::yield();
      body_ = body;
      task_ = task;
      n_ = n;
      next_.store(0, std::memory_order_relaxed);
      done_.store(0, std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    const int mine = drain();
    if (done_.fetch_add(mine, std::memory_order_acq_rel) + mine == n) return;
    for (int spin = 0; spin < 20000; ++spin)
      if (done_.load(std::memory_order_acquire) == n) return;
    std::unique_lock<std::mutex> lock(mu_);
    finished_.wait(lock, [&] { return done_.load(std::memory_order_acquire) == n; });
  }

 private:
  // Runs indices of the current job until none is left; returns how many it ran.
  int drain() {
    int count = 0;
    for (int i; (i = next_.fetch_add(1, std::memory_order_relaxed)) < n_;) {
      body_(task_, i);
      ++count;
    }
    return count;
  }
  void work() {
    unsigned long long seen = 0;
    for (;;) {
      // A short spin for the next job (kernels follow each other within microseconds), then sleep.
      for (int spin = 0; spin < 20000 && generation_.load(std::memory_order_relaxed) == seen; ++spin) {
      }
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [&] { return stop_ || generation_.load(std::memory_order_relaxed) != seen; });
      if (stop_) return;
      seen = generation_.load(std::memory_order_relaxed);
      const int n = n_;
      active_.fetch_add(1, std::memory_order_relaxed);
      lock.unlock();
      const int mine = drain();
      const bool last = mine && done_.fetch_add(mine, std::memory_order_acq_rel) + mine == n;
      active_.fetch_sub(1, std::memory_order_release);
      if (last) {
        std::lock_guard<std::mutex> relock(mu_);
        finished_.notify_all();
      }
    }
  }

  const int threads_;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable wake_, finished_;
  bool stop_ = false;
  std::atomic<unsigned long long> generation_{0};
  void (*body_)(void*, int) = nullptr;
  void* task_ = nullptr;
  int n_ = 0;
  std::atomic<int> next_{0}, done_{0}, active_{0};
};

}  // namespace onnx2cpp
#endif
