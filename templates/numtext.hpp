// onnx2cpp kernels: numbers as text, for Cast and CastLike to and from string.
//
// Numbers to strings are written as the ONNX reference implementation writes them (numpy's
// astype(str)): integers in decimal, bool as "True"/"False", floats as the shortest decimal
// that reads back to the same value in their own type (float16 and bfloat16 included),
// positional when 1e-4 <= |x| < 1e16 or x is 0 ("0.1", "100.0", "-0.0", "9999999000000000.0"),
// else scientific ("1e-05", "1.5e+16"), and "inf", "-inf", "nan". A string's bytes go to
// `area` (the node's scratch, at most numtext_bound<T>() bytes each).
//
// Strings to numbers read the text as Python's float() does (the reference's numpy reads it
// so): ASCII whitespace around, a sign, digits with an optional fraction and exponent
// ("3.14", "1e-5", "1E8", ".5"), or inf / infinity / nan in any case; the value correctly
// rounded to double, then to the type (float: double -> float as numpy does). Integers take
// plain integers exactly, and other numbers truncated toward zero ("100.5" -> 100); bool takes
// "true" / "false" in any case or a number (not 0: true). Text that does not read as a number,
// or a number out of an integer type's range (NaN, infinity), ends the run with
// ONNX2CPP_ERR_DATA_VALUE. Every read stays inside the view; nothing is allocated (the exact
// arithmetic uses fixed arrays on the stack).
#ifndef ONNX2CPP_K_NUMTEXT_HPP
#define ONNX2CPP_K_NUMTEXT_HPP

ONNX2CPP_K_BEGIN

using str = onnx2cpp_string;  // as in strings.hpp

