#include "emit/emitter.hpp"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "emit/writer.hpp"
#include "onnx/names.hpp"
#include "ops/registry.hpp"

namespace o2c {

const char* const kToolVersion = "0.1.0";

namespace {

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string fmt_pct(double x) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f%%", 100.0 * x);
  return b;
}

// The constant blob: tensors placed at 64-byte aligned offsets, identical contents shared.
class Blob {
 public:
  int64_t add(const std::vector<uint8_t>& bytes) {
    auto it = index_.find(bytes);
    if (it != index_.end()) return it->second;
    int64_t at = static_cast<int64_t>(data_.size());
    data_.insert(data_.end(), bytes.begin(), bytes.end());
    data_.resize((data_.size() + 63) / 64 * 64, 0);
    index_.emplace(bytes, at);
    return at;
  }
  const std::vector<unsigned char>& data() const { return data_; }

 private:
  std::vector<unsigned char> data_;
  std::map<std::vector<uint8_t>, int64_t> index_;
};

struct ModelWriter;

class NodeEmitCtx : public EmitCtx {
 public:
  NodeEmitCtx(Graph& g, Node& n, ModelWriter& w, int64_t scratch_off)
      : EmitCtx(g, n), w_(w), scratch_off_(scratch_off) {}
  std::string X(size_t i) override;
  std::string Y(size_t i) override;
  std::string scratch(DType t) override;
  std::string table(const Tensor& t) override;
  void line(const std::string& stmt) override;

 private:
  ModelWriter& w_;
  int64_t scratch_off_;
};

struct ModelWriter {
  Graph& g;
  const MemoryPlan& plan;
  const std::vector<int>& origin;
  const EmitOptions& opt;
  Writer body;
  Blob blob;
  Namer locals;
  std::vector<std::string> local_of;   // value -> declared local ("" if not yet)
  std::vector<std::string> in_member, out_member;  // per graph input/output
  std::map<int, int64_t> value_offset; // arena offset of planned values
  std::map<int, int64_t> scratch_offset;
  std::set<std::string> kernels{"common"};

  ModelWriter(Graph& g_, const MemoryPlan& p, const std::vector<int>& o, const EmitOptions& e)
      : g(g_), plan(p), origin(o), opt(e), local_of(g_.values.size()) {
    for (const char* r : {"in", "out", "arena", "k", "weights", "run_graph"}) locals.reserve(r);
    for (size_t i = 0; i < plan.reqs.size(); ++i) {
      if (plan.reqs[i].value >= 0) value_offset[plan.reqs[i].value] = plan.offsets[i];
      else scratch_offset[plan.reqs[i].node] = plan.offsets[i];
    }
    Namer in_names, out_names;
    for (int v : g.inputs) in_member.push_back(in_names.make("", g.values[v].name));
    for (int v : g.outputs) out_member.push_back(out_names.make("", g.values[v].name));
  }

  int input_index(int v) const {
    for (size_t i = 0; i < g.inputs.size(); ++i)
      if (g.inputs[i] == v) return static_cast<int>(i);
    return -1;
  }
  int output_index(int v) const {
    for (size_t i = 0; i < g.outputs.size(); ++i)
      if (g.outputs[i] == v) return static_cast<int>(i);
    return -1;
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
      if (val.constant->bytes.empty()) {
        init = "nullptr";  // an empty tensor: nothing to point at
      } else {
        int64_t at = blob.add(val.constant->bytes);
        init = "reinterpret_cast<const " + T + "*>(weights + " + std::to_string(at) + ")";
      }
      cst = "const ";
    } else if (val.is_input) {
      name = locals.make("in_", val.name);
      init = "in->" + in_member[static_cast<size_t>(input_index(v))];
      cst = "const ";
    } else if (val.is_output) {
      name = locals.make("out_", val.name);
      init = "out->" + out_member[static_cast<size_t>(output_index(v))];
    } else {
      auto it = value_offset.find(v);
      if (it == value_offset.end())
        throw std::logic_error("value " + quote_name(val.name) + " has no storage");
      name = locals.make("t_", val.name);
      init = "reinterpret_cast<" + T + "*>(arena + " + std::to_string(it->second) + ")";
    }
    body.line(cst + T + "* const " + name + " = " + init + ";");
    local_of[v] = name;
    return name;
  }

