// onnx2cpp kernels: DFT and STFT (direct transforms in double with exact twiddles).
#ifndef ONNX2CPP_K_SIGNAL_HPP
#define ONNX2CPP_K_SIGNAL_HPP

ONNX2CPP_K_BEGIN

// The twiddles of length L: tw[2m] = cos(2 pi m / L), tw[2m + 1] = sin(2 pi m / L), m < L.
// Exact at the quarter turns (so real inputs give exactly zero imaginary parts there).
inline void dft_twiddles(double* tw, i64 L) {
  const double pi = 3.14159265358979323846;
  for (i64 m = 0; m < L; ++m) {
    double c, s;
    if (4 * m % L == 0) {
      const i64 q = 4 * m / L;  // 0..3
      c = q == 0 ? 1.0 : q == 2 ? -1.0 : 0.0;
      s = q == 1 ? 1.0 : q == 3 ? -1.0 : 0.0;
    } else {
      const double a = 2.0 * pi * static_cast<double>(m) / static_cast<double>(L);
      c = std::cos(a);
      s = std::sin(a);
    }
    tw[2 * m] = c;
    tw[2 * m + 1] = s;
  }
}

// One line of a DFT of length L. The input holds n samples at stride xs (elements), each
// cin (1: real, 2: complex) values, times w[j] when w is not null; samples past n are zero
// (past L are dropped). Writes n_out bins at stride ys, each cout values (1: the real part).
// sign -1 forward, +1 inverse (then scaled by 1/L). half: the input is the first n bins of
// a Hermitian spectrum (inverse of a one-sided transform), the others are their conjugates.
template <class T>
inline void dft_line(const T* x, i64 xs, i64 n, i64 cin, const T* w, T* y, i64 ys, i64 cout, i64 L,
                     i64 n_out, int sign, bool half, const double* tw) {
  const double scale = sign > 0 ? 1.0 / static_cast<double>(L) : 1.0;
  const i64 m_in = std::min(n, L);
  for (i64 k = 0; k < n_out; ++k) {
    double re = 0.0, im = 0.0;
    const i64 terms = half ? L : m_in;
    for (i64 j = 0; j < terms; ++j) {
      double a, b;  // the sample's real and imaginary parts
      if (j < m_in) {
        const T* p = x + j * xs;
        a = static_cast<double>(p[0]);
        b = cin == 2 ? static_cast<double>(p[1]) : 0.0;
        if (w) {
          const double wj = static_cast<double>(w[j]);
          a *= wj;
          b *= wj;
        }
      } else if (L - j < m_in) {  // half: the conjugate of bin L - j
        const T* p = x + (L - j) * xs;
        a = static_cast<double>(p[0]);
        b = cin == 2 ? -static_cast<double>(p[1]) : 0.0;
      } else {
        continue;
      }
      const i64 m = (j * k) % L;
      const double c = tw[2 * m], s = sign * tw[2 * m + 1];
      re += a * c - b * s;
      im += a * s + b * c;
    }
    T* q = y + k * ys;
    q[0] = static_cast<T>(re * scale);
    if (cout == 2) q[1] = static_cast<T>(im * scale);
  }
}

// DFT over the middle axis of X[outer, n, inner, cin] into Y[outer, n_out, inner, cout]
// (dft_line's meaning of L, sign, half). tw: 2 * L doubles of scratch.
template <class T>
inline void dft(const T* X, T* Y, i64 outer, i64 n, i64 inner, i64 cin, i64 L, i64 n_out, i64 cout,
                i64 sign, bool half, double* tw) {
  dft_twiddles(tw, L);
  for (i64 o = 0; o < outer; ++o)
    for (i64 i = 0; i < inner; ++i)
      dft_line(X + (o * n * inner + i) * cin, inner * cin, n, cin, static_cast<const T*>(nullptr),
               Y + (o * n_out * inner + i) * cout, inner * cout, cout, L, n_out, static_cast<int>(sign), half, tw);
}

// STFT's frames: a signal of len samples cut into frames of L samples every `step`, L the
// frame_length when given (length >= 0), else the window's length W when there is a window
// (W >= 0), else len. Returns 0, or kStftBadStep, kStftBadLength (L outside [1, len]) or
// kStftWindow (a window whose length is not frame_length).
enum : int { kStftBadStep = 1, kStftBadLength = 2, kStftWindow = 3 };
inline int stft_geometry(i64 len, i64 step, i64 length, i64 W, bool onesided, i64* L, i64* frames, i64* n_out) {
  if (step <= 0) return kStftBadStep;
  if (length >= 0 && W >= 0 && W != length) return kStftWindow;
  const i64 l = length >= 0 ? length : W >= 0 ? W : len;
  if (l <= 0 || l > len) return kStftBadLength;
  *L = l;
  *frames = 1 + (len - l) / step;
  *n_out = onesided ? l / 2 + 1 : l;
  return 0;
}

