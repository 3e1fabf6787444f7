// Folding with templates/norm_grad.hpp: channel_norm_grad (the backward pass).
#include "kernels/eval.hpp"

namespace o2c {

// <T>(X, scale, dY, dX, dscale, dbias, N, C, S, eps, per_instance)
bool eval_channel_norm_grad(const Call& c, const Frame& f) {
  return with_type<IsFlt>(targ_type(c, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::channel_norm_grad<T>(f.in_ptr<T>(a[0]), f.in_ptr<T>(a[1]), f.in_ptr<T>(a[2]), f.out_ptr<T>(a[3]), f.out_ptr<T>(a[4]),
                            f.out_ptr<T>(a[5]), f.value<int64_t>(a[6]), f.value<int64_t>(a[7]), f.value<int64_t>(a[8]),
                            f.value<float>(a[9]), f.value<bool>(a[10]));
  });
}

}  // namespace o2c
