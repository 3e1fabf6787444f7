// The gradients of LSTM, GRU and RNN (ops/rnn_grad.cpp: the layer recomputed from ONNX ops,
// then backpropagated) against central differences of the recurrent kernel itself, over
// directions, layouts, biases, initial states, peepholes, clip, coupled gates, both GRU
// resets and other gate functions; and once in generated code.
#include <catch2/catch.hpp>

#include "gradcheck.hpp"

using namespace o2c;
using namespace o2c::test;

namespace {

struct Layer {
  std::string op = "LSTM";
  int64_t seq = 3, batch = 2, input = 3, hidden = 2;
  std::string direction = "forward";
  int64_t layout = 0;
  bool bias = true, initial = true, peepholes = false;
  float clip = 0;
  bool input_forget = false;
  int64_t linear_before_reset = -1;  // GRU: unset when < 0
  std::vector<std::string> activations;
  std::vector<float> alphas, betas;

  int64_t dirs() const { return direction == "bidirectional" ? 2 : 1; }
  int64_t gates() const { return op == "LSTM" ? 4 : op == "GRU" ? 3 : 1; }
  bool lstm() const { return op == "LSTM"; }
  std::vector<int64_t> state() const { return layout ? std::vector<int64_t>{batch, dirs(), hidden} : std::vector<int64_t>{dirs(), batch, hidden}; }

  // y: every output of the layer flattened and concatenated (so that one loss reaches all).
  std::function<void(ModelBuilder&)> nodes() const {
    const Layer l = *this;
    return [l](ModelBuilder& b) {
      std::vector<std::string> ins = {"x", "w", "r", l.bias ? "b" : "", "", l.initial ? "h0" : ""};
      if (l.lstm()) ins.insert(ins.end(), {l.initial ? "c0" : "", l.peepholes ? "p" : ""});
      while (!ins.empty() && ins.back().empty()) ins.pop_back();
      std::vector<std::string> outs = {"Y", "Yh"};
      if (l.lstm()) outs.push_back("Yc");
      auto& n = b.node(l.op, ins, outs);
      ModelBuilder::attr_i(n, "hidden_size", l.hidden);
      ModelBuilder::attr_s(n, "direction", l.direction);
      if (l.layout) ModelBuilder::attr_i(n, "layout", l.layout);
      if (l.clip > 0) ModelBuilder::attr_f(n, "clip", l.clip);
      if (l.input_forget) ModelBuilder::attr_i(n, "input_forget", 1);
      if (l.linear_before_reset >= 0) ModelBuilder::attr_i(n, "linear_before_reset", l.linear_before_reset);
      if (!l.activations.empty()) {
        auto* a = n.add_attribute();
        a->set_name("activations");
        a->set_type(onnx::AttributeProto::STRINGS);
        for (const auto& s : l.activations) a->add_strings(s);
      }
      for (const auto& [name, v] : {std::pair{"activation_alpha", l.alphas}, std::pair{"activation_beta", l.betas}}) {
        if (v.empty()) continue;
        auto* a = n.add_attribute();
        a->set_name(name);
        a->set_type(onnx::AttributeProto::FLOATS);
        for (float f : v) a->add_floats(f);
      }
      b.init_i("flat", {1}, {-1});
      std::vector<std::string> flat;
      for (const auto& o : outs) {
        b.node("Reshape", {o, "flat"}, {o + "_flat"});
        flat.push_back(o + "_flat");
      }
      ModelBuilder::attr_i(b.node("Concat", flat, {"y"}), "axis", 0);
    };
  }
  std::vector<GradInput> inputs() const {
    const int64_t D = dirs(), G = gates() * hidden;
    std::vector<GradInput> v = {grad_in("x", layout ? std::vector<int64_t>{batch, seq, input} : std::vector<int64_t>{seq, batch, input}, 1),
                                grad_in("w", {D, G, input}, 2), grad_in("r", {D, G, hidden}, 3)};
    if (bias) v.push_back(grad_in("b", {D, 2 * G}, 4));
    if (initial) v.push_back(grad_in("h0", state(), 5));
    if (initial && lstm()) v.push_back(grad_in("c0", state(), 6));
    if (peepholes) v.push_back(grad_in("p", {D, 3 * hidden}, 7));
    return v;
  }
};

}  // namespace

