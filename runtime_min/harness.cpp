// onnx2cpp harness: runs one generated model on raw input files and writes raw outputs.
// Built by `onnx2cpp verify` / `bench` with -DO2C_MODEL=<name> -DO2C_HEADER="<name>.h".
//   harness IN_DIR OUT_DIR [ITERS [THREADS]]
// reads IN_DIR/input_K.bin (exact byte size of input K), runs the model twice on two
// differently poisoned arenas (outputs must match bit for bit: no read of uninitialized
// memory), checks that the run allocated nothing on the heap, writes OUT_DIR/output_K.bin.
// A string tensor's file holds its elements in order, each as a little-endian uint64 byte
// count and the bytes; its outputs are compared and written by contents.
// Each output is written at its actual shape (<model>_output_shape: with run-time dims, it can
// be less than the buffer's bound), which goes to OUT_DIR/output_K.shape (the dims, one line);
// the bytes past it must stay as the harness poisoned them (nothing written past the actual count).
// With ITERS > 0 it then times ITERS runs and prints one JSON line.
// Built with -DO2C_WEIGHTS_FILE="\"<name>.weights.bin\"" for a model compiled with its weights
// in a separate file (--weights file): reads IN_DIR/<that file> and calls <name>_run_with_weights.
// Under Emscripten (run with node, files through NODERAWFS) it also measures the stack the
// runs use and fails if they came close to the end of it.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include O2C_HEADER

#ifdef __EMSCRIPTEN__
#include <emscripten/stack.h>
#endif

#define O2C_CAT2(a, b) a##b
#define O2C_CAT(a, b) O2C_CAT2(a, b)
#define O2C_FN(suffix) O2C_CAT(O2C_MODEL, suffix)

#ifdef O2C_WEIGHTS_FILE
static const unsigned char* g_weights = nullptr;
#define O2C_RUN(in, out, arena, bytes) O2C_FN(_run_with_weights)(in, out, arena, bytes, g_weights)
#define O2C_RUN_PARALLEL(in, out, arena, bytes, pf, ctx) \
  O2C_FN(_run_parallel_with_weights)(in, out, arena, bytes, g_weights, pf, ctx)
#else
#define O2C_RUN(in, out, arena, bytes) O2C_FN(_run)(in, out, arena, bytes)
#define O2C_RUN_PARALLEL(in, out, arena, bytes, pf, ctx) O2C_FN(_run_parallel)(in, out, arena, bytes, pf, ctx)
#endif
// THREADS > 0 (native builds): the runs go through <name>_run_parallel on a pool of that many
// threads, except the second of the two checked runs, which runs serially: the outputs must be
// bit-identical.
#if !defined(__EMSCRIPTEN__) || defined(__EMSCRIPTEN_PTHREADS__)
static onnx2cpp::ThreadPool* g_pool = nullptr;
#define O2C_RUN_P(in, out, arena, bytes) \
  (g_pool ? O2C_RUN_PARALLEL(in, out, arena, bytes, &onnx2cpp::ThreadPool::parallel_for, g_pool) \
          : O2C_RUN(in, out, arena, bytes))
#else
#define O2C_RUN_P(in, out, arena, bytes) O2C_RUN(in, out, arena, bytes)
#endif

// ---- heap allocation counter (glibc, Emscripten: interpose malloc and friends) -------------
// Both libcs keep their allocator reachable under a second name (__libc_malloc, ...;
// Emscripten's dlmalloc defines malloc & co. as weak aliases), so the harness replaces the
// public functions with counting ones that forward to it.
static volatile long g_allocs = 0;  // counted with g_allocs = g_allocs + 1: C++20 deprecates ++ on a volatile
static volatile int g_counting = 0;
#if (defined(__GLIBC__) || defined(__EMSCRIPTEN__)) && !defined(__SANITIZE_ADDRESS__)
#define O2C_COUNTS_ALLOCATIONS 1
extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
#ifdef __EMSCRIPTEN__
void* emscripten_builtin_memalign(size_t, size_t);
static void* __libc_memalign(size_t a, size_t n) { return emscripten_builtin_memalign(a, n); }
#else
void* __libc_memalign(size_t, size_t);
#endif
void* malloc(size_t n) {
  if (g_counting) g_allocs = g_allocs + 1;
  return __libc_malloc(n);
}
void* calloc(size_t a, size_t b) {
  if (g_counting) g_allocs = g_allocs + 1;
  return __libc_calloc(a, b);
}
void* realloc(void* p, size_t n) {
  if (g_counting) g_allocs = g_allocs + 1;
  return __libc_realloc(p, n);
}
void* memalign(size_t a, size_t n) {
  if (g_counting) g_allocs = g_allocs + 1;
  return __libc_memalign(a, n);
}
void* aligned_alloc(size_t a, size_t n) {
  if (g_counting) g_allocs = g_allocs + 1;
  return __libc_memalign(a, n);
}
int posix_memalign(void** p, size_t a, size_t n) {
  if (g_counting) g_allocs = g_allocs + 1;
  *p = __libc_memalign(a, n);
  return *p ? 0 : 12;
}
}
#endif

