// onnx2cpp kernels: string tensors (arrays of onnx2cpp_string views, runtime_min's header).
// A kernel that makes strings writes their bytes into `area`, the node's arena scratch, which
// the planner keeps to the end of the run (so views of it may be copied anywhere); bounds are
// planned at compile time (ops/strings.cpp), so no write goes past them. Views of inputs are
// passed through without copying. Kernels whose output depends on the data return
// ONNX2CPP_ERR_DATA_SHAPE when it differs from the compiled shape.
// String constants of the ops (keys, stopwords, a delimiter) come as tables: `blob` holds
// the bytes, `offs` (n + 1 int64) where element i starts and ends.
#ifndef ONNX2CPP_K_STRINGS_HPP
#define ONNX2CPP_K_STRINGS_HPP

ONNX2CPP_K_BEGIN

using str = onnx2cpp_string;

inline bool str_eq(const str& a, const uint8_t* b, i64 n) {
  return a.size == static_cast<uint64_t>(n) && (n == 0 || std::memcmp(a.data, b, static_cast<size_t>(n)) == 0);
}
inline bool str_eq(const str& a, const str& b) {
  return a.size == b.size && (a.size == 0 || std::memcmp(a.data, b.data, static_cast<size_t>(a.size)) == 0);
}

// Calls f(o, ia, ib) for each output element o and its operands' indices (numpy broadcasting).
template <class F>
inline void bcast_walk(const Bcast2& p, F f) {
  const int r = p.rank;
  i64 total = 1;
  for (int k = 0; k < r; ++k) total *= p.dims[k];
  i64 idx[kMaxRank] = {0};
  i64 oa = 0, ob = 0;
  for (i64 o = 0; o < total; ++o) {
    f(o, oa, ob);
    for (int k = r - 1; k >= 0; --k) {
      oa += p.sa[k];
      ob += p.sb[k];
      if (++idx[k] < p.dims[k]) break;
      oa -= p.sa[k] * p.dims[k];
      ob -= p.sb[k] * p.dims[k];
      idx[k] = 0;
    }
  }
}

// Equal on strings: byte-wise.
inline void str_equal(const str* a, const str* b, bool* y, const Bcast2& p) {
  bcast_walk(p, [&](i64 o, i64 ia, i64 ib) { y[o] = str_eq(a[ia], b[ib]); });
}

// StringConcat: y = a + b, the bytes packed into area (at most the sum of the bounds).
inline void str_concat(const str* a, const str* b, str* y, const Bcast2& p, int8_t* area) {
  char* at = reinterpret_cast<char*>(area);
  bcast_walk(p, [&](i64 o, i64 ia, i64 ib) {
    const str sa = a[ia], sb = b[ib];
    char* start = at;
    if (sa.size) std::memcpy(at, sa.data, static_cast<size_t>(sa.size));
    at += sa.size;
    if (sb.size) std::memcpy(at, sb.data, static_cast<size_t>(sb.size));
    at += sb.size;
    y[o] = str{start, sa.size + sb.size};
  });
}

inline bool str_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

// StringSplit of n strings into rows of `width` pieces (views of the input; "" past a row's
// count), lengths[i] the count. delim (dlen bytes; 0: runs of ASCII whitespace, trimmed);
// maxsplit < 0: no limit. The widest row must be exactly `width` (the compiled shape).
inline int str_split(const str* x, str* y, int64_t* lengths, i64 n, i64 width, const uint8_t* delim, i64 dlen,
                     i64 maxsplit) {
  i64 widest = 0;
  for (i64 i = 0; i < n; ++i) {
    const char* s = x[i].data;
    const i64 len = static_cast<i64>(x[i].size);
    str* row = y + i * width;
    i64 count = 0;
    auto put = [&](i64 b, i64 e) {
      if (count < width) row[count] = str{s + b, static_cast<uint64_t>(e - b)};
      ++count;
    };
    if (dlen == 0) {
      i64 at = 0;
      while (true) {
        while (at < len && str_space(s[at])) ++at;
        if (at >= len) break;
        if (maxsplit >= 0 && count == maxsplit) {  // the rest, trailing whitespace trimmed
          i64 e = len;
          while (e > at && str_space(s[e - 1])) --e;
          put(at, e);
          break;
        }
        i64 e = at;
        while (e < len && !str_space(s[e])) ++e;
        put(at, e);
        at = e;
      }
    } else {
      i64 b = 0;
      for (i64 at = 0; at + dlen <= len;) {
        if ((maxsplit < 0 || count < maxsplit) && std::memcmp(s + at, delim, static_cast<size_t>(dlen)) == 0) {
          put(b, at);
          at += dlen;
          b = at;
        } else {
          ++at;
        }
      }
      put(b, len);
    }
    lengths[i] = count;
    widest = std::max(widest, count);
    for (i64 k = count; k < width; ++k) row[k] = str{s, 0};
  }
  return widest == width ? 0 : ONNX2CPP_ERR_DATA_SHAPE;
}

