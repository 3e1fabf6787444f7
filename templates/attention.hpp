// onnx2cpp kernels: scaled dot-product attention (ONNX Attention, FlexAttention without
// modifier graphs), rotary position embeddings (RotaryEmbedding) and recurrent linear
// attention (LinearAttention).
#ifndef ONNX2CPP_K_ATTENTION_HPP
#define ONNX2CPP_K_ATTENTION_HPP

ONNX2CPP_K_BEGIN

// One Attention node. Q, K, V (and Y) are read per (batch, head) as row-major matrices at
// base b * st[0] + h * st[1] with row pitch st[2]: [B, H, S, D] tensors and the 3-D
// [B, S, H * D] layout alike. K and V are the node's new keys and values (Skv rows); with a
// past, the keys attended are past ++ new (T = Sp + Skv rows, 4-D [B, Hkv, T, D]).
struct AttnParams {
  i64 B, Hq, Hkv, Sq, Skv, Sp, Dk, Dv;
  i64 q[3], k[3], v[3], y[3];  // batch, head and row strides
  i64 m[4];                    // attn_mask strides over (b, h, i, j) (0: broadcast)
  i64 mask_len;                // columns read from attn_mask; those at or past it are -inf
  float scale;                 // applied to Q K^T (the product of the spec's sqrt(scale) twice)
  float softcap;               // 0: none
  int causal;                  // 1: key j masked for query i when j > i + offset
  int mode;                    // qk_matmul_output: -1 none, 0 Q K^T, 1 softcapped, 2 + bias, 3 softmax
};

inline i64 attn_total(const AttnParams& p) { return p.Sp + p.Skv; }
inline i64 attn_round16(i64 n) { return (n + 15) / 16 * 16; }
// Elements of the packing buffers of the two products (arena, reused by every head).
inline i64 attention_gemm_scratch(const AttnParams& p) {
  const i64 T = attn_total(p);
  const i64 a = gemm_packed_scratch(p.Sq, T, p.Dk), b = gemm_packed_scratch(p.Sq, p.Dv, T);
  return attn_round16(a > b ? a : b);
}
// Elements of T the kernel needs: packing buffers, the scores of one head, and the
// concatenated keys / values when there is a past but no present output to hold them.
inline i64 attention_scratch(const AttnParams& p, bool keys, bool values) {
  const i64 T = attn_total(p);
  i64 n = attention_gemm_scratch(p) + attn_round16(p.Sq * T);
  if (keys) n += attn_round16(p.B * p.Hkv * T * p.Dk);
  if (values) n += attn_round16(p.B * p.Hkv * T * p.Dv);
  return n;
}

// dst[B, H, Sp + S, D] = past[B, H, Sp, D] ++ x (x read with strides st over [B, H, S, D]).
template <class T>
inline void attn_concat(const T* past, const T* x, T* dst, i64 B, i64 H, i64 Sp, i64 S, i64 D, const i64* st) {
  for (i64 b = 0; b < B; ++b)
    for (i64 h = 0; h < H; ++h) {
      T* d = dst + (b * H + h) * (Sp + S) * D;
      if (Sp) std::memcpy(d, past + (b * H + h) * Sp * D, sizeof(T) * Sp * D);
      for (i64 s = 0; s < S; ++s) std::memcpy(d + (Sp + s) * D, x + b * st[0] + h * st[1] + s * st[2], sizeof(T) * D);
    }
}

// Softmax of one row of scores in place; a row with no key left (all -inf) becomes zeros
// (ONNX's errata of Attention 23/24: fully masked rows give 0, not NaN).
template <class T>
inline void attn_softmax_row(T* x, i64 n) {
  if (n == 0) return;  // no key: nothing to weigh (Eigen's max of no element reads one)
  ArrMap<T> a(x, n);
  const T mx = a.maxCoeff();
  if (mx == -std::numeric_limits<T>::infinity()) {
    a.setZero();
    return;
  }
  // Eigen's exp clamps its argument: -inf scores are zeroed explicitly.
  a = (a == -std::numeric_limits<T>::infinity()).select(T(0), (a - mx).exp());
  a *= T(1) / a.sum();
}

