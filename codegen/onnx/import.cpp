#include "onnx/import.hpp"

#include <filesystem>
#include <set>

#include "ir/limits.hpp"
#include "onnx/functions.hpp"
#include "onnx/model_io.hpp"
#include "ops/registry.hpp"

namespace o2c {

namespace {

constexpr int kMaxFunctionDepth = 32;

struct Importer {
  const std::string& model_path;
  const ShapeBindings& bind;
  std::string base_dir;
  const Functions& functions;
  UnsupportedOps unsupported;  // op -> node names
  int inlined = 0;  // function calls expanded so far (names their values apart)

  // The declared type of a graph input: dims bound by --dim/--shape for the main graph. A dim
  // bound to a range (--dim seq=1..128) is a run-time dim: its bound goes to the shape, the
  // symbol to *dims (left empty when every dim is static).
  Shape input_shape(const onnx::ValueInfoProto& vi, DimTable& table, std::vector<Dim>* dims) const {
    return input_shape(vi.name(), vi.type().tensor_type(), table, dims);
  }
  Shape input_shape(const std::string& name, const onnx::TypeProto::Tensor& tt, DimTable& table, std::vector<Dim>* dims) const {
    auto given = bind.shapes.find(name);
    if (given != bind.shapes.end()) {
      const Shape& s = given->second;
      bool ok = !tt.has_shape() || tt.shape().dim_size() == static_cast<int>(s.size());
      for (int k = 0; ok && k < tt.shape().dim_size(); ++k)
        if (tt.shape().dim(k).has_dim_value() && tt.shape().dim(k).dim_value() != s[k]) ok = false;
      if (!ok)
        throw CompileError(model_path + ": the shape " + shape_str(s) + " given for input " +
                           quote_name(name) + " conflicts with the model's own shape");
      return s;
    }
    if (!tt.has_shape())
      throw CompileError(model_path + ": input " + quote_name(name) +
                         " has no shape; give it with --shape " + name + "=1x3x224x224");
    Shape s;
    for (int k = 0; k < tt.shape().dim_size(); ++k) {
      const auto& d = tt.shape().dim(k);
      if (d.has_dim_value() && d.dim_value() >= 0) {
        s.push_back(d.dim_value());
        if (!dims->empty()) dims->push_back(d.dim_value());
        continue;
      }
      if (d.has_dim_param()) {
        auto it = bind.dims.find(d.dim_param());
        if (it != bind.dims.end()) {
          const DimRange r = it->second;
          if (r.lo != r.hi) {
            if (dims->empty())
              for (int64_t known : s) dims->push_back(known);
            dims->push_back(table.input(d.dim_param(), r));
          } else if (!dims->empty()) {
            dims->push_back(r.hi);
          }
          s.push_back(r.hi);
          continue;
        }
        throw CompileError(model_path + ": input " + quote_name(name) + " dim " +
                           std::to_string(k) + " is the symbol " + quote_name(d.dim_param()) +
                           "; bind it with --dim " + d.dim_param() + "=VALUE or --shape " +
                           name + "=...");
      }
      throw CompileError(model_path + ": input " + quote_name(name) + " dim " + std::to_string(k) +
                         " is unknown; give the shape with --shape " + name + "=...");
    }
    return s;
  }

