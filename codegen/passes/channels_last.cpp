// Channels last: tensors between convolutions stored as [N][spatial][C] (Value::channels_last;
// the shape stays the logical NCHW one). A tensor gets them when a conv writes it and only
// convolutions that can take it that way read it:
//  - as their input: a conv running conv_channels() (templates/conv_channels.hpp) or
//    conv_winograd_last(), or a depthwise conv (its channels-last kernel), as
//    conv_last_kind() (ops/conv.cpp) says;
//  - as their residual, if they run conv_channels() or conv_winograd_last() (which add it
//    in registers, whatever the output's layout).
// A depthwise conv writes channels last only from a channels-last input, and a conv only
// with a channels-last residual (if it has one).
// What it saves: conv_channels() writes packets of channels as they leave its registers (no
// transpose) and reads a position's channels contiguously (a padded copy of the image when
// the conv pads, none otherwise, strided or not); the depthwise kernel reads a packet per tap
// with no padded copy and no shifted loads (NCHW cost MobileNetV2's 2.3x the time).
#include <vector>

#include "ops/conv.hpp"
#include "passes/passes.hpp"

namespace o2c {
namespace {

bool is_conv(const Node& n) {
  return !n.erased && ((n.op == "Conv" && n.domain.empty()) || (n.op == "FusedConv" && n.domain == "onnx2cpp"));
}
// The residual Z of a FusedConv (input 3).
bool has_residual(const Node& n) { return n.op == "FusedConv" && n.inputs.size() > 3 && n.inputs[3] >= 0; }

}  // namespace

void channels_last(Graph& g) {
  const size_t nv = g.values.size(), nn = g.nodes.size();
  std::vector<char> aliased(nv, 0);
  for (const Value& v : g.values)
    if (v.alias_of >= 0) aliased[v.alias_of] = 1;
  // What each conv can do with the channels last.
  std::vector<ConvLast> kind(nn, ConvLast::None);
  for (size_t i = 0; i < nn; ++i)
    if (is_conv(g.nodes[i]) && g.nodes[i].inputs.size() >= 2 && !g.nodes[i].outputs.empty())
      kind[i] = conv_last_kind(g, g.nodes[i]);
  auto residual_slot = [&](const Node& n, int slot) {
    return has_residual(n) && slot == 3;
  };
  // The candidates, then a fixed point: drop a tensor that a depthwise conv writes from an
  // NCHW input, or a conv with an NCHW residual.
  std::vector<char> last(nv, 0);
  for (size_t v = 0; v < nv; ++v) {
    const Value& val = g.values[v];
    if (val.constant || val.is_input || val.is_output || val.alias_of >= 0 || aliased[v] ||
        val.dtype != DType::Float || val.producer < 0 || kind[val.producer] == ConvLast::None || val.readers.empty())
      continue;
    if (g.nodes[val.producer].outputs[0] != static_cast<int>(v)) continue;
    bool ok = true;
    for (const Use& r : val.readers) {
      const Node& n = g.nodes[r.node];
      const bool as_input = r.slot == 0 && kind[r.node] != ConvLast::None;
      const bool as_residual = kind[r.node] == ConvLast::Channels && residual_slot(n, r.slot);
      ok = ok && (as_input || as_residual);
    }
    last[v] = ok;
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t v = 0; v < nv; ++v) {
      if (!last[v]) continue;
      const Node& prod = g.nodes[g.values[v].producer];
      bool ok = kind[g.values[v].producer] != ConvLast::Depthwise || last[prod.inputs[0]];
      if (has_residual(prod)) ok = ok && last[prod.inputs[3]];
      if (!ok) last[v] = 0, changed = true;
    }
  }
  for (size_t v = 0; v < nv; ++v) g.values[v].channels_last = last[v];
  // Scratch for the kernels the convs now run (infer sized it for NCHW).
  for (size_t i = 0; i < nn; ++i)
    if (kind[i] != ConvLast::None) conv_size_scratch(g, g.nodes[i]);
}

}  // namespace o2c
