// Recurrent layers: LSTM, GRU and RNN (templates/rnn.hpp). One kernel runs all three: the
// input projection of every step is one GEMM, each step one more with R (two for GRU with
// linear_before_reset = 0); gates, state and outputs live in arena scratch sized here.
#include <cctype>

#include "ops/helpers.hpp"

namespace o2c {
namespace {

k::RnnCell cell_of(const OpCtx& c) {
  if (c.node().op == "LSTM") return k::RnnCell::LSTM;
  if (c.node().op == "GRU") return k::RnnCell::GRU;
  return k::RnnCell::RNN;
}

struct ActDef {
  const char* name;  // lower case
  k::RnnActKind kind;
  int nalpha, nbeta;
  float alpha, beta;  // defaults
};
const ActDef kActs[] = {
    {"sigmoid", k::RnnActKind::Sigmoid, 0, 0, 0.f, 0.f},
    {"tanh", k::RnnActKind::Tanh, 0, 0, 0.f, 0.f},
    {"relu", k::RnnActKind::Relu, 0, 0, 0.f, 0.f},
    {"affine", k::RnnActKind::Affine, 1, 1, 1.f, 0.f},
    {"leakyrelu", k::RnnActKind::LeakyRelu, 1, 0, 0.01f, 0.f},
    {"thresholdedrelu", k::RnnActKind::ThresholdedRelu, 1, 0, 1.f, 0.f},
    {"scaledtanh", k::RnnActKind::ScaledTanh, 1, 1, 1.f, 1.f},
    {"hardsigmoid", k::RnnActKind::HardSigmoid, 1, 1, 0.2f, 0.5f},
    {"elu", k::RnnActKind::Elu, 1, 0, 1.f, 0.f},
    {"softsign", k::RnnActKind::Softsign, 0, 0, 0.f, 0.f},
    {"softplus", k::RnnActKind::Softplus, 0, 0, 0.f, 0.f},
};
const char* kActNames[] = {"Sigmoid",  "Tanh",        "Relu", "Affine",   "LeakyRelu", "ThresholdedRelu",
                           "ScaledTanh", "HardSigmoid", "Elu",  "Softsign", "Softplus"};

struct RnnShapes {
  k::RnnParams p;
  Shape y, yh;
};

RnnShapes rnn_params(OpCtx& c) {
  RnnShapes r;
  k::RnnParams& p = r.p;
  p = k::RnnParams{};
  p.cell = cell_of(c);
  const Shape& x = c.shape(0);
  if (x.size() != 3) c.fail("X must have rank 3, got " + shape_str(x));
  p.layout = static_cast<int>(c.i("layout", 0));
  if (p.layout != 0 && p.layout != 1) c.fail("layout must be 0 or 1");
  p.seq = p.layout ? x[1] : x[0];
  p.batch = p.layout ? x[0] : x[1];
  p.input = x[2];
  const std::string dir = c.s("direction", "forward");
  if (dir == "forward" || dir == "reverse") p.dirs = 1;
  else if (dir == "bidirectional") p.dirs = 2;
  else c.fail("unknown direction " + quote_name(dir));
  p.reverse = dir == "reverse";
  const int64_t ng = k::rnn_gates(p);
  const Shape& w = c.shape(1);
  const Shape& rr = c.shape(2);
  if (rr.size() != 3) c.fail("R must have rank 3, got " + shape_str(rr));
  p.hidden = c.i("hidden_size", rr[2]);
  const int64_t H = p.hidden, G = ng * H, D = p.dirs;
  if (w != Shape{D, G, p.input}) c.fail("W must have shape " + shape_str({D, G, p.input}) + ", got " + shape_str(w));
  if (rr != Shape{D, G, H}) c.fail("R must have shape " + shape_str({D, G, H}) + ", got " + shape_str(rr));
  if (c.has_in(3) && c.shape(3) != Shape{D, 2 * G})
    c.fail("B must have shape " + shape_str({D, 2 * G}) + ", got " + shape_str(c.shape(3)));
  if (c.has_in(4)) {
    c.expect_type(4, {DType::Int32});
    if (c.shape(4) != Shape{p.batch}) c.fail("sequence_lens must have shape [" + std::to_string(p.batch) + "]");
  }
  const Shape hs = p.layout ? Shape{p.batch, D, H} : Shape{D, p.batch, H};
  if (c.has_in(5) && c.shape(5) != hs) c.fail("initial_h must have shape " + shape_str(hs));
  if (p.cell == k::RnnCell::LSTM) {
    if (c.has_in(6) && c.shape(6) != hs) c.fail("initial_c must have shape " + shape_str(hs));
    if (c.has_in(7) && c.shape(7) != Shape{D, 3 * H}) c.fail("P must have shape " + shape_str({D, 3 * H}));
  }
  p.clip = c.has("clip") ? c.f("clip", 0.f) : 0.f;
  if (c.has("clip") && !(p.clip > 0.f)) c.fail("clip must be positive");
  p.input_forget = c.i("input_forget", 0) != 0;
  p.linear_before_reset = c.i("linear_before_reset", 0) != 0;

  // Activations: per direction f g h / f g / f, with alpha and beta consumed in order.
  const int na = k::rnn_acts(p);
  std::vector<std::string> names;
  if (c.has("activations")) {
    names = c.strings("activations");
  } else {
    const char* defs[3] = {"Sigmoid", "Tanh", "Tanh"};
    if (p.cell == k::RnnCell::RNN) defs[0] = "Tanh";
    for (int d = 0; d < D; ++d)
      for (int i = 0; i < na; ++i) names.push_back(defs[i]);
  }
  if (static_cast<int64_t>(names.size()) == na && D == 2) names.insert(names.end(), names.begin(), names.end());
  if (static_cast<int64_t>(names.size()) != na * D)
    c.fail("activations must list " + std::to_string(na * D) + " functions, got " + std::to_string(names.size()));
  const std::vector<float> alphas = c.floats("activation_alpha"), betas = c.floats("activation_beta");
  size_t ia = 0, ib = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    std::string low;
    for (char ch : names[i]) low += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    const ActDef* def = nullptr;
    for (const ActDef& a : kActs)
      if (low == a.name) def = &a;
    if (!def) c.unsupported("activation " + quote_name(names[i]));
    k::RnnAct act{def->kind, def->alpha, def->beta};
    if (def->nalpha && ia < alphas.size()) act.alpha = alphas[ia++];
    if (def->nbeta && ib < betas.size()) act.beta = betas[ib++];
    p.act[i] = act;
  }
  r.y = p.layout ? Shape{p.batch, p.seq, D, H} : Shape{p.seq, D, p.batch, H};
  r.yh = hs;
  return r;
}

void infer_rnn(OpCtx& c) {
  const k::RnnCell cell = cell_of(c);
  const bool lstm = cell == k::RnnCell::LSTM;
  c.arity(3, lstm ? 8 : 6, 0, lstm ? 3 : 2);
  c.expect_type(0, {DType::Float, DType::Double});
  for (size_t i : {1, 2, 3, 5, 6, 7})
    if (c.has_in(i) && (lstm || i < 6)) c.same_type(0, i);
  RnnShapes r = rnn_params(c);
  c.set_out(0, c.dtype(0), r.y);
  c.set_out(1, c.dtype(0), r.yh);
  if (lstm) c.set_out(2, c.dtype(0), r.yh);
  c.node().scratch_bytes = k::rnn_scratch(r.p) * static_cast<int64_t>(dtype_size(c.dtype(0)));
}

std::string act_code(const k::RnnAct& a) {
  return "{k::RnnActKind::" + std::string(kActNames[static_cast<int>(a.kind)]) + ", " + lit_f32(a.alpha) + ", " +
         lit_f32(a.beta) + "}";
}

std::string params_code(const k::RnnParams& p) {
  static const char* cells[] = {"RNN", "GRU", "LSTM"};
  std::string acts;
  for (int i = 0; i < 6; ++i) {
    if (i) acts += ", ";
    acts += i < k::rnn_acts(p) * p.dirs ? act_code(p.act[i]) : "{k::RnnActKind::Sigmoid, 0.0f, 0.0f}";
  }
  auto b = [](bool v) { return std::string(v ? "true" : "false"); };
  return "k::RnnParams{k::RnnCell::" + std::string(cells[static_cast<int>(p.cell)]) + ", " + lit(p.seq) + ", " +
         lit(p.batch) + ", " + lit(p.input) + ", " + lit(p.hidden) + ", " + std::to_string(p.dirs) + ", " +
         b(p.reverse) + ", " + std::to_string(p.layout) + ", " + lit_f32(p.clip) + ", " + b(p.input_forget) +
         ", " + b(p.linear_before_reset) + ", {" + acts + "}}";
}

void emit_rnn(EmitCtx& c) {
  RnnShapes r = rnn_params(c);
  const bool lstm = r.p.cell == k::RnnCell::LSTM;
  auto in = [&](size_t i) { return c.has_in(i) ? c.X(i) : std::string("nullptr"); };
  auto out = [&](size_t i) { return c.has_out(i) ? c.Y(i) : std::string("nullptr"); };
  // A constant R for one sequence: transposed here for the recurrent product's GEMV. A
  // constant W: transposed here for the input projection on the panel microkernel.
  std::string rt, wt;
  if (k::rnn_uses_rt(r.p) && c.const_in(2)) {
    const Tensor& R = *c.const_in(2);
    rt = rearranged_table(c, R, k::rnn_rt_size(r.p), [&](const auto* src, auto* dst) { k::rnn_transpose_r(src, dst, r.p); });
  }
  if (c.const_in(1)) {
    const Tensor& W = *c.const_in(1);
    wt = rearranged_table(c, W, W.numel(), [&](const auto* src, auto* dst) { k::rnn_transpose_w(src, dst, r.p); });
  }
  std::string tables;
  if (!rt.empty() || !wt.empty()) tables = ", " + (rt.empty() ? "nullptr" : rt) + (wt.empty() ? "" : ", " + wt);
  c.line("k::rnn<" + c.T(0) + ">(" + c.X(0) + ", " + (wt.empty() ? c.X(1) : "nullptr") + ", " +
         (rt.empty() ? c.X(2) : "nullptr") + ", " + in(3) + ", " + in(4) + ", " + in(5) + ", " +
         (lstm ? in(6) : "nullptr") + ", " + (lstm ? in(7) : "nullptr") + ", " + out(0) + ", " + out(1) + ", " +
         (lstm ? out(2) : "nullptr") + ", " + params_code(r.p) + ", " + c.scratch(c.dtype(0)) + tables + ");");
}

void eval_rnn(OpCtx& c) {
  RnnShapes r = rnn_params(c);
  const bool lstm = r.p.cell == k::RnnCell::LSTM;
  const size_t nout = lstm ? 3 : 2;
  std::vector<Tensor> outs(nout);
  for (size_t i = 0; i < nout; ++i)
    if (c.has_out(i)) outs[i] = out_tensor(c, i);
  dispatch_float(c.dtype(0), [&](auto tag) {
    using T = decltype(tag);
    auto in = [&](size_t i) -> const T* {
      if (!c.has_in(i) || (!lstm && i >= 6)) return nullptr;
      return c.const_in(i)->data<T>();
    };
    auto out = [&](size_t i) -> T* { return i < nout && c.has_out(i) ? outs[i].data<T>() : nullptr; };
    std::vector<T, Eigen::aligned_allocator<T>> work(static_cast<size_t>(k::rnn_scratch(r.p)) + 16);
    const int32_t* lens = c.has_in(4) ? c.const_in(4)->data<int32_t>() : nullptr;
    k::rnn<T>(in(0), in(1), in(2), in(3), lens, in(5), in(6), in(7), out(0), out(1), out(2), r.p, work.data());
  });
  for (size_t i = 0; i < nout; ++i)
    if (c.has_out(i)) c.set_const(i, std::move(outs[i]));
}

}  // namespace

O2C_DEFINE_OP(LSTM, infer_rnn, emit_rnn, eval_rnn);
O2C_DEFINE_OP(GRU, infer_rnn, emit_rnn, eval_rnn);
O2C_DEFINE_OP(RNN, infer_rnn, emit_rnn, eval_rnn);

}  // namespace o2c
