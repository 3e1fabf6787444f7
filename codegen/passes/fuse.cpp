// Epilogue fusion: Conv [-> BatchNormalization, folded into the weights] [-> Add(residual)]
// [-> activation] becomes one Conv node whose kernel applies the residual and the activation
// while the result is in registers;
// InstanceNormalization and BatchNormalization take a following activation;
// MatMul by a constant float matrix takes an Add of a constant row of its N (nn.Linear's
// bias, exported apart from the MatMul for inputs of rank 3), then an activation, applied by
// the panel microkernel's epilogue (templates/gemm.hpp); Gemm takes an activation.
#include <cmath>
#include <limits>
#include <memory>
#include <utility>

#include "ops/kernels.hpp"
#include "passes/passes.hpp"

namespace o2c {
namespace {

float attr_f(const Node& n, const char* name, float def) {
  auto it = n.attrs.find(name);
  return it == n.attrs.end() || it->second.kind != Attr::Kind::Float ? def : it->second.f;
}

// A float scalar known at compile time (Clip's min/max inputs), or def when absent.
bool const_scalar(const Graph& g, const Node& n, size_t i, float def, float* out) {
  if (i >= n.inputs.size() || n.inputs[i] < 0) return (*out = def), true;
  const Value& v = g.values[n.inputs[i]];
  if (!v.constant || v.dtype != DType::Float || v.constant->numel() != 1) return false;
  *out = static_cast<float>(v.constant->float_at(0));
  return true;
}

// The activation node n computes, as an epilogue; false if it is not one.
bool as_activation(const Graph& g, const Node& n, Epilogue* e) {
  const float inf = std::numeric_limits<float>::infinity();
  if (n.op == "Relu") e->act = k::kActRelu;
  else if (n.op == "Sigmoid") e->act = k::kActSigmoid;
  else if (n.op == "Tanh") e->act = k::kActTanh;
  else if (n.op == "HardSwish") e->act = k::kActHardSwish;
  else if (n.op == "LeakyRelu") {
    e->act = k::kActLeakyRelu;
    e->alpha = attr_f(n, "alpha", 0.01f);
  } else if (n.op == "HardSigmoid") {
    e->act = k::kActHardSigmoid;
    e->alpha = attr_f(n, "alpha", 0.2f);
    e->beta = attr_f(n, "beta", 0.5f);
  } else if (n.op == "Clip") {
    e->act = k::kActClip;
    if (n.opset < 11) {
      e->alpha = attr_f(n, "min", -inf);
      e->beta = attr_f(n, "max", inf);
    } else if (!const_scalar(g, n, 1, -inf, &e->alpha) || !const_scalar(g, n, 2, inf, &e->beta)) {
      return false;
    }
  } else {
    return false;
  }
  return true;
}

const Tensor* float_const(const Graph& g, int v) {
  if (v < 0 || !g.values[v].constant || g.values[v].dtype != DType::Float) return nullptr;
  return g.values[v].constant.get();
}

// Conv(X, W[, B]) followed by an inference BatchNormalization with constant parameters:
// W' = W * a and B' = (B - mean) * a + bias per output channel, a = scale / sqrt(var + eps),
// computed in double. Returns the new {W', B'} values, or {-1, -1}.
std::pair<int, int> fold_batchnorm(Graph& g, const Node& conv, const Node& bn) {
  const Tensor* w = float_const(g, conv.inputs[1]);
  const Tensor* b = conv.inputs.size() > 2 && conv.inputs[2] >= 0 ? float_const(g, conv.inputs[2]) : nullptr;
  if (!w || (conv.inputs.size() > 2 && conv.inputs[2] >= 0 && !b) || bn.inputs.size() != 5) return {-1, -1};
  const Tensor* p[4];
  for (int i = 0; i < 4; ++i)
    if (!(p[i] = float_const(g, bn.inputs[static_cast<size_t>(i) + 1]))) return {-1, -1};
  const int64_t M = w->shape[0], per = w->numel() / M;
  for (const Tensor* t : p)
    if (t->numel() != M) return {-1, -1};
  const double eps = attr_f(bn, "epsilon", 1e-5f);
  Tensor w2(DType::Float, w->shape), b2(DType::Float, {M});
  for (int64_t m = 0; m < M; ++m) {
    const double a = p[0]->float_at(m) / std::sqrt(p[3]->float_at(m) + eps);
    for (int64_t j = 0; j < per; ++j) w2.data<float>()[m * per + j] = static_cast<float>(w->float_at(m * per + j) * a);
    b2.data<float>()[m] = static_cast<float>(((b ? b->float_at(m) : 0.0) - p[2]->float_at(m)) * a + p[1]->float_at(m));
  }
  const std::string base = g.values[conv.inputs[1]].name;
  return {g.add_constant(base + "/bn_folded", std::move(w2)), g.add_constant(base + "/bn_folded_bias", std::move(b2))};
}

// A MatMul whose epilogue can take a bias row and an activation: float, B a constant
// matrix.
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

}  // namespace

void fuse_epilogues(Graph& g) {
  for (int ci : g.live_nodes()) {
    if (g.nodes[ci].erased || !g.nodes[ci].domain.empty()) continue;
    const std::string op = g.nodes[ci].op;
    const bool conv = op == "Conv", matmul = matmul_fusable(g, g.nodes[ci]);
    if (!conv && !matmul && op != "Gemm" && op != "InstanceNormalization" && op != "BatchNormalization")
      continue;
    int at = ci;  // where the fused node is now
    while (true) {
      const Node c = g.nodes[at];
      const int y = c.outputs[0];
      const Value yv = g.values[y];  // a copy: fold_batchnorm adds values
      if (yv.dtype != DType::Float || yv.is_output || yv.readers.size() != 1 || yv.readers[0].slot < 0) break;
      const int ui = yv.readers[0].node;
      const Node u = g.nodes[ui];
      Epilogue e = c.epi;
      int residual = -1, bias = -1;
      std::pair<int, int> folded{-1, -1};
      if (conv && u.op == "BatchNormalization" && u.domain.empty() && e.ops.empty() &&
          (folded = fold_batchnorm(g, c, u)).first >= 0) {
      } else if (conv && u.op == "Add" && u.domain.empty() && !e.residual && e.act == 0 && u.inputs.size() == 2) {
        const int other = u.inputs[0] == y ? u.inputs[1] : u.inputs[0];
        if (other == y || g.values[other].shape != yv.shape || g.values[other].dtype != yv.dtype) break;
        residual = other;
        e.residual = true;
      } else if (matmul && u.op == "Add" && u.domain.empty() && c.inputs.size() == 2 && e.act == 0 &&
                 u.inputs.size() == 2) {
        const int other = u.inputs[0] == y ? u.inputs[1] : u.inputs[0];
        if (other == y || !bias_row(g, other, yv)) break;
        bias = other;
      } else if (u.domain.empty() && e.act == 0 && u.inputs[0] == y && as_activation(g, u, &e)) {
        // the activation reads y as its first input; Clip's other inputs are constants
      } else {
        break;
      }
      e.ops += "+" + u.op;
      // The fused node takes u's place: all of c's inputs come earlier.
      Node fused = c;
      if (folded.first >= 0) {
        fused.inputs = {c.inputs[0], folded.first, folded.second};
      } else if (conv) {  // X, W, B, then the residual
        fused.inputs.resize(3, -1);
        if (c.epi.residual) fused.inputs.push_back(c.inputs.back());
        if (residual >= 0) fused.inputs.push_back(residual);
      } else if (bias >= 0) {  // A, B, then the bias
        fused.inputs.push_back(bias);
      }
      fused.outputs = {u.outputs[0]};
      fused.epi = e;
      fused.index = u.index;  // comments and profiles name the last absorbed node's position
      g.erase(at);
      at = g.replace(ui, fused);
    }
  }
}

}  // namespace o2c
