// onnx2cpp kernels: shared definitions.
#ifndef ONNX2CPP_K_COMMON_HPP
#define ONNX2CPP_K_COMMON_HPP
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#ifndef EIGEN_DONT_PARALLELIZE
#define EIGEN_DONT_PARALLELIZE
#endif
// Eigen's GEMM takes its packing buffers from the stack below this size and from the heap
// above it; generated code must not touch the heap, so allow the sizes its blocking picks.
#ifndef EIGEN_STACK_ALLOCATION_LIMIT
#define EIGEN_STACK_ALLOCATION_LIMIT (4 * 1024 * 1024)
#endif
// GCC 12 reports Eigen's AVX-512 intrinsics (_mm512_undefined_ps) as (maybe) uninitialized
// wherever Eigen's own functions instantiate them out of line (an exp, a tanh, a 16 x 16
// transpose), outside the kernels' pragma below too: silenced where the intrinsics are
// declared. Eigen 3.4's AVX2 path (-mavx2 without AVX-512) has an unused variable in
// F32ToBf16, which -Wall reports when Eigen is included with -I rather than -isystem.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpragmas"
#pragma GCC diagnostic ignored "-Wunknown-warning-option"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wunused-variable"
#include <Eigen/Core>
#pragma GCC diagnostic pop

