// Folding with templates/conv_then_depthwise.hpp: conv_then_depthwise (a conv streamed into
// the depthwise conv reading it). Only T = float is compiled in, with every layout.
#include "kernels/eval.hpp"

namespace o2c {
namespace {

// Calls f(std::integral_constant<int, V>{}) for the V of Vs equal to v; false when none is.
template <int... Vs, class F>
bool with_value(int64_t v, F&& f) {
  return ((v == Vs && (f(std::integral_constant<int, Vs>{}), true)) || ...);
}

}  // namespace

// <T, L>(X, W1, B1, pc, act1, W2, B2, Y, dw, act2, scratch); L: kChanInNHWC | kChanOutNHWC
// (0 to 3); B1 and B2 may be null.
bool eval_conv_then_depthwise(const Call& c, const Frame& f) {
  if ((c.targs.empty() ? arg_type(c, 0) : targ_type(c, 0)) != DType::Float) return false;
  return with_value<0, 1, 2, 3>(c.targs.size() > 1 ? c.targs[1].i : 0, [&](auto l) {
    using T = float;
    const auto& a = c.args;
    k::conv_then_depthwise<T, decltype(l)::value>(f.in_ptr<T>(a[0]), f.in_ptr<T>(a[1]), f.in_ptr<T>(a[2]),
                                                  a[3].as<k::ConvParams>(), a[4].as<k::Act>(), f.in_ptr<T>(a[5]),
                                                  f.in_ptr<T>(a[6]), f.out_ptr<T>(a[7]), a[8].as<k::ConvParams>(),
                                                  a[9].as<k::Act>(), f.out_ptr<T>(a[10]));
  });
}

}  // namespace o2c