// ---- unsigned big integers on the stack: 32-bit words, least significant first -------------
struct nt_big {
  static constexpr int kWords = 140;  // 4480 bits: the bounds below never exceed 4100
  uint32_t w[kWords];
  int n = 0;  // words in use (the top one not 0)
};
inline void nt_set(nt_big& a, uint64_t v) {
  a.n = 0;
  while (v) {
    a.w[a.n++] = static_cast<uint32_t>(v);
    v >>= 32;
  }
}
inline void nt_mul_small(nt_big& a, uint32_t m) {
  uint64_t carry = 0;
  for (int i = 0; i < a.n; ++i) {
    const uint64_t t = static_cast<uint64_t>(a.w[i]) * m + carry;
    a.w[i] = static_cast<uint32_t>(t);
    carry = t >> 32;
  }
  if (carry && a.n < nt_big::kWords) a.w[a.n++] = static_cast<uint32_t>(carry);
}
inline void nt_add_small(nt_big& a, uint32_t v) {
  uint64_t carry = v;
  for (int i = 0; i < a.n && carry; ++i) {
    const uint64_t t = a.w[i] + carry;
    a.w[i] = static_cast<uint32_t>(t);
    carry = t >> 32;
  }
  if (carry && a.n < nt_big::kWords) a.w[a.n++] = static_cast<uint32_t>(carry);
}
inline uint32_t nt_divmod_small(nt_big& a, uint32_t d) {
  uint64_t r = 0;
  for (int i = a.n - 1; i >= 0; --i) {
    const uint64_t t = (r << 32) | a.w[i];
    a.w[i] = static_cast<uint32_t>(t / d);
    r = t % d;
  }
  while (a.n && !a.w[a.n - 1]) --a.n;
  return static_cast<uint32_t>(r);
}
inline void nt_mul_pow(nt_big& a, uint32_t base, int e) {  // a *= base^e (base 5 or 10)
  const uint32_t big = base == 10 ? 1000000000u : 1220703125u;  // 10^9, 5^13
  const int step = base == 10 ? 9 : 13;
  for (; e >= step; e -= step) nt_mul_small(a, big);
  uint32_t r = 1;
  for (; e > 0; --e) r *= base;
  if (r != 1) nt_mul_small(a, r);
}
inline int nt_bits(const nt_big& a) {
  if (a.n == 0) return 0;
  int b = 32;
  while (!((a.w[a.n - 1] >> (b - 1)) & 1u)) --b;
  return (a.n - 1) * 32 + b;
}
inline void nt_shl(nt_big& a, int s) {
  if (a.n == 0 || s <= 0) return;
  const int ws = s / 32, bs = s % 32;
  int n = a.n + ws + 1;
  if (n > nt_big::kWords) n = nt_big::kWords;
  for (int i = n - 1; i >= 0; --i) {
    const int src = i - ws;
    uint32_t v = 0;
    if (src >= 0 && src < a.n) v = a.w[src] << bs;
    if (bs && src - 1 >= 0 && src - 1 < a.n) v |= a.w[src - 1] >> (32 - bs);
    a.w[i] = v;
  }
  a.n = n;
  while (a.n && !a.w[a.n - 1]) --a.n;
}
inline void nt_shr1(nt_big& a) {
  for (int i = 0; i < a.n; ++i) a.w[i] = (a.w[i] >> 1) | (i + 1 < a.n ? a.w[i + 1] << 31 : 0u);
  while (a.n && !a.w[a.n - 1]) --a.n;
}
inline int nt_cmp(const nt_big& a, const nt_big& b) {
  if (a.n != b.n) return a.n < b.n ? -1 : 1;
  for (int i = a.n - 1; i >= 0; --i)
    if (a.w[i] != b.w[i]) return a.w[i] < b.w[i] ? -1 : 1;
  return 0;
}
inline void nt_sub(nt_big& a, const nt_big& b) {  // a -= b, a >= b
  int64_t borrow = 0;
  for (int i = 0; i < a.n; ++i) {
    int64_t t = static_cast<int64_t>(a.w[i]) - (i < b.n ? static_cast<int64_t>(b.w[i]) : 0) - borrow;
    borrow = t < 0;
    if (t < 0) t += int64_t(1) << 32;
    a.w[i] = static_cast<uint32_t>(t);
  }
  while (a.n && !a.w[a.n - 1]) --a.n;
}
// The top `k` (<= 64) bits of a (bits(a) >= k), and whether any bit below them is set.
inline uint64_t nt_top(const nt_big& a, int k, bool* sticky) {
  const int L = nt_bits(a);
  uint64_t r = 0;
  for (int b = L - 1; b >= L - k; --b) r = (r << 1) | ((a.w[b / 32] >> (b % 32)) & 1u);
  for (int b = L - k - 1; b >= 0 && !*sticky; --b) *sticky = (a.w[b / 32] >> (b % 32)) & 1u;
  return r;
}

// ---- decimal -> binary, correctly rounded ---------------------------------------------------
// The binary format: `mbits` significant bits, normal leading-bit exponents emin..emax
// (double 53, -1022, 1023; float 24, -126, 127; float16 11, -14, 15; bfloat16 8, -126, 127).
struct NtFormat {
  int mbits, emin, emax;
};

