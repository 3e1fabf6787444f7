// FlexAttention's attributes and plan, shared by its op (ops/attention.cpp) and the pass that
// inlines its modifier graphs (passes/flex_attention.cpp).
#pragma once
#include "ops/op.hpp"

namespace o2c {

struct FlexAttentionAttrs {
  float scale = 0.f;
  bool scale_set = false;         // default: 1 / sqrt(head size)
  int64_t softmax_precision = 0;  // 0: float, double for double inputs
  std::shared_ptr<Graph> score_mod, prob_mod;
  template <class V>
  void fields(V& v) {
    scale_set = v.has("scale");
    v("scale", scale);
    v("softmax_precision", softmax_precision);
    v("score_mod", score_mod);
    v("prob_mod", prob_mod);
  }
};

// A FlexAttention node checked: 4-D Q [B, Hq, L, E], K [B, Hkv, S, E], V [B, Hkv, S, Ev]
// with Hq a multiple of Hkv; the scale applied to Q K^T (the spec's sqrt(scale) on Q and K,
// rounded as it rounds it) and the type the scores and probabilities are computed in.
struct FlexPlan {
  int64_t B, Hq, Hkv, L, S, E, Ev;
  float sqrt_scale;
  DType precision;
};
FlexPlan flex_attention_plan(OpCtx& c);

}  // namespace o2c
