// Folding with templates/softmax.hpp: softmax (and log-softmax).
#include "kernels/eval.hpp"

namespace o2c {

// (X, Y, outer, n, inner, log)
bool eval_softmax(const Call& c, const Frame& f) {
  return with_type<IsFlt>(c.targs.empty() ? arg_type(c, 0) : targ_type(c, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::softmax<T>(f.in_ptr<T>(a[0]), f.out_ptr<T>(a[1]), f.value<int64_t>(a[2]), f.value<int64_t>(a[3]),
                  f.value<int64_t>(a[4]), f.value<bool>(a[5]));
  });
}

}  // namespace o2c
