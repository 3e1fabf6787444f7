// Softmax and LogSoftmax: before version 13 the input is coerced to 2-D at `axis`
// (default 1); from 13 on the op normalizes along `axis` alone (default -1).
#include "ops/helpers.hpp"

namespace o2c {
namespace {

void infer_softmax(OpCtx& c) {
  coerced_axis_dims(c);
  c.set_out(0, c.dtype(0), c.shape(0));
}

void lower_softmax(LowerCtx& c) {
  const Dims3 d = coerced_axis_dims(c);
  c.call("softmax", {c.X(0), c.Y(0), index(d.outer), index(d.n), index(d.inner), boolean(c.node().op == "LogSoftmax")});
}

}  // namespace

O2C_DEFINE_OP(Softmax, infer_softmax, lower_softmax);
O2C_DEFINE_OP(LogSoftmax, infer_softmax, lower_softmax);

}  // namespace o2c
