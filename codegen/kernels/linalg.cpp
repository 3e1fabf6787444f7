// Folding with templates/linalg.hpp: eye, det.
#include "kernels/eval.hpp"

namespace o2c {

// (y, rows, cols, k): any held type.
bool eval_eye(const Call& c, const Frame& f) {
  return dispatch_held(arg_type(c, 0), kHeldTypes, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::eye<T>(f.out_ptr<T>(a[0]), f.value<int64_t>(a[1]), f.value<int64_t>(a[2]), f.value<int64_t>(a[3]));
  });
}

// (X, Y, batch, n, scratch): float types, double scratch.
bool eval_det(const Call& c, const Frame& f) {
  return with_type<IsFlt>(arg_type(c, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::det<T>(f.in_ptr<T>(a[0]), f.out_ptr<T>(a[1]), f.value<int64_t>(a[2]), f.value<int64_t>(a[3]),
              f.out_ptr<double>(a[4]));
  });
}

}  // namespace o2c