// ---- case mapping, locale-free: ASCII, Latin-1 Supplement, Latin Extended-A (pairs),
// Greek and Cyrillic basic letters; each mapping keeps the UTF-8 length (mappings that would
// change it, e.g. the sharp s or the dotless i, leave the character as it is).
inline uint32_t case_map(uint32_t c, bool upper) {
  if (upper) {
    if (c >= 'a' && c <= 'z') return c - 32;
    if ((c >= 0xE0 && c <= 0xFE && c != 0xF7)) return c - 32;
    if (c == 0xFF) return 0x178;
    if (c >= 0x100 && c <= 0x17F && c != 0x131 && c != 0x138 && c != 0x149 && c != 0x17F) {
      const bool odd_lower = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E);
      if (odd_lower ? (c % 2 == 0) : (c % 2 == 1)) return c - 1;
      return c;
    }
    if (c == 0x3C2) return 0x3A3;  // final sigma
    if (c >= 0x3B1 && c <= 0x3C9) return c - 32;
    if (c >= 0x430 && c <= 0x44F) return c - 32;
    if (c >= 0x450 && c <= 0x45F) return c - 80;
    return c;
  }
  if (c >= 'A' && c <= 'Z') return c + 32;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
  if (c == 0x178) return 0xFF;
  if (c >= 0x100 && c <= 0x17F && c != 0x130 && c != 0x138 && c != 0x149 && c != 0x17F) {
    const bool odd_lower = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E);
    if (odd_lower ? (c % 2 == 1) : (c % 2 == 0)) return c + 1;
    return c;
  }
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;
  if (c >= 0x410 && c <= 0x42F) return c + 32;
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  return c;
}

// Decodes one UTF-8 character at s[0..n) into *c; returns its length (1 for a malformed byte,
// taken as itself).
inline i64 utf8_next(const char* s, i64 n, uint32_t* c) {
  const unsigned char b0 = static_cast<unsigned char>(s[0]);
  auto cont = [&](i64 k) { return k < n && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80; };
  auto bits = [&](i64 k) { return static_cast<uint32_t>(static_cast<unsigned char>(s[k]) & 0x3F); };
  if (b0 < 0x80) {
    *c = b0;
    return 1;
  }
  if ((b0 & 0xE0) == 0xC0 && b0 >= 0xC2 && cont(1)) {
    *c = (uint32_t(b0 & 0x1F) << 6) | bits(1);
    return 2;
  }
  if ((b0 & 0xF0) == 0xE0 && cont(1) && cont(2)) {
    *c = (uint32_t(b0 & 0x0F) << 12) | (bits(1) << 6) | bits(2);
    if (*c >= 0x800) return 3;
  }
  if ((b0 & 0xF8) == 0xF0 && cont(1) && cont(2) && cont(3)) {
    *c = (uint32_t(b0 & 0x07) << 18) | (bits(1) << 12) | (bits(2) << 6) | bits(3);
    if (*c >= 0x10000 && *c <= 0x10FFFF) return 4;
  }
  *c = b0;
  return 1;
}

inline i64 utf8_len(uint32_t c) { return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4; }

// Copies s (n bytes) to out with its case changed; returns the bytes written (always n).
inline i64 case_copy(const char* s, i64 n, char* out, bool upper) {
  i64 at = 0;
  while (at < n) {
    uint32_t c = 0;
    const i64 k = utf8_next(s + at, n - at, &c);
    const uint32_t m = k > 1 || c < 0x80 ? case_map(c, upper) : c;
    if (m == c || utf8_len(m) != k) {
      std::memcpy(out + at, s + at, static_cast<size_t>(k));
    } else if (k == 1) {
      out[at] = static_cast<char>(m);
    } else {  // 2 bytes: every mapping above stays below U+0800
      out[at] = static_cast<char>(0xC0 | (m >> 6));
      out[at + 1] = static_cast<char>(0x80 | (m & 0x3F));
    }
    at += k;
  }
  return n;
}

// Equality of a and b after lowering both (case-insensitive stopwords).
inline bool str_eq_nocase(const str& a, const uint8_t* b, i64 n) {
  if (a.size != static_cast<uint64_t>(n)) return false;
  const char* s = a.data;
  const char* t = reinterpret_cast<const char*>(b);
  i64 i = 0, j = 0;
  while (i < n && j < n) {
    uint32_t c = 0, d = 0;
    i += utf8_next(s + i, n - i, &c);
    j += utf8_next(t + j, n - j, &d);
    if (case_map(c, false) != case_map(d, false)) return false;
  }
  return i == n && j == n;
}