// Q, K, V: the node's inputs; mask (float) or bmask (bool) or neither; past_k/past_v and
// nonpad (per batch, the keys that are not padding; null if absent) optional; present_k,
// present_v, qk optional outputs. work: attention_scratch() elements, 64-byte aligned.
template <class T>
ONNX2CPP_K_OUTLINE inline void attention(const T* Q, const T* K, const T* V, const T* mask, const bool* bmask,
                                         const T* past_k, const T* past_v, const i64* nonpad, T* Y, T* present_k,
                                         T* present_v, T* qk, const AttnParams& p, T* work) {
  const i64 T_ = attn_total(p), rep = p.Hq / p.Hkv;
  const T ninf = -std::numeric_limits<T>::infinity();
  T* gw = work;
  T* S = work + attention_gemm_scratch(p);
  T* spare = S + attn_round16(p.Sq * T_);
  // The keys and values attended, with their strides.
  const T* Ka = K;
  const T* Va = V;
  i64 ks[3] = {p.k[0], p.k[1], p.k[2]}, vs[3] = {p.v[0], p.v[1], p.v[2]};
  const i64 k4[3] = {p.Hkv * T_ * p.Dk, T_ * p.Dk, p.Dk}, v4[3] = {p.Hkv * T_ * p.Dv, T_ * p.Dv, p.Dv};
  if (past_k || present_k) {
    T* dst = present_k;
    if (!dst) dst = spare, spare += attn_round16(p.B * p.Hkv * T_ * p.Dk);
    attn_concat(past_k, K, dst, p.B, p.Hkv, past_k ? p.Sp : 0, p.Skv, p.Dk, p.k);
    Ka = dst;
    for (int d = 0; d < 3; ++d) ks[d] = k4[d];
  }
  if (past_v || present_v) {
    T* dst = present_v;
    if (!dst) dst = spare;
    attn_concat(past_v, V, dst, p.B, p.Hkv, past_v ? p.Sp : 0, p.Skv, p.Dv, p.v);
    Va = dst;
    for (int d = 0; d < 3; ++d) vs[d] = v4[d];
  }
  constexpr int R = Eigen::RowMajor, C = Eigen::ColMajor;
  const T alpha = static_cast<T>(p.scale);
  const T cap = static_cast<T>(p.softcap);
  for (i64 b = 0; b < p.B; ++b) {
    // The causal frontier: past keys precede the queries; with an external cache
    // (nonpad_kv_seqlen, no past) the queries are the last of the batch's valid keys.
    const i64 off = past_k ? p.Sp : nonpad ? nonpad[b] - p.Sq : 0;
    const i64 valid = nonpad ? nonpad[b] : T_;
    for (i64 h = 0; h < p.Hq; ++h) {
      const i64 hk = h / rep;
      // S = scale * Q_h K_h^T
      MatMap<T>(S, p.Sq, T_).setZero();
      gemm_packed<T, R, C>(Q + b * p.q[0] + h * p.q[1], p.q[2], Ka + b * ks[0] + hk * ks[1], ks[2], S, T_, p.Sq, T_,
                           p.Dk, alpha, gw);
      T* qo = qk ? qk + (b * p.Hq + h) * p.Sq * T_ : nullptr;
      if (qo && p.mode == 0) std::memcpy(qo, S, sizeof(T) * p.Sq * T_);
      if (cap != T(0))
        for (i64 e = 0; e < p.Sq * T_; ++e) S[e] = cap * std::tanh(S[e] / cap);
      if (qo && p.mode == 1) std::memcpy(qo, S, sizeof(T) * p.Sq * T_);
      // The bias: attn_mask (bool: 0 or -inf; columns past its length -inf), the causal
      // frontier and the padding, each -inf where it masks.
      for (i64 i = 0; i < p.Sq; ++i) {
        T* s = S + i * T_;
        const i64 mrow = b * p.m[0] + h * p.m[1] + i * p.m[2];
        for (i64 j = 0; j < T_; ++j) {
          T bias = T(0);
          if (mask) bias = j < p.mask_len ? mask[mrow + j * p.m[3]] : ninf;
          else if (bmask) bias = j < p.mask_len && bmask[mrow + j * p.m[3]] ? T(0) : ninf;
          if ((p.causal && j > i + off) || j >= valid) bias += ninf;
          s[j] += bias;
        }
      }
      if (qo && p.mode == 2) std::memcpy(qo, S, sizeof(T) * p.Sq * T_);
      for (i64 i = 0; i < p.Sq; ++i) attn_softmax_row(S + i * T_, T_);
      if (qo && p.mode == 3) std::memcpy(qo, S, sizeof(T) * p.Sq * T_);
      // Y_h = P V_h
      T* yh = Y + b * p.y[0] + h * p.y[1];
      for (i64 i = 0; i < p.Sq; ++i) std::fill(yh + i * p.y[2], yh + i * p.y[2] + p.Dv, T(0));
      gemm_packed<T, R, R>(S, T_, Va + b * vs[0] + hk * vs[1], vs[2], yh, p.y[2], p.Sq, p.Dv, T_, T(1), gw);
    }
  }
}

