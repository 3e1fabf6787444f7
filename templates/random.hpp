// onnx2cpp kernels: random numbers (RandomUniform, RandomNormal and their -Like forms,
// Bernoulli, Multinomial, training-mode Dropout).
//
// A counter-based generator: element k of a node's stream is splitmix64's output function
// applied to key + (k + 1) * golden, where the key is fixed at compile time from the node's
// seed attribute (ops/random.cpp). No state, no globals: the same key and k give the same
// bits on every run, in any order, on every target.
#ifndef ONNX2CPP_K_RANDOM_HPP
#define ONNX2CPP_K_RANDOM_HPP

ONNX2CPP_K_BEGIN

// The 64 random bits of element k of the stream key.
inline uint64_t rng_bits(i64 key, i64 k) {
  uint64_t z = static_cast<uint64_t>(key) + (static_cast<uint64_t>(k) + 1u) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// The key of a stream moved by n run-time values (none: key itself): each value mixed in by
// the same output function, 62 bits kept as compile-time keys are.
inline i64 rng_rekey(i64 key, const int64_t* seed, i64 n) {
  for (i64 i = 0; seed && i < n; ++i) key = static_cast<i64>(rng_bits(key ^ static_cast<i64>(seed[i]), i) >> 2);
  return key;
}

// Uniform in [0, 1) with 53 random bits.
inline double rng_unit(i64 key, i64 k) { return static_cast<double>(rng_bits(key, k) >> 11) * 0x1.0p-53; }

// low + (high - low) * u in T, kept below high (rounding to T could reach it).
template <class T>
inline T rng_in(double low, double high, double u) {
  const T v = static_cast<T>(low + (high - low) * u);
  if (v < static_cast<T>(high) || !(high > low)) return v;
  return std::nextafter(static_cast<T>(high), static_cast<T>(low));
}

// Y[k] uniform in [low, high).
template <class T>
inline void random_uniform(T* Y, i64 n, i64 key, double low, double high) {
  for (i64 k = 0; k < n; ++k) Y[k] = rng_in<T>(low, high, rng_unit(key, k));
}

// Y[k] normal with the given mean and standard deviation (Box-Muller on draws 2k and 2k+1).
template <class T>
inline void random_normal(T* Y, i64 n, i64 key, double mean, double scale) {
  const double two_pi = 6.283185307179586476925286766559;
  for (i64 k = 0; k < n; ++k) {
    const double u1 = 1.0 - rng_unit(key, 2 * k);  // (0, 1]: log(u1) is finite
    const double u2 = rng_unit(key, 2 * k + 1);
    Y[k] = static_cast<T>(mean + scale * std::sqrt(-2.0 * std::log(u1)) * std::cos(two_pi * u2));
  }
}

// Y[k] = 1 with probability X[k], else 0.
template <class T, class U>
inline void bernoulli(const T* X, U* Y, i64 n, i64 key) {
  for (i64 k = 0; k < n; ++k) Y[k] = static_cast<U>(rng_unit(key, k) < static_cast<double>(X[k]) ? 1 : 0);
}

// Y[b, s]: a class drawn from the softmax of row b of the logits X[batch, classes]
// (sample s of row b uses draw b * samples + s).
template <class T, class U>
inline void multinomial(const T* X, U* Y, i64 batch, i64 classes, i64 samples, i64 key) {
  for (i64 b = 0; b < batch; ++b) {
    const T* x = X + b * classes;
    double mx = -std::numeric_limits<double>::infinity();
    for (i64 c = 0; c < classes; ++c) mx = std::max(mx, static_cast<double>(x[c]));
    double total = 0;
    for (i64 c = 0; c < classes; ++c) total += std::exp(static_cast<double>(x[c]) - mx);
    for (i64 s = 0; s < samples; ++s) {
      const double target = rng_unit(key, b * samples + s) * total;
      double acc = 0;
      i64 pick = classes - 1;
      for (i64 c = 0; c < classes; ++c) {
        acc += std::exp(static_cast<double>(x[c]) - mx);
        if (target < acc) {
          pick = c;
          break;
        }
      }
      Y[b * samples + s] = static_cast<U>(pick);
    }
  }
}

// Dropout with training_mode read at run time: when true, each element is kept with
// probability 1 - ratio (mask true, Y = X / (1 - ratio)) or dropped (mask false, Y = 0);
// when false, Y = X and the mask is all true. ratio may be null (0.5); mask may be null. The
// seed's seed_n values, given at run time (a training step's caller seed and step count), are
// mixed into the key (rng_rekey): the same seed, the same mask.
template <class T, class R>
inline void dropout_training(const T* X, const R* ratio, const bool* training, T* Y, bool* mask, i64 n, i64 key,
                             const int64_t* seed, i64 seed_n) {
  key = rng_rekey(key, seed, seed_n);
  const double r = ratio ? static_cast<double>(ratio[0]) : 0.5;
  if (!training[0] || r == 0.0) {
    for (i64 k = 0; k < n; ++k) Y[k] = X[k];
    if (mask)
      for (i64 k = 0; k < n; ++k) mask[k] = true;
    return;
  }
  const T scale = r < 1.0 ? static_cast<T>(1.0 / (1.0 - r)) : T(0);
  for (i64 k = 0; k < n; ++k) {
    const bool keep = r < 1.0 && rng_unit(key, k) >= r;
    Y[k] = keep ? static_cast<T>(X[k] * scale) : T(0);
    if (mask) mask[k] = keep;
  }
}

ONNX2CPP_K_END

#endif