// StringNormalizer over rows x rows of c strings: drops the stopwords (blob/offs, ns of them;
// compared exactly or, case_sensitive false, after lowering), then changes the case
// (action 0 none: views of the input; 1 lower, 2 upper: bytes into area). Each row must keep
// exactly `keep` strings (the compiled shape); a row that keeps none gives one "" (keep 1).
inline int str_normalize(const str* x, str* y, i64 rows, i64 c, i64 keep, const uint8_t* blob, const int64_t* offs,
                         i64 ns, bool case_sensitive, int action, int8_t* area8) {
  char* const area = reinterpret_cast<char*>(area8);
  char* at = area;
  for (i64 r = 0; r < rows; ++r) {
    i64 kept = 0;
    for (i64 i = 0; i < c; ++i) {
      const str s = x[r * c + i];
      bool stop = false;
      for (i64 w = 0; w < ns && !stop; ++w)
        stop = case_sensitive ? str_eq(s, blob + offs[w], offs[w + 1] - offs[w])
                              : str_eq_nocase(s, blob + offs[w], offs[w + 1] - offs[w]);
      if (stop) continue;
      if (kept >= keep) return ONNX2CPP_ERR_DATA_SHAPE;
      if (action == 0) {
        y[r * keep + kept] = s;
      } else {
        const i64 len = case_copy(s.data, static_cast<i64>(s.size), at, action == 2);
        y[r * keep + kept] = str{at, static_cast<uint64_t>(len)};
        at += len;
      }
      ++kept;
    }
    if (kept == 0 && keep == 1) {
      y[r * keep] = str{area, 0};
      kept = 1;
    }
    if (kept != keep) return ONNX2CPP_ERR_DATA_SHAPE;
  }
  return 0;
}

// ---- RegexFullMatch: a Thompson NFA over code points (ops/regex.hpp describes the program:
// ninst instructions {op, a, b, 0}, then class ranges). scratch: 4 * ninst int32.
inline bool regex_word(int64_t c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }

struct RegexRun {
  const int32_t* prog;
  int32_t* mark;
  int32_t* stack;
  // Adds pc's closure (following jumps, splits and assertions that hold between the code
  // points prev and next, -1 for none) to list; marks with gen.
  void add(int32_t* list, i64* count, int32_t pc0, int32_t gen, int64_t prev, int64_t next) const {
    i64 sp = 0;
    auto push = [&](int32_t pc) {
      if (mark[pc] == gen) return;
      mark[pc] = gen;
      stack[sp++] = pc;
    };
    push(pc0);
    while (sp > 0) {
      const int32_t pc = stack[--sp];
      const int32_t* in = prog + 4 * pc;
      switch (in[0]) {
        case 3: push(in[2]); push(in[1]); break;
        case 4: push(in[1]); break;
        case 5: {
          bool ok = false;
          if (in[1] == 0) ok = prev < 0;
          else if (in[1] == 1) ok = next < 0;
          else ok = (regex_word(prev) != regex_word(next)) == (in[1] == 2);
          if (ok) push(pc + 1);
          break;
        }
        default: list[(*count)++] = pc;
      }
    }
  }
};

inline void regex_full_match(const str* x, bool* y, i64 n, const int32_t* prog, i64 ninst, int32_t* scratch) {
  int32_t* clist = scratch;
  int32_t* nlist = scratch + ninst;
  const RegexRun run{prog, scratch + 2 * ninst, scratch + 3 * ninst};
  for (i64 i = 0; i < n; ++i) {
    const char* s = x[i].data;
    const i64 len = static_cast<i64>(x[i].size);
    for (i64 k = 0; k < ninst; ++k) run.mark[k] = -1;
    int32_t gen = 0;
    i64 pos = 0, cn = 0;
    uint32_t cur = 0;
    i64 step = len > 0 ? utf8_next(s, len, &cur) : 0;
    run.add(clist, &cn, 0, gen, -1, len > 0 ? int64_t(cur) : -1);
    bool matched = false;
    while (cn > 0) {
      if (pos == len) {
        for (i64 k = 0; k < cn && !matched; ++k) matched = prog[4 * clist[k]] == 0;
        break;
      }
      const uint32_t c = cur;
      pos += step;
      uint32_t next = 0;
      step = pos < len ? utf8_next(s + pos, len - pos, &next) : 0;
      ++gen;
      i64 nn = 0;
      for (i64 k = 0; k < cn; ++k) {
        const int32_t* in = prog + 4 * clist[k];
        bool hit = false;
        if (in[0] == 1) {
          hit = static_cast<uint32_t>(in[1]) == c;
        } else if (in[0] == 2) {
          const int32_t* r = prog + in[1];
          for (int32_t q = 0; q < in[2] && !hit; ++q) hit = c >= static_cast<uint32_t>(r[2 * q]) && c <= static_cast<uint32_t>(r[2 * q + 1]);
        }
        if (hit) run.add(nlist, &nn, clist[k] + 1, gen, c, pos < len ? int64_t(next) : -1);
      }
      std::swap(clist, nlist);
      cn = nn;
      cur = next;
    }
    y[i] = matched;
  }
}

