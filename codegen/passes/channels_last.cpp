// Channels last: tensors between convolutions stored as [N][spatial][C] (Value::channels_last;
// the shape stays the logical NCHW one). A tensor gets them when a conv writes it and only
// convolutions that can take it that way read it:
//  - as their input: a conv running conv_channels() (templates/conv_channels.hpp: group 1,
//    output channels in whole packets, not one that Winograd's kernel runs), or a depthwise
//    conv (its channels-last kernel);
//  - as their residual, if they run conv_channels() (which adds it in registers, whatever
//    the output's layout).
// A depthwise conv writes channels last only from a channels-last input, and a conv only
// with a channels-last residual (if it has one).
// What it saves: conv_channels() writes packets of channels as they leave its registers (no
// transpose) and reads a position's channels contiguously (a padded copy of the image when
// the conv pads, none otherwise, strided or not); the depthwise kernel reads a packet per tap
// with no padded copy and no shifted loads (NCHW cost MobileNetV2's 2.3x the time).
#include <algorithm>
#include <vector>

#include "ops/conv.hpp"
#include "passes/passes.hpp"

namespace o2c {
namespace {

bool is_conv(const Node& n) { return !n.dead && n.op == "Conv" && n.domain.empty(); }

struct Reader {
  int node, slot;
};

}  // namespace

void channels_last(Graph& g) {
  const size_t nv = g.values.size(), nn = g.nodes.size();
  std::vector<std::vector<Reader>> readers(nv);
  for (size_t i = 0; i < nn; ++i) {
    const Node& n = g.nodes[i];
    if (n.dead) continue;
    for (size_t s = 0; s < n.inputs.size(); ++s)
      if (n.inputs[s] >= 0) readers[n.inputs[s]].push_back({static_cast<int>(i), static_cast<int>(s)});
  }
  std::vector<char> aliased(nv, 0);
  for (const Value& v : g.values)
    if (v.alias_of >= 0) aliased[v.alias_of] = 1;
  // What each conv can do with the channels last.
  enum Kind { kNone, kChannels, kDepthwise };
  std::vector<int> kind(nn, kNone);
  for (size_t i = 0; i < nn; ++i) {
    Node& n = g.nodes[i];
    if (!is_conv(n) || n.inputs.size() < 2 || n.outputs.empty() || !g.values[n.inputs[1]].constant) continue;
    const k::ConvParams p = conv_params_of(g, n);
    if (k::depthwise_last_fits(p) && !n.epi.residual)
      kind[i] = kDepthwise;
    else if (p.group == 1 && conv_can_use_channels(g, n) && !k::winograd_pays(p))
      kind[i] = kChannels;
  }
  auto residual_slot = [&](const Node& n, int slot) {
    return n.epi.residual && slot == static_cast<int>(n.inputs.size()) - 1;
  };
  // The candidates, then a fixed point: drop a tensor that a depthwise conv writes from an
  // NCHW input, or a conv with an NCHW residual.
  std::vector<char> last(nv, 0);
  for (size_t v = 0; v < nv; ++v) {
    const Value& val = g.values[v];
    if (val.constant || val.is_input || val.is_output || val.alias_of >= 0 || aliased[v] ||
        val.dtype != DType::Float || val.producer < 0 || kind[val.producer] == kNone || readers[v].empty())
      continue;
    if (g.nodes[val.producer].outputs[0] != static_cast<int>(v)) continue;
    bool ok = true;
    for (const Reader& r : readers[v]) {
      const Node& n = g.nodes[r.node];
      const bool as_input = r.slot == 0 && kind[r.node] != kNone;
      const bool as_residual = kind[r.node] == kChannels && residual_slot(n, r.slot);
      ok = ok && (as_input || as_residual);
    }
    last[v] = ok;
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t v = 0; v < nv; ++v) {
      if (!last[v]) continue;
      const Node& prod = g.nodes[g.values[v].producer];
      bool ok = kind[g.values[v].producer] != kDepthwise || last[prod.inputs[0]];
      if (prod.epi.residual) ok = ok && last[prod.inputs.back()];
      if (!ok) last[v] = 0, changed = true;
    }
  }
  for (size_t v = 0; v < nv; ++v) g.values[v].channels_last = last[v];
  // Scratch for the kernels the convs now run (infer sized it for the NCHW choice).
  for (size_t i = 0; i < nn; ++i) {
    Node& n = g.nodes[i];
    const bool res_last = n.epi.residual && last[n.inputs.back()];
    if (kind[i] == kNone || !(last[n.inputs[0]] || last[n.outputs[0]] || res_last)) continue;
    const k::ConvParams p = conv_params_of(g, n);
    if (kind[i] == kDepthwise) {
      if (last[n.inputs[0]])
        n.scratch_bytes = k::depthwise_last_scratch(p, !last[n.outputs[0]]) * static_cast<int64_t>(sizeof(float));
      continue;
    }
    const int64_t bytes = k::conv_channels_scratch(p, last[n.inputs[0]]) * static_cast<int64_t>(sizeof(float));
    n.scratch_bytes = std::max(n.scratch_bytes, bytes);
  }
}

}  // namespace o2c
