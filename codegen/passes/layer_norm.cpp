// LayerNorm as exporters before opset 17 spell it (PyTorch's nn.LayerNorm, BERT's own):
//   m = ReduceMean(x, last axis); d = x - m; v = ReduceMean(Pow(d, 2), last axis);
//   y = d / Sqrt(v + eps) [* gamma] [+ beta]
// becomes one LayerNormalization node (templates/norm.hpp: one pass per row for the mean and
// variance, one for the output) in place of the pattern's last node; the others die. Each
// intermediate must be read inside the pattern alone, gamma and beta of the last dim's size
// (constants, or a training step's parameters), eps a constant scalar.
#include <string>
#include <vector>

#include "passes/passes.hpp"
#include "passes/pattern.hpp"

namespace o2c {
namespace {

struct Ctx : Pattern {
  using Pattern::Pattern;
  // A float tensor of n elements, of rank 1 at most (it broadcasts over the last dim): a
  // constant, or a parameter a training step updates.
  bool vector_of(int v, int64_t n) const {
    return v >= 0 && g.values[v].dtype == DType::Float && !g.values[v].dynamic() && numel(g.values[v].shape) == n &&
           g.values[v].shape.size() <= 1;
  }
  // When the one reader of y is an `op` (Mul: gamma, Add: beta) with such a tensor of n
  // elements: that tensor, the reader appended to pattern. Else -1.
  int affine(int y, const char* op, int64_t n, std::vector<Node*>* pattern) {
    Node* r = reader(y, op);
    const int k = r ? other(*r, y) : -1;
    if (!vector_of(k, n)) return -1;
    pattern->push_back(r);
    return k;
  }
  // ReduceMean over the last axis of its input x, keeping dims.
  bool mean_last(const Node& r, int x) const {
    if (r.inputs.empty() || r.inputs[0] != x) return false;
    const int64_t rank = static_cast<int64_t>(g.values[x].shape.size());
    auto it = r.attrs.find("keepdims");
    if (it != r.attrs.end() && it->second.i == 0) return false;
    std::vector<int64_t> axes;
    if (r.inputs.size() > 1 && r.inputs[1] >= 0) {
      if (!g.values[r.inputs[1]].constant) return false;
      axes = g.values[r.inputs[1]].constant->to_ints();
    } else if ((it = r.attrs.find("axes")) != r.attrs.end()) {
      axes = it->second.ints;
    }
    return axes.size() == 1 && (axes[0] == -1 || axes[0] == rank - 1);
  }
};

}  // namespace

void fuse_layer_norm(Graph& g) {
  Ctx c(g);
  for (int id : g.live_nodes()) {
    if (g.nodes[id].erased) continue;
    Node& div = g.nodes[id];
    if (div.op != "Div" || !div.domain.empty() || div.inputs.size() != 2) continue;
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
    std::vector<int> inputs = {x, gamma};
    if (beta >= 0) inputs.push_back(beta);
    c.replace(pattern, "LayerNormalization", 17, inputs,
              {{"axis", Attr::of(int64_t{-1})}, {"epsilon", Attr::of(static_cast<float>(eps))}});
  }
}

}  // namespace o2c
