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

}  // namespace

O2C_DEFINE_OP(NegativeLogLikelihoodLoss, infer_loss, lower_loss);
O2C_DEFINE_OP(SoftmaxCrossEntropyLoss, infer_loss, lower_loss);

}  // namespace o2c
