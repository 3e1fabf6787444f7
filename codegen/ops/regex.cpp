// The regex subset of regex.hpp: a recursive-descent parser to a tree, then the program.
#include "ops/regex.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace o2c {

namespace {

constexpr int64_t kMaxRepeat = 1000;     // RE2's limit on {m,n}
constexpr int64_t kMaxInsts = 100000;    // the program's size (and the kernel's scratch)
constexpr uint32_t kMaxCode = 0x10FFFF;

using Ranges = std::vector<std::pair<uint32_t, uint32_t>>;

struct Re {
  enum Kind { Empty, Lit, Cls, Cat, Alt, Rep, Assert } kind = Empty;
  uint32_t c = 0;       // Lit
  Ranges ranges;        // Cls (sorted, merged)
  std::vector<Re> kids; // Cat, Alt, Rep (one)
  int64_t min = 0, max = 0;  // Rep; max -1: no limit
  int assert_kind = 0;
};

Ranges normalize(Ranges r) {
  std::sort(r.begin(), r.end());
  Ranges m;
  for (const auto& p : r) {
    if (!m.empty() && p.first <= m.back().second + 1) m.back().second = std::max(m.back().second, p.second);
    else m.push_back(p);
  }
  return m;
}

Ranges complement(const Ranges& r0) {
  const Ranges r = normalize(r0);
  Ranges c;
  uint32_t next = 0;
  for (const auto& p : r) {
    if (p.first > next) c.push_back({next, p.first - 1});
    next = p.second + 1;
  }
  if (next <= kMaxCode) c.push_back({next, kMaxCode});
  return c;
}

const Ranges kDigit = {{'0', '9'}};
const Ranges kWord = {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}};
const Ranges kSpace = {{'\t', '\n'}, {'\f', '\r'}, {' ', ' '}};

class Parser {
 public:
  explicit Parser(const std::string& p) : s_(p) {}

  Re parse() {
    Re r = alt();
    if (at_ < s_.size()) fail(s_[at_] == ')' ? "an unmatched ')'" : "unexpected " + std::string(1, s_[at_]));
    return r;
  }

 private:
  const std::string& s_;
  size_t at_ = 0;
  int depth_ = 0;

  [[noreturn]] void fail(const std::string& what) const {
    throw RegexError(what + " at offset " + std::to_string(at_));
  }
  [[noreturn]] void unsupported(const std::string& what) const {
    throw RegexError(what + " (at offset " + std::to_string(at_) + ") is outside the supported RE2 subset");
  }
  bool more() const { return at_ < s_.size(); }
  char peek() const { return s_[at_]; }

  uint32_t utf8() {
    const unsigned char b0 = static_cast<unsigned char>(s_[at_]);
    int n = b0 < 0x80 ? 1 : (b0 & 0xE0) == 0xC0 ? 2 : (b0 & 0xF0) == 0xE0 ? 3 : (b0 & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || at_ + n > s_.size()) fail("invalid UTF-8 in the pattern");
    uint32_t c = n == 1 ? b0 : n == 2 ? (b0 & 0x1F) : n == 3 ? (b0 & 0x0F) : (b0 & 0x07);
    for (int k = 1; k < n; ++k) {
      const unsigned char b = static_cast<unsigned char>(s_[at_ + k]);
      if ((b & 0xC0) != 0x80) fail("invalid UTF-8 in the pattern");
      c = (c << 6) | (b & 0x3F);
    }
    at_ += n;
    return c;
  }

  Re alt() {
    std::vector<Re> alts{cat()};
    while (more() && peek() == '|') {
      ++at_;
      alts.push_back(cat());
    }
    if (alts.size() == 1) return std::move(alts[0]);
    Re r;
    r.kind = Re::Alt;
    r.kids = std::move(alts);
    return r;
  }

  Re cat() {
    Re r;
    r.kind = Re::Cat;
    while (more() && peek() != '|' && peek() != ')') r.kids.push_back(repeat());
    if (r.kids.empty()) return Re{};
    if (r.kids.size() == 1) return std::move(r.kids[0]);
    return r;
  }

  int64_t number() {
    if (!more() || peek() < '0' || peek() > '9') fail("a number expected in {m,n}");
    int64_t v = 0;
    while (more() && peek() >= '0' && peek() <= '9') {
      v = v * 10 + (peek() - '0');
      if (v > kMaxRepeat) unsupported("a repeat count above " + std::to_string(kMaxRepeat));
      ++at_;
    }
    return v;
  }

