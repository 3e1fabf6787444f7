// Concat in place: producers write their results into the Concat's output directly.
#include "ops/registry.hpp"
#include "passes/passes.hpp"

namespace o2c {

void concat_in_place(Graph& g) {
  for (int id : g.live_nodes()) {
    Node& n = g.nodes[id];
    if (n.op != "Concat" || !n.domain.empty() || n.outputs.empty() || n.outputs[0] < 0) continue;
    const int out = n.outputs[0];
    const Value& ov = g.values[out];
    if (ov.constant || ov.alias_of >= 0 || ov.dynamic()) continue;  // offsets of run-time dims: not planned
    const int64_t rank = static_cast<int64_t>(ov.shape.size());
    auto it = n.attrs.find("axis");
    if (it == n.attrs.end() || rank == 0) continue;
    int64_t axis = it->second.i;
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank) continue;
    bool ok = true;
    for (int64_t d = 0; d < axis; ++d)
      if (ov.shape[d] != 1) ok = false;  // each input is then one contiguous block
    for (size_t i = 0; ok && i < n.inputs.size(); ++i) {
      const int v = n.inputs[i];
      if (v < 0) {
        ok = false;
        break;
      }
      const Value& iv = g.values[v];
      ok = !iv.constant && !iv.is_input && !iv.is_output && iv.alias_of < 0 && iv.readers.size() == 1 &&
           iv.producer >= 0 && iv.dtype == ov.dtype;
      if (!ok) break;
      const Node& p = g.nodes[iv.producer];
      const OpInfo* info = find_op(p.domain, p.op);
      // A view's bytes belong to its source; an in-place Concat has no code to redirect.
      ok = info && !info->def->view && !p.in_place;
    }
    if (!ok) continue;
    int64_t at = 0;
    for (int v : n.inputs) {
      g.values[v].alias_of = out;
      g.values[v].alias_offset = at;
      at += g.values[v].bytes();
    }
    n.in_place = true;
  }
}

}  // namespace o2c