// RotaryEmbedding over rows of D elements, one per (b, s, h): row base b * st[0] + s * st[1]
// + h * st[2] (the same offsets in X and Y). The first `rot` elements of a row are rotated
// (halves, or interleaved pairs), the rest copied. cos/sin rows of rot / 2: at position_ids
// [b, s] of a [npos, rot / 2] cache, or with no position ids at (b, s) of a [B, S, rot / 2] one.
struct RopeParams {
  i64 B, S, H, D, rot, npos;
  i64 st[3];
  int interleaved;
};

template <class T>
inline void rotary_embedding(const T* X, const T* cos_c, const T* sin_c, const i64* pos, T* Y, const RopeParams& p) {
  const i64 half = p.rot / 2;
  for (i64 b = 0; b < p.B; ++b)
    for (i64 s = 0; s < p.S; ++s) {
      i64 row = b * p.S + s;
      if (pos) {
        row = pos[b * p.S + s];
        if (row < 0 || row >= p.npos) row = 0;  // out of range is undefined in ONNX; stay in bounds
      }
      const T* c = cos_c + row * half;
      const T* sn = sin_c + row * half;
      for (i64 h = 0; h < p.H; ++h) {
        const i64 o = b * p.st[0] + s * p.st[1] + h * p.st[2];
        const T* x = X + o;
        T* y = Y + o;
        if (p.interleaved) {
          for (i64 k = 0; k < half; ++k) {
            const T x1 = x[2 * k], x2 = x[2 * k + 1];
            y[2 * k] = c[k] * x1 - sn[k] * x2;
            y[2 * k + 1] = sn[k] * x1 + c[k] * x2;
          }
        } else {
          for (i64 k = 0; k < half; ++k) {
            const T x1 = x[k], x2 = x[k + half];
            y[k] = c[k] * x1 - sn[k] * x2;
            y[k + half] = sn[k] * x1 + c[k] * x2;
          }
        }
        for (i64 k = p.rot; k < p.D; ++k) y[k] = x[k];
      }
    }
}

