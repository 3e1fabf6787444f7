// The storage-only element types: runtime_min/onnx2cpp_numeric.h and templates/numeric.hpp.
// Every code decoded and encoded back; floats (and doubles) rounded against a reference
// built in double from each format's definition (its sorted list of values, nearest with ties
// to the even code, the special values of ONNX Cast's tables); the spec's tables and values;
// float16 results of numpy.
#include "runtime_min/onnx2cpp_numeric.h"
#include "templates/common.hpp"
#include "templates/numeric.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

namespace k = onnx2cpp_k;
using u32 = std::uint32_t;
using u64 = std::uint64_t;

float f32(u32 b) { return onnx2cpp_f32_from_bits(b); }
double f64(u64 b) {
  double d;
  std::memcpy(&d, &b, sizeof d);
  return d;
}
const float kInf = std::numeric_limits<float>::infinity();
const float kNaN = std::numeric_limits<float>::quiet_NaN();

// ---- a reference from the definitions of the formats -----------------------------------

// How a format spells its special values (float8.md, float4.md, IEEE 754).
enum class Kind {
  Ieee,  // all-ones exponent: inf (mantissa 0) and NaN; signed zeros
  Fn,    // no inf; NaN = S.1111.111; signed zeros
  Fnuz,  // no inf, no -0; the negative zero code 0x80 is the only NaN
  Plain  // no inf, no NaN (float4e2m1)
};

struct Fmt {
  const char* name;
  int width, mbits, bias;  // bits in all, mantissa bits, exponent bias
  Kind kind;
  bool has_saturate;               // the float8 types; float16/bfloat16 overflow to inf
  u32 (*enc)(float x, int sat);    // the implementation under test
  float (*dec)(u32 code);
  u32 (*enc64)(double x);          // float16, bfloat16: directly from double
};

const Fmt kFormats[] = {
    {"float16", 16, 10, 15, Kind::Ieee, false, [](float x, int) -> u32 { return onnx2cpp_f32_to_f16(x); },
     [](u32 c) { return onnx2cpp_f16_to_f32(static_cast<std::uint16_t>(c)); },
     [](double x) -> u32 { return onnx2cpp_f64_to_f16(x); }},
    {"bfloat16", 16, 7, 127, Kind::Ieee, false, [](float x, int) -> u32 { return onnx2cpp_f32_to_bf16(x); },
     [](u32 c) { return onnx2cpp_bf16_to_f32(static_cast<std::uint16_t>(c)); },
     [](double x) -> u32 { return onnx2cpp_f64_to_bf16(x); }},
    {"float8e4m3fn", 8, 3, 7, Kind::Fn, true, [](float x, int s) -> u32 { return onnx2cpp_f32_to_e4m3fn(x, s); },
     [](u32 c) { return onnx2cpp_e4m3fn_to_f32(static_cast<std::uint8_t>(c)); }, nullptr},
    {"float8e4m3fnuz", 8, 3, 8, Kind::Fnuz, true,
     [](float x, int s) -> u32 { return onnx2cpp_f32_to_e4m3fnuz(x, s); },
     [](u32 c) { return onnx2cpp_e4m3fnuz_to_f32(static_cast<std::uint8_t>(c)); }, nullptr},
    {"float8e5m2", 8, 2, 15, Kind::Ieee, true, [](float x, int s) -> u32 { return onnx2cpp_f32_to_e5m2(x, s); },
     [](u32 c) { return onnx2cpp_e5m2_to_f32(static_cast<std::uint8_t>(c)); }, nullptr},
    {"float8e5m2fnuz", 8, 2, 16, Kind::Fnuz, true,
     [](float x, int s) -> u32 { return onnx2cpp_f32_to_e5m2fnuz(x, s); },
     [](u32 c) { return onnx2cpp_e5m2fnuz_to_f32(static_cast<std::uint8_t>(c)); }, nullptr},
    {"float4e2m1", 4, 1, 1, Kind::Plain, false, [](float x, int s) -> u32 { return onnx2cpp_f32_to_e2m1(x, s); },
     [](u32 c) { return onnx2cpp_e2m1_to_f32(static_cast<std::uint8_t>(c)); }, nullptr},
};

struct Ref {
  const Fmt& f;
  u32 sign, top;                              // the sign bit; the all-ones magnitude
  std::vector<std::pair<double, u32>> vals;   // finite magnitudes, ascending
  u32 max;                                    // the largest finite magnitude code
  double beyond;                              // max + its ulp: choosing it means overflow

