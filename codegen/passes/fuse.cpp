// Epilogue fusion: Conv [-> BatchNormalization, folded into the weights] [-> Add(residual)]
// [-> activation] becomes one FusedConv node whose kernel applies the residual and the
// activation while the result is in registers; InstanceNormalization and BatchNormalization
// take a following activation (FusedInstanceNormalization, FusedBatchNormalization); MatMul
// by a constant float matrix takes an Add of a constant row of its N (nn.Linear's bias,
// exported apart from the MatMul for inputs of rank 3), then an activation (FusedMatMul,
// applied by the panel microkernel's epilogue, templates/gemm.hpp); Gemm takes an activation
// (FusedGemm). The fused ops (domain onnx2cpp, ops.def) keep their base op's attributes and
// add the epilogue's (ops/epilogue.hpp).
#include <cmath>
#include <limits>
#include <memory>
#include <utility>

#include "ops/elementwise.hpp"
#include "ops/epilogue.hpp"
#include "ops/training.hpp"
#include "passes/passes.hpp"

namespace o2c {
namespace {

const Tensor* float_const(const Graph& g, int v) {
  if (v < 0 || !g.values[v].constant || g.values[v].dtype != DType::Float) return nullptr;
  return g.values[v].constant.get();
}

// Conv(X, W[, B]) followed by an inference BatchNormalization with constant parameters:
// W' = W * a and B' = (B - mean) * a + bias per output channel, a = scale / sqrt(var + eps),
// computed in double. Returns the new {W', B'} values, or {-1, -1}.
std::pair<int, int> fold_batchnorm(Graph& g, const Node& conv, Node& bn) {
  const Tensor* w = float_const(g, conv.inputs[1]);
  const bool has_b = conv.inputs.size() > 2 && conv.inputs[2] >= 0;
  const Tensor* b = has_b ? float_const(g, conv.inputs[2]) : nullptr;
  if (!w || (has_b && !b) || bn.inputs.size() != 5 || bn.outputs.size() != 1 || batch_norm_training(bn)) return {-1, -1};
  const Tensor* p[4];
  for (int i = 0; i < 4; ++i)
    if (!(p[i] = float_const(g, bn.inputs[static_cast<size_t>(i) + 1]))) return {-1, -1};
  const int64_t M = w->shape[0], per = w->numel() / M;
  for (const Tensor* t : p)
    if (t->numel() != M) return {-1, -1};
  const auto bn_attrs = bn.attrs.find("epsilon");
  const double eps = bn_attrs == bn.attrs.end() ? 1e-5 : bn_attrs->second.f;
  Tensor w2(DType::Float, w->shape), b2(DType::Float, {M});
  for (int64_t m = 0; m < M; ++m) {
    const double a = p[0]->float_at(m) / std::sqrt(p[3]->float_at(m) + eps);
    for (int64_t j = 0; j < per; ++j) w2.data<float>()[m * per + j] = static_cast<float>(w->float_at(m * per + j) * a);
    b2.data<float>()[m] = static_cast<float>(((b ? b->float_at(m) : 0.0) - p[2]->float_at(m)) * a + p[1]->float_at(m));
  }
  const std::string base = g.values[conv.inputs[1]].name;
  return {g.add_constant(base + "/bn_folded", std::move(w2)), g.add_constant(base + "/bn_folded_bias", std::move(b2))};
}

// A MatMul whose epilogue can take a bias row and an activation: float, B a constant matrix.
bool matmul_fusable(const Graph& g, const Node& n) {
  if (n.op != "MatMul" || n.inputs.size() != 2) return false;
  const Value& b = g.values[n.inputs[1]];
  return b.dtype == DType::Float && b.constant && b.shape.size() == 2;
}

// A constant float row of y's last dim that an Add broadcasts over y as it is.
bool bias_row(const Graph& g, int v, const Value& y) {
  const Value& b = g.values[v];
  if (!b.constant || b.dtype != DType::Float || y.shape.empty() || b.shape.size() > y.shape.size()) return false;
  for (size_t i = 0; i + 1 < b.shape.size(); ++i)
    if (b.shape[i] != 1) return false;
  return !b.shape.empty() && b.shape.back() == y.shape.back();
}

// The fused op a node of op `base` becomes.
std::string fused_op(const std::string& base) { return "Fused" + base; }

}  // namespace

void fuse_epilogues(Graph& g) {
  for (int ci : g.live_nodes()) {
    if (g.nodes[ci].erased || !g.nodes[ci].domain.empty()) continue;
    const std::string base = g.nodes[ci].op;
    const bool conv = base == "Conv", matmul = matmul_fusable(g, g.nodes[ci]);
    if (!conv && !matmul && base != "Gemm" && base != "InstanceNormalization" && base != "BatchNormalization") continue;
    if (base == "BatchNormalization" && batch_norm_training(g.nodes[ci])) continue;
    int at = ci;  // where the fused node is now
    while (true) {
      const Node c = g.nodes[at];
      const int y = c.outputs[0];
      const Value yv = g.values[y];  // a copy: fold_batchnorm adds values
      if (yv.dtype != DType::Float || yv.is_output || yv.readers.size() != 1 || yv.readers[0].slot < 0) break;
      const int ui = yv.readers[0].node;
      Node u = g.nodes[ui];
      EpilogueAttrs epi;
      if (c.domain == "onnx2cpp") {
        AttrReader r(c.attrs, 1, g.where(c));
        epi.fields(r);
      } else {
        epi.fused = c.op;
      }
      std::vector<int> ins = c.inputs;
      const bool has_residual = conv && ins.size() > 3 && ins[3] >= 0;
      const bool has_bias = matmul && ins.size() > 2;
      std::pair<int, int> folded{-1, -1};
      k::Act act{k::Act::None, 0.0f, 0.0f};
      if (conv && u.op == "BatchNormalization" && u.domain.empty() && c.domain.empty() &&
          (folded = fold_batchnorm(g, c, u)).first >= 0) {
        ins = {c.inputs[0], folded.first, folded.second};
      } else if (conv && u.op == "Add" && u.domain.empty() && !has_residual && epi.activation == k::Act::None &&
                 u.inputs.size() == 2) {
        const int other = u.inputs[0] == y ? u.inputs[1] : u.inputs[0];
        if (other == y || g.values[other].shape != yv.shape || g.values[other].dtype != yv.dtype) break;
        ins.resize(3, -1);
        ins.push_back(other);  // Z
      } else if (matmul && u.op == "Add" && u.domain.empty() && !has_bias && epi.activation == k::Act::None &&
                 u.inputs.size() == 2) {
        const int other = u.inputs[0] == y ? u.inputs[1] : u.inputs[0];
        if (other == y || !bias_row(g, other, yv)) break;
        ins.push_back(other);  // bias
      } else if (epi.activation == k::Act::None && u.inputs[0] == y && node_activation(g, u, &act)) {
        epi.set(act);  // the activation reads y as its first input; Clip's other inputs are constants
      } else {
        break;
      }
      epi.fused += "+" + u.op;
      // The fused node takes u's place: all of c's inputs come earlier.
      Node fused = c;
      fused.op = c.domain.empty() ? fused_op(base) : c.op;
      fused.domain = "onnx2cpp";
      fused.inputs = ins;
      fused.outputs = {u.outputs[0]};
      fused.index = u.index;  // comments and profiles name the last absorbed node's position
      write_attrs(fused.attrs, 1, epi);
      g.erase(at);
      at = g.replace(ui, fused);
    }
  }
}

}  // namespace o2c
