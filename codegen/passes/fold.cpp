#include "passes/passes.hpp"

#include "ops/registry.hpp"

namespace o2c {

void infer_and_fold(Graph& g, const FoldOptions& opt) {
  for (int id : g.live_nodes()) {
    Node& n = g.nodes[id];
    const OpInfo* info = find_op(n.domain, n.op);
    if (!info) throw UnsupportedError(g.where(n) + ": op is not supported");
    OpCtx ctx(g, n);
    bool all_const = true;
    int64_t in_bytes = 0;
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      if (n.inputs[i] < 0) continue;
      const Value& v = g.values[n.inputs[i]];
      if (!v.typed)
        throw CompileError(g.where(n) + ": the type of input " + quote_name(v.name) + " is unknown");
      if (!v.constant) all_const = false;
      else in_bytes += static_cast<int64_t>(v.constant->bytes.size());
      if (!dtype_supported(v.dtype))
        throw UnsupportedError(g.where(n) + ": input " + quote_name(v.name) + " has type " +
                               dtype_name(v.dtype) + ", which is not supported");
    }
    info->impl->infer(ctx);
    int64_t out_bytes = 0;
    for (int v : n.outputs) {
      if (v < 0) continue;
      if (!g.values[v].typed) throw CompileError(g.where(n) + ": output type was not inferred");
      if (!dtype_supported(g.values[v].dtype))
        throw UnsupportedError(g.where(n) + ": output " + quote_name(g.values[v].name) + " has type " +
                               dtype_name(g.values[v].dtype) + ", which is not supported");
      out_bytes += g.values[v].bytes();
    }
    bool already = true;  // infer may have set the constants itself (Shape, Constant)
    for (int v : n.outputs)
      if (v >= 0 && !g.values[v].constant) already = false;
    if (!already && opt.fold && all_const && info->impl->eval &&
        out_bytes <= std::max(opt.max_growth_bytes, 2 * in_bytes)) {
      info->impl->eval(ctx);
      already = true;
      for (int v : n.outputs)
        if (v >= 0 && !g.values[v].constant) already = false;
    }
    if (already) g.erase(id);
  }
}

void remove_dead_nodes(Graph& g) {
  const std::vector<int> order = g.live_nodes();
  for (size_t k = order.size(); k-- > 0;) {
    const Node& n = g.nodes[order[k]];
    bool used = false;
    for (int v : n.outputs)
      if (v >= 0 && (g.values[v].is_output || !g.values[v].readers.empty())) used = true;
    if (!used) g.erase(order[k]);
  }
}

}  // namespace o2c
