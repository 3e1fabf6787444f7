// onnx2cpp kernels: recurrent layers (RNN, GRU, LSTM), all directions and layouts.
#ifndef ONNX2CPP_K_RNN_HPP
#define ONNX2CPP_K_RNN_HPP

ONNX2CPP_K_BEGIN

enum class RnnCell { RNN, GRU, LSTM };
// Shapes and attributes. act holds, per direction, f g h (LSTM), f g (GRU) or f (RNN).
struct RnnParams {
  RnnCell cell;
  i64 seq, batch, input, hidden;
  int dirs;      // 1 or 2 (bidirectional: forward then reverse)
  bool reverse;  // with dirs == 1
  int layout;    // 0: X [seq, batch, input]; 1: X [batch, seq, input]
  float clip;    // 0: none
  bool input_forget, linear_before_reset;
  Act act[6];  // Act::Sigmoid, Tanh, Relu, Affine, LeakyRelu, ThresholdedRelu, ScaledTanh, HardSigmoid, Elu, Softsign, Softplus
};

inline i64 rnn_gates(const RnnParams& p) {
  return p.cell == RnnCell::LSTM ? 4 : p.cell == RnnCell::GRU ? 3 : 1;
}
inline int rnn_acts(const RnnParams& p) {
  return p.cell == RnnCell::LSTM ? 3 : p.cell == RnnCell::GRU ? 2 : 1;
}
inline i64 rnn_round(i64 n) { return (n + 15) / 16 * 16; }
// Columns of the per-step recurrent product: GRU without linear_before_reset multiplies the
// reset-scaled state by R_h in a second product.
inline i64 rnn_rec_cols(const RnnParams& p) {
  const bool split = p.cell == RnnCell::GRU && !p.linear_before_reset;
  return split ? 2 * p.hidden : rnn_gates(p) * p.hidden;
}

// Scratch layout, in elements of T: the GEMM packing buffers first (64-byte aligned with
// the scratch), then the input projection of all steps, the recurrent product, the state.
struct RnnScratch {
  i64 work, xw, hr, h, c, rh, hh, total;
};
inline RnnScratch rnn_layout(const RnnParams& p) {
  const i64 H = p.hidden, G = rnn_gates(p) * H, rows = p.seq * p.batch;
  const bool split = p.cell == RnnCell::GRU && !p.linear_before_reset;
  i64 w = std::max(gemm_scratch(rows, G, p.input), panel_matmul_scratch(p.input));
  w = std::max(w, gemm_scratch(p.batch, rnn_rec_cols(p), H));
  if (split) w = std::max(w, gemm_scratch(p.batch, H, H));
  RnnScratch s;
  i64 at = 0;
  s.work = at;
  at += rnn_round(w);
  s.xw = at;
  at += rnn_round(rows * G);
  s.hr = at;
  at += rnn_round(p.batch * G);
  s.h = at;
  at += rnn_round(p.batch * H);
  s.c = at;
  if (p.cell == RnnCell::LSTM) at += rnn_round(p.batch * H);
  s.rh = at;
  if (split) at += rnn_round(p.batch * H);
  s.hh = at;
  if (split) at += rnn_round(p.batch * H);
  s.total = at;
  return s;
}
inline i64 rnn_scratch(const RnnParams& p) { return rnn_layout(p).total; }

// One gate function on n contiguous values.
template <class T>
ONNX2CPP_K_OUTLINE inline void rnn_activate(const Act a, T* v, i64 n) {
  act_apply(v, n, a);
}

template <class T>
inline void rnn_clip(T* v, i64 n, float clip) {
  if (clip <= 0.0f) return;
  const T c = static_cast<T>(clip);
  for (i64 i = 0; i < n; ++i) v[i] = std::min(c, std::max(-c, v[i]));
}

