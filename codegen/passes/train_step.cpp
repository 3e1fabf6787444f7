// The training step: a loss on one output of the model, its gradients with respect to the
// parameters (passes/backward.cpp: backpropagate), and with an optimizer the parameters'
// updates, all appended to the graph through the rewrite API. The loss's own gradient (the
// seed) is written in closed form, as PyTorch's loss modules define it.
#include <algorithm>
#include <regex>
#include <set>

#include "ops/registry.hpp"
#include "ops/training.hpp"
#include "passes/passes.hpp"

namespace o2c {

namespace {

int add_node(Graph& g, const std::string& op, std::vector<int> ins, Attrs attrs, const std::string& name) {
  return add_inferred_node(g, op, std::move(ins), std::move(attrs), name)[0];
}

// A graph output named `name` that is (a view of) v.
int add_output(Graph& g, int v, const std::string& name) {
  const int out = add_node(g, "Identity", {v}, {}, name);
  g.values[out].is_output = true;
  g.outputs.push_back(out);
  return out;
}

// A new graph input of type t and shape s.
int add_input(Graph& g, const std::string& name, DType t, const Shape& s) {
  if (g.find(name) >= 0) throw CompileError("training: the model already has a value named " + quote_name(name));
  const int v = g.add_value(name);
  Value& val = g.values[v];
  val.dtype = t;
  val.shape = s;
  val.typed = true;
  val.is_input = true;
  g.inputs.push_back(v);
  return v;
}

int scalar(Graph& g, const std::string& name, DType t, double x) {
  Tensor s(t, {});
  if (t == DType::Float) s.data<float>()[0] = static_cast<float>(x);
  else s.data<double>()[0] = x;
  return g.add_constant(name, std::move(s));
}

int ints(Graph& g, const std::string& name, const std::vector<int64_t>& v) {
  Tensor t(DType::Int64, {static_cast<int64_t>(v.size())});
  std::copy(v.begin(), v.end(), t.data<int64_t>());
  return g.add_constant(name, std::move(t));
}

// Inputs that hold no parameter in PyTorch's sense (statistics, exponents, bounds, class
// weights, resampling scales, pad values): an initializer read only there is not trained by
// default.
bool setting_slot(const Node& n, int slot) {
  if (!n.domain.empty()) return false;
  const std::string& op = n.op;
  return (op == "BatchNormalization" && slot >= 3) || (op == "Pow" && slot == 1) || (op == "Clip" && slot >= 1) ||
         ((op == "SoftmaxCrossEntropyLoss" || op == "NegativeLogLikelihoodLoss") && slot == 2) ||
         (op == "Resize" && slot >= 1) || (op == "Pad" && slot >= 1) || op == "ConstantOfShape" || op == "Range";
}

// A default parameter: a float initializer of rank >= 1 (scalars are a model's constants, such
// as an attention's scale) that some node reads outside a setting slot.
bool default_param(const Graph& g, const Value& v) {
  if (!v.constant || !dtype_is_float(v.dtype) || v.dtype == DType::Float16 || v.dtype == DType::BFloat16 || v.shape.empty())
    return false;
  for (const Use& u : v.readers)
    if (u.slot >= 0 && !setting_slot(g.nodes[u.node], u.slot)) return true;
  return false;
}

// The parameters: the named ones, or the default ones (default_param); then those the
// train/freeze patterns keep. Ordered by value id (the model's initializer order).
std::vector<int> select_params(const Graph& g, const BackwardOptions& opt, bool constants) {
  std::set<int> params;
  for (const std::string& p : opt.params) {
    const int v = g.find(p);
    if (v < 0 || (constants && !g.values[v].constant))
      throw CompileError("training: " + quote_name(p) + " is not a parameter (an initializer) of the model");
    params.insert(v);
  }
  if (opt.params.empty())
    for (size_t v = 0; v < g.values.size(); ++v)
      if (default_param(g, g.values[v])) params.insert(static_cast<int>(v));
  std::vector<int> kept;
  const std::regex train(opt.train_regex.empty() ? ".*" : opt.train_regex);
  const std::regex freeze(opt.freeze_regex.empty() ? "(?!)" : opt.freeze_regex);
  for (int v : params) {
    const std::string& n = g.values[v].name;
    if (std::regex_search(n, train) && !std::regex_search(n, freeze)) kept.push_back(v);
  }
  if (kept.empty()) throw CompileError("training: no parameter to train (check --train and --freeze-params)");
  return kept;
}

struct Loss {
  int loss = -1;  // the scalar loss
  int seed = -1;  // d loss / d output
};

// The loss of output y against a new input "<output>_target", reduced by mean (over the
// elements, or for cross entropy over the batch) or sum, as torch.nn's loss modules.
Loss add_loss(Graph& g, int y, const BackwardOptions& opt) {
  const Value yv = g.values[y];
  const DType t = yv.dtype;
  if (t != DType::Float && t != DType::Double) throw UnsupportedError("training: the loss needs a float output, " + quote_name(opt.output) + " is " + dtype_name(t));
  if (yv.dynamic()) throw UnsupportedError("training: the output " + quote_name(opt.output) + " has run-time dims");
  if (opt.reduction != "mean" && opt.reduction != "sum") throw CompileError("training: reduction must be mean or sum, got " + quote_name(opt.reduction));
  const bool mean = opt.reduction == "mean";
  const std::string& l = opt.loss;
  const std::string tname = opt.output + "_target";
  auto sum_all = [&](int v, const std::string& name) { return add_node(g, "ReduceSum", {v}, {{"keepdims", Attr::of(int64_t{0})}}, name); };
  auto scaled = [&](int v, double s, const std::string& name) {
    return s == 1.0 ? v : add_node(g, "Mul", {v, scalar(g, name + "/scale", t, s)}, {}, name);
  };
  Loss r;
  if (l == "graph") {  // the model's own loss: d loss / d loss = 1
    if (numel(yv.shape) != 1)
      throw UnsupportedError("training: --loss graph needs a scalar output, " + quote_name(opt.output) + " is " + shape_str(yv.shape));
    Tensor one(t, yv.shape);
    if (t == DType::Float) one.data<float>()[0] = 1.0f;
    else one.data<double>()[0] = 1.0;
    r.loss = y;
    r.seed = g.add_constant("loss/seed", std::move(one));
    return r;
  }
  if (l == "mse" || l == "l1" || l == "bce_with_logits") {
    const int target = add_input(g, tname, t, yv.shape);
    const double s = mean ? 1.0 / static_cast<double>(std::max<int64_t>(numel(yv.shape), 1)) : 1.0;
    int per = -1, dper = -1;  // the elementwise loss and its derivative
    if (l == "mse") {
      const int d = add_node(g, "Sub", {y, target}, {}, "loss/diff");
      per = add_node(g, "Mul", {d, d}, {}, "loss/square");
      dper = add_node(g, "Mul", {d, scalar(g, "loss/two", t, 2.0)}, {}, "loss/twice");
    } else if (l == "l1") {
      const int d = add_node(g, "Sub", {y, target}, {}, "loss/diff");
      per = add_node(g, "Abs", {d}, {}, "loss/abs");
      dper = add_node(g, "Sign", {d}, {}, "loss/sign");
    } else {  // max(y, 0) - y t + log(1 + exp(-|y|)); derivative sigmoid(y) - t
      const int pos = add_node(g, "Relu", {y}, {}, "loss/relu");
      const int yt = add_node(g, "Mul", {y, target}, {}, "loss/yt");
      const int sp = add_node(g, "Softplus", {add_node(g, "Neg", {add_node(g, "Abs", {y}, {}, "loss/abs")}, {}, "loss/negabs")}, {}, "loss/softplus");
      per = add_node(g, "Add", {add_node(g, "Sub", {pos, yt}, {}, "loss/sub"), sp}, {}, "loss/elementwise");
      dper = add_node(g, "Sub", {add_node(g, "Sigmoid", {y}, {}, "loss/sigmoid"), target}, {}, "loss/dsigmoid");
    }
    r.loss = scaled(sum_all(per, "loss/sum"), s, "loss/mean");
    r.seed = scaled(dper, s, "loss/grad");
  } else if (l == "cross_entropy") {
    // Scores [N, C], integer classes [N]: the smoothed target q = (1 - e) onehot + e / C,
    // loss = -sum(q log_softmax(y)) (/ N), seed = (softmax(y) - q) (/ N).
    if (yv.shape.size() != 2) throw UnsupportedError("training: cross_entropy takes scores of shape [N, C]; " + quote_name(opt.output) + " has rank " + std::to_string(yv.shape.size()));
    const int64_t n = yv.shape[0], classes = yv.shape[1];
    const double e = opt.label_smoothing;
    if (e < 0 || e > 1) throw CompileError("training: --label-smoothing must be in [0, 1]");
    const int target = add_input(g, tname, DType::Int64, {n});
    Tensor values(t, {2});
    const double off = e / static_cast<double>(classes), on = 1.0 - e + off;
    if (t == DType::Float) {
      values.data<float>()[0] = static_cast<float>(off);
      values.data<float>()[1] = static_cast<float>(on);
    } else {
      values.data<double>()[0] = off;
      values.data<double>()[1] = on;
    }
    const int q = add_node(g, "OneHot", {target, ints(g, "loss/classes", {classes}), g.add_constant("loss/onehot_values", std::move(values))},
                           {{"axis", Attr::of(int64_t{-1})}}, "loss/q");
    const int logp = add_node(g, "LogSoftmax", {y}, {{"axis", Attr::of(int64_t{1})}}, "loss/log_softmax");
    const int s = sum_all(add_node(g, "Mul", {q, logp}, {}, "loss/q_logp"), "loss/sum");
    r.loss = scaled(s, mean ? -1.0 / static_cast<double>(std::max<int64_t>(n, 1)) : -1.0, "loss/mean");
    const int p = add_node(g, "Softmax", {y}, {{"axis", Attr::of(int64_t{1})}}, "loss/softmax");
    r.seed = scaled(add_node(g, "Sub", {p, q}, {}, "loss/p_minus_q"), mean ? 1.0 / static_cast<double>(std::max<int64_t>(n, 1)) : 1.0, "loss/grad");
  } else {
    throw UnsupportedError("training: loss " + quote_name(l) + " (mse, l1, cross_entropy, bce_with_logits)");
  }
  return r;
}

// One optimizer node per parameter; its states become inputs (zeros at first) whose new
// contents are outputs, like the parameter's, recorded in g.train_state.
void add_optimizer(Graph& g, const std::vector<int>& params, const std::vector<int>& grads, const OptimizerOptions& o) {
  const DType t = g.values[params[0]].dtype;
  const int lr = add_input(g, "lr", t, {});
  const int step = add_input(g, "step", DType::Int64, {});
  const bool adam = o.type == "adam" || o.type == "adamw";
  if (!adam && o.type != "sgd") throw UnsupportedError("training: optimizer " + quote_name(o.type) + " (sgd, adam, adamw)");
  if (o.type == "sgd" && o.nesterov && (o.momentum <= 0 || o.dampening != 0))
    throw CompileError("training: nesterov momentum requires a momentum and zero dampening");
  for (size_t i = 0; i < params.size(); ++i) {
    const int p = params[i];
    if (grads[i] < 0) continue;  // the loss does not depend on it
    const Value pv = g.values[p];
    if (pv.dtype != t) throw UnsupportedError("training: parameters of different float types (" + quote_name(pv.name) + ")");
    auto state = [&](const char* what) {
      const int s = add_input(g, pv.name + "/" + what, t, pv.shape);
      g.train_state.push_back({s, -1, nullptr});
      return s;
    };
    std::vector<int> ins = {lr, step, p, grads[i]}, states;
    Attrs a;
    std::string op;
    if (adam) {
      op = "AdamStep";
      states = {state("exp_avg"), state("exp_avg_sq")};
      const double wd = o.weight_decay_set ? o.weight_decay : (o.type == "adamw" ? 0.01 : 0.0);
      a = {{"beta1", Attr::of(static_cast<float>(o.beta1))}, {"beta2", Attr::of(static_cast<float>(o.beta2))},
           {"eps", Attr::of(static_cast<float>(o.eps))}, {"weight_decay", Attr::of(static_cast<float>(wd))},
           {"decoupled", Attr::of(int64_t{o.type == "adamw"})}};
    } else {
      op = "SGDStep";
      if (o.momentum != 0) states = {state("momentum_buffer")};
      a = {{"momentum", Attr::of(static_cast<float>(o.momentum))}, {"dampening", Attr::of(static_cast<float>(o.dampening))},
           {"weight_decay", Attr::of(static_cast<float>(o.weight_decay))}, {"nesterov", Attr::of(int64_t{o.nesterov})}};
    }
    ins.insert(ins.end(), states.begin(), states.end());
    const std::vector<int> outs = add_inferred_node(g, op, ins, a, "optimizer/" + pv.name, 1 + states.size(), "onnx2cpp");
    std::vector<int> olds = {p};
    olds.insert(olds.end(), states.begin(), states.end());
    for (size_t k = 0; k < outs.size(); ++k) {
      const int upd = add_output(g, outs[k], "next/" + g.values[olds[k]].name);
      for (auto& s : g.train_state)
        if (s.value == olds[k]) s.updated = upd;
    }
  }
  // A parameter the loss does not depend on is left out of the step (and of the params struct):
  // a constant again.
  std::vector<Graph::TrainState> kept;
  for (const auto& s : g.train_state) {
    if (s.updated >= 0) {
      kept.push_back(s);
      continue;
    }
    Value& v = g.values[s.value];
    v.constant = std::make_shared<Tensor>(*s.init);
    v.is_input = false;
    g.inputs.erase(std::find(g.inputs.begin(), g.inputs.end(), s.value));
  }
  g.train_state = std::move(kept);
}

// An initializer turned into a graph input the step updates in place.
void make_state(Graph& g, int v, bool buffer) {
  Value& val = g.values[v];
  g.train_state.push_back({v, -1, val.constant, buffer});
  val.constant.reset();
  val.is_input = true;
  g.inputs.push_back(v);
}

// BatchNorms in training mode: the constant running statistics they read.
std::vector<int> running_stats(const Graph& g) {
  std::vector<int> r;
  for (int id : g.order) {
    const Node& n = g.nodes[id];
    if (!batch_norm_training(n) || n.inputs.size() < 5) continue;
    for (size_t slot = 3; slot < 5; ++slot) {
      const int v = n.inputs[slot];
      if (v >= 0 && g.values[v].constant && std::find(r.begin(), r.end(), v) == r.end()) r.push_back(v);
    }
  }
  return r;
}

// Each buffer read by a BatchNorm of `forward` gets the statistics the step leaves as its update.
void add_running_stats(Graph& g, const std::vector<int>& forward) {
  auto state_of = [&](int v) -> Graph::TrainState* {
    for (auto& s : g.train_state)
      if (s.value == v && s.buffer) return &s;
    return nullptr;
  };
  for (int id : forward) {
    const Node& n = g.nodes[id];
    if (!batch_norm_training(n) || n.inputs.size() < 5) continue;
    Graph::TrainState* mean = state_of(n.inputs[3]);
    Graph::TrainState* var = state_of(n.inputs[4]);
    if ((!mean || mean->updated >= 0) && (!var || var->updated >= 0)) continue;  // none, or read by an earlier node
    const auto [new_mean, new_var] = batch_norm_running_stats(g, id);
    if (mean && mean->updated < 0) mean->updated = add_output(g, new_mean, "next/" + g.values[mean->value].name);
    if (var && var->updated < 0) var->updated = add_output(g, new_var, "next/" + g.values[var->value].name);
  }
}

// Dropout in training mode draws its masks from the caller's seed and the step count (input
// "seed", int64 [2]: NAME_train_step passes p->seed and p->step): a new mask every step, the
// same masks for the same seed. Before the backward, whose rule reuses the forward's stream.
void seed_dropouts(Graph& g, const std::vector<int>& forward) {
  int seed = -1;
  for (int id : forward) {
    const Node& n = g.nodes[id];
    if (n.op != "TrainingDropout" || n.domain != "onnx2cpp" || (n.inputs.size() > 3 && n.inputs[3] >= 0)) continue;
    if (seed < 0) seed = add_input(g, "seed", DType::Int64, {2});
    g.set_input(id, 3, seed);
  }
}

}  // namespace

void make_trainable(Graph& g, const BackwardOptions& opt) {
  for (int v : select_params(g, opt, true)) make_state(g, v, false);
  for (int v : running_stats(g))
    if (g.values[v].constant) make_state(g, v, true);  // not also a parameter (--param)
}

void make_eval_on_params(Graph& g, const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    const int v = g.find(name);
    if (v < 0 || !g.values[v].constant) throw CompileError("training: " + quote_name(name) + " is not an initializer of the model");
    Value& val = g.values[v];
    val.constant.reset();
    val.is_input = true;
    g.inputs.push_back(v);
  }
  // As model.eval() runs it: BatchNorm by its running statistics, Dropout off.
  for (int id : g.live_nodes()) {
    Node& n = g.nodes[id];
    if (batch_norm_training(n)) {
      for (size_t i = 1; i < n.outputs.size(); ++i) {
        const int o = n.outputs[i];
        if (o >= 0 && (!g.values[o].readers.empty() || g.values[o].is_output))
          throw UnsupportedError("training: " + g.where(n) + ": its running statistics are read, it cannot run in eval mode");
      }
      if (n.opset >= 14) n.attrs["training_mode"] = Attr::of(int64_t{0});
      g.set_outputs(id, {n.outputs[0]});
    } else if (n.op == "Dropout" && n.domain.empty() && n.inputs.size() > 2) {
      g.set_input(id, 2, -1);
    }
  }
}