// The integer of the n decimal digits `d` (ASCII, n >= 1) times 10^dexp, rounded to nearest
// even in format f; the result (exact in a double) is positive, 0 or infinity. The caller
// bounds n (<= 802) and dexp.
inline double nt_dec_to_bin(const char* d, int n, int dexp, NtFormat f) {
  int lead = 0;
  while (lead < n && d[lead] == '0') ++lead;
  if (lead == n) return 0.0;
  d += lead;
  n -= lead;
  const int top = n + dexp;  // the value is in [10^(top-1), 10^top)
  if (top > 400) return std::numeric_limits<double>::infinity();
  if (top < -400) return 0.0;
  nt_big D;
  nt_set(D, 0);
  for (int i = 0; i < n; ++i) {
    nt_mul_small(D, 10);
    nt_add_small(D, static_cast<uint32_t>(d[i] - '0'));
  }
  uint64_t q = 0;
  int e2 = 0;  // value = (q + sticky) * 2^e2
  bool sticky = false;
  if (dexp >= 0) {
    nt_mul_pow(D, 10, dexp);
    const int L = nt_bits(D);
    if (L > 60) {
      q = nt_top(D, 60, &sticky);
      e2 = L - 60;
    } else {
      q = D.w[0] | (D.n > 1 ? static_cast<uint64_t>(D.w[1]) << 32 : 0);
    }
  } else {
    nt_big P;
    nt_set(P, 1);
    nt_mul_pow(P, 10, -dexp);
    const int t = nt_bits(D) - nt_bits(P) - 57;  // D / P scaled to 56..58 bits
    if (t >= 0) nt_shl(P, t);
    else nt_shl(D, -t);
    e2 = t;
    nt_shl(P, 58);
    for (int b = 58; b >= 0; --b) {
      if (nt_cmp(D, P) >= 0) {
        nt_sub(D, P);
        q |= uint64_t(1) << b;
      }
      nt_shr1(P);
    }
    sticky = D.n != 0;
  }
  int Lq = 64;
  while (!((q >> (Lq - 1)) & 1u)) --Lq;
  const int E = e2 + Lq - 1;  // the leading bit's exponent
  if (E > f.emax) return std::numeric_limits<double>::infinity();
  const int keep = E >= f.emin ? f.mbits : f.mbits - (f.emin - E);
  if (keep < 0) return 0.0;
  const int drop = Lq - keep;
  uint64_t m = q;
  if (drop > 0) {
    m = drop >= 64 ? 0 : q >> drop;
    const uint64_t rem = drop >= 64 ? q : q & ((uint64_t(1) << drop) - 1);
    const uint64_t half = uint64_t(1) << (drop - 1);
    if (rem > half || (rem == half && (sticky || (m & 1u)))) ++m;
    e2 += drop;
  }
  const double r = std::ldexp(static_cast<double>(m), e2);
  return r >= std::ldexp(1.0, f.emax + 1) ? std::numeric_limits<double>::infinity() : r;
}

// ---- text -> number ---------------------------------------------------------------------------
inline bool nt_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }
inline char nt_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
inline bool nt_word(const char* s, i64 n, const char* w) {  // s[0..n) is w, any case
  i64 i = 0;
  for (; i < n && w[i]; ++i)
    if (nt_lower(s[i]) != w[i]) return false;
  return i == n && !w[i];
}
inline void nt_trim(const char*& s, i64& n) {
  while (n > 0 && nt_space(s[0])) ++s, --n;
  while (n > 0 && nt_space(s[n - 1])) --n;
}

// s[0..n) as Python's float() reads it, correctly rounded to double; false if it is not a number.
inline bool nt_parse(const char* s, i64 n, double* out) {
  constexpr int kMax = 800;  // significant digits kept; a nonzero rest counts as one more digit
  nt_trim(s, n);
  bool neg = false;
  if (n > 0 && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    ++s, --n;
  }
  if (nt_word(s, n, "inf") || nt_word(s, n, "infinity")) {
    *out = neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    return true;
  }
  if (nt_word(s, n, "nan")) {
    *out = neg ? -std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  char dig[kMax + 2];
  int nd = 0;
  i64 shift = 0;  // value = digits * 10^(exp + shift)
  bool sticky = false, any = false;
  i64 i = 0;
  for (; i < n && s[i] >= '0' && s[i] <= '9'; ++i) {
    any = true;
    if (nd == 0 && s[i] == '0') continue;
    if (nd < kMax) dig[nd++] = s[i];
    else ++shift, sticky = sticky || s[i] != '0';
  }
  if (i < n && s[i] == '.') {
    for (++i; i < n && s[i] >= '0' && s[i] <= '9'; ++i) {
      any = true;
      if (nd == 0 && s[i] == '0') {
        --shift;
        continue;
      }
      if (nd < kMax) dig[nd++] = s[i], --shift;
      else sticky = sticky || s[i] != '0';
    }
  }
  if (!any) return false;
  i64 exp = 0;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool eneg = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) eneg = s[i++] == '-';
    if (i >= n || s[i] < '0' || s[i] > '9') return false;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; ++i)
      if (exp < 100000) exp = exp * 10 + (s[i] - '0');
    if (eneg) exp = -exp;
  }
  if (i != n) return false;
  double v = 0.0;
  if (nd > 0) {
    if (sticky) dig[nd++] = '1', --shift;
    i64 dexp = exp + shift;
    if (dexp > 100000) dexp = 100000;
    if (dexp < -100000) dexp = -100000;
    v = nt_dec_to_bin(dig, nd, static_cast<int>(dexp), NtFormat{53, -1022, 1023});
  }
  *out = neg ? -v : v;
  return true;
}

