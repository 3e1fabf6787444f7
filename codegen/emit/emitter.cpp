// The generated source's run_graph(): one commented block of kernel calls per node, as the
// ops lowered them (ops/call.hpp), with the locals they read and write.
#include "emit/emitter.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "emit/body.hpp"
#include "kernels/eval.hpp"
#include "ops/registry.hpp"

namespace o2c {

const char* const kToolVersion = "0.1.0";

uint64_t hash_bytes(const unsigned char* p, size_t n, uint64_t seed) {
  const uint64_t k = 0x9E3779B97F4A7C15ull;
  uint64_t h = seed ^ (n * k);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    h = (h ^ w) * k;
    h ^= h >> 29;
  }
  uint64_t w = 0;
  for (size_t j = 0; i + j < n; ++j) w |= static_cast<uint64_t>(p[i + j]) << (8 * j);
  h = (h ^ w) * k;
  return h ^ (h >> 32);
}

int64_t Blob::add(std::shared_ptr<const Tensor> t) {
  const std::vector<uint8_t>& b = t->bytes;
  const uint64_t h = hash_bytes(b.data(), b.size());
  for (auto [it, end] = index_.equal_range(h); it != end; ++it) {
    const std::vector<uint8_t>& o = pieces_[it->second].t->bytes;
    if (o.size() == b.size() && (b.empty() || std::memcmp(o.data(), b.data(), b.size()) == 0))
      return pieces_[it->second].at;
  }
  const int64_t at = size_;
  size_ += static_cast<int64_t>((b.size() + 63) / 64 * 64);
  index_.emplace(h, pieces_.size());
  pieces_.push_back({at, h, std::move(t)});
  return at;
}

void Blob::stream(const std::function<void(const unsigned char*, size_t)>& out) const {
  static const unsigned char zeros[64] = {};
  int64_t at = 0;
  for (const Piece& p : pieces_) {
    if (p.at != at) out(zeros, static_cast<size_t>(p.at - at));  // only after a piece, < 64
    out(p.t->bytes.data(), p.t->bytes.size());
    at = p.at + static_cast<int64_t>(p.t->bytes.size());
  }
  if (at != size_) out(zeros, static_cast<size_t>(size_ - at));
}

std::vector<unsigned char> Blob::bytes() const {
  std::vector<unsigned char> r;
  r.reserve(size());
  stream([&](const unsigned char* p, size_t n) { r.insert(r.end(), p, p + n); });
  return r;
}

std::string Blob::digest() const {
  uint64_t h = hash_bytes(nullptr, 0, static_cast<uint64_t>(size_));
  for (const Piece& p : pieces_) {
    const uint64_t v[3] = {p.hash, static_cast<uint64_t>(p.at), static_cast<uint64_t>(p.t->bytes.size())};
    h = hash_bytes(reinterpret_cast<const unsigned char*>(v), sizeof v, h);
  }
  char b[17];
  std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(h));
  return b;
}

EmitState::EmitState(const MemoryPlan& p, const EmitOptions& o, const ApiNames& a, Blob& b)
    : plan(p), opt(o), api(a), blob(b) {
  for (const char* r : {"in", "out", "arena", "k", "weights", "run_graph", "par"}) locals.reserve(r);
  for (size_t i = 0; i < plan.reqs.size(); ++i) {
    const BufferReq& r = plan.reqs[i];
    if (r.value >= 0) value_offset[{r.graph, r.value}] = plan.offsets[i];
    else scratch_offset[{r.graph, r.node}] = plan.offsets[i];
  }
}

std::string EmitState::weights_at(int64_t at, DType t) {
  uses_weights = true;
  return "reinterpret_cast<const " + std::string(dtype_cpp(t)) + "*>(weights + " + std::to_string(at) + ")";
}

std::string EmitState::arena_at(int64_t at, DType t) {
  uses_arena = true;
  return "reinterpret_cast<" + std::string(dtype_cpp(t)) + "*>(arena + " + std::to_string(at) + ")";
}

GraphWriter::GraphWriter(Graph& graph, EmitState& state, GraphWriter* p)
    : g(graph), s(state), parent(p), origin(view_origins(graph)), local_of_(graph.values.size()) {}

