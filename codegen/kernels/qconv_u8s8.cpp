// Folding with templates/qconv_u8s8.hpp: qlinear_conv_u8s8, for float scales and int8/uint8
// inputs and outputs (other scale types run in generated code).
#include "kernels/eval.hpp"

namespace o2c {

// <X, S, Q>(x, xs, xzp, wp, bq, ws, sws, ys, yzp, y, ConvParams, scratch)
bool eval_qlinear_conv_u8s8(const Call& c, const Frame& f) {
  if (targ_type(c, 1) != DType::Float) return false;
  const TypeSet int8 = type_set({DType::Int8, DType::UInt8});
  bool ok = false;
  dispatch_native(targ_type(c, 0), int8, [&](auto tx) {
    dispatch_native(targ_type(c, 2), int8, [&](auto tq) {
      using X = typename decltype(tx)::type;
      using Q = typename decltype(tq)::type;
      const auto& a = c.args;
      ok = true;
      k::qlinear_conv_u8s8<X, float, Q>(f.in_ptr<X>(a[0]), f.in_ptr<float>(a[1]), f.in_ptr<X>(a[2]),
                                        f.in_ptr<std::int8_t>(a[3]), f.in_ptr<std::int32_t>(a[4]),
                                        f.in_ptr<float>(a[5]), f.value<int64_t>(a[6]), f.in_ptr<float>(a[7]),
                                        f.in_ptr<Q>(a[8]), f.out_ptr<Q>(a[9]), a[10].as<k::ConvParams>(),
                                        static_cast<std::uint8_t*>(f.scratch));
    });
  });
  return ok;
}

}  // namespace o2c
