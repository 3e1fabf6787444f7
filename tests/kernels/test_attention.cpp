// attention (scaled dot-product attention: masks, causal frontier, KV cache, grouped heads,
// softcap, the qk output modes) and rotary_embedding, against naive double references.
#include "kt.hpp"

using namespace kt;

namespace {

struct Case {
  i64 B, Hq, Hkv, Sq, Skv, Sp, Dk, Dv;
  bool three_d, causal, fmask, bmask, nonpad;
  i64 mask_len;  // < T: the columns past it are masked (version 24 padding)
  float softcap;
  int mode;
};

void strides(i64* st, i64 H, i64 S, i64 D, bool three) {
  if (three) st[0] = S * H * D, st[1] = D, st[2] = H * D;
  else st[0] = H * S * D, st[1] = S * D, st[2] = D;
}

void run(const Case& c, std::mt19937& g) {
  const i64 T = c.Sp + c.Skv, rep = c.Hq / c.Hkv;
  k::AttnParams p{};
  p.B = c.B, p.Hq = c.Hq, p.Hkv = c.Hkv, p.Sq = c.Sq, p.Skv = c.Skv, p.Sp = c.Sp, p.Dk = c.Dk, p.Dv = c.Dv;
  strides(p.q, c.Hq, c.Sq, c.Dk, c.three_d);
  strides(p.k, c.Hkv, c.Skv, c.Dk, c.three_d);
  strides(p.v, c.Hkv, c.Skv, c.Dv, c.three_d);
  strides(p.y, c.Hq, c.Sq, c.Dv, c.three_d);
  // A mask of shape [B, 1, Sq, mask_len] (broadcast over heads).
  p.m[0] = c.Sq * c.mask_len, p.m[1] = 0, p.m[2] = c.mask_len, p.m[3] = 1;
  p.mask_len = c.mask_len;
  p.scale = 1.0f / std::sqrt(float(c.Dk));
  p.softcap = c.softcap;
  p.causal = c.causal;
  p.mode = c.mode;
  auto Q = rand_vec<float>(g, c.B * c.Hq * c.Sq * c.Dk, -2, 2);
  auto K = rand_vec<float>(g, c.B * c.Hkv * c.Skv * c.Dk, -2, 2);
  auto V = rand_vec<float>(g, c.B * c.Hkv * c.Skv * c.Dv);
  auto PK = rand_vec<float>(g, c.B * c.Hkv * c.Sp * c.Dk, -2, 2);
  auto PV = rand_vec<float>(g, c.B * c.Hkv * c.Sp * c.Dv);
  auto M = rand_vec<float>(g, c.B * c.Sq * c.mask_len, -1, 1);
  auto BM = rand_int<char>(g, c.B * c.Sq * c.mask_len, 0, 3);
  std::unique_ptr<bool[]> BMb(new bool[BM.size() + 1]);
  for (size_t i = 0; i < BM.size(); ++i) BMb[i] = BM[i] != 0;
  std::vector<i64> NP(static_cast<size_t>(c.B));
  for (auto& n : NP) n = rand_in(g, 0, T);
  Guarded<float> Y(c.B * c.Hq * c.Sq * c.Dv), PKo(c.B * c.Hkv * T * c.Dk), PVo(c.B * c.Hkv * T * c.Dv),
      QK(c.B * c.Hq * c.Sq * T);
  Guarded<float> work(k::attention_scratch(p, false, false));
  k::attention<float>(Q.data(), K.data(), V.data(), c.fmask ? M.data() : nullptr, c.bmask ? BMb.get() : nullptr,
                      c.Sp ? PK.data() : nullptr, c.Sp ? PV.data() : nullptr, c.nonpad ? NP.data() : nullptr, Y.data(),
                      PKo.data(), PVo.data(), c.mode >= 0 ? QK.data() : nullptr, p, work.data());
  // Reference.
  auto at = [](const std::vector<float>& x, const i64* st, i64 b, i64 h, i64 s, i64 d) {
    return double(x[static_cast<size_t>(b * st[0] + h * st[1] + s * st[2] + d)]);
  };
  std::vector<double> wy(Y.size()), wk(PKo.size()), wv(PVo.size()), wq(QK.size());
  auto key = [&](i64 b, i64 h, i64 t, i64 d) {
    return t < c.Sp ? double(PK[static_cast<size_t>(((b * c.Hkv + h) * c.Sp + t) * c.Dk + d)]) : at(K, p.k, b, h, t - c.Sp, d);
  };
  auto val = [&](i64 b, i64 h, i64 t, i64 d) {
    return t < c.Sp ? double(PV[static_cast<size_t>(((b * c.Hkv + h) * c.Sp + t) * c.Dv + d)]) : at(V, p.v, b, h, t - c.Sp, d);
  };
  for (i64 b = 0; b < c.B; ++b)
    for (i64 h = 0; h < c.Hkv; ++h)
      for (i64 t = 0; t < T; ++t) {
        for (i64 d = 0; d < c.Dk; ++d) wk[static_cast<size_t>(((b * c.Hkv + h) * T + t) * c.Dk + d)] = key(b, h, t, d);
        for (i64 d = 0; d < c.Dv; ++d) wv[static_cast<size_t>(((b * c.Hkv + h) * T + t) * c.Dv + d)] = val(b, h, t, d);
      }
  const double ninf = -std::numeric_limits<double>::infinity();
  for (i64 b = 0; b < c.B; ++b) {
    const i64 off = c.Sp ? c.Sp : c.nonpad ? NP[static_cast<size_t>(b)] - c.Sq : 0;
    for (i64 h = 0; h < c.Hq; ++h)
      for (i64 i = 0; i < c.Sq; ++i) {
        std::vector<double> s(static_cast<size_t>(T));
        double mx = ninf;
        for (i64 j = 0; j < T; ++j) {
          double x = 0;
          for (i64 d = 0; d < c.Dk; ++d) x += at(Q, p.q, b, h, i, d) * key(b, h / rep, j, d);
          x *= double(p.scale);
          double* q = &wq[static_cast<size_t>(((b * c.Hq + h) * c.Sq + i) * T + j)];
          if (c.mode == 0) *q = x;
          if (c.softcap > 0) x = c.softcap * std::tanh(x / c.softcap);
          if (c.mode == 1) *q = x;
          const size_t mi = static_cast<size_t>((b * c.Sq + i) * c.mask_len + j);
          if (c.fmask) x = j < c.mask_len ? x + M[mi] : ninf;
          if (c.bmask && (j >= c.mask_len || !BM[mi])) x = ninf;
          if (c.causal && j > i + off) x = ninf;
          if (c.nonpad && j >= NP[static_cast<size_t>(b)]) x = ninf;
          if (c.mode == 2) *q = x;
          s[static_cast<size_t>(j)] = x;
          mx = std::max(mx, x);
        }
        double sum = 0;
        for (double& e : s) sum += (e = mx == ninf ? 0.0 : std::exp(e - mx));
        for (i64 j = 0; j < T; ++j) {
          double& e = s[static_cast<size_t>(j)];
          if (sum > 0) e /= sum;
          if (c.mode == 3) wq[static_cast<size_t>(((b * c.Hq + h) * c.Sq + i) * T + j)] = e;
        }
        for (i64 d = 0; d < c.Dv; ++d) {
          double y = 0;
          for (i64 j = 0; j < T; ++j) y += s[static_cast<size_t>(j)] * val(b, h / rep, j, d);
          wy[static_cast<size_t>(b * p.y[0] + h * p.y[1] + i * p.y[2] + d)] = y;
        }
      }
  }
  std::ostringstream what;
  what << "attention B=" << c.B << " Hq=" << c.Hq << " Hkv=" << c.Hkv << " Sq=" << c.Sq << " Skv=" << c.Skv
       << " Sp=" << c.Sp << " Dk=" << c.Dk << " Dv=" << c.Dv << " 3d=" << c.three_d << " causal=" << c.causal
       << " fmask=" << c.fmask << " bmask=" << c.bmask << " nonpad=" << c.nonpad << " mask_len=" << c.mask_len
       << " softcap=" << c.softcap << " mode=" << c.mode;
  check_near(Y.data(), wy, 1e-4, 1e-5, what.str() + " Y");
  check_near(PKo.data(), wk, 0, 0, what.str() + " present_key");
  check_near(PVo.data(), wv, 0, 0, what.str() + " present_value");
  if (c.mode >= 0) check_near(QK.data(), wq, 1e-4, 1e-5, what.str() + " qk");
  CHECK(Y.intact());
  CHECK(work.intact());
  CHECK(QK.intact());
}

}  // namespace