// LinearAttention: a recurrent state S [Dk, Dv] per (batch, kv head), updated token by token.
// Q [B, T, Hq * Dk], K [B, T, Hkv * Dk], V [B, T, Hkv * Dv] (heads packed in the last dim);
// decay [B, T, Hkv * decay_w] (log space; decay_w 1: one per head, Dk: one per key row);
// beta [B, T, beta_w] (beta_w 1: one for every head, Hkv: one per head); erase [B, T, Hkv * Dk].
// Per token: gated: S *= exp(g); delta: u = beta * (v - S^T (erase * k)), else u = v;
// S += k u^T; query head h (reading kv head h / (Hq / Hkv)) gets y = scale * q^T S.
struct LinAttnParams {
  i64 B, T, Hq, Hkv, Dk, Dv;
  i64 decay_w, beta_w;  // 0: no decay (no beta)
  float scale;
};

// Elements of T the kernel needs: the update row, the erased key, and the state when no
// present_state holds it.
inline i64 linear_attention_scratch(const LinAttnParams& p, bool state) {
  return attn_round16(p.Dv) + attn_round16(p.Dk) + (state ? p.B * p.Hkv * p.Dk * p.Dv : 0);
}

// past (or zeros) and present [B, Hkv, Dk, Dv]; decay, beta, erase, past and present may be
// null. work: linear_attention_scratch() elements.
template <class T>
ONNX2CPP_K_OUTLINE inline void linear_attention(const T* Q, const T* K, const T* V, const T* past, const T* decay,
                                                const T* beta, const T* erase, T* Y, T* present,
                                                const LinAttnParams& p, T* work) {
  using Row = Eigen::Matrix<T, 1, Eigen::Dynamic>;
  using CRowMap = Eigen::Map<const Row>;
  using Col = Eigen::Matrix<T, Eigen::Dynamic, 1>;
  const i64 rep = p.Hq / p.Hkv, DD = p.Dk * p.Dv;
  T* u = work;
  T* ke = u + attn_round16(p.Dv);
  T* S = present ? present : ke + attn_round16(p.Dk);
  if (past) std::memcpy(S, past, sizeof(T) * p.B * p.Hkv * DD);
  else std::fill(S, S + p.B * p.Hkv * DD, T(0));
  const T scale = static_cast<T>(p.scale);
  Eigen::Map<Row> ur(u, p.Dv);
  for (i64 b = 0; b < p.B; ++b)
    for (i64 h = 0; h < p.Hkv; ++h) {
      MatMap<T> s(S + (b * p.Hkv + h) * DD, p.Dk, p.Dv);
      for (i64 t = 0; t < p.T; ++t) {
        const i64 bt = b * p.T + t;
        const T* k = K + (bt * p.Hkv + h) * p.Dk;
        const T* v = V + (bt * p.Hkv + h) * p.Dv;
        if (p.decay_w == 1) {
          s *= std::exp(decay[bt * p.Hkv + h]);
        } else if (p.decay_w) {
          const T* g = decay + (bt * p.Hkv + h) * p.Dk;
          for (i64 i = 0; i < p.Dk; ++i) s.row(i) *= std::exp(g[i]);
        }
        if (p.beta_w) {
          const T bv = beta[bt * p.beta_w + (p.beta_w == 1 ? 0 : h)];
          if (erase) {
            Eigen::Map<Row> ker(ke, p.Dk);
            ker = CRowMap(k, p.Dk).cwiseProduct(CRowMap(erase + (bt * p.Hkv + h) * p.Dk, p.Dk));
            ur.noalias() = ker * s;
          } else {
            ur.noalias() = CRowMap(k, p.Dk) * s;
          }
          ur = (CRowMap(v, p.Dv) - ur) * bv;
        } else {
          ur = CRowMap(v, p.Dv);
        }
        s.noalias() += Eigen::Map<const Col>(k, p.Dk) * ur;
        for (i64 g = 0; g < rep; ++g) {
          const i64 hq = h * rep + g;
          Eigen::Map<Row> y(Y + (bt * p.Hq + hq) * p.Dv, p.Dv);
          y.noalias() = CRowMap(Q + (bt * p.Hq + hq) * p.Dk, p.Dk) * s;
          y *= scale;
        }
      }
    }
}

ONNX2CPP_K_END
#endif