// A plain integer ([sign] digits, whitespace around): its value in [lo, hi], else false.
inline bool nt_parse_int(const char* s, i64 n, int64_t lo, uint64_t hi, bool* neg_out, uint64_t* mag) {
  nt_trim(s, n);
  bool neg = false;
  if (n > 0 && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    ++s, --n;
  }
  if (n == 0) return false;
  uint64_t v = 0;
  for (i64 i = 0; i < n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    const uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (v > (~uint64_t(0) - d) / 10) return false;  // past uint64: out of every range
    v = v * 10 + d;
  }
  const uint64_t neg_max = lo < 0 ? static_cast<uint64_t>(-(lo + 1)) + 1 : 0;
  if (neg ? v > neg_max : v > hi) return false;
  *neg_out = neg && v != 0;
  *mag = v;
  return true;
}

// The float formats of the types, and the most digits their shortest texts take.
template <class T>
constexpr NtFormat nt_format() {
  if constexpr (std::is_same<T, float>::value) return NtFormat{24, -126, 127};
  else if constexpr (std::is_same<T, float16>::value) return NtFormat{11, -14, 15};
  else if constexpr (std::is_same<T, bfloat16>::value) return NtFormat{8, -126, 127};
  else return NtFormat{53, -1022, 1023};
}
template <class T>
constexpr int nt_digits() {
  if constexpr (std::is_same<T, float>::value) return 9;
  else if constexpr (std::is_same<T, float16>::value) return 5;
  else if constexpr (std::is_same<T, bfloat16>::value) return 4;
  else return 17;
}

template <class T>
inline T nt_from_double(double v) {
  if constexpr (std::is_same<T, bfloat16>::value) return bfloat16(static_cast<float>(v));  // as ml_dtypes
  else return static_cast<T>(v);
}

// One string as T; false if the text is not a T (see the top of this file).
template <class T>
inline bool nt_read(const str& x, T* y) {
  const char* s = x.data;
  const i64 n = static_cast<i64>(x.size);
  double v = 0;
  if constexpr (std::is_same<T, bool>::value) {
    const char* t = s;
    i64 m = n;
    nt_trim(t, m);
    if (nt_word(t, m, "true") || nt_word(t, m, "false")) {
      *y = nt_lower(t[0]) == 't';
      return true;
    }
    if (!nt_parse(s, n, &v)) return false;
    *y = v != 0;
    return true;
  } else if constexpr (std::is_integral<T>::value) {
    const int64_t lo = static_cast<int64_t>(std::numeric_limits<T>::min());
    const uint64_t hi = static_cast<uint64_t>(std::numeric_limits<T>::max());
    bool neg = false;
    uint64_t mag = 0;
    if (nt_parse_int(s, n, lo, hi, &neg, &mag)) {
      *y = neg ? static_cast<T>(0 - mag) : static_cast<T>(mag);  // in range: exact
      return true;
    }
    if (!nt_parse(s, n, &v) || !(v == v)) return false;
    const double t = std::trunc(v);
    const double top = std::ldexp(1.0, std::numeric_limits<T>::digits);  // max + 1
    const double bottom = std::is_signed<T>::value ? -top : 0.0;
    if (!(t >= bottom && t < top)) return false;
    *y = static_cast<T>(t);
    return true;
  } else {
    if (!nt_parse(s, n, &v)) return false;
    *y = nt_from_double<T>(v);
    return true;
  }
}

