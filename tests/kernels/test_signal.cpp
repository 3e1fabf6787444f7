// DFT and STFT (templates/signal.hpp) against a direct complex sum in long double with
// std::polar twiddles: real and complex input, forward and inverse, one-sided output, the
// inverse of a one-sided spectrum (Hermitian extension), zero padding and truncation.
#include "kt.hpp"

#include <complex>

using namespace kt;

namespace {

using cld = std::complex<long double>;

// y[k] = scale * sum_j x[j] e^{sign 2 pi i j k / L}, k < n_out (x zero past its length, cut at L).
std::vector<cld> dft_ref(const std::vector<cld>& x, i64 L, i64 n_out, int sign) {
  const long double pi = 3.141592653589793238462643383279502884L;
  std::vector<cld> y(static_cast<size_t>(n_out));
  for (i64 k = 0; k < n_out; ++k) {
    cld s = 0;
    for (i64 j = 0; j < std::min<i64>(L, static_cast<i64>(x.size())); ++j)
      s += x[static_cast<size_t>(j)] * std::polar(1.0L, sign * 2 * pi * static_cast<long double>((j * k) % L) / L);
    y[static_cast<size_t>(k)] = sign > 0 ? s / static_cast<long double>(L) : s;
  }
  return y;
}

}  // namespace

TEST_CASE("dft: against a direct sum, forward and inverse, real and complex, padded and cut", "[signal]") {
  std::mt19937 g(7);
  for (i64 n : {1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33})
    for (i64 L : {n, n + 3, std::max<i64>(1, n - 1)})
      for (i64 cin : {1, 2})
        for (int sign : {-1, 1})
          for (bool onesided : {false, true}) {
            if (sign > 0 && onesided) continue;  // the Hermitian case below
            const i64 outer = 2, inner = 3, n_out = onesided ? L / 2 + 1 : L;
            const auto x = rand_vec<float>(g, outer * n * inner * cin);
            std::vector<float> y(static_cast<size_t>(outer * n_out * inner * 2));
            std::vector<double> tw(static_cast<size_t>(2 * L)), ref(y.size());
            k::dft(x.data(), y.data(), outer, n, inner, cin, L, n_out, i64(2), i64(sign), false, tw.data());
            for (i64 o = 0; o < outer; ++o)
              for (i64 i = 0; i < inner; ++i) {
                std::vector<cld> line(static_cast<size_t>(n));
                for (i64 j = 0; j < n; ++j) {
                  const float* p = &x[static_cast<size_t>(((o * n + j) * inner + i) * cin)];
                  line[static_cast<size_t>(j)] = cld(p[0], cin == 2 ? p[1] : 0.0f);
                }
                const auto r = dft_ref(line, L, n_out, sign);
                for (i64 k = 0; k < n_out; ++k) {
                  const size_t at = static_cast<size_t>(((o * n_out + k) * inner + i) * 2);
                  ref[at] = static_cast<double>(r[static_cast<size_t>(k)].real());
                  ref[at + 1] = static_cast<double>(r[static_cast<size_t>(k)].imag());
                }
              }
            check_near(y, ref, 1e-5, 1e-5 * static_cast<double>(n),
                       "n " + std::to_string(n) + " L " + std::to_string(L) + " cin " + std::to_string(cin) +
                           " sign " + std::to_string(sign) + (onesided ? " onesided" : ""));
          }
}

TEST_CASE("dft: the inverse of a one-sided spectrum gives back the real signal", "[signal]") {
  std::mt19937 g(11);
  for (i64 L : {1, 2, 3, 4, 5, 8, 9, 16, 17, 31, 32}) {
    const auto x = rand_vec<float>(g, L);
    const i64 bins = L / 2 + 1;
    std::vector<float> spec(static_cast<size_t>(bins * 2)), back(static_cast<size_t>(L));
    std::vector<double> tw(static_cast<size_t>(2 * L));
    k::dft(x.data(), spec.data(), i64(1), L, i64(1), i64(1), L, bins, i64(2), i64(-1), false, tw.data());
    k::dft(spec.data(), back.data(), i64(1), bins, i64(1), i64(2), L, L, i64(1), i64(1), true, tw.data());
    check_near(back, to_double(x), 1e-5, 1e-6, "L " + std::to_string(L));
  }
}

TEST_CASE("stft: windowed frames against the direct sum", "[signal]") {
  std::mt19937 g(3);
  for (i64 cin : {1, 2})
    for (bool windowed : {false, true}) {
      const i64 batch = 2, len = 40, step = 6, L = 9, frames = 1 + (len - L) / step, n_out = L / 2 + 1;
      const auto x = rand_vec<float>(g, batch * len * cin);
      const auto w = rand_vec<float>(g, L, 0.0, 1.0);
      std::vector<float> y(static_cast<size_t>(batch * frames * n_out * 2));
      std::vector<double> tw(static_cast<size_t>(2 * L)), ref(y.size());
      k::stft(x.data(), windowed ? w.data() : nullptr, y.data(), batch, len, cin, step, frames, L, n_out, tw.data());
      for (i64 b = 0; b < batch; ++b)
        for (i64 f = 0; f < frames; ++f) {
          std::vector<cld> line(static_cast<size_t>(L));
          for (i64 j = 0; j < L; ++j) {
            const float* p = &x[static_cast<size_t>((b * len + f * step + j) * cin)];
            const long double wj = windowed ? w[static_cast<size_t>(j)] : 1.0f;
            line[static_cast<size_t>(j)] = cld(p[0], cin == 2 ? p[1] : 0.0f) * wj;
          }
          const auto r = dft_ref(line, L, n_out, -1);
          for (i64 k = 0; k < n_out; ++k) {
            const size_t at = static_cast<size_t>(((b * frames + f) * n_out + k) * 2);
            ref[at] = static_cast<double>(r[static_cast<size_t>(k)].real());
            ref[at + 1] = static_cast<double>(r[static_cast<size_t>(k)].imag());
          }
        }
      check_near(y, ref, 1e-5, 1e-5, std::string("cin ") + std::to_string(cin) + (windowed ? " windowed" : ""));
    }
}