std::string GraphWriter::ref(int v0) {
  const Value& a = g.values[v0];
  if (a.capture_of >= 0) return parent->ref(a.capture_of);  // an outer value, read in place
  if (a.alias_of >= 0 && a.alias_offset > 0) {  // a Concat input, inside the Concat's output
    if (local_of_[v0].empty()) {
      const std::string base = ref(a.alias_of);
      local_of_[v0] = s.locals.make("t_", a.name);
      s.body.line(std::string(dtype_cpp(a.dtype)) + "* const " + local_of_[v0] + " = " + base + " + " +
                  std::to_string(a.alias_offset / static_cast<int64_t>(dtype_size(a.dtype))) + ";");
    }
    return local_of_[v0];
  }
  const int v = origin[v0];
  if (v != v0 && g.values[v].capture_of >= 0) return ref(v);  // a view of an outer value
  if (!local_of_[v].empty()) return local_of_[v];
  const Value& val = g.values[v];
  const std::string T = dtype_cpp(val.dtype);
  if (dtype_is_storage(val.dtype)) s.headers.insert("numeric");  // its type
  std::string name, init, cst;
  if (val.constant && val.dtype == DType::String) {
    // Views of static string literals (bytes escaped by c_string: octal escapes, so no byte of
    // the model's text reaches the source as itself unless it is plain printable ASCII).
    name = s.locals.make("w_", val.name);
    const std::vector<std::string>& ss = val.constant->strings;
    if (ss.empty()) {
      s.body.line("const onnx2cpp_string* const " + name + " = nullptr;");
    } else {
      s.body.line("static const onnx2cpp_string " + name + "[" + std::to_string(ss.size()) + "] = {");
      for (const std::string& x : ss) s.body.line("    {" + c_string(x) + ", " + std::to_string(x.size()) + "u},");
      s.body.line("};");
    }
    local_of_[v] = name;
    return name;
  }
  if (val.constant) {
    name = s.locals.make("w_", val.name);
    init = val.constant->bytes.empty() ? "nullptr" : s.weights_at(s.blob.add(val.constant), val.dtype);
    cst = "const ";
  } else if (top() && val.is_input) {
    name = s.locals.make("in_", val.name);
    init = "in->" + s.api.input_member(v);
    if (T != dtype_api(val.dtype)) init = "reinterpret_cast<const " + T + "*>(" + init + ")";
    s.uses_in = true;
    cst = "const ";
  } else if (top() && val.is_output) {
    name = s.locals.make("out_", val.name);
    init = "out->" + s.api.output_member(v);
    if (T != dtype_api(val.dtype)) init = "reinterpret_cast<" + T + "*>(" + init + ")";
    s.uses_out = true;
  } else {
    auto it = s.value_offset.find({key(), v});
    if (it == s.value_offset.end()) throw std::logic_error("value " + quote_name(val.name) + " has no storage");
    name = s.locals.make("t_", val.name);
    init = s.arena_at(it->second, val.dtype);
  }
  s.body.line(cst + T + "* const " + name + " = " + init + ";");
  local_of_[v] = name;
  return name;
}

std::string GraphWriter::node_comment(const Node& n) {
  std::string c = "// [" + std::to_string(n.index) + "] " + node_label(n);
  if (!n.name.empty()) c += " " + quote_name(n.name);
  c += ":";
  bool first = true;
  for (int v : n.inputs) {
    if (v < 0) continue;
    c += first ? " " : ", ";
    first = false;
    c += type_str(g.values[v].dtype, g.values[v].shape);
    if (g.values[v].constant) c += " (const)";
    if (g.values[v].channels_last) c += " (channels last)";
  }
  c += " ->";
  first = true;
  for (int v : n.outputs) {
    if (v < 0) continue;
    c += first ? " " : ", ";
    first = false;
    c += type_str(g.values[v].dtype, g.values[v].shape);
    if (g.values[v].channels_last) c += " (channels last)";
  }
  return c;
}

// The calls of one lowered node, printed.
void GraphWriter::emit_calls(Node& n, LowerCtx& lc, int64_t scratch_at) {
  std::vector<std::string> table_at(lc.tables.size());
  CallNames names;
  names.buffer = [&](const Arg& a) -> std::string {
    std::string p;
    switch (a.ref) {
      case Arg::Ref::Input: p = ref(n.inputs.at(static_cast<size_t>(a.index))); break;
      case Arg::Ref::Output: p = ref(n.outputs.at(static_cast<size_t>(a.index))); break;
      case Arg::Ref::Scratch:
        if (scratch_at < 0) throw std::logic_error(g.where(n) + ": scratch was not planned");
        p = s.arena_at(scratch_at, a.dtype);
        break;
      case Arg::Ref::Table: {
        std::string& t = table_at.at(static_cast<size_t>(a.index));
        if (t.empty()) t = s.weights_at(s.blob.add(std::move(lc.tables[static_cast<size_t>(a.index)])), a.dtype);
        p = t;
        break;
      }
    }
    return a.offset ? p + " + " + std::to_string(a.offset) : p;
  };
  for (const Call& c : lc.calls) {
    const KernelInfo* k = find_kernel(c.kernel);
    if (!k) throw std::logic_error(g.where(n) + ": lowers to k::" + c.kernel + ", which kernels.def does not list");
    s.headers.insert(k->header);
    names.first = k->parallel ? "par" : "";
    s.uses_par = s.uses_par || k->parallel;
    if (k->parallel) s.par_extra_bytes = std::max(s.par_extra_bytes, n.par_extra_bytes);
    std::string line = print_call(c, names);
    if (c.status) line = "if (const int o2c_rc = " + line.substr(0, line.size() - 1) + ") return o2c_rc;";
    s.body.line(line);
  }
}

