#include "driver.hpp"

#include <cstdio>
#include <filesystem>

#include "ir/limits.hpp"
#include "onnx/model_io.hpp"
#include "onnx/names.hpp"

namespace o2c {

std::string name_from_path(const std::string& path) {
  return sanitize(std::filesystem::path(path).stem().string());
}

Compiled compile_model(const Options& opt) {
  Compiled c;
  try {
    c.graph = import_model(load_model(opt.model_path), opt.model_path, opt.bind);  // the message is freed as it goes
    if (!opt.backward.optimizer.type.empty()) make_trainable(c.graph, opt.backward);
    if (!opt.eval_params.empty()) make_eval_on_params(c.graph, opt.eval_params);
    PipelineOptions po;
    po.pass.fold = opt.fold;
    po.pass.backward = opt.backward;
    po.disabled = opt.disabled_passes;
    po.dump_after = opt.dump_ir_after;
    po.verify_each = opt.verify_each;
    std::string dump;
    po.dump_to = &dump;
    run_pipeline(c.graph, po);
    if (!dump.empty()) std::fputs(dump.c_str(), stderr);
    auto reqs = graph_buffers(c.graph, view_origins(c.graph));
    c.plan = opt.planner == "linear" ? plan_linear(reqs) : plan_greedy(reqs);
    if (c.plan.arena_bytes > kMaxTensorBytes)
      throw CompileError("the arena needs " + std::to_string(c.plan.arena_bytes) + " bytes, more than the " +
                         std::to_string(kMaxTensorBytes) + " onnx2cpp plans");
    std::string bad = check_plan(c.plan);
    if (!bad.empty()) throw std::logic_error("memory plan is unsound: " + bad);
    c.plan_report = plan_report(c.graph, c.plan);
    EmitOptions eo;
    eo.name = opt.name.empty() ? name_from_path(opt.model_path) : sanitize(opt.name);
    eo.header_include = opt.header_include.empty() ? eo.name + ".h" : opt.header_include;
    eo.command_line = opt.command_line;
    eo.external_weights = opt.external_weights;
    eo.inline_weights = opt.inline_weights;
    eo.source_file = opt.source_file;
    eo.profile = opt.profile;
    c.files = emit_model(c.graph, c.plan, eo);
  } catch (const UnsupportedError& e) {
    std::string msg = e.what();
    if (msg.rfind(opt.model_path, 0) != 0) msg = opt.model_path + ": " + msg;
    throw UnsupportedError(msg);
  } catch (const CompileError& e) {
    std::string msg = e.what();
    if (msg.rfind(opt.model_path, 0) != 0) msg = opt.model_path + ": " + msg;
    throw CompileError(msg);
  }
  return c;
}

}  // namespace o2c