  Re repeat() {
    Re a = atom();
    while (more()) {
      int64_t lo, hi;
      const char q = peek();
      if (q == '*') lo = 0, hi = -1, ++at_;
      else if (q == '+') lo = 1, hi = -1, ++at_;
      else if (q == '?') lo = 0, hi = 1, ++at_;
      else if (q == '{') {
        // RE2 takes a '{' that does not start {m}, {m,} or {m,n} as a literal.
        size_t k = at_ + 1;
        bool ok = k < s_.size() && s_[k] >= '0' && s_[k] <= '9';
        while (ok && k < s_.size() && ((s_[k] >= '0' && s_[k] <= '9') || s_[k] == ',')) ++k;
        if (!ok || k >= s_.size() || s_[k] != '}') break;
        ++at_;
        lo = number();
        hi = lo;
        if (more() && peek() == ',') {
          ++at_;
          hi = more() && peek() == '}' ? -1 : number();
        }
        if (!more() || peek() != '}') fail("a malformed {m,n}");
        ++at_;
        if (hi >= 0 && hi < lo) fail("{m,n} with n < m");
      } else {
        break;
      }
      if (more() && peek() == '?') ++at_;  // lazy: the same for a yes/no match
      if (a.kind == Re::Assert || a.kind == Re::Empty) fail("a repeat of nothing");
      if (a.kind == Re::Rep) unsupported("a repeat of a repeat (e.g. a**)");
      Re r;
      r.kind = Re::Rep;
      r.min = lo;
      r.max = hi;
      r.kids.push_back(std::move(a));
      a = std::move(r);
    }
    return a;
  }

  static Re cls(Ranges r, bool negate) {
    Re c;
    c.kind = Re::Cls;
    c.ranges = negate ? complement(r) : normalize(std::move(r));
    return c;
  }
  static Re lit(uint32_t ch) {
    Re r;
    r.kind = Re::Lit;
    r.c = ch;
    return r;
  }
  static Re assertion(int k) {
    Re r;
    r.kind = Re::Assert;
    r.assert_kind = k;
    return r;
  }

  // An escape after '\': a class (sets *ranges and returns true) or one character (*ch).
  bool escape(bool in_class, Ranges* ranges, uint32_t* ch, int* assert_kind) {
    if (!more()) fail("a trailing '\\'");
    const char e = peek();
    ++at_;
    switch (e) {
      case 'd': *ranges = kDigit; return true;
      case 'D': *ranges = complement(kDigit); return true;
      case 'w': *ranges = kWord; return true;
      case 'W': *ranges = complement(kWord); return true;
      case 's': *ranges = kSpace; return true;
      case 'S': *ranges = complement(kSpace); return true;
      case 'n': *ch = '\n'; return false;
      case 't': *ch = '\t'; return false;
      case 'r': *ch = '\r'; return false;
      case 'f': *ch = '\f'; return false;
      case 'v': *ch = '\v'; return false;
      case 'a': *ch = '\a'; return false;
      case 'x': {
        if (more() && peek() == '{') unsupported("\\x{...}");
        uint32_t v = 0;
        for (int k = 0; k < 2; ++k) {
          if (!more() || !std::isxdigit(static_cast<unsigned char>(peek()))) fail("\\x needs two hex digits");
          const char h = peek();
          v = v * 16 + static_cast<uint32_t>(h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
          ++at_;
        }
        *ch = v;
        return false;
      }
      default: break;
    }
    if (!in_class && assert_kind) {
      if (e == 'b') return *assert_kind = 2, false;
      if (e == 'B') return *assert_kind = 3, false;
      if (e == 'A') return *assert_kind = 0, false;
      if (e == 'z') return *assert_kind = 1, false;
    }
    const unsigned char u = static_cast<unsigned char>(e);
    if (u < 0x80 && !std::isalnum(u)) {  // escaped punctuation
      *ch = u;
      return false;
    }
    unsupported(std::string("the escape \\") + e);
  }

  Re bracket() {
    bool negate = false;
    if (more() && peek() == '^') negate = true, ++at_;
    Ranges r;
    bool first = true;
    while (true) {
      if (!more()) fail("an unterminated [");
      if (peek() == ']' && !first) {
        ++at_;
        break;
      }
      first = false;
      if (peek() == '[' && at_ + 1 < s_.size() && s_[at_ + 1] == ':') unsupported("a [:name:] class");
      uint32_t lo;
      if (peek() == '\\') {
        ++at_;
        Ranges sub;
        if (escape(true, &sub, &lo, nullptr)) {
          r.insert(r.end(), sub.begin(), sub.end());
          continue;
        }
      } else {
        lo = utf8();
      }
      uint32_t hi = lo;
      if (more() && peek() == '-' && at_ + 1 < s_.size() && s_[at_ + 1] != ']') {
        ++at_;
        if (peek() == '\\') {
          ++at_;
          Ranges sub;
          if (escape(true, &sub, &hi, nullptr)) fail("a class as the end of a range");
        } else {
          hi = utf8();
        }
        if (hi < lo) fail("a range out of order");
      }
      r.push_back({lo, hi});
    }
    return cls(std::move(r), negate);
  }

  Re atom() {
    const char c = peek();
    if (c == '(') {
      ++at_;
      if (more() && peek() == '?') {
        ++at_;
        if (more() && peek() == ':') {
          ++at_;
        } else if (more() && (peek() == 'P' || peek() == '<')) {
          if (peek() == 'P') ++at_;
          if (!more() || peek() != '<') unsupported("the group form (?P");
          const size_t close = s_.find('>', at_);
          if (close == std::string::npos) fail("an unterminated group name");
          at_ = close + 1;
        } else {
          unsupported("flags or a group of the form (?" + std::string(more() ? 1 : 0, more() ? peek() : ' '));
        }
      }
      if (++depth_ > 1000) unsupported("groups nested deeper than 1000");
      Re r = alt();
      --depth_;
      if (!more() || peek() != ')') fail("a missing ')'");
      ++at_;
      return r;
    }
    if (c == '[') {
      ++at_;
      return bracket();
    }
    if (c == '.') {
      ++at_;
      return cls({{'\n', '\n'}}, true);
    }
    if (c == '^') {
      ++at_;
      return assertion(0);
    }
    if (c == '$') {
      ++at_;
      return assertion(1);
    }
    if (c == '*' || c == '+' || c == '?') fail(std::string("a repeat ") + c + " of nothing");
    if (c == '\\') {
      ++at_;
      Ranges r;
      uint32_t ch = 0;
      int ak = -1;
      if (escape(false, &r, &ch, &ak)) return cls(std::move(r), false);
      if (ak >= 0) return assertion(ak);
      return lit(ch);
    }
    return lit(utf8());
  }
};

class Emitter {
 public:
  std::vector<std::array<int32_t, 4>> insts;
  std::vector<Ranges> classes;  // per class instruction, in order

