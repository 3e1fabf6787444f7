// Folding with templates/conv_winograd.hpp: conv_winograd (F(2x2, 3x3), NCHW).
#include "kernels/eval.hpp"

namespace o2c {

// (X, U, B, Y, ConvParams, scratch[, Z[, Act]]); U: winograd_weights(); B and Z may be null.
bool eval_conv_winograd(const Call& c, const Frame& f) {
  const DType t = c.targs.empty() ? arg_type(c, 0) : targ_type(c, 0);
  return with_type<IsFlt>(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::conv_winograd<T>(f.in_ptr<T>(a[0]), f.in_ptr<T>(a[1]), f.in_ptr<T>(a[2]), f.out_ptr<T>(a[3]),
                        a[4].as<k::ConvParams>(), f.out_ptr<T>(a[5]), a.size() > 6 ? f.in_ptr<T>(a[6]) : nullptr,
                        a.size() > 7 ? a[7].as<k::Act>() : k::Act{k::Act::None, 0.f, 0.f});
  });
}

}  // namespace o2c