  explicit Ref(const Fmt& fmt) : f(fmt), sign(1u << (fmt.width - 1)), top(sign - 1) {
    for (u32 c = 0; c <= top; ++c)
      if (finite(c)) vals.emplace_back(value(c), c);
    std::sort(vals.begin(), vals.end());
    max = vals.back().second;
    beyond = vals.back().first + std::ldexp(1.0, static_cast<int>(max >> f.mbits) - f.bias - f.mbits);
  }
  // The value of a finite magnitude code, from the format's definition.
  double value(u32 c) const {
    const int e = static_cast<int>(c >> f.mbits), m = static_cast<int>(c & ((1u << f.mbits) - 1));
    return e == 0 ? std::ldexp(m, 1 - f.bias - f.mbits) : std::ldexp((1 << f.mbits) + m, e - f.bias - f.mbits);
  }
  bool finite(u32 mag) const {
    switch (f.kind) {
      case Kind::Ieee: return (mag >> f.mbits) != (top >> f.mbits);
      case Kind::Fn: return mag != top;
      default: return true;
    }
  }
  bool is_nan(u32 code) const {
    const u32 mag = code & top;
    switch (f.kind) {
      case Kind::Ieee: return (mag >> f.mbits) == (top >> f.mbits) && (mag & ((1u << f.mbits) - 1));
      case Kind::Fn: return mag == top;
      case Kind::Fnuz: return code == sign;
      default: return false;
    }
  }
  bool is_inf(u32 code) const { return f.kind == Kind::Ieee && (code & top) == max + 1; }
  double decode(u32 code) const {
    if (is_nan(code)) return std::numeric_limits<double>::quiet_NaN();
    const double v = is_inf(code) ? HUGE_VAL : value(code & top);
    return code & sign ? -v : v;
  }

  // ONNX Cast of x: the nearest value of the format extended by `beyond`, ties to the even
  // code; then the special values of the spec's tables.
  u32 encode(double x, bool sat) const {
    const u32 s = std::signbit(x) ? sign : 0;
    if (std::isnan(x)) {
      switch (f.kind) {
        case Kind::Ieee: return s | (max + 1) | (1u << (f.mbits - 1));  // a quiet NaN
        case Kind::Fn: return s | top;
        case Kind::Fnuz: return sign;
        default: return 0x8;  // ONNX 1.22's reference: NaN -> -0 (float4.md says 6)
      }
    }
    const double ax = std::fabs(x);
    bool over = std::isinf(ax);
    u32 c = 0;
    if (!over) {
      auto it = std::lower_bound(vals.begin(), vals.end(), std::make_pair(ax, u32(0)));
      const std::pair<double, u32> hi = it == vals.end() ? std::make_pair(beyond, max + 1) : *it;
      const std::pair<double, u32> lo = it == vals.begin() ? hi : *(it - 1);
      const double dl = ax - lo.first, dh = hi.first - ax;
      c = dl < dh ? lo.second : dh < dl ? hi.second : (lo.second % 2 == 0 ? lo.second : hi.second);
      over = c == max + 1;
    }
    if (over) {
      if (sat || f.kind == Kind::Plain) return s | max;
      switch (f.kind) {
        case Kind::Ieee: return s | (max + 1);
        case Kind::Fn: return s | top;
        default: return sign;  // Fnuz: NaN
      }
    }
    if (c == 0 && f.kind == Kind::Fnuz) return 0;
    return s | c;
  }
  // Results agree: equal, or NaNs of the same sign (IEEE NaNs may keep payload bits).
  bool same(u32 got, u32 want) const {
    if (is_nan(want) && f.kind == Kind::Ieee) return is_nan(got) && (got & sign) == (want & sign);
    return got == want;
  }
};

std::string hex(u64 v) {
  std::ostringstream os;
  os << "0x" << std::hex << std::uppercase << v;
  return os.str();
}

// Floats where rounding to f changes: every value and every midpoint of neighbours (the
// overflow threshold included), one and two float ulps around them, both signs; every float
// whose top 16 bits are anything and low 16 bits are 0, 1, 0x7FFF, 0x8000, 0x8001 or 0xFFFF;
// random bit patterns; the special values.
std::vector<float> probe_floats(const Ref& r) {
  std::vector<float> xs = {0.f, -0.f, kInf, -kInf, kNaN, -kNaN, FLT_MAX, -FLT_MAX, FLT_MIN, f32(1), f32(0x807FFFFF)};
  auto around = [&](double v) {
    const float x = static_cast<float>(v);
    if (static_cast<double>(x) != v || std::isinf(x)) return;
    float lo = x, hi = x;
    for (int i = 0; i < 3; ++i) {
      for (float y : {lo, hi}) {
        xs.push_back(y);
        xs.push_back(-y);
      }
      lo = std::nextafter(lo, -kInf);
      hi = std::nextafter(hi, kInf);
    }
  };
  for (size_t i = 0; i < r.vals.size(); ++i) {
    const double v = r.vals[i].first, next = i + 1 < r.vals.size() ? r.vals[i + 1].first : r.beyond;
    around(v);
    around((v + next) / 2);
  }
  around(r.beyond);
  for (u32 top = 0; top < 0x10000; ++top)
    for (u32 low : {0x0u, 0x1u, 0x7FFFu, 0x8000u, 0x8001u, 0xFFFFu}) xs.push_back(f32(top << 16 | low));
  std::mt19937 g(91);
  for (int i = 0; i < 200000; ++i) xs.push_back(f32(static_cast<u32>(g())));
  return xs;
}

