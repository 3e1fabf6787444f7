// Folding with templates/conv_transpose.hpp: conv_transpose (GEMM + col2im), col2im_add (Col2Im).
#include "kernels/eval.hpp"

namespace o2c {

// (X, W, B, Y, ConvParams, scratch); B may be null.
bool eval_conv_transpose(const Call& c, const Frame& f) {
  const DType t = c.targs.empty() ? arg_type(c, 0) : targ_type(c, 0);
  return with_type<IsFlt>(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::conv_transpose<T>(f.in_ptr<T>(a[0]), f.in_ptr<T>(a[1]), f.in_ptr<T>(a[2]), f.out_ptr<T>(a[3]),
                         a[4].as<k::ConvParams>(), f.out_ptr<T>(a[5]));
  });
}

// (col, y, Mg, ConvParams): number types.
bool eval_col2im_add(const Call& c, const Frame& f) {
  return with_type<IsNum>(arg_type(c, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::col2im_add<T>(f.in_ptr<T>(a[0]), f.out_ptr<T>(a[1]), f.value<int64_t>(a[2]), a[3].as<k::ConvParams>());
  });
}

// The kernel that reads its output's shape from run-time values: never folded (a constant
// value takes the op's static lowering, so nothing it computes can fold).
bool eval_col2im_data(const Call&, const Frame&) { return false; }

}  // namespace o2c
