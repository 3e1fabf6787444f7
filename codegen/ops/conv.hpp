// What graph passes ask about a Conv node (its shapes inferred): the kernel parameters and
// which kernel it runs.
#pragma once
#include "ops/kernels.hpp"
#include "ops/op.hpp"

namespace o2c {

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
