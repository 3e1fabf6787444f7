// Run-time dims: a dim known only when the model runs is an integer polynomial over symbols
// (Dim), each symbol with its range (DimSym, in DimTable). A symbol is a dim the caller gives
// (--dim seq=1..128), one a kernel finds in the data (NonZero's count), or one derived from
// others by an operation a polynomial cannot express (a floor division, a max). Sizes stay
// polynomials as far as they go, so that equal sizes compare equal (Reshape's -1, broadcasting
// checks) and the generated code computes each derived symbol once.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace o2c {

class Dim;
struct DimTable;

// A closed range [lo, hi] of a dim's values.
struct DimRange {
  int64_t lo = 0, hi = 0;
  bool operator==(const DimRange& o) const { return lo == o.lo && hi == o.hi; }
};

// c0 + c1 * (s_a s_b ...) + ...: integer coefficients, monomials of symbol ids (sorted,
// repeated for powers). Canonical: no zero coefficients, so == compares values as functions.
class Dim {
 public:
  Dim(int64_t c = 0);  // NOLINT: a constant dim converts implicitly
  static Dim sym(int id);

  bool is_const() const;
  // The constant's value (throws std::logic_error when the dim is symbolic).
  int64_t value() const;
  // The symbols it reads, ascending.
  std::vector<int> symbols() const;

  Dim operator+(const Dim& o) const;
  Dim operator-(const Dim& o) const;
  Dim operator*(const Dim& o) const;
  Dim operator-() const;
  bool operator==(const Dim& o) const { return terms_ == o.terms_; }
  bool operator!=(const Dim& o) const { return !(*this == o); }
  bool operator<(const Dim& o) const { return terms_ < o.terms_; }  // an order for maps

  // this / d when it divides exactly as polynomials (every term by a constant d, or by a
  // monomial that divides each term); false otherwise.
  bool divides_by(const Dim& d, Dim* quotient) const;

  // A C++ expression of int64_t value, symbols spelled by `name` ("(d_seq * 768 + 1)").
  template <class Name>
  std::string cpp(const Name& name) const;
  // For messages and comments: symbols by their names in t ("seq*768").
  std::string str(const DimTable& t) const;

 private:
  using Monomial = std::vector<int>;
  std::map<Monomial, int64_t> terms_;
  friend struct DimTable;
};

// A symbol of the graph's dims.
struct DimSym {
  enum class Kind {
    Input,     // the caller gives it with the inputs
    Data,      // a kernel sets it at run time (node `node`)
    FloorDiv,  // floor(a / k), k > 0 (ceil(a / k) is -floor(-a / k))
    Max,       // max(a, b) (min(a, b) is -max(-a, -b))
  };
  Kind kind = Kind::Input;
  std::string name;   // Input: the dim's name in the model; others: made up ("seq_div2")
  DimRange range;     // the values it may take
  Dim a, b;           // derived: the operands
  int64_t k = 1;      // FloorDiv
  int node = -1;      // Data: the node whose kernel sets it
};

// The symbols of a graph. Derived symbols are made once per definition (the same floor
// division twice is one symbol).
struct DimTable {
  std::vector<DimSym> syms;
  // --max NAME=N: the most each run-time dim of tensor NAME may be, for dims an input's values
  // decide where no bound follows from the shapes (Expand's shape, Pad's pads fed at run time).
  std::map<std::string, int64_t> tensor_max;

  // A symbol the caller gives, in [lo, hi]; the existing one when `name` is taken.
  Dim input(const std::string& name, DimRange r);
  // A symbol a kernel of node `node` sets at run time, in [0, hi] (the existing one when that
  // node made `name` before).
  Dim data(const std::string& name, int node, int64_t hi);
  // Whether d's value depends on a symbol set at run time by a kernel (Data, or derived from one).
  bool on_data(const Dim& d) const;
  // floor(a / k) and ceil(a / k), k > 0: exact polynomials when k divides every coefficient.
  Dim floor_div(const Dim& a, int64_t k);
  Dim ceil_div(const Dim& a, int64_t k);
  Dim max(const Dim& a, const Dim& b);
  Dim min(const Dim& a, const Dim& b);

  // The range of d's values over its symbols' ranges (interval arithmetic: exact for
  // polynomials with non-negative coefficients, a sound enclosure otherwise). Throws
  // std::overflow_error when a bound does not fit in 64 bits.
  DimRange range(const Dim& d) const;
  // The most d can be: what buffers are planned for.
  int64_t bound(const Dim& d) const { return range(d).hi; }

 private:
  Dim derived(DimSym s);
};

// The generated code's local that holds symbol `id` at run time.
inline std::string dim_var(int id) { return "o2c_dim" + std::to_string(id); }

template <class Name>
std::string Dim::cpp(const Name& name) const {
  if (terms_.empty()) return "0";
  std::string s;
  for (const auto& [m, c] : terms_) {
    std::string t;
    for (int id : m) t += (t.empty() ? "" : " * ") + name(id);
    const bool neg = c < 0;
    const int64_t a = neg ? -c : c;
    if (t.empty()) t = std::to_string(a) + (a > 2147483647 ? "LL" : "");  // the constant term (first)
    else if (a != 1) t = std::to_string(a) + " * " + t;
    s += s.empty() ? (neg ? "-" + t : t) : (neg ? " - " : " + ") + t;
  }
  const auto& [m, c] = *terms_.begin();
  const bool atom = terms_.size() == 1 && ((m.empty() && c >= 0) || (m.size() == 1 && c == 1));
  return atom ? s : "(" + s + ")";
}

}  // namespace o2c
