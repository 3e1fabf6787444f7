// Folding with templates/common.hpp: strided_copy, copy_rows, copy_rows_at, copy, fill.
#include "kernels/eval.hpp"

namespace o2c {

// Data movement works on any held type: its bytes move, whatever they mean.
template <class F>
bool with_held(DType dt, F&& f) { return dispatch_held(dt, kHeldTypes, f); }

bool eval_strided_copy(const Call& c, const Frame& f) {  // (x, y, Strided)
  return with_held(arg_type(c, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    k::strided_copy(f.in_ptr<T>(c.args[0]), f.out_ptr<T>(c.args[1]), c.args[2].as<k::Strided>());
  });
}

bool eval_copy_rows(const Call& c, const Frame& f) {  // (src, dst, rows, len, sp, dp)
  return with_held(arg_type(c, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    k::copy_rows(f.in_ptr<T>(c.args[0]), f.out_ptr<T>(c.args[1]), f.value<int64_t>(c.args[2]), f.value<int64_t>(c.args[3]),
                 f.value<int64_t>(c.args[4]), f.value<int64_t>(c.args[5]));
  });
}

bool eval_copy_rows_at(const Call& c, const Frame& f) {  // (src, dst, at, rows, len, sp, dp)
  return with_held(arg_type(c, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    k::copy_rows_at(f.in_ptr<T>(c.args[0]), f.out_ptr<T>(c.args[1]), f.value<int64_t>(c.args[2]), f.value<int64_t>(c.args[3]),
                    f.value<int64_t>(c.args[4]), f.value<int64_t>(c.args[5]), f.value<int64_t>(c.args[6]));
  });
}

bool eval_copy(const Call& c, const Frame& f) {  // (x, y, n)
  return with_held(arg_type(c, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    k::copy(f.in_ptr<T>(c.args[0]), f.out_ptr<T>(c.args[1]), f.value<int64_t>(c.args[2]));
  });
}

bool eval_fill(const Call& c, const Frame& f) {  // (y, n, value)
  return with_type<IsAll>(arg_type(c, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    k::fill(f.out_ptr<T>(c.args[0]), f.value<int64_t>(c.args[1]), f.value<T>(c.args[2]));
  });
}

bool eval_bitcast(const Call& c, const Frame& f) {  // (x, y, n): any held types of one size
  bool ok = false;
  dispatch_held(arg_type(c, 0), kHeldTypes, [&](auto tt) {
    using T = typename decltype(tt)::type;
    dispatch_held(arg_type(c, 1), kHeldTypes, [&](auto tu) {
      using U = typename decltype(tu)::type;
      if constexpr (sizeof(T) == sizeof(U)) {
        k::bitcast<T, U>(f.in_ptr<T>(c.args[0]), f.out_ptr<U>(c.args[1]), f.value<int64_t>(c.args[2]));
        ok = true;
      }
    });
  });
  return ok;
}

}  // namespace o2c
