// The generated source's run_graph(): one commented block of kernel calls per node, as the
// ops lowered them (ops/call.hpp), with the locals they read and write.
#include "emit/emitter.hpp"

#include <map>
#include <set>

#include "emit/api.hpp"
#include "emit/writer.hpp"
#include "kernels/eval.hpp"
#include "onnx/names.hpp"
#include "ops/registry.hpp"

namespace o2c {

const char* const kToolVersion = "0.1.0";

int64_t Blob::add(const std::vector<uint8_t>& bytes) {
  auto it = index_.find(bytes);
  if (it != index_.end()) return it->second;
  const int64_t at = static_cast<int64_t>(data_.size());
  data_.insert(data_.end(), bytes.begin(), bytes.end());
  data_.resize((data_.size() + 63) / 64 * 64, 0);
  index_.emplace(bytes, at);
  return at;
}

namespace {

struct BodyWriter {
  Graph& g;
  const MemoryPlan& plan;
  const std::vector<int>& origin;
  const EmitOptions& opt;
  const ApiNames& api;
  Writer body;
  Blob& blob;
  Namer locals;
  std::vector<std::string> local_of;  // value -> declared local ("" if not yet)
  std::map<int, int64_t> value_offset, scratch_offset;
  std::set<std::string> headers{"common"};
  bool uses_in = false, uses_out = false, uses_arena = false, uses_weights = false;

  BodyWriter(Graph& g_, const MemoryPlan& p, const std::vector<int>& o, const EmitOptions& e, const ApiNames& a, Blob& b)
      : g(g_), plan(p), origin(o), opt(e), api(a), blob(b), local_of(g_.values.size()) {
    for (const char* r : {"in", "out", "arena", "k", "weights", "run_graph"}) locals.reserve(r);
    for (size_t i = 0; i < plan.reqs.size(); ++i) {
      if (plan.reqs[i].value >= 0) value_offset[plan.reqs[i].value] = plan.offsets[i];
      else scratch_offset[plan.reqs[i].node] = plan.offsets[i];
    }
  }

  std::string weights_at(int64_t at, DType t) {
    uses_weights = true;
    return "reinterpret_cast<const " + std::string(dtype_cpp(t)) + "*>(weights + " + std::to_string(at) + ")";
  }
  std::string arena_at(int64_t at, DType t) {
    uses_arena = true;
    return "reinterpret_cast<" + std::string(dtype_cpp(t)) + "*>(arena + " + std::to_string(at) + ")";
  }

  // Pointer expression of value v's storage, declaring a local on first use.
  std::string ref(int v0) {
    const Value& a = g.values[v0];
    if (a.alias_of >= 0 && a.alias_offset > 0) {  // a Concat input, inside the Concat's output
      if (local_of[v0].empty()) {
        const std::string base = ref(a.alias_of);
        local_of[v0] = locals.make("t_", a.name);
        body.line(std::string(dtype_cpp(a.dtype)) + "* const " + local_of[v0] + " = " + base + " + " +
                  std::to_string(a.alias_offset / static_cast<int64_t>(dtype_size(a.dtype))) + ";");
      }
      return local_of[v0];
    }
    const int v = origin[v0];
    if (!local_of[v].empty()) return local_of[v];
    const Value& val = g.values[v];
    const std::string T = dtype_cpp(val.dtype);
    std::string name, init, cst;
    if (val.constant) {
      name = locals.make("w_", val.name);
      init = val.constant->bytes.empty() ? "nullptr" : weights_at(blob.add(val.constant->bytes), val.dtype);
      cst = "const ";
    } else if (val.is_input) {
      name = locals.make("in_", val.name);
      init = "reinterpret_cast<const " + T + "*>(in->" + api.input_member(v) + ")";
      if (T == dtype_api(val.dtype)) init = "in->" + api.input_member(v);
      uses_in = true;
      cst = "const ";
    } else if (val.is_output) {
      name = locals.make("out_", val.name);
      init = "reinterpret_cast<" + T + "*>(out->" + api.output_member(v) + ")";
      if (T == dtype_api(val.dtype)) init = "out->" + api.output_member(v);
      uses_out = true;
    } else {
      auto it = value_offset.find(v);
      if (it == value_offset.end()) throw std::logic_error("value " + quote_name(val.name) + " has no storage");
      name = locals.make("t_", val.name);
      init = arena_at(it->second, val.dtype);
    }
    body.line(cst + T + "* const " + name + " = " + init + ";");
    local_of[v] = name;
    return name;
  }