TEST_CASE("attention", "[attention]") {
  std::mt19937 g(123);
  // B, Hq, Hkv, Sq, Skv, Sp, Dk, Dv, 3d, causal, fmask, bmask, nonpad, mask_len, softcap, mode
  const std::vector<Case> cases = {
      {2, 3, 3, 4, 6, 0, 8, 8, false, false, false, false, false, 6, 0, -1},
      {2, 3, 3, 4, 6, 0, 8, 10, true, false, true, false, false, 6, 0, 0},
      {2, 9, 3, 4, 6, 0, 8, 8, true, true, false, false, false, 6, 0, 1},
      {2, 6, 2, 5, 7, 12, 16, 5, false, true, true, false, false, 19, 2.0f, 2},
      {1, 4, 1, 3, 3, 5, 8, 8, false, false, false, true, false, 8, 0, 3},
      {2, 2, 2, 4, 6, 0, 8, 10, false, false, true, false, true, 4, 0, 2},
      {3, 2, 1, 2, 6, 0, 4, 4, true, true, false, false, true, 6, 0.5f, 3},
      {1, 2, 2, 1, 1, 40, 8, 8, false, true, false, false, false, 41, 0, -1},       // decode step
      {1, 2, 2, 33, 300, 0, 64, 72, false, true, true, false, false, 300, 0, 2},   // several GEMM blocks
      {1, 4, 2, 17, 17, 0, 65, 31, true, false, false, true, false, 9, 3.0f, 1},
  };
  for (const Case& c : cases) run(c, g);
}

