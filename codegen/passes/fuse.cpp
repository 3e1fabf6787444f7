// Epilogue fusion: Conv [-> Add(residual)] [-> activation] becomes one Conv node whose
// kernel applies the residual and the activation while the result is in registers;
// InstanceNormalization and BatchNormalization take a following activation.
#include <limits>

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
    const bool conv = op == "Conv";
    if (!conv && op != "InstanceNormalization" && op != "BatchNormalization")
      continue;
    int at = static_cast<int>(ci);  // where the fused node is now
    while (true) {
      Node& c = g.nodes[at];
      const int y = c.outputs[0];
      const Value& yv = g.values[y];
      if (yv.dtype != DType::Float || yv.is_output || readers[y].size() != 1) break;
      Node& u = g.nodes[readers[y][0]];
      Epilogue e = c.epi;
      int residual = -1;
      if (conv && u.op == "Add" && u.domain.empty() && !e.residual && e.act == 0 && u.inputs.size() == 2) {
        const int other = u.inputs[0] == y ? u.inputs[1] : u.inputs[0];
        if (other == y || g.values[other].shape != yv.shape || g.values[other].dtype != yv.dtype) break;
        residual = other;
        e.residual = true;
      } else if (u.domain.empty() && e.act == 0 && u.inputs[0] == y && as_activation(g, u, &e)) {
        // the activation reads y as its first input; Clip's other inputs are constants
      } else {
        break;
      }
      e.ops += "+" + u.op;
      // u becomes the fused Conv, at u's position: all of the Conv's inputs come earlier.
      const int ui = readers[y][0];
      std::vector<int> ins = c.inputs;
      if (conv) {  // X, W, B, then the residual
        ins.resize(3, -1);
        if (c.epi.residual) ins.push_back(c.inputs.back());
        if (residual >= 0) ins.push_back(residual);
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
