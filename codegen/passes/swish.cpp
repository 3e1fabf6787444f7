// Gated activations as exporters spell them before the ops existed:
//   Mul(x, Sigmoid(x))                          -> Swish(x) (SiLU: EfficientNet, RegNet, YOLO, ...)
//   Mul(x, HardSigmoid(x; alpha 1/6, beta 1/2)) -> HardSwish(x) (MobileNetV3 before opset 14)
// either operand order, the gate read by the Mul alone. One node in place of two (x read once,
// the gate never stored), and one the epilogue pass folds into a Conv, Gemm or MatMul before
// it: x then has one reader, so a conv writing it can also stream it or store it channels last.
#include <cmath>

#include "passes/passes.hpp"
#include "passes/pattern.hpp"

namespace o2c {
namespace {

float attr_f(const Node& n, const char* name, float dflt) {
  const auto it = n.attrs.find(name);
  return it == n.attrs.end() ? dflt : it->second.f;
}

// The gated op Mul(x, gate(x)) becomes, for a gate node: "Swish", "HardSwish" or null.
const char* gated(const Node& gate) {
  if (gate.op == "Sigmoid") return "Swish";
  if (gate.op == "HardSigmoid" && std::fabs(attr_f(gate, "alpha", 0.2f) - 1.0f / 6.0f) <= 1e-6f &&
      attr_f(gate, "beta", 0.5f) == 0.5f)
    return "HardSwish";
  return nullptr;
}

}  // namespace

void fuse_swish(Graph& g) {
  Pattern c(g);
  for (int id : g.live_nodes()) {
    if (g.nodes[id].erased) continue;
    Node& mul = g.nodes[id];
    if (mul.op != "Mul" || !mul.domain.empty() || mul.inputs.size() != 2 || mul.outputs.size() != 1) continue;
    for (int side = 0; side < 2; ++side) {
      const int x = mul.inputs[1 - side];
      Node* gate = nullptr;
      for (const char* op : {"Sigmoid", "HardSigmoid"})
        if (!gate) gate = c.producer(mul.inputs[side], op);
      if (!gate || gate->inputs.size() != 1 || gate->inputs[0] != x || g.values[x].dtype != DType::Float) continue;
      const char* op = gated(*gate);
      if (!op || g.values[mul.outputs[0]].shape != g.values[x].shape) continue;
      c.replace({gate, &mul}, op, op[0] == 'S' ? 24 : 14, {x}, {});
      break;
    }
  }
}

}  // namespace o2c
