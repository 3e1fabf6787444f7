#include "passes/pipeline.hpp"

#include <algorithm>

#include "ir/dump.hpp"
#include "ir/verify.hpp"

namespace o2c {

const std::vector<PassInfo>& pass_list() {
  static const std::vector<PassInfo> passes = {
      {"infer", "", "infer every type and shape; fold nodes whose inputs are all known at compile time; unroll loops that need it",
       [](Graph& g, const PassOptions& o) {
         infer_and_fold(g, o.fold);
         flatten_composite_outputs(g);
       }},
      {"dead-code", "", "remove nodes whose results reach no graph output (inside bodies too) and the captures bodies no longer read",
       [](Graph& g, const PassOptions&) { remove_dead_nodes(g); }},
      {"compute-in-float", "", "float16, bfloat16 and float8 values are computed in float: Cast nodes around the nodes that compute on them",
       [](Graph& g, const PassOptions& o) { compute_in_float(g, o.fold); }},
      {"layer-norm", "fuse", "LayerNorm as exported before opset 17 becomes one LayerNormalization",
       [](Graph& g, const PassOptions&) { fuse_layer_norm(g); }},
      {"gelu", "fuse", "GELU as exported before opset 20 becomes one Gelu",
       [](Graph& g, const PassOptions&) { fuse_gelu(g); }},
      {"swish", "fuse", "x * Sigmoid(x) becomes one Swish (SiLU), x * HardSigmoid(x) with 1/6, 1/2 one HardSwish",
       [](Graph& g, const PassOptions&) { fuse_swish(g); }},
      {"backward", "", "with a loss asked for: the loss and its gradients with respect to the parameters, appended",
       [](Graph& g, const PassOptions& o) {
         if (!o.backward.output.empty()) append_backward(g, o.backward);
       }},
      {"qdq", "fuse", "quantized convolutions and residual adds in QDQ form (DequantizeLinear -> Conv/Add -> QuantizeLinear) run on integers as QLinearConv/QLinearAdd",
       [](Graph& g, const PassOptions& o) { fuse_qdq(g, o.fold); }},
      {"epilogues", "fuse", "batch norms, residual adds, bias rows and activations run in the producing kernel",
       [](Graph& g, const PassOptions&) { fuse_epilogues(g); }},
      {"pad-add", "fuse", "a zero-padded tensor added to another is added into it at its place, accumulated in place when it can",
       [](Graph& g, const PassOptions&) { fuse_pad_add(g); }},
      {"concat-in-place", "fuse", "producers write their results straight into a Concat's output",
       [](Graph& g, const PassOptions&) { concat_in_place(g); }},
      {"channels-last", "fuse", "tensors between convolutions stored with the channels last",
       [](Graph& g, const PassOptions&) { channels_last(g); }},
      {"conv-depthwise", "fuse", "a conv read by one depthwise conv alone is streamed into it, row by row",
       [](Graph& g, const PassOptions&) { fuse_conv_depthwise(g); }},
  };
  return passes;
}

const PassInfo* find_pass(const std::string& name) {
  for (const PassInfo& p : pass_list())
    if (name == p.name) return &p;
  return nullptr;
}

void run_pass(Graph& g, const std::string& name, const PassOptions& opt) {
  const PassInfo* p = find_pass(name);
  if (!p) throw CompileError("no pass " + quote_name(name));
  p->run(g, opt);
  verify_or_throw(g, "pass " + name);
}

void run_pipeline(Graph& g, const PipelineOptions& opt) {
  auto known = [](const std::string& n) {
    if (find_pass(n)) return true;
    for (const PassInfo& p : pass_list())
      if (*p.group && n == p.group) return true;
    return false;
  };
  for (const auto& n : opt.disabled)
    if (!known(n)) throw CompileError("--disable-pass " + quote_name(n) + ": no such pass (see --list-passes)");
  for (const auto& n : opt.dump_after)
    if (!find_pass(n)) throw CompileError("--dump-ir-after " + quote_name(n) + ": no such pass (see --list-passes)");
  auto has = [](const std::vector<std::string>& v, const char* s) { return std::find(v.begin(), v.end(), s) != v.end(); };
  for (const PassInfo& p : pass_list()) {
    const bool off = has(opt.disabled, p.name) || (*p.group && has(opt.disabled, p.group));
    if (off && !*p.group) throw CompileError(std::string("--disable-pass ") + p.name + ": this pass is required");
    if (!off) p.run(g, opt.pass);
    if (opt.verify_each) verify_or_throw(g, std::string("pass ") + p.name);
    if (opt.dump_to && has(opt.dump_after, p.name))
      *opt.dump_to += "// IR after " + std::string(p.name) + (off ? " (disabled)" : "") + "\n" + dump_ir(g);
  }
}

}  // namespace o2c