// Rt, the recurrent weights as rnn_gemv() reads them, holds blocks of kRnnCols columns of R^T
// (gate units), each H rows long and contiguous: Rt[d][blk][k][c] = R[d][kRnnCols blk + c][k],
// zero past G. Rows of R^T itself are G apart (2 KB for 128 LSTM units), and a product
// walking down them hit the same few L1 sets.
constexpr i64 kRnnCols = 32;
inline i64 rnn_rt_blocks(const RnnParams& p) { return (rnn_gates(p) * p.hidden + kRnnCols - 1) / kRnnCols; }
inline i64 rnn_rt_size(const RnnParams& p) { return p.dirs * rnn_rt_blocks(p) * kRnnCols * p.hidden; }

// NB blocks of Rt (at rt, H rows each) times h into y[0 .. NB kRnnCols), the accumulators
// in registers.
template <class T, int NB>
inline void rnn_gemv_blocks(const T* rt, const T* h, T* y, i64 H) {
  using P = typename Eigen::internal::packet_traits<T>::type;
  constexpr int PS = Eigen::internal::packet_traits<T>::size;
  constexpr int PB = static_cast<int>(kRnnCols) / PS;
  using namespace Eigen::internal;
  P a[NB * PB];
  for (int u = 0; u < NB * PB; ++u) a[u] = pset1<P>(T(0));
  for (i64 k = 0; k < H; ++k) {
    const P hk = pset1<P>(h[k]);
    for (int q = 0; q < NB; ++q) {
      const T* r = rt + (q * H + k) * kRnnCols;
      for (int u = 0; u < PB; ++u) a[q * PB + u] = pmadd(ploadu<P>(r + u * PS), hk, a[q * PB + u]);
    }
  }
  for (int u = 0; u < NB * PB; ++u) pstoreu(y + u * PS, a[u]);
}

// y[0..G) = sum_k R^T[k][0..G) h[k] (Rt: blocks as above), the recurrent product of a batch
// of one: blocks run NB at a time so that 8 packets of y accumulate in registers (one block
// under wasm SIMD and SSE, two with AVX, four with AVX-512). (Eigen's GEMV on R itself, a dot
// product per row, ran at 55 % of this speed under wasm SIMD.)
template <class T>
ONNX2CPP_K_OUTLINE inline void rnn_gemv(const T* Rt, const T* h, T* y, i64 G, i64 H) {
  constexpr int PS = Eigen::internal::packet_traits<T>::size;
  constexpr int PB = static_cast<int>(kRnnCols) / PS;
  constexpr int NB = PB >= 8 ? 1 : 8 / PB;
  const i64 full = G / kRnnCols, step = kRnnCols * H;
  i64 b = 0;
  for (; b + NB <= full; b += NB) rnn_gemv_blocks<T, NB>(Rt + b * step, h, y + b * kRnnCols, H);
  for (; b < full; ++b) rnn_gemv_blocks<T, 1>(Rt + b * step, h, y + b * kRnnCols, H);
  if (b * kRnnCols < G) {  // the last, partial block (zero-padded in Rt)
    alignas(64) T last[kRnnCols];
    rnn_gemv_blocks<T, 1>(Rt + b * step, h, last, H);
    for (i64 j = b * kRnnCols; j < G; ++j) y[j] = last[j - b * kRnnCols];
  }
}

// Lays R out as rnn_gemv() reads it (done at compile time for a batch of one); Rt has
// rnn_rt_size(p) elements.
template <class T>
inline void rnn_transpose_r(const T* R, T* Rt, const RnnParams& p) {
  const i64 G = rnn_gates(p) * p.hidden, H = p.hidden, nblk = rnn_rt_blocks(p);
  for (int d = 0; d < p.dirs; ++d)
    for (i64 blk = 0; blk < nblk; ++blk)
      for (i64 k = 0; k < H; ++k)
        for (i64 c = 0; c < kRnnCols; ++c) {
          const i64 j = blk * kRnnCols + c;
          Rt[((d * nblk + blk) * H + k) * kRnnCols + c] = j < G ? R[(d * G + j) * H + k] : T(0);
        }
}