// The same for doubles (float16 and bfloat16 round doubles directly): values and midpoints
// one and two double ulps away, where rounding through float would round twice.
std::vector<double> probe_doubles(const Ref& r) {
  std::vector<double> xs = {0.0, -0.0, HUGE_VAL, -HUGE_VAL, std::numeric_limits<double>::quiet_NaN(), DBL_MAX,
                            DBL_MIN, f64(1), 1e-300, 1e300};
  auto around = [&](double x) {
    double lo = x, hi = x;
    for (int i = 0; i < 3; ++i) {
      for (double y : {lo, hi}) {
        xs.push_back(y);
        xs.push_back(-y);
      }
      lo = std::nextafter(lo, -HUGE_VAL);
      hi = std::nextafter(hi, HUGE_VAL);
    }
  };
  for (size_t i = 0; i < r.vals.size(); ++i) {
    const double v = r.vals[i].first, next = i + 1 < r.vals.size() ? r.vals[i + 1].first : r.beyond;
    around(v);
    around((v + next) / 2);
  }
  std::mt19937_64 g(92);
  std::uniform_int_distribution<int> e(1023 - r.f.bias - r.f.mbits - 4, 1023 + r.f.bias + 4);
  for (int i = 0; i < 200000; ++i) xs.push_back(f64((g() & 0x800FFFFFFFFFFFFFull) | static_cast<u64>(e(g)) << 52));
  return xs;
}

}  // namespace

TEST_CASE("numeric: every code decodes to its value and encodes back", "[numeric]") {
  for (const Fmt& f : kFormats) {
    const Ref r(f);
    long bad = 0;
    std::ostringstream os;
    for (u32 c = 0; c < (1u << f.width); ++c) {
      const float x = f.dec(c);
      const double want = r.decode(c);
      const bool dec_ok = std::isnan(want) ? std::isnan(x) && std::signbit(x) == (f.kind != Kind::Fnuz && (c & r.sign))
                                           : static_cast<double>(x) == want && std::signbit(x) == std::signbit(want);
      bool enc_ok = true;
      for (int sat = 0; sat <= 1; ++sat) {
        const u32 back = f.enc(x, sat);
        // E5M2's infinities saturate to +-max
        const u32 want_back = sat && f.has_saturate && r.is_inf(c) ? (c & r.sign) | r.max : c;
        enc_ok = enc_ok && (r.is_nan(c) ? r.is_nan(back) : back == want_back);
      }
      if (f.enc64) enc_ok = enc_ok && (r.is_nan(c) ? r.is_nan(f.enc64(x)) : f.enc64(x) == c);
      if (!dec_ok || !enc_ok) {
        if (bad++ < 6) os << "  code " << hex(c) << " -> " << x << " -> " << hex(f.enc(x, 0)) << "\n";
      }
    }
    INFO(f.name << ": " << bad << " codes wrong\n" << os.str());
    CHECK(bad == 0);
  }
}

TEST_CASE("numeric: float to each format rounds to nearest even as ONNX Cast", "[numeric]") {
  for (const Fmt& f : kFormats) {
    const Ref r(f);
    const std::vector<float> xs = probe_floats(r);
    long bad = 0, checked = 0;
    std::ostringstream os;
    for (float x : xs)
      for (int sat = 0; sat <= (f.has_saturate ? 1 : 0); ++sat) {
        const u32 got = f.enc(x, sat), want = r.encode(x, sat);
        ++checked;
        // float16 and bfloat16 from the float and from the same value as a double agree
        const bool ok = r.same(got, want) && (!f.enc64 || r.same(f.enc64(x), want));
        if (!ok && bad++ < 6)
          os << "  " << hex(onnx2cpp_f32_bits(x)) << " (" << x << ") sat " << sat << ": got " << hex(got)
             << ", expected " << hex(want) << "\n";
      }
    INFO(f.name << ": " << bad << " of " << checked << " conversions wrong\n" << os.str());
    CHECK(bad == 0);
  }
}

TEST_CASE("numeric: double to float16 and bfloat16 rounds once", "[numeric]") {
  for (const Fmt& f : kFormats) {
    if (!f.enc64) continue;
    const Ref r(f);
    long bad = 0, through_float = 0;
    std::ostringstream os;
    for (double x : probe_doubles(r)) {
      const u32 got = f.enc64(x), want = r.encode(x, false);
      if (!r.same(got, want) && bad++ < 6)
        os << "  " << x << ": got " << hex(got) << ", expected " << hex(want) << "\n";
      through_float += !r.same(f.enc(static_cast<float>(x), 0), want);
    }
    INFO(f.name << ": " << bad << " conversions wrong\n" << os.str());
    CHECK(bad == 0);
    CHECK(through_float > 0);  // the probes do include doubles that float would round twice
  }
}