// ---- LabelEncoder: keys and values as tables; the default is values[nk].
template <class K>
inline i64 label_find(const K& x, const K* keys, i64 nk) {
  for (i64 k = 0; k < nk; ++k)
    if (x == keys[k]) return k;
  if constexpr (std::is_floating_point<K>::value)  // NaN keys match NaN
    for (i64 k = 0; k < nk; ++k)
      if (x != x && keys[k] != keys[k]) return k;
  return nk;
}
inline i64 label_find_str(const str& x, const uint8_t* blob, const int64_t* offs, i64 nk) {
  for (i64 k = 0; k < nk; ++k)
    if (str_eq(x, blob + offs[k], offs[k + 1] - offs[k])) return k;
  return nk;
}
template <class K, class V>
inline void label_encode(const K* x, V* y, i64 n, const K* keys, i64 nk, const V* values) {
  for (i64 i = 0; i < n; ++i) y[i] = values[label_find(x[i], keys, nk)];
}
template <class V>
inline void label_encode_skeys(const str* x, V* y, i64 n, const uint8_t* kblob, const int64_t* koffs, i64 nk,
                               const V* values) {
  for (i64 i = 0; i < n; ++i) y[i] = values[label_find_str(x[i], kblob, koffs, nk)];
}
// String values: views of the table vblob/voffs (constant data: no copy).
template <class K>
inline void label_encode_svalues(const K* x, str* y, i64 n, const K* keys, i64 nk, const uint8_t* vblob,
                                 const int64_t* voffs) {
  for (i64 i = 0; i < n; ++i) {
    const i64 k = label_find(x[i], keys, nk);
    y[i] = str{reinterpret_cast<const char*>(vblob + voffs[k]), static_cast<uint64_t>(voffs[k + 1] - voffs[k])};
  }
}
inline void label_encode_ss(const str* x, str* y, i64 n, const uint8_t* kblob, const int64_t* koffs, i64 nk,
                            const uint8_t* vblob, const int64_t* voffs) {
  for (i64 i = 0; i < n; ++i) {
    const i64 k = label_find_str(x[i], kblob, koffs, nk);
    y[i] = str{reinterpret_cast<const char*>(vblob + voffs[k]), static_cast<uint64_t>(voffs[k + 1] - voffs[k])};
  }
}

// ---- TfIdfVectorizer over rows x c tokens. The pool's n-grams: tokens, and per n-gram
// info {offset into tokens, n, output index}. Counts n-grams of min_n..max_n tokens taken
// every d-th token, d = 1 .. max_skip + 1 (unigrams once, at d = 1); mode 0 TF (counts),
// 1 IDF (weight, or 1, where the count is positive), 2 TFIDF (weight x count); weights
// null: 1.
template <class T>
inline void tfidf(const T* x, float* y, i64 rows, i64 c, const int64_t* tokens, const int64_t* info, i64 ng, i64 min_n,
                  i64 max_n, i64 max_skip, i64 out_size, int mode, const float* weights) {
  for (i64 r = 0; r < rows; ++r) {
    const T* xr = x + r * c;
    float* yr = y + r * out_size;
    for (i64 i = 0; i < out_size; ++i) yr[i] = 0.0f;
    i64 start_n = min_n;
    for (i64 d = 1; d <= max_skip + 1; ++d) {
      for (i64 s = 0; s < c && s + d * (start_n - 1) < c; ++s) {
        for (i64 g = 0; g < ng; ++g) {
          const int64_t* gi = info + 3 * g;
          const i64 n = gi[1];
          if (n < start_n || s + d * (n - 1) >= c) continue;
          bool hit = true;
          for (i64 k = 0; k < n && hit; ++k) hit = static_cast<int64_t>(xr[s + d * k]) == tokens[gi[0] + k];
          if (hit) yr[gi[2]] += 1.0f;
        }
      }
      if (start_n == 1) {
        start_n = 2;
        if (start_n > max_n) break;
      }
    }
    for (i64 i = 0; i < out_size; ++i) {
      const float w = weights ? weights[i] : 1.0f;
      if (mode == 1) yr[i] = yr[i] > 0 ? w : 0.0f;
      else if (mode == 2) yr[i] = w * yr[i];
    }
  }
}

ONNX2CPP_K_END

#endif  // ONNX2CPP_K_STRINGS_HPP
