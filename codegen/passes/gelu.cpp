// GELU as exporters before opset 20 spell it (PyTorch's nn.GELU(), approximate "none"):
//   y = x * (Erf(x / sqrt 2) + 1) * 0.5
// with x / sqrt 2 as Div or as Mul by 1 / sqrt 2, either operand order, and the 0.5 applied
// last or to x first, becomes one Gelu node (templates/special.hpp: one vectorized pass
// where the pattern made five) in place of the pattern's last node; the others die. Each
// intermediate must be read inside the pattern alone.
#include <cmath>
#include <vector>

#include "passes/passes.hpp"
#include "passes/pattern.hpp"

namespace o2c {
namespace {

// A constant scalar equal to want (to float precision).
bool is(Pattern& c, int v, double want) {
  double k = 0;
  return c.scalar(v, &k) && std::fabs(k - want) <= 1e-6 * std::fabs(want);
}

// x when v = x / sqrt 2 or x * (1 / sqrt 2) (the node into *scale), else -1.
int scaled_input(Pattern& c, int v, Node** scale) {
  if (Node* d = c.producer(v, "Div"); d && d->inputs.size() == 2 && is(c, d->inputs[1], std::sqrt(2.0))) {
    *scale = d;
    return d->inputs[0];
  }
  if (Node* m = c.producer(v, "Mul"); m && m->inputs.size() == 2)
    for (int i = 0; i < 2; ++i)
      if (is(c, m->inputs[1 - i], std::sqrt(0.5))) {
        *scale = m;
        return m->inputs[i];
      }
  return -1;
}

}  // namespace

void fuse_gelu(Graph& g) {
  Pattern c(g);
  for (int id : g.live_nodes()) {
    if (g.nodes[id].erased) continue;
    Node& erf = g.nodes[id];
    if (erf.op != "Erf" || !erf.domain.empty() || erf.inputs.size() != 1 || erf.outputs.size() != 1)
      continue;
    Node* scale = nullptr;
    const int x = scaled_input(c, erf.inputs[0], &scale);
    if (x < 0 || g.values[x].dtype != DType::Float) continue;
    Node* add = c.reader(erf.outputs[0], "Add");
    if (!add || !is(c, Pattern::other(*add, erf.outputs[0]), 1.0)) continue;
    Node* mul = c.reader(add->outputs[0], "Mul");
    const int h = mul ? Pattern::other(*mul, add->outputs[0]) : -1;
    if (h < 0) continue;
    std::vector<Node*> pattern = {scale, &erf, add, mul};
    if (h == x) {  // (x * (erf + 1)) * 0.5
      Node* half = c.reader(mul->outputs[0], "Mul");
      if (!half || !is(c, Pattern::other(*half, mul->outputs[0]), 0.5)) continue;
      pattern.push_back(half);
    } else {  // (x * 0.5) * (erf + 1)
      Node* half = c.producer(h, "Mul");
      if (!half || Pattern::other(*half, x) < 0 || !is(c, Pattern::other(*half, x), 0.5)) continue;
      pattern.push_back(half);
      std::swap(pattern[3], pattern[4]);  // mul is the last
    }
    Node& last = *pattern.back();
    if (g.values[last.outputs[0]].shape != g.values[x].shape) continue;
    c.replace(pattern, "Gelu", 20, {x}, {});
  }
}

}  // namespace o2c