// Kernels get internal linkage in generated code, so two models never clash at link time.
// The compiler links them across its own files for constant folding: it defines
// ONNX2CPP_K_EXTERNAL.
#ifdef ONNX2CPP_K_EXTERNAL
#define ONNX2CPP_K_BEGIN namespace onnx2cpp_k {
#define ONNX2CPP_K_END }
#else
// A kernel header is a library: a model uses some of its functions, not all. Unused
// internal functions are expected there (clang warns about them under -Wall). GCC 12 also
// reports Eigen's AVX-512 pmin/pmax (_mm512_undefined_ps) as maybe-uninitialized.
#define ONNX2CPP_K_BEGIN                                                     \
  _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wunused-function\"") \
  _Pragma("GCC diagnostic ignored \"-Wpragmas\"")                            \
  _Pragma("GCC diagnostic ignored \"-Wunknown-warning-option\"")             \
  _Pragma("GCC diagnostic ignored \"-Wmaybe-uninitialized\"")                \
  namespace onnx2cpp_k { namespace {
#define ONNX2CPP_K_END } } _Pragma("GCC diagnostic pop")
#endif

// Kernels marked ONNX2CPP_K_OUTLINE stay functions of their own under WebAssembly. V8 compiles
// a function with more than 8192 virtual registers (a model's run() with its kernels inlined)
// with its mid-tier register allocator, which spills the SIMD accumulators of every loop
// inside: tiny_bert ran 1.35x slower that way under Node 20.
#if defined(__wasm__)
#define ONNX2CPP_K_OUTLINE __attribute__((noinline))
#else
#define ONNX2CPP_K_OUTLINE
#endif

ONNX2CPP_K_BEGIN

using i64 = std::int64_t;
constexpr int kMaxRank = 8;

template <class T>
using RowMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using MatMap = Eigen::Map<RowMat<T>>;
template <class T>
using CMatMap = Eigen::Map<const RowMat<T>>;
template <class T>
using ArrMap = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
template <class T>
using CArrMap = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;

// A strided view for reading: out[i0..ir] = src[sum(i_k * st[k])]. Strides may be 0
// (broadcast) or negative (reversed slices); offsets are applied by the caller.
struct Strided {
  int rank;
  i64 dims[kMaxRank];
  i64 st[kMaxRank];
};

// Integer arithmetic wraps around (two's complement, as numpy and ONNX Runtime compute it)
// without undefined behaviour: it is done in an unsigned type at least as wide as unsigned int
// (narrower ones would be promoted to int, where a product can overflow). Other types as they are.
template <class T, bool = std::is_integral<T>::value && !std::is_same<T, bool>::value>
struct WrapOf {
  using type = T;
};
template <class T>
struct WrapOf<T, true> {
  using type = typename std::conditional<(sizeof(T) < sizeof(unsigned)), unsigned, typename std::make_unsigned<T>::type>::type;
};
template <class T>
using wrap_t = typename WrapOf<T>::type;
template <class T>
inline T wrap_neg(T v) { return static_cast<T>(wrap_t<T>(0) - static_cast<wrap_t<T>>(v)); }

// Calls f(out_index, src_offset) for every element in row-major order of dims; the innermost
// dimension runs as a plain loop.
template <class F>
inline void for_strided(const Strided& s, F f) {
  const int r = s.rank;
  const i64 inner = r ? s.dims[r - 1] : 1;
  const i64 ist = r ? s.st[r - 1] : 0;
  i64 total = 1;
  for (int k = 0; k < r; ++k) total *= s.dims[k];
  if (total == 0) return;
  i64 idx[kMaxRank] = {0};
  i64 off = 0, o = 0;
  while (o < total) {
    for (i64 i = 0; i < inner; ++i) f(o + i, off + i * ist);
    o += inner;
    for (int k = r - 2; k >= 0; --k) {
      off += s.st[k];
      if (++idx[k] < s.dims[k]) break;
      off -= s.st[k] * s.dims[k];
      idx[k] = 0;
    }
  }
}

// y[i] = x[strided(i)]: Transpose, Slice, Expand and broadcasting copies.
template <class T>
inline void strided_copy(const T* x, T* y, const Strided& s) {
  for_strided(s, [&](i64 o, i64 off) { y[o] = x[off]; });
}

// Rows of `len` elements from src (row pitch sp) to dst (row pitch dp): Concat and Split.
template <class T>
inline void copy_rows(const T* src, T* dst, i64 rows, i64 len, i64 sp, i64 dp) {
  for (i64 r = 0; r < rows; ++r) std::memcpy(dst + r * dp, src + r * sp, sizeof(T) * len);
}

// The same into dst + at, an offset known only at run time (Concat along a run-time dim).
template <class T>
inline void copy_rows_at(const T* src, T* dst, i64 at, i64 rows, i64 len, i64 sp, i64 dp) {
  copy_rows(src, dst + at, rows, len, sp, dp);
}

// The caller's parallel-for (onnx2cpp_parallel_for of the runtime header) as kernels take it:
// fn == nullptr runs everything on the calling thread. Kernels that use it split only their
// outputs into blocks, each computed exactly as the serial loop computes it, so the results
// do not depend on the thread count or on which thread runs a block.
typedef void (*ParFn)(void* ctx, int n, void (*body)(void* task, int i), void* task);
struct Par {
  ParFn fn = nullptr;
  void* ctx = nullptr;
  // Scratch for the tasks past the first of a kernel whose tasks need scratch of their own
  // (the first uses the kernel's planned scratch): the arena's tail beyond the planned
  // buffers, 64-byte aligned; none when the caller gives no more than NAME_ARENA_BYTES.
  unsigned char* extra = nullptr;
  i64 extra_bytes = 0;
};
// Whether a run can go parallel at all: not in a WebAssembly build without pthreads, nor with
// ONNX2CPP_SERIAL defined (the parallel paths then compile away: a smaller module).
#if (defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)) || defined(ONNX2CPP_SERIAL)
constexpr bool kCanRunParallel = false;
#else
constexpr bool kCanRunParallel = true;
#endif
inline bool par_on(const Par& par) { return kCanRunParallel && par.fn != nullptr; }
// At most this many tasks with scratch of their own run at once, whatever the thread count.
constexpr i64 kParSlots = 8;
// The least work (multiply-adds or so) worth a dispatch; a kernel's blocks below it run on the
// calling thread. A dispatch costs the pool microseconds: cifar_resnet20 on 2 threads took
// 0.56 ms at 2^15 and 0.23 ms at 2^20 (0.21 ms on one). ONNX2CPP_PAR_MIN_WORK overrides it (the
// thread tests lower it to reach every kernel's split on a small model).
#ifndef ONNX2CPP_PAR_MIN_WORK
#define ONNX2CPP_PAR_MIN_WORK (1 << 20)
#endif
constexpr i64 kParMinWork = ONNX2CPP_PAR_MIN_WORK;
// Runs f(i) for every i in [0, n): through the caller's parallel-for when there is one and
// the work is worth a dispatch (n > 1, work >= kParMinWork), else in a loop. f must write only
// its own block's outputs.
template <class F>
inline void par_for(const Par& par, i64 n, i64 work, F&& f) {
  if (n <= 0) return;
  if (!par_on(par) || n == 1 || work < kParMinWork) {
    for (i64 i = 0; i < n; ++i) f(i);
    return;
  }
  using Fn = typename std::remove_reference<F>::type;
  par.fn(par.ctx, static_cast<int>(n), [](void* task, int i) { (*static_cast<Fn*>(task))(i); },
         const_cast<void*>(static_cast<const void*>(&f)));
}
// par_for() over the pairs of [0, n1) x [0, n2): f(i, j) in nested loops when serial (no
// division per pair), one task per pair under a parallel-for.
template <class F>
inline void par_for2(const Par& par, i64 n1, i64 n2, i64 work, F&& f) {
  if (!par_on(par) || n1 * n2 <= 1 || work < kParMinWork) {
    for (i64 i = 0; i < n1; ++i)
      for (i64 j = 0; j < n2; ++j) f(i, j);
    return;
  }
  par_for(par, n1 * n2, work, [&](i64 u) { f(u / n2, u % n2); });
}
// The ranges par_ranges() cuts [0, n) into under a parallel-for: at most max_slots, n, and
// one per kParMinWork of work. It grows with n and work.
inline i64 par_slots(i64 n, i64 work, i64 max_slots = kParSlots) {
  return std::max<i64>(1, std::min(std::min(n, max_slots), work / kParMinWork));
}
// Bytes between two tasks' scratch in Par::extra: slot_elems of elem_size bytes, 64-aligned.
inline i64 slot_stride(i64 slot_elems, i64 elem_size) { return (slot_elems * elem_size + 63) / 64 * 64; }
// The bytes of Par::extra a kernel's tasks use at most (the compiler plans the largest of the
// model's kernels past the arena: NAME_PARALLEL_ARENA_BYTES).
inline i64 par_extra_bytes(i64 n, i64 work, i64 slot_elems, i64 elem_size, i64 max_slots = kParSlots) {
  return (par_slots(n, work, max_slots) - 1) * slot_stride(slot_elems, elem_size);
}
// The ranges when each task needs slot_elems of T of scratch: par_slots(), no more than
// Par::extra holds besides the first; 1 when serial.
template <class T>
inline i64 par_slots_with_scratch(const Par& par, i64 n, i64 work, i64 slot_elems, i64 max_slots = kParSlots) {
  if (!par_on(par)) return 1;
  const i64 stride = slot_stride(slot_elems, sizeof(T));
  return std::min(par_slots(n, work, max_slots), stride > 0 ? 1 + par.extra_bytes / stride : max_slots);
}
// Task slot's scratch: own (the kernel's planned scratch) for slot 0, else in Par::extra.
template <class T>
inline T* slot_scratch(const Par& par, T* own, i64 slot, i64 slot_elems) {
  return slot == 0 ? own : reinterpret_cast<T*>(par.extra + (slot - 1) * slot_stride(slot_elems, sizeof(T)));
}
// f(slot, lo, hi) over s contiguous ranges of [0, n) (s <= n): through the parallel-for when
// s > 1, else one call f(0, 0, n).
template <class F>
inline void par_ranges_of(const Par& par, i64 n, i64 s, i64 work, F&& f) {
  if (n <= 0) return;
  if (!par_on(par) || s <= 1) {
    f(i64(0), i64(0), n);
    return;
  }
  par_for(par, s, work, [&](i64 i) { f(i, i * n / s, (i + 1) * n / s); });
}
// par_ranges_of() in par_slots() ranges (tasks that need no scratch of their own).
template <class F>
inline void par_ranges(const Par& par, i64 n, i64 work, F&& f, i64 max_slots = kParSlots) {
  par_ranges_of(par, n, par_slots(n, work, max_slots), work, f);
}
// par_ranges_of() for tasks that need slot_elems of T of scratch each: f(scratch, lo, hi),
// scratch = own (slot_elems of the kernel's planned scratch) for the first, Par::extra's for
// the others.
template <class T, class F>
inline void par_ranges_scratch(const Par& par, i64 n, i64 work, T* own, i64 slot_elems, F&& f,
                               i64 max_slots = kParSlots) {
  par_ranges_of(par, n, par_slots_with_scratch<T>(par, n, work, slot_elems, max_slots), work,
                [&](i64 slot, i64 lo, i64 hi) { f(slot_scratch(par, own, slot, slot_elems), lo, hi); });
}

// floor(a / k) for k > 0 (run-time dims: a derived dim's value).
inline i64 floor_div(i64 a, i64 k) { return a >= 0 ? a / k : -((-a + k - 1) / k); }

template <class T>
inline void copy(const T* x, T* y, i64 n) {
  if (n) std::memcpy(y, x, sizeof(T) * n);
}

template <class T>
inline void fill(T* y, i64 n, T v) {
  std::fill(y, y + n, v);
}

// f(0) + ... + f(n - 1) in double, in 16 lanes (the compiler vectorizes them; each adds in
// order, so nothing is reassociated) added up in a fixed order at the end: deterministic.
template <class F>
inline double sum_lanes(i64 n, F f) {
  constexpr int kLanes = 16;
  double lane[kLanes] = {};
  const i64 blocks = n / kLanes;
  for (i64 b = 0; b < blocks; ++b)
    for (int j = 0; j < kLanes; ++j) lane[j] += f(b * kLanes + j);
  double s = 0;
  for (i64 k = blocks * kLanes; k < n; ++k) s += f(k);
  for (int j = 0; j < kLanes; ++j) s += lane[j];
  return s;
}

// BitCast: n elements of T reinterpreted as U, bit for bit (the same size).
template <class T, class U>
inline void bitcast(const T* x, U* y, i64 n) {
  static_assert(sizeof(T) == sizeof(U), "bitcast between types of different sizes");
  if (n) std::memcpy(static_cast<void*>(y), static_cast<const void*>(x), sizeof(T) * n);
}

// 1 / (1 + exp(-v)) of a packet, as exp(-|v|) based quotients (exact near 0 and 1, like the
// scalar form): 1 / (1 + e) for v >= 0, e / (1 + e) below, with Eigen's vectorized exp.
template <class P>
inline P psigmoid(const P& v) {
  using namespace Eigen::internal;
  using T = typename unpacket_traits<P>::type;
  const P one = pset1<P>(T(1)), e = pexp(pnegate(pabs(v)));
  return pdiv(pselect(pcmp_le(pset1<P>(T(0)), v), one, e), padd(one, e));
}

// y = 1 / (1 + exp(-x)) in one pass of packets (psigmoid). y may be x.
template <class T>
inline void sigmoid_array(const T* x, T* y, i64 n) {
  using P = typename Eigen::internal::packet_traits<T>::type;
  constexpr i64 PS = Eigen::internal::packet_traits<T>::size;
  const i64 nv = n / PS * PS;
  i64 i = 0;
  for (; i < nv; i += PS) Eigen::internal::pstoreu(y + i, psigmoid(Eigen::internal::ploadu<P>(x + i)));
  for (; i < n; ++i) {
    const T e = std::exp(-std::abs(x[i]));
    y[i] = (x[i] >= T(0) ? T(1) : e) / (T(1) + e);
  }
}

ONNX2CPP_K_END
#endif
