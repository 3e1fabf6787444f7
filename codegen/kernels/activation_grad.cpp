// Folding with templates/activation_grad.hpp: activation_grad (the backward pass).
#include "kernels/eval.hpp"

namespace o2c {

// <T>(V, dY, dX, n, kind, alpha)
bool eval_activation_grad(const Call& c, const Frame& f) {
  return with_type<IsFlt>(elem_type(c), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::activation_grad<T>(f.in_ptr<T>(a[0]), f.in_ptr<T>(a[1]), f.out_ptr<T>(a[2]), f.value<int64_t>(a[3]),
                          static_cast<int>(f.value<int64_t>(a[4])), f.value<float>(a[5]));
  });
}

}  // namespace o2c
