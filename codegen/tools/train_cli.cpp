#include "tools/train_cli.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "emit/train_api.hpp"
#include "onnx/model_io.hpp"

namespace fs = std::filesystem;

namespace o2c {

void add_train_options(CLI::App* app, BackwardOptions& b) {
  app->add_option("--output", b.output, "the model output the loss is computed on")->required();
  app->add_option("--loss", b.loss,
                  "mse (default), l1, cross_entropy (integer class targets), bce_with_logits; or graph: the output is "
                  "the loss the model computes itself (exported with its loss inside; its targets are model inputs)")
      ->check(CLI::IsMember({"mse", "l1", "cross_entropy", "bce_with_logits", "graph"}));
  app->add_option("--reduction", b.reduction, "mean (default) or sum")->check(CLI::IsMember({"mean", "sum"}));
  app->add_option("--label-smoothing", b.label_smoothing, "cross_entropy's label smoothing (default 0)")
      ->check(CLI::Range(0.0, 1.0));
  app->add_option("--optimizer", b.optimizer.type, "sgd (default), adam, adamw")
      ->check(CLI::IsMember({"sgd", "adam", "adamw"}));
  app->add_option("--momentum", b.optimizer.momentum, "sgd: momentum (default 0)");
  app->add_option("--dampening", b.optimizer.dampening, "sgd: dampening (default 0)");
  app->add_flag("--nesterov", b.optimizer.nesterov, "sgd: Nesterov momentum");
  app->add_option("--weight-decay", b.optimizer.weight_decay, "weight decay (default 0; adamw 0.01)")
      ->each([&b](const std::string&) { b.optimizer.weight_decay_set = true; });
  app->add_option("--beta1", b.optimizer.beta1, "adam, adamw: beta1 (default 0.9)");
  app->add_option("--beta2", b.optimizer.beta2, "adam, adamw: beta2 (default 0.999)");
  app->add_option("--eps", b.optimizer.eps, "adam, adamw: epsilon (default 1e-8)");
  app->add_option("--train", b.train_regex, "train only the initializers whose names match this regular expression");
  app->add_option("--freeze-params", b.freeze_regex, "do not train the initializers whose names match this regular expression");
  app->add_option("--param", b.params, "an initializer to train, by name (repeatable; default: every float initializer)");
  app->add_flag("--grads", b.grads, "the gradients as outputs too (grad/NAME: for tests and debugging)");
}

std::string train_flags_text(const BackwardOptions& b) {
  char num[64];
  auto f = [&](double v) {
    std::snprintf(num, sizeof num, "%.17g", v);
    return std::string(num);
  };
  std::string s = " --output " + b.output + " --loss " + b.loss + " --optimizer " + b.optimizer.type;
  if (b.reduction != "mean") s += " --reduction " + b.reduction;
  if (b.label_smoothing != 0) s += " --label-smoothing " + f(b.label_smoothing);
  const OptimizerOptions& o = b.optimizer;
  if (o.momentum != 0) s += " --momentum " + f(o.momentum);
  if (o.dampening != 0) s += " --dampening " + f(o.dampening);
  if (o.nesterov) s += " --nesterov";
  if (o.weight_decay_set) s += " --weight-decay " + f(o.weight_decay);
  if (o.beta1 != 0.9) s += " --beta1 " + f(o.beta1);
  if (o.beta2 != 0.999) s += " --beta2 " + f(o.beta2);
  if (o.eps != 1e-8) s += " --eps " + f(o.eps);
  if (b.grads) s += " --grads";
  if (!b.train_regex.empty()) s += " --train " + b.train_regex;
  if (!b.freeze_regex.empty()) s += " --freeze-params " + b.freeze_regex;
  for (const auto& p : b.params) s += " --param " + p;
  return s;
}

namespace {

using google::protobuf::Struct;
using PbValue = google::protobuf::Value;

const PbValue* field(const Struct& s, const std::string& name) {
  auto it = s.fields().find(name);
  return it == s.fields().end() ? nullptr : &it->second;
}

std::string text_of(const Struct& s, const std::string& name, const std::string& def, const std::string& file) {
  const PbValue* v = field(s, name);
  if (!v) return def;
  if (v->kind_case() != PbValue::kStringValue) throw CompileError(file + ": " + name + " must be a string");
  return v->string_value();
}

double number_of(const Struct& s, const std::string& name, double def, const std::string& file) {
  const PbValue* v = field(s, name);
  if (!v) return def;
  if (v->kind_case() == PbValue::kBoolValue) return v->bool_value() ? 1 : 0;
  if (v->kind_case() != PbValue::kNumberValue) throw CompileError(file + ": " + name + " must be a number");
  return v->number_value();
}

// Every .pb in a folder, by the tensor's name.
std::map<std::string, Tensor> tensors_in(const fs::path& dir) {
  std::map<std::string, Tensor> r;
  if (!fs::is_directory(dir)) return r;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".pb") continue;
    const onnx::TensorProto p = load_tensor_proto(e.path().string());
    r.emplace(p.name(), tensor_from_proto(p, dir.string(), e.path().filename().string()));
  }
  return r;
}

