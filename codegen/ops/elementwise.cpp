// Elementwise ops: unary maps, broadcasting binary ops, variadic Sum/Mean/Max/Min, Where,
// Clip and Cast. Emission and folding call the same functors from templates/elementwise.hpp.
#include <limits>

#include "ops/helpers.hpp"

namespace o2c {
namespace {

const std::initializer_list<DType> kFloats = {DType::Float, DType::Double};
const std::initializer_list<DType> kNums = {DType::Float, DType::Double, DType::Int8, DType::Int16,
                                            DType::Int32, DType::Int64, DType::UInt8, DType::UInt16,
                                            DType::UInt32, DType::UInt64};
const std::initializer_list<DType> kInts = {DType::Int8, DType::Int16, DType::Int32, DType::Int64,
                                            DType::UInt8, DType::UInt16, DType::UInt32, DType::UInt64};
const std::initializer_list<DType> kUInts = {DType::UInt8, DType::UInt16, DType::UInt32, DType::UInt64};

// ---- unary ------------------------------------------------------------------------------

enum class Set { Float, Num, Bool, Int };

void check_set(OpCtx& c, Set s) {
  switch (s) {
    case Set::Float: c.expect_type(0, kFloats); break;
    case Set::Num: c.expect_type(0, kNums); break;
    case Set::Bool: c.expect_type(0, {DType::Bool}); break;
    case Set::Int: c.expect_type(0, kInts); break;
  }
}

// Compile-time type sets for folding: only valid (functor, type) pairs get instantiated.
struct FloatTypes { template <class F> void operator()(DType t, F&& f) const { dispatch_float(t, f); } };
struct NumTypes { template <class F> void operator()(DType t, F&& f) const { dispatch_num(t, f); } };
struct IntTypes { template <class F> void operator()(DType t, F&& f) const { dispatch_int(t, f); } };
struct BoolTypes { template <class F> void operator()(DType t, F&& f) const { dispatch_bool(t, f); } };
struct NumBoolTypes { template <class F> void operator()(DType t, F&& f) const { dispatch_all(t, f); } };
template <Set s> struct TypesOf;
template <> struct TypesOf<Set::Float> { using type = FloatTypes; };
template <> struct TypesOf<Set::Num> { using type = NumTypes; };
template <> struct TypesOf<Set::Int> { using type = IntTypes; };
template <> struct TypesOf<Set::Bool> { using type = BoolTypes; };

template <class D, class F>
void eval_unary(OpCtx& c, D dispatch, const F& f) {
  Tensor y = out_tensor(c, 0);
  const Tensor& x = *c.const_in(0);
  dispatch(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    using O = std::invoke_result_t<F, T>;
    k::unary(x.data<T>(), y.data<O>(), x.numel(), f);
  });
  c.set_const(0, std::move(y));
}

void emit_unary(EmitCtx& c, const std::string& functor) {
  c.line("k::unary(" + c.X(0) + ", " + c.Y(0) + ", " + lit(numel(c.out(0).shape)) + ", " +
         functor + ");");
}

#define UNARY(Name, Functor, SET)                                                       \
  void infer_##Name(OpCtx& c) {                                                          \
    c.arity(1, 1);                                                                       \
    check_set(c, SET);                                                                   \
    c.set_out(0, c.dtype(0), c.shape(0));                                                \
  }                                                                                      \
  void eval_##Name(OpCtx& c) { eval_unary(c, TypesOf<SET>::type{}, k::Functor{}); }          \
  void emit_##Name(EmitCtx& c) { emit_unary(c, "k::" #Functor "{}"); }                   \
  }                                                                                      \
  O2C_DEFINE_OP(Name, infer_##Name, emit_##Name, eval_##Name);                           \
  namespace {

UNARY(Abs, Abs, Set::Num)
UNARY(Neg, Neg, Set::Num)
UNARY(Relu, Relu, Set::Num)
UNARY(Sigmoid, Sigmoid, Set::Float)
UNARY(Tanh, Tanh, Set::Float)
UNARY(Exp, Exp, Set::Float)
UNARY(Log, Log, Set::Float)
UNARY(Sqrt, Sqrt, Set::Float)
UNARY(Reciprocal, Reciprocal, Set::Float)
UNARY(Floor, Floor, Set::Float)
UNARY(Ceil, Ceil, Set::Float)
UNARY(Round, Round, Set::Float)
UNARY(Erf, Erf, Set::Float)
UNARY(Sign, Sign, Set::Num)
UNARY(Not, Not, Set::Bool)
UNARY(Sin, Sin, Set::Float)
UNARY(Cos, Cos, Set::Float)
UNARY(Tan, Tan, Set::Float)
UNARY(Asin, Asin, Set::Float)
UNARY(Acos, Acos, Set::Float)
UNARY(Atan, Atan, Set::Float)
UNARY(Sinh, Sinh, Set::Float)
UNARY(Cosh, Cosh, Set::Float)
UNARY(Asinh, Asinh, Set::Float)
UNARY(Acosh, Acosh, Set::Float)
UNARY(Atanh, Atanh, Set::Float)
UNARY(Softplus, Softplus, Set::Float)
UNARY(Softsign, Softsign, Set::Float)
UNARY(HardSwish, HardSwish, Set::Float)
UNARY(Mish, Mish, Set::Float)
UNARY(BitwiseNot, BitNot, Set::Int)
#undef UNARY

// Unary ops with float attributes: the functor is built from the attributes once, printed
// for emission and used as is for folding.
#define UNARY_ATTR(Name, Functor, MAKE, PRINT)                                           \
  k::Functor make_##Name(OpCtx& c) { return MAKE; }                                      \
  void infer_##Name(OpCtx& c) {                                                          \
    c.arity(1, 1);                                                                       \
    check_set(c, Set::Float);                                                            \
    c.set_out(0, c.dtype(0), c.shape(0));                                                \
  }                                                                                      \
  void eval_##Name(OpCtx& c) { eval_unary(c, FloatTypes{}, make_##Name(c)); } \
  void emit_##Name(EmitCtx& c) {                                                         \
    k::Functor f = make_##Name(c);                                                       \
    emit_unary(c, "k::" #Functor "{" + (PRINT) + "}");                                  \
  }                                                                                      \
  }                                                                                      \
  O2C_DEFINE_OP(Name, infer_##Name, emit_##Name, eval_##Name);                           \
  namespace {

UNARY_ATTR(LeakyRelu, LeakyRelu, (k::LeakyRelu{c.f("alpha", 0.01f)}), lit_f32(f.alpha))
UNARY_ATTR(Elu, Elu, (k::Elu{c.f("alpha", 1.0f)}), lit_f32(f.alpha))
UNARY_ATTR(Celu, Celu, (k::Celu{c.f("alpha", 1.0f)}), lit_f32(f.alpha))
UNARY_ATTR(Selu, Selu, (k::Selu{c.f("alpha", 1.67326319217681884765625f), c.f("gamma", 1.05070102214813232421875f)}),
           lit_f32(f.alpha) + ", " + lit_f32(f.gamma))
UNARY_ATTR(ThresholdedRelu, ThresholdedRelu, (k::ThresholdedRelu{c.f("alpha", 1.0f)}), lit_f32(f.alpha))
UNARY_ATTR(HardSigmoid, HardSigmoid, (k::HardSigmoid{c.f("alpha", 0.2f), c.f("beta", 0.5f)}),
           lit_f32(f.alpha) + ", " + lit_f32(f.beta))
UNARY_ATTR(Shrink, Shrink, (k::Shrink{c.f("bias", 0.0f), c.f("lambd", 0.5f)}),
           lit_f32(f.bias) + ", " + lit_f32(f.lambd))
#undef UNARY_ATTR

// Gelu (opset 20; also what passes/gelu.cpp makes of the pattern exported before it).
k::Gelu make_gelu(OpCtx& c) {
  const std::string a = c.s("approximate", "none");
  if (a != "none" && a != "tanh") c.fail("approximate must be \"none\" or \"tanh\", got \"" + a + "\"");
  return k::Gelu{a == "tanh"};
}
void infer_Gelu(OpCtx& c) {
  c.arity(1, 1);
  check_set(c, Set::Float);
  make_gelu(c);
  c.set_out(0, c.dtype(0), c.shape(0));
}
void eval_Gelu(OpCtx& c) { eval_unary(c, FloatTypes{}, make_gelu(c)); }
void emit_Gelu(EmitCtx& c) { emit_unary(c, std::string("k::Gelu{") + (make_gelu(c).tanh ? "true" : "false") + "}"); }
}  // namespace
O2C_DEFINE_OP(Gelu, infer_Gelu, emit_Gelu, eval_Gelu);
namespace {

// IsNaN / IsInf: float in, bool out.
void infer_isx(OpCtx& c) {
  c.arity(1, 1);
  check_set(c, Set::Float);
  c.set_out(0, DType::Bool, c.shape(0));
}
k::IsInf make_isinf(OpCtx& c) {
  return k::IsInf{c.i("detect_positive", 1) != 0, c.i("detect_negative", 1) != 0};
}
void eval_IsNaN(OpCtx& c) { eval_unary(c, FloatTypes{}, k::IsNaN{}); }
void emit_IsNaN(EmitCtx& c) { emit_unary(c, "k::IsNaN{}"); }
void eval_IsInf(OpCtx& c) { eval_unary(c, FloatTypes{}, make_isinf(c)); }
void emit_IsInf(EmitCtx& c) {
  k::IsInf f = make_isinf(c);
  emit_unary(c, std::string("k::IsInf{") + (f.pos ? "true" : "false") + ", " +
                    (f.neg ? "true" : "false") + "}");
}

// ---- Clip: bounds from attributes (< 11) or optional inputs (>= 11) --------------------

void infer_Clip(OpCtx& c) {
  c.arity(1, 3);
  c.expect_type(0, kNums);
  for (size_t i = 1; i < 3; ++i)
    if (c.has_in(i)) {
      c.same_type(0, i);
      if (numel(c.shape(i)) != 1) c.fail("min and max must be scalars");
    }
  c.set_out(0, c.dtype(0), c.shape(0));
}

// Bound i (1 = min, 2 = max) as a C++ expression of type T.
std::string clip_bound(EmitCtx& c, size_t i) {
  const DType t = c.dtype(0);
  const bool lo = i == 1;
  if (c.opset() < 11) {
    float v = c.f(lo ? "min" : "max", lo ? -std::numeric_limits<float>::max()
                                         : std::numeric_limits<float>::max());
    return lit_of(t, v);
  }
  if (c.has_in(i)) return c.X(i) + "[0]";
  return "std::numeric_limits<" + c.T(0) + ">::" + (lo ? "lowest()" : "max()");
}

void emit_Clip(EmitCtx& c) {
  emit_unary(c, "k::Clip<" + c.T(0) + ">{" + clip_bound(c, 1) + ", " + clip_bound(c, 2) + "}");
}

void eval_Clip(OpCtx& c) {
  dispatch_num(c.dtype(0), [&](auto tag) {
    using T = decltype(tag);
    T lo = std::numeric_limits<T>::lowest(), hi = std::numeric_limits<T>::max();
    if (c.opset() < 11) {
      if (c.has("min")) lo = static_cast<T>(c.f("min", 0));
      if (c.has("max")) hi = static_cast<T>(c.f("max", 0));
    } else {
      if (c.has_in(1)) lo = c.const_in(1)->data<T>()[0];
      if (c.has_in(2)) hi = c.const_in(2)->data<T>()[0];
    }
    Tensor y = out_tensor(c, 0);
    k::unary(c.const_in(0)->data<T>(), y.data<T>(), y.numel(), k::Clip<T>{lo, hi});
    c.set_const(0, std::move(y));
  });
}

// ---- Cast ----------------------------------------------------------------------------------

// Cast's target type: the `to` attribute, or for CastLike the type of input 1.
DType cast_target(OpCtx& c) {
  return c.node().op == "CastLike" ? c.dtype(1) : static_cast<DType>(c.req_i("to"));
}

void infer_Cast(OpCtx& c) {
  if (c.node().op == "CastLike") c.arity(2, 2);
  else c.arity(1, 1);
  if (c.i("saturate", 1) == 0) c.unsupported("saturate=0 (float8 casts)");
  DType to = cast_target(c);
  if (!dtype_supported(to) || !dtype_supported(c.dtype(0)))
    c.unsupported("Cast from " + dtype_name(c.dtype(0)) + " to " + dtype_name(to));
  c.set_out(0, to, c.shape(0));
}
void emit_Cast(EmitCtx& c) {
  if (c.dtype(0) == c.out(0).dtype) {
    c.line("k::copy(" + c.X(0) + ", " + c.Y(0) + ", " + lit(numel(c.shape(0))) + ");");
    return;
  }
  emit_unary(c, "k::CastTo<" + c.TY(0) + ">{}");
}
void eval_Cast(OpCtx& c) {
  Tensor y = out_tensor(c, 0);
  const Tensor& x = *c.const_in(0);
  dispatch_all(x.dtype, [&](auto ti) {
    using T = decltype(ti);
    dispatch_all(y.dtype, [&](auto to) {
      using O = decltype(to);
      k::unary(x.data<T>(), y.data<O>(), x.numel(), k::CastTo<O>{});
    });
  });
  c.set_const(0, std::move(y));
}

// ---- binary with broadcasting ---------------------------------------------------------------

enum class Out { Same, Bool };

void infer_binary(OpCtx& c, std::initializer_list<DType> types, Out out, bool same = true) {
  c.arity(2, 2);
  c.expect_type(0, types);
  if (same) c.same_type(0, 1);
  c.set_out(0, out == Out::Bool ? DType::Bool : c.dtype(0), broadcast(c, c.shape(0), c.shape(1)));
}

void emit_binary(EmitCtx& c, const std::string& functor) {
  k::Bcast2 p = make_bcast2(c.shape(0), c.shape(1), c.out(0).shape);
  c.line("k::binary(" + c.X(0) + ", " + c.X(1) + ", " + c.Y(0) + ", " + code(p) + ", " + functor + ");");
}

// Folding a binary op; B = A unless the op takes mixed types (Pow's exponent).
template <class D, class F, bool mixed = false>
void eval_binary(OpCtx& c, D dispatch, const F& f) {
  Tensor y = out_tensor(c, 0);
  const Tensor& a = *c.const_in(0);
  const Tensor& b = *c.const_in(1);
  k::Bcast2 p = make_bcast2(a.shape, b.shape, y.shape);
  dispatch(a.dtype, [&](auto ta) {
    using A = decltype(ta);
    auto run = [&](auto tb) {
      using B = decltype(tb);
      using R = std::invoke_result_t<F, A, B>;
      k::binary(a.data<A>(), b.data<B>(), y.data<R>(), p, f);
    };
    if constexpr (mixed) dispatch_num(b.dtype, run);
    else run(A{});
  });
  c.set_const(0, std::move(y));
}

#define BINARY(Name, Functor, TYPES, DISPATCH, OUT)                                     \
  void infer_##Name(OpCtx& c) { infer_binary(c, TYPES, OUT); }                          \
  void eval_##Name(OpCtx& c) { eval_binary(c, DISPATCH{}, k::Functor{}); }              \
  void emit_##Name(EmitCtx& c) { emit_binary(c, "k::" #Functor "{}"); }                 \
  }                                                                                     \
  O2C_DEFINE_OP(Name, infer_##Name, emit_##Name, eval_##Name);                          \
  namespace {

BINARY(Add, Add, kNums, NumTypes, Out::Same)
BINARY(Sub, Sub, kNums, NumTypes, Out::Same)
BINARY(Mul, Mul, kNums, NumTypes, Out::Same)
BINARY(Div, Div, kNums, NumTypes, Out::Same)
BINARY(Less, Less, kNums, NumTypes, Out::Bool)
BINARY(LessOrEqual, LessOrEqual, kNums, NumTypes, Out::Bool)
BINARY(Greater, Greater, kNums, NumTypes, Out::Bool)
BINARY(GreaterOrEqual, GreaterOrEqual, kNums, NumTypes, Out::Bool)
BINARY(And, And, {DType::Bool}, BoolTypes, Out::Bool)
BINARY(Or, Or, {DType::Bool}, BoolTypes, Out::Bool)
BINARY(Xor, Xor, {DType::Bool}, BoolTypes, Out::Bool)
BINARY(BitwiseAnd, BitAnd, kInts, IntTypes, Out::Same)
BINARY(BitwiseOr, BitOr, kInts, IntTypes, Out::Same)
BINARY(BitwiseXor, BitXor, kInts, IntTypes, Out::Same)
#undef BINARY

void infer_Equal(OpCtx& c) {
  c.arity(2, 2);
  if (c.dtype(0) != DType::Bool) c.expect_type(0, kNums);
  c.same_type(0, 1);
  c.set_out(0, DType::Bool, broadcast(c, c.shape(0), c.shape(1)));
}
void eval_Equal(OpCtx& c) { eval_binary(c, NumBoolTypes{}, k::Equal{}); }
void emit_Equal(EmitCtx& c) { emit_binary(c, "k::Equal{}"); }

// PRelu: before opset 7 a 1-D slope of C elements applies per channel (axis 1), not along
// the last axis as numpy broadcasting would have it.
Shape prelu_slope_shape(OpCtx& c) {
  const Shape& x = c.shape(0);
  const Shape& s = c.shape(1);
  if (c.opset() < 7 && s.size() == 1 && x.size() > 2 && s[0] == x[1] && s[0] != x.back()) {
    Shape r(x.size() - 1, 1);
    r[0] = s[0];
    return r;
  }
  return s;
}
void infer_PRelu(OpCtx& c) {
  c.arity(2, 2);
  c.expect_type(0, kNums);
  c.same_type(0, 1);
  Shape out = broadcast(c, c.shape(0), prelu_slope_shape(c));
  if (out != c.shape(0)) c.fail("slope " + shape_str(c.shape(1)) + " must broadcast to X " + shape_str(c.shape(0)));
  c.set_out(0, c.dtype(0), out);
}
void emit_PRelu(EmitCtx& c) {
  k::Bcast2 p = make_bcast2(c.shape(0), prelu_slope_shape(c), c.out(0).shape);
  c.line("k::binary(" + c.X(0) + ", " + c.X(1) + ", " + c.Y(0) + ", " + code(p) + ", k::PRelu{});");
}
void eval_PRelu(OpCtx& c) {
  Tensor y = out_tensor(c, 0);
  k::Bcast2 p = make_bcast2(c.shape(0), prelu_slope_shape(c), y.shape);
  dispatch_num(y.dtype, [&](auto tag) {
    using T = decltype(tag);
    k::binary(c.const_in(0)->data<T>(), c.const_in(1)->data<T>(), y.data<T>(), p, k::PRelu{});
  });
  c.set_const(0, std::move(y));
}

// Pow: the exponent may have another type; float bases keep float precision.
void infer_Pow(OpCtx& c) { infer_binary(c, {DType::Float, DType::Double, DType::Int32, DType::Int64}, Out::Same, false); }
void eval_Pow(OpCtx& c) {
  if (c.dtype(0) == DType::Float) eval_binary<FloatTypes, k::PowF, true>(c, FloatTypes{}, k::PowF{});
  else eval_binary<NumTypes, k::Pow, true>(c, NumTypes{}, k::Pow{});
}
void emit_Pow(EmitCtx& c) {
  // x^2 (LayerNorm's variance in exports before opset 17) is x * x, as pow computes it.
  const Tensor* e = c.const_in(1);
  if (dtype_is_float(c.dtype(0)) && e && e->numel() == 1 && e->float_at(0) == 2.0 && c.out(0).shape == c.shape(0))
    return emit_unary(c, "k::Square{}");
  emit_binary(c, c.dtype(0) == DType::Float ? "k::PowF{}" : "k::Pow{}");
}

void infer_Mod(OpCtx& c) {
  infer_binary(c, kNums, Out::Same);
  if (!c.i("fmod", 0) && dtype_is_float(c.dtype(0))) c.fail("Mod of floats requires fmod=1");
}
void eval_Mod(OpCtx& c) {
  if (c.i("fmod", 0)) eval_binary(c, NumTypes{}, k::FMod{});
  else eval_binary(c, NumTypes{}, k::Mod{});
}
void emit_Mod(EmitCtx& c) { emit_binary(c, c.i("fmod", 0) ? "k::FMod{}" : "k::Mod{}"); }

bool shift_left(OpCtx& c) {
  std::string d = c.s("direction", "");
  if (d != "LEFT" && d != "RIGHT") c.fail("direction must be LEFT or RIGHT");
  return d == "LEFT";
}
void infer_BitShift(OpCtx& c) {
  infer_binary(c, kUInts, Out::Same);
  shift_left(c);
}
void eval_BitShift(OpCtx& c) {
  if (shift_left(c)) eval_binary(c, IntTypes{}, k::ShiftLeft{});
  else eval_binary(c, IntTypes{}, k::ShiftRight{});
}
void emit_BitShift(EmitCtx& c) { emit_binary(c, shift_left(c) ? "k::ShiftLeft{}" : "k::ShiftRight{}"); }

// ---- variadic: Sum, Mean, Max, Min ------------------------------------------------------------

void infer_variadic(OpCtx& c) {
  if (c.num_in() < 1) c.fail("needs at least one input");
  c.expect_type(0, kNums);
  Shape s = c.shape(0);
  for (size_t i = 1; i < c.num_in(); ++i) {
    c.same_type(0, i);
    s = broadcast(c, s, c.shape(i));
  }
  c.set_out(0, c.dtype(0), s);
}

void emit_variadic(EmitCtx& c, const std::string& functor, bool mean) {
  const Shape& out = c.out(0).shape;
  const std::string Y = c.Y(0);
  if (c.num_in() == 1) {
    k::Strided p = make_strided(out, bcast_strides(c.shape(0), out));
    c.line("k::strided_copy(" + c.X(0) + ", " + Y + ", " + code(p) + ");");
  } else {
    c.line("k::binary(" + c.X(0) + ", " + c.X(1) + ", " + Y + ", " +
           code(make_bcast2(c.shape(0), c.shape(1), out)) + ", " + functor + ");");
    for (size_t i = 2; i < c.num_in(); ++i)
      c.line("k::binary(" + Y + ", " + c.X(i) + ", " + Y + ", " +
             code(make_bcast2(out, c.shape(i), out)) + ", " + functor + ");");
  }
  if (mean)
    c.line("k::unary(" + Y + ", " + Y + ", " + lit(numel(out)) + ", k::Scale<" + c.T(0) + ">{" +
           lit_of(c.dtype(0), 1.0 / static_cast<double>(c.num_in())) + "});");
}

template <class F>
void eval_variadic(OpCtx& c, const F& f, bool mean) {
  Tensor y = out_tensor(c, 0);
  dispatch_num(y.dtype, [&](auto tag) {
    using T = decltype(tag);
    T* py = y.data<T>();
    const Tensor& a = *c.const_in(0);
    if (c.num_in() == 1) {
      k::strided_copy(a.data<T>(), py, make_strided(y.shape, bcast_strides(a.shape, y.shape)));
    } else {
      k::binary(a.data<T>(), c.const_in(1)->data<T>(), py, make_bcast2(a.shape, c.shape(1), y.shape), f);
      for (size_t i = 2; i < c.num_in(); ++i)
        k::binary(static_cast<const T*>(py), c.const_in(i)->data<T>(), py,
                  make_bcast2(y.shape, c.shape(i), y.shape), f);
    }
    if (mean)
      k::unary(py, py, y.numel(), k::Scale<T>{static_cast<T>(1.0 / static_cast<double>(c.num_in()))});
  });
  c.set_const(0, std::move(y));
}

void eval_Sum(OpCtx& c) { eval_variadic(c, k::Add{}, false); }
void emit_Sum(EmitCtx& c) { emit_variadic(c, "k::Add{}", false); }
void eval_Mean(OpCtx& c) { eval_variadic(c, k::Add{}, true); }
void emit_Mean(EmitCtx& c) { emit_variadic(c, "k::Add{}", true); }
void eval_Max(OpCtx& c) { eval_variadic(c, k::Max{}, false); }
void emit_Max(EmitCtx& c) { emit_variadic(c, "k::Max{}", false); }
void eval_Min(OpCtx& c) { eval_variadic(c, k::Min{}, false); }
void emit_Min(EmitCtx& c) { emit_variadic(c, "k::Min{}", false); }

// ---- Where ----------------------------------------------------------------------------------

void infer_Where(OpCtx& c) {
  c.arity(3, 3);
  c.expect_type(0, {DType::Bool});
  c.same_type(1, 2);
  c.set_out(0, c.dtype(1), broadcast(c, broadcast(c, c.shape(0), c.shape(1)), c.shape(2)));
}
void emit_Where(EmitCtx& c) {
  k::Bcast3 p = make_bcast3(c.shape(0), c.shape(1), c.shape(2), c.out(0).shape);
  c.line("k::where(" + c.X(0) + ", " + c.X(1) + ", " + c.X(2) + ", " + c.Y(0) + ", " + code(p) + ");");
}
void eval_Where(OpCtx& c) {
  Tensor y = out_tensor(c, 0);
  k::Bcast3 p = make_bcast3(c.shape(0), c.shape(1), c.shape(2), y.shape);
  dispatch_all(y.dtype, [&](auto tag) {
    using T = decltype(tag);
    k::where(c.const_in(0)->data<bool>(), c.const_in(1)->data<T>(), c.const_in(2)->data<T>(),
             y.data<T>(), p);
  });
  c.set_const(0, std::move(y));
}

}  // namespace

O2C_DEFINE_OP(IsNaN, infer_isx, emit_IsNaN, eval_IsNaN);
O2C_DEFINE_OP(IsInf, infer_isx, emit_IsInf, eval_IsInf);
O2C_DEFINE_OP(Clip, infer_Clip, emit_Clip, eval_Clip);
O2C_DEFINE_OP(Cast, infer_Cast, emit_Cast, eval_Cast);
O2C_DEFINE_OP(CastLike, infer_Cast, emit_Cast, eval_Cast);
O2C_DEFINE_OP(Equal, infer_Equal, emit_Equal, eval_Equal);
O2C_DEFINE_OP(Pow, infer_Pow, emit_Pow, eval_Pow);
O2C_DEFINE_OP(PRelu, infer_PRelu, emit_PRelu, eval_PRelu);
O2C_DEFINE_OP(Mod, infer_Mod, emit_Mod, eval_Mod);
O2C_DEFINE_OP(BitShift, infer_BitShift, emit_BitShift, eval_BitShift);
O2C_DEFINE_OP(Sum, infer_variadic, emit_Sum, eval_Sum);
O2C_DEFINE_OP(Mean, infer_variadic, emit_Mean, eval_Mean);
O2C_DEFINE_OP(Max, infer_variadic, emit_Max, eval_Max);
O2C_DEFINE_OP(Min, infer_variadic, emit_Min, eval_Min);
O2C_DEFINE_OP(Where, infer_Where, emit_Where, eval_Where);

}  // namespace o2c
