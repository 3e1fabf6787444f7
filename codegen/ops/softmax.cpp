// Softmax and LogSoftmax: before version 13 the input is coerced to 2-D at `axis`
// (default 1); from 13 on the op normalizes along `axis` alone (default -1).
#include "ops/helpers.hpp"

namespace o2c {
namespace {

struct SoftmaxAttrs {
  int64_t axis = 0;
  bool set = false;
  template <class V>
  void fields(V& v) {
    set = v.has("axis");
    v("axis", axis);
  }
};

struct Dims3 {
  int64_t outer, n, inner;
};

Dims3 softmax_dims(OpCtx& c) {
  const Shape& x = c.shape(0);
  const int64_t r = static_cast<int64_t>(x.size());
  const bool old = c.version() < 13;
  const auto at = c.attrs<SoftmaxAttrs>();
  int64_t a = at.set ? at.axis : old ? 1 : -1;
  if (a < 0) a += r;
  if (a < 0 || a > std::max<int64_t>(r - (old ? 0 : 1), 0)) c.fail("axis out of range");
  Dims3 d{1, 1, 1};
  for (int64_t i = 0; i < r; ++i) {
    if (i < a) d.outer *= x[i];
    else if (i == a || old) d.n *= x[i];
    else d.inner *= x[i];
  }
  return d;
}

void infer_softmax(OpCtx& c) {
  softmax_dims(c);
  c.set_out(0, c.dtype(0), c.shape(0));
}

void lower_softmax(LowerCtx& c) {
  const Dims3 d = softmax_dims(c);
  c.call("softmax", {c.X(0), c.Y(0), index(d.outer), index(d.n), index(d.inner), boolean(c.node().op == "LogSoftmax")});
}

}  // namespace

O2C_DEFINE_OP(Softmax, infer_softmax, lower_softmax);
O2C_DEFINE_OP(LogSoftmax, infer_softmax, lower_softmax);

}  // namespace o2c