// Computed with numpy 1.24.2 (/usr/bin/python3: np.array([bits], np.uint32).view(np.float32)
// .astype(np.float16).view(np.uint16), and the same from float64).
TEST_CASE("numeric: float16 as numpy rounds", "[numeric]") {
  const std::pair<u32, std::uint16_t> from_float[] = {
      {0x00000000u, 0x0000},  // 0.0
      {0x80000000u, 0x8000},  // -0.0
      {0x3F800000u, 0x3C00},  // 1.0
      {0xBF800000u, 0xBC00},  // -1.0
      {0x477FE000u, 0x7BFF},  // 65504.0
      {0x477FEFFFu, 0x7BFF},  // 65519.99609375
      {0x477FF000u, 0x7C00},  // 65520.0
      {0xC77FF000u, 0xFC00},  // -65520.0
      {0x47800000u, 0x7C00},  // 65536.0
      {0x501502F9u, 0x7C00},  // 10000000000.0
      {0x7F800000u, 0x7C00},  // inf
      {0xFF800000u, 0xFC00},  // -inf
      {0x7FC00000u, 0x7E00},  // nan
      {0x7F7FFFFFu, 0x7C00},  // 3.4028234663852886e+38
      {0x00000001u, 0x0000},  // 1.401298464324817e-45
      {0x3F801000u, 0x3C00},  // 1.00048828125
      {0x3F803000u, 0x3C02},  // 1.00146484375
      {0x3F801001u, 0x3C01},  // 1.0004884004592896
      {0x3F800FFFu, 0x3C00},  // 1.0004881620407104
      {0xBF801000u, 0xBC00},  // -1.00048828125
      {0x38800000u, 0x0400},  // 6.103515625e-05
      {0x387FFFFFu, 0x0400},  // 6.103515261202119e-05
      {0x387FC000u, 0x03FF},  // 6.097555160522461e-05
      {0x387FE000u, 0x0400},  // 6.1005353927612305e-05
      {0x387FDFFFu, 0x03FF},  // 6.10053502896335e-05
      {0x33800000u, 0x0001},  // 5.960464477539063e-08
      {0x33000000u, 0x0000},  // 2.9802322387695312e-08
      {0x33000001u, 0x0001},  // 2.980232594040899e-08
      {0x33C00000u, 0x0002},  // 8.940696716308594e-08
      {0x34200000u, 0x0002},  // 1.4901161193847656e-07
      {0xB3C00000u, 0x8002},  // -8.940696716308594e-08
      {0x40490FDBu, 0x4248},  // 3.1415927410125732
      {0x402DF854u, 0x4170},  // 2.7182817459106445
      {0x3DCCCCCDu, 0x2E66},  // 0.10000000149011612
      {0xBDCCCCCDu, 0xAE66},  // -0.10000000149011612
      {0x3EAAAAABu, 0x3555},  // 0.3333333432674408
      {0x3727C5ACu, 0x00A8},  // 9.999999747378752e-06
      {0xB3D6BF95u, 0x8002},  // -1.0000000116860974e-07
      {0x45000800u, 0x6800},  // 2048.5
      {0x45003000u, 0x6802},  // 2051.0
      {0x457A0800u, 0x6BD0},  // 4000.5
      {0x42F6E979u, 0x57B7},  // 123.45600128173828
  };
  for (const auto& p : from_float) {
    INFO("float bits " << hex(p.first));
    CHECK(onnx2cpp_f32_to_f16(f32(p.first)) == p.second);
  }
  const std::pair<u64, std::uint16_t> from_double[] = {
      {0x3FF0020000000000ull, 0x3C00},  // 1.00048828125
      {0x3FF0020000000001ull, 0x3C01},  // 1.0004882812500002  (0x3C00 through float)
      {0x3FF001FFFFFFFFFFull, 0x3C00},  // 1.0004882812499998
      {0x3FF0060000000000ull, 0x3C02},  // 1.00146484375
      {0x40EFFDFFFFFFFFFFull, 0x7BFF},  // 65519.99999999999  (0x7C00 through float)
      {0x40EFFE0000000000ull, 0x7C00},  // 65520.0
      {0x3E60000000000001ull, 0x0001},  // 2.980232238769532e-08  (0x0000 through float)
      {0x3E60000000000000ull, 0x0000},  // 2.9802322387695312e-08
      {0x3FB999999999999Aull, 0x2E66},  // 0.1
      {0x0000000000000001ull, 0x0000},  // 5e-324
      {0x3F1A36E2EB1C432Dull, 0x068E},  // 0.0001
      {0xC0F86A0000000000ull, 0xFC00},  // -100000.0
      {0x3F0FFC0000000000ull, 0x0400},  // 6.1005353927612305e-05
      {0x3F0FFBFFFFFFFFFFull, 0x03FF},  // 6.10053539276123e-05  (0x0400 through float)
      {0x7FF0000000000000ull, 0x7C00},  // inf
      {0xBFD5555555555555ull, 0xB555},  // -0.3333333333333333
  };
  for (const auto& p : from_double) {
    INFO("double bits " << hex(p.first));
    CHECK(onnx2cpp_f64_to_f16(f64(p.first)) == p.second);
    CHECK(k::float16(f64(p.first)).bits == p.second);
  }
}

