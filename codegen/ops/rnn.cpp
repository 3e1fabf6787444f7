// Recurrent layers: LSTM, GRU and RNN (templates/rnn.hpp). One kernel runs all three: the
// input projection of every step is one GEMM, each step one more with R (two for GRU with
// linear_before_reset = 0); gates, state and outputs live in arena scratch sized here.
// Their gradients: ops/rnn_grad.cpp.
#include <cctype>

#include "ops/elementwise.hpp"
#include "ops/helpers.hpp"
#include "ops/rnn_grad.hpp"

namespace o2c {
namespace {

k::RnnCell cell_of(const OpCtx& c) {
  if (c.node().op == "LSTM") return k::RnnCell::LSTM;
  if (c.node().op == "GRU") return k::RnnCell::GRU;
  return k::RnnCell::RNN;
}

// The gate functions the spec lists, with their parameters' defaults (those of the ops of
// the same names; Affine and ScaledTanh exist only here).
struct ActDef {
  const char* name;  // lower case
  int kind;          // k::Act::Kind
  int nalpha, nbeta;
  float alpha, beta;
};
const ActDef kActs[] = {
    {"sigmoid", k::Act::Sigmoid, 0, 0, 0.f, 0.f},
    {"tanh", k::Act::Tanh, 0, 0, 0.f, 0.f},
    {"relu", k::Act::Relu, 0, 0, 0.f, 0.f},
    {"affine", k::Act::Affine, 1, 1, 1.f, 0.f},
    {"leakyrelu", k::Act::LeakyRelu, 1, 0, LeakyReluAttrs{}.alpha, 0.f},
    {"thresholdedrelu", k::Act::ThresholdedRelu, 1, 0, ThresholdedReluAttrs{}.alpha, 0.f},
    {"scaledtanh", k::Act::ScaledTanh, 1, 1, 1.f, 1.f},
    {"hardsigmoid", k::Act::HardSigmoid, 1, 1, HardSigmoidAttrs{}.alpha, HardSigmoidAttrs{}.beta},
    {"elu", k::Act::Elu, 1, 0, EluAttrs{}.alpha, 0.f},
    {"softsign", k::Act::Softsign, 0, 0, 0.f, 0.f},
    {"softplus", k::Act::Softplus, 0, 0, 0.f, 0.f},
};

// The attributes of the three ops. output_sequence (before version 7) only says whether Y
// may be omitted: Y is computed when the node has it.
enum { kForward, kReverse, kBidirectional };
struct RnnAttrs {
  std::vector<float> activation_alpha, activation_beta;
  std::vector<std::string> activations;  // default: the cell's (set by rnn_params)
  bool has_activations = false;
  float clip = 0;  // none
  bool has_clip = false;
  int direction = kForward;
  int64_t hidden_size = 0;  // default: R's
  bool has_hidden_size = false;
  bool input_forget = false;         // LSTM
  bool linear_before_reset = false;  // GRU from version 3
  int layout = 0;                    // from version 14
  bool output_sequence = false;      // before version 7
  template <class V>
  void common(V& v) {
    v("activation_alpha", activation_alpha);
    v("activation_beta", activation_beta);
    has_activations = v.has("activations");
    v("activations", activations);
    has_clip = v.has("clip");
    v("clip", clip);
    v("direction", direction, {"forward", "reverse", "bidirectional"});
    has_hidden_size = v.has("hidden_size");
    v("hidden_size", hidden_size);
    if (v.version >= 14) v("layout", layout);
    if (v.version < 7) v("output_sequence", output_sequence);
  }
};
struct RNNAttrs : RnnAttrs {
  template <class V>
  void fields(V& v) { common(v); }
};
struct GRUAttrs : RnnAttrs {
  template <class V>
  void fields(V& v) {
    common(v);
    if (v.version >= 3) v("linear_before_reset", linear_before_reset);
  }
};
struct LSTMAttrs : RnnAttrs {
  template <class V>
  void fields(V& v) {
    common(v);
    v("input_forget", input_forget);
  }
};

RnnAttrs rnn_attrs(OpCtx& c) {
  switch (cell_of(c)) {
    case k::RnnCell::LSTM: return c.attrs<LSTMAttrs>();
    case k::RnnCell::GRU: return c.attrs<GRUAttrs>();
    default: return c.attrs<RNNAttrs>();
  }
}

struct RnnShapes {
  k::RnnParams p;
  Shape y, yh;
};

RnnShapes rnn_params(OpCtx& c) {
  RnnShapes r;
  k::RnnParams& p = r.p;
  p = k::RnnParams{};
  p.cell = cell_of(c);
  const RnnAttrs a = rnn_attrs(c);
  const Shape& x = c.shape(0);
  if (x.size() != 3) c.fail("X must have rank 3, got " + shape_str(x));
  p.layout = a.layout;
  if (p.layout != 0 && p.layout != 1) c.fail("layout must be 0 or 1");
  p.seq = p.layout ? x[1] : x[0];
  p.batch = p.layout ? x[0] : x[1];
  p.input = x[2];
  p.dirs = a.direction == kBidirectional ? 2 : 1;
  p.reverse = a.direction == kReverse;
  const int64_t ng = k::rnn_gates(p);
  const Shape& w = c.shape(1);
  const Shape& rr = c.shape(2);
  if (rr.size() != 3) c.fail("R must have rank 3, got " + shape_str(rr));
  if (a.has_hidden_size && a.hidden_size != rr[2])  // before any product of it: a hostile value overflows
    c.fail("hidden_size " + std::to_string(a.hidden_size) + " does not match R's shape " + shape_str(rr));
  p.hidden = rr[2];
  const int64_t H = p.hidden, G = ng * H, D = p.dirs;
  if (w != Shape{D, G, p.input}) c.fail("W must have shape " + shape_str({D, G, p.input}) + ", got " + shape_str(w));
  if (rr != Shape{D, G, H}) c.fail("R must have shape " + shape_str({D, G, H}) + ", got " + shape_str(rr));
  if (c.has_in(3) && c.shape(3) != Shape{D, 2 * G})
    c.fail("B must have shape " + shape_str({D, 2 * G}) + ", got " + shape_str(c.shape(3)));
  if (c.has_in(4) && c.shape(4) != Shape{p.batch})
    c.fail("sequence_lens must have shape [" + std::to_string(p.batch) + "]");
  const Shape hs = p.layout ? Shape{p.batch, D, H} : Shape{D, p.batch, H};
  if (c.has_in(5) && c.shape(5) != hs) c.fail("initial_h must have shape " + shape_str(hs));
  if (p.cell == k::RnnCell::LSTM) {
    if (c.has_in(6) && c.shape(6) != hs) c.fail("initial_c must have shape " + shape_str(hs));
    if (c.has_in(7) && c.shape(7) != Shape{D, 3 * H}) c.fail("P must have shape " + shape_str({D, 3 * H}));
  }
  p.clip = a.has_clip ? a.clip : 0.f;
  if (a.has_clip && !(p.clip > 0.f)) c.fail("clip must be positive");
  p.input_forget = a.input_forget;
  p.linear_before_reset = a.linear_before_reset;

  // Activations: per direction f g h / f g / f, with alpha and beta consumed in order.
  const int na = k::rnn_acts(p);
  std::vector<std::string> names;
  if (a.has_activations) {
    names = a.activations;
  } else {
    const char* defs[3] = {"Sigmoid", "Tanh", "Tanh"};
    if (p.cell == k::RnnCell::RNN) defs[0] = "Tanh";
    for (int d = 0; d < D; ++d)
      for (int i = 0; i < na; ++i) names.push_back(defs[i]);
  }
  if (static_cast<int64_t>(names.size()) == na && D == 2) names.insert(names.end(), names.begin(), names.end());
  if (static_cast<int64_t>(names.size()) != na * D)
    c.fail("activations must list " + std::to_string(na * D) + " functions, got " + std::to_string(names.size()));
  const std::vector<float>& alphas = a.activation_alpha;
  const std::vector<float>& betas = a.activation_beta;
  size_t ia = 0, ib = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    std::string low;
    for (char ch : names[i]) low += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    const ActDef* def = nullptr;
    for (const ActDef& a : kActs)
      if (low == a.name) def = &a;
    if (!def) c.unsupported("activation " + quote_name(names[i]));
    k::Act act{def->kind, def->alpha, def->beta};
    if (def->nalpha && ia < alphas.size()) act.alpha = alphas[ia++];
    if (def->nbeta && ib < betas.size()) act.beta = betas[ib++];
    p.act[i] = act;
  }
  r.y = p.layout ? Shape{p.batch, p.seq, D, H} : Shape{p.seq, D, p.batch, H};
  r.yh = hs;
  return r;
}

void infer_rnn(OpCtx& c) {
  const bool lstm = cell_of(c) == k::RnnCell::LSTM;
  RnnShapes r = rnn_params(c);
  c.set_out(0, c.dtype(0), r.y);
  c.set_out(1, c.dtype(0), r.yh);
  if (lstm) c.set_out(2, c.dtype(0), r.yh);
  c.set_scratch(k::rnn_scratch(r.p) * static_cast<int64_t>(dtype_size(c.dtype(0))));
}

std::string params_code(const k::RnnParams& p) {
  static const char* cells[] = {"RNN", "GRU", "LSTM"};
  std::string acts;
  for (int i = 0; i < 6; ++i) {
    if (i) acts += ", ";
    acts += code(i < k::rnn_acts(p) * p.dirs ? p.act[i] : k::Act{k::Act::None, 0.0f, 0.0f}).substr(std::string("k::Act").size());
  }
  auto b = [](bool v) { return std::string(v ? "true" : "false"); };
  return "k::RnnParams{k::RnnCell::" + std::string(cells[static_cast<int>(p.cell)]) + ", " + lit(p.seq) + ", " +
         lit(p.batch) + ", " + lit(p.input) + ", " + lit(p.hidden) + ", " + std::to_string(p.dirs) + ", " +
         b(p.reverse) + ", " + std::to_string(p.layout) + ", " + lit_f32(p.clip) + ", " + b(p.input_forget) +
         ", " + b(p.linear_before_reset) + ", {" + acts + "}}";
}

void lower_rnn(LowerCtx& c) {
  const RnnShapes r = rnn_params(c);
  const bool lstm = r.p.cell == k::RnnCell::LSTM;
  // A constant R for one sequence: transposed here for the recurrent product's GEMV. A
  // constant W: transposed here for the input projection on the panel microkernel.
  Arg rt, wt;
  if (k::rnn_uses_rt(r.p) && c.const_in(2))
    rt = rearranged_table(c, *c.const_in(2), k::rnn_rt_size(r.p), [&](const auto* src, auto* dst) { k::rnn_transpose_r(src, dst, r.p); });
  if (c.const_in(1))
    wt = rearranged_table(c, *c.const_in(1), c.const_in(1)->numel(), [&](const auto* src, auto* dst) { k::rnn_transpose_w(src, dst, r.p); });
  std::vector<Arg> args = {c.X(0), wt.kind == Arg::Kind::Null ? c.X(1) : Arg{}, rt.kind == Arg::Kind::Null ? c.X(2) : Arg{},
                           c.X(3), c.X(4), c.X(5), lstm ? c.X(6) : Arg{}, lstm ? c.X(7) : Arg{}, c.Y(0), c.Y(1),
                           lstm ? c.Y(2) : Arg{}, object(r.p, params_code(r.p)), c.scratch(c.dtype(0))};
  if (rt.kind != Arg::Kind::Null || wt.kind != Arg::Kind::Null) {
    args.push_back(rt);
    if (wt.kind != Arg::Kind::Null) args.push_back(wt);
  }
  c.call("rnn", {type_arg(c.dtype(0))}, args);
}

// Through the layer recomputed from ONNX ops (ops/rnn_grad.cpp).
void grad_rnn(GradCtx& c) { grad_rnn_unrolled(c, rnn_params(c).p); }

}  // namespace

O2C_DEFINE_OP(LSTM, infer_rnn, lower_rnn, false, false, grad_rnn);
O2C_DEFINE_OP(GRU, infer_rnn, lower_rnn, false, false, grad_rnn);
O2C_DEFINE_OP(RNN, infer_rnn, lower_rnn, false, false, grad_rnn);

}  // namespace o2c
