#include "ir/dump.hpp"

namespace o2c {

namespace {

std::string value_str(const Graph& g, int v) {
  if (v < 0) return "-";
  const Value& val = g.values[v];
  std::string s = quote_name(val.name) + ": " + (val.typed ? type_str(val.dtype, val.shape) : std::string("?"));
  if (val.constant) s += " const";
  if (val.capture_of >= 0) s += " captured";
  if (val.channels_last) s += " channels-last";
  if (val.alias_of >= 0) s += " in " + quote_name(g.values[val.alias_of].name) + "+" + std::to_string(val.alias_offset);
  return s;
}

std::string list(const Graph& g, const std::vector<int>& vs) {
  std::string s;
  for (size_t i = 0; i < vs.size(); ++i) s += (i ? ", " : "") + value_str(g, vs[i]);
  return s;
}

}  // namespace

std::string dump_ir(const Graph& g, int indent) {
  const std::string pad(static_cast<size_t>(indent), ' ');
  std::string s = pad + "graph " + quote_name(g.graph_name) + "\n";
  s += pad + "  inputs: " + list(g, g.inputs) + "\n";
  for (int id : g.order) {
    const Node& n = g.nodes[id];
    s += pad + "  [" + std::to_string(n.index) + "] " + (n.domain.empty() ? "" : n.domain + ".") + n.op;
    if (!n.name.empty()) s += " " + quote_name(n.name);
    s += " (" + list(g, n.inputs) + ")";
    if (!n.attrs.empty()) {
      s += " {";
      bool first = true;
      for (const auto& kv : n.attrs) {
        s += (first ? "" : ", ") + kv.first + "=" + attr_str(kv.second);
        first = false;
      }
      s += "}";
    }
    s += " -> " + list(g, n.outputs);
    if (n.scratch_bytes) s += " scratch " + std::to_string(n.scratch_bytes);
    if (n.in_place) s += " in-place";
    s += "\n";
    for (const auto& kv : n.attrs)
      if (kv.second.kind == Attr::Kind::Graph && kv.second.g) {
        s += pad + "    " + kv.first + ":\n";
        s += dump_ir(*kv.second.g, indent + 6);
      }
  }
  s += pad + "  outputs: " + list(g, g.outputs) + "\n";
  return s;
}

}  // namespace o2c