TEST_CASE("numeric: values and Cast tables of the ONNX spec", "[numeric]") {
  // float8.md: largest finite values, smallest subnormals, NaN and inf codes.
  CHECK(onnx2cpp_e4m3fn_to_f32(0x7E) == 448.f);
  CHECK(onnx2cpp_e4m3fnuz_to_f32(0x7F) == 240.f);
  CHECK(onnx2cpp_e5m2_to_f32(0x7B) == 57344.f);
  CHECK(onnx2cpp_e5m2fnuz_to_f32(0x7F) == 57344.f);
  CHECK(onnx2cpp_e4m3fn_to_f32(0xFE) == -448.f);
  CHECK(onnx2cpp_e4m3fnuz_to_f32(0xFF) == -240.f);
  CHECK(onnx2cpp_e4m3fn_to_f32(0x01) == std::ldexp(1.f, -9));
  CHECK(onnx2cpp_e4m3fnuz_to_f32(0x01) == std::ldexp(1.f, -10));
  CHECK(onnx2cpp_e5m2_to_f32(0x01) == std::ldexp(1.f, -16));
  CHECK(onnx2cpp_e5m2fnuz_to_f32(0x01) == std::ldexp(1.f, -17));
  CHECK(std::isnan(onnx2cpp_e4m3fn_to_f32(0x7F)));
  CHECK(std::isnan(onnx2cpp_e4m3fn_to_f32(0xFF)));
  CHECK(onnx2cpp_e5m2_to_f32(0x7C) == kInf);
  CHECK(onnx2cpp_e5m2_to_f32(0xFC) == -kInf);
  for (std::uint8_t c : {0x7D, 0x7E, 0x7F, 0xFD, 0xFE, 0xFF}) CHECK(std::isnan(onnx2cpp_e5m2_to_f32(c)));
  CHECK(std::isnan(onnx2cpp_e4m3fnuz_to_f32(0x80)));
  CHECK(std::isnan(onnx2cpp_e5m2fnuz_to_f32(0x80)));
  CHECK(onnx2cpp_e4m3fn_to_f32(0x38) == 1.f);
  CHECK(onnx2cpp_e4m3fnuz_to_f32(0x40) == 1.f);
  CHECK(onnx2cpp_e5m2_to_f32(0x3C) == 1.f);
  CHECK(onnx2cpp_e5m2fnuz_to_f32(0x40) == 1.f);

  // Operators.md, Cast: x -> (saturate, no saturate) for E4M3FN, E4M3FNUZ, E5M2, E5M2FNUZ.
  struct Row {
    float x;
    int sat[4], nosat[4];
  };
  const Row rows[] = {
      {0.f, {0x00, 0x00, 0x00, 0x00}, {0x00, 0x00, 0x00, 0x00}},
      {-0.f, {0x80, 0x00, 0x80, 0x00}, {0x80, 0x00, 0x80, 0x00}},
      {kNaN, {0x7F, 0x80, 0x7E, 0x80}, {0x7F, 0x80, 0x7E, 0x80}},
      {-kNaN, {0xFF, 0x80, 0xFE, 0x80}, {0xFF, 0x80, 0xFE, 0x80}},
      {kInf, {0x7E, 0x7F, 0x7B, 0x7F}, {0x7F, 0x80, 0x7C, 0x80}},
      {-kInf, {0xFE, 0xFF, 0xFB, 0xFF}, {0xFF, 0x80, 0xFC, 0x80}},
      {1e6f, {0x7E, 0x7F, 0x7B, 0x7F}, {0x7F, 0x80, 0x7C, 0x80}},    // [x] > FLT_MAX
      {-1e6f, {0xFE, 0xFF, 0xFB, 0xFF}, {0xFF, 0x80, 0xFC, 0x80}},   // [x] < -FLT_MAX
      {464.f, {0x7E, 0x7F, 0x5F, 0x63}, {0x7E, 0x80, 0x5F, 0x63}},   // E4M3FN: a tie, 448 even
      {465.f, {0x7E, 0x7F, 0x5F, 0x63}, {0x7F, 0x80, 0x5F, 0x63}},   // past it: [x] = 480
      {-1e-9f, {0x80, 0x00, 0x80, 0x00}, {0x80, 0x00, 0x80, 0x00}},  // underflow: -0 (FNUZ: 0)
  };
  for (const Row& row : rows) {
    INFO("x = " << row.x);
    for (int sat = 0; sat <= 1; ++sat) {
      const int* want = sat ? row.sat : row.nosat;
      INFO("saturate " << sat);
      CHECK(int(onnx2cpp_f32_to_e4m3fn(row.x, sat)) == want[0]);
      CHECK(int(onnx2cpp_f32_to_e4m3fnuz(row.x, sat)) == want[1]);
      CHECK(int(onnx2cpp_f32_to_e5m2(row.x, sat)) == want[2]);
      CHECK(int(onnx2cpp_f32_to_e5m2fnuz(row.x, sat)) == want[3]);
    }
  }

  // float4.md: the eight magnitudes, and its Cast table (always saturating); NaN -> -0 as ONNX 1.22 does.
  const float e2m1[] = {0.f, 0.5f, 1.f, 1.5f, 2.f, 3.f, 4.f, 6.f};
  for (std::uint8_t c = 0; c < 8; ++c) {
    CHECK(onnx2cpp_e2m1_to_f32(c) == e2m1[c]);
    CHECK(onnx2cpp_e2m1_to_f32(static_cast<std::uint8_t>(c | 8)) == -e2m1[c]);
    CHECK(onnx2cpp_e2m1_to_f32(static_cast<std::uint8_t>(c | 0xF0)) == e2m1[c]);  // the high nibble is ignored
  }
  CHECK(std::signbit(onnx2cpp_e2m1_to_f32(8)));
  CHECK(int(onnx2cpp_f32_to_e2m1(-0.f, 1)) == 0x8);
  CHECK(int(onnx2cpp_f32_to_e2m1(7.f, 0)) == 0x7);
  CHECK(int(onnx2cpp_f32_to_e2m1(-100.f, 0)) == 0xF);
  CHECK(int(onnx2cpp_f32_to_e2m1(kInf, 0)) == 0x7);
  CHECK(int(onnx2cpp_f32_to_e2m1(-kInf, 1)) == 0xF);
  CHECK(int(onnx2cpp_f32_to_e2m1(kNaN, 1)) == 0x8);
  CHECK(int(onnx2cpp_f32_to_e2m1(-kNaN, 0)) == 0x8);
  CHECK(int(onnx2cpp_f32_to_e2m1(2.5f, 1)) == 0x4);   // tie between 2 and 3: 2 (even)
  CHECK(int(onnx2cpp_f32_to_e2m1(3.5f, 1)) == 0x6);   // tie between 3 and 4: 4
  CHECK(int(onnx2cpp_f32_to_e2m1(5.f, 1)) == 0x6);    // tie between 4 and 6: 4
  CHECK(int(onnx2cpp_f32_to_e2m1(0.25f, 1)) == 0x0);  // tie between 0 and 0.5: 0
  CHECK(int(onnx2cpp_f32_to_e2m1(-0.75f, 1)) == 0xA); // tie between 0.5 and 1: -1

  // float16 and bfloat16.
  CHECK(onnx2cpp_f16_to_f32(0x7BFF) == 65504.f);
  CHECK(onnx2cpp_f16_to_f32(0x0001) == std::ldexp(1.f, -24));
  CHECK(onnx2cpp_f16_to_f32(0x0400) == std::ldexp(1.f, -14));
  CHECK(onnx2cpp_bf16_to_f32(0x7F7F) == 3.3895313892515355e38f);
  CHECK(onnx2cpp_bf16_to_f32(0x0001) == std::ldexp(1.f, -133));
  CHECK(onnx2cpp_f32_to_bf16(f32(0x3F808000u)) == 0x3F80);  // tie: even
  CHECK(onnx2cpp_f32_to_bf16(f32(0x3F818000u)) == 0x3F82);
  CHECK(onnx2cpp_f32_to_bf16(f32(0x7F7F8000u)) == 0x7F80);  // past the largest: inf
  // NaNs come out quiet whichever way
  CHECK((onnx2cpp_f32_bits(onnx2cpp_f16_to_f32(0x7C01)) & 0x7FC00000u) == 0x7FC00000u);
  CHECK((onnx2cpp_f32_bits(onnx2cpp_bf16_to_f32(0x7F81)) & 0x7FC00000u) == 0x7FC00000u);
  CHECK((onnx2cpp_f32_to_f16(f32(0x7F800001u)) & 0x7E00u) == 0x7E00u);
  CHECK((onnx2cpp_f32_to_bf16(f32(0xFF800001u)) & 0xFFC0u) == 0xFFC0u);
}