TEST_CASE("Gradients of LSTM: directions, layouts, peepholes, clip, coupled gates, no bias or states", "[gradients]") {
  Layer l;
  check_grad(gradcheck(l.nodes(), l.inputs(), 14));
  l.peepholes = true;
  l.direction = "reverse";
  check_grad(gradcheck(l.nodes(), l.inputs(), 14));
  l.direction = "bidirectional";
  l.layout = 1;
  check_grad(gradcheck(l.nodes(), l.inputs(), 14));
  l.clip = 0.6f;  // some gate inputs beyond it, some within
  l.input_forget = true;
  l.bias = l.initial = false;
  check_grad(gradcheck(l.nodes(), l.inputs(), 14));
}

TEST_CASE("Gradients of GRU (both resets) and RNN, and other gate functions", "[gradients]") {
  Layer g;
  g.op = "GRU";
  for (int64_t lbr : {0, 1}) {
    g.linear_before_reset = lbr;
    g.direction = "bidirectional";
    check_grad(gradcheck(g.nodes(), g.inputs(), 14));
    g.direction = "reverse";
    g.layout = 1;
    g.initial = false;
    check_grad(gradcheck(g.nodes(), g.inputs(), 14));
    g.layout = 0;
    g.initial = true;
  }
  g.activations = {"HardSigmoid", "ScaledTanh"};
  g.alphas = {0.3f, 1.5f};
  g.betas = {0.4f, 0.7f};
  check_grad(gradcheck(g.nodes(), g.inputs(), 14));
  Layer r;
  r.op = "RNN";
  r.direction = "bidirectional";
  check_grad(gradcheck(r.nodes(), r.inputs(), 14));
  r.activations = {"Affine", "LeakyRelu"};
  r.alphas = {0.8f, 0.2f};
  r.betas = {0.1f};
  check_grad(gradcheck(r.nodes(), r.inputs(), 14));
  Layer lstm;
  lstm.activations = {"Sigmoid", "Elu", "Softplus"};
  check_grad(gradcheck(lstm.nodes(), lstm.inputs(), 14));
}

TEST_CASE("Recurrent gradients refuse sequence_lens and gate functions without a rule, naming them", "[gradients]") {
  Layer l;
  l.activations = {"Sigmoid", "Softsign", "Tanh"};
  CHECK_THAT(gradcheck(l.nodes(), l.inputs(), 14).error, Catch::Contains("activation ThresholdedRelu or Softsign"));
  const GradCheck r = gradcheck(
      [](ModelBuilder& b) {
        auto* lens = b.m.mutable_graph()->add_initializer();  // int32, as the spec has it
        lens->set_name("lens");
        lens->set_data_type(6);
        lens->add_dims(2);
        lens->add_int32_data(3);
        lens->add_int32_data(2);
        ModelBuilder::attr_i(b.node("RNN", {"x", "w", "r", "", "lens"}, {"y"}), "hidden_size", 2);
      },
      {grad_in("x", {3, 2, 3}, 1), grad_in("w", {1, 2, 3}, 2), grad_in("r", {1, 2, 2}, 3)}, 14);
  CHECK_THAT(r.error, Catch::Contains("sequence_lens"));
}

TEST_CASE("The recurrent gradients run in generated code", "[gradients][build]") {
  Layer l;
  l.peepholes = true;
  l.direction = "bidirectional";
  check_generated(l.nodes(), l.inputs(), 14, 1e-4, 1e-5);
  Layer g;
  g.op = "GRU";
  g.linear_before_reset = 0;
  g.layout = 1;
  check_generated(g.nodes(), g.inputs(), 14, 1e-4, 1e-5);
}
