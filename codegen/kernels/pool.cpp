// Folding with templates/pool.hpp: max_pool_2d, pool, global_avg_pool, global_max_pool,
// max_pool_indices, max_unpool.
#include "kernels/eval.hpp"

namespace o2c {

// <T>(X, Y, PoolParams, row)
bool eval_max_pool_2d(const Call& c, const Frame& f) {
  return with_type<IsFlt>(elem_type(c), [&](auto tag) {
    using T = typename decltype(tag)::type;
    k::max_pool_2d<T>(f.in_ptr<T>(c.args[0]), f.out_ptr<T>(c.args[1]), c.args[2].as<k::PoolParams>(),
                      f.out_ptr<T>(c.args[3]));
  });
}

// <T, kind>(X, Y, PoolParams, norm_p); kind: kPoolMax, kPoolAverage, kPoolLp. T = float, or
// double (the gradient checks fold pools in double).
template <class T>
bool eval_pool_of(const Call& c, const Frame& f) {
  return with_value<k::kPoolMax, k::kPoolAverage, k::kPoolLp>(c.targs[1].i, [&](auto kind) {
    k::pool<T, decltype(kind)::value>(f.in_ptr<T>(c.args[0]), f.out_ptr<T>(c.args[1]), c.args[2].as<k::PoolParams>(),
                                      f.value<double>(c.args[3]));
  });
}
bool eval_pool(const Call& c, const Frame& f) {
  if (c.targs.size() < 2) return false;
  if (elem_type(c) == DType::Float) return eval_pool_of<float>(c, f);
  if (elem_type(c) == DType::Double) return eval_pool_of<double>(c, f);
  return false;
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

// <T>(X, Y, I, PoolParams, col_major)
bool eval_max_pool_indices(const Call& c, const Frame& f) {
  if (arg_type(c, 2) != DType::Int64) return false;
  return with_type<IsFlt>(elem_type(c), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::max_pool_indices<T>(f.in_ptr<T>(a[0]), f.out_ptr<T>(a[1]), f.out_ptr<int64_t>(a[2]), a[3].as<k::PoolParams>(),
                           f.value<bool>(a[4]));
  });
}

// (x, idx, Y, nx, ny, Strided): float types, int64 indices.
bool eval_max_unpool(const Call& c, const Frame& f) {
  if (arg_type(c, 1) != DType::Int64) return false;
  return with_type<IsFlt>(arg_type(c, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::max_unpool<T, int64_t>(f.in_ptr<T>(a[0]), f.in_ptr<int64_t>(a[1]), f.out_ptr<T>(a[2]), f.value<int64_t>(a[3]),
                              f.value<int64_t>(a[4]), a[5].as<k::Strided>());
  });
}

// The kernel that reads its output's shape from run-time values: never folded (a constant
// output_shape takes MaxUnpool's static lowering, so nothing it computes can fold).
bool eval_max_unpool_data(const Call&, const Frame&) { return false; }

}  // namespace o2c
