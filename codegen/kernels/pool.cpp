// Folding with templates/pool.hpp: max_pool_2d, pool, global_avg_pool, global_max_pool.
#include "kernels/eval.hpp"

namespace o2c {
namespace {

// Calls f(std::integral_constant<int, V>{}) for the V of Vs equal to v; false when none is.
template <int... Vs, class F>
bool with_value(int64_t v, F&& f) {
  return ((v == Vs && (f(std::integral_constant<int, Vs>{}), true)) || ...);
}

// The element type: the call's template argument, else the type of Buffer argument 0.
DType elem_type(const Call& c) { return c.targs.empty() ? arg_type(c, 0) : targ_type(c, 0); }

}  // namespace

// <T>(X, Y, PoolParams, row)
bool eval_max_pool_2d(const Call& c, const Frame& f) {
  return with_type<IsFlt>(elem_type(c), [&](auto tag) {
    using T = typename decltype(tag)::type;
    k::max_pool_2d<T>(f.in_ptr<T>(c.args[0]), f.out_ptr<T>(c.args[1]), c.args[2].as<k::PoolParams>(),
                      f.out_ptr<T>(c.args[3]));
  });
}

// <T, kind>(X, Y, PoolParams, norm_p); kind: kPoolMax, kPoolAverage, kPoolLp. T = float only.
bool eval_pool(const Call& c, const Frame& f) {
  if (elem_type(c) != DType::Float || c.targs.size() < 2) return false;
  return with_value<k::kPoolMax, k::kPoolAverage, k::kPoolLp>(c.targs[1].i, [&](auto kind) {
    using T = float;
    k::pool<T, decltype(kind)::value>(f.in_ptr<T>(c.args[0]), f.out_ptr<T>(c.args[1]), c.args[2].as<k::PoolParams>(),
                                      f.value<double>(c.args[3]));
  });
}

// (X, Y, NC, S)
bool eval_global_avg_pool(const Call& c, const Frame& f) {
  return with_type<IsFlt>(elem_type(c), [&](auto tag) {
    using T = typename decltype(tag)::type;
    k::global_avg_pool<T>(f.in_ptr<T>(c.args[0]), f.out_ptr<T>(c.args[1]), f.value<int64_t>(c.args[2]),
                          f.value<int64_t>(c.args[3]));
  });
}

// (X, Y, NC, S)
bool eval_global_max_pool(const Call& c, const Frame& f) {
  return with_type<IsFlt>(elem_type(c), [&](auto tag) {
    using T = typename decltype(tag)::type;
    k::global_max_pool<T>(f.in_ptr<T>(c.args[0]), f.out_ptr<T>(c.args[1]), f.value<int64_t>(c.args[2]),
                          f.value<int64_t>(c.args[3]));
  });
}

}  // namespace o2c
