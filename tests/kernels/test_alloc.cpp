// Generated code must never touch the heap: count every malloc-family call (operator new
// goes through malloc in libstdc++) around kernel calls and require none.
#include "kt.hpp"

#include <atomic>
#include <cerrno>
#include <cstddef>

// Sanitizer runtimes own malloc: leave it to them and make these tests vacuous there.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || !defined(__GLIBC__)
#define KT_NO_MALLOC_HOOK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) || __has_feature(thread_sanitizer)
#define KT_NO_MALLOC_HOOK 1
#endif
#endif

namespace {
std::atomic<long> g_heap_calls{0};
[[maybe_unused]] inline void count() { g_heap_calls.fetch_add(1, std::memory_order_relaxed); }
}  // namespace

#ifndef KT_NO_MALLOC_HOOK
extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
}

// glibc lets a program replace malloc and friends; these forward to its allocator, so free()
// and malloc_usable_size() keep working on the results.
extern "C" void* malloc(size_t n) noexcept {
  count();
  return __libc_malloc(n);
}
extern "C" void* calloc(size_t a, size_t b) noexcept {
  count();
  return __libc_calloc(a, b);
}
extern "C" void* realloc(void* p, size_t n) noexcept {
  count();
  return __libc_realloc(p, n);
}
extern "C" void* memalign(size_t al, size_t n) noexcept {
  count();
  return __libc_memalign(al, n);
}
extern "C" void* aligned_alloc(size_t al, size_t n) noexcept {
  count();
  return __libc_memalign(al, n);
}
extern "C" int posix_memalign(void** p, size_t al, size_t n) noexcept {
  count();
  if (al < sizeof(void*) || (al & (al - 1)) != 0) return EINVAL;
  void* r = __libc_memalign(al, n);
  if (!r) return ENOMEM;
  *p = r;
  return 0;
}
#endif  // KT_NO_MALLOC_HOOK

using namespace kt;

namespace {

// Heap calls made by f().
template <class F>
long heap_calls(F f) {
  const long before = g_heap_calls.load();
  f();
  return g_heap_calls.load() - before;
}

template <class T>
void escape(T* p) {
  asm volatile("" : : "g"(p) : "memory");
}

struct GemmBufs {
  std::vector<float> A, B;
  Guarded<float> Y, work;
  GemmBufs(std::mt19937& g, i64 M, i64 N, i64 K)
      : A(rand_vec<float>(g, M * K)), B(rand_vec<float>(g, K * N)), Y(M * N), work(k::gemm_scratch(M, N, K)) {}
};

}  // namespace

TEST_CASE("allocation hook sees heap allocations", "[alloc]") {
#ifdef KT_NO_MALLOC_HOOK
  WARN("malloc hook disabled (sanitizer or non-glibc build): allocation tests check nothing");
  return;
#endif
  const long n = heap_calls([] {
    auto* v = new std::vector<int>(100);
    escape(v);
    delete v;
    void* (*volatile m)(size_t) = std::malloc;
    void* p = m(32);
    escape(p);
    std::free(p);
  });
  REQUIRE(n >= 3);
}

