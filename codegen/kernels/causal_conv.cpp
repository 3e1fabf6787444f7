// Folding with templates/causal_conv.hpp: causal_conv_with_state.
#include "kernels/eval.hpp"

namespace o2c {

// <T>(X, W, bias, past, Y, present, B, C, L, K, silu)
bool eval_causal_conv_with_state(const Call& c, const Frame& f) {
  return with_type<IsFlt>(targ_type(c, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::causal_conv_with_state<T>(f.in_ptr<T>(a[0]), f.in_ptr<T>(a[1]), f.in_ptr<T>(a[2]), f.in_ptr<T>(a[3]),
                                 f.out_ptr<T>(a[4]), f.out_ptr<T>(a[5]), f.value<int64_t>(a[6]),
                                 f.value<int64_t>(a[7]), f.value<int64_t>(a[8]), f.value<int64_t>(a[9]),
                                 f.value<bool>(a[10]));
  });
}

}  // namespace o2c
