// A 1x1 Conv whose output (channels last) only a depthwise Conv reads is streamed into it: the
// depthwise node computes the 1x1 conv's rows as its window needs them
// (templates/conv_pointwise_depthwise.hpp), and the tensor between them is never stored.
// Inverted residual blocks (MobileNet, EfficientNet) expand to their widest tensor there:
// MobileNetV2's 96 x 112 x 112 floats left L2 between the two kernels.
#include "ops/conv.hpp"
#include "passes/passes.hpp"

namespace o2c {

void fuse_pointwise_depthwise(Graph& g) {
  std::vector<int> readers(g.values.size(), 0);
  for (const Node& n : g.nodes)
    if (!n.dead)
      for (int v : n.inputs)
        if (v >= 0) ++readers[v];
  for (Node& dw : g.nodes) {
    if (dw.dead || dw.op != "Conv" || !dw.domain.empty() || dw.pointwise || dw.epi.residual) continue;
    const int v = dw.inputs[0];
    if (v < 0 || readers[v] != 1) continue;
    const Value& mid = g.values[v];
    if (!mid.channels_last || mid.is_output || mid.producer < 0) continue;
    Node& pw = g.nodes[mid.producer];
    if (pw.dead || pw.op != "Conv" || !pw.domain.empty() || pw.epi.residual || pw.outputs[0] != v) continue;
    if (conv_last_kind(g, dw) != ConvLast::Depthwise || conv_last_kind(g, pw) != ConvLast::Channels) continue;
    if (!k::pointwise_depthwise_fits(conv_params_of(g, pw), conv_params_of(g, dw))) continue;
    dw.inputs.resize(3, -1);
    dw.inputs.push_back(pw.inputs[0]);
    dw.inputs.push_back(pw.inputs[1]);
    dw.inputs.push_back(pw.inputs.size() > 2 ? pw.inputs[2] : -1);
    dw.pointwise = true;
    dw.pointwise_epi = pw.epi;
    dw.epi.ops = pw.epi.ops + "+Conv" + dw.epi.ops;  // Conv+Clip+Conv+Clip, for comments and profiles
    pw.dead = true;
    g.values[v].streamed = true;
    conv_size_scratch(g, dw);
  }
}

}  // namespace o2c