TEST_CASE("numeric: float8e8m0 and its rounding modes", "[numeric]") {
  for (int c = 0; c < 255; ++c) CHECK(onnx2cpp_e8m0_to_f32(static_cast<std::uint8_t>(c)) == std::ldexp(1.f, c - 127));
  CHECK(std::isnan(onnx2cpp_e8m0_to_f32(0xFF)));

  const int up = ONNX2CPP_ROUND_UP, down = ONNX2CPP_ROUND_DOWN, nearest = ONNX2CPP_ROUND_NEAREST;
  // Operators.md, Cast: saturate + up and non-saturate + nearest.
  const float big = 3e38f, tiny = 1e-40f;  // above E8M0_MAX = 2^127, below E8M0_MIN = 2^-127
  CHECK(int(onnx2cpp_f32_to_e8m0_mode(0.f, 1, up)) == 0x00);
  CHECK(int(onnx2cpp_f32_to_e8m0_mode(0.f, 0, nearest)) == 0xFF);
  CHECK(int(onnx2cpp_f32_to_e8m0_mode(kNaN, 1, up)) == 0xFF);
  CHECK(int(onnx2cpp_f32_to_e8m0_mode(kNaN, 0, nearest)) == 0xFF);
  CHECK(int(onnx2cpp_f32_to_e8m0_mode(kInf, 1, up)) == 0xFE);
  CHECK(int(onnx2cpp_f32_to_e8m0_mode(kInf, 0, nearest)) == 0xFF);
  CHECK(int(onnx2cpp_f32_to_e8m0_mode(big, 1, up)) == 0xFE);
  CHECK(int(onnx2cpp_f32_to_e8m0_mode(big, 0, nearest)) == 0xFF);
  CHECK(int(onnx2cpp_f32_to_e8m0_mode(tiny, 1, up)) == 0x00);
  CHECK(int(onnx2cpp_f32_to_e8m0_mode(tiny, 0, nearest)) == 0xFF);
  CHECK(int(onnx2cpp_f32_to_e8m0(1.f, 1)) == 127);  // the default mode is up
  CHECK(int(onnx2cpp_f32_to_e8m0(1.01f, 1)) == 128);
  // x: (up, down, nearest)
  const std::pair<float, std::array<int, 3>> modes[] = {
      {1.f, {127, 127, 127}},  {1.25f, {128, 127, 127}}, {1.5f, {128, 127, 128}}, {1.75f, {128, 127, 128}},
      {0.75f, {127, 126, 127}}, {3.f, {129, 128, 129}},   {2.9f, {129, 128, 128}}, {std::ldexp(1.f, -127), {0, 0, 0}},
  };
  for (const auto& m : modes) {
    INFO("x = " << m.first);
    CHECK(int(onnx2cpp_f32_to_e8m0_mode(m.first, 1, up)) == m.second[0]);
    CHECK(int(onnx2cpp_f32_to_e8m0_mode(m.first, 1, down)) == m.second[1]);
    CHECK(int(onnx2cpp_f32_to_e8m0_mode(m.first, 1, nearest)) == m.second[2]);
  }

  // A reference from frexp: x = fr * 2^ex, 0.5 <= fr < 1, so 2^(ex-1) <= x < 2^ex.
  auto ref = [](float x, int sat, int mode) -> int {
    if (std::isnan(x)) return 0xFF;
    if (std::isinf(x)) return sat ? 0xFE : 0xFF;
    if (x == 0) return sat ? 0x00 : 0xFF;
    int ex;
    const double fr = std::frexp(std::fabs(static_cast<double>(x)), &ex);
    int k = ex - 1 + 127;
    if (mode == ONNX2CPP_ROUND_UP) k += fr > 0.5;
    if (mode == ONNX2CPP_ROUND_NEAREST) k += fr >= 0.75;
    if (k > 254) return sat ? 0xFE : 0xFF;
    if (k < 0) return sat ? 0x00 : 0xFF;
    return k;
  };
  std::vector<float> xs;
  for (int e = -149; e <= 127; ++e)
    for (float m : {1.f, 1.0000001f, 1.25f, 1.4999999f, 1.5f, 1.5000001f, 1.75f, 1.9999999f}) {
      const float x = std::ldexp(m, e);
      xs.push_back(x);
      xs.push_back(-x);
    }
  std::mt19937 g(93);
  for (int i = 0; i < 200000; ++i) xs.push_back(f32(static_cast<u32>(g())));
  long bad = 0;
  for (float x : xs)
    for (int sat = 0; sat <= 1; ++sat)
      for (int mode : {up, down, nearest}) {
        const int got = onnx2cpp_f32_to_e8m0_mode(x, sat, mode), want = ref(x, sat, mode);
        if (got != want && bad++ < 6)
          FAIL_CHECK(hex(onnx2cpp_f32_bits(x)) << " sat " << sat << " mode " << mode << ": got " << got
                                               << ", expected " << want);
      }
  CHECK(bad == 0);
}

