// What graph passes ask about a convolution (Conv, FusedConv; its shapes inferred): its
// attributes, kernel parameters and which kernel it runs.
#pragma once
#include "ops/epilogue.hpp"
#include "ops/kernels.hpp"
#include "ops/op.hpp"
#include "ops/spatial.hpp"

namespace o2c {

struct ConvAttrs {
  WindowAttrs window;
  int64_t group = 1;
  template <class V>
  void fields(V& v) {
    window.fields(v);
    window.dilation_field(v);
    v("group", group);
  }
};
// FusedConv: a Conv with a residual input Z (added before the activation) and an activation.
using FusedConvAttrs = WithEpilogue<ConvAttrs>;
// ConvThenDepthwise: a conv (attributes prefixed "first.") streamed into a depthwise conv.
struct ConvThenDepthwiseAttrs {
  ConvAttrs first, second;
  EpilogueAttrs first_epi, epi;
  template <class V>
  void fields(V& v) {
    Prefixed<V> p(v, "first.");
    first.fields(p);
    first_epi.fields(p);
    second.fields(v);
    epi.fields(v);
  }
};

// The kernel parameters of a convolution of X by W with these attributes.
k::ConvParams conv_params(OpCtx& c, const Shape& x, const Shape& w, const ConvAttrs& a);
// Of a Conv or FusedConv node.
k::ConvParams conv_params_of(Graph& g, Node& n);

// What a conv can do with tensors that have the channels last (passes/channels_last.cpp):
// Channels: read, write and take its residual that way in conv_channels() or
// conv_winograd_last() (constant weights, group 1, output channels in whole packets on every
// target, not a layer for the NCHW Winograd kernel); Depthwise: read them in
// conv_depthwise_last(), and write them from such an input.
enum class ConvLast { None, Channels, Depthwise };
ConvLast conv_last_kind(Graph& g, Node& n);

// Sets the node's scratch for the kernel it runs with the layouts its tensors now have.
void conv_size_scratch(Graph& g, Node& n);

}  // namespace o2c
