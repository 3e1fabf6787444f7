// CausalConvWithState: the depthwise causal 1-D convolution of hybrid linear-attention / SSM
// layers, its left context carried between calls as a state: templates/causal_conv.hpp.
#include "ops/helpers.hpp"

namespace o2c {
namespace {

struct CausalConvAttrs {
  int activation = 0;  // none, silu, swish (swish = silu)
  template <class V>
  void fields(V& v) {
    v("activation", activation, {"none", "silu", "swish"});
  }
};

struct CausalConvDims {
  int64_t B, C, L, K;
};

CausalConvDims causal_conv_dims(OpCtx& c) {
  c.attrs<CausalConvAttrs>();
  const Shape &x = c.shape(0), &w = c.shape(1);
  if (x.size() != 3) c.fail("input must be [batch_size, channels, length]");
  if (w.size() != 3 || w[0] != x[1] || w[1] != 1) c.fail("weight must be [channels, 1, kernel_size]");
  const CausalConvDims d{x[0], x[1], x[2], w[2]};
  if (d.K < 1) c.fail("kernel_size must be at least 1");
  if (c.has_in(2) && c.shape(2) != Shape{d.C}) c.fail("bias must be [channels]");
  if (c.has_in(3) && c.shape(3) != Shape{d.B, d.C, d.K - 1}) c.fail("past_state must be [batch_size, channels, kernel_size - 1]");
  return d;
}

void infer_CausalConvWithState(OpCtx& c) {
  const CausalConvDims d = causal_conv_dims(c);
  c.set_out(0, c.dtype(0), c.shape(0));
  if (c.has_out(1)) c.set_out(1, c.dtype(0), {d.B, d.C, d.K - 1});
}

void lower_CausalConvWithState(LowerCtx& c) {
  const CausalConvDims d = causal_conv_dims(c);
  const bool silu = c.attrs<CausalConvAttrs>().activation != 0;
  c.call("causal_conv_with_state", {type_arg(c.dtype(0))},
         {c.X(0), c.X(1), c.X(2), c.X(3), c.Y(0), c.Y(1), index(d.B), index(d.C), index(d.L), index(d.K),
          boolean(silu)});
}

}  // namespace

O2C_DEFINE_OP(CausalConvWithState, infer_CausalConvWithState, lower_CausalConvWithState);

}  // namespace o2c