  Attr attr_from_proto(Graph& g, const onnx::AttributeProto& a, const std::string& where,
                       const std::map<std::string, int>& opsets) {
    const std::string what = where + ": attribute " + quote_name(a.name());
    switch (a.type()) {
      case onnx::AttributeProto::INT: return Attr::of(static_cast<int64_t>(a.i()));
      case onnx::AttributeProto::FLOAT: return Attr::of(a.f());
      case onnx::AttributeProto::STRING: return Attr::of(a.s());
      case onnx::AttributeProto::INTS: return Attr::of(std::vector<int64_t>(a.ints().begin(), a.ints().end()));
      case onnx::AttributeProto::FLOATS: return Attr::of(std::vector<float>(a.floats().begin(), a.floats().end()));
      case onnx::AttributeProto::STRINGS:
        return Attr::of(std::vector<std::string>(a.strings().begin(), a.strings().end()));
      case onnx::AttributeProto::TENSOR: return Attr::of(tensor_from_proto(a.t(), base_dir, what));
      case onnx::AttributeProto::GRAPH: {
        auto sub = std::make_shared<Graph>();
        sub->model_path = g.model_path;
        sub->opsets = opsets;
        sub->dims = g.dims;
        import_graph(*sub, a.g(), false);
        return Attr::of(sub);
      }
      case onnx::AttributeProto::TYPE_PROTO:  // Optional's type: only its kind matters (ops/sequence.cpp)
        return Attr::of(std::string(a.tp().has_sequence_type() ? "sequence" : a.tp().has_optional_type() ? "optional" : "tensor"));
      default: break;
    }
    // Attributes without a type field (IR < 3 files): read the one field that is set.
    if (a.has_f()) return Attr::of(a.f());
    if (a.has_i()) return Attr::of(static_cast<int64_t>(a.i()));
    if (a.has_s()) return Attr::of(a.s());
    if (a.ints_size()) return Attr::of(std::vector<int64_t>(a.ints().begin(), a.ints().end()));
    if (a.floats_size()) return Attr::of(std::vector<float>(a.floats().begin(), a.floats().end()));
    if (a.has_t()) return Attr::of(tensor_from_proto(a.t(), base_dir, what));
    throw UnsupportedError(what + " has a type onnx2cpp does not read (sparse tensors, type protos, graphs lists)");
  }

  // The value named `name` seen from scopes[depth]: its own, or an enclosing graph's,
  // captured into it (and into every graph between). -1 if no graph defines it.
  std::vector<Graph*> scopes;  // the graphs being imported, outermost first
  bool release_bytes = false;  // free each initializer's raw_data once converted (import_model(ModelProto&&))
  int resolve(size_t depth, const std::string& name) {
    Graph& g = *scopes[depth];
    int v = g.find(name);
    if (v >= 0) return v;
    if (depth == 0) return -1;
    const int outer = resolve(depth - 1, name);
    if (outer < 0) return -1;
    v = g.add_value(name);
    g.values[v].capture_of = outer;
    const Value& o = scopes[depth - 1]->values[outer];
    g.values[v].dtype = o.dtype;
    g.values[v].shape = o.shape;
    g.values[v].dims = o.dims;
    g.values[v].typed = o.typed;
    g.values[v].constant = o.constant;
    g.values[v].max_string_bytes = o.max_string_bytes;
    g.values[v].kind = o.kind;  // a composite's elements stay the outer graph's: inlining maps them
    return v;
  }

  void import_graph(Graph& g, const onnx::GraphProto& gp, bool top) {
    scopes.push_back(&g);
    g.graph_name = gp.name();
    for (const auto& init : gp.initializer()) {
      if (g.find(init.name()) >= 0)
        throw CompileError(model_path + ": initializer " + quote_name(init.name()) + " is defined twice");
      g.add_constant(init.name(), tensor_from_proto(init, base_dir, model_path + ": initializer " + quote_name(init.name())));
      // The message is the importer's own (import_model(ModelProto&&)): free its copy of the
      // bytes now, so that the model is not held twice.
      if (release_bytes) std::string().swap(*const_cast<onnx::TensorProto&>(init).mutable_raw_data());
    }
    for (const auto& vi : gp.input()) {
      if (const int c = g.find(vi.name()); c >= 0 && g.values[c].constant) continue;  // an initializer listed as input (IR < 4)
      if (g.find(vi.name()) >= 0) throw CompileError(model_path + ": input " + quote_name(vi.name()) + " is declared twice");
      const int v = g.add_value(vi.name());
      if (top) {
        auto fz = bind.frozen.find(vi.name());
        if (fz != bind.frozen.end()) {
          freeze(g, v, vi, fz->second);
          continue;
        }
      }
      if (vi.type().has_sequence_type() || vi.type().has_optional_type()) {
        if (top) {  // its elements are the inputs
          composite_input(g, v, vi.name(), vi.type());
          g.values[v].typed = true;
          continue;
        }
        g.values[v].kind = vi.type().has_sequence_type() ? Value::Kind::Sequence : Value::Kind::Optional;
        g.values[v].is_input = true;  // typed by the node that runs the body (inlined: ops/sequence.cpp)
        g.inputs.push_back(v);
        continue;
      }
      // A subgraph's input may leave its type out entirely (the node that runs it types it).
      const bool untyped = !top && vi.type().value_case() == onnx::TypeProto::VALUE_NOT_SET;
      if (!vi.type().has_tensor_type() && !untyped)
        throw UnsupportedError(model_path + ": input " + quote_name(vi.name()) +
                               " is not a tensor (sequences, maps and optionals are not supported)");
      const DType dt = untyped ? DType::Undefined : static_cast<DType>(vi.type().tensor_type().elem_type());
      if (!untyped && !dtype_supported(dt))
        throw UnsupportedError(model_path + ": input " + quote_name(vi.name()) + " has type " +
                               dtype_name(dt) + ", which is not supported");
      Value& val = g.values[v];
      val.dtype = dt;
      val.is_input = true;
      if (dt == DType::String) val.max_string_bytes = bind.max_string_bytes;
      if (top) {
        val.shape = input_shape(vi, *g.dims, &val.dims);
        val.typed = true;
        checked_bytes(dt, val.shape, model_path + ": input " + quote_name(vi.name()));
      }  // a subgraph's inputs are typed by the node that runs it
      g.inputs.push_back(v);
    }
    for (int k = 0; k < gp.node_size(); ++k) import_node(g, gp.node(k), k, g.opsets, 0);
    auto declare = [&](const onnx::ValueInfoProto& vi) {
      if (!vi.type().has_tensor_type() || !vi.type().tensor_type().has_shape()) return;
      Shape s;
      for (const auto& d : vi.type().tensor_type().shape().dim()) {
        if (!d.has_dim_value()) return;
        s.push_back(d.dim_value());
      }
      g.declared_shapes[vi.name()] = s;
    };
    for (const auto& vi : gp.value_info()) declare(vi);
    for (const auto& vo : gp.output()) declare(vo);
    for (const auto& vo : gp.output()) {
      const int v = resolve(scopes.size() - 1, vo.name());
      if (v < 0) throw CompileError(model_path + ": output " + quote_name(vo.name()) + " is never produced");
      g.values[v].is_output = true;
      g.outputs.push_back(v);
    }
    topo_sort(g);
    scopes.pop_back();
  }

