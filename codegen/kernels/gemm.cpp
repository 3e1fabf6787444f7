// Folding with templates/gemm.hpp: gemm, panel_matmul, matmul.
#include "kernels/eval.hpp"

namespace o2c {
namespace {

// The products' element types: floats, and integers of 4 bytes or more.
template <class T>
struct IsGemm : std::integral_constant<bool, is_flt<T> || (is_int<T> && sizeof(T) >= 4)> {};

}  // namespace

// (A, B, Y, M, N, K, transA, transB, alpha, accumulate, work)
bool eval_gemm(const Call& c, const Frame& f) {
  return with_type<IsGemm>(elem_type(c), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::gemm<T>(f.in_ptr<T>(a[0]), f.in_ptr<T>(a[1]), f.out_ptr<T>(a[2]), f.value<int64_t>(a[3]), f.value<int64_t>(a[4]),
               f.value<int64_t>(a[5]), f.value<bool>(a[6]), f.value<bool>(a[7]), f.value<T>(a[8]), f.value<bool>(a[9]),
               f.out_ptr<T>(a[10]));
  });
}

// (A, B, Y, M, N, K, Z, ldz, work[, Act])
bool eval_panel_matmul(const Call& c, const Frame& f) {
  return with_type<IsFlt>(elem_type(c), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::panel_matmul<T>(f.in_ptr<T>(a[0]), f.in_ptr<T>(a[1]), f.out_ptr<T>(a[2]), f.value<int64_t>(a[3]),
                       f.value<int64_t>(a[4]), f.value<int64_t>(a[5]), f.in_ptr<T>(a[6]), f.value<int64_t>(a[7]),
                       f.out_ptr<T>(a[8]), a.size() > 9 ? a[9].as<k::Act>() : kNoAct);
  });
}

// (A, B, Y, MatMulPlan, work[, bias[, Act]])
bool eval_matmul(const Call& c, const Frame& f) {
  return with_type<IsGemm>(elem_type(c), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::matmul<T>(f.in_ptr<T>(a[0]), f.in_ptr<T>(a[1]), f.out_ptr<T>(a[2]), a[3].as<k::MatMulPlan>(), f.out_ptr<T>(a[4]),
                 a.size() > 5 ? f.in_ptr<T>(a[5]) : nullptr, a.size() > 6 ? a[6].as<k::Act>() : kNoAct);
  });
}

}  // namespace o2c
