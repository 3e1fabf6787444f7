// Folding with templates/conv_winograd_last.hpp: conv_winograd_last (F(2x2, 3x3) and
// F(4x4, 3x3), channels in the SIMD lanes). Only T = float is compiled in, with every layout
// and both tiles.
#include "kernels/eval.hpp"

namespace o2c {

// <T, L, R>(X, U, B, Y, ConvParams, scratch[, Z[, Act]]); L: kChanInNHWC | kChanOutNHWC |
// kChanResNHWC (0 to 7), R: 2 or 4; B and Z may be null.
bool eval_conv_winograd_last(const Call& c, const Frame& f) {
  if (elem_type(c) != DType::Float) return false;
  bool ok = false;
  with_value<2, 4>(targ_num(c, 2, 2), [&](auto r) {
    ok = with_value<0, 1, 2, 3, 4, 5, 6, 7>(targ_num(c, 1, 0), [&](auto l) {
      using T = float;
      const auto& a = c.args;
      k::conv_winograd_last<T, decltype(l)::value, decltype(r)::value>(
          f.in_ptr<T>(a[0]), f.in_ptr<T>(a[1]), f.in_ptr<T>(a[2]), f.out_ptr<T>(a[3]), a[4].as<k::ConvParams>(),
          f.out_ptr<T>(a[5]), a.size() > 6 ? f.in_ptr<T>(a[6]) : nullptr,
          a.size() > 7 ? a[7].as<k::Act>() : k::Act{k::Act::None, 0.f, 0.f});
    });
  });
  return ok;
}

}  // namespace o2c