// ---- per-node profile (generated with --profile, built with -DO2C_PROFILE) -------------------
#ifdef O2C_PROFILE
struct ProfNode {
  const char* op;
  const char* name;
  double seconds;
  long calls;
};
static ProfNode g_prof[1 << 16];
static int g_prof_max = -1;
extern "C" void onnx2cpp_profile_node(int node, const char* op, const char* name, double seconds) {
  if (node < 0 || node >= (1 << 16)) return;
  g_prof[node].op = op;
  g_prof[node].name = name;
  g_prof[node].seconds += seconds;
  ++g_prof[node].calls;
  if (node > g_prof_max) g_prof_max = node;
}
// Writes DIR/profile.txt: time per op type, then the 25 slowest nodes.
static void write_profile(const std::string& dir) {
  FILE* f = std::fopen((dir + "/profile.txt").c_str(), "w");
  if (!f) return;
  double total = 0;
  std::vector<int> idx;
  std::vector<std::pair<std::string, double>> per_op;
  for (int i = 0; i <= g_prof_max; ++i) {
    if (!g_prof[i].calls) continue;
    idx.push_back(i);
    total += g_prof[i].seconds;
    auto it = std::find_if(per_op.begin(), per_op.end(), [&](auto& p) { return p.first == g_prof[i].op; });
    if (it == per_op.end()) per_op.emplace_back(g_prof[i].op, g_prof[i].seconds);
    else it->second += g_prof[i].seconds;
  }
  const double calls = idx.empty() ? 1.0 : double(g_prof[idx[0]].calls);
  std::sort(per_op.begin(), per_op.end(), [](auto& a, auto& b) { return a.second > b.second; });
  std::fprintf(f, "profile: %.3f ms per run in %zu nodes\n", 1e3 * total / calls, idx.size());
  for (auto& p : per_op) std::fprintf(f, "  %-24s %9.3f ms %5.1f%%\n", p.first.c_str(), 1e3 * p.second / calls, 100 * p.second / total);
  std::sort(idx.begin(), idx.end(), [](int a, int b) { return g_prof[a].seconds > g_prof[b].seconds; });
  std::fprintf(f, "slowest nodes:\n");
  for (size_t k = 0; k < idx.size() && k < 25; ++k) {
    const ProfNode& p = g_prof[idx[k]];
    std::fprintf(f, "  [%d] %-20s %9.3f ms %5.1f%%  %s\n", idx[k], p.op, 1e3 * p.seconds / calls, 100 * p.seconds / total, p.name);
  }
  std::fclose(f);
}
#endif

static unsigned char* aligned_buffer(size_t n) {
  void* p = nullptr;
  if (posix_memalign(&p, 64, n ? n : 64) != 0) {
    std::fprintf(stderr, "harness: out of memory\n");
    std::exit(4);
  }
  return static_cast<unsigned char*>(p);
}

static bool read_exact(const std::string& path, unsigned char* dst, size_t n) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  size_t got = n ? std::fread(dst, 1, n, f) : 0;
  int extra = std::fgetc(f);
  std::fclose(f);
  return got == n && extra == EOF;
}

