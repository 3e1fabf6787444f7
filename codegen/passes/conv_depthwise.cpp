// A Conv whose output (channels last) only a depthwise Conv reads is streamed into it: the
// depthwise node computes the first conv's rows as its window needs them
// (templates/conv_then_depthwise.hpp), and the tensor between them is never stored. Inverted
// residual blocks (MobileNet, EfficientNet) expand to their widest tensor there: MobileNetV2's
// 96 x 112 x 112 floats left L2 between the two kernels.
#include "ops/conv.hpp"
#include "passes/passes.hpp"

namespace o2c {

void fuse_conv_depthwise(Graph& g) {
  for (int id : g.live_nodes()) {
    Node& dw = g.nodes[id];
    if (dw.op != "Conv" || !dw.domain.empty() || dw.streamed_from >= 0 || dw.epi.residual) continue;
    const int v = dw.inputs[0];
    if (v < 0 || g.values[v].readers.size() != 1) continue;
    const Value& mid = g.values[v];
    if (!mid.channels_last || mid.is_output || mid.producer < 0) continue;
    Node& pc = g.nodes[mid.producer];
    if (pc.op != "Conv" || !pc.domain.empty() || pc.epi.residual || pc.outputs[0] != v) continue;
    if (conv_last_kind(g, dw) != ConvLast::Depthwise || conv_last_kind(g, pc) != ConvLast::Channels) continue;
    if (!k::conv_then_depthwise_fits(conv_params_of(g, pc), conv_params_of(g, dw))) continue;
    std::vector<int> ins = dw.inputs;
    ins.resize(3, -1);
    ins.push_back(pc.inputs[0]);
    ins.push_back(pc.inputs[1]);
    ins.push_back(pc.inputs.size() > 2 ? pc.inputs[2] : -1);
    dw.streamed_from = mid.producer;
    dw.epi.ops = pc.epi.ops + "+Conv" + dw.epi.ops;  // Conv+Clip+Conv+Clip, for comments and profiles
    g.erase(pc.id);
    g.set_inputs(id, ins);
    g.values[v].streamed = true;
    conv_size_scratch(g, dw);
  }
}

}  // namespace o2c
