// Folding with templates/indexing.hpp: gather_elements, scatter_elements, gather_nd,
// scatter_nd, tensor_scatter, reverse_sequence. The gathers and the copies move any held
// type's bits; the scatters compute (storage types arrive widened to float).
#include "kernels/eval.hpp"

namespace o2c {
namespace {

const TypeSet kIndexTypes = type_set({DType::Int32, DType::Int64});

// Calls f(Tag<T>, Tag<I>) with T the type of Buffer argument 0 (any held type when `held`,
// else a Native one) and I that of Buffer argument ii (int32 or int64).
template <class F>
bool with_types(const Call& c, bool held, size_t ii, F&& f) {
  bool ok = false;
  auto inner = [&](auto tt) {
    dispatch_native(arg_type(c, ii), kIndexTypes, [&](auto ti) {
      f(tt, ti);
      ok = true;
    });
  };
  if (held) dispatch_held(arg_type(c, 0), kHeldTypes, inner);
  else dispatch_native(arg_type(c, 0), kAllTypes, inner);
  return ok;
}

}  // namespace

// (data, idx, y, Strided, axis_dim, astride)
bool eval_gather_elements(const Call& c, const Frame& f) {
  return with_types(c, true, 1, [&](auto tt, auto ti) {
    using T = typename decltype(tt)::type;
    using I = typename decltype(ti)::type;
    const auto& a = c.args;
    k::gather_elements<T, I>(f.in_ptr<T>(a[0]), f.in_ptr<I>(a[1]), f.out_ptr<T>(a[2]), a[3].as<k::Strided>(),
                             f.value<int64_t>(a[4]), f.value<int64_t>(a[5]));
  });
}

// Run-time dims only: never folded.
bool eval_gather_elements_dims(const Call&, const Frame&) { return false; }

// (data, idx, upd, y, n, Strided, axis_dim, astride, reduction)
bool eval_scatter_elements(const Call& c, const Frame& f) {
  return with_types(c, false, 1, [&](auto tt, auto ti) {
    using T = typename decltype(tt)::type;
    using I = typename decltype(ti)::type;
    const auto& a = c.args;
    k::scatter_elements<T, I>(f.in_ptr<T>(a[0]), f.in_ptr<I>(a[1]), f.in_ptr<T>(a[2]), f.out_ptr<T>(a[3]),
                              f.value<int64_t>(a[4]), a[5].as<k::Strided>(), f.value<int64_t>(a[6]),
                              f.value<int64_t>(a[7]), f.value<int>(a[8]));
  });
}

// (data, idx, y, NDPlan)
bool eval_gather_nd(const Call& c, const Frame& f) {
  return with_types(c, true, 1, [&](auto tt, auto ti) {
    using T = typename decltype(tt)::type;
    using I = typename decltype(ti)::type;
    const auto& a = c.args;
    k::gather_nd<T, I>(f.in_ptr<T>(a[0]), f.in_ptr<I>(a[1]), f.out_ptr<T>(a[2]), a[3].as<k::NDPlan>());
  });
}

// (data, idx, upd, y, total, NDPlan, reduction)
bool eval_scatter_nd(const Call& c, const Frame& f) {
  return with_types(c, false, 1, [&](auto tt, auto ti) {
    using T = typename decltype(tt)::type;
    using I = typename decltype(ti)::type;
    const auto& a = c.args;
    k::scatter_nd<T, I>(f.in_ptr<T>(a[0]), f.in_ptr<I>(a[1]), f.in_ptr<T>(a[2]), f.out_ptr<T>(a[3]),
                        f.value<int64_t>(a[4]), a[5].as<k::NDPlan>(), f.value<int>(a[6]));
  });
}

// (past, upd, widx or null, y, B, P, L, S, inner, circular)
bool eval_tensor_scatter(const Call& c, const Frame& f) {
  return with_types(c, true, 2, [&](auto tt, auto ti) {
    using T = typename decltype(tt)::type;
    using I = typename decltype(ti)::type;
    const auto& a = c.args;
    k::tensor_scatter<T, I>(f.in_ptr<T>(a[0]), f.in_ptr<T>(a[1]), f.in_ptr<I>(a[2]), f.out_ptr<T>(a[3]),
                            f.value<int64_t>(a[4]), f.value<int64_t>(a[5]), f.value<int64_t>(a[6]),
                            f.value<int64_t>(a[7]), f.value<int64_t>(a[8]), f.value<bool>(a[9]));
  });
}

// (x, lens, y, steps, batch, tstride, bstride, inner)
bool eval_reverse_sequence(const Call& c, const Frame& f) {
  return with_types(c, true, 1, [&](auto tt, auto ti) {
    using T = typename decltype(tt)::type;
    using I = typename decltype(ti)::type;
    const auto& a = c.args;
    k::reverse_sequence<T, I>(f.in_ptr<T>(a[0]), f.in_ptr<I>(a[1]), f.out_ptr<T>(a[2]), f.value<int64_t>(a[3]),
                              f.value<int64_t>(a[4]), f.value<int64_t>(a[5]), f.value<int64_t>(a[6]),
                              f.value<int64_t>(a[7]));
  });
}

}  // namespace o2c
