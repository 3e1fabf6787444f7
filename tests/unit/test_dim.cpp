// Run-time dims (ir/dim.hpp): polynomial arithmetic, exact division, derived symbols made
// once, ranges, and the C++ spelling the generated code uses.
#include <catch2/catch.hpp>

#include "ir/dim.hpp"

using namespace o2c;

namespace {
std::string cpp(const Dim& d, const DimTable& t) {
  return d.cpp([&](int id) { return "d_" + t.syms[static_cast<size_t>(id)].name; });
}
}  // namespace

TEST_CASE("Dims are polynomials: equal sizes compare equal whatever order they were built in", "[dim]") {
  DimTable t;
  const Dim b = t.input("batch", {1, 8}), s = t.input("seq", {1, 128});
  CHECK(t.input("seq", {1, 128}) == s);  // one symbol per name
  const Dim x = b * s * 768, y = (s * 12) * (b * 64);
  CHECK(x == y);
  CHECK(x - y == Dim(0));
  CHECK((x - y).is_const());
  CHECK((s + 1) * (s - 1) == s * s - 1);
  CHECK(!x.is_const());
  CHECK_THROWS(x.value());
  CHECK(Dim(5).value() == 5);
  CHECK(x.symbols() == std::vector<int>{0, 1});
}

TEST_CASE("Dims divide exactly by constants and by a monomial, and only then", "[dim]") {
  DimTable t;
  const Dim b = t.input("batch", {1, 8}), s = t.input("seq", {1, 128});
  Dim q;
  REQUIRE((b * s * 768).divides_by(b * s * 12, &q));  // Reshape's -1: 768 * b * s / (12 * b * s)
  CHECK(q == Dim(64));
  REQUIRE((s * 6 + 4).divides_by(2, &q));
  CHECK(q == s * 3 + 2);
  CHECK(!(s * 6 + 3).divides_by(2, &q));
  CHECK(!(s * 6).divides_by(b, &q));
  CHECK(!(s + b).divides_by(s + b, &q));  // only by one term
}

TEST_CASE("Derived dims: floor and ceil divisions, max and min, each one symbol with its range", "[dim]") {
  DimTable t;
  const Dim s = t.input("seq", {1, 128});
  CHECK(t.floor_div(s * 4, 2) == s * 2);  // exact: no new symbol
  CHECK(t.syms.size() == 1);
  const Dim h = t.floor_div(s - 3, 2);   // a conv's (L - k) / stride
  CHECK(t.syms.size() == 2);
  CHECK(t.floor_div(s - 3, 2) == h);     // made once
  CHECK(t.syms.size() == 2);
  CHECK(t.range(h) == DimRange{-1, 62});  // floor((1-3)/2) = -1, floor(125/2) = 62
  CHECK(t.range(h + 1) == DimRange{0, 63});
  const Dim c = t.ceil_div(s, 3);
  CHECK(t.range(c) == DimRange{1, 43});
  CHECK(t.floor_div(Dim(-7), 2) == Dim(-4));
  CHECK(t.ceil_div(Dim(7), 2) == Dim(4));
  CHECK(t.max(s, Dim(0)) == s);          // decided by the ranges
  CHECK(t.min(s, Dim(200)) == s);
  const Dim m = t.max(s, Dim(16));
  CHECK(t.max(Dim(16), s) == m);         // max(a, b) and max(b, a): one symbol
  CHECK(t.range(m) == DimRange{16, 128});
  CHECK(t.bound(s * 768) == 98304);
  CHECK(t.range(Dim(3) - s) == DimRange{-125, 2});
  const Dim big = t.input("big", {1, int64_t{1} << 31});
  CHECK(t.bound(big * big) == int64_t{1} << 62);
  CHECK_THROWS_AS(t.range(big * big * big), std::overflow_error);  // never a wrapped bound
}

TEST_CASE("A dim's C++ spelling", "[dim]") {
  DimTable t;
  const Dim b = t.input("batch", {1, 8}), s = t.input("seq", {1, 128});
  CHECK(cpp(Dim(0), t) == "0");
  CHECK(cpp(Dim(768), t) == "768");
  CHECK(cpp(Dim(int64_t{1} << 40), t) == "1099511627776LL");
  CHECK(cpp(s, t) == "d_seq");
  CHECK(cpp(s * 768, t) == "(768 * d_seq)");
  CHECK(cpp(b * s * 768 + 1, t) == "(1 + 768 * d_batch * d_seq)");
  CHECK(cpp(Dim(2) - s, t) == "(2 - d_seq)");
  CHECK(cpp(-s, t) == "(-d_seq)");
  CHECK((s * s).str(t) == "(seq * seq)");
}
