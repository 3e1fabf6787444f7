// Folding with templates/conv_channels.hpp: conv_channels (output channels in the SIMD
// lanes) and conv_depthwise_last (depthwise, channels last). Only T = float is compiled in,
// with every layout the kernels take.
#include "kernels/eval.hpp"

namespace o2c {
namespace {

// Whether the element type (template argument 0, else Buffer argument 0's type) is float.
bool is_float(const Call& c) { return elem_type(c) == DType::Float; }

}  // namespace

// <T, L>(X, Wt, B, Y, ConvParams, scratch[, Z[, Act]]); L: kChanInNHWC | kChanOutNHWC |
// kChanResNHWC (0 to 7); B and Z may be null.
bool eval_conv_channels(const Call& c, const Frame& f) {
  if (!is_float(c)) return false;
  return with_value<0, 1, 2, 3, 4, 5, 6, 7>(targ_num(c, 1, 0), [&](auto l) {
    using T = float;
    const auto& a = c.args;
    k::conv_channels<T, decltype(l)::value>(f.in_ptr<T>(a[0]), f.in_ptr<T>(a[1]), f.in_ptr<T>(a[2]), f.out_ptr<T>(a[3]),
                                            a[4].as<k::ConvParams>(), f.out_ptr<T>(a[5]),
                                            a.size() > 6 ? f.in_ptr<T>(a[6]) : nullptr,
                                            a.size() > 7 ? a[7].as<k::Act>() : kNoAct);
  });
}

// <T, OutFirst>(X, Wt, B, Y, ConvParams, Act[, scratch]); B may be null.
bool eval_conv_depthwise_last(const Call& c, const Frame& f) {
  if (!is_float(c)) return false;
  return with_value<0, 1>(targ_num(c, 1, 0), [&](auto out_first) {
    using T = float;
    const auto& a = c.args;
    k::conv_depthwise_last<T, decltype(out_first)::value != 0>(
        f.in_ptr<T>(a[0]), f.in_ptr<T>(a[1]), f.in_ptr<T>(a[2]), f.out_ptr<T>(a[3]), a[4].as<k::ConvParams>(),
        a[5].as<k::Act>(), a.size() > 6 ? f.out_ptr<T>(a[6]) : nullptr);
  });
}

}  // namespace o2c
