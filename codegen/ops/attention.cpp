// Attention (scaled dot-product attention with masks, a KV cache, grouped heads),
// FlexAttention, RotaryEmbedding and LinearAttention: templates/attention.hpp.
#include <cmath>

#include "ops/attention.hpp"
#include "ops/helpers.hpp"

namespace o2c {
namespace {

std::string lits(const int64_t* v, int n) { return lit_array(v, n); }

// ---- Attention ----------------------------------------------------------------------------

struct AttentionAttrs {
  int64_t is_causal = 0;
  int64_t kv_num_heads = 0, q_num_heads = 0;  // required for 3-D inputs
  int64_t qk_matmul_output_mode = 0;
  float scale = 0.f;
  bool scale_set = false;  // default: 1 / sqrt(head size)
  float softcap = 0.f;
  int64_t softmax_precision = 0;  // 0: the type of Q
  template <class V>
  void fields(V& v) {
    scale_set = v.has("scale");
    v("is_causal", is_causal);
    v("kv_num_heads", kv_num_heads);
    v("q_num_heads", q_num_heads);
    v("qk_matmul_output_mode", qk_matmul_output_mode);
    v("scale", scale);
    v("softcap", softcap);
    v("softmax_precision", softmax_precision);
  }
};

std::string code_attn(const k::AttnParams& p) {
  return "k::AttnParams{" + lit(p.B) + ", " + lit(p.Hq) + ", " + lit(p.Hkv) + ", " + lit(p.Sq) + ", " + lit(p.Skv) +
         ", " + lit(p.Sp) + ", " + lit(p.Dk) + ", " + lit(p.Dv) + ", " + lits(p.q, 3) + ", " + lits(p.k, 3) + ", " +
         lits(p.v, 3) + ", " + lits(p.y, 3) + ", " + lits(p.m, 4) + ", " + lit(p.mask_len) + ", " + lit_f32(p.scale) +
         ", " + lit_f32(p.softcap) + ", " + std::to_string(p.causal) + ", " + std::to_string(p.mode) + "}";
}

struct Plan {
  k::AttnParams p{};
  Shape y, present_k, present_v, qk;
};

// Batch, head and row strides of a [B, H, S, D] tensor, or of a 3-D [B, S, H * D] one.
void strides4(int64_t* st, int64_t H, int64_t S, int64_t D, bool three_d) {
  if (three_d) st[0] = S * H * D, st[1] = D, st[2] = H * D;
  else st[0] = H * S * D, st[1] = S * D, st[2] = D;
}

Plan attention_plan(OpCtx& c) {
  const auto a = c.attrs<AttentionAttrs>();
  const int64_t r = c.rank(0);
  if (r != 3 && r != 4) c.fail("Q must be 3-D or 4-D");
  if (c.rank(1) != r || c.rank(2) != r) c.fail("Q, K and V must have the same rank");
  const Shape &q = c.shape(0), &kk = c.shape(1), &vv = c.shape(2);
  const bool three = r == 3;
  k::AttnParams p{};
  p.B = q[0];
  if (kk[0] != p.B || vv[0] != p.B) c.fail("Q, K and V must have the same batch size");
  if (three) {
    if (a.q_num_heads <= 0 || a.kv_num_heads <= 0) c.fail("3-D inputs need q_num_heads and kv_num_heads");
    p.Hq = a.q_num_heads, p.Hkv = a.kv_num_heads;
    p.Sq = q[1], p.Skv = kk[1];
    if (vv[1] != p.Skv) c.fail("K and V must have the same sequence length");
    if (q[2] % p.Hq || kk[2] % p.Hkv || vv[2] % p.Hkv) c.fail("hidden sizes must be multiples of the head counts");
    p.Dk = q[2] / p.Hq, p.Dv = vv[2] / p.Hkv;
    if (kk[2] / p.Hkv != p.Dk) c.fail("Q and K must have the same head size");
  } else {
    p.Hq = q[1], p.Hkv = kk[1], p.Sq = q[2], p.Skv = kk[2], p.Dk = q[3], p.Dv = vv[3];
    if (vv[1] != p.Hkv || vv[2] != p.Skv) c.fail("K and V must have the same heads and sequence length");
    if (kk[3] != p.Dk) c.fail("Q and K must have the same head size");
    if ((a.q_num_heads && a.q_num_heads != p.Hq) || (a.kv_num_heads && a.kv_num_heads != p.Hkv))
      c.fail("q_num_heads/kv_num_heads do not match the 4-D inputs");
  }
  if (p.Hkv <= 0 || p.Hq % p.Hkv) c.fail("q_num_heads must be a multiple of kv_num_heads");
  // The KV cache.
  const bool pk = c.has_in(4), pv = c.has_in(5);
  if (pk != pv) c.unsupported("past_key without past_value (or the reverse)");
  if (pk) {
    const Shape &sk = c.shape(4), &sv = c.shape(5);
    if (sk.size() != 4 || sv.size() != 4) c.fail("past_key and past_value must be 4-D");
    if (sk[0] != p.B || sk[1] != p.Hkv || sk[3] != p.Dk) c.fail("past_key must be [B, kv_num_heads, P, head_size]");
    if (sv[0] != p.B || sv[1] != p.Hkv || sv[3] != p.Dv || sv[2] != sk[2])
      c.fail("past_value must be [B, kv_num_heads, P, v_head_size]");
    p.Sp = sk[2];
  }
  const int64_t T = p.Sp + p.Skv;
  if (T == 0) c.unsupported("an empty key sequence");
  strides4(p.q, p.Hq, p.Sq, p.Dk, three);
  strides4(p.k, p.Hkv, p.Skv, p.Dk, three);
  strides4(p.v, p.Hkv, p.Skv, p.Dv, three);
  strides4(p.y, p.Hq, p.Sq, p.Dv, three);
  // nonpad_kv_seqlen (version 24).
  if (c.has_in(6)) {
    if (c.version() < 24) c.fail("nonpad_kv_seqlen is an input of Attention 24");
    if (c.shape(6) != Shape{p.B}) c.fail("nonpad_kv_seqlen must be [batch_size]");
  }
  // attn_mask, broadcast to (B, Hq, Sq, T); version 24 pads a shorter last dim with -inf.
  p.mask_len = T;
  if (c.has_in(3)) {
    const Shape& m = c.shape(3);
    const int64_t mr = static_cast<int64_t>(m.size());
    if (mr < 1 || mr > 4) c.fail("attn_mask must have rank 1 to 4");
    const DType mt = c.dtype(3);
    if (mt != DType::Bool && mt != c.dtype(0)) c.unsupported("a float attn_mask of another type than Q");
    if (a.is_causal && c.has_in(6) && !pk && mr == 3)
      c.unsupported("a 3-D attn_mask with is_causal and nonpad_kv_seqlen (the spec reads it as [B, q, kv] there)");
    const int64_t target[4] = {p.B, p.Hq, p.Sq, T};
    int64_t st = 1;
    for (int64_t d = 3; d >= 0; --d) {
      const int64_t md = d - (4 - mr);
      if (md < 0) {
        p.m[d] = 0;
        continue;
      }
      const int64_t n = m[static_cast<size_t>(md)];
      if (d == 3) {
        if (c.version() >= 24 && n <= T) p.mask_len = n, p.m[3] = 1;
        else if (n == T) p.m[3] = 1;
        else if (n == 1) p.m[3] = 0;
        else c.fail("attn_mask's last dim " + std::to_string(n) + " does not fit the total sequence length " + std::to_string(T));
      } else {
        if (n != target[d] && n != 1) c.fail("attn_mask does not broadcast to (batch, heads, q_len, total_len)");
        p.m[d] = n == 1 ? 0 : st;
      }
      st *= n;
    }
  }
  // Attributes.
  if (a.is_causal != 0 && a.is_causal != 1) c.fail("is_causal must be 0 or 1");
  p.causal = static_cast<int>(a.is_causal);
  if (a.qk_matmul_output_mode < 0 || a.qk_matmul_output_mode > 3) c.fail("qk_matmul_output_mode must be 0 to 3");
  p.mode = c.has_out(3) ? static_cast<int>(a.qk_matmul_output_mode) : -1;
  const float sc = a.scale_set ? a.scale : 1.0f / std::sqrt(static_cast<float>(p.Dk));
  const float s2 = std::sqrt(sc);  // the spec scales Q and K each by sqrt(scale)
  p.scale = s2 * s2;
  if (a.scale_set && !(a.scale > 0)) c.unsupported("scale <= 0");
  p.softcap = a.softcap;
  if (a.softcap < 0 || !std::isfinite(a.softcap)) c.unsupported("a negative or infinite softcap");
  if (a.softmax_precision) {
    const auto sp = static_cast<DType>(a.softmax_precision);
    if (sp != DType::Float && sp != DType::Float16 && sp != DType::BFloat16 && sp != DType::Double)
      c.fail("softmax_precision must be a float type");
    if (sp == DType::Double && c.dtype(0) != DType::Double) c.unsupported("softmax_precision=double with non-double inputs");
  }
  Plan pl;
  pl.p = p;
  pl.y = three ? Shape{p.B, p.Sq, p.Hq * p.Dv} : Shape{p.B, p.Hq, p.Sq, p.Dv};
  pl.present_k = {p.B, p.Hkv, T, p.Dk};
  pl.present_v = {p.B, p.Hkv, T, p.Dv};
  pl.qk = {p.B, p.Hq, p.Sq, T};
  return pl;
}

void infer_Attention(OpCtx& c) {
  const Plan pl = attention_plan(c);
  if (c.dtype(2) != c.dtype(0)) c.unsupported("V of another type than Q");
  const DType t = c.dtype(0);
  c.set_out(0, t, pl.y);
  if (c.has_out(1)) c.set_out(1, t, pl.present_k);
  if (c.has_out(2)) c.set_out(2, t, pl.present_v);
  if (c.has_out(3)) c.set_out(3, t, pl.qk);
  const bool keys = c.has_in(4) && !c.has_out(1), values = c.has_in(5) && !c.has_out(2);
  c.set_scratch(k::attention_scratch(pl.p, keys, values) * static_cast<int64_t>(dtype_bytes(t, 1)));
}

void lower_Attention(LowerCtx& c) {
  const Plan pl = attention_plan(c);
  const DType t = c.dtype(0);
  const bool bmask = c.has_in(3) && c.dtype(3) == DType::Bool;
  c.call("attention", {type_arg(t)},
         {c.X(0), c.X(1), c.X(2), bmask ? Arg{} : c.X(3), bmask ? c.X(3) : Arg{}, c.X(4), c.X(5), c.X(6), c.Y(0),
          c.Y(1), c.Y(2), c.Y(3), object(pl.p, code_attn(pl.p)), c.scratch(t)});
}

// ---- FlexAttention ------------------------------------------------------------------------

}  // namespace

FlexPlan flex_attention_plan(OpCtx& c) {
  const auto a = c.attrs<FlexAttentionAttrs>();
  if (c.rank(0) != 4 || c.rank(1) != 4 || c.rank(2) != 4) c.fail("Q, K and V must be 4-D");
  const Shape &q = c.shape(0), &kk = c.shape(1), &vv = c.shape(2);
  FlexPlan p{q[0], q[1], kk[1], q[2], kk[2], q[3], vv[3], 0.f, DType::Float};
  if (kk[0] != p.B || vv[0] != p.B) c.fail("Q, K and V must have the same batch size");
  if (vv[1] != p.Hkv || vv[2] != p.S) c.fail("K and V must have the same heads and sequence length");
  if (kk[3] != p.E) c.fail("Q and K must have the same head size");
  if (p.Hkv <= 0 || p.Hq % p.Hkv) c.fail("Q's heads must be a multiple of K's");
  if (p.S == 0) c.unsupported("an empty key sequence");
  if (c.dtype(1) != c.dtype(0) || c.dtype(2) != c.dtype(0)) c.fail("Q, K and V must have the same type");
  const DType def = c.dtype(0) == DType::Double ? DType::Double : DType::Float;
  p.precision = a.softmax_precision ? static_cast<DType>(a.softmax_precision) : def;
  if (p.precision != def)
    c.unsupported(std::string("softmax_precision ") + dtype_name(p.precision) + " with " + dtype_name(c.dtype(0)) +
                  " inputs (only the default, " + dtype_name(def) + ")");
  if (a.scale_set && !(a.scale > 0 && std::isfinite(a.scale))) c.unsupported("a scale that is not positive and finite");
  // The spec computes the scale and its square root in float.
  p.sqrt_scale = std::sqrt(a.scale_set ? a.scale : 1.0f / std::sqrt(static_cast<float>(p.E)));
  for (const auto* m : {&a.score_mod, &a.prob_mod}) {
    if (!*m) continue;
    const Graph& g = **m;
    const char* name = m == &a.score_mod ? "score_mod" : "prob_mod";
    if (g.inputs.size() != 1 || g.outputs.size() != 1) c.fail(std::string(name) + " must have one input and one output");
    const DType t = g.values[g.inputs[0]].dtype;
    if (t != DType::Undefined && t != p.precision)
      c.fail(std::string(name) + "'s input is declared " + dtype_name(t) + ", the scores are " + dtype_name(p.precision));
  }
  return p;
}

namespace {

k::AttnParams flex_attn_params(const FlexPlan& f) {
  k::AttnParams p{};
  p.B = f.B, p.Hq = f.Hq, p.Hkv = f.Hkv, p.Sq = f.L, p.Skv = f.S, p.Sp = 0, p.Dk = f.E, p.Dv = f.Ev;
  strides4(p.q, p.Hq, p.Sq, p.Dk, false);
  strides4(p.k, p.Hkv, p.Skv, p.Dk, false);
  strides4(p.v, p.Hkv, p.Skv, p.Dv, false);
  strides4(p.y, p.Hq, p.Sq, p.Dv, false);
  p.mask_len = p.Skv;
  p.scale = f.sqrt_scale * f.sqrt_scale;
  p.mode = -1;
  return p;
}

bool has_modifiers(const OpCtx& c) { return c.has("score_mod") || c.has("prob_mod"); }

void infer_FlexAttention(OpCtx& c) {
  const FlexPlan f = flex_attention_plan(c);
  c.set_out(0, c.dtype(0), {f.B, f.Hq, f.L, f.Ev});
  // With modifier graphs the node becomes ordinary nodes around them during inference
  // (passes/flex_attention.cpp); without, one attention kernel runs it.
  if (!has_modifiers(c)) c.set_scratch(k::attention_scratch(flex_attn_params(f), false, false) * static_cast<int64_t>(dtype_bytes(c.dtype(0), 1)));
}

void lower_FlexAttention(LowerCtx& c) {
  const FlexPlan f = flex_attention_plan(c);
  if (has_modifiers(c)) c.unsupported("score_mod and prob_mod run as the inlined nodes inference makes of them");
  const k::AttnParams p = flex_attn_params(f);
  const DType t = c.dtype(0);
  c.call("attention", {type_arg(t)},
         {c.X(0), c.X(1), c.X(2), Arg{}, Arg{}, Arg{}, Arg{}, Arg{}, c.Y(0), Arg{}, Arg{}, Arg{}, object(p, code_attn(p)),
          c.scratch(t)});
}

// ---- RotaryEmbedding ----------------------------------------------------------------------

struct RotaryAttrs {
  int64_t interleaved = 0, num_heads = 0, rotary_embedding_dim = 0;
  O2C_FIELDS(interleaved, num_heads, rotary_embedding_dim)
};

std::string code_rope(const k::RopeParams& p) {
  return "k::RopeParams{" + lit(p.B) + ", " + lit(p.S) + ", " + lit(p.H) + ", " + lit(p.D) + ", " + lit(p.rot) + ", " +
         lit(p.npos) + ", " + lits(p.st, 3) + ", " + std::to_string(p.interleaved) + "}";
}

k::RopeParams rope_plan(OpCtx& c) {
  const auto a = c.attrs<RotaryAttrs>();
  const Shape& x = c.shape(0);
  k::RopeParams p{};
  if (x.size() == 4) {  // [B, H, S, D]
    p.B = x[0], p.H = x[1], p.S = x[2], p.D = x[3];
    if (a.num_heads && a.num_heads != p.H) c.fail("num_heads does not match the 4-D input");
    p.st[0] = p.H * p.S * p.D, p.st[1] = p.D, p.st[2] = p.S * p.D;
  } else if (x.size() == 3) {  // [B, S, H * D]
    if (a.num_heads <= 0) c.fail("a 3-D input needs num_heads");
    p.B = x[0], p.S = x[1], p.H = a.num_heads;
    if (x[2] % p.H) c.fail("the hidden size must be a multiple of num_heads");
    p.D = x[2] / p.H;
    p.st[0] = p.S * x[2], p.st[1] = x[2], p.st[2] = p.D;
  } else {
    c.fail("input must be 3-D or 4-D");
  }
  if (a.interleaved != 0 && a.interleaved != 1) c.fail("interleaved must be 0 or 1");
  p.interleaved = static_cast<int>(a.interleaved);
  p.rot = a.rotary_embedding_dim ? a.rotary_embedding_dim : p.D;
  if (p.rot < 0 || p.rot > p.D || p.rot % 2) c.fail("rotary_embedding_dim must be even and at most the head size");
  const int64_t half = p.rot / 2;
  const Shape &cs = c.shape(1), &sn = c.shape(2);
  if (cs != sn) c.fail("cos_cache and sin_cache must have the same shape");
  if (c.has_in(3)) {
    if (c.shape(3) != Shape{p.B, p.S}) c.fail("position_ids must be [batch_size, sequence_length]");
    if (cs.size() != 2 || cs[1] != half) c.fail("with position_ids the caches must be [max_position, rotary_dim / 2]");
    p.npos = cs[0];
    if (p.npos <= 0) c.fail("empty cos_cache");
  } else {
    if (cs != Shape{p.B, p.S, half}) c.fail("without position_ids the caches must be [batch, sequence, rotary_dim / 2]");
    p.npos = p.B * p.S;
  }
  if (c.dtype(1) != c.dtype(0) || c.dtype(2) != c.dtype(0)) c.fail("the caches must have the input's type");
  return p;
}

void infer_RotaryEmbedding(OpCtx& c) {
  rope_plan(c);
  c.set_out(0, c.dtype(0), c.shape(0));
}

void lower_RotaryEmbedding(LowerCtx& c) {
  const k::RopeParams p = rope_plan(c);
  c.call("rotary_embedding", {type_arg(c.dtype(0))},
         {c.X(0), c.X(1), c.X(2), c.X(3), c.Y(0), object(p, code_rope(p))});
}

// ---- LinearAttention ----------------------------------------------------------------------

struct LinearAttentionAttrs {
  int64_t chunk_size = 0;  // a tuning hint: no effect on the result
  int64_t kv_num_heads = 0, q_num_heads = 0;
  float scale = 0.f;  // 0: 1 / sqrt(head size)
  int update_rule = 3;  // linear, gated, delta, gated_delta
  template <class V>
  void fields(V& v) {
    v("chunk_size", chunk_size);
    v.required("kv_num_heads", kv_num_heads);
    v.required("q_num_heads", q_num_heads);
    v("scale", scale);
    v("update_rule", update_rule, {"linear", "gated", "delta", "gated_delta"});
  }
};

std::string code_linattn(const k::LinAttnParams& p) {
  return "k::LinAttnParams{" + lit(p.B) + ", " + lit(p.T) + ", " + lit(p.Hq) + ", " + lit(p.Hkv) + ", " + lit(p.Dk) +
         ", " + lit(p.Dv) + ", " + lit(p.decay_w) + ", " + lit(p.beta_w) + ", " + lit_f32(p.scale) + "}";
}

k::LinAttnParams linear_attention_plan(OpCtx& c) {
  const auto a = c.attrs<LinearAttentionAttrs>();
  if (c.rank(0) != 3 || c.rank(1) != 3 || c.rank(2) != 3) c.fail("query, key and value must be [batch, sequence, heads * head_size]");
  if (a.q_num_heads <= 0 || a.kv_num_heads <= 0 || a.q_num_heads % a.kv_num_heads)
    c.fail("q_num_heads must be a positive multiple of kv_num_heads");
  const Shape &q = c.shape(0), &kk = c.shape(1), &vv = c.shape(2);
  k::LinAttnParams p{};
  p.B = q[0], p.T = q[1], p.Hq = a.q_num_heads, p.Hkv = a.kv_num_heads;
  if (kk[0] != p.B || vv[0] != p.B || kk[1] != p.T || vv[1] != p.T)
    c.fail("query, key and value must have the same batch size and sequence length");
  if (q[2] % p.Hq || kk[2] % p.Hkv || vv[2] % p.Hkv) c.fail("hidden sizes must be multiples of the head counts");
  p.Dk = q[2] / p.Hq, p.Dv = vv[2] / p.Hkv;
  if (kk[2] / p.Hkv != p.Dk) c.fail("query and key must have the same head size");
  const bool gated = a.update_rule == 1 || a.update_rule == 3, delta = a.update_rule >= 2;
  static const char* rules[] = {"linear", "gated", "delta", "gated_delta"};
  const std::string rule = std::string("update_rule '") + rules[a.update_rule] + "'";
  if (gated != c.has_in(4)) c.fail(rule + (gated ? " needs" : " takes no") + " decay");
  if (delta != c.has_in(5)) c.fail(rule + (delta ? " needs" : " takes no") + " beta");
  if (c.has_in(6) && !delta) c.fail(rule + " takes no erase_gate");
  if (c.has_in(3)) {
    if (c.shape(3) != Shape{p.B, p.Hkv, p.Dk, p.Dv}) c.fail("past_state must be [batch, kv_num_heads, head_size, v_head_size]");
    if ((c.dtype(3) == DType::Double) != (c.dtype(0) == DType::Double))
      c.unsupported("a past_state of double with inputs of another type (or the reverse)");
  }
  if (gated) {
    const Shape& d = c.shape(4);
    if (d.size() != 3 || d[0] != p.B || d[1] != p.T || (d[2] != p.Hkv && d[2] != p.Hkv * p.Dk))
      c.fail("decay must be [batch, sequence, kv_num_heads] or [batch, sequence, kv_num_heads * head_size]");
    p.decay_w = d[2] / p.Hkv;
  }
  if (delta) {
    const Shape& bs = c.shape(5);
    if (bs.size() != 3 || bs[0] != p.B || bs[1] != p.T || (bs[2] != p.Hkv && bs[2] != 1))
      c.fail("beta must be [batch, sequence, kv_num_heads] or [batch, sequence, 1]");
    p.beta_w = bs[2];
  }
  if (c.has_in(6) && c.shape(6) != kk) c.fail("erase_gate must have key's shape");
  if (!(a.scale >= 0) || !std::isfinite(a.scale)) c.unsupported("a negative or infinite scale");
  p.scale = a.scale != 0 ? a.scale : 1.0f / std::sqrt(static_cast<float>(p.Dk));
  return p;
}

void infer_LinearAttention(OpCtx& c) {
  const k::LinAttnParams p = linear_attention_plan(c);
  const DType t = c.dtype(0);
  c.set_out(0, t, {p.B, p.T, p.Hq * p.Dv});
  if (c.has_out(1)) c.set_out(1, c.has_in(3) ? c.dtype(3) : t, {p.B, p.Hkv, p.Dk, p.Dv});
  c.set_scratch(k::linear_attention_scratch(p, !c.has_out(1)) * static_cast<int64_t>(dtype_bytes(t, 1)));
}

void lower_LinearAttention(LowerCtx& c) {
  const k::LinAttnParams p = linear_attention_plan(c);
  const DType t = c.dtype(0);
  if (c.has_in(3) && c.dtype(3) != t) c.unsupported("a past_state of another type than the inputs");
  c.call("linear_attention", {type_arg(t)},
         {c.X(0), c.X(1), c.X(2), c.X(3), c.X(4), c.X(5), c.X(6), c.Y(0), c.Y(1), object(p, code_linattn(p)),
          c.scratch(t)});
}

}  // namespace

O2C_DEFINE_OP(Attention, infer_Attention, lower_Attention);
O2C_DEFINE_OP(RotaryEmbedding, infer_RotaryEmbedding, lower_RotaryEmbedding);
O2C_DEFINE_OP(LinearAttention, infer_LinearAttention, lower_LinearAttention);
O2C_DEFINE_OP(FlexAttention, infer_FlexAttention, lower_FlexAttention);

}  // namespace o2c