TEST_CASE("gemm and matmul do not allocate", "[alloc][gemm]") {
  std::mt19937 g(101);
  const std::vector<std::array<i64, 3>> shapes{{1, 1, 1},    {1, 33, 17},   {33, 1, 17},   {1, 5000, 64},
                                               {5000, 1, 64}, {17, 15, 31}, {300, 200, 270}, {2100, 20, 9},
                                               {64, 3000, 600}};
  for (const auto& s : shapes)
    for (int t = 0; t < 4; ++t)
      for (bool acc : {false, true}) {
        GemmBufs b(g, s[0], s[1], s[2]);
        const long n = heap_calls([&] {
          k::gemm<float>(b.A.data(), b.B.data(), b.Y.data(), s[0], s[1], s[2], t & 1, t & 2, acc ? 0.5f : 1.0f,
                         acc, b.work.data());
        });
        INFO("gemm M=" << s[0] << " N=" << s[1] << " K=" << s[2] << " transA=" << (t & 1) << " transB="
                       << (t >> 1) << " accumulate=" << acc);
        CHECK(n == 0);
      }
  // double precision, packed path
  {
    auto A = rand_vec<double>(g, 200 * 300), B = rand_vec<double>(g, 300 * 250);
    Guarded<double> Y(200 * 250), work(k::gemm_scratch(200, 250, 300));
    CHECK(heap_calls([&] {
            k::gemm<double>(A.data(), B.data(), Y.data(), 200, 250, 300, false, true, 1.0, false, work.data());
          }) == 0);
  }
  // batched matmul with broadcasting
  {
    k::MatMulPlan p{};
    p.M = 33;
    p.N = 65;
    p.K = 129;
    p.rank = 2;
    p.dims[0] = 2, p.dims[1] = 3;
    p.sa[0] = 3, p.sa[1] = 1;
    p.sb[0] = 0, p.sb[1] = 1;
    auto A = rand_vec<float>(g, 6 * 33 * 129), B = rand_vec<float>(g, 3 * 129 * 65);
    Guarded<float> Y(6 * 33 * 65), work(k::gemm_scratch(33, 65, 129));
    CHECK(heap_calls([&] { k::matmul(A.data(), B.data(), Y.data(), p, work.data()); }) == 0);
  }
}

TEST_CASE("conv does not allocate", "[alloc][conv]") {
  std::mt19937 g(102);
  auto run = [&](i64 C, i64 M, i64 group, i64 H, i64 W, i64 kk, i64 pad, i64 stride) {
    k::ConvParams p{};
    p.N = 1;
    p.C = C;
    p.M = M;
    p.group = group;
    for (int d = 0; d < 3; ++d) p.in[d] = p.out[d] = p.k[d] = p.stride[d] = p.dil[d] = 1, p.pad[d] = 0;
    p.in[0] = H;
    p.in[1] = W;
    p.k[0] = p.k[1] = kk;
    p.pad[0] = p.pad[1] = pad;
    p.stride[0] = p.stride[1] = stride;
    p.out[0] = (H + 2 * pad - kk) / stride + 1;
    p.out[1] = (W + 2 * pad - kk) / stride + 1;
    auto X = rand_vec<float>(g, C * H * W), Wt = rand_vec<float>(g, M * k::conv_kg(p)), B = rand_vec<float>(g, M);
    Guarded<float> Y(M * k::conv_out_size(p)), scratch(k::conv_scratch(p));
    const long n = heap_calls([&] { k::conv(X.data(), Wt.data(), B.data(), Y.data(), p, scratch.data()); });
    INFO("conv C=" << C << " M=" << M << " group=" << group << " " << H << "x" << W << " k=" << kk);
    CHECK(n == 0);
  };
  run(32, 4, 1, 64, 64, 9, 4, 1);     // several im2col tiles
  run(32, 1, 1, 64, 64, 9, 4, 1);     // M == 1: GEMV per tile
  run(16, 16, 16, 128, 128, 9, 4, 1);  // depthwise, tiled
  run(64, 96, 1, 56, 56, 1, 0, 1);    // pointwise
  run(64, 1, 1, 56, 56, 1, 0, 1);     // pointwise, M == 1
  run(8, 16, 2, 33, 31, 3, 1, 2);     // strided, grouped
}

