// Softmax and LogSoftmax: before opset 13 the input is coerced to 2-D at `axis`
// (default 1); from 13 on the op normalizes along `axis` alone (default -1).
#include "ops/helpers.hpp"

namespace o2c {
namespace {

struct Dims3 {
  int64_t outer, n, inner;
};

Dims3 softmax_dims(OpCtx& c) {
  const Shape& x = c.shape(0);
  const int64_t r = static_cast<int64_t>(x.size());
  const bool old = c.opset() < 13;
  int64_t a = c.i("axis", old ? 1 : -1);
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
  c.arity(1, 1);
  c.expect_type(0, {DType::Float, DType::Double});
  softmax_dims(c);
  c.set_out(0, c.dtype(0), c.shape(0));
}

bool is_log(OpCtx& c) { return c.node().op == "LogSoftmax"; }

void emit_softmax(EmitCtx& c) {
  Dims3 d = softmax_dims(c);
  c.line("k::softmax(" + c.X(0) + ", " + c.Y(0) + ", " + lit(d.outer) + ", " + lit(d.n) + ", " + lit(d.inner) +
         ", " + (is_log(c) ? "true" : "false") + ");");
}

void eval_softmax(OpCtx& c) {
  Dims3 d = softmax_dims(c);
  Tensor y = out_tensor(c, 0);
  dispatch_float(y.dtype, [&](auto tag) {
    using T = decltype(tag);
    k::softmax(c.const_in(0)->data<T>(), y.data<T>(), d.outer, d.n, d.inner, is_log(c));
  });
  c.set_const(0, std::move(y));
}

}  // namespace

O2C_DEFINE_OP(Softmax, infer_softmax, emit_softmax, eval_softmax);
O2C_DEFINE_OP(LogSoftmax, infer_softmax, emit_softmax, eval_softmax);

}  // namespace o2c
