// Shared helpers of the kernel tests: the kernel headers (in their dependency order), seeded
// random data, guarded 64-byte aligned buffers and tolerance checks against double references.
#ifndef O2C_TESTS_KERNELS_KT_HPP
#define O2C_TESTS_KERNELS_KT_HPP

#include "runtime_min/onnx2cpp_runtime.h"  // the error codes some kernels return
#include "templates/common.hpp"
#include "templates/data_dims.hpp"
#include "templates/activation.hpp"
#include "templates/elementwise.hpp"
#include "templates/special.hpp"
#include "templates/panel_gemm.hpp"
#include "templates/gemm.hpp"
#include "templates/conv.hpp"
#include "templates/conv_channels.hpp"
#include "templates/conv_winograd.hpp"
#include "templates/conv_winograd_last.hpp"
#include "templates/conv_then_depthwise.hpp"
#include "templates/pool.hpp"
#include "templates/norm.hpp"
#include "templates/softmax.hpp"
#include "templates/loss.hpp"
#include "templates/tensor.hpp"
#include "templates/rnn.hpp"
#include "templates/indexing.hpp"
#include "templates/linalg.hpp"
#include "templates/attention.hpp"
#include "templates/sampling.hpp"
#include "templates/signal.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace kt {

namespace k = onnx2cpp_k;
using i64 = std::int64_t;

// Sizes at and around the usual SIMD widths (4, 8, 16 floats).
inline const std::vector<i64>& vec_sizes() {
  static const std::vector<i64> s{1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100};
  return s;
}

template <class T>
std::vector<T> rand_vec(std::mt19937& g, i64 n, double lo = -1.0, double hi = 1.0) {
  std::uniform_real_distribution<double> d(lo, hi);
  std::vector<T> v(static_cast<size_t>(n));
  for (auto& e : v) e = static_cast<T>(d(g));
  return v;
}

template <class T>
std::vector<T> rand_int(std::mt19937& g, i64 n, i64 lo, i64 hi) {
  std::uniform_int_distribution<i64> d(lo, hi);
  std::vector<T> v(static_cast<size_t>(n));
  for (auto& e : v) e = static_cast<T>(d(g));
  return v;
}

inline i64 rand_in(std::mt19937& g, i64 lo, i64 hi) {
  return std::uniform_int_distribution<i64>(lo, hi)(g);
}

template <class T>
std::vector<double> to_double(const std::vector<T>& v) {
  return std::vector<double>(v.begin(), v.end());
}

// A 64-byte aligned buffer of n elements with guard zones of known bytes on both sides, to
// catch kernels writing outside their output or scratch.
template <class T>
class Guarded {
 public:
  static constexpr size_t kGuardBytes = 256;
  explicit Guarded(i64 n) : n_(static_cast<size_t>(n < 0 ? 0 : n)) {
    const size_t bytes = 2 * kGuardBytes + n_ * sizeof(T);
    void* p = nullptr;
    if (posix_memalign(&p, 64, bytes) != 0) throw std::bad_alloc();
    raw_ = static_cast<unsigned char*>(p);
    std::memset(raw_, kPattern, bytes);
  }
  ~Guarded() { std::free(raw_); }
  Guarded(const Guarded&) = delete;
  Guarded& operator=(const Guarded&) = delete;

  T* data() { return reinterpret_cast<T*>(raw_ + kGuardBytes); }
  const T* data() const { return reinterpret_cast<const T*>(raw_ + kGuardBytes); }
  size_t size() const { return n_; }
  T& operator[](size_t i) { return data()[i]; }
  void fill(T v) { std::fill(data(), data() + n_, v); }
  void assign(const std::vector<T>& v) { std::copy(v.begin(), v.end(), data()); }
  std::vector<T> vec() const { return std::vector<T>(data(), data() + n_); }
  // True when nothing was written before or after the n elements.
  bool intact() const {
    const unsigned char* tail = raw_ + kGuardBytes + n_ * sizeof(T);
    for (size_t i = 0; i < kGuardBytes; ++i)
      if (raw_[i] != kPattern || tail[i] != kPattern) return false;
    return true;
  }

