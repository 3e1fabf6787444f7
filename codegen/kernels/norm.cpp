// Folding with templates/norm.hpp: batch_norm, instance_norm, layer_norm, rms_norm, group_norm,
// lp_norm.
#include "kernels/eval.hpp"

namespace o2c {
namespace {

// Calls f(Tag<T>, Tag<S>) for the call's element type T and stash type S (template arguments
// 0 and 1; S float or double).
template <class F>
bool with_stash(const Call& c, F&& f) {
  bool ok = false;
  with_type<IsFlt>(targ_type(c, 0), [&](auto tt) {
    with_type<IsFlt>(targ_type(c, 1), [&](auto ts) {
      f(tt, ts);
      ok = true;
    });
  });
  return ok;
}

}  // namespace

// (X, scale, bias, mean, var, Y, N, C, S, eps[, Act])
bool eval_batch_norm(const Call& c, const Frame& f) {
  return with_type<IsFlt>(elem_type(c), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::batch_norm<T>(f.in_ptr<T>(a[0]), f.in_ptr<T>(a[1]), f.in_ptr<T>(a[2]), f.in_ptr<T>(a[3]), f.in_ptr<T>(a[4]),
                     f.out_ptr<T>(a[5]), f.value<int64_t>(a[6]), f.value<int64_t>(a[7]), f.value<int64_t>(a[8]),
                     f.value<float>(a[9]), a.size() > 10 ? a[10].as<k::Act>() : kNoAct);
  });
}

// (X, scale, bias, Y, N, C, S, eps[, Act])
bool eval_instance_norm(const Call& c, const Frame& f) {
  return with_type<IsFlt>(elem_type(c), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::instance_norm<T>(f.in_ptr<T>(a[0]), f.in_ptr<T>(a[1]), f.in_ptr<T>(a[2]), f.out_ptr<T>(a[3]),
                        f.value<int64_t>(a[4]), f.value<int64_t>(a[5]), f.value<int64_t>(a[6]), f.value<float>(a[7]),
                        a.size() > 8 ? a[8].as<k::Act>() : kNoAct);
  });
}

// <T, S>(X, scale, bias, Y, rows, D, eps, mean, inv_std); bias, mean and inv_std may be null.
bool eval_layer_norm(const Call& c, const Frame& f) {
  return with_stash(c, [&](auto tt, auto ts) {
    using T = typename decltype(tt)::type;
    using S = typename decltype(ts)::type;
    const auto& a = c.args;
    k::layer_norm<T, S>(f.in_ptr<T>(a[0]), f.in_ptr<T>(a[1]), f.in_ptr<T>(a[2]), f.out_ptr<T>(a[3]),
                        f.value<int64_t>(a[4]), f.value<int64_t>(a[5]), f.value<float>(a[6]), f.out_ptr<S>(a[7]),
                        f.out_ptr<S>(a[8]));
  });
}

// <T, S>(X, scale, Y, rows, D, eps)
bool eval_rms_norm(const Call& c, const Frame& f) {
  return with_stash(c, [&](auto tt, auto ts) {
    using T = typename decltype(tt)::type;
    using S = typename decltype(ts)::type;
    const auto& a = c.args;
    k::rms_norm<T, S>(f.in_ptr<T>(a[0]), f.in_ptr<T>(a[1]), f.out_ptr<T>(a[2]), f.value<int64_t>(a[3]),
                      f.value<int64_t>(a[4]), f.value<float>(a[5]));
  });
}

// <T, S>(X, scale, bias, Y, N, C, S, G, eps, per_group)
bool eval_group_norm(const Call& c, const Frame& f) {
  return with_stash(c, [&](auto tt, auto ts) {
    using T = typename decltype(tt)::type;
    using S = typename decltype(ts)::type;
    const auto& a = c.args;
    k::group_norm<T, S>(f.in_ptr<T>(a[0]), f.in_ptr<T>(a[1]), f.in_ptr<T>(a[2]), f.out_ptr<T>(a[3]),
                        f.value<int64_t>(a[4]), f.value<int64_t>(a[5]), f.value<int64_t>(a[6]), f.value<int64_t>(a[7]),
                        f.value<float>(a[8]), f.value<bool>(a[9]));
  });
}

// (X, Y, outer, n, inner, p)
bool eval_lp_norm(const Call& c, const Frame& f) {
  return with_type<IsFlt>(elem_type(c), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::lp_norm<T>(f.in_ptr<T>(a[0]), f.out_ptr<T>(a[1]), f.value<int64_t>(a[2]), f.value<int64_t>(a[3]),
                  f.value<int64_t>(a[4]), f.value<int64_t>(a[5]));
  });
}

}  // namespace o2c