// Wt[d][k][j] = W[d][j][k]: the input weights as the input projection on the panel
// microkernel (panel_matmul) reads them (done at compile time when W is constant).
template <class T>
inline void rnn_transpose_w(const T* W, T* Wt, const RnnParams& p) {
  const i64 G = rnn_gates(p) * p.hidden, I = p.input;
  for (int d = 0; d < p.dirs; ++d)
    for (i64 j = 0; j < G; ++j)
      for (i64 k = 0; k < I; ++k) Wt[(d * I + k) * G + j] = W[(d * G + j) * I + k];
}

// Whether rnn() uses Rt: one sequence, and no GRU with the reset applied before R_h.
inline bool rnn_uses_rt(const RnnParams& p) {
  return p.batch == 1 && !(p.cell == RnnCell::GRU && !p.linear_before_reset);
}

// The usual LSTM cell (sigmoid, tanh, tanh; no peepholes, clip or coupled gates) in one pass
// of packets over the hidden units (arguments as rnn_lstm_cell's); returns the units done: all
// but the tail of H, none for double (Eigen has no packet tanh for it).
template <class T>
inline i64 rnn_lstm_cell_packets(const T* g, const T* x, T* cb, T* hb, i64 H) {
  if constexpr (!std::is_same<T, float>::value) {
    return 0;
  } else {
    using P = typename Eigen::internal::packet_traits<T>::type;
    constexpr i64 PS = Eigen::internal::packet_traits<T>::size;
    using namespace Eigen::internal;
    const i64 hv = H / PS * PS;
    for (i64 j = 0; j < hv; j += PS) {
      const P i = psigmoid(padd(ploadu<P>(g + j), ploadu<P>(x + j)));
      const P o = psigmoid(padd(ploadu<P>(g + H + j), ploadu<P>(x + H + j)));
      const P f = psigmoid(padd(ploadu<P>(g + 2 * H + j), ploadu<P>(x + 2 * H + j)));
      const P cc = ptanh(padd(ploadu<P>(g + 3 * H + j), ploadu<P>(x + 3 * H + j)));
      const P c = padd(pmul(f, ploadu<P>(cb + j)), pmul(i, cc));
      pstoreu(cb + j, c);
      pstoreu(hb + j, pmul(o, ptanh(c)));
    }
    return hv;
  }
}

// One LSTM step of one sequence: g [4H] holds the recurrent product of the gates i o f c and
// x [4H] their input projection; updates the cell state cb and the hidden state hb.
template <class T>
ONNX2CPP_K_OUTLINE inline void rnn_lstm_cell(T* g, const T* x, T* cb, T* hb, const T* Pd, const Act* act,
                                             const RnnParams& p) {
  const i64 H = p.hidden;
  const bool usual = !Pd && p.clip <= 0.0f && !p.input_forget && act[0].kind == Act::Sigmoid &&
                     act[1].kind == Act::Tanh && act[2].kind == Act::Tanh;
  const i64 j0 = usual ? rnn_lstm_cell_packets(g, x, cb, hb, H) : 0;
  if (j0 == H) return;
  // The units left, gate by gate (Pd is null unless j0 == 0).
  for (int q = 0; q < 4; ++q)
    for (i64 j = j0; j < H; ++j) g[q * H + j] += x[q * H + j];
  g += j0;
  cb += j0;
  hb += j0;
  const i64 n = H - j0;
  T* gi = g;
  T* go = g + H;
  T* gf = g + 2 * H;
  T* gc = g + 3 * H;
  if (Pd)
    for (i64 j = 0; j < n; ++j) gi[j] += Pd[j] * cb[j];
  rnn_clip(gi, n, p.clip);
  rnn_activate(act[0], gi, n);
  if (p.input_forget) {
    for (i64 j = 0; j < n; ++j) gf[j] = T(1) - gi[j];
  } else {
    if (Pd)
      for (i64 j = 0; j < n; ++j) gf[j] += Pd[2 * H + j] * cb[j];
    rnn_clip(gf, n, p.clip);
    rnn_activate(act[0], gf, n);
  }
  rnn_clip(gc, n, p.clip);
  rnn_activate(act[1], gc, n);
  for (i64 j = 0; j < n; ++j) cb[j] = gf[j] * cb[j] + gi[j] * gc[j];
  if (Pd)
    for (i64 j = 0; j < n; ++j) go[j] += Pd[H + j] * cb[j];
  rnn_clip(go, n, p.clip);
  rnn_activate(act[0], go, n);
  for (i64 j = 0; j < n; ++j) gc[j] = cb[j];
  rnn_activate(act[2], gc, n);
  for (i64 j = 0; j < n; ++j) hb[j] = go[j] * gc[j];
}

