// Folding with templates/loss.hpp: nll_loss.
#include "kernels/eval.hpp"

namespace o2c {

// (X, target, weight, Y, N, C, D, reduction, has_ignore, ignore_index); weight may be null,
// the target int32 or int64.
bool eval_nll_loss(const Call& c, const Frame& f) {
  bool ok = false;
  with_type<IsFlt>(arg_type(c, 0), [&](auto tt) {
    using T = typename decltype(tt)::type;
    dispatch_native(arg_type(c, 1), type_set({DType::Int32, DType::Int64}), [&](auto ti) {
      using I = typename decltype(ti)::type;
      const auto& a = c.args;
      k::nll_loss<T, I>(f.in_ptr<T>(a[0]), f.in_ptr<I>(a[1]), f.in_ptr<T>(a[2]), f.out_ptr<T>(a[3]),
                        f.value<int64_t>(a[4]), f.value<int64_t>(a[5]), f.value<int64_t>(a[6]), f.value<int>(a[7]),
                        f.value<bool>(a[8]), f.value<int64_t>(a[9]));
      ok = true;
    });
  });
  return ok;
}

}  // namespace o2c
