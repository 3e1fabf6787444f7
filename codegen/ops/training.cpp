// ai.onnx.preview.training: the optimizers Momentum, Adagrad, Adam (templates/training.hpp):
// inputs R (learning rate), T (update count), then the optimized tensors in groups (X..., G...,
// and the optimizer's states); outputs the new X... and states. And Gradient, which the
// backward rules replace while the graph is inferred (passes/backward.cpp: expand_gradient).
// And the optimizers of a compiled training step, SGDStep and AdamStep (onnx2cpp domain, one
// node per parameter, torch.optim's rules: passes/train_step.cpp makes them).
#include "ops/helpers.hpp"
#include "ops/training.hpp"

namespace o2c {
namespace {

// The number of optimized tensors, with `groups` input groups after R and T; each group's
// tensor i must have X_i's shape and type.
int64_t tensors_of(OpCtx& c, int64_t groups) {
  const int64_t rest = static_cast<int64_t>(c.num_in()) - 2;
  if (rest <= 0 || rest % groups != 0) c.fail("expects R, T and " + std::to_string(groups) + " groups of the same number of tensors");
  const int64_t n = rest / groups;
  if (static_cast<int64_t>(c.num_out()) > (groups - 1) * n) c.fail("has too many outputs");
  if (numel(c.shape(0)) != 1 || numel(c.shape(1)) != 1) c.fail("R and T must be scalars");
  for (int64_t i = 0; i < n; ++i)
    for (int64_t g = 1; g < groups; ++g) {
      const size_t j = static_cast<size_t>(2 + g * n + i), x = static_cast<size_t>(2 + i);
      if (!c.has_in(j) || !c.has_in(x)) c.fail("no input may be omitted");
      if (c.shape(j) != c.shape(x) || c.dtype(j) != c.dtype(x))
        c.fail("input " + std::to_string(j) + " must have the type and shape of input " + std::to_string(x));
    }
  // Outputs: the new X_i, then each state (groups after G) in order.
  for (size_t o = 0; o < c.num_out(); ++o) {
    const size_t x = static_cast<size_t>(2 + static_cast<int64_t>(o) % n);
    if (c.has_out(o)) c.set_out(o, c.dtype(x), c.shape(x));
  }
  return n;
}

struct MomentumAttrs {
  float alpha = 0.f, beta = 0.f, norm_coefficient = 0.f;
  std::string mode;
  O2C_FIELDS(alpha, beta, norm_coefficient, mode)
};

void infer_Momentum(OpCtx& c) {
  const auto a = c.attrs<MomentumAttrs>();
  for (const char* req : {"alpha", "beta", "norm_coefficient", "mode"})
    if (!c.has(req)) c.fail(std::string("attribute ") + req + " is required");
  if (a.mode != "standard" && a.mode != "nesterov") c.fail("mode must be standard or nesterov, got " + a.mode);
  tensors_of(c, 3);
}

void lower_Momentum(LowerCtx& c) {
  const auto a = c.attrs<MomentumAttrs>();
  const int64_t n = (static_cast<int64_t>(c.num_in()) - 2) / 3;
  for (int64_t i = 0; i < n; ++i) {
    const size_t x = static_cast<size_t>(2 + i), vo = static_cast<size_t>(n + i);
    const bool hx = c.has_out(x - 2), hv = c.has_out(vo);
    if (hx != hv) c.unsupported("an optimized tensor with only one of its outputs");
    if (!hx || numel(c.shape(x)) == 0) continue;
    c.call("momentum_update", {type_arg(c.dtype(x)), type_arg(c.dtype(0))},
           {c.X(0), c.X(1), c.X(x), c.X(x + n), c.X(x + 2 * n), c.Y(x - 2), c.Y(vo),
            index(numel(c.shape(x))), scalar(DType::Double, a.norm_coefficient), scalar(DType::Double, a.alpha),
            scalar(DType::Double, a.beta), boolean(a.mode == "nesterov")});
  }
}

struct AdagradAttrs {
  float decay_factor = 0.f, epsilon = 0.f, norm_coefficient = 0.f;
  O2C_FIELDS(decay_factor, epsilon, norm_coefficient)
};

void infer_Adagrad(OpCtx& c) {
  c.attrs<AdagradAttrs>();
  tensors_of(c, 3);
}

void lower_Adagrad(LowerCtx& c) {
  const auto a = c.attrs<AdagradAttrs>();
  const int64_t n = (static_cast<int64_t>(c.num_in()) - 2) / 3;
  for (int64_t i = 0; i < n; ++i) {
    const size_t x = static_cast<size_t>(2 + i), ho = static_cast<size_t>(n + i);
    const bool hx = c.has_out(x - 2), hh = c.has_out(ho);
    if (hx != hh) c.unsupported("an optimized tensor with only one of its outputs");
    if (!hx || numel(c.shape(x)) == 0) continue;
    c.call("adagrad_update", {type_arg(c.dtype(x)), type_arg(c.dtype(0))},
           {c.X(0), c.X(1), c.X(x), c.X(x + n), c.X(x + 2 * n), c.Y(x - 2), c.Y(ho), index(numel(c.shape(x))),
            scalar(DType::Double, a.norm_coefficient), scalar(DType::Double, a.epsilon),
            scalar(DType::Double, a.decay_factor)});
  }
}

struct AdamAttrs {
  float alpha = 0.9f, beta = 0.999f, epsilon = 0.f, norm_coefficient = 0.f, norm_coefficient_post = 0.f;
  O2C_FIELDS(alpha, beta, epsilon, norm_coefficient, norm_coefficient_post)
};

void infer_Adam(OpCtx& c) {
  c.attrs<AdamAttrs>();
  tensors_of(c, 4);
}

void lower_Adam(LowerCtx& c) {
  const auto a = c.attrs<AdamAttrs>();
  const int64_t n = (static_cast<int64_t>(c.num_in()) - 2) / 4;
  for (int64_t i = 0; i < n; ++i) {
    const size_t x = static_cast<size_t>(2 + i), vo = static_cast<size_t>(n + i), ho = static_cast<size_t>(2 * n + i);
    const bool hx = c.has_out(x - 2), hv = c.has_out(vo), hh = c.has_out(ho);
    if (hx != hv || hx != hh) c.unsupported("an optimized tensor with only some of its outputs");
    if (!hx || numel(c.shape(x)) == 0) continue;
    c.call("adam_update", {type_arg(c.dtype(x)), type_arg(c.dtype(0))},
           {c.X(0), c.X(1), c.X(x), c.X(x + n), c.X(x + 2 * n), c.X(x + 3 * n), c.Y(x - 2), c.Y(vo), c.Y(ho),
            index(numel(c.shape(x))), scalar(DType::Double, a.norm_coefficient),
            scalar(DType::Double, a.norm_coefficient_post), scalar(DType::Double, a.alpha),
            scalar(DType::Double, a.beta), scalar(DType::Double, a.epsilon)});
  }
}

// Outputs: dy/dx, typed like each x. The values must be the ones xs and zs name (the spec
// passes them as inputs so that the graph stays ordered).
void infer_Gradient(OpCtx& c) {
  const auto a = c.attrs<GradientAttrs>();
  if (c.num_in() != a.xs.size() + a.zs.size()) c.fail("expects one input per name of xs and zs");
  if (c.num_out() != a.xs.size()) c.fail("expects one output per name of xs");
  for (size_t i = 0; i < c.num_in(); ++i) {
    const std::string& name = i < a.xs.size() ? a.xs[i] : a.zs[i - a.xs.size()];
    if (!c.has_in(i) || c.in(i).name != name) c.fail("input " + std::to_string(i) + " must be the value " + quote_name(name));
  }
  for (size_t i = 0; i < a.xs.size(); ++i)
    if (c.has_out(i)) c.set_out(i, c.dtype(i), c.shape(i));
}
void lower_Gradient(LowerCtx& c) { c.fail("was not replaced by its gradient nodes (passes/backward.cpp)"); }

// The step's optimizer nodes: lr and step scalars, then p, its gradient and states of p's shape.
void infer_step(OpCtx& c) {
  if (numel(c.shape(0)) != 1 || numel(c.shape(1)) != 1) c.fail("lr and step must be scalars");
  for (size_t i = 3; i < c.num_in(); ++i)
    if (c.has_in(i) && (c.shape(i) != c.shape(2) || c.dtype(i) != c.dtype(2)))
      c.fail("input " + std::to_string(i) + " must have the type and shape of p");
  for (size_t o = 0; o < c.num_out(); ++o)
    if (c.has_out(o)) c.set_out(o, c.dtype(2), c.shape(2));
}

void infer_SGDStep(OpCtx& c) {
  c.attrs<SGDStepAttrs>();
  if (c.has_in(4) != c.has_out(1)) c.fail("the momentum buffer needs both its input and its output");
  infer_step(c);
}

void lower_SGDStep(LowerCtx& c) {
  const auto a = c.attrs<SGDStepAttrs>();
  const DType t = c.dtype(2);
  const bool buf = c.has_in(4);
  c.call("sgd_step", {type_arg(t)},
         {c.X(0), c.X(1), c.X(2), c.X(3), buf ? c.X(4) : null_of(t), c.Y(0), buf ? c.Y(1) : Arg{},  // T given: a plain null for the output
          index(numel(c.shape(2))), scalar(t, a.momentum), scalar(t, a.dampening), scalar(t, a.weight_decay),
          boolean(a.nesterov != 0)});
}

void infer_AdamStep(OpCtx& c) {
  c.attrs<AdamStepAttrs>();
  infer_step(c);
}

void lower_AdamStep(LowerCtx& c) {
  const auto a = c.attrs<AdamStepAttrs>();
  c.call("adam_step", {type_arg(c.dtype(2))},
         {c.X(0), c.X(1), c.X(2), c.X(3), c.X(4), c.X(5), c.Y(0), c.Y(1), c.Y(2), index(numel(c.shape(2))),
          scalar(DType::Double, a.beta1), scalar(DType::Double, a.beta2), scalar(DType::Double, a.eps),
          scalar(DType::Double, a.weight_decay), boolean(a.decoupled != 0)});
}

}  // namespace

O2C_DEFINE_OP(SGDStep, infer_SGDStep, lower_SGDStep);
O2C_DEFINE_OP(AdamStep, infer_AdamStep, lower_AdamStep);
O2C_DEFINE_OP(Momentum, infer_Momentum, lower_Momentum);
O2C_DEFINE_OP(Adagrad, infer_Adagrad, lower_Adagrad);
O2C_DEFINE_OP(Adam, infer_Adam, lower_Adam);
O2C_DEFINE_OP(Gradient, infer_Gradient, lower_Gradient);

}  // namespace o2c