// ONNX RNN/GRU/LSTM. W [dirs, G*H, input], R [dirs, G*H, H], B [dirs, 2*G*H] (or null),
// lens [batch] (or null: all steps), h0/c0 [dirs, batch, H] ([batch, dirs, H] with layout 1,
// or null: zeros), P [dirs, 3H] (LSTM peepholes i, o, f, or null). Outputs may be null:
// Y [seq, dirs, batch, H] ([batch, seq, dirs, H] with layout 1), Yh and Yc like h0.
// Steps past a batch entry's length leave its state alone and write zeros to Y.
// Rt: nullptr, or R as rnn_transpose_r() lays it out when rnn_uses_rt(p) (R may then be null).
// Wt: nullptr, or W as rnn_transpose_w() lays it out (W may then be null).
template <class T>
ONNX2CPP_K_OUTLINE inline void rnn(const T* X, const T* W, const T* R, const T* B, const std::int32_t* lens,
                                   const T* h0, const T* c0, const T* P, T* Y, T* Yh, T* Yc, const RnnParams& p,
                                   T* scratch, const T* Rt = nullptr, const T* Wt = nullptr) {
  const RnnScratch s = rnn_layout(p);
  const i64 H = p.hidden, I = p.input, S = p.seq, N = p.batch, G = rnn_gates(p) * H;
  const i64 rows = S * N, Gr = rnn_rec_cols(p);
  const bool lstm = p.cell == RnnCell::LSTM, gru = p.cell == RnnCell::GRU;
  const bool split = gru && !p.linear_before_reset;
  T* work = scratch + s.work;
  T* xw = scratch + s.xw;
  T* hr = scratch + s.hr;
  T* h = scratch + s.h;
  T* c = scratch + s.c;
  T* rh = scratch + s.rh;
  T* hh = scratch + s.hh;
  const int na = rnn_acts(p);
  for (int d = 0; d < p.dirs; ++d) {
    const bool rev = p.dirs == 2 ? d == 1 : p.reverse;
    const T* Wd = W ? W + d * G * I : nullptr;  // null when Wt replaces it
    const T* Rd = R ? R + d * G * H : nullptr;  // null when Rt replaces it
    const T* Wb = B ? B + d * 2 * G : nullptr;
    const T* Rb = B ? Wb + G : nullptr;
    const T* Pd = P ? P + d * 3 * H : nullptr;
    const Act* act = p.act + d * na;
    // Input projection of every step at once, with both biases (GRU with
    // linear_before_reset adds R's h bias inside the reset product instead): on the panel
    // microkernel with Wt, the biases a row in hr (free until the steps) added to every row;
    // else in every row of xw, on which Eigen's product accumulates.
    const bool late_rbh = gru && p.linear_before_reset;
    T* brow = Wt ? hr : xw;
    if (B) {
      for (i64 j = 0; j < G; ++j) brow[j] = Wb[j] + ((late_rbh && j >= 2 * H) ? T(0) : Rb[j]);
      if (!Wt)
        for (i64 r = 1; r < rows; ++r) copy(brow, xw + r * G, G);
    }
    if (Wt) panel_matmul(X, Wt + d * I * G, xw, rows, G, I, B ? brow : nullptr, 0, work);
    else gemm<T>(X, Wd, xw, rows, G, I, false, true, T(1), B != nullptr, work);
    for (i64 b = 0; b < N; ++b) {
      const i64 so = p.layout ? (b * p.dirs + d) * H : (d * N + b) * H;
      if (h0) copy(h0 + so, h + b * H, H);
      else fill(h + b * H, H, T(0));
      if (lstm) {
        if (c0) copy(c0 + so, c + b * H, H);
        else fill(c + b * H, H, T(0));
      }
    }
    for (i64 st = 0; st < S; ++st) {
      if (Rt && rnn_uses_rt(p)) rnn_gemv(Rt + d * rnn_rt_blocks(p) * kRnnCols * H, h, hr, G, H);
      else gemm<T>(h, Rd, hr, N, Gr, H, false, true, T(1), false, work);
      for (i64 b = 0; b < N; ++b) {
        i64 len = S;
        if (lens) len = std::max<i64>(0, std::min<i64>(S, static_cast<i64>(lens[b])));
        T* hb = h + b * H;
        if (st >= len) {  // past the end of this sequence
          if (Y) fill(Y + (p.layout ? (b * S + st) * p.dirs + d : (st * p.dirs + d) * N + b) * H, H, T(0));
          if (split) fill(rh + b * H, H, T(0));
          continue;
        }
        const i64 t = rev ? len - 1 - st : st;
        const T* x = xw + (p.layout ? b * S + t : t * N + b) * G;
        T* g = hr + b * Gr;
        if (lstm) {
          rnn_lstm_cell(g, x, c + b * H, hb, Pd, act, p);
        } else if (gru) {
          T* gz = g;
          T* gr = g + H;
          for (i64 j = 0; j < 2 * H; ++j) g[j] += x[j];
          rnn_clip(g, 2 * H, p.clip);
          rnn_activate(act[0], g, 2 * H);
          if (split) {  // finished below, after the product with R_h
            for (i64 j = 0; j < H; ++j) rh[b * H + j] = gr[j] * hb[j];
            continue;
          }
          T* gh = g + 2 * H;
          const T* rbh = Rb ? Rb + 2 * H : nullptr;
          for (i64 j = 0; j < H; ++j) gh[j] = x[2 * H + j] + gr[j] * (gh[j] + (rbh ? rbh[j] : T(0)));
          rnn_clip(gh, H, p.clip);
          rnn_activate(act[1], gh, H);
          for (i64 j = 0; j < H; ++j) hb[j] = (T(1) - gz[j]) * gh[j] + gz[j] * hb[j];
        } else {
          for (i64 j = 0; j < H; ++j) g[j] += x[j];
          rnn_clip(g, H, p.clip);
          rnn_activate(act[0], g, H);
          for (i64 j = 0; j < H; ++j) hb[j] = g[j];
        }
        if (Y) copy(hb, Y + (p.layout ? (b * S + t) * p.dirs + d : (t * p.dirs + d) * N + b) * H, H);
      }
      if (!split) continue;
      // GRU, linear_before_reset = 0: h~ = g(x_h + (r * H) R_h^T + biases).
      gemm<T>(rh, Rd + 2 * H * H, hh, N, H, H, false, true, T(1), false, work);
      for (i64 b = 0; b < N; ++b) {
        i64 len = S;
        if (lens) len = std::max<i64>(0, std::min<i64>(S, static_cast<i64>(lens[b])));
        if (st >= len) continue;
        const i64 t = rev ? len - 1 - st : st;
        const T* x = xw + (p.layout ? b * S + t : t * N + b) * G;
        const T* gz = hr + b * Gr;
        T* hn = hh + b * H;
        T* hb = h + b * H;
        for (i64 j = 0; j < H; ++j) hn[j] += x[2 * H + j];
        rnn_clip(hn, H, p.clip);
        rnn_activate(act[1], hn, H);
        for (i64 j = 0; j < H; ++j) hb[j] = (T(1) - gz[j]) * hn[j] + gz[j] * hb[j];
        if (Y) copy(hb, Y + (p.layout ? (b * S + t) * p.dirs + d : (t * p.dirs + d) * N + b) * H, H);
      }
    }
    for (i64 b = 0; b < N; ++b) {
      const i64 so = p.layout ? (b * p.dirs + d) * H : (d * N + b) * H;
      if (Yh) copy(h + b * H, Yh + so, H);
      if (Yc && lstm) copy(c + b * H, Yc + so, H);
    }
  }
}

ONNX2CPP_K_END
#endif