// y = x read as T (Cast from string); ONNX2CPP_ERR_DATA_VALUE at the first text that is not a T.
template <class T>
inline int cast_from_string(const str* x, T* y, i64 n) {
  for (i64 i = 0; i < n; ++i)
    if (!nt_read(x[i], y + i)) return ONNX2CPP_ERR_DATA_VALUE;
  return 0;
}

// ---- number -> text --------------------------------------------------------------------------
// The most bytes a T takes as text.
template <class T>
constexpr i64 numtext_bound() {
  if constexpr (std::is_same<T, bool>::value) return 5;
  else if constexpr (std::is_integral<T>::value) return std::numeric_limits<T>::digits10 + 2;
  else return 1 + std::max(std::max(18, 5 + nt_digits<T>()), nt_digits<T>() + 6);
}

// The exact decimal digits of m * 2^e (m > 0) into buf (no leading or trailing zeros);
// returns their count, *dexp such that the value is digits * 10^dexp.
inline int nt_exact_digits(uint64_t m, int e, char* buf, int* dexp) {
  while (!(m & 1u)) m >>= 1, ++e;
  nt_big N;
  nt_set(N, m);
  *dexp = 0;
  if (e >= 0) {
    nt_shl(N, e);
  } else {
    nt_mul_pow(N, 5, -e);
    *dexp = e;
  }
  uint32_t chunks[100];
  int nc = 0;
  while (N.n && nc < 100) chunks[nc++] = nt_divmod_small(N, 1000000000u);
  int nd = 0;
  for (int c = nc - 1; c >= 0; --c) {
    char tmp[9];
    uint32_t v = chunks[c];
    for (int k = 8; k >= 0; --k) tmp[k] = static_cast<char>('0' + v % 10), v /= 10;
    for (int k = 0; k < 9; ++k)
      if (nd > 0 || tmp[k] != '0') buf[nd++] = tmp[k];
  }
  while (nd > 1 && buf[nd - 1] == '0') --nd, ++*dexp;
  return nd;
}

// Writes the shortest digits of |v| (finite, not 0; v = m * 2^e) that read back to v in format
// f into out (at most `maxd`), numpy's choice among them (the nearest); returns their count
// and sets *x10, the decimal exponent of the first digit.
inline int nt_shortest(double v, uint64_t m, int e, NtFormat f, int maxd, char* out, int* x10) {
  char all[900];
  int dexp = 0;
  const int n = nt_exact_digits(m, e, all, &dexp);
  for (int p = 1; p <= n; ++p) {
    // the p-digit truncation and the one above it (the shortest has at most maxd <= 17 digits)
    char lo[24], hi[24];
    const int k = p;
    if (k > 22) break;
    for (int i = 0; i < k; ++i) lo[i] = all[i];
    int hexp = dexp + (n - k), hn = k;
    for (int i = 0; i < k; ++i) hi[i] = lo[i];
    if (k < n) {
      int i = k - 1;
      while (i >= 0 && hi[i] == '9') hi[i--] = '0';
      if (i >= 0) {
        ++hi[i];
      } else {  // 99..9 -> 100..0: one digit more, the same length after the trailing zero goes
        hi[0] = '1';
        for (int j = 1; j < k; ++j) hi[j] = '0';
        ++hexp;
      }
    }
    const int lexp = dexp + (n - k);
    if (k == n) {
      for (int i = 0; i < k; ++i) out[i] = lo[i];
      *x10 = lexp + k - 1;
      return k;
    }
    // nearest first: compare the dropped digits with one half
    bool up = false;
    {
      const char d0 = all[k];
      bool rest = false;
      for (int i = k + 1; i < n && !rest; ++i) rest = all[i] != '0';
      up = d0 > '5' || (d0 == '5' && (rest || ((lo[k - 1] - '0') & 1)));
    }
    const char* cand[2] = {up ? hi : lo, up ? lo : hi};
    const int cexp[2] = {up ? hexp : lexp, up ? lexp : hexp};
    for (int c = 0; c < 2; ++c) {
      if (nt_dec_to_bin(cand[c], hn, cexp[c], f) == v) {
        int len = hn;
        int ce = cexp[c];
        while (len > 1 && cand[c][len - 1] == '0') --len, ++ce;
        for (int i = 0; i < len; ++i) out[i] = cand[c][i];
        *x10 = ce + len - 1;
        return len;
      }
    }
  }
  for (int i = 0; i < n && i < maxd; ++i) out[i] = all[i];  // not reached
  *x10 = dexp + n - 1;
  return n < maxd ? n : maxd;
}

