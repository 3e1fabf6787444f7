// Elementwise ops: unary maps, broadcasting binary ops, variadic Sum/Mean/Max/Min, Where,
// Clip, Cast and BitCast (templates/elementwise.hpp, special.hpp, activation.hpp; BitCast:
// common.hpp).
#include "ops/elementwise.hpp"

#include "ops/helpers.hpp"
#include "ops/registry.hpp"

namespace o2c {
namespace {

int64_t out_numel(OpCtx& c) { return numel(c.out(0).shape); }

// Output 0 has input 0's type and shape (its run-time dims too); A's attributes are checked.
template <class A>
void infer_same(OpCtx& c) {
  c.attrs<A>();
  c.set_out_dims(0, c.dtype(0), c.dims(0));
}

void lower_unary(LowerCtx& c, Arg fn) { c.call("unary", {c.X(0), c.Y(0), c.numel_of(c.out(0)), std::move(fn)}); }

// ---- unary ------------------------------------------------------------------------------

#define UNARY_GRAD(Name, Functor, Grad)                                                \
  void lower_##Name(LowerCtx& c) { lower_unary(c, functor(#Functor, k::Functor{})); } \
  }                                                                                   \
  O2C_DEFINE_OP(Name, infer_same<NoAttrs>, lower_##Name, false, false, Grad, true);   \
  namespace {
#define UNARY(Name, Functor) UNARY_GRAD(Name, Functor, nullptr)

void grad_unary(GradCtx& c);  // below, with the attributes it reads

// dX = dY where X > 0, else 0, read from the output (Y > 0 exactly where X > 0, NaN neither): the
// backward keeps Y, which the next node's gradient keeps anyway, not X (a Conv's or a
// BatchNormalization's output that nothing else needs after the forward).
void grad_Relu(GradCtx& c) {
  const int y = c.node().outputs[0], dy = c.dY(0);
  if (dy < 0 || !c.wants(0)) return;
  const int pos = c.add("Greater", {y, c.scalar_like(y, 0.0)});
  c.set_dX(0, c.add("Where", {pos, dy, c.scalar_like(dy, 0.0)}));
}
void lower_Relu(LowerCtx& c) { lower_unary(c, functor("Relu", k::Relu{})); }
}  // namespace
O2C_DEFINE_OP(Relu, infer_same<NoAttrs>, lower_Relu, false, false, grad_Relu, true);
namespace {

UNARY_GRAD(Abs, Abs, grad_unary)
UNARY_GRAD(Neg, Neg, grad_unary)
UNARY_GRAD(Sigmoid, Sigmoid, grad_unary)
UNARY_GRAD(Tanh, Tanh, grad_unary)
UNARY_GRAD(Exp, Exp, grad_unary)
UNARY_GRAD(Log, Log, grad_unary)
UNARY_GRAD(Sqrt, Sqrt, grad_unary)
UNARY_GRAD(Reciprocal, Reciprocal, grad_unary)
UNARY(Floor, Floor)
UNARY(Ceil, Ceil)
UNARY(Round, Round)
UNARY(Sign, Sign)
UNARY(Not, Not)
UNARY(Sin, Sin)
UNARY(Cos, Cos)
UNARY(Tan, Tan)
UNARY(Asin, Asin)
UNARY(Acos, Acos)
UNARY(Atan, Atan)
UNARY(Sinh, Sinh)
UNARY(Cosh, Cosh)
UNARY(Asinh, Asinh)
UNARY(Acosh, Acosh)
UNARY(Atanh, Atanh)
UNARY_GRAD(Softplus, Softplus, grad_unary)
UNARY(Softsign, Softsign)
UNARY_GRAD(HardSwish, HardSwish, grad_unary)
UNARY(Mish, Mish)
UNARY(BitwiseNot, BitNot)
#undef UNARY
#undef UNARY_GRAD

// Unary ops with attributes: the functor is built from the typed attributes.
void lower_LeakyRelu(LowerCtx& c) {
  const auto a = c.attrs<LeakyReluAttrs>();
  lower_unary(c, functor("LeakyRelu", k::LeakyRelu{a.alpha}, {lit_f32(a.alpha)}));
}
void lower_Elu(LowerCtx& c) {
  const auto a = c.attrs<EluAttrs>();
  lower_unary(c, functor("Elu", k::Elu{a.alpha}, {lit_f32(a.alpha)}));
}
struct CeluAttrs {
  float alpha = 1.0f;
  O2C_FIELDS(alpha)
};
void lower_Celu(LowerCtx& c) {
  const auto a = c.attrs<CeluAttrs>();
  lower_unary(c, functor("Celu", k::Celu{a.alpha}, {lit_f32(a.alpha)}));
}
struct SeluAttrs {
  float alpha = 1.67326319217681884765625f, gamma = 1.05070102214813232421875f;
  O2C_FIELDS(alpha, gamma)
};
void lower_Selu(LowerCtx& c) {
  const auto a = c.attrs<SeluAttrs>();
  lower_unary(c, functor("Selu", k::Selu{a.alpha, a.gamma}, {lit_f32(a.alpha), lit_f32(a.gamma)}));
}
void lower_ThresholdedRelu(LowerCtx& c) {
  const auto a = c.attrs<ThresholdedReluAttrs>();
  lower_unary(c, functor("ThresholdedRelu", k::ThresholdedRelu{a.alpha}, {lit_f32(a.alpha)}));
}
void lower_HardSigmoid(LowerCtx& c) {
  const auto a = c.attrs<HardSigmoidAttrs>();
  lower_unary(c, functor("HardSigmoid", k::HardSigmoid{a.alpha, a.beta}, {lit_f32(a.alpha), lit_f32(a.beta)}));
}
struct SwishAttrs {
  float alpha = 1.0f;
  O2C_FIELDS(alpha)
};
void lower_Swish(LowerCtx& c) {
  const auto a = c.attrs<SwishAttrs>();
  lower_unary(c, functor("Swish", k::Swish{a.alpha}, {lit_f32(a.alpha)}));
}
struct ShrinkAttrs {
  float bias = 0.0f, lambd = 0.5f;
  O2C_FIELDS(bias, lambd)
};
void lower_Shrink(LowerCtx& c) {
  const auto a = c.attrs<ShrinkAttrs>();
  lower_unary(c, functor("Shrink", k::Shrink{a.bias, a.lambd}, {lit_f32(a.bias), lit_f32(a.lambd)}));
}

// Erf and Gelu (opset 20; also what passes/gelu.cpp makes of the pattern exported before it):
// vectorized for float (templates/special.hpp).
void lower_Erf(LowerCtx& c) { c.call("erf", {c.X(0), c.Y(0), c.numel_of(c.out(0))}); }
struct GeluAttrs {
  int approximate = 0;  // none, tanh
  template <class V>
  void fields(V& v) { v("approximate", approximate, {"none", "tanh"}); }
};
void lower_Gelu(LowerCtx& c) {
  c.call("gelu", {c.X(0), c.Y(0), c.numel_of(c.out(0)), boolean(c.attrs<GeluAttrs>().approximate == 1)});
}

// Arithmetic on values for the gradient rules: a constant of x's type, and x op y.
struct GradMath {
  GradCtx& c;
  int k(int like, double v) { return c.scalar_like(like, v); }
  int mul(int a, int b) { return c.add("Mul", {a, b}); }
  int add(int a, int b) { return c.add("Add", {a, b}); }
  int sub(int a, int b) { return c.add("Sub", {a, b}); }
  int div(int a, int b) { return c.add("Div", {a, b}); }
  int where(int cond, int a, int b) { return c.add("Where", {cond, a, b}); }
  int cmp(const char* op, int a, double v) { return c.add(op, {a, k(a, v)}); }
  int f(const char* op, int a) { return c.add(op, {a}); }
};

// ActivationGrad(V, dY): the activation's gradient in one pass (templates/activation_grad.hpp),
// no temporaries. `activation` names the kernel's case.
struct ActivationGradAttrs {
  std::string activation;
  float alpha = 1.0f;
  O2C_FIELDS(activation, alpha)
};
const std::vector<std::string>& activation_grad_kinds() {  // in k::ActGradKind's order
  static const std::vector<std::string> kinds = {"Gelu", "GeluTanh", "Swish", "Sigmoid", "Tanh"};
  return kinds;
}
int64_t activation_grad_kind(OpCtx& c) {
  const std::string& a = c.attrs<ActivationGradAttrs>().activation;
  const auto& kinds = activation_grad_kinds();
  const auto it = std::find(kinds.begin(), kinds.end(), a);
  if (it == kinds.end()) c.fail("unknown activation " + quote_name(a));
  return it - kinds.begin();
}
void infer_ActivationGrad(OpCtx& c) {
  activation_grad_kind(c);
  if (c.shape(1) != c.shape(0)) c.fail("dY must have V's shape");
  c.set_out_dims(0, c.dtype(0), c.dims(0));
}
void lower_ActivationGrad(LowerCtx& c) {
  c.call("activation_grad", {c.X(0), c.X(1), c.Y(0), c.numel_of(c.out(0)), index(activation_grad_kind(c)),
                             f32(c.attrs<ActivationGradAttrs>().alpha)});
}
// The ActivationGrad node of activation a (its input or output as V).
int activation_grad(GradCtx& c, const char* a, int v, int dy, float alpha = 1.0f) {
  return c.add("ActivationGrad", {v, dy}, {{"activation", Attr::of(std::string(a))}, {"alpha", Attr::of(alpha)}}, "onnx2cpp");
}

// The unary maps' gradients, PyTorch's formulas (tools/autograd/derivatives.yaml) from the
// input x or the output y; at the kinks the side PyTorch takes (Abs'(0) = 0: sign; Elu, Selu,
// LeakyRelu: x <= 0 is the negative side; HardSigmoid: 0 outside the open ramp; HardSwish:
// the ramp's formula on [-3, 3]).
int unary_grad(GradCtx& c, int dy) {
  GradMath m{c};
  const std::string& op = c.node().op;
  const int x = c.node().inputs[0], y = c.node().outputs[0];
  if (op == "Neg") return m.f("Neg", dy);
  if (op == "Exp") return m.mul(dy, y);
  if (op == "Log") return m.div(dy, x);
  if (op == "Sqrt") return m.div(dy, m.mul(y, m.k(y, 2.0)));
  if (op == "Reciprocal") return m.f("Neg", m.mul(dy, m.mul(y, y)));
  if (op == "Abs") return m.mul(dy, m.f("Sign", x));
  if (op == "Sigmoid") return activation_grad(c, "Sigmoid", y, dy);
  if (op == "Tanh") return activation_grad(c, "Tanh", y, dy);
  if (op == "Softplus") return m.mul(dy, m.f("Sigmoid", x));
  if (op == "Erf")  // 2 / sqrt(pi) exp(-x^2)
    return m.mul(dy, m.mul(m.k(x, 1.1283791670955126), m.f("Exp", m.f("Neg", m.mul(x, x)))));
  if (op == "HardSwish") {
    const int ramp = m.mul(dy, m.add(m.div(x, m.k(x, 3.0)), m.k(x, 0.5)));
    return m.where(m.cmp("Less", x, -3.0), m.k(dy, 0.0), m.where(m.cmp("LessOrEqual", x, 3.0), ramp, dy));
  }
  if (op == "LeakyRelu") {
    const float alpha = c.attrs<LeakyReluAttrs>().alpha;
    return m.where(m.cmp("Greater", x, 0.0), dy, m.mul(dy, m.k(dy, alpha)));
  }
  if (op == "Elu" || op == "Selu") {
    float alpha, gamma = 1.0f;
    if (op == "Selu") {
      const auto a = c.attrs<SeluAttrs>();
      alpha = a.alpha;
      gamma = a.gamma;
    } else {
      alpha = c.attrs<EluAttrs>().alpha;
    }
    const int neg = m.mul(dy, m.mul(m.k(x, static_cast<double>(alpha) * gamma), m.f("Exp", x)));
    const int pos = gamma == 1.0f ? dy : m.mul(dy, m.k(dy, gamma));
    return m.where(m.cmp("Greater", x, 0.0), pos, neg);
  }
  if (op == "HardSigmoid") {
    const auto a = c.attrs<HardSigmoidAttrs>();
    const int v = m.add(m.mul(x, m.k(x, a.alpha)), m.k(x, a.beta));
    const int ramp = c.add("And", {m.cmp("Greater", v, 0.0), m.cmp("Less", v, 1.0)});
    return m.where(ramp, m.mul(dy, m.k(dy, a.alpha)), m.k(dy, 0.0));
  }
  if (op == "Swish") return activation_grad(c, "Swish", x, dy, c.attrs<SwishAttrs>().alpha);
  if (op == "Gelu") return activation_grad(c, c.attrs<GeluAttrs>().approximate == 0 ? "Gelu" : "GeluTanh", x, dy);
  c.unsupported("no gradient rule for " + op);
}

void grad_unary(GradCtx& c) {
  if (c.dY(0) >= 0 && c.wants(0)) c.set_dX(0, unary_grad(c, c.dY(0)));
}

// IsNaN / IsInf: float in, bool out.
template <class A>
void infer_is(OpCtx& c) {
  c.attrs<A>();
  c.set_out(0, DType::Bool, c.shape(0));
}
void lower_IsNaN(LowerCtx& c) { lower_unary(c, functor("IsNaN", k::IsNaN{})); }
struct IsInfAttrs {
  bool detect_positive = true, detect_negative = true;
  O2C_FIELDS(detect_positive, detect_negative)
};
void lower_IsInf(LowerCtx& c) {
  const auto a = c.attrs<IsInfAttrs>();
  lower_unary(c, functor("IsInf", k::IsInf{a.detect_positive, a.detect_negative},
                         {a.detect_positive ? "true" : "false", a.detect_negative ? "true" : "false"}));
}

}  // namespace

O2C_DEFINE_OP(LeakyRelu, infer_same<LeakyReluAttrs>, lower_LeakyRelu, false, false, grad_unary, true);
O2C_DEFINE_OP(Elu, infer_same<EluAttrs>, lower_Elu, false, false, grad_unary, true);
O2C_DEFINE_OP(Celu, infer_same<CeluAttrs>, lower_Celu, false, false, nullptr, true);
O2C_DEFINE_OP(Selu, infer_same<SeluAttrs>, lower_Selu, false, false, grad_unary, true);
O2C_DEFINE_OP(ThresholdedRelu, infer_same<ThresholdedReluAttrs>, lower_ThresholdedRelu, false, false, nullptr, true);
O2C_DEFINE_OP(HardSigmoid, infer_same<HardSigmoidAttrs>, lower_HardSigmoid, false, false, grad_unary, true);
O2C_DEFINE_OP(Shrink, infer_same<ShrinkAttrs>, lower_Shrink, false, false, nullptr, true);
O2C_DEFINE_OP(Swish, infer_same<SwishAttrs>, lower_Swish, false, false, grad_unary, true);
O2C_DEFINE_OP(Erf, infer_same<NoAttrs>, lower_Erf, false, false, grad_unary, true);
O2C_DEFINE_OP(Gelu, infer_same<GeluAttrs>, lower_Gelu, false, false, grad_unary, true);
O2C_DEFINE_OP(ActivationGrad, infer_ActivationGrad, lower_ActivationGrad, false, false, nullptr, true);
O2C_DEFINE_OP(IsNaN, infer_is<NoAttrs>, lower_IsNaN);
O2C_DEFINE_OP(IsInf, infer_is<IsInfAttrs>, lower_IsInf);

bool node_activation(Graph& g, Node& n, k::Act* act) {
  if (!n.domain.empty() || n.inputs.empty()) return false;
  OpCtx c(g, n);
  const float inf = std::numeric_limits<float>::infinity();
  k::Act a{k::Act::None, 0.0f, 0.0f};
  if (n.op == "Relu") a.kind = k::Act::Relu;
  else if (n.op == "Sigmoid") a.kind = k::Act::Sigmoid;
  else if (n.op == "Tanh") a.kind = k::Act::Tanh;
  else if (n.op == "HardSwish") a.kind = k::Act::HardSwish;
  else if (n.op == "Swish" && c.attrs<SwishAttrs>().alpha == 1.0f) a.kind = k::Act::Silu;
  else if (n.op == "LeakyRelu") a = {k::Act::LeakyRelu, c.attrs<LeakyReluAttrs>().alpha, 0.0f};
  else if (n.op == "HardSigmoid") a = {k::Act::HardSigmoid, c.attrs<HardSigmoidAttrs>().alpha, c.attrs<HardSigmoidAttrs>().beta};
  else if (n.op == "Clip") {
    a = {k::Act::Clip, -inf, inf};
    if (c.version() < 11) {
      const auto at = c.attrs<ClipAttrs>();
      a.alpha = at.min;
      a.beta = at.max;
    } else {
      for (size_t i = 1; i < 3; ++i) {
        if (!c.has_in(i)) continue;
        const Tensor* t = c.const_in(i);
        if (!t || t->dtype != DType::Float || t->numel() != 1) return false;
        (i == 1 ? a.alpha : a.beta) = static_cast<float>(t->float_at(0));
      }
    }
  } else {
    return false;
  }
  *act = a;
  return true;
}

namespace {

// ---- Clip: bounds from attributes (< 11) or optional inputs (>= 11) --------------------

void infer_Clip(OpCtx& c) {
  c.attrs<ClipAttrs>();
  for (size_t i = 1; i < 3; ++i)
    if (c.has_in(i) && numel(c.shape(i)) != 1) c.fail("min and max must be scalars");
  c.set_out(0, c.dtype(0), c.shape(0));
}

// Bound i (1 = min, 2 = max) of the element type.
Arg clip_bound(LowerCtx& c, size_t i) {
  const DType t = c.dtype(0);
  if (c.version() < 11) {
    const auto a = c.attrs<ClipAttrs>();
    return scalar(t, i == 1 ? a.min : a.max);
  }
  if (!c.has_in(i)) return i == 1 ? scalar_lowest(t) : scalar_max(t);
  if (const Tensor* v = c.const_in(i)) return scalar_of(*v);
  return c.elem(i);
}

void lower_Clip(LowerCtx& c) {
  c.call("clip", {c.X(0), c.Y(0), c.numel_of(c.out(0)), clip_bound(c, 1), clip_bound(c, 2)});
}

// d Clip (PyTorch's clamp): x's where min <= x <= max; a bound input's where x passes it (min
// too only where min < max: otherwise max bounds every element), summed.
void grad_Clip(GradCtx& c) {
  const int dy = c.dY(0);
  if (dy < 0) return;
  GradMath m{c};
  const int x = c.node().inputs[0];
  int lo = -1, hi = -1;  // the bounds as values, -1: none
  if (c.version() < 11) {
    const auto a = c.attrs<ClipAttrs>();
    lo = m.k(x, a.min);
    hi = m.k(x, a.max);
  } else {
    if (c.has_in(1)) lo = c.node().inputs[1];
    if (c.has_in(2)) hi = c.node().inputs[2];
  }
  const int zero = m.k(dy, 0.0);
  auto pass = [&](int cond, size_t i) {
    c.set_dX(i, c.sum_to(m.where(cond, dy, zero), Shape(c.shape(i))));
  };
  if (c.wants(0)) {
    int in = -1;
    if (lo >= 0) in = c.add("GreaterOrEqual", {x, lo});
    if (hi >= 0) {
      const int le = c.add("LessOrEqual", {x, hi});
      in = in >= 0 ? c.add("And", {in, le}) : le;
    }
    if (in < 0) c.set_dX(0, dy);
    else pass(in, 0);
  }
  if (c.wants(1) && lo >= 0) {
    int below = c.add("Less", {x, lo});
    if (hi >= 0) below = c.add("And", {below, c.add("Less", {lo, hi})});
    pass(below, 1);
  }
  if (c.wants(2) && hi >= 0) {
    int above = c.add("Greater", {x, hi});
    if (lo >= 0) above = c.add("Or", {above, c.add("Less", {hi, lo})});
    pass(above, 2);
  }
}

// ---- Cast -----------------------------------------------------------------------------------

struct CastAttrs {
  int64_t to = 0;
  bool saturate = true;
  std::string round_mode = "up";  // for float8e8m0 (version 25 on)
  template <class V>
  void fields(V& v) {
    v.required("to", to);
    if (v.version >= 19) v("saturate", saturate);
    if (v.version >= 25) v("round_mode", round_mode);
  }
};
struct CastLikeAttrs {
  bool saturate = true;
  template <class V>
  void fields(V& v) {
    if (v.version >= 19) v("saturate", saturate);
  }
};

// Casts to and from string (templates/numtext.hpp): the numbers written as the reference
// writes them, each string at most numtext_bound<T>() bytes, in the node's scratch.
const TypeSet kTextTypes = kNumTypes | type_set({DType::Bool, DType::Float16, DType::BFloat16});
void infer_string_cast(OpCtx& c, DType from, DType to) {
  if (from == to) {  // string to string: the views themselves
    c.out(0).max_string_bytes = c.in(0).max_string_bytes;
    return;
  }
  const DType num = from == DType::String ? to : from;
  if (!kTextTypes.has(num))
    c.unsupported("Cast " + std::string(from == DType::String ? "from string to " : "to string from ") + dtype_name(num));
  if (to != DType::String) return;
  int64_t bound = 0;
  dispatch_held(num, kTextTypes, [&](auto tag) { bound = k::numtext_bound<typename decltype(tag)::type>(); });
  c.out(0).max_string_bytes = bound;
  c.set_scratch(std::max<int64_t>(1, numel(c.shape(0)) * bound));
}

void infer_Cast(OpCtx& c) {
  const auto a = c.attrs<CastAttrs>();
  const DType to = static_cast<DType>(a.to);
  if (!dtype_supported(to)) c.unsupported("Cast to " + dtype_name(to));
  if (a.round_mode != "up" && a.round_mode != "down" && a.round_mode != "nearest")
    c.fail("round_mode must be up, down or nearest, got " + quote_name(a.round_mode));
  const bool strings = c.dtype(0) == DType::String || to == DType::String;
  if (strings && c.in(0).dynamic()) c.unsupported("Cast of strings with run-time dims");
  c.set_out_dims(0, to, c.dims(0));
  if (strings) infer_string_cast(c, c.dtype(0), to);
}
void infer_CastLike(OpCtx& c) {
  c.attrs<CastLikeAttrs>();
  const bool strings = c.dtype(0) == DType::String || c.dtype(1) == DType::String;
  if (strings && c.in(0).dynamic()) c.unsupported("CastLike of strings with run-time dims");
  c.set_out_dims(0, c.dtype(1), c.dims(0));
  if (c.dtype(0) == DType::String || c.dtype(1) == DType::String) infer_string_cast(c, c.dtype(0), c.dtype(1));
}
// Casts to the float8 types saturate unless saturate=0 (version 19 on).
bool saturates(LowerCtx& c) {
  return c.node().op == "CastLike" ? c.attrs<CastLikeAttrs>().saturate : c.attrs<CastAttrs>().saturate;
}
// float8e8m0's rounding (Cast 25's round_mode; CastLike rounds up).
int64_t e8m0_round_mode(LowerCtx& c) {
  if (c.node().op == "CastLike") return 0;
  const std::string m = c.attrs<CastAttrs>().round_mode;
  return m == "down" ? 1 : m == "nearest" ? 2 : 0;
}
void lower_Cast(LowerCtx& c) {
  const DType from = c.dtype(0), to = c.out(0).dtype;
  if (from == DType::String && to == DType::String) return c.call("copy", {c.X(0), c.Y(0), index(out_numel(c))});
  if (from == DType::String) {
    c.call("cast_from_string", {type_arg(to)}, {c.X(0), c.Y(0), index(out_numel(c))});
    c.calls.back().status = true;
    return;
  }
  if (to == DType::String)
    return c.call("cast_to_string", {type_arg(from)}, {c.X(0), c.Y(0), index(out_numel(c)), c.scratch(DType::Int8)});
  const bool pf = dtype_info(from).how == DHow::Packed, pt = dtype_info(to).how == DHow::Packed;
  const Arg n = c.numel_of(c.out(0));
  if (pf && pt) return c.call("cast_packed", {packed_type_arg(from), packed_type_arg(to)}, {c.X(0), c.Y(0), n});
  if (pf) return c.call("cast_from_packed", {packed_type_arg(from), type_arg(to)}, {c.X(0), c.Y(0), n});
  if (pt) return c.call("cast_to_packed", {type_arg(from), packed_type_arg(to)}, {c.X(0), c.Y(0), n});
  if (to == DType::Float8E8M0 && from != to && (e8m0_round_mode(c) != 0 || !saturates(c)))
    return c.call("cast_e8m0", {c.X(0), c.Y(0), n, boolean(saturates(c)), index(e8m0_round_mode(c))});
  const bool float8 = dtype_is_storage(to) && dtype_size(to) == 1;
  c.call(float8 && !saturates(c) ? "cast_unsaturated" : "cast", {c.X(0), c.Y(0), n});
}

// d Cast between float types: dY cast back to the input's type. A cast from or to another
// type passes no gradient (as in PyTorch, where integers and bools have none): a mask cast
// from a comparison of a parameter is a constant of the step.
void grad_Cast(GradCtx& c) {
  if (c.dY(0) < 0 || !c.wants(0)) return;
  const DType from = c.dtype(0), to = c.out(0).dtype;
  if (!dtype_is_float(from) || !dtype_is_float(to)) return;
  c.set_dX(0, from == to ? c.dY(0) : c.add("Cast", {c.dY(0)}, {{"to", Attr::of(static_cast<int64_t>(from))}}));
}

// ---- BitCast: the bits of each element read as another type of the same width ---------------

struct BitCastAttrs {
  int64_t to = 0;
  template <class V>
  void fields(V& v) { v.required("to", to); }
};

void infer_BitCast(OpCtx& c) {
  const DType from = c.dtype(0), to = static_cast<DType>(c.attrs<BitCastAttrs>().to);
  if (dtype_info(to).bits == 0) c.fail("BitCast to a string or unknown type (to=" + std::to_string(static_cast<int>(to)) + ")");
  if (dtype_info(to).bits != dtype_info(from).bits)
    c.fail("BitCast from " + dtype_name(from) + " to " + dtype_name(to) + " changes the width");
  // Packed (4- and 2-bit) and complex types are not held as elements by generated code.
  if (!kHeldTypes.has(from) || !kHeldTypes.has(to)) c.unsupported("BitCast from " + dtype_name(from) + " to " + dtype_name(to));
  // A byte other than 0 or 1 has no bool value in C++.
  if (to == DType::Bool && from != DType::Bool) c.unsupported("BitCast to bool");
  c.set_out(0, to, c.shape(0));
}
void lower_BitCast(LowerCtx& c) { c.call("bitcast", {c.X(0), c.Y(0), index(out_numel(c))}); }

}  // namespace

O2C_DEFINE_OP(Clip, infer_Clip, lower_Clip, false, false, grad_Clip);
O2C_DEFINE_OP(Cast, infer_Cast, lower_Cast, false, false, grad_Cast, true);
O2C_DEFINE_OP(CastLike, infer_CastLike, lower_Cast, false, false, grad_Cast, true);  // its type input takes no gradient
O2C_DEFINE_OP(BitCast, infer_BitCast, lower_BitCast);

namespace {

// ---- binary with broadcasting ---------------------------------------------------------------

// Before version 7, B broadcast to A only when broadcast=1, its dims aligned at `axis`
// (default: B's trailing dims); otherwise the shapes matched.
struct LegacyBroadcastAttrs {
  int64_t broadcast = 0, axis = -1;
  template <class V>
  void fields(V& v) {
    if (v.version < 7) {
      v("broadcast", broadcast);
      v("axis", axis);
    }
  }
};

// The shape B is read with: as it is, or aligned to A by the legacy rule.
Shape b_shape(OpCtx& c) {
  const Shape& a = c.shape(0);
  const Shape& b = c.shape(1);
  if (c.version() >= 7) return b;
  const auto at = c.attrs<LegacyBroadcastAttrs>();
  if (!at.broadcast) {
    if (a != b) c.fail("shapes " + shape_str(a) + " and " + shape_str(b) + " differ and broadcast is 0");
    return b;
  }
  const int64_t ra = static_cast<int64_t>(a.size()), rb = static_cast<int64_t>(b.size());
  const int64_t axis = at.axis < 0 ? ra - rb : at.axis;
  if (axis < 0 || axis + rb > ra) c.fail("B " + shape_str(b) + " does not fit A " + shape_str(a) + " at axis " + std::to_string(axis));
  Shape r(static_cast<size_t>(ra), 1);
  for (int64_t i = 0; i < rb; ++i) r[static_cast<size_t>(axis + i)] = b[static_cast<size_t>(i)];
  return r;
}

template <class A = LegacyBroadcastAttrs>
void infer_binary(OpCtx& c) {
  c.attrs<A>();
  const OpInfo& info = c.info();
  const DType t = info.outputs[0].typevar == info.inputs[0].typevar ? c.dtype(0) : DType::Bool;
  if (c.in(0).dynamic() || c.in(1).dynamic()) {
    if (b_shape(c) != c.shape(1)) c.unsupported("legacy broadcasting (broadcast=1 before opset 7) with run-time dims");
    c.set_out_dims(0, t, broadcast_dims(c, c.dims(0), c.dims(1)));
    return;
  }
  c.set_out(0, t, broadcast(c, c.shape(0), b_shape(c)));
}

void lower_binary(LowerCtx& c, Arg fn) {
  if (c.out(0).dynamic()) {
    c.call("binary", {c.X(0), c.X(1), c.Y(0), bcast2_arg(c.dims(0), c.dims(1), c.out(0).dims, c.out(0).shape), std::move(fn)});
    return;
  }
  const k::Bcast2 p = make_bcast2(c.shape(0), b_shape(c), c.out(0).shape);
  c.call("binary", {c.X(0), c.X(1), c.Y(0), obj(p), std::move(fn)});
}

// d(A + B) = dY, dY; d(A - B) = dY, -dY; d(A B) = dY B, dY A; d(A / B) = dY / B, -dY A / B^2;
// each summed back over the dims its input was broadcast along.
void grad_arith(GradCtx& c) {
  const int dy = c.dY(0);
  if (dy < 0) return;
  const std::string& op = c.node().op;
  const int a = c.node().inputs[0], b = c.node().inputs[1];
  if (c.wants(0)) {
    int d = dy;
    if (op == "Mul") d = c.add("Mul", {dy, b});
    else if (op == "Div") d = c.add("Div", {dy, b});
    c.set_dX(0, c.sum_to(d, c.shape(0)));
  }
  if (c.wants(1)) {
    int d = dy;
    if (op == "Sub") d = c.add("Neg", {dy});
    else if (op == "Mul") d = c.add("Mul", {dy, a});
    else if (op == "Div") d = c.add("Neg", {c.add("Div", {c.add("Mul", {dy, a}), c.add("Mul", {b, b})})});
    const Shape bs = b_shape(c);  // B as broadcast (aligned at `axis` before opset 7)
    d = c.sum_to(d, bs);
    c.set_dX(1, bs == c.shape(1) ? d : c.sum_to(d, c.shape(1)));
  }
}

#define BINARY(Name, Functor, Grad)                                                    \
  void lower_##Name(LowerCtx& c) { lower_binary(c, functor(#Functor, k::Functor{})); } \
  }                                                                                    \
  O2C_DEFINE_OP(Name, infer_binary<>, lower_##Name, false, false, Grad, true);         \
  namespace {

BINARY(Add, Add, grad_arith)
BINARY(Sub, Sub, grad_arith)
BINARY(Mul, Mul, grad_arith)
BINARY(Div, Div, grad_arith)
void lower_Equal(LowerCtx& c) {
  if (c.dtype(0) == DType::String)  // byte-wise (templates/strings.hpp)
    c.call("str_equal", {c.X(0), c.X(1), c.Y(0), obj(make_bcast2(c.shape(0), b_shape(c), c.out(0).shape))});
  else
    lower_binary(c, functor("Equal", k::Equal{}));
}
}
O2C_DEFINE_OP(Equal, infer_binary<>, lower_Equal);
namespace {
BINARY(Less, Less, nullptr)
BINARY(LessOrEqual, LessOrEqual, nullptr)
BINARY(Greater, Greater, nullptr)
BINARY(GreaterOrEqual, GreaterOrEqual, nullptr)
BINARY(And, And, nullptr)
BINARY(Or, Or, nullptr)
BINARY(Xor, Xor, nullptr)
BINARY(BitwiseAnd, BitAnd, nullptr)
BINARY(BitwiseOr, BitOr, nullptr)
BINARY(BitwiseXor, BitXor, nullptr)
#undef BINARY

// PRelu: before version 7 a 1-D slope of C elements applies per channel (axis 1), not along
// the last axis as numpy broadcasting would have it.
Shape prelu_slope_shape(OpCtx& c) {
  const Shape& x = c.shape(0);
  const Shape& s = c.shape(1);
  if (c.version() < 7 && s.size() == 1 && x.size() > 2 && s[0] == x[1] && s[0] != x.back()) {
    Shape r(x.size() - 1, 1);
    r[0] = s[0];
    return r;
  }
  return s;
}
void infer_PRelu(OpCtx& c) {
  c.attrs<NoAttrs>();
  const Shape out = broadcast(c, c.shape(0), prelu_slope_shape(c));
  if (out != c.shape(0)) c.fail("slope " + shape_str(c.shape(1)) + " must broadcast to X " + shape_str(c.shape(0)));
  c.set_out(0, c.dtype(0), out);
}
void lower_PRelu(LowerCtx& c) {
  const k::Bcast2 p = make_bcast2(c.shape(0), prelu_slope_shape(c), c.out(0).shape);
  c.call("binary", {c.X(0), c.X(1), c.Y(0), obj(p), functor("PRelu", k::PRelu{})});
}

// Pow: the exponent may have another type; float bases keep float precision; x^2 (LayerNorm's
// variance in exports before opset 17) is x * x, as pow computes it.
void lower_Pow(LowerCtx& c) {
  const Tensor* e = c.const_in(1);
  if (dtype_is_float(c.dtype(0)) && e && e->numel() == 1 && e->float_at(0) == 2.0 && c.out(0).shape == c.shape(0))
    return lower_unary(c, functor("Square", k::Square{}));
  if (c.dtype(0) == DType::Float) lower_binary(c, functor("PowF", k::PowF{}));
  else lower_binary(c, functor("Pow", k::Pow{}));
}

// d Pow (PyTorch's pow_backward): dA = dY B A^(B - 1), 0 where B = 0; dB = dY Y log(A), 0
// where A = 0 and B >= 0; each summed back over its broadcast dims.
void grad_Pow(GradCtx& c) {
  const int dy = c.dY(0);
  if (dy < 0) return;
  GradMath m{c};
  const int a = c.node().inputs[0], y = c.node().outputs[0];
  int b = c.node().inputs[1];
  const Shape as = c.shape(0), bs = c.shape(1);
  if (c.dtype(1) != c.dtype(0)) b = c.add("Cast", {b}, {{"to", Attr::of(static_cast<int64_t>(c.dtype(0)))}});
  const int zero = m.k(dy, 0.0);
  if (c.wants(0)) {
    const int d = m.mul(dy, m.mul(b, c.add("Pow", {a, m.sub(b, m.k(b, 1.0))})));
    c.set_dX(0, c.sum_to(m.where(m.cmp("Equal", b, 0.0), zero, d), as));
  }
  if (c.wants(1)) {
    const int at0 = c.add("And", {m.cmp("Equal", a, 0.0), m.cmp("GreaterOrEqual", b, 0.0)});
    c.set_dX(1, c.sum_to(m.where(at0, zero, m.mul(dy, m.mul(y, m.f("Log", a)))), bs));
  }
}

struct ModAttrs {
  bool fmod = false;
  O2C_FIELDS(fmod)
};
void infer_Mod(OpCtx& c) {
  if (!c.attrs<ModAttrs>().fmod && dtype_is_float(c.dtype(0))) c.fail("Mod of floats requires fmod=1");
  infer_binary<ModAttrs>(c);
}
void lower_Mod(LowerCtx& c) {
  if (c.attrs<ModAttrs>().fmod) lower_binary(c, functor("FMod", k::FMod{}));
  else lower_binary(c, functor("Mod", k::Mod{}));
}

struct BitShiftAttrs {
  int direction = 0;  // LEFT, RIGHT
  template <class V>
  void fields(V& v) {
    if (!v.has("direction")) v.fail("attribute 'direction' is required");
    v("direction", direction, {"LEFT", "RIGHT"});
  }
};
void lower_BitShift(LowerCtx& c) {
  if (c.attrs<BitShiftAttrs>().direction == 0) lower_binary(c, functor("ShiftLeft", k::ShiftLeft{}));
  else lower_binary(c, functor("ShiftRight", k::ShiftRight{}));
}

// ---- variadic: Sum, Mean, Max, Min ------------------------------------------------------------

void infer_variadic(OpCtx& c) {
  c.attrs<NoAttrs>();
  Shape s = c.shape(0);
  for (size_t i = 1; i < c.num_in(); ++i) s = broadcast(c, s, c.shape(i));
  c.set_out(0, c.dtype(0), s);
}

void lower_variadic(LowerCtx& c, const Arg& fn, bool mean) {
  const Shape& out = c.out(0).shape;
  if (c.num_in() == 1) {
    c.call("strided_copy", {c.X(0), c.Y(0), obj(make_strided(out, bcast_strides(c.shape(0), out)))});
  } else {
    c.call("binary", {c.X(0), c.X(1), c.Y(0), obj(make_bcast2(c.shape(0), c.shape(1), out)), fn});
    for (size_t i = 2; i < c.num_in(); ++i)  // Y accumulates: it is read as the first operand
      c.call("binary", {c.Y(0), c.X(i), c.Y(0), obj(make_bcast2(out, c.shape(i), out)), fn});
  }
  if (mean)
    c.call("scale", {c.Y(0), c.Y(0), index(numel(out)), scalar(c.dtype(0), 1.0 / static_cast<double>(c.num_in()))});
}

void lower_Sum(LowerCtx& c) { lower_variadic(c, functor("Add", k::Add{}), false); }
void lower_Mean(LowerCtx& c) { lower_variadic(c, functor("Add", k::Add{}), true); }
void lower_Max(LowerCtx& c) { lower_variadic(c, functor("Max", k::Max{}), false); }
void lower_Min(LowerCtx& c) { lower_variadic(c, functor("Min", k::Min{}), false); }

// d Sum: dY to each input, d Mean: dY / n; summed back over the dims each was broadcast along.
// d Max, d Min: dY to the inputs equal to the result, shared evenly among tied ones (PyTorch's
// maximum and minimum: half each on a tie of two).
void grad_variadic(GradCtx& c) {
  const int dy = c.dY(0);
  if (dy < 0) return;
  GradMath m{c};
  const std::string& op = c.node().op;
  const size_t n = c.num_in();
  const int y = c.node().outputs[0];
  std::vector<int> hit(n, -1);  // Max, Min: where input i is the result
  int share = dy;
  if (op == "Mean" && n > 1) share = m.mul(dy, m.k(dy, 1.0 / static_cast<double>(n)));
  if ((op == "Max" || op == "Min") && n > 1) {
    int count = -1;
    for (size_t i = 0; i < n; ++i) {
      hit[i] = c.add("Equal", {c.node().inputs[i], y});
      const int one = c.add("Cast", {hit[i]}, {{"to", Attr::of(static_cast<int64_t>(c.dtype(0)))}});
      count = count < 0 ? one : m.add(count, one);
    }
    share = m.div(dy, count);
  }
  for (size_t i = 0; i < n; ++i) {
    if (!c.wants(i)) continue;
    const int d = hit[i] >= 0 ? m.where(hit[i], share, m.k(dy, 0.0)) : share;
    c.set_dX(i, c.sum_to(d, Shape(c.shape(i))));
  }
}

// ---- Where ----------------------------------------------------------------------------------

void infer_Where(OpCtx& c) {
  c.attrs<NoAttrs>();
  c.set_out(0, c.dtype(1), broadcast(c, broadcast(c, c.shape(0), c.shape(1)), c.shape(2)));
}
void lower_Where(LowerCtx& c) {
  const k::Bcast3 p = make_bcast3(c.shape(0), c.shape(1), c.shape(2), c.out(0).shape);
  c.call("where", {c.X(0), c.X(1), c.X(2), c.Y(0), obj(p)});
}
// d Where: dY to X where the condition holds, to Y elsewhere (the condition has none).
void grad_Where(GradCtx& c) {
  const int dy = c.dY(0);
  if (dy < 0) return;
  const int cond = c.node().inputs[0], zero = c.scalar_like(dy, 0.0);
  if (c.wants(1)) c.set_dX(1, c.sum_to(c.add("Where", {cond, dy, zero}), Shape(c.shape(1))));
  if (c.wants(2)) c.set_dX(2, c.sum_to(c.add("Where", {cond, zero, dy}), Shape(c.shape(2))));
}

}  // namespace

O2C_DEFINE_OP(Pow, infer_binary<>, lower_Pow, false, false, grad_Pow, true);
O2C_DEFINE_OP(PRelu, infer_PRelu, lower_PRelu);
O2C_DEFINE_OP(Mod, infer_Mod, lower_Mod);
O2C_DEFINE_OP(BitShift, infer_binary<BitShiftAttrs>, lower_BitShift);
O2C_DEFINE_OP(Sum, infer_variadic, lower_Sum, false, false, grad_variadic);
O2C_DEFINE_OP(Mean, infer_variadic, lower_Mean, false, false, grad_variadic);
O2C_DEFINE_OP(Max, infer_variadic, lower_Max, false, false, grad_variadic);
O2C_DEFINE_OP(Min, infer_variadic, lower_Min, false, false, grad_variadic);
O2C_DEFINE_OP(Where, infer_Where, lower_Where, false, false, grad_Where);

}  // namespace o2c
