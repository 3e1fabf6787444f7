#include "tools/info.hpp"

#include <cstdio>
#include <set>

#include "onnx/functions.hpp"
#include "onnx/model_io.hpp"
#include "onnx/names.hpp"
#include "ops/registry.hpp"
#include "passes/passes.hpp"

namespace o2c {

namespace {

std::string op_key(const std::string& domain, const std::string& op) {
  return domain.empty() || domain == "ai.onnx" ? op : domain + "." + op;
}

// The ops the compiler will see: nodes of bodies (If, Loop, Scan) and of the model-local
// functions a node calls (expanded at import) counted too.
void count_ops(const onnx::GraphProto& g, const Functions& fns, const onnx::ModelProto& m, ModelInfo& info, int depth) {
  if (depth > 32) return;  // a recursive function: import reports it
  for (const auto& n : g.node()) {
    for (const auto& a : n.attribute()) {
      if (a.has_g()) count_ops(a.g(), fns, m, info, depth + 1);
      for (const auto& sub : a.graphs()) count_ops(sub, fns, m, info, depth + 1);
    }
    if (const FunctionDef* fn = fns.find(n)) {
      onnx::GraphProto body;
      for (const auto& b : fn->proto->node()) *body.add_node() = b;
      count_ops(body, fns, m, info, depth + 1);
      continue;
    }
    ++info.ops[op_key(n.domain(), n.op_type())];
    ++info.nodes;
  }
}

ModelInfo::Port port_of(const onnx::ValueInfoProto& vi) {
  ModelInfo::Port p;
  p.name = vi.name();
  const auto& type = vi.type();
  if (!type.has_tensor_type()) {
    p.dtype = type.has_sequence_type() ? "sequence" : type.has_map_type() ? "map" : type.has_optional_type() ? "optional" : "?";
    return p;
  }
  p.dtype = dtype_name(static_cast<DType>(type.tensor_type().elem_type()));
  p.has_shape = type.tensor_type().has_shape();
  for (const auto& d : type.tensor_type().shape().dim())
    p.dims.push_back(d.has_dim_value() ? std::to_string(d.dim_value()) : d.has_dim_param() ? d.dim_param() : "?");
  return p;
}

// The bindings the check runs with: the flags', and 1 for every dim they leave unbound (so
// that the ops can be inferred and checked; MACs are then not reported).
ShapeBindings complete_bindings(const onnx::GraphProto& g, const ShapeBindings& given, ModelInfo& info) {
  ShapeBindings b = given;
  std::set<std::string> initializers;
  for (const auto& t : g.initializer()) initializers.insert(t.name());
  std::set<std::string> listed;
  for (const auto& vi : g.input()) {
    if (initializers.count(vi.name()) || b.frozen.count(vi.name()) || !vi.type().has_tensor_type()) continue;
    const auto& tt = vi.type().tensor_type();
    const auto shape = b.shapes.find(vi.name());
    Shape filled;
    bool unknown = false;
    for (int k = 0; k < tt.shape().dim_size(); ++k) {
      const auto& d = tt.shape().dim(k);
      const int64_t from_shape = shape != b.shapes.end() && k < static_cast<int>(shape->second.size()) ? shape->second[k] : 0;
      if (d.has_dim_value()) {
        filled.push_back(d.dim_value());
        continue;
      }
      if (!d.has_dim_param()) {
        unknown = true;
        info.symbols.push_back({"?", "--shape " + vi.name() + "=...", from_shape});
        filled.push_back(from_shape ? from_shape : 1);
        continue;
      }
      const std::string& sym = d.dim_param();
      auto it = b.dims.find(sym);
      const int64_t value = it != b.dims.end() ? it->second.hi : from_shape;
      if (listed.insert(sym).second) info.symbols.push_back({sym, "--dim " + sym + "=VALUE", value});
      if (!value && shape == b.shapes.end()) {
        b.dims[sym] = DimRange{1, 1};
        info.checked_at_ones = true;
      }
      filled.push_back(value ? value : 1);
    }
    if (unknown && shape == b.shapes.end()) {
      b.shapes[vi.name()] = filled;
      info.checked_at_ones = true;
    }
  }
  return b;
}

// Multiply-accumulates of one node (0 for ops that are not products): output elements times
// the products summed into each.
int64_t node_macs(const Graph& g, const Node& n) {
  if (!n.domain.empty() || n.outputs.empty() || n.outputs[0] < 0) return 0;
  auto shape = [&](size_t i) -> const Shape& { return g.values[n.inputs[i]].shape; };
  auto tail = [](const Shape& s) { return s.size() > 1 ? numel(Shape(s.begin() + 1, s.end())) : int64_t{1}; };
  const int64_t out = numel(g.values[n.outputs[0]].shape);
  if (n.op == "Conv" || n.op == "ConvInteger") return out * tail(shape(1));
  if (n.op == "QLinearConv") return out * tail(shape(3));
  if (n.op == "ConvTranspose") return numel(shape(0)) * tail(shape(1));  // each input element scatters to a window
  if (n.op == "Gemm") {
    const auto t = n.attrs.find("transA");
    const bool trans = t != n.attrs.end() && t->second.i != 0;
    const Shape& a = shape(0);
    return a.size() == 2 ? out * a[trans ? 0 : 1] : 0;
  }
  if (n.op == "MatMul" || n.op == "MatMulInteger" || n.op == "QLinearMatMul")
    return shape(0).empty() ? 0 : out * shape(0).back();
  return 0;
}

void count_macs(const Graph& g, ModelInfo& info) {
  for (int id : g.live_nodes()) {
    const Node& n = g.nodes[id];
    if (const int64_t k = node_macs(g, n)) {
      info.macs += k;
      info.macs_by_op[n.op] += k;
    }
    for (const Graph* body : subgraphs(n)) count_macs(*body, info);  // a Loop's body once
  }
}

// Inference node by node, going on past a node it cannot take: its outputs stay unknown and
// the nodes that read them are counted as unchecked.
void infer_listing(Graph& g, ModelInfo& info) {
  std::set<int> unknown;  // values whose type is not known
  for (int id : g.live_nodes()) {
    const Node n = g.nodes[id];  // a copy: inference may erase or rewrite the node
    bool blocked = !find_op(n.domain, n.op);  // listed by the importer
    for (int v : n.inputs) blocked = blocked || (v >= 0 && unknown.count(v));
    for (int v : n.captures) blocked = blocked || unknown.count(v);
    if (blocked) {
      info.unchecked_nodes += find_op(n.domain, n.op) != nullptr;
      unknown.insert(n.outputs.begin(), n.outputs.end());
      continue;
    }
    const std::string where = g.where(n);
    try {
      infer_fold_node(g, id, FoldOptions{});
    } catch (const std::exception& e) {
      std::string reason = e.what();
      if (reason.rfind(where + ": ", 0) == 0) reason = reason.substr(where.size() + 2);
      if (!dynamic_cast<const CompileError*>(&e)) reason = "internal error: " + reason;
      info.unsupported.push_back({where, reason});
      unknown.insert(n.outputs.begin(), n.outputs.end());
    }
  }
}

}  // namespace

ModelInfo describe_model(const std::string& path, const ShapeBindings& bind) {
  const onnx::ModelProto m = load_model(path);
  ModelInfo info;
  info.path = path;
  info.producer = m.producer_name() + (m.producer_version().empty() ? "" : " " + m.producer_version());
  info.ir_version = m.ir_version();
  for (const auto& os : m.opset_import()) info.opsets[os.domain().empty() ? "ai.onnx" : os.domain()] = os.version();
  const onnx::GraphProto& gp = m.graph();
  std::set<std::string> initializers;
  for (const auto& t : gp.initializer()) {
    initializers.insert(t.name());
    int64_t n = 1;
    for (int64_t d : t.dims()) n *= d;
    info.params += n;
    info.param_bytes += dtype_bytes(static_cast<DType>(t.data_type()), n);
    ++info.initializers;
  }
  for (const auto& vi : gp.input())
    if (!initializers.count(vi.name())) info.inputs.push_back(port_of(vi));
  for (const auto& vo : gp.output()) info.outputs.push_back(port_of(vo));
  const ShapeBindings b = complete_bindings(gp, bind, info);

  Graph g;
  UnsupportedOps ops;
  try {
    const Functions fns(m, path);
    count_ops(gp, fns, m, info, 0);
    g = import_model_listing(m, path, b, &ops);
  } catch (const CompileError& e) {
    std::string reason = e.what();
    if (reason.rfind(path + ": ", 0) == 0) reason = reason.substr(path.size() + 2);
    info.unsupported.push_back({"model", reason});
    info.unchecked_nodes = info.nodes;
    info.macs_note = "the model could not be imported";
    return info;
  }
  for (const auto& kv : ops) {
    std::string nodes;
    for (size_t i = 0; i < kv.second.size() && i < 5; ++i) nodes += (i ? ", " : "") + kv.second[i];
    if (kv.second.size() > 5) nodes += ", ...";
    info.unsupported.push_back({kv.first, "not an op onnx2cpp has (" + std::to_string(kv.second.size()) + " node" +
                                              (kv.second.size() > 1 ? "s" : "") + ": " + nodes + ")"});
  }
  infer_listing(g, info);
  if (!info.unsupported.empty()) {
    info.macs_note = "inference stopped at the unsupported nodes";
    return info;
  }
  remove_dead_nodes(g);
  for (int v : g.outputs)
    for (auto& p : info.outputs)
      if (p.name == g.values[v].name && g.values[v].typed) {
        p.inferred = g.values[v].shape;
        p.inferred_known = true;
      }
  if (info.checked_at_ones) {
    info.macs_note = "bind every dim (--dim/--shape) to count them";
    return info;
  }
  info.macs_known = true;
  count_macs(g, info);
  return info;
}

// ---- output ---------------------------------------------------------------------------------

namespace {

// 1234567 -> "1.23 M"
std::string short_count(int64_t v) {
  const char* units[] = {"", " k", " M", " G", " T"};
  double x = static_cast<double>(v);
  int u = 0;
  while (x >= 1000 && u < 4) x /= 1000, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u ? "%.3g%s" : "%.0f%s", x, units[u]);
  return buf;
}

std::string dims_text(const ModelInfo::Port& p) {
  if (!p.has_shape) return p.dtype + " (no shape)";
  std::string s = p.dtype + "[";
  for (size_t k = 0; k < p.dims.size(); ++k) s += (k ? ", " : "") + p.dims[k];
  return s + "]";
}

}  // namespace

