// Folding with templates/reduce.hpp: reduce, reduce_strided, arg_reduce.
#include "kernels/eval.hpp"

namespace o2c {
namespace {

// The reductions (reduce's template template argument R) and the element types each is
// compiled for: Max and Min take bool too.
#define O2C_REDUCTIONS(X)                                                                              \
  X(RedSum, IsNum) X(RedMean, IsNum) X(RedSumSquare, IsNum) X(RedL1, IsNum) X(RedL2, IsNum)            \
  X(RedLogSum, IsNum) X(RedLogSumExp, IsNum) X(RedProd, IsNum) X(RedMax, IsAll) X(RedMin, IsAll)

// reduce<T, R> (X, Y, outer, n, inner), or reduce_strided<T, R> (X, Y, keep, red).
template <bool Strided, template <class> class Pred, template <class> class R>
bool run_reduce(const Call& c, const Frame& f) {
  return with_type<Pred>(targ_type(c, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    if constexpr (Strided)
      k::reduce_strided<T, R>(f.in_ptr<T>(a[0]), f.out_ptr<T>(a[1]), a[2].as<k::Strided>(), a[3].as<k::Strided>());
    else
      k::reduce<T, R>(f.in_ptr<T>(a[0]), f.out_ptr<T>(a[1]), f.value<int64_t>(a[2]), f.value<int64_t>(a[3]),
                      f.value<int64_t>(a[4]));
  });
}

// The reduction is template argument 1, a Symbol spelled as the C++ names it ("k::RedSum"):
// it has no number of its own, so its text selects it.
template <bool Strided>
bool eval_reduction(const Call& c, const Frame& f) {
  if (c.targs.size() != 2 || c.targs[1].kind != Arg::Kind::Symbol) return false;
  std::string r = c.targs[1].text;
  for (const char* ns : {"k::", "onnx2cpp_k::"})
    if (r.compare(0, std::char_traits<char>::length(ns), ns) == 0) r.erase(0, std::char_traits<char>::length(ns));
#define O2C_TRY(R, Pred) \
  if (r == #R) return run_reduce<Strided, Pred, k::R>(c, f);
  O2C_REDUCTIONS(O2C_TRY)
#undef O2C_TRY
  return false;
}

}  // namespace

// <T, R>(X, Y, outer, n, inner)
bool eval_reduce(const Call& c, const Frame& f) { return eval_reduction<false>(c, f); }

// <T, R>(X, Y, Strided keep, Strided red)
bool eval_reduce_strided(const Call& c, const Frame& f) { return eval_reduction<true>(c, f); }

// (X, Y, outer, n, inner, max, select_last); Y is int64.
bool eval_arg_reduce(const Call& c, const Frame& f) {
  if (arg_type(c, 1) != DType::Int64) return false;
  return with_type<IsNum>(c.targs.empty() ? arg_type(c, 0) : targ_type(c, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::arg_reduce<T>(f.in_ptr<T>(a[0]), f.out_ptr<std::int64_t>(a[1]), f.value<int64_t>(a[2]), f.value<int64_t>(a[3]),
                     f.value<int64_t>(a[4]), f.value<bool>(a[5]), f.value<bool>(a[6]));
  });
}

}  // namespace o2c
