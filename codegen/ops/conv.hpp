// What graph passes ask about a Conv node (its shapes inferred): the kernel parameters and
// which kernel it runs.
#pragma once
#include "ops/kernels.hpp"
#include "ops/op.hpp"

namespace o2c {

k::ConvParams conv_params_of(Graph& g, Node& n);
// Can run conv_channels() (constant weights, output channels in whole packets on every
// target), as it does when a tensor on either side has the channels last.
bool conv_can_use_channels(Graph& g, Node& n);

}  // namespace o2c