  int32_t add(int32_t op, int32_t a = 0, int32_t b = 0) {
    if (static_cast<int64_t>(insts.size()) >= kMaxInsts)
      throw RegexError("the pattern compiles to more than " + std::to_string(kMaxInsts) + " states");
    insts.push_back({op, a, b, 0});
    return static_cast<int32_t>(insts.size() - 1);
  }
  int32_t here() const { return static_cast<int32_t>(insts.size()); }

  void emit(const Re& r) {
    switch (r.kind) {
      case Re::Empty: return;
      case Re::Lit: add(1, static_cast<int32_t>(r.c)); return;
      case Re::Cls: {
        const int32_t i = add(2, static_cast<int32_t>(classes.size()), static_cast<int32_t>(r.ranges.size()));
        (void)i;
        classes.push_back(r.ranges);
        return;
      }
      case Re::Cat:
        for (const Re& k : r.kids) emit(k);
        return;
      case Re::Alt: {
        std::vector<int32_t> jumps;
        for (size_t k = 0; k + 1 < r.kids.size(); ++k) {
          const int32_t split = add(3);
          insts[split][1] = here();
          emit(r.kids[k]);
          jumps.push_back(add(4));
          insts[split][2] = here();
        }
        emit(r.kids.back());
        for (int32_t j : jumps) insts[j][1] = here();
        return;
      }
      case Re::Assert: add(5, r.assert_kind); return;
      case Re::Rep: {
        const Re& k = r.kids[0];
        for (int64_t i = 0; i < r.min; ++i) emit(k);
        if (r.max < 0) {  // star: L: split body, end; body; jump L
          const int32_t split = add(3);
          insts[split][1] = here();
          emit(k);
          add(4, split);
          insts[split][2] = here();
          return;
        }
        std::vector<int32_t> splits;
        for (int64_t i = r.min; i < r.max; ++i) {
          const int32_t split = add(3);
          insts[split][1] = here();
          splits.push_back(split);
          emit(k);
        }
        for (int32_t s : splits) insts[s][2] = here();
        return;
      }
    }
  }
};

}  // namespace

RegexProgram compile_regex(const std::string& pattern) {
  Parser p(pattern);
  const Re re = p.parse();
  Emitter e;
  e.emit(re);
  e.add(0);
  RegexProgram prog;
  prog.ninst = static_cast<int64_t>(e.insts.size());
  // Class instructions point at their ranges, after the instructions.
  std::vector<int64_t> offs;
  int64_t at = 4 * prog.ninst;
  for (const Ranges& r : e.classes) {
    offs.push_back(at);
    at += 2 * static_cast<int64_t>(r.size());
  }
  for (auto& in : e.insts)
    if (in[0] == 2) in[1] = static_cast<int32_t>(offs[static_cast<size_t>(in[1])]);
  for (const auto& in : e.insts) prog.table.insert(prog.table.end(), in.begin(), in.end());
  for (const Ranges& r : e.classes)
    for (const auto& pr : r) {
      prog.table.push_back(static_cast<int32_t>(pr.first));
      prog.table.push_back(static_cast<int32_t>(pr.second));
    }
  return prog;
}

}  // namespace o2c
