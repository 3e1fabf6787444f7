// Softmax and LogSoftmax: before version 13 the input is coerced to 2-D at `axis`
// (default 1); from 13 on the op normalizes along `axis` alone (default -1).
#include "ops/helpers.hpp"

namespace o2c {
namespace {

void infer_softmax(OpCtx& c) {
  coerced_axis_dims(c);
  c.set_out_dims(0, c.dtype(0), c.dims(0));
}

void lower_softmax(LowerCtx& c) {
  const DimsOf3 d = coerced_axis_dims(c);
  c.call("softmax", {c.X(0), c.Y(0), c.extent(d.outer), c.extent(d.n), c.extent(d.inner), boolean(c.node().op == "LogSoftmax")});
}

// Softmax: dX = Y (dY - sum(dY Y)); LogSoftmax: dX = dY - exp(Y) sum(dY); the sums over the
// normalized dims (the axis alone from version 13, it and every later dim before), kept.
void grad_softmax(GradCtx& c) {
  const int dy = c.dY(0);
  if (dy < 0 || !c.wants(0)) return;
  const int y = c.node().outputs[0];
  std::vector<int64_t> axes;
  for (int64_t a = coerced_axis(c); a < c.rank(0) && (axes.empty() || c.version() < 13); ++a) axes.push_back(a);
  auto sum = [&](int v) {  // no axes (an old axis past the last dim): each element alone
    return axes.empty() ? v : c.add("ReduceSum", {v, c.ints(axes)}, {{"keepdims", Attr::of(int64_t{1})}});
  };
  if (c.node().op == "Softmax")
    c.set_dX(0, c.add("Mul", {y, c.add("Sub", {dy, sum(c.add("Mul", {dy, y}))})}));
  else
    c.set_dX(0, c.add("Sub", {dy, c.add("Mul", {c.add("Exp", {y}), sum(dy)})}));
}

}  // namespace

O2C_DEFINE_OP(Softmax, infer_softmax, lower_softmax, false, false, grad_softmax, true);
O2C_DEFINE_OP(LogSoftmax, infer_softmax, lower_softmax, false, false, grad_softmax, true);

}  // namespace o2c
