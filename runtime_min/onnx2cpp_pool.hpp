// onnx2cpp runtime: a small ready-made thread pool for <model>_run_parallel (C++ only).
// Pasted into every generated header's C++ part; guarded so several models share one. Define
// ONNX2CPP_NO_THREAD_POOL before including the header to leave it out (no <thread>: a
// WebAssembly build without pthreads, or an app that brings its own pool).
#if !defined(ONNX2CPP_POOL_HPP) && !defined(ONNX2CPP_NO_THREAD_POOL)
#define ONNX2CPP_POOL_HPP
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace onnx2cpp {

// threads - 1 workers plus the calling thread run each parallel-for. A job's indices are
// taken in runs from a shared counter (drain); the caller spins, then sleeps, until the last
// one has returned. One job at a time: a ThreadPool serves one run at a time (give each
// concurrent caller its own pool, or call serially).
class ThreadPool {
 public:
  // How long a worker spins for the next job, and the caller for a job's last index, before
  // they sleep. A run's kernels follow each other within microseconds; a worker that has
  // gone to sleep wakes tens of microseconds after the notification, and by then the caller
  // has taken most of the job's indices itself (a spin of 20,000 loads, about 9 us here, left
  // EfficientNet-B0 on 2 threads no faster than on one). After a run, each worker spins this
  // long once more.
  static constexpr int kSpinMicros = 500;

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
    if (spin_until([&] { return done_.load(std::memory_order_acquire) == n; })) return;
    std::unique_lock<std::mutex> lock(mu_);
    finished_.wait(lock, [&] { return done_.load(std::memory_order_acquire) == n; });
  }

 private:
  // Polls ready() for up to kSpinMicros; returns whether it became true.
  template <class F>
  static bool spin_until(F&& ready) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(kSpinMicros);
    for (unsigned spin = 1;; ++spin) {
      if (ready()) return true;
      if (spin % 256 == 0 && std::chrono::steady_clock::now() > until) return false;
      relax();
    }
  }
  // A hint to the core that this is a spin loop (it lets the other hardware thread run).
  static void relax() {
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
    __builtin_ia32_pause();
#elif defined(__aarch64__) && (defined(__GNUC__) || defined(__clang__))
    __asm__ __volatile__("yield");
#endif
  }
  // Runs indices of the current job until none is left; returns how many it ran. They are
  // taken in runs of about a quarter of a thread's share: each take moves the counter's cache
  // line between cores (72 empty tasks one at a time took 11 us on 2 threads).
  int drain() {
    const int n = n_, chunk = n / (4 * threads_) > 1 ? n / (4 * threads_) : 1;
    int count = 0;
    for (int i; (i = next_.fetch_add(chunk, std::memory_order_relaxed)) < n;) {
      const int end = n - i < chunk ? n : i + chunk;
      for (int j = i; j < end; ++j) body_(task_, j);
      count += end - i;
    }
    return count;
  }
  void work() {
    unsigned long long seen = 0;
    for (;;) {
      spin_until([&] { return generation_.load(std::memory_order_relaxed) != seen; });
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
  alignas(64) std::atomic<int> next_{0};  // a line of its own: the takes do not slow the waits
  alignas(64) std::atomic<int> done_{0};
  std::atomic<int> active_{0};
};

}  // namespace onnx2cpp
#endif