TEST_CASE("numeric: int4, uint4, int2, uint2 packing and Cast", "[numeric]") {
  // int4.md: pack(x, y) = y << 4 | x & 0x0F; int2.md: x3 << 6 | x2 << 4 | x1 << 2 | x0 & 3.
  std::uint8_t p[4] = {0, 0, 0, 0xAA};
  const int v4[] = {-8, 7, -1, 0, 3, -5, 1};
  for (size_t i = 0; i < 7; ++i) onnx2cpp_int4_set(p, i, v4[i]);
  CHECK(p[0] == 0x78);
  CHECK(p[1] == 0x0F);
  CHECK(p[2] == 0xB3);
  CHECK(p[3] == 0xA1);  // element 6 in the low nibble, the high nibble kept
  for (size_t i = 0; i < 7; ++i) CHECK(onnx2cpp_int4_get(p, i) == v4[i]);
  for (size_t i = 0; i < 7; ++i) CHECK(onnx2cpp_uint4_get(p, i) == (static_cast<unsigned>(v4[i]) & 0xFu));
  onnx2cpp_uint4_set(p, 1, 15);
  CHECK(p[0] == 0xF8);
  CHECK(onnx2cpp_uint4_get(p, 1) == 15u);

  std::uint8_t q[2] = {0, 0xFF};
  const int v2[] = {-2, 1, -1, 0, 1};
  for (size_t i = 0; i < 5; ++i) onnx2cpp_int2_set(q, i, v2[i]);
  CHECK(q[0] == 0x36);  // 00 11 01 10
  CHECK(q[1] == 0xFD);  // element 4 in bits 0..1, the rest kept
  for (size_t i = 0; i < 5; ++i) CHECK(onnx2cpp_int2_get(q, i) == v2[i]);
  onnx2cpp_uint2_set(q, 3, 3);
  CHECK(q[0] == 0xF6);
  CHECK(onnx2cpp_uint2_get(q, 3) == 3u);

  // Cast: round to nearest even, then clamp.
  auto ref = [](float x, int lo, int hi) {
    if (std::isnan(x)) return 0;
    return static_cast<int>(std::min<double>(hi, std::max<double>(lo, std::nearbyint(static_cast<double>(x)))));
  };
  std::vector<float> xs = {kInf, -kInf, kNaN,  1e30f, -1e30f, 0.f,  -0.f, 2.5f,
                           -2.5f, 3.5f, 0.5f, -0.5f, 1.5f,   7.5f, -8.5f};
  for (int i = -80; i <= 80; ++i) {
    xs.push_back(i * 0.25f);
    xs.push_back(std::nextafter(i * 0.25f, kInf));
    xs.push_back(std::nextafter(i * 0.25f, -kInf));
  }
  for (float x : xs) {
    INFO("x = " << x);
    CHECK(onnx2cpp_f32_to_int4(x) == ref(x, -8, 7));
    CHECK(onnx2cpp_f32_to_uint4(x) == ref(x, 0, 15));
    CHECK(onnx2cpp_f32_to_int2(x) == ref(x, -2, 1));
    CHECK(onnx2cpp_f32_to_uint2(x) == ref(x, 0, 3));
  }
}