// Writes v as numpy writes a T; returns the bytes written.
template <class T>
inline i64 nt_write_float(double v, char* out) {
  i64 w = 0;
  if (v != v) {
    std::memcpy(out, "nan", 3);
    return 3;
  }
  if (std::signbit(v)) out[w++] = '-';
  const double a = std::fabs(v);
  if (a == std::numeric_limits<double>::infinity()) {
    std::memcpy(out + w, "inf", 3);
    return w + 3;
  }
  if (a == 0) {
    std::memcpy(out + w, "0.0", 3);
    return w + 3;
  }
  int e2 = 0;
  const double fr = std::frexp(a, &e2);  // a = fr * 2^e2, fr in [0.5, 1)
  const uint64_t m = static_cast<uint64_t>(std::ldexp(fr, 53));
  const int e = e2 - 53;
  char dg[24] = {};  // set by nt_shortest (initialized: no maybe-uninitialized warning at -O2)
  int x10 = 0;
  const int nd = nt_shortest(a, m, e, nt_format<T>(), nt_digits<T>(), dg, &x10);
  if (a >= 1e-4 && a < 1e16) {  // positional
    if (x10 >= 0) {
      for (int i = 0; i <= x10; ++i) out[w++] = i < nd ? dg[i] : '0';
      out[w++] = '.';
      if (nd > x10 + 1)
        for (int i = x10 + 1; i < nd; ++i) out[w++] = dg[i];
      else
        out[w++] = '0';
    } else {
      out[w++] = '0';
      out[w++] = '.';
      for (int i = 0; i < -x10 - 1; ++i) out[w++] = '0';
      for (int i = 0; i < nd; ++i) out[w++] = dg[i];
    }
    return w;
  }
  out[w++] = dg[0];
  if (nd > 1) {
    out[w++] = '.';
    for (int i = 1; i < nd; ++i) out[w++] = dg[i];
  }
  out[w++] = 'e';
  out[w++] = x10 < 0 ? '-' : '+';
  const int ax = x10 < 0 ? -x10 : x10;
  if (ax >= 100) out[w++] = static_cast<char>('0' + ax / 100);
  out[w++] = static_cast<char>('0' + ax / 10 % 10);
  out[w++] = static_cast<char>('0' + ax % 10);
  return w;
}

template <class T>
inline i64 nt_write(const T& x, char* out) {
  if constexpr (std::is_same<T, bool>::value) {
    if (x) {
      std::memcpy(out, "True", 4);
      return 4;
    }
    std::memcpy(out, "False", 5);
    return 5;
  } else if constexpr (std::is_integral<T>::value) {
    char tmp[24];
    int k = 0;
    bool neg = false;
    if constexpr (std::is_signed<T>::value) neg = x < 0;
    uint64_t v = neg ? 0 - static_cast<uint64_t>(static_cast<int64_t>(x)) : static_cast<uint64_t>(x);
    do {
      tmp[k++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v);
    i64 w = 0;
    if (neg) out[w++] = '-';
    while (k) out[w++] = tmp[--k];
    return w;
  } else {
    return nt_write_float<T>(static_cast<double>(x), out);
  }
}

// y = x as text (Cast to string): the bytes packed into area (n * numtext_bound<T>() at most).
template <class T>
inline void cast_to_string(const T* x, str* y, i64 n, int8_t* area) {
  char* at = reinterpret_cast<char*>(area);
  for (i64 i = 0; i < n; ++i) {
    const i64 len = nt_write(x[i], at);
    y[i] = str{at, static_cast<uint64_t>(len)};
    at += len;
  }
}

ONNX2CPP_K_END

#endif  // ONNX2CPP_K_NUMTEXT_HPP
