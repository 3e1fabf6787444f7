// FlexAttention with modifier graphs (score_mod, prob_mod: whole-tensor functions of the
// scores and of the probabilities) becomes, during inference, ordinary nodes with the graphs
// inlined between them, as the spec's function body does:
//   Y = Cast(MatMul(prob_mod(Softmax(score_mod((Q s) (K s)^T))), V)), s = sqrt(scale),
// computed in the softmax precision (Q, K, V cast to it when they are of another type). With
// grouped heads (Hq = r Hkv) Q is viewed as [B, Hkv, r L, E] so that each K/V head serves its
// r query heads without being copied, and the scores and the result are viewed back.
#include "ops/attention.hpp"
#include "passes/inliner.hpp"

namespace o2c {

namespace {

struct Builder {
  Inliner& in;
  std::string prefix;

  int node(const std::string& op, std::vector<int> inputs, const std::string& name, Attrs attrs = {}, int out = -1) {
    Node n;
    n.op = op;
    n.opset = 13;
    n.name = prefix + name;
    n.inputs = std::move(inputs);
    n.attrs = std::move(attrs);
    if (out < 0) out = in.g.add_value(prefix + name);
    else in.g.values[out].typed = false;
    n.outputs = {out};
    in.add(std::move(n));
    return out;
  }
  int cast(int v, DType t, const std::string& name) {
    if (in.g.values[v].dtype == t) return v;
    return node("Cast", {v}, name, {{"to", Attr::of(static_cast<int64_t>(t))}});
  }
  int reshape(int v, const Shape& s, const std::string& name) {
    if (in.g.values[v].shape == s) return v;
    Tensor t(DType::Int64, {static_cast<int64_t>(s.size())});
    for (size_t i = 0; i < s.size(); ++i) t.data<int64_t>()[i] = s[i];
    return node("Reshape", {v, in.constant(prefix + name + "/shape", t)}, name);
  }
  // A modifier graph applied to v (its result checked to keep v's type and shape).
  int modify(int v, const std::shared_ptr<Graph>& body, const char* what) {
    if (!body) return v;
    const int r = in.inline_body(*body, {{body->inputs[0], v}}, "/" + prefix + what).at(0);
    const Value &a = in.g.values[v], &b = in.g.values[r];
    if (b.dtype != a.dtype || b.shape != a.shape)
      throw CompileError(in.g.where(in.at) + ": " + what + " returns " + type_str(b.dtype, b.shape) + ", not " +
                         type_str(a.dtype, a.shape));
    return r;
  }
};

}  // namespace

bool expand_flex_attention(Graph& g, int id, const FoldOptions& opt) {
  Node& n = g.nodes[id];
  if (n.op != "FlexAttention" || n.domain != "ai.onnx.preview" || (!n.attrs.count("score_mod") && !n.attrs.count("prob_mod")))
    return false;
  OpCtx c(g, n);
  const FlexPlan f = flex_attention_plan(c);
  const auto a = c.attrs<FlexAttentionAttrs>();
  const DType t = c.dtype(0), pt = f.precision;
  const int q = n.inputs[0], k = n.inputs[1], v = n.inputs[2], y = n.outputs[0];
  Inliner in{g, opt, id, n};
  Builder b{in, (n.name.empty() ? "FlexAttention" : n.name) + "/"};
  const int64_t r = f.Hq / f.Hkv;
  Tensor st(pt, {});
  if (pt == DType::Double) st.data<double>()[0] = f.sqrt_scale;
  else st.data<float>()[0] = f.sqrt_scale;
  const int s = in.constant(b.prefix + "sqrt_scale", st);
  const int qs = b.node("Mul", {b.cast(q, pt, "Q_cast"), s}, "Q_scaled");
  const int ks = b.node("Mul", {b.cast(k, pt, "K_cast"), s}, "K_scaled");
  const int kt = b.node("Transpose", {ks}, "K_transposed", {{"perm", Attr::of(std::vector<int64_t>{0, 1, 3, 2})}});
  const int qg = b.reshape(qs, {f.B, f.Hkv, r * f.L, f.E}, "Q_grouped");
  const int scores = b.reshape(b.node("MatMul", {qg, kt}, "scores_grouped"), {f.B, f.Hq, f.L, f.S}, "scores");
  const int probs = b.node("Softmax", {b.modify(scores, a.score_mod, "score_mod")}, "probs", {{"axis", Attr::of(int64_t{-1})}});
  const int pg = b.reshape(b.modify(probs, a.prob_mod, "prob_mod"), {f.B, f.Hkv, r * f.L, f.S}, "probs_grouped");
  const int yg = b.node("MatMul", {pg, b.cast(v, pt, "V_cast")}, "Y_grouped");
  // The last node writes the node's output (in its place in the order).
  const int at = g.position(id);
  in.before = at + 1 < static_cast<int>(g.order.size()) ? g.order[static_cast<size_t>(at) + 1] : -1;
  g.erase(id);
  const int yr = b.reshape(yg, {f.B, f.Hq, f.L, f.Ev}, "Y_heads");
  if (pt != t) b.node("Cast", {yr}, "Y", {{"to", Attr::of(static_cast<int64_t>(t))}}, y);
  else b.node("Identity", {yr}, "Y", {}, y);
  return true;
}

}  // namespace o2c
