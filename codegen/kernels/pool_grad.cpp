// Folding with templates/pool_grad.hpp: max_pool_grad, average_pool_grad (the backward pass).
#include "kernels/eval.hpp"

namespace o2c {

// <T>(X, dY, dX, PoolParams)
bool eval_max_pool_grad(const Call& c, const Frame& f) {
  return with_type<IsFlt>(targ_type(c, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    k::max_pool_grad<T>(f.in_ptr<T>(c.args[0]), f.in_ptr<T>(c.args[1]), f.out_ptr<T>(c.args[2]), c.args[3].as<k::PoolParams>());
  });
}

// <T>(dY, dX, PoolParams)
bool eval_average_pool_grad(const Call& c, const Frame& f) {
  return with_type<IsFlt>(targ_type(c, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    k::average_pool_grad<T>(f.in_ptr<T>(c.args[0]), f.out_ptr<T>(c.args[1]), c.args[2].as<k::PoolParams>());
  });
}

}  // namespace o2c