// A string tensor's file (see the top): the views into `bytes`, which holds the file.
static bool read_strings(const std::string& path, onnx2cpp_string* views, size_t n, std::vector<char>& bytes) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  int c;
  while ((c = std::fgetc(f)) != EOF) bytes.push_back(static_cast<char>(c));
  std::fclose(f);
  size_t at = 0;
  for (size_t i = 0; i < n; ++i) {
    uint64_t len = 0;
    if (bytes.size() - at < 8) return false;
    for (int b = 0; b < 8; ++b) len |= uint64_t(static_cast<unsigned char>(bytes[at + b])) << (8 * b);
    at += 8;
    if (bytes.size() - at < len) return false;
    views[i].data = bytes.data() + at;
    views[i].size = len;
    at += len;
  }
  return at == bytes.size();
}
static std::string string_file(const onnx2cpp_string* views, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    for (int b = 0; b < 8; ++b) s += static_cast<char>((views[i].size >> (8 * b)) & 0xFF);
    s.append(views[i].data, views[i].size);
  }
  return s;
}

#ifdef __EMSCRIPTEN__
// The wasm stack is a fixed region (-sTOTAL_STACK) that grows down towards static data, with
// nothing to stop an overflow. paint_stack() fills the unused part below the caller's frame
// (keeping a margin for the calls in between); stack_used() then finds the deepest byte a
// run overwrote.
// (Only address-taken locals live on this stack; scalars are wasm locals, so frames are small.)
static const unsigned char kStackPaint = 0xCD;
static const size_t kStackMargin = 1024;
static const size_t kStackReserve = 8192;  // a run that leaves less than this unused fails
__attribute__((noinline)) static void paint_stack() {
  const uintptr_t end = emscripten_stack_get_end(), cur = emscripten_stack_get_current();
  if (cur > end + kStackMargin) std::memset(reinterpret_cast<void*>(end), kStackPaint, cur - kStackMargin - end);
}
static size_t stack_used() {
  const uintptr_t end = emscripten_stack_get_end(), base = emscripten_stack_get_base();
  uintptr_t p = end;
  while (p < base && *reinterpret_cast<const unsigned char*>(p) == kStackPaint) ++p;
  return base - p;
}
#endif

// ---- outputs with run-time dims ---------------------------------------------------------------
static const size_t kBadShape = static_cast<size_t>(-1);

// The bytes of output ti at its actual shape (<model>_output_shape: both runs' shapes must
// agree and lie within the bound), checking that the bytes after them still hold the poison
// of each buffer (0xA5 in a, 0x5A in b); kBadShape (reported) otherwise.
static size_t actual_bytes(const onnx2cpp_tensor_info* ti, const int64_t* sa, const int64_t* sb, const unsigned char* a,
                           const unsigned char* b) {
  int64_t bound = 1, n = 1;
  for (int d = 0; d < ti->rank; ++d) {
    if (sa[d] != sb[d] || sa[d] < 0 || sa[d] > ti->shape[d]) {
      std::fprintf(stderr, "harness: output %s: dim %d is %lld and %lld in two runs (bound %lld)\n", ti->c_name, d,
                   static_cast<long long>(sa[d]), static_cast<long long>(sb[d]), static_cast<long long>(ti->shape[d]));
      return kBadShape;
    }
    bound *= ti->shape[d];
    n *= sa[d];
  }
  // (n == bound: every byte, which also covers packed types: int4's 3 elements in 2 bytes)
  const size_t bytes = n == bound ? ti->bytes : ti->bytes / static_cast<size_t>(bound) * static_cast<size_t>(n);
  for (size_t k = bytes; k < ti->bytes; ++k)
    if (a[k] != 0xA5 || b[k] != 0x5A) {
      std::fprintf(stderr, "harness: output %s: byte %zu written past its actual shape (%zu bytes)\n", ti->c_name, k, bytes);
      return kBadShape;
    }
  return bytes;
}

// An input with run-time dims: its actual shape from IN_DIR/input_K.shape (absent: the input
// is static), set in the inputs with <model>_set_input_shape; its bytes at that shape.
static size_t input_bytes(const std::string& path, const onnx2cpp_tensor_info* ti, size_t i, O2C_FN(_inputs) * in) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return ti->bytes;
  int64_t shape[16] = {0};
  int64_t n = 1, bound = 1;
  for (int d = 0; d < ti->rank && d < 16; ++d) {
    long long v = -1;
    if (std::fscanf(f, "%lld", &v) != 1) v = -1;
    shape[d] = v;
    n *= v;
    bound *= ti->shape[d];
  }
  std::fclose(f);
  if (ti->rank > 16 || O2C_FN(_set_input_shape)(in, i, shape) != ONNX2CPP_OK) {
    std::fprintf(stderr, "harness: %s: input %s: the shape is not one the model was compiled for\n", path.c_str(), ti->c_name);
    return kBadShape;
  }
  return n == bound ? ti->bytes : ti->bytes / static_cast<size_t>(bound) * static_cast<size_t>(n);
}

