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
  return it == n.attrs.end() ? def : it->second.f();
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

// A new constant value named after base, unique in g.
int add_constant(Graph& g, const std::string& base, Tensor t) {
  std::string name = base;
  while (g.find(name) >= 0) name += "'";
  const int v = g.add_value(name);
  Value& val = g.values[v];
  val.dtype = t.dtype;
  val.shape = t.shape;
  val.typed = true;
  val.constant = std::make_shared<Tensor>(std::move(t));
  return v;
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
  return {add_constant(g, base + "/bn_folded", std::move(w2)), add_constant(g, base + "/bn_folded_bias", std::move(b2))};
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
  // Live readers of every value.
  std::vector<std::vector<int>> readers(g.values.size());
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (g.nodes[i].dead) continue;
    for (int v : g.nodes[i].inputs)
      if (v >= 0) readers[v].push_back(static_cast<int>(i));
  }
  for (size_t ci = 0; ci < g.nodes.size(); ++ci) {
    const std::string& op = g.nodes[ci].op;
    if (g.nodes[ci].dead || !g.nodes[ci].domain.empty()) continue;
    const bool conv = op == "Conv", matmul = matmul_fusable(g, g.nodes[ci]);
    if (!conv && !matmul && op != "Gemm" && op != "InstanceNormalization" && op != "BatchNormalization")
      continue;
    int at = static_cast<int>(ci);  // where the fused node is now
    while (true) {
      Node& c = g.nodes[at];
      const int y = c.outputs[0];
      const Value& yv = g.values[y];
      if (yv.dtype != DType::Float || yv.is_output || readers[y].size() != 1) break;
      Node& u = g.nodes[readers[y][0]];
      Epilogue e = c.epi;
      int residual = -1, bias = -1;
      std::pair<int, int> folded{-1, -1};
      if (conv && u.op == "BatchNormalization" && u.domain.empty() && e.ops.empty() &&
          (folded = fold_batchnorm(g, c, u)).first >= 0) {
        readers.resize(g.values.size());
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
      // u becomes the fused Conv, at u's position: all of the Conv's inputs come earlier.
      const int ui = readers[y][0];
      std::vector<int> ins = c.inputs;
      if (folded.first >= 0) {
        ins = {c.inputs[0], folded.first, folded.second};
        readers[folded.first].push_back(ui);
        readers[folded.second].push_back(ui);
      } else if (conv) {  // X, W, B, then the residual
        ins.resize(3, -1);
        if (c.epi.residual) ins.push_back(c.inputs.back());
        if (residual >= 0) ins.push_back(residual);
      } else if (bias >= 0) {  // A, B, then the bias
        ins.push_back(bias);
      }
      for (int v : u.inputs)
        if (v >= 0) {
          auto& r = readers[v];
          r.erase(std::find(r.begin(), r.end(), ui));
        }
      for (int v : c.inputs)
        if (v >= 0) {
          auto& r = readers[v];
          std::replace(r.begin(), r.end(), at, ui);
        }
      if (residual >= 0) readers[residual].push_back(ui);
      if (bias >= 0) readers[bias].push_back(ui);
      u.op = c.op;
      u.name = c.name;
      u.opset = c.opset;
      u.attrs = c.attrs;
      u.scratch_bytes = c.scratch_bytes;
      u.inputs = ins;
      u.outputs = {u.outputs[0]};
      u.epi = e;
      g.values[u.outputs[0]].producer = ui;
      c.dead = true;
      at = ui;
    }
  }
}

}  // namespace o2c