  // A sequence or optional input of the main graph, value v: its length (bind.lengths) makes
  // it that many element inputs NAME[0], NAME[1], ... (nested ones in turn), each an input of
  // the compiled model, shaped from --shape or the element type the model declares.
  void composite_input(Graph& g, int v, const std::string& name, const onnx::TypeProto& tp) {
    const bool seq = tp.has_sequence_type();
    const onnx::TypeProto& et = seq ? tp.sequence_type().elem_type() : tp.optional_type().elem_type();
    auto len = bind.lengths.find(name);
    if (len == bind.lengths.end())
      throw CompileError(model_path + ": input " + quote_name(name) + " is " + (seq ? "a sequence" : "an optional") +
                         "; its " + (seq ? "length" : "presence") + " is part of its shape: give it with --shape '" + name +
                         (seq ? "=[N]'" : "=[1]' (or [0]: absent)") + " or --shape " + name + "=DIR (a test_data_set folder)");
    if (len->second < 0 || (!seq && len->second > 1))
      throw CompileError(model_path + ": input " + quote_name(name) + ": length " + std::to_string(len->second) +
                         (seq ? " is negative" : " (an optional holds 0 or 1)"));
    Value& cv = g.values[v];
    cv.kind = seq ? Value::Kind::Sequence : Value::Kind::Optional;
    if (et.has_tensor_type()) cv.dtype = static_cast<DType>(et.tensor_type().elem_type());
    for (int64_t k = 0; k < len->second; ++k) {
      const std::string en = name + "[" + std::to_string(k) + "]";
      if (g.find(en) >= 0) throw CompileError(model_path + ": the element " + quote_name(en) + " of input " + quote_name(name) + " is also a value of the model");
      const int e = g.add_value(en);
      g.values[v].elements.push_back(e);
      if (et.has_sequence_type() || et.has_optional_type()) {
        composite_input(g, e, en, et);
        g.values[e].typed = true;
        continue;
      }
      if (!et.has_tensor_type())
        throw UnsupportedError(model_path + ": input " + quote_name(name) + " holds maps or sparse tensors, which are not supported");
      Value& ev = g.values[e];
      ev.dtype = static_cast<DType>(et.tensor_type().elem_type());
      if (!dtype_supported(ev.dtype))
        throw UnsupportedError(model_path + ": input " + quote_name(en) + " has type " + dtype_name(ev.dtype) + ", which is not supported");
      ev.is_input = true;
      if (ev.dtype == DType::String) ev.max_string_bytes = bind.max_string_bytes;
      ev.shape = input_shape(en, et.tensor_type(), *g.dims, &ev.dims);
      ev.typed = true;
      g.inputs.push_back(e);
    }
  }