TEST_CASE("other kernels do not allocate", "[alloc]") {
  std::mt19937 g(103);
  const i64 n = 4096;
  auto x = rand_vec<float>(g, n, 0.1, 2), z = rand_vec<float>(g, n);
  std::vector<float> y(static_cast<size_t>(n));
  std::unique_ptr<bool[]> c(new bool[n]());
  const std::vector<int64_t> idx{3, -1, 0, 7};
  std::vector<i64> tab{0, -1, 64, 128, 0, 1, 2, -1};
  std::vector<double> wt{0.5, 0.5, 1.0, 0.25, 0.75, 0.5};
  const long calls = heap_calls([&] {
    k::unary(x.data(), y.data(), n, k::Sigmoid{});
    k::binary(x.data(), z.data(), y.data(), k::Bcast2{2, {64, 64}, {64, 1}, {0, 1}}, k::Add{});
    k::where(c.get(), x.data(), z.data(), y.data(), k::Bcast3{1, {n}, {1}, {1}, {1}});
    k::strided_copy(x.data(), y.data(), k::Strided{2, {64, 64}, {1, 64}});
    k::copy_rows(x.data(), y.data(), 16, 32, 64, 32);
    k::gather(x.data(), idx.data(), y.data(), 8, 64, 8, 4);
    k::table_copy(x.data(), y.data(), tab.data(), k::TableMap{2, {4, 4}, {0, 4}}, 0.0f);
    k::resize_interp(x.data(), y.data(), tab.data() + 4, wt.data(), k::InterpMap{1, {3}, {1}, {0}}, 0.0f);
    k::PoolParams pp{16, {16, 16, 1}, {8, 8, 1}, {3, 3, 1}, {2, 2, 1}, {1, 1, 0}, {1, 1, 0}, {1, 1, 1}, true};
    k::pool<float, 0>(x.data(), y.data(), pp, 0);
    k::pool<float, 1>(x.data(), y.data(), pp, 0);
    k::pool<float, 2>(x.data(), y.data(), pp, 2);
    k::global_avg_pool(x.data(), y.data(), 16, 256);
    k::global_max_pool(x.data(), y.data(), 16, 256);
    k::batch_norm(x.data(), z.data(), z.data() + 16, z.data() + 32, x.data() + 48, y.data(), 2, 16, 64, 1e-5f);
    k::instance_norm(x.data(), z.data(), z.data() + 16, y.data(), 2, 16, 64, 1e-5f);
    k::layer_norm(x.data(), z.data(), z.data() + 64, y.data(), 32, 64, 1e-5f);
    k::layer_norm<float>(x.data(), z.data(), nullptr, y.data(), 32, 64, 1e-5f);
    k::softmax(x.data(), y.data(), 4, 64, 16, false);
    k::softmax(x.data(), y.data(), 4, 64, 16, true);
  });
  CHECK(calls == 0);
}

// Eigen's GEMV copies a strided vector operand (or a strided destination) to a temporary,
// which comes from the heap once it exceeds EIGEN_STACK_ALLOCATION_LIMIT (4 MB).
TEST_CASE("gemm GEMV with vectors over 1M floats does not allocate", "[alloc][gemv]") {
  std::mt19937 g(104);
  const i64 big = (i64(1) << 20) + 1000;
  {  // M == 1 with A^T and B^T: the row of A^T is strided.
    GemmBufs b(g, 1, 2, big);
    const long n = heap_calls([&] {
      k::gemm<float>(b.A.data(), b.B.data(), b.Y.data(), 1, 2, big, true, true, 1.0f, false, b.work.data());
    });
    CHECK(n == 0);
  }
  {  // N == 1 with A^T: the destination column is strided.
    GemmBufs b(g, big, 1, 2);
    const long n = heap_calls([&] {
      k::gemm<float>(b.A.data(), b.B.data(), b.Y.data(), big, 1, 2, true, false, 1.0f, false, b.work.data());
    });
    CHECK(n == 0);
  }
  {  // N == 1 without transposes: the column of B is strided.
    GemmBufs b(g, 2, 1, big);
    const long n = heap_calls([&] {
      k::gemm<float>(b.A.data(), b.B.data(), b.Y.data(), 2, 1, big, false, false, 1.0f, false, b.work.data());
    });
    CHECK(n == 0);
  }
}
