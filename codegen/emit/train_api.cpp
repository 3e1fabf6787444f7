#include "emit/train_api.hpp"

#include "onnx/names.hpp"

namespace o2c {

int dropout_seed_input(const Graph& g) {
  const int v = g.find("seed");
  return v >= 0 && g.values[v].is_input ? v : -1;
}

ParamsLayout params_layout(const Graph& g) {
  ParamsLayout l;
  int64_t at = 0, align = 8;
  auto place = [&](int64_t size, int64_t a) {
    at = (at + a - 1) / a * a;
    const int64_t here = at;
    at += size;
    align = std::max(align, a);
    return here;
  };
  for (const auto& s : g.train_state) {
    const Value& v = g.values[s.value];
    l.offsets.push_back(place(dtype_bytes(v.dtype, std::max<int64_t>(numel(v.shape), 1)), dtype_bytes(v.dtype, 1)));
  }
  l.step_offset = place(8, 8);
  if (dropout_seed_input(g) >= 0) l.seed_offset = place(8, 8);
  l.bytes = (at + align - 1) / align * align;
  return l;
}

void train_header(Writer& h, const Graph& g, const ApiNames& api, const std::string& N, const std::string& U) {
  const DType t = g.values[g.find("lr")].dtype;
  h.line("/* Training (onnx2cpp train): the tensors a step updates, owned by the caller. The");
  h.line(" * parameters keep their ONNX names (see the inputs above); BatchNorm's running statistics");
  h.line(" * (updated by the step, not trained) and the optimizer states follow them. */");
  h.line("typedef struct " + N + "_params {");
  for (const auto& s : g.train_state) {
    const Value& v = g.values[s.value];
    h.line(std::string("  ") + dtype_api(v.dtype) + " " + api.input_member(s.value) + "[" +
           std::to_string(std::max<int64_t>(numel(v.shape), 1)) + "];  /* " + quote_name(v.name) + " " + shape_str(v.shape) + " */");
  }
  h.line("  int64_t step;  /* steps taken */");
  if (dropout_seed_input(g) >= 0) h.line("  int64_t seed;  /* Dropout's masks: drawn from (seed, step); params_init sets 0 */");
  h.line("} " + N + "_params;");
  h.line();
  h.line("/* The model's initial parameters, zero optimizer states, step 0. */");
  h.line("void " + N + "_params_init(" + N + "_params* p);");
  h.line("/* One training step with learning rate lr: in's data members (the model's inputs and the");
  h.line(" * targets) are read; its parameter, state, lr and step members are taken from p and lr. out's");
  h.line(" * loss member (and the others not updated in place: model outputs, gradients) must point to");
  h.line(" * buffers; its next_* members are set to p's. p is updated in place and p->step counted on");
  h.line(" * success. The arena as for " + N + "_run (" + U + "_ARENA_BYTES). */");
  h.line("int " + N + "_train_step(const " + N + "_inputs* in, " + N + "_outputs* out, " + N + "_params* p, " +
         dtype_api(t) + " lr, void* arena, size_t arena_bytes);");
  h.line();
}

void train_source(Writer& s, const Graph& g, const ApiNames& api, const std::string& N,
                  const std::vector<int64_t>& init_offsets) {
  const DType t = g.values[g.find("lr")].dtype;
  s.line("void " + N + "_params_init(" + N + "_params* p) {");
  s.line("  if (!p) return;");
  for (size_t i = 0; i < g.train_state.size(); ++i) {
    const Value& v = g.values[g.train_state[i].value];
    const std::string m = "p->" + api.input_member(g.train_state[i].value);
    if (init_offsets[i] >= 0)
      s.line("  std::memcpy(" + m + ", " + N + "_internal::weights + " + std::to_string(init_offsets[i]) + ", " +
             std::to_string(v.bytes()) + ");");
    else
      s.line("  std::memset(" + m + ", 0, sizeof " + m + ");");
  }
  s.line("  p->step = 0;");
  if (dropout_seed_input(g) >= 0) s.line("  p->seed = 0;");
  s.line("}");
  s.line();
  // The layout export-onnx reads saved params by (params_layout), checked by the compiler.
  const ParamsLayout l = params_layout(g);
  for (size_t i = 0; i < g.train_state.size(); ++i)
    s.line("static_assert(offsetof(" + N + "_params, " + api.input_member(g.train_state[i].value) + ") == " +
           std::to_string(l.offsets[i]) + ", \"the params layout of onnx2cpp export-onnx\");");
  if (l.seed_offset >= 0)
    s.line("static_assert(offsetof(" + N + "_params, seed) == " + std::to_string(l.seed_offset) +
           ", \"the params layout of onnx2cpp export-onnx\");");
  s.line("static_assert(offsetof(" + N + "_params, step) == " + std::to_string(l.step_offset) + " && sizeof(" + N +
         "_params) == " + std::to_string(l.bytes) + ", \"the params layout of onnx2cpp export-onnx\");");
  s.line();
  s.line("int " + N + "_train_step(const " + N + "_inputs* in, " + N + "_outputs* out, " + N + "_params* p, " +
         dtype_api(t) + " lr, void* arena, size_t arena_bytes) {");
  s.line("  if (!in || !out || !p) return ONNX2CPP_ERR_NULL_POINTER;");
  s.line("  " + N + "_inputs i = *in;");
  s.line("  " + N + "_outputs o = *out;");
  s.line("  i." + api.input_member(g.find("lr")) + " = &lr;");
  s.line("  i." + api.input_member(g.find("step")) + " = &p->step;");
  if (const int seed = dropout_seed_input(g); seed >= 0) {
    s.line("  const int64_t seed[2] = {p->seed, p->step};");
    s.line("  i." + api.input_member(seed) + " = seed;");
  }
  for (const auto& st : g.train_state) {
    const std::string m = api.input_member(st.value);
    s.line("  i." + m + " = p->" + m + ";");
    s.line("  o." + api.output_member(st.updated) + " = p->" + m + ";  // updated in place");
  }
  s.line("  const int r = " + N + "_run(&i, &o, arena, arena_bytes);");
  s.line("  if (r == ONNX2CPP_OK) ++p->step;");
  s.line("  return r;");
  s.line("}");
}

}  // namespace o2c