std::string info_text(const ModelInfo& info) {
  std::string s = info.path + ": " + (info.producer.empty() ? "unknown producer" : info.producer) + ", IR version " +
                  std::to_string(info.ir_version) + ", opsets";
  for (const auto& kv : info.opsets) s += " " + kv.first + " " + std::to_string(kv.second);
  s += "\ninputs:\n";
  for (const auto& p : info.inputs) s += "  " + quote_name(p.name) + ": " + dims_text(p) + "\n";
  s += "outputs:\n";
  for (const auto& p : info.outputs)
    s += "  " + quote_name(p.name) + ": " + dims_text(p) +
         (p.inferred_known ? " -> " + shape_str(p.inferred) + (info.checked_at_ones ? " with unbound dims at 1" : "") : "") + "\n";
  if (!info.symbols.empty()) {
    s += "dims to bind:\n";
    for (const auto& d : info.symbols)
      s += "  " + d.name + ": " + d.flag + (d.value ? " (bound to " + std::to_string(d.value) + ")" : "") + "\n";
  }
  s += "ops: " + std::to_string(info.nodes) + " nodes, " + std::to_string(info.ops.size()) + " kinds:";
  for (const auto& kv : info.ops) s += std::string(&kv == &*info.ops.begin() ? " " : ", ") + kv.first + " " + std::to_string(kv.second);
  s += "\nparameters: " + std::to_string(info.params) + (info.params >= 1000 ? " (" + short_count(info.params) + ")" : "") + " in " +
       std::to_string(info.initializers) + " initializers, " + std::to_string(info.param_bytes) + " bytes\n";
  if (info.macs_known) {
    s += "MACs (Conv, ConvTranspose, Gemm, MatMul): " + std::to_string(info.macs) +
         (info.macs >= 1000 ? " (" + short_count(info.macs) + ")" : "");
    for (const auto& kv : info.macs_by_op) s += ", " + kv.first + " " + short_count(kv.second);
    s += "\n";
  } else {
    s += "MACs: unknown (" + info.macs_note + ")\n";
  }
  if (info.unsupported.empty()) {
    s += std::string("supported: yes") + (info.checked_at_ones ? " (checked with unbound dims at 1)" : "") + "\n";
    return s;
  }
  s += "supported: no, " + std::to_string(info.unsupported.size()) + " finding" + (info.unsupported.size() > 1 ? "s" : "") + ":\n";
  for (const auto& i : info.unsupported) s += "  " + i.what + ": " + i.reason + "\n";
  if (info.unchecked_nodes)
    s += "  (" + std::to_string(info.unchecked_nodes) + " nodes after them were not checked)\n";
  return s;
}