  std::string node_comment(const Node& n) {
    std::string s = "// [" + std::to_string(n.index) + "] " + n.op + n.epi.ops;
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
      if (g.values[v].streamed) s += " (streamed)";
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

  void emit_nodes() {
    for (int ni : g.order) {
      Node& n = g.nodes[ni];
      const OpInfo* info = find_op(n.domain, n.op);
      std::istringstream ks(info->kernels);
      for (std::string k; ks >> k;) kernels.insert(k);
      body.line(node_comment(n));
      if (info->impl->view) {
        body.line("// (view of its input: no code)");
        continue;
      }
      if (n.in_place) {
        body.line("// (its inputs were written in place: no code)");
        continue;
      }
      auto so = scratch_offset.find(ni);
      NodeEmitCtx ctx(g, n, *this, so == scratch_offset.end() ? -1 : so->second);
      if (opt.profile) {  // locals are declared before the timed block, so they stay in scope
        for (int v : n.inputs)
          if (v >= 0 && !g.values[v].streamed) ref(v);
        for (int v : n.outputs)
          if (v >= 0) ref(v);
        body.line("{ const auto o2c_t0 = std::chrono::steady_clock::now();");
      }
      info->impl->emit(ctx);
      if (opt.profile)
        body.line("onnx2cpp_profile_node(" + std::to_string(ni) + ", " + c_string(n.op + n.epi.ops) + ", " + c_string(n.name) +
                  ", std::chrono::duration<double>(std::chrono::steady_clock::now() - o2c_t0).count()); }");
    }
    // Graph outputs that are not written by their producer: views, constants, inputs.
    for (size_t i = 0; i < g.outputs.size(); ++i) {
      const int v = g.outputs[i];
      const Value& val = g.values[v];
      const bool direct = !val.constant && !val.is_input && origin[v] == v;
      if (direct) continue;
      body.line("// output " + quote_name(val.name) + " is " +
                (val.constant ? "a constant" : val.is_input ? "an input" : "a view") +
                ": copy it out");
      const std::string src = ref(val.constant ? v : origin[v]);
      body.line("k::copy(" + src + ", out->" + out_member[i] + ", " + std::to_string(numel(val.shape)) +
                ");");
    }
  }
};

std::string NodeEmitCtx::X(size_t i) { return has_in(i) ? w_.ref(n_.inputs[i]) : "nullptr"; }
std::string NodeEmitCtx::Y(size_t i) { return w_.ref(n_.outputs[i]); }
std::string NodeEmitCtx::scratch(DType t) {
  if (scratch_off_ < 0) throw std::logic_error(g_.where(n_) + ": scratch was not planned");
  return "reinterpret_cast<" + std::string(dtype_cpp(t)) + "*>(arena + " +
         std::to_string(scratch_off_) + ")";
}
std::string NodeEmitCtx::table(const Tensor& t) {
  int64_t at = w_.blob.add(t.bytes);
  return "reinterpret_cast<const " + std::string(dtype_cpp(t.dtype)) + "*>(weights + " +
         std::to_string(at) + ")";
}
void NodeEmitCtx::line(const std::string& stmt) { w_.body.line(stmt); }

std::string shape_init(const Shape& s) {
  std::string r = "{";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  if (s.empty()) r += "1";  // scalars: rank 0, placeholder element
  return r + "}";
}

}  // namespace