TEST_CASE("rotary_embedding", "[attention][rotary]") {
  std::mt19937 g(124);
  for (int interleaved : {0, 1})
    for (bool pos : {false, true})
      for (bool three : {false, true})
        for (i64 rot : {i64(8), i64(4)}) {
          const i64 B = 2, H = 3, S = 5, D = 8, half = rot / 2, npos = pos ? 11 : B * S;
          k::RopeParams p{B, S, H, D, rot, npos, {0, 0, 0}, interleaved};
          if (three) p.st[0] = S * H * D, p.st[1] = H * D, p.st[2] = D;
          else p.st[0] = H * S * D, p.st[1] = D, p.st[2] = S * D;
          auto X = rand_vec<float>(g, B * H * S * D, -2, 2);
          auto cs = rand_vec<float>(g, npos * half), sn = rand_vec<float>(g, npos * half);
          auto P = rand_int<i64>(g, B * S, 0, npos - 1);
          Guarded<float> Y(B * H * S * D);
          k::rotary_embedding<float>(X.data(), cs.data(), sn.data(), pos ? P.data() : nullptr, Y.data(), p);
          std::vector<double> want(X.size());
          for (i64 b = 0; b < B; ++b)
            for (i64 s = 0; s < S; ++s)
              for (i64 h = 0; h < H; ++h) {
                const i64 o = b * p.st[0] + s * p.st[1] + h * p.st[2];
                const i64 r = pos ? P[static_cast<size_t>(b * S + s)] : b * S + s;
                for (i64 k = 0; k < D; ++k) want[static_cast<size_t>(o + k)] = X[static_cast<size_t>(o + k)];
                for (i64 k = 0; k < half; ++k) {
                  const i64 i1 = interleaved ? 2 * k : k, i2 = interleaved ? 2 * k + 1 : k + half;
                  const double x1 = X[static_cast<size_t>(o + i1)], x2 = X[static_cast<size_t>(o + i2)];
                  const double c = cs[static_cast<size_t>(r * half + k)], sv = sn[static_cast<size_t>(r * half + k)];
                  want[static_cast<size_t>(o + i1)] = c * x1 - sv * x2;
                  want[static_cast<size_t>(o + i2)] = sv * x1 + c * x2;
                }
              }
          check_near(Y.data(), want, 1e-6, 1e-6,
                     "rotary interleaved=" + std::to_string(interleaved) + " pos=" + std::to_string(pos) +
                         " 3d=" + std::to_string(three) + " rot=" + std::to_string(rot));
          CHECK(Y.intact());
        }
}