  std::string node_comment(const Node& n) {
    std::string s = "// [" + std::to_string(n.index) + "] " + node_label(n);
    if (!n.name.empty()) s += " " + quote_name(n.name);
    s += ":";
    bool first = true;
    for (int v : n.inputs) {
      if (v < 0) continue;
      s += first ? " " : ", ";
      first = false;
      s += type_str(g.values[v].dtype, g.values[v].shape);
      if (g.values[v].constant) s += " (const)";
      if (g.values[v].channels_last) s += " (channels last)";
    }
    s += " ->";
    first = true;
    for (int v : n.outputs) {
      if (v < 0) continue;
      s += first ? " " : ", ";
      first = false;
      s += type_str(g.values[v].dtype, g.values[v].shape);
      if (g.values[v].channels_last) s += " (channels last)";
    }
    return s;
  }

  // The calls of one lowered node, printed.
  void emit_calls(Node& n, LowerCtx& lc, int64_t scratch_at) {
    std::vector<std::string> table_at(lc.tables.size());
    CallNames names;
    names.buffer = [&](const Arg& a) -> std::string {
      std::string p;
      switch (a.ref) {
        case Arg::Ref::Input: p = ref(n.inputs.at(static_cast<size_t>(a.index))); break;
        case Arg::Ref::Output: p = ref(n.outputs.at(static_cast<size_t>(a.index))); break;
        case Arg::Ref::Scratch:
          if (scratch_at < 0) throw std::logic_error(g.where(n) + ": scratch was not planned");
          p = arena_at(scratch_at, a.dtype);
          break;
        case Arg::Ref::Table: {
          std::string& t = table_at.at(static_cast<size_t>(a.index));
          if (t.empty()) t = weights_at(blob.add(lc.tables[static_cast<size_t>(a.index)].bytes), a.dtype);
          p = t;
          break;
        }
      }
      return a.offset ? p + " + " + std::to_string(a.offset) : p;
    };
    for (const Call& c : lc.calls) {
      const KernelInfo* k = find_kernel(c.kernel);
      if (!k) throw std::logic_error(g.where(n) + ": lowers to k::" + c.kernel + ", which kernels.def does not list");
      headers.insert(k->header);
      body.line(print_call(c, names));
    }
  }

  void emit_nodes() {
    for (int ni : g.order) {
      Node& n = g.nodes[ni];
      for (int v : n.outputs)
        if (v >= 0 && dtype_is_storage(g.values[v].dtype)) headers.insert("numeric");
      const OpInfo& info = *find_op(n.domain, n.op);
      body.line(node_comment(n));
      if (info.def->view) {
        body.line("// (view of its input: no code)");
        continue;
      }
      if (n.in_place) {
        body.line("// (its inputs were written in place: no code)");
        continue;
      }
      LowerCtx lc(g, n);
      if (info.def->lower) info.def->lower(lc);
      auto so = scratch_offset.find(ni);
      if (opt.profile) {  // locals are declared before the timed block, so they stay in scope
        for (int v : n.inputs)
          if (v >= 0) ref(v);
        for (int v : n.outputs)
          if (v >= 0) ref(v);
        body.line("{ const auto o2c_t0 = std::chrono::steady_clock::now();");
      }
      emit_calls(n, lc, so == scratch_offset.end() ? -1 : so->second);
      if (opt.profile)
        body.line("onnx2cpp_profile_node(" + std::to_string(ni) + ", " + c_string(node_label(n)) + ", " +
                  c_string(n.name) + ", std::chrono::duration<double>(std::chrono::steady_clock::now() - o2c_t0).count()); }");
    }
    // Graph outputs that are not written by their producer: views, constants, inputs.
    for (size_t i = 0; i < g.outputs.size(); ++i) {
      const int v = g.outputs[i];
      const Value& val = g.values[v];
      const bool direct = !val.constant && !val.is_input && origin[v] == v;
      if (direct) continue;
      body.line("// output " + quote_name(val.name) + " is " +
                (val.constant ? "a constant" : val.is_input ? "an input" : "a view") + ": copy it out");
      const std::string src = ref(val.constant ? v : origin[v]);
      uses_out = true;
      body.line("k::copy(" + src + ", reinterpret_cast<" + dtype_cpp(val.dtype) + "*>(out->" + api.output_member(v) +
                "), " + std::to_string(numel(val.shape)) + ");");
    }
  }
};

}  // namespace

EmitResult emit_model(Graph& g, const MemoryPlan& plan, const std::vector<int>& origin, const EmitOptions& opt) {
  const ApiNames api(g);
  Blob blob;
  BodyWriter bw(g, plan, origin, opt, api, blob);
  bw.body.indent();
  bw.emit_nodes();
  bw.body.dedent();
  ModelText text;
  text.body = bw.body.str();
  text.headers = header_closure(std::vector<std::string>(bw.headers.begin(), bw.headers.end()));
  text.uses_in = bw.uses_in;
  text.uses_out = bw.uses_out;
  text.uses_arena = bw.uses_arena;
  text.uses_weights = bw.uses_weights;
  return write_files(g, plan, opt, api, blob, text);
}

}  // namespace o2c