void append_backward(Graph& g, const BackwardOptions& opt) {
  const int y = g.find(opt.output);
  if (y < 0 || !g.values[y].is_output) throw CompileError("training: " + quote_name(opt.output) + " is not an output of the model");
  const std::vector<int> forward = g.live_nodes();
  std::vector<int> params;
  if (g.train_state.empty()) {
    params = select_params(g, opt, true);
  } else {
    for (const auto& s : g.train_state)
      if (!s.buffer) params.push_back(s.value);
    // Parameters the model no longer reads after inference (folded away) have no gradient.
  }
  // The step's loss output is named "loss": the model's own, when --loss graph names it so.
  const bool own_loss = opt.loss == "graph" && g.values[y].name == "loss";
  if (!own_loss && g.find("loss") >= 0) throw CompileError("training: the model already has a value named \"loss\" (the step's loss output)");
  if (!opt.optimizer.type.empty()) seed_dropouts(g, forward);
  const Loss loss = add_loss(g, y, opt);
  if (!own_loss) add_output(g, loss.loss, "loss");
  const std::vector<int> grads = backpropagate(g, forward, {{y, loss.seed}}, params, -1);
  if (opt.grads)
    for (size_t i = 0; i < params.size(); ++i)
      if (grads[i] >= 0) add_output(g, grads[i], "grad/" + g.values[params[i]].name);
  if (!opt.optimizer.type.empty()) {
    if (g.train_state.empty()) throw std::logic_error("training: an optimizer without make_trainable");
    add_running_stats(g, forward);
    add_optimizer(g, params, grads, opt.optimizer);
  }
}

}  // namespace o2c
