#include "ir/dim.hpp"

#include <algorithm>
#include <stdexcept>

namespace o2c {

Dim::Dim(int64_t c) {
  if (c != 0) terms_[{}] = c;
}

Dim Dim::sym(int id) {
  Dim d;
  d.terms_[{id}] = 1;
  return d;
}

bool Dim::is_const() const { return terms_.empty() || (terms_.size() == 1 && terms_.begin()->first.empty()); }

int64_t Dim::value() const {
  if (!is_const()) throw std::logic_error("Dim::value of a run-time dim");
  return terms_.empty() ? 0 : terms_.begin()->second;
}

std::vector<int> Dim::symbols() const {
  std::vector<int> s;
  for (const auto& [m, c] : terms_) s.insert(s.end(), m.begin(), m.end());
  std::sort(s.begin(), s.end());
  s.erase(std::unique(s.begin(), s.end()), s.end());
  return s;
}

Dim Dim::operator+(const Dim& o) const {
  Dim r = *this;
  for (const auto& [m, c] : o.terms_) {
    const int64_t v = (r.terms_[m] += c);
    if (v == 0) r.terms_.erase(m);
  }
  return r;
}

Dim Dim::operator-() const {
  Dim r = *this;
  for (auto& [m, c] : r.terms_) c = -c;
  return r;
}

Dim Dim::operator-(const Dim& o) const { return *this + (-o); }

Dim Dim::operator*(const Dim& o) const {
  Dim r;
  for (const auto& [ma, ca] : terms_)
    for (const auto& [mb, cb] : o.terms_) {
      Monomial m = ma;
      m.insert(m.end(), mb.begin(), mb.end());
      std::sort(m.begin(), m.end());
      const int64_t v = (r.terms_[m] += ca * cb);
      if (v == 0) r.terms_.erase(m);
    }
  return r;
}

bool Dim::divides_by(const Dim& d, Dim* quotient) const {
  if (d.terms_.size() != 1) return false;  // only by one term (a constant, or c * monomial)
  const auto& [dm, dc] = *d.terms_.begin();
  Dim q;
  for (const auto& [m, c] : terms_) {
    if (c % dc != 0) return false;
    // m minus dm as multisets: every symbol of dm must be in m.
    Monomial rest;
    size_t j = 0;
    for (int id : m) {
      if (j < dm.size() && dm[j] == id) ++j;
      else rest.push_back(id);
    }
    if (j != dm.size()) return false;
    q.terms_[rest] = c / dc;
  }
  if (quotient) *quotient = q;
  return true;
}

std::string Dim::str(const DimTable& t) const {
  return cpp([&](int id) { return id >= 0 && id < static_cast<int>(t.syms.size()) ? t.syms[static_cast<size_t>(id)].name : "?"; });
}

// ---- DimTable ----------------------------------------------------------------------------

namespace {

int64_t floor_div_int(int64_t a, int64_t k) { return a >= 0 ? a / k : -((-a + k - 1) / k); }

int64_t checked_mul(int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) throw std::overflow_error("a run-time dim's bound overflows 64 bits");
  return r;
}
int64_t checked_add(int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) throw std::overflow_error("a run-time dim's bound overflows 64 bits");
  return r;
}

DimRange mul_range(DimRange a, DimRange b) {
  const int64_t c[] = {checked_mul(a.lo, b.lo), checked_mul(a.lo, b.hi), checked_mul(a.hi, b.lo), checked_mul(a.hi, b.hi)};
  return {*std::min_element(c, c + 4), *std::max_element(c, c + 4)};
}

}  // namespace

Dim DimTable::input(const std::string& name, DimRange r) {
  for (size_t i = 0; i < syms.size(); ++i)
    if (syms[i].kind == DimSym::Kind::Input && syms[i].name == name) return Dim::sym(static_cast<int>(i));
  DimSym s;
  s.kind = DimSym::Kind::Input;
  s.name = name;
  s.range = r;
  syms.push_back(std::move(s));
  return Dim::sym(static_cast<int>(syms.size() - 1));
}

Dim DimTable::data(const std::string& name, int node, int64_t hi) {
  for (size_t i = 0; i < syms.size(); ++i) {  // inference runs again after rewrites: one symbol
    DimSym& o = syms[i];
    if (o.kind == DimSym::Kind::Data && o.node == node && o.name == name) {
      o.range = {0, hi};
      return Dim::sym(static_cast<int>(i));
    }
  }
  DimSym s;
  s.kind = DimSym::Kind::Data;
  s.name = name;
  s.node = node;
  s.range = {0, hi};
  syms.push_back(std::move(s));
  return Dim::sym(static_cast<int>(syms.size() - 1));
}

Dim DimTable::derived(DimSym s) {
  for (size_t i = 0; i < syms.size(); ++i) {
    const DimSym& o = syms[i];
    if (o.kind == s.kind && o.a == s.a && o.b == s.b && o.k == s.k) return Dim::sym(static_cast<int>(i));
  }
  syms.push_back(std::move(s));
  return Dim::sym(static_cast<int>(syms.size() - 1));
}

Dim DimTable::floor_div(const Dim& a, int64_t k) {
  if (k <= 0) throw std::logic_error("DimTable::floor_div by " + std::to_string(k));
  if (a.is_const()) return floor_div_int(a.value(), k);
  Dim q;
  if (a.divides_by(k, &q)) return q;
  DimSym s;
  s.kind = DimSym::Kind::FloorDiv;
  s.a = a;
  s.k = k;
  const DimRange r = range(a);
  s.range = {floor_div_int(r.lo, k), floor_div_int(r.hi, k)};
  s.name = "(" + a.str(*this) + ")/" + std::to_string(k);
  return derived(std::move(s));
}

// ceil(a / k) = -floor(-a / k); min(a, b) = -max(-a, -b): one derived kind each.
Dim DimTable::ceil_div(const Dim& a, int64_t k) { return -floor_div(-a, k); }

Dim DimTable::max(const Dim& a, const Dim& b) {
  if (a == b) return a;
  const DimRange ra = range(a), rb = range(b);
  if (ra.lo >= rb.hi) return a;
  if (rb.lo >= ra.hi) return b;
  DimSym s;
  s.kind = DimSym::Kind::Max;
  s.a = std::min(a, b);  // one symbol for max(a, b) and max(b, a)
  s.b = std::max(a, b);
  s.range = {std::max(ra.lo, rb.lo), std::max(ra.hi, rb.hi)};
  s.name = "max(" + s.a.str(*this) + ", " + s.b.str(*this) + ")";
  return derived(std::move(s));
}

Dim DimTable::min(const Dim& a, const Dim& b) { return -max(-a, -b); }

bool DimTable::on_data(const Dim& d) const {
  for (int id : d.symbols()) {
    const DimSym& s = syms.at(static_cast<size_t>(id));
    if (s.kind == DimSym::Kind::Data || (s.kind != DimSym::Kind::Input && (on_data(s.a) || on_data(s.b)))) return true;
  }
  return false;
}

DimRange DimTable::range(const Dim& d) const {
  DimRange total{0, 0};
  for (const auto& [m, c] : d.terms_) {
    DimRange t{c, c};
    for (int id : m) {
      if (id < 0 || id >= static_cast<int>(syms.size())) throw std::logic_error("Dim of an unknown symbol");
      t = mul_range(t, syms[static_cast<size_t>(id)].range);
    }
    total = {checked_add(total.lo, t.lo), checked_add(total.hi, t.hi)};
  }
  return total;
}

}  // namespace o2c