void GraphWriter::emit_nodes() {
  for (int ni : g.order) {
    Node& n = g.nodes[ni];
    const OpInfo& info = *find_op(n.domain, n.op);
    s.body.line(node_comment(n));
    LowerCtx lc(g, n);
    if (info.def->view) {
      // A view computes no data; it may check a shape that arrives at run time and set its dims.
      if (info.def->lower) info.def->lower(lc);
      if (lc.calls.empty()) {
        s.body.line("// (view of its input: no code)");
        continue;
      }
    }
    if (n.in_place) {
      s.body.line("// (its inputs were written in place: no code)");
      continue;
    }
    if (info.def->structured) {
      emit_control(*this, n);
      emit_dims_after_node(s.body, g, n.id);  // run-time dims a Loop (its iteration count) or an If (its branch) set
      continue;
    }
    if (!info.def->view && info.def->lower) info.def->lower(lc);
    auto so = s.scratch_offset.find({key(), ni});
    if (s.opt.profile) {  // locals are declared before the timed block, so they stay in scope
      for (int v : n.inputs)
        if (v >= 0) ref(v);
      for (int v : n.outputs)
        if (v >= 0) ref(v);
      s.body.line("{ const auto o2c_t0 = std::chrono::steady_clock::now();");
    }
    emit_calls(n, lc, so == s.scratch_offset.end() ? -1 : so->second);
    emit_dims_after_node(s.body, g, n.id);
    if (s.opt.profile)
      s.body.line("onnx2cpp_profile_node(" + std::to_string(ni) + ", " + c_string(node_label(n)) + ", " + c_string(n.name) +
                  ", std::chrono::duration<double>(std::chrono::steady_clock::now() - o2c_t0).count()); }");
  }
}

void GraphWriter::copy_out_outputs() {
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    const int v = g.outputs[i];
    const Value& val = g.values[v];
    const bool direct = !val.constant && !val.is_input && origin[v] == v;
    if (direct) continue;
    s.body.line("// output " + quote_name(val.name) + " is " +
                (val.constant ? "a constant" : val.is_input ? "an input" : "a view") + ": copy it out");
    const std::string src = ref(val.constant ? v : origin[v]);
    s.uses_out = true;
    std::string n = std::to_string(numel(val.shape));
    if (val.dynamic()) {
      Dim count = 1;
      for (const Dim& d : val.dims) count = count * d;
      n = count.cpp(dim_var);
    }
    s.body.line("k::copy(" + src + ", reinterpret_cast<" + dtype_cpp(val.dtype) + "*>(out->" + s.api.output_member(v) +
                "), " + n + ");");
  }
}

EmitResult emit_model(Graph& g, const MemoryPlan& plan, const EmitOptions& opt) {
  const ApiNames api(g);
  Blob blob;
  EmitState state(plan, opt, api, blob);
  GraphWriter w(g, state, nullptr);
  state.body.indent();
  if (!g.dims->syms.empty()) {
    state.headers.insert("common");  // k::floor_div
    emit_dims_prologue(state.body, g, api);
    for (const std::string& d : api.dims()) state.uses_in = state.uses_in || !d.empty();
  }
  w.emit_nodes();
  w.copy_out_outputs();
  if (api.dynamic()) {
    emit_output_shapes(state.body, g, api);
    state.uses_out = true;
  }
  state.body.dedent();
  ModelText text;
  text.body = state.body.str();
  text.headers = header_closure(std::vector<std::string>(state.headers.begin(), state.headers.end()));
  text.uses_in = state.uses_in;
  text.uses_out = state.uses_out;
  text.uses_arena = state.uses_arena;
  text.uses_weights = state.uses_weights;
  text.uses_par = state.uses_par;
  text.par_extra_bytes = state.par_extra_bytes;
  return write_files(g, plan, opt, api, blob, text);
}

}  // namespace o2c
