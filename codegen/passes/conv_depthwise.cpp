// A conv whose output (channels last) only a depthwise conv reads is streamed into it: one
// ConvThenDepthwise node computes the first conv's rows as the depthwise window needs them
// (templates/conv_then_depthwise.hpp), and the tensor between them is never stored. Inverted
// residual blocks (MobileNet, EfficientNet) expand to their widest tensor there: MobileNetV2's
// 96 x 112 x 112 floats left L2 between the two kernels.
#include "ops/conv.hpp"
#include "passes/passes.hpp"

namespace o2c {

namespace {
bool is_conv(const Node& n) { return (n.op == "Conv" && n.domain.empty()) || (n.op == "FusedConv" && n.domain == "onnx2cpp"); }
}  // namespace

void fuse_conv_depthwise(Graph& g) {
  for (int id : g.live_nodes()) {
    const Node& dw = g.nodes[id];
    if (!is_conv(dw) || (dw.inputs.size() > 3 && dw.inputs[3] >= 0)) continue;
    const int v = dw.inputs[0];
    if (v < 0 || g.values[v].readers.size() != 1) continue;
    const Value& mid = g.values[v];
    if (!mid.channels_last || mid.is_output || mid.producer < 0) continue;
    const Node& pc = g.nodes[mid.producer];
    if (!is_conv(pc) || (pc.inputs.size() > 3 && pc.inputs[3] >= 0) || pc.outputs[0] != v) continue;
    if (conv_last_kind(g, g.nodes[id]) != ConvLast::Depthwise || conv_last_kind(g, g.nodes[mid.producer]) != ConvLast::Channels)
      continue;
    if (!k::conv_then_depthwise_fits(conv_params_of(g, g.nodes[mid.producer]), conv_params_of(g, g.nodes[id]))) continue;
    Node n = dw;
    n.op = "ConvThenDepthwise";
    n.domain = "onnx2cpp";
    n.inputs = {pc.inputs[0], pc.inputs[1], pc.inputs.size() > 2 ? pc.inputs[2] : -1, dw.inputs[1],
                dw.inputs.size() > 2 ? dw.inputs[2] : -1};
    for (const auto& kv : pc.attrs) n.attrs["first." + kv.first] = kv.second;
    // Conv+Clip+Conv+Clip, for comments and profiles
    auto fused = [](const Node& c) {
      auto it = c.attrs.find("fused");
      return it == c.attrs.end() ? c.op : it->second.s;
    };
    n.attrs["fused"] = Attr::of(fused(pc) + "+" + fused(dw));
    g.erase(mid.producer);
    const int nid = g.replace(id, n);
    OpCtx c(g, g.nodes[nid]);
    infer_node(c);  // its scratch
  }
}

}  // namespace o2c