// dump_dir/step_K/output_I.pb: output o of step k under the name of the state it updates, if
// any (a parameter, an optimizer state, a running statistic), else its own.
void dump_output(const std::string& dump_dir, int k, size_t i, const Graph& g, int o, const Tensor& t) {
  std::string name = g.values[o].name;
  for (const auto& s : g.train_state)
    if (s.updated == o) name = g.values[s.value].name;
  const fs::path dir = fs::path(dump_dir) / ("step_" + std::to_string(k));
  fs::create_directories(dir);
  const fs::path file = dir / ("output_" + std::to_string(i) + ".pb");
  std::ofstream f(file, std::ios::binary);
  if (!f || !tensor_to_proto(t, name).SerializeToOstream(&f)) throw CompileError("cannot write " + file.string());
}

}  // namespace

TrainData load_train_data(const std::string& dir) {
  const std::string file = (fs::path(dir) / "train.json").string();
  std::ifstream in(file);
  if (!in) throw CompileError("cannot read " + file);
  const std::string json((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Struct s;
  google::protobuf::util::JsonParseOptions po;
  po.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(json, &s, po).ok()) throw CompileError(file + ": not valid JSON");
  TrainData d;
  d.dir = dir;
  d.opt.loss = text_of(s, "loss", "mse", file);
  d.opt.reduction = text_of(s, "reduction", "mean", file);
  d.opt.output = text_of(s, "output", "", file);
  d.opt.label_smoothing = number_of(s, "label_smoothing", 0, file);
  d.steps = static_cast<int>(number_of(s, "steps", 0, file));
  if (d.opt.output.empty() || d.steps <= 0) throw CompileError(file + ": needs output and steps");
  const PbValue* opt = field(s, "optimizer");
  if (!opt || opt->kind_case() != PbValue::kStructValue) throw CompileError(file + ": needs an optimizer object");
  const Struct& o = opt->struct_value();
  OptimizerOptions& oo = d.opt.optimizer;
  oo.type = text_of(o, "type", "", file);
  d.lr = number_of(o, "lr", number_of(s, "lr", 0, file), file);
  oo.momentum = number_of(o, "momentum", 0, file);
  oo.dampening = number_of(o, "dampening", 0, file);
  oo.nesterov = number_of(o, "nesterov", 0, file) != 0;
  oo.weight_decay_set = field(o, "weight_decay") != nullptr;
  oo.weight_decay = number_of(o, "weight_decay", 0, file);
  oo.eps = number_of(o, "eps", 1e-8, file);
  if (const PbValue* b = field(o, "betas"); b && b->kind_case() == PbValue::kListValue && b->list_value().values_size() == 2) {
    oo.beta1 = b->list_value().values(0).number_value();
    oo.beta2 = b->list_value().values(1).number_value();
  }
  d.opt.grads = true;  // step 0's gradients are compared
  if (const PbValue* t = field(s, "trainable"); t && t->kind_case() == PbValue::kListValue)
    for (const PbValue& n : t->list_value().values()) d.opt.params.push_back(n.string_value());
  if (const PbValue* b = field(s, "buffers"); b && b->kind_case() == PbValue::kListValue)
    for (const PbValue& n : b->list_value().values()) d.buffers.push_back(n.string_value());
  return d;
}

TrainCheck verify_train(const Compiled& c, const std::string& name, const TrainData& data, const BuildConfig& cfg,
                        double rtol, double atol, const std::string& dump_dir) {
  const Graph& g = c.graph;
  const std::string cmd = build_harness(c, name, cfg);
  const fs::path dir(cfg.work_dir), root(data.dir);
  // The state between steps: train_state's tensors, by value.
  std::map<int, Tensor> state;
  for (const auto& s : g.train_state) {
    const o2c::Value& v = g.values[s.value];
    state.emplace(s.value, s.init ? *s.init : Tensor(v.dtype, v.shape));
  }
  const std::map<std::string, Tensor> grads = tensors_in(root / "expected" / "grads");
  const std::map<std::string, Tensor> params = tensors_in(root / "expected" / "params");
  const Tensor losses = tensor_from_proto(load_tensor_proto((root / "expected" / "loss.pb").string()), root.string(), "loss.pb");
  TrainCheck r;
  auto report = [&](const Comparison& cmp, const std::string& what) {
    char line[512];
    std::snprintf(line, sizeof line, "  %-40s max abs %.3g, max rel %.3g  %s\n", what.c_str(), cmp.max_abs, cmp.max_rel,
                  cmp.pass ? "ok" : cmp.shape_ok ? "MISMATCH" : "SHAPE MISMATCH");
    r.report += line;
    r.pass = r.pass && cmp.pass;
  };
  for (const std::string& b : data.buffers) {
    bool found = false;
    for (const auto& s : g.train_state) found = found || (s.buffer && g.values[s.value].name == b);
    if (!found) throw CompileError(quote_name(b) + " (train.json's buffers) is not a running statistic the step updates");
  }
  const int target = g.find(data.opt.output + "_target");
  for (int k = 0; k < data.steps; ++k) {
    const fs::path step = root / ("step_" + std::to_string(k));
    int model_input = 0;
    for (size_t i = 0; i < g.inputs.size(); ++i) {
      const int v = g.inputs[i];
      const o2c::Value& val = g.values[v];
      Tensor t;
      if (state.count(v)) {
        t = state.at(v);
      } else if (val.name == "lr") {
        t = Tensor(val.dtype, {});
        if (val.dtype == DType::Float) t.data<float>()[0] = static_cast<float>(data.lr);
        else t.data<double>()[0] = data.lr;
      } else if (val.name == "step") {
        t = Tensor(DType::Int64, {});
        t.data<int64_t>()[0] = k;
      } else if (v == dropout_seed_input(g)) {  // seed 0, as NAME_params_init leaves it
        t = Tensor(DType::Int64, {2});
        t.data<int64_t>()[1] = k;
      } else {
        const fs::path p = v == target ? step / "target.pb" : step / ("input_" + std::to_string(model_input++) + ".pb");
        t = tensor_from_proto(load_tensor_proto(p.string()), step.string(), p.filename().string());
        if (t.dtype != val.dtype || t.shape != val.shape)
          throw CompileError(p.string() + " is " + type_str(t.dtype, t.shape) + ", the step's input " + quote_name(val.name) +
                             " is " + type_str(val.dtype, val.shape));
      }
      write_raw_tensor((dir / ("input_" + std::to_string(i) + ".bin")).string(), t);
    }
    std::string out;
    const int rc = run_command(cmd + " " + shell_quote(dir.string()) + " " + shell_quote(dir.string()), &out);
    if (rc != 0) throw CompileError("the generated training step failed (exit " + std::to_string(rc) + "):\n" + out);
    for (size_t i = 0; i < g.outputs.size(); ++i) {
      const int o = g.outputs[i];
      const o2c::Value& val = g.values[o];
      Tensor got(val.dtype, val.shape);
      std::ifstream f(dir / ("output_" + std::to_string(i) + ".bin"), std::ios::binary);
      f.read(reinterpret_cast<char*>(got.bytes.data()), static_cast<std::streamsize>(got.bytes.size()));
      if (!f) throw CompileError("the training step wrote no output_" + std::to_string(i) + ".bin");
      if (!dump_dir.empty()) dump_output(dump_dir, k, i, g, o, got);
      if (val.name == "loss") {
        Tensor want(losses.dtype, {});
        std::copy_n(losses.bytes.data() + static_cast<size_t>(k) * dtype_bytes(losses.dtype, 1), dtype_bytes(losses.dtype, 1),
                    want.bytes.data());
        report(compare_tensors("loss", got, want, rtol, atol), "loss, step " + std::to_string(k));
      } else if (k == 0 && val.name.rfind("grad/", 0) == 0) {
        auto it = grads.find(val.name.substr(5));
        if (it != grads.end()) report(compare_tensors(val.name, got, it->second, rtol, atol), val.name + ", step 0");
      }
      for (const auto& s : g.train_state)
        if (s.updated == o) state[s.value] = std::move(got);
    }
  }
  for (const auto& s : g.train_state) {
    const std::string& name = g.values[s.value].name;
    auto it = params.find(name);
    if (it != params.end()) report(compare_tensors(name, state.at(s.value), it->second, rtol, atol), name + ", after the last step");
    else if (s.init) {
      r.report += "  " + name + ": no expected/params file\n";
      r.pass = false;
    }
  }
  return r;
}

void export_trained(const Compiled& c, const std::string& model_path, const std::string& params_file, const std::string& out) {
  const Graph& g = c.graph;
  const ParamsLayout l = params_layout(g);
  std::ifstream in(params_file, std::ios::binary);
  if (!in) throw CompileError("cannot read " + params_file);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (static_cast<int64_t>(bytes.size()) != l.bytes)
    throw CompileError(params_file + " has " + std::to_string(bytes.size()) + " bytes; the params struct of this training step has " +
                       std::to_string(l.bytes) + " (compile with the same training flags as the step that wrote it)");
  std::map<std::string, Tensor> trained;
  for (size_t i = 0; i < g.train_state.size(); ++i) {
    if (!g.train_state[i].init) continue;  // an optimizer state
    const o2c::Value& v = g.values[g.train_state[i].value];
    Tensor t(v.dtype, v.shape);
    std::copy_n(bytes.data() + l.offsets[i], t.bytes.size(), reinterpret_cast<char*>(t.bytes.data()));
    trained.emplace(v.name, std::move(t));
  }
  onnx::ModelProto m = load_model(model_path);
  size_t replaced = 0;
  for (auto& init : *m.mutable_graph()->mutable_initializer()) {
    auto it = trained.find(init.name());
    if (it == trained.end()) continue;
    init = tensor_to_proto(it->second, init.name());
    ++replaced;
  }
  if (replaced != trained.size()) throw CompileError(model_path + ": some trained parameters are not initializers of its main graph");
  std::ofstream f(out, std::ios::binary);
  if (!f || !m.SerializeToOstream(&f)) throw CompileError("cannot write " + out);
}

}  // namespace o2c
