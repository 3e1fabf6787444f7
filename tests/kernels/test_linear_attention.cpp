// linear_attention (LinearAttention's recurrence: the four update rules, per-head and per-key
// decay, shared and per-head beta, the erase gate no conformance test reaches, grouped heads,
// a past state) against a naive double reference.
#include "kt.hpp"

using namespace kt;

namespace {

struct Case {
  i64 B, T, Hq, Hkv, Dk, Dv, decay_w, beta_w;
  bool erase, past, present;
};

void run(const Case& c, std::mt19937& g) {
  k::LinAttnParams p{c.B, c.T, c.Hq, c.Hkv, c.Dk, c.Dv, c.decay_w, c.beta_w, 0.3f};
  const i64 rep = c.Hq / c.Hkv, DD = c.Dk * c.Dv;
  auto Q = rand_vec<float>(g, c.B * c.T * c.Hq * c.Dk);
  auto K = rand_vec<float>(g, c.B * c.T * c.Hkv * c.Dk, -0.5, 0.5);
  auto V = rand_vec<float>(g, c.B * c.T * c.Hkv * c.Dv);
  auto D = rand_vec<float>(g, c.B * c.T * c.Hkv * std::max<i64>(c.decay_w, 1), -0.5, 0);
  auto Bt = rand_vec<float>(g, c.B * c.T * std::max<i64>(c.beta_w, 1), 0, 1);
  auto E = rand_vec<float>(g, c.B * c.T * c.Hkv * c.Dk, 0, 1);
  auto P = rand_vec<float>(g, c.B * c.Hkv * DD);
  Guarded<float> Y(c.B * c.T * c.Hq * c.Dv), S(c.B * c.Hkv * DD), work(k::linear_attention_scratch(p, !c.present));
  k::linear_attention<float>(Q.data(), K.data(), V.data(), c.past ? P.data() : nullptr, c.decay_w ? D.data() : nullptr,
                             c.beta_w ? Bt.data() : nullptr, c.erase ? E.data() : nullptr, Y.data(),
                             c.present ? S.data() : nullptr, p, work.data());
  // Reference.
  std::vector<double> st(static_cast<size_t>(c.B * c.Hkv * DD)), wy(Y.size());
  for (size_t i = 0; i < st.size(); ++i) st[i] = c.past ? P[i] : 0.0;
  for (i64 b = 0; b < c.B; ++b)
    for (i64 t = 0; t < c.T; ++t) {
      const i64 bt = b * c.T + t;
      for (i64 h = 0; h < c.Hkv; ++h) {
        double* s = &st[static_cast<size_t>((b * c.Hkv + h) * DD)];
        auto k_at = [&](i64 i) { return double(K[static_cast<size_t>((bt * c.Hkv + h) * c.Dk + i)]); };
        for (i64 i = 0; i < c.Dk; ++i) {
          if (!c.decay_w) break;
          const double gi = D[static_cast<size_t>((bt * c.Hkv + h) * c.decay_w + (c.decay_w == 1 ? 0 : i))];
          for (i64 j = 0; j < c.Dv; ++j) s[i * c.Dv + j] *= std::exp(gi);
        }
        std::vector<double> u(static_cast<size_t>(c.Dv));
        for (i64 j = 0; j < c.Dv; ++j) {
          double v = V[static_cast<size_t>((bt * c.Hkv + h) * c.Dv + j)];
          if (c.beta_w) {
            double r = 0;
            for (i64 i = 0; i < c.Dk; ++i)
              r += s[i * c.Dv + j] * k_at(i) * (c.erase ? double(E[static_cast<size_t>((bt * c.Hkv + h) * c.Dk + i)]) : 1.0);
            v = Bt[static_cast<size_t>(bt * c.beta_w + (c.beta_w == 1 ? 0 : h))] * (v - r);
          }
          u[static_cast<size_t>(j)] = v;
        }
        for (i64 i = 0; i < c.Dk; ++i)
          for (i64 j = 0; j < c.Dv; ++j) s[i * c.Dv + j] += k_at(i) * u[static_cast<size_t>(j)];
        for (i64 r = 0; r < rep; ++r) {
          const i64 hq = h * rep + r;
          for (i64 j = 0; j < c.Dv; ++j) {
            double y = 0;
            for (i64 i = 0; i < c.Dk; ++i) y += double(Q[static_cast<size_t>((bt * c.Hq + hq) * c.Dk + i)]) * s[i * c.Dv + j];
            wy[static_cast<size_t>((bt * c.Hq + hq) * c.Dv + j)] = 0.3 * y;
          }
        }
      }
    }
  std::ostringstream what;
  what << "linear_attention B=" << c.B << " T=" << c.T << " Hq=" << c.Hq << " Hkv=" << c.Hkv << " Dk=" << c.Dk
       << " Dv=" << c.Dv << " decay_w=" << c.decay_w << " beta_w=" << c.beta_w << " erase=" << c.erase
       << " past=" << c.past;
  check_near(Y.data(), wy, 1e-4, 1e-5, what.str() + " Y");
  if (c.present) check_near(S.data(), st, 1e-4, 1e-5, what.str() + " present_state");
  CHECK(Y.intact());
  CHECK(S.intact());
  CHECK(work.intact());
}

}  // namespace

TEST_CASE("linear_attention", "[attention]") {
  std::mt19937 g(7);
  // B, T, Hq, Hkv, Dk, Dv, decay_w, beta_w, erase, past, present
  const std::vector<Case> cases = {
      {2, 5, 2, 2, 4, 3, 0, 0, false, false, true},   // linear
      {1, 4, 4, 2, 8, 8, 1, 0, false, true, true},    // gated, per head, grouped heads
      {2, 3, 3, 3, 5, 7, 0, 3, false, false, false},  // delta, state in scratch
      {2, 6, 4, 1, 8, 9, 8, 1, true, true, true},     // gated_delta, per key decay, shared beta, erase gate
      {1, 17, 2, 2, 16, 17, 16, 2, true, false, true},
  };
  for (const Case& c : cases) run(c, g);
}
