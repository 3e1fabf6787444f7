// Folding with templates/conv_then_depthwise.hpp: conv_then_depthwise (a conv streamed into
// the depthwise conv reading it). Only T = float is compiled in, with every layout.
#include "kernels/eval.hpp"

namespace o2c {

// <T, L>(X, W1, B1, pc, act1, W2, B2, Y, dw, act2, scratch); L: kChanInNHWC | kChanOutNHWC
// (0 to 3); B1 and B2 may be null.
bool eval_conv_then_depthwise(const Call& c, const Frame& f) {
  if (elem_type(c) != DType::Float) return false;
  return with_value<0, 1, 2, 3>(targ_num(c, 1, 0), [&](auto l) {
    using T = float;
    const auto& a = c.args;
    k::conv_then_depthwise<T, decltype(l)::value>(f.in_ptr<T>(a[0]), f.in_ptr<T>(a[1]), f.in_ptr<T>(a[2]),
                                                  a[3].as<k::ConvParams>(), a[4].as<k::Act>(), f.in_ptr<T>(a[5]),
                                                  f.in_ptr<T>(a[6]), f.out_ptr<T>(a[7]), a[8].as<k::ConvParams>(),
                                                  a[9].as<k::Act>(), f.out_ptr<T>(a[10]));
  });
}

}  // namespace o2c
