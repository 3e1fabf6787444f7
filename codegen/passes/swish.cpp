// Gated activations as exporters spell them before the ops existed:
//   Mul(x, Sigmoid(x))                          -> Swish(x) (SiLU: EfficientNet, RegNet, YOLO, ...)
//   Mul(x, HardSigmoid(x; alpha 1/6, beta 1/2)) -> HardSwish(x) (MobileNetV3 before opset 14)
// either operand order, the gate read by the Mul alone. One node in place of two (x read once,
// the gate never stored), and one the epilogue pass folds into a Conv, Gemm or MatMul before
// it: x then has one reader, so a conv writing it can also stream it or store it channels last.
#include <cmath>

#include "ops/elementwise.hpp"
#include "passes/passes.hpp"
#include "passes/pattern.hpp"

namespace o2c {
namespace {

// The op Mul(x, gate(x)) becomes (and the opset that defines it), read from the gate's
// activation with its typed attributes (ops/elementwise.cpp); null when it is no such gate.
struct Gated {
  const char* op;
  int opset;
};
Gated gated(Graph& g, Node& gate) {
  k::Act a{};
  if (!node_activation(g, gate, &a)) return {nullptr, 0};
  if (a.kind == k::Act::Sigmoid) return {"Swish", 24};
  if (a.kind == k::Act::HardSigmoid && std::fabs(a.alpha - 1.0f / 6.0f) <= 1e-6f && a.beta == 0.5f)
    return {"HardSwish", 14};
  return {nullptr, 0};
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
      Node* gate = c.producer(mul.inputs[side], "Sigmoid");
      if (!gate) gate = c.producer(mul.inputs[side], "HardSigmoid");
      if (!gate || gate->inputs.size() != 1 || gate->inputs[0] != x || g.values[x].dtype != DType::Float) continue;
      const Gated op = gated(g, *gate);
      if (!op.op || g.values[mul.outputs[0]].shape != g.values[x].shape) continue;
      c.replace({gate, &mul}, op.op, op.opset, {x}, {});
      break;
    }
  }
}

}  // namespace o2c