static bool write_shape(const std::string& path, const onnx2cpp_tensor_info* ti, const int64_t* shape) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (!f) return false;
  for (int d = 0; d < ti->rank; ++d) std::fprintf(f, d ? " %lld" : "%lld", static_cast<long long>(shape[d]));
  std::fprintf(f, "\n");
  return std::fclose(f) == 0;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s IN_DIR OUT_DIR [ITERS [THREADS]]\n", argv[0]);
    return 64;
  }
  const std::string in_dir = argv[1], out_dir = argv[2];
  const long iters = argc > 3 ? std::atol(argv[3]) : 0;
  const int threads = argc > 4 ? std::atoi(argv[4]) : 0;
#if !defined(__EMSCRIPTEN__) || defined(__EMSCRIPTEN_PTHREADS__)
  onnx2cpp::ThreadPool* pool = threads > 0 ? new onnx2cpp::ThreadPool(threads) : nullptr;
  g_pool = pool;
#else
  if (threads > 0) std::fprintf(stderr, "harness: no threads in this build: THREADS ignored\n");
#endif
  const size_t n_in = O2C_FN(_num_inputs)(), n_out = O2C_FN(_num_outputs)();
  const size_t arena_bytes = O2C_FN(_arena_bytes)();
#ifdef O2C_WEIGHTS_FILE
  const size_t weights_bytes = O2C_FN(_weights_bytes)();
  unsigned char* weights = aligned_buffer(weights_bytes);
  {
    const std::string path = in_dir + "/" + O2C_WEIGHTS_FILE;
    if (!read_exact(path, weights, weights_bytes)) {
      std::fprintf(stderr, "harness: %s: expected exactly %zu bytes of weights\n", path.c_str(), weights_bytes);
      return 4;
    }
  }
#endif

  O2C_FN(_inputs) in;
  O2C_FN(_outputs) out, out2;
  std::memset(&in, 0, sizeof in);
  std::vector<unsigned char*> ins, outs, outs2;
  std::vector<std::vector<char>> string_bytes(n_in);
  for (size_t i = 0; i < n_in; ++i) {
    const onnx2cpp_tensor_info* ti = O2C_FN(_input_info)(i);
    unsigned char* b = aligned_buffer(ti->bytes);
    std::string path = in_dir + "/input_" + std::to_string(i) + ".bin";
    const size_t bytes = input_bytes(in_dir + "/input_" + std::to_string(i) + ".shape", ti, i, &in);
    if (bytes == kBadShape) return 4;
    if (ti->dtype == ONNX2CPP_STRING
            ? !read_strings(path, reinterpret_cast<onnx2cpp_string*>(b), ti->bytes / sizeof(onnx2cpp_string), string_bytes[i])
            : !read_exact(path, b, bytes)) {
      std::fprintf(stderr, "harness: %s: expected exactly %zu bytes for input %s\n", path.c_str(), bytes, ti->c_name);
      return 4;
    }
    ins.push_back(b);
    std::memcpy(reinterpret_cast<unsigned char*>(&in) + i * sizeof(void*), &b, sizeof(void*));
  }
  for (size_t i = 0; i < n_out; ++i) {
    const onnx2cpp_tensor_info* ti = O2C_FN(_output_info)(i);
    unsigned char* a = aligned_buffer(ti->bytes);
    unsigned char* b = aligned_buffer(ti->bytes);
    std::memset(a, 0xA5, ti->bytes);
    std::memset(b, 0x5A, ti->bytes);
    outs.push_back(a);
    outs2.push_back(b);
    std::memcpy(reinterpret_cast<unsigned char*>(&out) + i * sizeof(void*), &a, sizeof(void*));
    std::memcpy(reinterpret_cast<unsigned char*>(&out2) + i * sizeof(void*), &b, sizeof(void*));
  }
  // The first run's arena (on the pool, when THREADS > 0) has room for the tasks' scratch.
  const bool parallel = threads > 0;
  const size_t par_arena_bytes = O2C_FN(_parallel_arena_bytes)();
  const size_t par_extra = par_arena_bytes - (arena_bytes + 63) / 64 * 64;
  const size_t arena1_bytes = parallel ? par_arena_bytes : arena_bytes;
  unsigned char* arena1 = aligned_buffer(arena1_bytes);
  unsigned char* arena2 = aligned_buffer(arena_bytes);
  std::memset(arena1, 0xFF, arena1_bytes);  // NaN patterns for floats
  std::memset(arena2, 0x7F, arena_bytes);

  // The runs get the arena this call's dims need (the planned size when the model has no
  // run-time dims); the bytes after it must stay as they were.
  const size_t need = O2C_FN(_arena_bytes_for)(&in);
  if (need > arena_bytes) {
    std::fprintf(stderr, "harness: arena_bytes_for gives %zu bytes, more than the %zu planned\n", need, arena_bytes);
    return 4;
  }
  // Error paths: a too small (by either entry point), a misaligned and a null arena are refused.
  if (need > 0) {
    if (O2C_RUN(&in, &out, arena1, need - 1) != ONNX2CPP_ERR_ARENA_TOO_SMALL ||
        O2C_RUN_PARALLEL(&in, &out, arena1, need - 1, nullptr, nullptr) != ONNX2CPP_ERR_ARENA_TOO_SMALL ||
        O2C_RUN(&in, &out, arena1 + 1, arena_bytes) != ONNX2CPP_ERR_ARENA_MISALIGNED ||
        O2C_RUN(&in, &out, nullptr, arena_bytes) != ONNX2CPP_ERR_NULL_POINTER) {
      std::fprintf(stderr, "harness: arena checks did not return the documented error codes\n");
      return 4;
    }
  }
  if (O2C_RUN(nullptr, &out, arena1, arena_bytes) != ONNX2CPP_ERR_NULL_POINTER) {
    std::fprintf(stderr, "harness: a null inputs pointer was not refused\n");
    return 4;
  }