namespace {

std::string json_port(const ModelInfo::Port& p) {
  std::string s = "{\"name\": " + js_string(p.name) + ", \"dtype\": " + js_string(p.dtype) + ", \"shape\": ";
  if (!p.has_shape) s += "null";
  else {
    s += "[";
    for (size_t k = 0; k < p.dims.size(); ++k) {
      const bool number = !p.dims[k].empty() && p.dims[k].find_first_not_of("0123456789") == std::string::npos;
      s += (k ? ", " : "") + (number ? p.dims[k] : js_string(p.dims[k]));
    }
    s += "]";
  }
  if (p.inferred_known) {
    s += ", \"inferred_shape\": [";
    for (size_t k = 0; k < p.inferred.size(); ++k) s += (k ? ", " : "") + std::to_string(p.inferred[k]);
    s += "]";
  }
  return s + "}";
}

std::string json_counts(const std::map<std::string, int64_t>& m) {
  std::string s = "{";
  for (const auto& kv : m) s += (s.size() > 1 ? ", " : "") + js_string(kv.first) + ": " + std::to_string(kv.second);
  return s + "}";
}

}  // namespace

std::string info_json(const ModelInfo& info) {
  std::string s = "{\"model\": " + js_string(info.path) + ", \"producer\": " + js_string(info.producer) +
                  ", \"ir_version\": " + std::to_string(info.ir_version) + ", \"opsets\": " + json_counts(info.opsets);
  s += ", \"inputs\": [";
  for (size_t i = 0; i < info.inputs.size(); ++i) s += (i ? ", " : "") + json_port(info.inputs[i]);
  s += "], \"outputs\": [";
  for (size_t i = 0; i < info.outputs.size(); ++i) s += (i ? ", " : "") + json_port(info.outputs[i]);
  s += "], \"dims\": [";
  for (size_t i = 0; i < info.symbols.size(); ++i) {
    const auto& d = info.symbols[i];
    s += std::string(i ? ", " : "") + "{\"name\": " + js_string(d.name) + ", \"flag\": " + js_string(d.flag) +
         ", \"value\": " + (d.value ? std::to_string(d.value) : "null") + "}";
  }
  s += "], \"nodes\": " + std::to_string(info.nodes) + ", \"ops\": " + json_counts(info.ops);
  s += ", \"parameters\": {\"count\": " + std::to_string(info.params) + ", \"bytes\": " + std::to_string(info.param_bytes) +
       ", \"initializers\": " + std::to_string(info.initializers) + "}";
  s += ", \"macs\": " + (info.macs_known ? std::to_string(info.macs) : "null") + ", \"macs_by_op\": " + json_counts(info.macs_by_op);
  if (!info.macs_known) s += ", \"macs_note\": " + js_string(info.macs_note);
  s += std::string(", \"checked_with_unbound_dims_at_1\": ") + (info.checked_at_ones ? "true" : "false");
  s += std::string(", \"supported\": ") + (info.unsupported.empty() ? "true" : "false") + ", \"unsupported\": [";
  for (size_t i = 0; i < info.unsupported.size(); ++i)
    s += std::string(i ? ", " : "") + "{\"what\": " + js_string(info.unsupported[i].what) +
         ", \"reason\": " + js_string(info.unsupported[i].reason) + "}";
  s += "], \"unchecked_nodes\": " + std::to_string(info.unchecked_nodes) + "}\n";
  return s;
}

}  // namespace o2c
