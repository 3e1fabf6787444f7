// Folding with templates/gemm.hpp: gemm, panel_matmul(_packed), matmul(_packed).
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

namespace {

// (A, B, Y, M, N, K, Z, ldz, work[, Act]); B in place or packed.
template <bool Packed>
bool eval_panel(const Call& c, const Frame& f) {
  return with_type<IsFlt>(elem_type(c), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::panel_matmul_any<T, Packed>(k::Par{}, f.in_ptr<T>(a[0]), f.in_ptr<T>(a[1]), f.out_ptr<T>(a[2]),
                                   f.value<int64_t>(a[3]), f.value<int64_t>(a[4]), f.value<int64_t>(a[5]),
                                   f.in_ptr<T>(a[6]), f.value<int64_t>(a[7]), f.out_ptr<T>(a[8]),
                                   a.size() > 9 ? a[9].as<k::Act>() : kNoAct);
  });
}

}  // namespace

bool eval_panel_matmul(const Call& c, const Frame& f) { return eval_panel<false>(c, f); }
bool eval_panel_matmul_packed(const Call& c, const Frame& f) { return eval_panel<true>(c, f); }

// (A, B, Y, MatMulPlan, work[, bias[, Act]])
bool eval_matmul(const Call& c, const Frame& f) {
  return with_type<IsGemm>(elem_type(c), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::matmul<T>(f.in_ptr<T>(a[0]), f.in_ptr<T>(a[1]), f.out_ptr<T>(a[2]), a[3].as<k::MatMulPlan>(), f.out_ptr<T>(a[4]),
                 a.size() > 5 ? f.in_ptr<T>(a[5]) : nullptr, a.size() > 6 ? a[6].as<k::Act>() : kNoAct);
  });
}

// matmul's arguments, B packed (floats only).
bool eval_matmul_packed(const Call& c, const Frame& f) {
  return with_type<IsFlt>(elem_type(c), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::matmul_packed<T>(f.in_ptr<T>(a[0]), f.in_ptr<T>(a[1]), f.out_ptr<T>(a[2]), a[3].as<k::MatMulPlan>(),
                        f.out_ptr<T>(a[4]), a.size() > 5 ? f.in_ptr<T>(a[5]) : nullptr,
                        a.size() > 6 ? a[6].as<k::Act>() : kNoAct);
  });
}

}  // namespace o2c
