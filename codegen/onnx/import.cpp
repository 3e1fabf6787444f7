#include "onnx/import.hpp"

#include <filesystem>
#include <set>

#include "onnx/model_io.hpp"
#include "ops/registry.hpp"

namespace o2c {

namespace {

Shape input_shape(const onnx::ValueInfoProto& vi, const ShapeBindings& bind,
                  const std::string& model_path) {
  const auto& tt = vi.type().tensor_type();
  auto given = bind.shapes.find(vi.name());
  if (given != bind.shapes.end()) {
    const Shape& s = given->second;
    bool ok = !tt.has_shape() || tt.shape().dim_size() == static_cast<int>(s.size());
    for (int k = 0; ok && k < tt.shape().dim_size(); ++k)
      if (tt.shape().dim(k).has_dim_value() && tt.shape().dim(k).dim_value() != s[k]) ok = false;
    if (!ok)
      throw CompileError(model_path + ": the shape " + shape_str(s) + " given for input " +
                         quote_name(vi.name()) + " conflicts with the model's own shape");
    return s;
  }
  if (!tt.has_shape())
    throw CompileError(model_path + ": input " + quote_name(vi.name()) +
                       " has no shape; give it with --shape " + vi.name() + "=1x3x224x224");
  Shape s;
  for (int k = 0; k < tt.shape().dim_size(); ++k) {
    const auto& d = tt.shape().dim(k);
    if (d.has_dim_value() && d.dim_value() >= 0) {
      s.push_back(d.dim_value());
      continue;
    }
    if (d.has_dim_param()) {
      auto it = bind.dims.find(d.dim_param());
      if (it != bind.dims.end()) {
        s.push_back(it->second);
        continue;
      }
      throw CompileError(model_path + ": input " + quote_name(vi.name()) + " dim " +
                         std::to_string(k) + " is the symbol " + quote_name(d.dim_param()) +
                         "; bind it with --dim " + d.dim_param() + "=VALUE or --shape " +
                         vi.name() + "=...");
    }
    throw CompileError(model_path + ": input " + quote_name(vi.name()) + " dim " + std::to_string(k) +
                       " is unknown; give the shape with --shape " + vi.name() + "=...");
  }
  return s;
}

// Kahn's algorithm, stable with respect to the model's order.
void topo_sort(Graph& g) {
  const size_t n = g.nodes.size();
  std::vector<int> producer(g.values.size(), -1);
  for (size_t i = 0; i < n; ++i)
    for (int v : g.nodes[i].outputs)
      if (v >= 0) producer[v] = static_cast<int>(i);
  std::vector<int> pending(n, 0);
  std::vector<std::vector<int>> users(n);
  for (size_t i = 0; i < n; ++i)
    for (int v : g.nodes[i].inputs)
      if (v >= 0 && producer[v] >= 0) {
        ++pending[i];
        users[producer[v]].push_back(static_cast<int>(i));
      }
  std::set<int> ready;
  for (size_t i = 0; i < n; ++i)
    if (!pending[i]) ready.insert(static_cast<int>(i));
  std::vector<Node> order;
  order.reserve(n);
  while (!ready.empty()) {
    int i = *ready.begin();
    ready.erase(ready.begin());
    order.push_back(g.nodes[i]);
    for (int u : users[i])
      if (--pending[u] == 0) ready.insert(u);
  }
  if (order.size() != n) throw CompileError(g.model_path + ": the graph has a cycle");
  g.nodes = std::move(order);
  for (size_t i = 0; i < n; ++i)
    for (int v : g.nodes[i].outputs)
      if (v >= 0) g.values[v].producer = static_cast<int>(i);
}

}  // namespace

Graph import_model(const onnx::ModelProto& m, const std::string& model_path,
                   const ShapeBindings& bind) {
  Graph g;
  g.model_path = model_path;
  g.producer = m.producer_name() + (m.producer_version().empty() ? "" : " " + m.producer_version());
  g.ir_version = m.ir_version();
  const auto& gp = m.graph();
  g.graph_name = gp.name();
  for (const auto& os : m.opset_import()) g.opsets[os.domain() == "ai.onnx" ? "" : os.domain()] = static_cast<int>(os.version());
  if (!g.opsets.count("")) g.opsets[""] = m.ir_version() < 3 ? 1 : 7;
  const std::string base_dir = std::filesystem::path(model_path).parent_path().string();

  for (const auto& init : gp.initializer()) {
    int v = g.add_value(init.name());
    Tensor t = tensor_from_proto(init, base_dir, model_path + ": initializer " + quote_name(init.name()));
    g.values[v].dtype = t.dtype;
    g.values[v].shape = t.shape;
    g.values[v].typed = true;
    g.values[v].constant = std::make_shared<Tensor>(std::move(t));
  }
  for (const auto& vi : gp.input()) {
    int v = g.add_value(vi.name());
    if (g.values[v].constant) continue;  // an initializer listed as input (IR < 4): constant
    auto fz = bind.frozen.find(vi.name());
    if (fz != bind.frozen.end()) {
      const Tensor& t = fz->second;
      const auto& tt = vi.type().tensor_type();
      bool ok = static_cast<DType>(tt.elem_type()) == t.dtype &&
                (!tt.has_shape() || tt.shape().dim_size() == static_cast<int>(t.shape.size()));
      for (int k = 0; ok && tt.has_shape() && k < tt.shape().dim_size(); ++k)
        if (tt.shape().dim(k).has_dim_value() && tt.shape().dim(k).dim_value() != t.shape[k]) ok = false;
      if (!ok)
        throw CompileError(model_path + ": the value given to freeze input " + quote_name(vi.name()) +
                           " (" + type_str(t.dtype, t.shape) + ") does not match its declared type");
      g.values[v].dtype = t.dtype;
      g.values[v].shape = t.shape;
      g.values[v].typed = true;
      g.values[v].constant = std::make_shared<Tensor>(t);
      continue;
    }
    if (!vi.type().has_tensor_type())
      throw UnsupportedError(model_path + ": input " + quote_name(vi.name()) +
                             " is not a tensor (sequences, maps and optionals are not supported)");
    DType dt = static_cast<DType>(vi.type().tensor_type().elem_type());
    if (!dtype_supported(dt))
      throw UnsupportedError(model_path + ": input " + quote_name(vi.name()) + " has type " +
                             dtype_name(dt) + ", which is not supported");
    g.values[v].dtype = dt;
    g.values[v].shape = input_shape(vi, bind, model_path);
    g.values[v].typed = true;
    g.values[v].is_input = true;
    g.inputs.push_back(v);
  }
  for (const auto& kv : bind.frozen)
    if (g.find(kv.first) < 0 || !g.values[g.find(kv.first)].constant)
      throw CompileError(model_path + ": --freeze names " + quote_name(kv.first) +
                         ", which is not an input of the model");
  for (const auto& kv : bind.shapes)
    if (g.find(kv.first) < 0 || !g.values[g.find(kv.first)].is_input)
      throw CompileError(model_path + ": --shape names " + quote_name(kv.first) +
                         ", which is not an input of the model");

  std::map<std::string, std::vector<std::string>> unsupported;
  for (int k = 0; k < gp.node_size(); ++k) {
    const auto& np = gp.node(k);
    Node n;
    n.name = np.name();
    n.op = np.op_type();
    n.domain = np.domain() == "ai.onnx" ? "" : np.domain();
    n.index = k;
    auto os = g.opsets.find(n.domain);
    n.opset = os == g.opsets.end() ? 0 : os->second;
    if (!find_op(n.domain, n.op)) {
      std::string key = n.domain.empty() ? n.op : n.domain + "." + n.op;
      unsupported[key].push_back(n.name.empty() ? "#" + std::to_string(k) : quote_name(n.name));
    }
    for (const auto& a : np.attribute()) n.attrs[a.name()] = a;
    for (const auto& in : np.input()) {
      if (in.empty()) {
        n.inputs.push_back(-1);
        continue;
      }
      int v = g.find(in);
      if (v < 0)
        throw CompileError(model_path + ": " + g.where(n) + ": input " + quote_name(in) +
                           " is not produced by any node, initializer or graph input");
      n.inputs.push_back(v);
    }
    for (const auto& out : np.output()) {
      if (out.empty()) {
        n.outputs.push_back(-1);
        continue;
      }
      if (g.find(out) >= 0)
        throw CompileError(model_path + ": " + g.where(n) + ": output " + quote_name(out) +
                           " is already defined (ONNX graphs are single-assignment)");
      n.outputs.push_back(g.add_value(out));
    }
    g.nodes.push_back(std::move(n));
  }
  if (!unsupported.empty()) {
    std::string msg = model_path + ": unsupported ops:";
    for (const auto& kv : unsupported) {
      msg += "\n  " + kv.first + " (" + std::to_string(kv.second.size()) + " node" +
             (kv.second.size() > 1 ? "s" : "") + ": ";
      for (size_t i = 0; i < kv.second.size() && i < 5; ++i) msg += (i ? ", " : "") + kv.second[i];
      if (kv.second.size() > 5) msg += ", ...";
      msg += ")";
    }
    msg += "\n(run `onnx2cpp --list-ops` for the supported set)";
    throw UnsupportedError(msg);
  }
  for (const auto& vo : gp.output()) {
    int v = g.find(vo.name());
    if (v < 0) throw CompileError(model_path + ": output " + quote_name(vo.name()) + " is never produced");
    g.values[v].is_output = true;
    g.outputs.push_back(v);
  }
  topo_sort(g);
  return g;
}

}  // namespace o2c
