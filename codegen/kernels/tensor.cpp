// Folding with templates/tensor.hpp: gather, table_copy, pad_add, resize_interp.
#include "kernels/eval.hpp"

namespace o2c {
namespace {

// A Scalar or Element argument as T. An Element of T itself is read as it is (Frame::value
// reads Native types only: a float16 Pad value would come out 0).
template <class T>
T fill_value(const Frame& f, const Arg& a) {
  if (a.kind == Arg::Kind::Element && a.dtype == dtype_of<T>()) return *static_cast<const T*>(f.ptr(a));
  return f.value<T>(a);
}

}  // namespace

// <T, I>(data, idx, y, outer, axis_dim, inner, nidx): the data's bytes move, so any held
// type; int32 or int64 indices.
bool eval_gather(const Call& c, const Frame& f) {
  bool ok = false;
  dispatch_held(elem_type(c), kHeldTypes, [&](auto tt) {
    using T = typename decltype(tt)::type;
    dispatch_native(elem_type(c, 1, 1), type_set({DType::Int32, DType::Int64}), [&](auto ti) {
      using I = typename decltype(ti)::type;
      const auto& a = c.args;
      k::gather<T, I>(f.in_ptr<T>(a[0]), f.in_ptr<I>(a[1]), f.out_ptr<T>(a[2]), f.value<int64_t>(a[3]),
                      f.value<int64_t>(a[4]), f.value<int64_t>(a[5]), f.value<int64_t>(a[6]));
      ok = true;
    });
  });
  return ok;
}

// <T>(x, y, tab, TableMap, fill): any held type; tab is int64.
bool eval_table_copy(const Call& c, const Frame& f) {
  if (arg_type(c, 2) != DType::Int64) return false;
  return dispatch_held(elem_type(c), kHeldTypes, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::table_copy<T>(f.in_ptr<T>(a[0]), f.out_ptr<T>(a[1]), f.in_ptr<int64_t>(a[2]), a[3].as<k::TableMap>(),
                     fill_value<T>(f, a[4]));
  });
}

// (A, G, Y, n, at, Strided): float types
bool eval_pad_add(const Call& c, const Frame& f) {
  return with_type<IsFlt>(elem_type(c), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::pad_add<T>(f.in_ptr<T>(a[0]), f.in_ptr<T>(a[1]), f.out_ptr<T>(a[2]), f.value<int64_t>(a[3]), f.value<int64_t>(a[4]),
                  a[5].as<k::Strided>());
  });
}

// <T, W>(x, y, tab, wt, InterpMap, fill): float types, double weights, tab int64.
bool eval_resize_interp(const Call& c, const Frame& f) {
  if (arg_type(c, 2) != DType::Int64 || elem_type(c, 1, 3) != DType::Double) return false;
  return with_type<IsFlt>(elem_type(c), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using W = double;
    const auto& a = c.args;
    k::resize_interp<T, W>(f.in_ptr<T>(a[0]), f.out_ptr<T>(a[1]), f.in_ptr<int64_t>(a[2]), f.in_ptr<W>(a[3]),
                           a[4].as<k::InterpMap>(), fill_value<T>(f, a[5]));
  });
}

}  // namespace o2c
