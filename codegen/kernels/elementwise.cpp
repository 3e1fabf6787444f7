// Folding with templates/elementwise.hpp, special.hpp, activation.hpp and numeric.hpp.
#include "kernels/eval.hpp"

namespace o2c {
namespace {

// The functors unary() and binary() take, each with the element types to compile it for.
#define O2C_UNARY_FUNCTORS(X)                                                                                  \
  X(Abs, IsNum) X(Neg, IsNum) X(Relu, IsNum) X(Sigmoid, IsFlt) X(Tanh, IsFlt) X(Exp, IsFlt) X(Log, IsFlt)      \
  X(Sqrt, IsFlt) X(Reciprocal, IsFlt) X(Floor, IsFlt) X(Ceil, IsFlt) X(Round, IsFlt) X(Erf, IsNum)              \
  X(Gelu, IsFlt) X(Square, IsFlt) X(Sign, IsNum) X(Not, IsBool) X(Sin, IsFlt) X(Cos, IsFlt) X(Tan, IsFlt)      \
  X(Asin, IsFlt) X(Acos, IsFlt) X(Atan, IsFlt) X(Sinh, IsFlt) X(Cosh, IsFlt) X(Asinh, IsFlt) X(Acosh, IsFlt)   \
  X(Atanh, IsFlt) X(Softplus, IsFlt) X(Softsign, IsFlt) X(IsNaN, IsFlt) X(IsInf, IsFlt) X(LeakyRelu, IsFlt)    \
  X(Elu, IsFlt) X(Celu, IsFlt) X(Selu, IsFlt) X(ThresholdedRelu, IsFlt) X(HardSigmoid, IsFlt)                  \
  X(HardSwish, IsFlt) X(Mish, IsFlt) X(Shrink, IsFlt) X(BitNot, IsInt) X(Swish, IsFlt)
#define O2C_BINARY_FUNCTORS(X)                                                                                 \
  X(Add, IsNum) X(Sub, IsNum) X(Mul, IsNum) X(Div, IsNum) X(Max, IsNum) X(Min, IsNum) X(Mod, IsNum)           \
  X(FMod, IsNum) X(Equal, IsAll) X(Less, IsNum) X(LessOrEqual, IsNum) X(Greater, IsNum)                       \
  X(GreaterOrEqual, IsNum) X(And, IsBool) X(Or, IsBool) X(Xor, IsBool) X(BitAnd, IsInt) X(BitOr, IsInt)       \
  X(BitXor, IsInt) X(ShiftLeft, IsInt) X(ShiftRight, IsInt) X(PRelu, IsNum)

template <template <class> class Pred, class F>
bool unary_with(const Call& c, const Frame& f, const F& fn) {
  bool ok = false;
  with_type<Pred>(arg_type(c, 0), [&](auto tag) {
    using X = typename decltype(tag)::type;
    using Y = decltype(fn(X{}));
    if (dtype_of<Y>() != arg_type(c, 1)) return;
    k::unary(f.in_ptr<X>(c.args[0]), f.out_ptr<Y>(c.args[1]), f.value<int64_t>(c.args[2]), fn);
    ok = true;
  });
  return ok;
}

template <template <class> class Pred, class F>
bool binary_with(const Call& c, const Frame& f, const F& fn) {
  bool ok = false;
  with_type<Pred>(arg_type(c, 0), [&](auto tag) {
    using A = typename decltype(tag)::type;
    using Y = decltype(fn(A{}, A{}));
    if (arg_type(c, 1) != arg_type(c, 0) || dtype_of<Y>() != arg_type(c, 2)) return;
    k::binary(f.in_ptr<A>(c.args[0]), f.in_ptr<A>(c.args[1]), f.out_ptr<Y>(c.args[2]), c.args[3].as<k::Bcast2>(), fn);
    ok = true;
  });
  return ok;
}

// Pow and PowF take an exponent of another type.
template <class F>
bool pow_with(const Call& c, const Frame& f, const F& fn) {
  bool ok = false;
  with_type<IsNum>(arg_type(c, 0), [&](auto ta) {
    using A = typename decltype(ta)::type;
    if constexpr (std::is_same<F, k::PowF>::value && !std::is_same<A, float>::value) return;
    else
      with_type<IsNum>(arg_type(c, 1), [&](auto tb) {
        using B = typename decltype(tb)::type;
        k::binary(f.in_ptr<A>(c.args[0]), f.in_ptr<B>(c.args[1]), f.out_ptr<A>(c.args[2]), c.args[3].as<k::Bcast2>(), fn);
        ok = true;
      });
  });
  return ok;
}

}  // namespace

bool eval_unary(const Call& c, const Frame& f) {  // (x, y, n, functor)
  const Arg& fn = c.args[3];
#define O2C_TRY(F, Pred) \
  if (fn.is<k::F>()) return unary_with<Pred>(c, f, fn.as<k::F>());
  O2C_UNARY_FUNCTORS(O2C_TRY)
#undef O2C_TRY
  return false;
}

bool eval_binary(const Call& c, const Frame& f) {  // (a, b, y, Bcast2, functor)
  const Arg& fn = c.args[4];
#define O2C_TRY(F, Pred) \
  if (fn.is<k::F>()) return binary_with<Pred>(c, f, fn.as<k::F>());
  O2C_BINARY_FUNCTORS(O2C_TRY)
#undef O2C_TRY
  if (fn.is<k::Pow>()) return pow_with(c, f, fn.as<k::Pow>());
  if (fn.is<k::PowF>()) return pow_with(c, f, fn.as<k::PowF>());
  return false;
}

bool eval_where(const Call& c, const Frame& f) {  // (cond, x, y, out, Bcast3)
  return with_type<IsAll>(arg_type(c, 1), [&](auto tag) {
    using T = typename decltype(tag)::type;
    k::where(f.in_ptr<bool>(c.args[0]), f.in_ptr<T>(c.args[1]), f.in_ptr<T>(c.args[2]), f.out_ptr<T>(c.args[3]),
             c.args[4].as<k::Bcast3>());
  });
}

bool eval_clip(const Call& c, const Frame& f) {  // (x, y, n, lo, hi)
  return with_type<IsNum>(arg_type(c, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    k::clip(f.in_ptr<T>(c.args[0]), f.out_ptr<T>(c.args[1]), f.value<int64_t>(c.args[2]), f.value<T>(c.args[3]),
            f.value<T>(c.args[4]));
  });
}

bool eval_scale(const Call& c, const Frame& f) {  // (x, y, n, s)
  return with_type<IsNum>(arg_type(c, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    k::scale(f.in_ptr<T>(c.args[0]), f.out_ptr<T>(c.args[1]), f.value<int64_t>(c.args[2]), f.value<T>(c.args[3]));
  });
}

bool eval_cast(const Call& c, const Frame& f) {  // (x, y, n): every pair of held types
  bool ok = false;
  dispatch_held(arg_type(c, 0), kHeldTypes, [&](auto tx) {
    using X = typename decltype(tx)::type;
    dispatch_held(arg_type(c, 1), kHeldTypes, [&](auto ty) {
      using Y = typename decltype(ty)::type;
      k::cast(f.in_ptr<X>(c.args[0]), f.out_ptr<Y>(c.args[1]), f.value<int64_t>(c.args[2]));
      ok = true;
    });
  });
  return ok;
}

bool eval_cast_e8m0(const Call& c, const Frame& f) {  // (x, y, n, saturate, round_mode)
  return dispatch_held(arg_type(c, 0), kHeldTypes, [&](auto tx) {
    using X = typename decltype(tx)::type;
    k::cast_e8m0(f.in_ptr<X>(c.args[0]), f.out_ptr<k::float8e8m0>(c.args[1]), f.value<int64_t>(c.args[2]),
                 f.value<bool>(c.args[3]), f.value<int64_t>(c.args[4]));
  });
}

bool eval_cast_unsaturated(const Call& c, const Frame& f) {  // (x, y, n): to the float8 types
  bool ok = false;
  dispatch_held(arg_type(c, 0), kHeldTypes, [&](auto tx) {
    using X = typename decltype(tx)::type;
    dispatch_held(arg_type(c, 1), kHeldTypes, [&](auto ty) {
      using Y = typename decltype(ty)::type;
      if constexpr (sizeof(Y) == 1 && !std::is_integral<Y>::value) {
        k::cast_unsaturated(f.in_ptr<X>(c.args[0]), f.out_ptr<Y>(c.args[1]), f.value<int64_t>(c.args[2]));
        ok = true;
      }
    });
  });
  return ok;
}

bool eval_erf(const Call& c, const Frame& f) {  // (x, y, n)
  return with_type<IsNum>(arg_type(c, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    k::erf(f.in_ptr<T>(c.args[0]), f.out_ptr<T>(c.args[1]), f.value<int64_t>(c.args[2]));
  });
}

bool eval_gelu(const Call& c, const Frame& f) {  // (x, y, n, tanh)
  return with_type<IsFlt>(arg_type(c, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    k::gelu(f.in_ptr<T>(c.args[0]), f.out_ptr<T>(c.args[1]), f.value<int64_t>(c.args[2]), f.value<bool>(c.args[3]));
  });
}

bool eval_act_apply(const Call& c, const Frame& f) {  // (y, n, Act)
  return with_type<IsFlt>(arg_type(c, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    k::act_apply(f.out_ptr<T>(c.args[0]), f.value<int64_t>(c.args[1]), c.args[2].as<k::Act>());
  });
}

}  // namespace o2c
