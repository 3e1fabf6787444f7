// Losses: NegativeLogLikelihoodLoss (templates/loss.hpp) and SoftmaxCrossEntropyLoss (a
// log-softmax over the classes by templates/softmax.hpp, into its log_prob output or scratch,
// then the same loss).
#include "ops/helpers.hpp"

namespace o2c {
namespace {

struct LossAttrs {
  int reduction = k::kLossMean;  // none, sum, mean
  int64_t ignore_index = 0;
  bool has_ignore_index = false;  // no default: without it every class counts
  template <class V>
  void fields(V& v) {
    v("reduction", reduction, {"none", "sum", "mean"});
    has_ignore_index = v.has("ignore_index");
    v("ignore_index", ignore_index);
  }
};

// Input 0 [N, C, d1..dk] viewed as [N, C, D]; input 1 (the classes) is [N, d1..dk].
struct LossDims {
  int64_t N, C, D;
};
LossDims loss_dims(OpCtx& c) {
  const Shape& x = c.shape(0);
  if (x.size() < 2) c.fail("input must have rank >= 2");
  Shape t = {x[0]};
  t.insert(t.end(), x.begin() + 2, x.end());
  if (c.shape(1) != t) c.fail("the target's shape must be the input's without dim 1");
  if (c.has_in(2) && c.shape(2) != Shape{x[1]}) c.fail("weight must have C elements");
  LossDims d{x[0], x[1], 1};
  for (size_t i = 2; i < x.size(); ++i) d.D *= x[i];
  return d;
}

void infer_loss(OpCtx& c) {
  const auto a = c.attrs<LossAttrs>();
  loss_dims(c);
  c.set_out(0, c.dtype(0), a.reduction == k::kLossNone ? c.shape(1) : Shape{});
  if (c.has_out(1)) c.set_out(1, c.dtype(0), c.shape(0));
  // SoftmaxCrossEntropyLoss without log_prob: the log-probabilities in scratch.
  if (c.node().op == "SoftmaxCrossEntropyLoss" && !c.has_out(1))
    c.set_scratch(numel(c.shape(0)) * static_cast<int64_t>(dtype_size(c.dtype(0))));
}

void lower_loss(LowerCtx& c) {
  const auto a = c.attrs<LossAttrs>();
  const LossDims d = loss_dims(c);
  Arg logp = c.X(0);
  if (c.node().op == "SoftmaxCrossEntropyLoss") {
    logp = c.has_out(1) ? c.Y(1) : c.scratch(c.dtype(0));
    c.call("softmax", {c.X(0), logp, index(d.N), index(d.C), index(d.D), boolean(true)});
  }
  const char* names[] = {"k::kLossNone", "k::kLossSum", "k::kLossMean"};
  c.call("nll_loss", {logp, c.X(1), c.has_in(2) ? c.X(2) : null_of(c.dtype(0)), c.Y(0), index(d.N), index(d.C),
                      index(d.D), symbol(names[a.reduction], a.reduction), boolean(a.has_ignore_index),
                      index(a.ignore_index)});
}

// A constant scalar of the classes' integer type.
int class_scalar(GradCtx& c, int64_t v) {
  Tensor t(c.dtype(1), {});
  if (t.dtype == DType::Int32) t.data<int32_t>()[0] = static_cast<int32_t>(v);
  else t.data<int64_t>()[0] = v;
  return c.constant(std::move(t));
}

// The samples as the loss weighs them.
struct LossSamples {
  int valid = -1;  // bool [N, d1..dk]: the class is not ignore_index (-1: all are valid)
  int t = -1;      // the classes, ignored ones read as class 0
  int w = -1;      // the weights applied [N, d1..dk]: w[t] (1 without weights), 0 where ignored; -1: all 1
  int den = -1;    // mean: the sum of the weights applied
};

LossSamples loss_samples(GradCtx& c, const LossAttrs& a) {
  LossSamples s;
  const int dy = c.dY(0);
  s.t = c.node().inputs[1];
  if (a.has_ignore_index) {
    s.valid = c.add("Not", {c.add("Equal", {s.t, class_scalar(c, a.ignore_index)})});
    s.t = c.add("Where", {s.valid, s.t, class_scalar(c, 0)});
  }
  if (c.has_in(2)) s.w = c.add("Gather", {c.node().inputs[2], s.t});
  if (s.valid >= 0) s.w = c.add("Where", {s.valid, s.w >= 0 ? s.w : c.scalar_like(dy, 1.0), c.scalar_like(dy, 0.0)});
  if (a.reduction == k::kLossMean)
    s.den = s.w >= 0 ? c.add("ReduceSum", {s.w}, {{"keepdims", Attr::of(int64_t{0})}})
                     : c.scalar_like(dy, static_cast<double>(numel(c.shape(1))));
  return s;
}

// v where the sample is valid, exactly 0 elsewhere (also when v is inf or NaN there: PyTorch
// leaves the ignored samples' gradients 0, also when every sample is ignored).
int valid_only(GradCtx& c, const LossSamples& s, int v) {
  return s.valid >= 0 ? c.add("Where", {s.valid, v, c.scalar_like(v, 0.0)}) : v;
}

// The gradient of the losses with respect to the log-probabilities is -coef on each sample's
// class, 0 elsewhere: coef [N, d1..dk] (or a scalar) is the weight applied times dY (none,
// sum) or dY over the sum of the weights applied (mean).
int loss_coef(GradCtx& c, const LossAttrs& a, const LossSamples& s) {
  const int scale = a.reduction == k::kLossMean ? c.add("Div", {c.dY(0), s.den}) : c.dY(0);
  return s.w < 0 ? scale : valid_only(c, s, c.add("Mul", {s.w, scale}));
}

// The class weights' gradient: sample i of class t adds dY l_i (none, sum) or dY (l_i - L) / W
// (mean, L the loss, W the sum of the weights applied) to w[t], l_i = -logp[n, t, d].
int weight_grad(GradCtx& c, const LossAttrs& a, const LossSamples& s, int logp) {
  const int dy = c.dY(0), one = c.ints({1});
  const int at_t = c.add("Squeeze", {c.add("GatherElements", {logp, c.add("Unsqueeze", {s.t, one})}, {{"axis", Attr::of(int64_t{1})}}), one});
  int v = c.add("Mul", {dy, c.add("Neg", {at_t})});
  if (a.reduction == k::kLossMean)
    v = c.add("Div", {c.add("Sub", {v, c.add("Mul", {dy, c.node().outputs[0]})}), s.den});
  const int64_t m = numel(c.shape(1)), C = c.shape(0)[1];
  int t = s.t;
  if (c.dtype(1) != DType::Int64) t = c.add("Cast", {t}, {{"to", Attr::of(static_cast<int64_t>(DType::Int64))}});
  const int zeros = c.add("Expand", {c.scalar_like(dy, 0.0), c.ints({C})});
  return c.add("ScatterND", {zeros, c.reshape(t, {m, 1}), c.reshape(valid_only(c, s, v), {m})},
               {{"reduction", Attr::of(std::string("add"))}}, 16);
}

// d NegativeLogLikelihoodLoss: -coef on the class's row. d SoftmaxCrossEntropyLoss: coef
// (softmax(X) - onehot(t)), plus LogSoftmax's gradient of the log_prob output's dY. The
// classes have no gradient.
void grad_loss(GradCtx& c) {
  const auto a = c.attrs<LossAttrs>();
  const bool sce = c.node().op == "SoftmaxCrossEntropyLoss";
  const int x = c.node().inputs[0], dy = c.dY(0), dlp = sce ? c.dY(1) : -1;
  const int64_t r = c.rank(0);
  // exp(log_prob) when the node has that output, else the softmax anew.
  int p = -1;
  auto probs = [&] {
    if (p < 0) p = c.has_out(1) ? c.add("Exp", {c.node().outputs[1]}) : c.add("Softmax", {x}, {{"axis", Attr::of(int64_t{1})}});
    return p;
  };
  const auto keep = Attr::of(int64_t{1});
  int dx = -1;
  if (dy >= 0) {
    const LossSamples s = loss_samples(c, a);
    if (c.wants(2)) {
      int logp = x;
      if (sce) logp = c.has_out(1) ? c.node().outputs[1] : c.add("LogSoftmax", {x}, {{"axis", Attr::of(int64_t{1})}});
      c.set_dX(2, weight_grad(c, a, s, logp));
    }
    int coef = loss_coef(c, a, s);
    if (!c.graph().values[coef].shape.empty()) coef = c.add("Unsqueeze", {coef, c.ints({1})});
    Shape cs(static_cast<size_t>(r), 1);  // the classes along dim 1
    cs[1] = c.shape(0)[1];
    Tensor classes(c.dtype(1), cs);
    for (int64_t i = 0; i < cs[1]; ++i) {
      if (classes.dtype == DType::Int32) classes.data<int32_t>()[i] = static_cast<int32_t>(i);
      else classes.data<int64_t>()[i] = i;
    }
    const int onehot = c.add("Equal", {c.add("Unsqueeze", {c.node().inputs[1], c.ints({1})}), c.constant(std::move(classes))});
    if (sce) {
      const int hot = c.add("Cast", {onehot}, {{"to", Attr::of(static_cast<int64_t>(c.dtype(0)))}});
      dx = c.add("Mul", {c.add("Sub", {probs(), hot}), coef});
    } else {
      dx = c.add("Where", {onehot, c.add("Neg", {coef}), c.scalar_like(dy, 0.0)});
    }
  }
  if (dlp >= 0) {
    const int s = c.add("ReduceSum", {dlp, c.ints({1})}, {{"keepdims", keep}});
    const int d = c.add("Sub", {dlp, c.add("Mul", {probs(), s})});
    dx = dx >= 0 ? c.add("Add", {dx, d}) : d;
  }
  if (dx >= 0 && c.wants(0)) c.set_dX(0, dx);
}

}  // namespace

O2C_DEFINE_OP(NegativeLogLikelihoodLoss, infer_loss, lower_loss, false, false, grad_loss);
O2C_DEFINE_OP(SoftmaxCrossEntropyLoss, infer_loss, lower_loss, false, false, grad_loss);

}  // namespace o2c