EmitResult emit_model(Graph& g, const MemoryPlan& plan, const std::vector<int>& origin,
                      const EmitOptions& opt) {
  ModelWriter mw(g, plan, origin, opt);
  mw.body.indent();
  mw.emit_nodes();
  mw.body.dedent();

  const std::string& N = opt.name;
  const std::string U = upper(N);
  const auto& src = embedded_sources();
  EmitResult res;
  res.weights_bytes = static_cast<int64_t>(mw.blob.data().size());
  const bool ext = opt.external_weights;
  res.external_weights = ext;
  if (ext) res.weights = mw.blob.data();

  // ---------------- header ----------------
  Writer h;
  h.line("// " + N + ".h: generated by onnx2cpp " + kToolVersion + ". Do not edit.");
  h.line("// model:    " + quote_name(g.model_path));
  h.line("// producer: " + quote_name(g.producer) + ", IR version " + std::to_string(g.ir_version));
  std::string ops = "// opsets:  ";
  for (const auto& kv : g.opsets) ops += (kv.first.empty() ? "ai.onnx" : quote_name(kv.first)) + " " + std::to_string(kv.second) + " ";
  h.line(ops);
  h.line("// command:  " + quote_name(opt.command_line));
  h.line("// arena:    " + std::to_string(plan.arena_bytes) + " bytes; lower bound (max live at once) " +
         std::to_string(plan.lower_bound) + " bytes; efficiency " + fmt_pct(plan.efficiency()));
  h.line("// weights:  " + std::to_string(res.weights_bytes) +
         (ext ? " bytes (separate: pass them to " + N + "_run_with_weights)" : " bytes (embedded)"));
  auto io_doc = [&](const char* kind, const std::vector<int>& vs, const std::vector<std::string>& members) {
    for (size_t i = 0; i < vs.size(); ++i) {
      const Value& v = g.values[vs[i]];
      h.line(std::string("// ") + kind + " " + std::to_string(i) + ": " + quote_name(v.name) + " -> ." +
             members[i] + "  " + dtype_name(v.dtype) + shape_str(v.shape) + "  " +
             std::to_string(v.bytes()) + " bytes");
    }
  };
  io_doc("input ", g.inputs, mw.in_member);
  io_doc("output", g.outputs, mw.out_member);
  h.line("#ifndef " + U + "_ONNX2CPP_H");
  h.line("#define " + U + "_ONNX2CPP_H");
  h.line();
  h.raw(src.at("runtime"));
  h.line();
  h.line("#define " + U + "_ARENA_BYTES " + std::to_string(plan.arena_bytes) + "u");
  h.line("#define " + U + "_ARENA_ALIGN 64u");
  h.line("#define " + U + "_WEIGHTS_BYTES " + std::to_string(res.weights_bytes) + "u");
  h.line("#define " + U + "_NUM_INPUTS " + std::to_string(g.inputs.size()) + "u");
  h.line("#define " + U + "_NUM_OUTPUTS " + std::to_string(g.outputs.size()) + "u");
  for (size_t i = 0; i < g.inputs.size(); ++i)
    h.line("#define " + U + "_IN_" + mw.in_member[i] + "_BYTES " + std::to_string(g.values[g.inputs[i]].bytes()) + "u");
  for (size_t i = 0; i < g.outputs.size(); ++i)
    h.line("#define " + U + "_OUT_" + mw.out_member[i] + "_BYTES " + std::to_string(g.values[g.outputs[i]].bytes()) + "u");
  h.line();
  h.line("#ifdef __cplusplus");
  h.line("extern \"C\" {");
  h.line("#endif");
  h.line();
  h.line("typedef struct " + N + "_inputs {");
  for (size_t i = 0; i < g.inputs.size(); ++i)
    h.line(std::string("  const ") + dtype_cpp(g.values[g.inputs[i]].dtype) + "* " + mw.in_member[i] + ";");
  if (g.inputs.empty()) h.line("  const void* unused_;");
  h.line("} " + N + "_inputs;");
  h.line();
  h.line("typedef struct " + N + "_outputs {");
  for (size_t i = 0; i < g.outputs.size(); ++i)
    h.line(std::string("  ") + dtype_cpp(g.values[g.outputs[i]].dtype) + "* " + mw.out_member[i] + ";");
  h.line("} " + N + "_outputs;");
  h.line();
  h.line("/* Runs the model. arena: " + U + "_ARENA_BYTES bytes aligned to " + U + "_ARENA_ALIGN, owned");
  h.line(" * by the caller (one per concurrent call). Returns ONNX2CPP_OK or an ONNX2CPP_ERR_* code. */");
  if (ext) {
    h.line("/* weights: the " + U + "_WEIGHTS_BYTES bytes written beside this code (" + N + ".weights.bin),");
    h.line(" * aligned to 64 bytes (else ONNX2CPP_ERR_WEIGHTS_MISALIGNED); read only, shared by all calls. */");
    h.line("int " + N + "_run_with_weights(const " + N + "_inputs* in, " + N + "_outputs* out, void* arena,");
    h.line("    size_t arena_bytes, const void* weights);");
    h.line("size_t " + N + "_weights_bytes(void);");
  } else {
    h.line("int " + N + "_run(const " + N + "_inputs* in, " + N + "_outputs* out, void* arena, size_t arena_bytes);");
  }
  h.line("size_t " + N + "_arena_bytes(void);");
  h.line("size_t " + N + "_num_inputs(void);");
  h.line("size_t " + N + "_num_outputs(void);");
  h.line("/* NULL when i is out of range. */");
  h.line("const onnx2cpp_tensor_info* " + N + "_input_info(size_t i);");
  h.line("const onnx2cpp_tensor_info* " + N + "_output_info(size_t i);");
  h.line();
  h.line("#ifdef __cplusplus");
  h.line("}  /* extern \"C\" */");
  h.line();
  h.line("namespace " + N + " {");
  h.line("constexpr size_t arena_bytes = " + U + "_ARENA_BYTES;");
  h.line("constexpr size_t arena_align = " + U + "_ARENA_ALIGN;");
  h.line("constexpr size_t weights_bytes = " + U + "_WEIGHTS_BYTES;");
  h.line("using inputs = " + N + "_inputs;");
  h.line("using outputs = " + N + "_outputs;");
  if (ext) {
    h.line("inline int run(const inputs& in, outputs& out, void* arena, size_t bytes, const void* weights) {");
    h.line("  return " + N + "_run_with_weights(&in, &out, arena, bytes, weights);");
  } else {
    h.line("inline int run(const inputs& in, outputs& out, void* arena, size_t bytes) {");
    h.line("  return " + N + "_run(&in, &out, arena, bytes);");
  }
  h.line("}");
  h.line("// Owns an aligned arena; one Session per thread. Large: allocate it statically or on the heap.");
  h.line("class Session {");
  h.line(" public:");
  if (ext)
  {
    h.line("  int run(const inputs& in, outputs& out, const void* weights) {");
    h.line("    return " + N + "_run_with_weights(&in, &out, arena_, sizeof arena_, weights);");
    h.line("  }");
  }
  else
    h.line("  int run(const inputs& in, outputs& out) { return " + N + "_run(&in, &out, arena_, sizeof arena_); }");
  h.line(" private:");
  h.line("  alignas(64) unsigned char arena_[arena_bytes ? arena_bytes : 1];");
  h.line("};");
  h.line("}  // namespace " + N);
  h.line("#endif");
  h.line("#endif  // " + U + "_ONNX2CPP_H");
  res.header = h.str();

  // ---------------- source ----------------
  Writer s;
  s.line("// " + N + ".cpp: generated by onnx2cpp " + kToolVersion + " from " + quote_name(g.model_path) + ". Do not edit.");
  s.line("// Needs a C++17 compiler and Eigen 3.4 headers. Everything but the " + N + "_* functions");
  s.line("// has internal linkage, so several generated models link into one program.");
  s.line("#include \"" + opt.header_include + "\"");
  s.line();
  if (opt.profile) {
    s.line("#include <chrono>");
    s.line("extern \"C\" void onnx2cpp_profile_node(int node, const char* op, const char* name, double seconds);");
    s.line();
  }
  std::vector<std::string> knames(mw.kernels.begin(), mw.kernels.end());
  for (const auto& k : kernel_closure(knames)) {
    s.line("// ---- templates/" + k + ".hpp ----");
    s.raw(src.at(k));
  }
  s.line();
  s.line("namespace " + N + "_internal {");
  s.line("namespace {");
  s.line("namespace k = onnx2cpp_k;");
  s.line("using std::int8_t; using std::int16_t; using std::int32_t; using std::int64_t;");
  s.line("using std::uint8_t; using std::uint16_t; using std::uint32_t; using std::uint64_t;");
  s.line();
  const bool has_weights = res.weights_bytes > 0;
  if (has_weights && !ext) {
    s.line("extern const unsigned char weights[" + std::to_string(res.weights_bytes + 1) + "];");
    s.line();
  }
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    s.line("const int64_t in" + std::to_string(i) + "_shape[] = " + shape_init(g.values[g.inputs[i]].shape) + ";");
  }
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    s.line("const int64_t out" + std::to_string(i) + "_shape[] = " + shape_init(g.values[g.outputs[i]].shape) + ";");
  }
  auto info_table = [&](const char* name, const char* pre, const std::vector<int>& vs, const std::vector<std::string>& members) {
    if (vs.empty()) return;
    s.line(std::string("const onnx2cpp_tensor_info ") + name + "[] = {");
    for (size_t i = 0; i < vs.size(); ++i) {
      const Value& v = g.values[vs[i]];
      s.line("  {" + c_string(v.name) + ", \"" + members[i] + "\", static_cast<onnx2cpp_dtype>(" +
             std::to_string(static_cast<int>(v.dtype)) + "), " + std::to_string(v.shape.size()) + ", " +
             pre + std::to_string(i) + "_shape, " + std::to_string(v.bytes()) + "u},");
    }
    s.line("};");
  };
  info_table("input_info", "in", g.inputs, mw.in_member);
  info_table("output_info", "out", g.outputs, mw.out_member);
  s.line();
  s.line("void run_graph(const " + N + "_inputs* in, " + N + "_outputs* out, unsigned char* arena" +
         (ext ? ", const unsigned char* weights) {" : ") {"));
  // Parameters a model does not touch (no inputs read, no arena needed) are marked used.
  for (std::string p : {"in", "out", "arena", "weights"}) {
    if (p == "weights" && !ext) continue;
    const bool offset_param = p == "arena" || p == "weights";
    if (mw.body.str().find(offset_param ? p + " + " : p + "->") == std::string::npos) s.line("  (void)" + p + ";");
  }
  s.raw(mw.body.str());
  s.line("}");
  s.line();
  s.line("}  // namespace");
  s.line("}  // namespace " + N + "_internal");
  s.line();
  s.line("extern \"C\" {");
  s.line();
  if (ext) {
    s.line("int " + N + "_run_with_weights(const " + N + "_inputs* in, " + N + "_outputs* out, void* arena,");
    s.line("    size_t arena_bytes, const void* weights) {");
  } else {
    s.line("int " + N + "_run(const " + N + "_inputs* in, " + N + "_outputs* out, void* arena, size_t arena_bytes) {");
  }
  s.line("  if (!in || !out) return ONNX2CPP_ERR_NULL_POINTER;");
  for (size_t i = 0; i < g.inputs.size(); ++i)
    if (g.values[g.inputs[i]].bytes() > 0) s.line("  if (!in->" + mw.in_member[i] + ") return ONNX2CPP_ERR_NULL_POINTER;");
  for (size_t i = 0; i < g.outputs.size(); ++i)
    if (g.values[g.outputs[i]].bytes() > 0) s.line("  if (!out->" + mw.out_member[i] + ") return ONNX2CPP_ERR_NULL_POINTER;");
  if (plan.arena_bytes > 0) {
    s.line("  if (!arena) return ONNX2CPP_ERR_NULL_POINTER;");
    s.line("  if (arena_bytes < " + U + "_ARENA_BYTES) return ONNX2CPP_ERR_ARENA_TOO_SMALL;");
    s.line("  if (reinterpret_cast<uintptr_t>(arena) % " + U + "_ARENA_ALIGN != 0) return ONNX2CPP_ERR_ARENA_MISALIGNED;");
  } else {
    s.line("  (void)arena_bytes;  // this model needs no arena");
  }
  if (ext && has_weights) {
    s.line("  if (!weights) return ONNX2CPP_ERR_NULL_POINTER;");
    s.line("  if (reinterpret_cast<uintptr_t>(weights) % 64u != 0) return ONNX2CPP_ERR_WEIGHTS_MISALIGNED;");
  }
  if (ext)
    s.line("  " + N + "_internal::run_graph(in, out, static_cast<unsigned char*>(arena), static_cast<const unsigned char*>(weights));");
  else
    s.line("  " + N + "_internal::run_graph(in, out, static_cast<unsigned char*>(arena));");
  s.line("  return ONNX2CPP_OK;");
  s.line("}");
  s.line();
  s.line("size_t " + N + "_arena_bytes(void) { return " + U + "_ARENA_BYTES; }");
  if (ext) s.line("size_t " + N + "_weights_bytes(void) { return " + U + "_WEIGHTS_BYTES; }");
  s.line("size_t " + N + "_num_inputs(void) { return " + U + "_NUM_INPUTS; }");
  s.line("size_t " + N + "_num_outputs(void) { return " + U + "_NUM_OUTPUTS; }");
  auto info_fn = [&](const char* kind, const char* table, size_t count) {
    s.line("const onnx2cpp_tensor_info* " + N + "_" + kind + "_info(size_t i) {");
    if (count) s.line("  return i < " + std::to_string(count) + "u ? &" + N + "_internal::" + table + "[i] : nullptr;");
    else s.line("  (void)i;\n  return nullptr;");
    s.line("}");
  };
  info_fn("input", "input_info", g.inputs.size());
  info_fn("output", "output_info", g.outputs.size());
  s.line();
  s.line("}  // extern \"C\"");
  s.line();
  if (!has_weights || ext) return (res.source = s.str(), res);
  s.line("namespace " + N + "_internal {");
  s.line("namespace {");
  s.line("// " + std::to_string(res.weights_bytes) + " bytes of constants, each tensor at a 64-byte aligned offset.");
  s.line("alignas(64) const unsigned char weights[" + std::to_string(res.weights_bytes + 1) + "] =");
  s.raw(blob_literal(mw.blob.data()));
  s.line(";");
  s.line("}  // namespace");
  s.line("}  // namespace " + N + "_internal");
  res.source = s.str();
  return res;
}

}  // namespace o2c