// STFT of X[batch, len, cin] in frames of L samples every `step`, each times the window
// (null: ones), into Y[batch, frames, n_out, 2]. tw: 2 * L doubles of scratch.
template <class T>
inline void stft(const T* X, const T* window, T* Y, i64 batch, i64 len, i64 cin, i64 step, i64 frames,
                 i64 L, i64 n_out, double* tw) {
  dft_twiddles(tw, L);
  for (i64 b = 0; b < batch; ++b)
    for (i64 f = 0; f < frames; ++f)
      dft_line(X + (b * len + f * step) * cin, cin, L, cin, window, Y + (b * frames + f) * n_out * 2, 2, 2, L,
               n_out, -1, false, tw);
}

// STFT with frame_step (and frame_length) read at run time: Y [batch, frames, n_out, 2], each dim
// at most `bound`; tw holds 2 * len doubles.
template <class T, class I>
inline int stft_data(const T* X, const T* window, T* Y, i64 batch, i64 len, i64 cin, const I* step, const I* length,
                     i64 W, bool onesided, i64 bound, double* tw, DimOut out) {
  i64 L = 0, frames = 0, n_out = 0;
  if (stft_geometry(len, static_cast<i64>(step[0]), length ? static_cast<i64>(length[0]) : -1, W, onesided, &L, &frames,
                    &n_out))
    return ONNX2CPP_ERR_DATA_VALUE;
  const i64 d[4] = {batch, frames, n_out, 2};
  if (const int rc = set_data_dims(d, 4, bound, out)) return rc;
  if (batch > 0) stft(X, window, Y, batch, len, cin, static_cast<i64>(step[0]), frames, L, n_out, tw);
  return 0;
}

// ---- MelWeightMatrix -------------------------------------------------------------------------
// Y [dft_length / 2 + 1, bins]: bins triangular filters between mel(lo) and mel(hi) hertz
// (mel(hz) = 2595 log10(1 + hz / 700)) over the spectrogram's bins, in double, as the reference
// computes them. ONNX2CPP_ERR_DATA_VALUE for sizes that are not positive or bands outside the
// spectrogram; ONNX2CPP_ERR_DATA_SHAPE for a dim above `bound`; nothing written then (nor when
// Y is null: the checks alone).
template <class T>
inline int mel_weight_matrix(i64 bins, i64 dft_length, i64 rate, double lo, double hi, T* Y, i64 bound) {
  if (bins <= 0 || dft_length <= 0 || rate <= 0) return ONNX2CPP_ERR_DATA_VALUE;
  const i64 spec = dft_length / 2 + 1;
  if (spec > bound || bins > bound) return ONNX2CPP_ERR_DATA_SHAPE;
  const auto mel = [](double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); };
  const double mlo = mel(lo), step = (mel(hi) - mlo) / static_cast<double>(bins + 2);
  // The spectrogram bin of mel point i (of bins + 2).
  const auto at_bin = [&](i64 i) {
    const double hz = 700.0 * (std::pow(10.0, (static_cast<double>(i) * step + mlo) / 2595.0) - 1.0);
    const double f = std::floor(static_cast<double>(dft_length + 1) * hz / static_cast<double>(rate));
    return f >= 0 && f < static_cast<double>(spec) ? static_cast<i64>(f) : i64{-1};
  };
  for (i64 i = 0; i < bins + 2; ++i)
    if (at_bin(i) < 0) return ONNX2CPP_ERR_DATA_VALUE;
  if (!Y) return 0;
  for (i64 j = 0; j < spec * bins; ++j) Y[j] = T(0);
  for (i64 i = 0; i < bins; ++i) {
    const i64 l = at_bin(i), m = at_bin(i + 1), h = at_bin(i + 2);
    if (m == l) Y[m * bins + i] = T(1);
    for (i64 j = l; j <= m && m > l; ++j) Y[j * bins + i] = static_cast<T>(static_cast<double>(j - l) / static_cast<double>(m - l));
    for (i64 j = m; j < h; ++j) Y[j * bins + i] = static_cast<T>(static_cast<double>(h - j) / static_cast<double>(h - m));
  }
  return 0;
}

// MelWeightMatrix with its inputs read at run time: Y's dims written to out, each at most bound.
template <class T, class I, class F>
inline int mel_data(const I* bins, const I* dft_length, const I* rate, const F* lo, const F* hi, T* Y, i64 bound, DimOut out) {
  const i64 b = static_cast<i64>(bins[0]), n = static_cast<i64>(dft_length[0]);
  const double l = static_cast<double>(lo[0]), h = static_cast<double>(hi[0]);
  if (const int rc = mel_weight_matrix<T>(b, n, static_cast<i64>(rate[0]), l, h, nullptr, bound)) return rc;
  const i64 d[2] = {n / 2 + 1, b};
  if (const int rc = set_data_dims(d, 2, bound, out)) return rc;
  return mel_weight_matrix<T>(b, n, static_cast<i64>(rate[0]), l, h, Y, bound);
}

ONNX2CPP_K_END
#endif
