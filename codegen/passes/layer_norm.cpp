// LayerNorm as exporters before opset 17 spell it (PyTorch's nn.LayerNorm, BERT's own):
//   m = ReduceMean(x, last axis); d = x - m; v = ReduceMean(Pow(d, 2), last axis);
//   y = d / Sqrt(v + eps) [* gamma] [+ beta]
// becomes one LayerNormalization node (templates/norm.hpp: one pass per row for the mean and
// variance, one for the output) in place of the pattern's last node; the others die. Each
// intermediate must be read inside the pattern alone, gamma and beta constants of the last
// dim's size, eps a constant scalar.
#include <string>
#include <vector>

#include "passes/passes.hpp"

namespace o2c {
namespace {

struct Ctx {
  Graph& g;
  std::vector<std::vector<int>> readers;  // live reader nodes of every value

  // The live node producing v, if it is `op` in the default domain and v has n readers.
  Node* producer(int v, const char* op, size_t n = 1) {
    if (v < 0 || g.values[v].producer < 0 || g.values[v].is_output || readers[v].size() != n) return nullptr;
    Node& p = g.nodes[g.values[v].producer];
    return !p.dead && p.op == op && p.domain.empty() ? &p : nullptr;
  }
  // A float constant scalar (any rank with one element).
  bool scalar(int v, double* out) const {
    if (v < 0 || !g.values[v].constant || g.values[v].dtype != DType::Float || g.values[v].constant->numel() != 1)
      return false;
    *out = g.values[v].constant->float_at(0);
    return true;
  }
  // A float constant of n elements, of rank 1 at most (it broadcasts over the last dim).
  bool vector_const(int v, int64_t n) const {
    return v >= 0 && g.values[v].constant && g.values[v].dtype == DType::Float && g.values[v].constant->numel() == n &&
           g.values[v].shape.size() <= 1;
  }
  // When the one reader of y is an `op` (Mul: gamma, Add: beta) with such a constant of n
  // elements: the constant, the reader appended to pattern. Else -1.
  int affine(int y, const char* op, int64_t n, std::vector<Node*>* pattern) {
    if (readers[y].size() != 1 || g.values[y].is_output) return -1;
    Node& r = g.nodes[readers[y][0]];
    const int k = other(r, y);
    if (r.dead || r.op != op || !r.domain.empty() || !vector_const(k, n)) return -1;
    pattern->push_back(&r);
    return k;
  }
  // The other input of a binary node, given one; -1 if `one` is not an input.
  static int other(const Node& n, int one) {
    if (n.inputs.size() != 2) return -1;
    return n.inputs[0] == one ? n.inputs[1] : n.inputs[1] == one ? n.inputs[0] : -1;
  }
  // ReduceMean over the last axis of its input x, keeping dims.
  bool mean_last(const Node& r, int x) const {
    if (r.inputs.empty() || r.inputs[0] != x) return false;
    const int64_t rank = static_cast<int64_t>(g.values[x].shape.size());
    auto it = r.attrs.find("keepdims");
    if (it != r.attrs.end() && it->second.i() == 0) return false;
    std::vector<int64_t> axes;
    if (r.inputs.size() > 1 && r.inputs[1] >= 0) {
      if (!g.values[r.inputs[1]].constant) return false;
      axes = g.values[r.inputs[1]].constant->to_ints();
    } else if ((it = r.attrs.find("axes")) != r.attrs.end()) {
      axes.assign(it->second.ints().begin(), it->second.ints().end());
    }
    return axes.size() == 1 && (axes[0] == -1 || axes[0] == rank - 1);
  }
};

}  // namespace

void fuse_layer_norm(Graph& g) {
  Ctx c{g, std::vector<std::vector<int>>(g.values.size())};
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (!g.nodes[i].dead)
      for (int v : g.nodes[i].inputs)
        if (v >= 0) c.readers[v].push_back(static_cast<int>(i));
  for (Node& div : g.nodes) {
    if (div.dead || div.op != "Div" || !div.domain.empty() || div.inputs.size() != 2) continue;
    const int d = div.inputs[0], s = div.inputs[1];
    if (d < 0 || g.values[d].dtype != DType::Float || g.values[d].shape.empty()) continue;
    Node* sub = c.producer(d, "Sub", 2);  // read by the pattern's Pow and Div alone
    Node* sq = c.producer(s, "Sqrt");
    if (!sub || !sq || sub->inputs.size() != 2) continue;
    const int x = sub->inputs[0];
    Node* mean = c.producer(sub->inputs[1], "ReduceMean");
    Node* add = sq->inputs.empty() ? nullptr : c.producer(sq->inputs[0], "Add");
    if (!mean || !add || !c.mean_last(*mean, x) || g.values[x].shape != g.values[d].shape) continue;
    // v + eps, either way round
    double eps = 0;
    Node* var = nullptr;
    for (int k = 0; k < 2 && !var; ++k)
      if (c.scalar(add->inputs[1 - k], &eps)) var = c.producer(add->inputs[k], "ReduceMean");
    if (!var) continue;
    Node* pow = var->inputs.empty() ? nullptr : c.producer(var->inputs[0], "Pow");
    double two = 0;
    if (!pow || !c.mean_last(*var, var->inputs[0]) || pow->inputs.size() != 2 || pow->inputs[0] != d ||
        !c.scalar(pow->inputs[1], &two) || two != 2.0)
      continue;
    const int64_t D = g.values[d].shape.back();
    std::vector<Node*> pattern = {mean, sub, pow, var, add, sq, &div};
    const int gamma = c.affine(div.outputs[0], "Mul", D, &pattern);
    const int beta = gamma < 0 ? -1 : c.affine(pattern.back()->outputs[0], "Add", D, &pattern);
    if (gamma < 0) continue;  // LayerNormalization needs its Scale: leave a bare normalization alone
    for (Node* n : pattern) n->dead = true;
    Node& ln = *pattern.back();  // after all the others: x is computed before it
    ln.dead = false;
    ln.op = "LayerNormalization";
    ln.opset = 17;
    ln.inputs = {x, gamma};
    if (beta >= 0) ln.inputs.push_back(beta);
    ln.outputs = {ln.outputs[0]};
    ln.attrs.clear();
    onnx::AttributeProto axis, epsilon;
    axis.set_name("axis");
    axis.set_type(onnx::AttributeProto::INT);
    axis.set_i(-1);
    epsilon.set_name("epsilon");
    epsilon.set_type(onnx::AttributeProto::FLOAT);
    epsilon.set_f(static_cast<float>(eps));
    ln.attrs["axis"] = axis;
    ln.attrs["epsilon"] = epsilon;
    ln.scratch_bytes = 0;
  }
}

}  // namespace o2c
