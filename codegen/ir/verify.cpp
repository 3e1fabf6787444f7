#include "ir/verify.hpp"

#include <algorithm>
#include <set>

#include "ops/registry.hpp"

namespace o2c {

namespace {

struct Checker {
  const Graph& g;
  std::string report;
  void bad(const std::string& s) { report += s + "\n"; }
  std::string vname(int v) const { return "value " + quote_name(g.values[v].name); }

  void structure() {
    const int nv = static_cast<int>(g.values.size());
    std::vector<int> pos(g.nodes.size(), -1);
    for (size_t k = 0; k < g.order.size(); ++k) {
      const int id = g.order[k];
      if (id < 0 || id >= static_cast<int>(g.nodes.size())) {
        bad("order holds node id " + std::to_string(id) + ", which does not exist");
        continue;
      }
      if (pos[id] >= 0) bad(g.where(g.nodes[id]) + " is twice in the order");
      if (g.nodes[id].erased) bad(g.where(g.nodes[id]) + " is erased but still in the order");
      if (g.nodes[id].id != id) bad(g.where(g.nodes[id]) + " has id " + std::to_string(g.nodes[id].id) + " at slot " + std::to_string(id));
      pos[id] = static_cast<int>(k);
    }
    for (const Node& n : g.nodes)
      if (!n.erased && pos[n.id] < 0) bad(g.where(n) + " is live but not in the order");
    // Producers and readers, recomputed.
    std::vector<int> producer(g.values.size(), -1);
    std::vector<std::vector<Use>> readers(g.values.size());
    for (int id : g.order) {
      const Node& n = g.nodes[id];
      for (int v : n.outputs) {
        if (v < -1 || v >= nv) { bad(g.where(n) + " writes value id " + std::to_string(v) + ", which does not exist"); continue; }
        if (v < 0) continue;
        if (producer[v] >= 0) bad(vname(v) + " is written by " + g.where(g.nodes[producer[v]]) + " and by " + g.where(n));
        producer[v] = id;
      }
      auto read = [&](int v, int slot) {
        if (v < -1 || v >= nv) { bad(g.where(n) + " reads value id " + std::to_string(v) + ", which does not exist"); return; }
        if (v < 0) return;
        readers[v].push_back({id, slot});
      };
      for (size_t s = 0; s < n.inputs.size(); ++s) read(n.inputs[s], static_cast<int>(s));
      for (int v : n.captures) read(v, -1);
    }
    for (int v = 0; v < nv; ++v) {
      const Value& val = g.values[v];
      if (val.producer != producer[v])
        bad(vname(v) + " records producer " + std::to_string(val.producer) + ", the nodes say " + std::to_string(producer[v]));
      auto a = val.readers, b = readers[v];
      auto less = [](const Use& x, const Use& y) { return x.node != y.node ? x.node < y.node : x.slot < y.slot; };
      std::sort(a.begin(), a.end(), less);
      std::sort(b.begin(), b.end(), less);
      if (a != b) bad(vname(v) + " records " + std::to_string(val.readers.size()) + " readers, the nodes say " + std::to_string(b.size()));
      if (producer[v] >= 0 && (val.constant || val.is_input || val.capture_of >= 0) && !g.nodes[producer[v]].erased)
        bad(vname(v) + " is a constant, input or capture and also written by " + g.where(g.nodes[producer[v]]));
    }
    // Defined before use, typed.
    for (int id : g.order) {
      const Node& n = g.nodes[id];
      auto defined = [&](int v) {
        const Value& val = g.values[v];
        if (val.constant || val.is_input || val.capture_of >= 0) return true;
        return producer[v] >= 0 && pos[producer[v]] < pos[id];
      };
      auto typed = [&](int v, const char* what) {
        const Value& val = g.values[v];
        if (!val.typed) bad(g.where(n) + ": " + what + " " + quote_name(val.name) + " is not typed");
        else if (!dtype_supported(val.dtype))
          bad(g.where(n) + ": " + what + " " + quote_name(val.name) + " has type " + dtype_name(val.dtype) + ", which generated code cannot hold");
        else if (val.dynamic()) {  // run-time dims: one per dim, the shape their bounds
          bool ok = val.dims.size() == val.shape.size() && !val.constant;
          for (size_t d = 0; ok && d < val.dims.size(); ++d) {
            for (int s : val.dims[d].symbols()) ok = ok && s < static_cast<int>(g.dims->syms.size());
            ok = ok && g.dims->bound(val.dims[d]) == val.shape[d];
          }
          if (!ok) bad(g.where(n) + ": " + what + " " + quote_name(val.name) + "'s run-time dims do not match its shape " + shape_str(val.shape));
        }
      };
      for (int v : n.inputs)
        if (v >= 0 && v < nv) {
          if (!defined(v)) bad(g.where(n) + " reads " + vname(v) + " before it is computed");
          typed(v, "input");
        }
      for (int v : n.captures)
        if (v >= 0 && v < nv && !defined(v)) bad(g.where(n) + " captures " + vname(v) + " before it is computed");
      for (int v : n.outputs)
        if (v >= 0 && v < nv) typed(v, "output");
    }
    for (int v : g.outputs) {
      if (v < 0 || v >= nv) { bad("graph output id " + std::to_string(v) + " does not exist"); continue; }
      const Value& val = g.values[v];
      if (!val.is_output) bad("graph output " + vname(v) + " is not marked as an output");
      if (producer[v] < 0 && !val.constant && !val.is_input && val.capture_of < 0) bad("graph output " + vname(v) + " is never computed");
    }
  }

  void subgraphs(bool reinfer) {
    for (int id : g.order)
      for (const auto& kv : g.nodes[id].attrs)
        if (kv.second.kind == Attr::Kind::Graph && kv.second.g) {
          std::string r = verify(*kv.second.g, reinfer);
          if (!r.empty()) bad("in the subgraph " + quote_name(kv.first) + " of " + g.where(g.nodes[id]) + ":\n" + r);
        }
  }

  void types() {
    Graph copy = g;  // infer writes: run it on a copy, node by node
    for (int id : g.order) {
      Node& n = copy.nodes[id];
      const OpInfo* info = find_op(n.domain, n.op);
      if (!info) {
        bad(g.where(n) + ": op is not supported");
        continue;
      }
      std::vector<std::pair<DType, Shape>> had;
      for (int v : n.outputs) had.push_back(v >= 0 ? std::make_pair(g.values[v].dtype, g.values[v].shape) : std::make_pair(DType::Undefined, Shape{}));
      try {
        OpCtx ctx(copy, n);
        infer_node(ctx);
      } catch (const std::exception& e) {
        bad(g.where(n) + ": its op no longer infers: " + e.what());
        continue;
      }
      for (size_t i = 0; i < n.outputs.size(); ++i) {
        const int v = n.outputs[i];
        if (v < 0) continue;
        const Value& now = copy.values[v];
        if (now.dtype != had[i].first || now.shape != had[i].second)
          bad(g.where(n) + ": output " + quote_name(now.name) + " is " + type_str(had[i].first, had[i].second) +
              ", its op infers " + type_str(now.dtype, now.shape));
      }
    }
  }
};

}  // namespace

std::string verify(const Graph& g, bool reinfer) {
  Checker c{g, {}};
  c.structure();
  if (c.report.empty()) c.subgraphs(reinfer);
  if (c.report.empty() && reinfer) c.types();
  return c.report;
}

void verify_or_throw(const Graph& g, const std::string& after) {
  const std::string r = verify(g);
  if (!r.empty()) throw std::logic_error("the graph is unsound after " + after + ":\n" + r);
}

}  // namespace o2c