TEST_CASE("numeric: the C++ storage types", "[numeric]") {
  static_assert(std::is_trivial<k::float16>::value && std::is_trivially_copyable<k::float16>::value, "");
  static_assert(std::is_trivial<k::bfloat16>::value && std::is_trivial<k::float8e4m3fn>::value, "");
  static_assert(std::is_trivial<k::float8e4m3fnuz>::value && std::is_trivial<k::float8e5m2>::value, "");
  static_assert(std::is_trivial<k::float8e5m2fnuz>::value && std::is_trivial<k::float8e8m0>::value, "");
  static_assert(sizeof(k::float16) == 2 && sizeof(k::bfloat16) == 2 && sizeof(k::float8e4m3fn) == 1, "");
  static_assert(sizeof(k::float8e8m0) == 1 && !std::is_convertible<float, k::float16>::value, "");
  static_assert(std::is_convertible<k::float16, float>::value, "");

  CHECK(k::float16(1.5f).bits == 0x3E00);
  CHECK(k::float16(2).bits == 0x4000);
  CHECK(float(k::float16::from_bits(0xC000)) == -2.f);
  CHECK(k::float16(f64(0x3FF0020000000001ull)).bits == 0x3C01);  // from double: rounded once
  CHECK(k::bfloat16(1.f).bits == 0x3F80);
  CHECK(k::bfloat16(-3).bits == 0xC040);
  CHECK(float(k::bfloat16::from_bits(0x4049)) == 3.140625f);
  CHECK(k::float8e4m3fn(1000.f).bits == 0x7E);  // saturating
  CHECK(k::float8e4m3fnuz(-kInf).bits == 0xFF);
  CHECK(k::float8e5m2(1e9f).bits == 0x7B);
  CHECK(k::float8e5m2fnuz(-0.f).bits == 0x00);
  CHECK(k::float8e8m0(3.f).bits == 129);        // rounding up
  CHECK(float(k::float8e5m2::from_bits(0x3C)) == 1.f);
  CHECK(float(k::float8e8m0::from_bits(130)) == 8.f);
  CHECK(k::float16{}.bits == 0);  // value-initialized: zero

  // As element types of a plain loop, and compared through float.
  std::vector<k::float16> x(100), y(100);
  std::vector<k::float8e4m3fn> z(100);
  for (int i = 0; i < 100; ++i) x[i] = k::float16(0.1f * static_cast<float>(i - 50));
  for (int i = 0; i < 100; ++i) y[i] = k::float16(std::tanh(float(x[i])));
  for (int i = 0; i < 100; ++i) z[i] = k::float8e4m3fn(float(x[i]) * 100.f);
  for (int i = 0; i < 100; ++i) {
    CHECK(y[i].bits == onnx2cpp_f32_to_f16(std::tanh(onnx2cpp_f16_to_f32(x[i].bits))));
    CHECK(z[i].bits == onnx2cpp_f32_to_e4m3fn(onnx2cpp_f16_to_f32(x[i].bits) * 100.f, 1));
  }
  CHECK(x[60] == x[60]);
  CHECK(x[60] > x[59]);
  CHECK(x[0] + 1.f == float(x[0]) + 1.f);
}
