// Channels last around depthwise convolutions: Conv -> depthwise Conv -> pointwise Conv (the
// inverted residual block of MobileNetV2/V3, EfficientNet, MnasNet) keeps the two tensors
// in between as [spatial][C]. The first conv writes packets of channels as they leave its
// registers (no transpose), the depthwise one reads a packet per tap with no padded copy,
// and the pointwise one broadcasts from them as from NCHW. NCHW on a depthwise conv costs
// shifted loads and a padded copy per channel: 2.3x the time on MobileNetV2's.
#include <vector>

#include "ops/conv.hpp"
#include "passes/passes.hpp"

namespace o2c {
namespace {

bool is_conv(const Node& n) { return !n.dead && n.op == "Conv" && n.domain.empty(); }

}  // namespace

void channels_last(Graph& g) {
  std::vector<int> readers(g.values.size(), 0), reader(g.values.size(), -1), aliased(g.values.size(), 0);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if (n.dead) continue;
    for (int v : n.inputs)
      if (v >= 0) ++readers[v], reader[v] = static_cast<int>(i);
  }
  for (const Value& v : g.values)
    if (v.alias_of >= 0) aliased[v.alias_of] = 1;
  // A value only the next conv reads, held in no other value's storage and holding none.
  auto private_value = [&](int v) {
    const Value& val = g.values[v];
    return v >= 0 && !val.constant && !val.is_input && !val.is_output && val.alias_of < 0 && !aliased[v] &&
           readers[v] == 1 && val.dtype == DType::Float;
  };
  for (Node& d : g.nodes) {
    if (!is_conv(d) || d.epi.residual || d.inputs.size() < 2 || d.outputs.empty()) continue;
    if (!g.values[d.inputs[1]].constant || !k::depthwise_last_fits(conv_params_of(g, d))) continue;
    const int v = d.inputs[0], u = d.outputs[0];
    if (!private_value(v) || !private_value(u) || g.values[v].producer < 0) continue;
    Node& prod = g.nodes[g.values[v].producer];
    Node& cons = g.nodes[reader[u]];
    if (!is_conv(prod) || prod.epi.residual || !conv_can_use_channels(g, prod)) continue;
    if (!is_conv(cons) || cons.inputs[0] != u || !conv_can_use_channels(g, cons)) continue;
    const k::ConvParams pp = conv_params_of(g, prod), pc = conv_params_of(g, cons);
    if (pp.group != 1 || pc.group != 1 || !k::phase_geom(pc).direct || k::conv_kg(pc) != pc.C) continue;
    g.values[v].channels_last = true;
    g.values[u].channels_last = true;
    d.scratch_bytes = 0;  // conv_depthwise_last needs none
  }
}

}  // namespace o2c