 private:
  static constexpr unsigned char kPattern = 0xA5;
  unsigned char* raw_ = nullptr;
  size_t n_;
};

inline bool same_or_both_nan(double g, double r) {
  return g == r || (std::isnan(g) && std::isnan(r));
}

// Checks |got - ref| <= atol + rtol * scale[i] (scale defaults to |ref|); NaN matches NaN.
template <class T>
void check_near(const T* got, const std::vector<double>& ref, double rtol, double atol,
                const std::string& what, const std::vector<double>* scale = nullptr) {
  i64 bad = 0;
  double worst = 0;
  std::ostringstream os;
  os.precision(9);
  for (size_t i = 0; i < ref.size(); ++i) {
    const double g = static_cast<double>(got[i]), r = ref[i];
    const double s = scale ? (*scale)[i] : std::fabs(r);
    const double tol = atol + rtol * s;
    if (same_or_both_nan(g, r)) continue;
    const double err = std::fabs(g - r);
    if (!(err <= tol)) {
      if (bad < 6) os << "  [" << i << "] got " << g << " expected " << r << " (tol " << tol << ")\n";
      ++bad;
      if (!(err <= worst)) worst = err;
    }
  }
  INFO(what << ": " << bad << " of " << ref.size() << " elements off, worst abs error " << worst
            << "\n" << os.str());
  CHECK(bad == 0);
}

template <class T>
void check_near(const std::vector<T>& got, const std::vector<double>& ref, double rtol, double atol,
                const std::string& what, const std::vector<double>* scale = nullptr) {
  REQUIRE(got.size() == ref.size());
  check_near(got.data(), ref, rtol, atol, what, scale);
}

// Exact comparison (integers, bools, data movement).
template <class T, class U>
void check_equal(const T* got, const U* ref, size_t n, const std::string& what) {
  i64 bad = 0;
  std::ostringstream os;
  for (size_t i = 0; i < n; ++i) {
    const bool eq = std::is_floating_point<T>::value
                        ? same_or_both_nan(static_cast<double>(got[i]), static_cast<double>(ref[i]))
                        : got[i] == static_cast<T>(ref[i]);
    if (!eq) {
      if (bad < 6) os << "  [" << i << "] got " << +got[i] << " expected " << +ref[i] << "\n";
      ++bad;
    }
  }
  INFO(what << ": " << bad << " of " << n << " elements differ\n" << os.str());
  CHECK(bad == 0);
}

template <class T, class U>
void check_equal(const std::vector<T>& got, const std::vector<U>& ref, const std::string& what) {
  REQUIRE(got.size() == ref.size());
  check_equal(got.data(), ref.data(), got.size(), what);
}

// Row-major strides of a shape.
inline std::vector<i64> strides_of(const std::vector<i64>& d) {
  std::vector<i64> s(d.size());
  i64 acc = 1;
  for (size_t i = d.size(); i-- > 0;) {
    s[i] = acc;
    acc *= d[i];
  }
  return s;
}

inline i64 numel(const std::vector<i64>& d) {
  i64 n = 1;
  for (i64 v : d) n *= v;
  return n;
}

// Calls f(multi-index) for every index of dims in row-major order.
template <class F>
void for_each_index(const std::vector<i64>& dims, F f) {
  const i64 total = numel(dims);
  std::vector<i64> idx(dims.size(), 0);
  for (i64 o = 0; o < total; ++o) {
    f(idx);
    for (size_t k = dims.size(); k-- > 0;) {
      if (++idx[k] < dims[k]) break;
      idx[k] = 0;
    }
  }
}

inline std::string shape_str(const std::vector<i64>& d) {
  std::string s = "[";
  for (size_t i = 0; i < d.size(); ++i) s += (i ? "," : "") + std::to_string(d[i]);
  return s + "]";
}

}  // namespace kt

#endif