#ifdef O2C_WEIGHTS_FILE
  // A null or misaligned weights pointer is refused (when the model has weights).
  g_weights = nullptr;
  const int rc_null = O2C_RUN(&in, &out, arena1, arena_bytes);
  g_weights = weights + 1;
  const int rc_misaligned = O2C_RUN(&in, &out, arena1, arena_bytes);
  g_weights = weights;
  if (weights_bytes > 0 &&
      (rc_null != ONNX2CPP_ERR_NULL_POINTER || rc_misaligned != ONNX2CPP_ERR_WEIGHTS_MISALIGNED)) {
    std::fprintf(stderr, "harness: weights checks did not return the documented error codes\n");
    return 4;
  }
#endif

#ifdef O2C_COUNTS_ALLOCATIONS
  {  // the counter must see allocations, or "no allocation" below would mean nothing
    g_allocs = 0;
    g_counting = 1;
    void* volatile probe = std::malloc(16);
    g_counting = 0;
    std::free(probe);
    if (g_allocs != 1) {
      std::fprintf(stderr, "harness: the heap allocation counter does not see malloc\n");
      return 4;
    }
  }
#else
  std::fprintf(stderr, "harness: heap allocations are NOT checked on this platform\n");
#endif
#ifdef __EMSCRIPTEN__
  paint_stack();
#endif
  g_allocs = 0;
  g_counting = 1;
  const size_t need1 = parallel ? (need + 63) / 64 * 64 + par_extra : need;  // the tasks' scratch past need
  int rc1 = O2C_RUN_P(&in, &out, arena1, need1);
  int rc2 = O2C_RUN(&in, &out2, arena2, need);
  g_counting = 0;
  for (size_t i = need; i < arena_bytes; ++i)
    if (arena2[i] != 0x7F) {
      std::fprintf(stderr, "harness: the run wrote arena byte %zu, past the %zu that arena_bytes_for gives\n", i, need);
      return 4;
    }
  for (size_t i = need1; i < arena1_bytes; ++i)
    if (arena1[i] != 0xFF) {
      std::fprintf(stderr, "harness: the parallel run wrote arena byte %zu, past the %zu it was given\n", i, need1);
      return 4;
    }
#ifdef __EMSCRIPTEN__
  const size_t stack_peak = stack_used();
  const size_t stack_size = emscripten_stack_get_base() - emscripten_stack_get_end();
  if (stack_peak + kStackReserve > stack_size) {
    std::fprintf(stderr, "harness: the runs used %zu of the %zu bytes of wasm stack (or overflowed it): "
                 "link with a larger -sTOTAL_STACK\n", stack_peak, stack_size);
    return 4;
  }
