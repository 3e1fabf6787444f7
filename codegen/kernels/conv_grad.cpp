// Folding with templates/conv_grad.hpp: conv_grad_w (the backward pass's weight gradients).
#include "kernels/eval.hpp"

namespace o2c {

// <T>(X, dY, dW, ConvParams, scratch)
bool eval_conv_grad_w(const Call& c, const Frame& f) {
  return with_type<IsFlt>(targ_type(c, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::conv_grad_w<T>(f.in_ptr<T>(a[0]), f.in_ptr<T>(a[1]), f.out_ptr<T>(a[2]), a[3].as<k::ConvParams>(), f.out_ptr<T>(a[4]));
  });
}

}  // namespace o2c
