// Channels last around depthwise convolutions: Conv -> depthwise Conv [-> pointwise Conv]
// (the inverted residual block of MobileNetV2/V3, EfficientNet, MnasNet) keeps the tensors
// in between as [spatial][C]. The first conv writes packets of channels as they leave its
// registers (no transpose), the depthwise one reads a packet per tap with no padded copy,
// and a pointwise one broadcasts from them as from NCHW (any other next op gets NCHW: the
// depthwise conv transposes its rows back). NCHW on a depthwise conv costs shifted loads
// and a padded copy per channel: 2.3x the time on MobileNetV2's.
#include <algorithm>
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
    if (!g.values[d.inputs[1]].constant) continue;
    const k::ConvParams pd = conv_params_of(g, d);
    if (!k::depthwise_last_fits(pd)) continue;
    const int v = d.inputs[0], u = d.outputs[0];
    if (!private_value(v) || g.values[v].producer < 0) continue;
    Node& prod = g.nodes[g.values[v].producer];
    if (!is_conv(prod) || prod.epi.residual || !conv_can_use_channels(g, prod)) continue;
    if (conv_params_of(g, prod).group != 1) continue;
    // Scratch as conv_channels() needs it (infer sized it for the kernel chosen then).
    auto channels_scratch = [&](Node& n) {
      const int64_t bytes = k::conv_channels_scratch(conv_params_of(g, n)) * static_cast<int64_t>(sizeof(float));
      n.scratch_bytes = std::max(n.scratch_bytes, bytes);
    };
    g.values[v].channels_last = true;
    channels_scratch(prod);
    // The output too when the next conv is a pointwise one that can read it; else the
    // depthwise conv transposes its rows back to NCHW.
    bool out_last = private_value(u);
    if (out_last) {
      Node& cons = g.nodes[reader[u]];
      out_last = is_conv(cons) && cons.inputs[0] == u && conv_can_use_channels(g, cons);
      if (out_last) {
        const k::ConvParams pc = conv_params_of(g, cons);
        out_last = pc.group == 1 && k::phase_geom(pc).direct && k::conv_kg(pc) == pc.C;
      }
    }
    g.values[u].channels_last = out_last;
    if (out_last) channels_scratch(g.nodes[reader[u]]);
    d.scratch_bytes = k::depthwise_last_scratch(pd, !out_last) * static_cast<int64_t>(sizeof(float));
  }
}

}  // namespace o2c