  void freeze(Graph& g, int v, const onnx::ValueInfoProto& vi, const Tensor& t) {
    const auto& tt = vi.type().tensor_type();
    bool ok = static_cast<DType>(tt.elem_type()) == t.dtype &&
              (!tt.has_shape() || tt.shape().dim_size() == static_cast<int>(t.shape.size()));
    for (int k = 0; ok && tt.has_shape() && k < tt.shape().dim_size(); ++k)
      if (tt.shape().dim(k).has_dim_value() && tt.shape().dim(k).dim_value() != t.shape[k]) ok = false;
    if (!ok)
      throw CompileError(model_path + ": the value given to freeze input " + quote_name(vi.name()) + " (" +
                         type_str(t.dtype, t.shape) + ") does not match its declared type");
    Value& val = g.values[v];
    val.dtype = t.dtype;
    val.shape = t.shape;
    val.typed = true;
    val.max_string_bytes = longest_string(t);
    val.constant = std::make_shared<Tensor>(t);
  }

  // A node of graph g (its k-th, or part of the k-th's function body) bound against `opsets`;
  // `call` names the graph's own node in errors when np comes from a function body.
  void import_node(Graph& g, const onnx::NodeProto& np, int k, const std::map<std::string, int>& opsets, int depth,
                   std::string call = "") {
    if (const FunctionDef* fn = functions.find(np)) {
      if (call.empty()) call = model_path + ": node " + (np.name().empty() ? "#" + std::to_string(k) : quote_name(np.name()));
      if (depth >= kMaxFunctionDepth)
        throw CompileError(call + ": model-local functions nest deeper than " + std::to_string(kMaxFunctionDepth) +
                           " calls (a recursive function?)");
      std::map<std::string, int> body_opsets = opsets;
      for (const auto& kv : fn->opsets) body_opsets[kv.first] = kv.second;
      const std::string prefix = fn->proto->name() + "_" + std::to_string(inlined++) + "/";
      for (const auto& body : functions.expand(*fn, np, prefix, call))
        import_node(g, body, k, body_opsets, depth + 1, call);
      return;
    }
    Node n;
    n.name = np.name();
    n.op = np.op_type();
    n.domain = np.domain() == "ai.onnx" ? "" : np.domain();
    n.index = k;
    auto os = opsets.find(n.domain);
    n.opset = os == opsets.end() ? 0 : os->second;
    if (!find_op(n.domain, n.op)) {
      const std::string key = n.domain.empty() ? n.op : n.domain + "." + n.op;
      unsupported[key].push_back(n.name.empty() ? "#" + std::to_string(k) : quote_name(n.name));
    }
    const std::string where = model_path + ": " + g.where(n);
    for (const auto& a : np.attribute()) {
      Attr attr = attr_from_proto(g, a, where, opsets);
      if (attr.kind == Attr::Kind::Graph)  // the outer values its body reads
        for (const Value& bv : attr.g->values)
          if (bv.capture_of >= 0 && std::find(n.captures.begin(), n.captures.end(), bv.capture_of) == n.captures.end())
            n.captures.push_back(bv.capture_of);
      n.attrs[a.name()] = std::move(attr);
    }
    for (const auto& in : np.input()) {
      if (in.empty()) {
        n.inputs.push_back(-1);
        continue;
      }
      const int v = resolve(scopes.size() - 1, in);
      if (v < 0)
        throw CompileError(where + ": input " + quote_name(in) +
                           " is not produced by any node, initializer or graph input");
      n.inputs.push_back(v);
    }
    for (const auto& out : np.output()) {
      if (out.empty()) {
        n.outputs.push_back(-1);
        continue;
      }
      if (g.find(out) >= 0)
        throw CompileError(where + ": output " + quote_name(out) + " is already defined (ONNX graphs are single-assignment)");
      n.outputs.push_back(g.add_value(out));
    }
    n.id = static_cast<int>(g.nodes.size());
    g.nodes.push_back(std::move(n));
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
    for (size_t i = 0; i < n; ++i) {
      std::vector<int> reads = g.nodes[i].inputs;
      reads.insert(reads.end(), g.nodes[i].captures.begin(), g.nodes[i].captures.end());
      for (int v : reads)
        if (v >= 0 && producer[v] >= 0) {
          ++pending[i];
          users[producer[v]].push_back(static_cast<int>(i));
        }
    }
    std::set<int> ready;
    for (size_t i = 0; i < n; ++i)
      if (!pending[i]) ready.insert(static_cast<int>(i));
    g.order.clear();
    while (!ready.empty()) {
      const int i = *ready.begin();
      ready.erase(ready.begin());
      g.order.push_back(i);
      for (int u : users[i])
        if (--pending[u] == 0) ready.insert(u);
    }
    if (g.order.size() != n) throw CompileError(model_path + ": the graph has a cycle");
    g.reindex();
  }
};

}  // namespace

namespace {
// Whether a value of g or of a body of its nodes (If, Loop, Scan) is named `name`.
bool has_tensor(const Graph& g, const std::string& name) {
  if (g.find(name) >= 0) return true;
  for (const Node& n : g.nodes)
    for (const Graph* body : subgraphs(n))
      if (has_tensor(*body, name)) return true;
  return false;
}

Graph import_impl(const onnx::ModelProto& m, const std::string& model_path, const ShapeBindings& bind, bool release,
                  UnsupportedOps* listing = nullptr) {
  Graph g;
  g.model_path = model_path;
  g.producer = m.producer_name() + (m.producer_version().empty() ? "" : " " + m.producer_version());
  g.ir_version = m.ir_version();
  for (const auto& os : m.opset_import())
    g.opsets[os.domain() == "ai.onnx" ? "" : os.domain()] = static_cast<int>(os.version());
  if (!g.opsets.count("")) g.opsets[""] = m.ir_version() < 3 ? 1 : 7;
  const Functions functions(m, model_path);
  Importer im{model_path, bind, std::filesystem::path(model_path).parent_path().string(), functions, {}, 0, {}};
  im.release_bytes = release;
  im.import_graph(g, m.graph(), true);
  for (const auto& kv : bind.max)
    if (!has_tensor(g, kv.first))
      throw CompileError(model_path + ": --max names " + quote_name(kv.first) + ", which is not a tensor of the model");
  g.dims->tensor_max = bind.max;
  for (const auto& kv : bind.frozen)
    if (g.find(kv.first) < 0 || !g.values[g.find(kv.first)].constant)
      throw CompileError(model_path + ": --freeze names " + quote_name(kv.first) + ", which is not an input of the model");
  for (const auto& kv : bind.lengths)
    if (g.find(kv.first) < 0 || !g.values[g.find(kv.first)].composite())
      throw CompileError(model_path + ": --shape '" + kv.first + "=[N]' names " + quote_name(kv.first) +
                         ", which is not a sequence or optional input of the model");
  for (const auto& kv : bind.shapes)
    if (g.find(kv.first) < 0 || !g.values[g.find(kv.first)].is_input)
      throw CompileError(model_path + ": --shape names " + quote_name(kv.first) + ", which is not an input of the model");
  if (listing) {  // info lists them with the other findings
    *listing = std::move(im.unsupported);
    im.unsupported.clear();
  }
  if (!im.unsupported.empty()) {
    std::string msg = model_path + ": unsupported ops:";
    for (const auto& kv : im.unsupported) {
      msg += "\n  " + kv.first + " (" + std::to_string(kv.second.size()) + " node" + (kv.second.size() > 1 ? "s" : "") + ": ";
      for (size_t i = 0; i < kv.second.size() && i < 5; ++i) msg += (i ? ", " : "") + kv.second[i];
      if (kv.second.size() > 5) msg += ", ...";
      msg += ")";
    }
    msg += "\n(run `onnx2cpp --list-ops` for the supported set)";
    throw UnsupportedError(msg);
  }
  return g;
}
}  // namespace

Graph import_model(const onnx::ModelProto& m, const std::string& model_path, const ShapeBindings& bind) {
  return import_impl(m, model_path, bind, false);
}

Graph import_model(onnx::ModelProto&& m, const std::string& model_path, const ShapeBindings& bind) {
  return import_impl(m, model_path, bind, true);
}

Graph import_model_listing(const onnx::ModelProto& m, const std::string& model_path, const ShapeBindings& bind,
                           UnsupportedOps* unsupported) {
  return import_impl(m, model_path, bind, false, unsupported);
}

}  // namespace o2c
