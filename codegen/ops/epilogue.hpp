// The epilogue of a fused op (domain onnx2cpp: FusedConv, FusedGemm, FusedMatMul,
// FusedBatchNormalization, FusedInstanceNormalization, ConvThenDepthwise): the activation
// passes/fuse.cpp folded into it, as attributes.
#pragma once
#include <string>

#include "ops/helpers.hpp"

namespace o2c {

// The ONNX2CPP_K_ACT_KINDS names ("None", "Relu", ...), indexed by k::Act::Kind.
const Spellings& act_spellings();

struct EpilogueAttrs {
  int activation = k::Act::None;
  float activation_alpha = 0.0f, activation_beta = 0.0f;
  std::string fused;  // the ops the node stands for, "Conv+Add+Relu" (comments and profiles)
  template <class V>
  void fields(V& v) {
    v("activation", activation, act_spellings());
    v("activation_alpha", activation_alpha);
    v("activation_beta", activation_beta);
    v("fused", fused);
  }
  k::Act act() const { return k::Act{activation, activation_alpha, activation_beta}; }
  void set(const k::Act& a) {
    activation = a.kind;
    activation_alpha = a.alpha;
    activation_beta = a.beta;
  }
};

// An op's attributes with the epilogue's: struct Fused<A> { A base; EpilogueAttrs epi; }.
template <class A>
struct WithEpilogue {
  A base;
  EpilogueAttrs epi;
  template <class V>
  void fields(V& v) {
    base.fields(v);
    epi.fields(v);
  }
};

}  // namespace o2c