#endif
  if (rc1 != ONNX2CPP_OK || rc2 != ONNX2CPP_OK) {
    std::fprintf(stderr, "harness: run returned %d / %d\n", rc1, rc2);
    return 4;
  }
  if (g_allocs != 0) {
    std::fprintf(stderr, "harness: the model allocated on the heap %ld times\n", static_cast<long>(g_allocs));
    return 4;
  }
  for (size_t i = 0; i < n_out; ++i) {
    const onnx2cpp_tensor_info* ti = O2C_FN(_output_info)(i);
    if (ti->dtype == ONNX2CPP_STRING) {  // views differ (two arenas): compare the contents
      const size_t n = ti->bytes / sizeof(onnx2cpp_string);
      const std::string a = string_file(reinterpret_cast<const onnx2cpp_string*>(outs[i]), n);
      if (a != string_file(reinterpret_cast<const onnx2cpp_string*>(outs2[i]), n)) {
        std::fprintf(stderr, "harness: string output %s differs between two runs\n", ti->c_name);
        return 4;
      }
      std::string path = out_dir + "/output_" + std::to_string(i) + ".bin";
      FILE* f = std::fopen(path.c_str(), "wb");
      if (!f || (!a.empty() && std::fwrite(a.data(), 1, a.size(), f) != a.size())) {
        std::fprintf(stderr, "harness: cannot write %s\n", path.c_str());
        return 4;
      }
      std::fclose(f);
      continue;
    }
    const int64_t* shape = O2C_FN(_output_shape)(&out, i);
    const size_t bytes = actual_bytes(ti, shape, O2C_FN(_output_shape)(&out2, i), outs[i], outs2[i]);
    if (bytes == kBadShape) return 4;
    if (std::memcmp(outs[i], outs2[i], bytes) != 0) {
      std::fprintf(stderr,
                   "harness: output %s differs between two runs with differently poisoned arenas "
                   "(a read of uninitialized memory%s)\n", ti->c_name,
                   threads > 0 ? ", or the parallel run differs from the serial one" : "");
      return 4;
    }
    std::string path = out_dir + "/output_" + std::to_string(i) + ".bin";
    if (!write_shape(out_dir + "/output_" + std::to_string(i) + ".shape", ti, shape)) {
      std::fprintf(stderr, "harness: cannot write the shape of output %s\n", ti->c_name);
      return 4;
    }
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f || (bytes && std::fwrite(outs[i], 1, bytes, f) != bytes)) {
      std::fprintf(stderr, "harness: cannot write %s\n", path.c_str());
      return 4;
    }
    std::fclose(f);
  }

  if (iters > 0) {
    std::vector<double> ms;
    for (long it = 0; it < std::max(3L, iters / 10); ++it) O2C_RUN_P(&in, &out, arena1, arena1_bytes);
#ifdef O2C_PROFILE
    for (auto& p : g_prof) p = ProfNode{};
    g_prof_max = -1;
#endif
    for (long it = 0; it < iters; ++it) {
      auto t0 = std::chrono::steady_clock::now();
      O2C_RUN_P(&in, &out, arena1, arena1_bytes);
      auto t1 = std::chrono::steady_clock::now();
      ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    const double median = ms.size() % 2 ? ms[ms.size() / 2] : 0.5 * (ms[ms.size() / 2 - 1] + ms[ms.size() / 2]);
#ifdef O2C_PROFILE
    write_profile(out_dir);
#endif
    std::printf("{\"median_ms\": %.4f, \"min_ms\": %.4f, \"iters\": %ld, \"threads\": %d, \"arena_bytes\": %zu",
                median, ms.front(), iters, threads > 0 ? threads : 1, arena_bytes);
#ifdef __EMSCRIPTEN__
    std::printf(", \"stack_peak_bytes\": %zu, \"stack_bytes\": %zu", stack_peak, stack_size);
#endif
    std::printf("}\n");
  }
  for (auto* p : ins) std::free(p);
  for (auto* p : outs) std::free(p);
  for (auto* p : outs2) std::free(p);
#ifdef O2C_WEIGHTS_FILE
  std::free(weights);
#endif
  std::free(arena1);
  std::free(arena2);
#if !defined(__EMSCRIPTEN__) || defined(__EMSCRIPTEN_PTHREADS__)
  delete pool;
#endif
  return 0;
}
