// Folding with templates/subbyte.hpp: cast_from_packed, cast_to_packed, cast_packed, for every
// packed type and every held type on the other side.
#include "kernels/eval.hpp"

namespace o2c {

namespace {
// Calls f(std::integral_constant<int, P>{}) for the packed type id v.
template <class F>
bool with_packed(int64_t v, F&& f) {
  return with_value<k::kUInt4, k::kInt4, k::kFloat4E2M1, k::kUInt2, k::kInt2>(v, f);
}
}  // namespace

bool eval_cast_from_packed(const Call& c, const Frame& f) {  // <P, Y>(x, y, n)
  bool ok = false;
  with_packed(targ_num(c, 0, 0), [&](auto p) {
    dispatch_held(targ_type(c, 1), kHeldTypes, [&](auto ty) {
      using Y = typename decltype(ty)::type;
      k::cast_from_packed<decltype(p)::value, Y>(f.in_ptr<std::uint8_t>(c.args[0]), f.out_ptr<Y>(c.args[1]),
                                                 f.value<int64_t>(c.args[2]));
      ok = true;
    });
  });
  return ok;
}

bool eval_cast_to_packed(const Call& c, const Frame& f) {  // <X, P>(x, y, n)
  bool ok = false;
  with_packed(targ_num(c, 1, 0), [&](auto p) {
    dispatch_held(targ_type(c, 0), kHeldTypes, [&](auto tx) {
      using X = typename decltype(tx)::type;
      k::cast_to_packed<X, decltype(p)::value>(f.in_ptr<X>(c.args[0]), f.out_ptr<std::uint8_t>(c.args[1]),
                                               f.value<int64_t>(c.args[2]));
      ok = true;
    });
  });
  return ok;
}

bool eval_cast_packed(const Call& c, const Frame& f) {  // <P, Q>(x, y, n)
  bool ok = false;
  with_packed(targ_num(c, 0, 0), [&](auto p) {
    with_packed(targ_num(c, 1, 0), [&](auto q) {
      k::cast_packed<decltype(p)::value, decltype(q)::value>(f.in_ptr<std::uint8_t>(c.args[0]),
                                                             f.out_ptr<std::uint8_t>(c.args[1]), f.value<int64_t>(c.args[2]));
      ok = true;
    });
  });
  return ok;
}

}  // namespace o2c
