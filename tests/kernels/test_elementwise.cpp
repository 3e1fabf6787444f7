// Unary and binary functors, unary(), binary() with hand-built Bcast2 plans, where().
#include "kt.hpp"

#include <functional>
#include <limits>

using namespace kt;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
const double kNaN = std::numeric_limits<double>::quiet_NaN();

// Runs k::unary(f) on random floats in [lo, hi] for every test size (and on a few special
// values) and compares with ref evaluated in double.
template <class F>
void unary_float_case(const std::string& name, F f, const std::function<double(double)>& ref,
                      double lo, double hi, std::vector<double> specials = {},
                      double rtol = 4e-6, double atol = 1e-6, bool also_double = true) {
  std::mt19937 g(0x5eed + static_cast<unsigned>(std::hash<std::string>{}(name) & 0xffff));
  for (i64 n : vec_sizes()) {
    auto x = rand_vec<float>(g, n, lo, hi);
    if (n == 17) x.assign(specials.begin(), specials.end()), n = static_cast<i64>(x.size());
    if (n == 0) continue;
    Guarded<float> y(n);
    y.fill(std::nanf(""));
    k::unary(x.data(), y.data(), n, f);
    std::vector<double> r(static_cast<size_t>(n));
    for (i64 i = 0; i < n; ++i) r[i] = ref(static_cast<double>(x[i]));
    check_near(y.data(), r, rtol, atol, name + " float n=" + std::to_string(n));
    CHECK(y.intact());
    // In place, as generated code does when the input dies here.
    std::vector<float> inplace = x;
    k::unary(inplace.data(), inplace.data(), n, f);
    check_equal(inplace.data(), y.data(), static_cast<size_t>(n), name + " in place");
  }
  if (!also_double) return;
  // The double instantiation.
  auto xd = rand_vec<double>(g, 33, lo, hi);
  std::vector<double> yd(xd.size()), rd(xd.size());
  k::unary(xd.data(), yd.data(), static_cast<i64>(xd.size()), f);
  for (size_t i = 0; i < xd.size(); ++i) rd[i] = ref(xd[i]);
  check_near(yd, rd, 1e-12, 1e-14, name + " double");
}

double sigmoid(double v) { return 1.0 / (1.0 + std::exp(-v)); }
double softplus(double v) { return v > 30 ? v : std::log1p(std::exp(v)); }

}  // namespace

TEST_CASE("unary functors: simple float ops", "[elementwise][unary]") {
  const std::vector<double> sp{0.0, -0.0, 1.0, -1.0, 1e-30, -1e-30, 3e38, -3e38, kInf, -kInf, kNaN};
  unary_float_case("Relu", k::Relu{}, [](double v) { return v > 0 ? v : 0.0; }, -4, 4,
                   {0.0, -0.0, 1.0, -1.0, 1e-30, -1e-30, 3e38, -3e38, kInf, -kInf});
  unary_float_case("Neg", k::Neg{}, [](double v) { return -v; }, -4, 4, sp);
  unary_float_case("Abs", k::Abs{}, [](double v) { return std::fabs(v); }, -4, 4, sp);
  unary_float_case("Floor", k::Floor{}, [](double v) { return std::floor(v); }, -9, 9, sp);
  unary_float_case("Ceil", k::Ceil{}, [](double v) { return std::ceil(v); }, -9, 9, sp);
  unary_float_case("Sign", k::Sign{}, [](double v) { return double((0 < v) - (v < 0)); }, -3, 3,
                   {0.0, -0.0, 1e-30, -1e-30, kInf, -kInf});
  unary_float_case("Reciprocal", k::Reciprocal{}, [](double v) { return 1.0 / v; }, 0.01, 9,
                   {1.0, -1.0, 0.0, -0.0, kInf, -kInf, 1e30});
  unary_float_case("Sqrt", k::Sqrt{}, [](double v) { return std::sqrt(v); }, 0, 100,
                   {0.0, 1.0, 4.0, 1e-30, 3e38, kInf});
  unary_float_case("Softsign", k::Softsign{}, [](double v) { return v / (1 + std::fabs(v)); }, -9, 9,
                   {0.0, 1e30, -1e30});
  unary_float_case("HardSwish", k::HardSwish{},
                   [](double v) { return v * std::max(0.0, std::min(1.0, v / 6 + 0.5)); }, -5, 5,
                   {-3.0, 3.0, 0.0, 100.0, -100.0});
}

TEST_CASE("unary functors: transcendental float ops", "[elementwise][unary]") {
  unary_float_case("Exp", k::Exp{}, [](double v) { return std::exp(v); }, -20, 20,
                   {0.0, -kInf, kInf, 88.0, -100.0});
  unary_float_case("Log", k::Log{}, [](double v) { return std::log(v); }, 1e-3, 100,
                   {1.0, 0.0, kInf, 1e-30, 3e38}, 4e-6, 1e-6);
  unary_float_case("Tanh", k::Tanh{}, [](double v) { return std::tanh(v); }, -6, 6,
                   {0.0, 20.0, -20.0, kInf, -kInf, 1e-20});
  unary_float_case("Sigmoid", k::Sigmoid{}, sigmoid, -12, 12,
                   {0.0, 30.0, -30.0, 100.0, -100.0, 1000.0, -1000.0, kInf, -kInf});
  unary_float_case("Erf", k::Erf{}, [](double v) { return std::erf(v); }, -3, 3, {0.0, 5.0, -5.0});
  unary_float_case("Sin", k::Sin{}, [](double v) { return std::sin(v); }, -7, 7);
  unary_float_case("Cos", k::Cos{}, [](double v) { return std::cos(v); }, -7, 7);
  unary_float_case("Tan", k::Tan{}, [](double v) { return std::tan(v); }, -1.4, 1.4);
  unary_float_case("Asin", k::Asin{}, [](double v) { return std::asin(v); }, -1, 1, {1.0, -1.0});
  unary_float_case("Acos", k::Acos{}, [](double v) { return std::acos(v); }, -1, 1, {1.0, -1.0});
  unary_float_case("Atan", k::Atan{}, [](double v) { return std::atan(v); }, -9, 9, {kInf, -kInf});
  unary_float_case("Sinh", k::Sinh{}, [](double v) { return std::sinh(v); }, -9, 9);
  unary_float_case("Cosh", k::Cosh{}, [](double v) { return std::cosh(v); }, -9, 9);
  unary_float_case("Asinh", k::Asinh{}, [](double v) { return std::asinh(v); }, -9, 9);
  unary_float_case("Acosh", k::Acosh{}, [](double v) { return std::acosh(v); }, 1, 20, {1.0});
  unary_float_case("Atanh", k::Atanh{}, [](double v) { return std::atanh(v); }, -0.99, 0.99);
  unary_float_case("Softplus", k::Softplus{}, softplus, -20, 20,
                   {0.0, 50.0, -50.0, 100.0, -100.0, 1000.0, -1000.0});
  unary_float_case("Mish", k::Mish{}, [](double v) { return v * std::tanh(softplus(v)); }, -8, 8,
                   {0.0, 50.0, -50.0, 1000.0});
}

TEST_CASE("unary functors: parameterised activations", "[elementwise][unary]") {
  unary_float_case("LeakyRelu", k::LeakyRelu{0.1f},
                   [](double v) { return v >= 0 ? v : double(0.1f) * v; }, -4, 4, {0.0, -0.0, -kInf});
  unary_float_case("Elu", k::Elu{1.5f},
                   [](double v) { return v >= 0 ? v : 1.5 * std::expm1(v); }, -4, 4, {0.0, -30.0});
  unary_float_case("Celu", k::Celu{0.7f},
                   [](double v) {
                     const double a = double(0.7f);
                     return std::max(0.0, v) + std::min(0.0, a * std::expm1(v / a));
                   },
                   -4, 4, {0.0, -30.0});
  const float sa = 1.67326319217681884765625f, sg = 1.05070102214813232421875f;
  unary_float_case("Selu", k::Selu{sa, sg},
                   [&](double v) { return double(sg) * (v > 0 ? v : double(sa) * std::expm1(v)); },
                   -4, 4, {0.0, -30.0});
  unary_float_case("ThresholdedRelu", k::ThresholdedRelu{0.5f},
                   [](double v) { return v > 0.5 ? v : 0.0; }, -2, 2, {0.5, 0.0});
  unary_float_case("HardSigmoid", k::HardSigmoid{0.2f, 0.5f},
                   [](double v) { return std::max(0.0, std::min(1.0, double(0.2f) * v + 0.5)); },
                   -5, 5, {2.5, -2.5, kInf, -kInf});
  unary_float_case("Shrink", k::Shrink{0.25f, 0.5f},
                   [](double v) { return v < -0.5 ? v + 0.25 : (v > 0.5 ? v - 0.25 : 0.0); }, -2, 2,
                   {0.5, -0.5, 0.0});
  unary_float_case("Clip", k::Clip<float>{-0.5f, 0.25f},
                   [](double v) { return std::isnan(v) ? v : std::min(0.25, std::max(-0.5, v)); },
                   -2, 2, {0.25, -0.5, kInf, -kInf}, 0, 0, false);
}

TEST_CASE("unary functors: exact special values", "[elementwise][unary]") {
  // Round is half to even.
  const std::vector<float> x{0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 0.49999997f, 2.6f, -2.6f, 3.0f};
  const std::vector<float> want{0.f, 2.f, 2.f, -0.f, -2.f, -2.f, 0.f, 3.f, -3.f, 3.f};
  std::vector<float> y(x.size());
  k::unary(x.data(), y.data(), static_cast<i64>(x.size()), k::Round{});
  check_equal(y, want, "Round");
  CHECK(std::signbit(y[3]));

  CHECK(k::Sigmoid{}(std::numeric_limits<float>::infinity()) == 1.0f);
  CHECK(k::Sigmoid{}(-std::numeric_limits<float>::infinity()) == 0.0f);
  CHECK(k::Sigmoid{}(0.0f) == 0.5f);
  CHECK(k::Softplus{}(1000.0f) == 1000.0f);
  CHECK(k::Softplus{}(-1000.0f) == 0.0f);
  CHECK(k::Relu{}(-0.0f) == 0.0f);

  const float finf = std::numeric_limits<float>::infinity();
  const std::vector<float> s{0.f, 1.f, -finf, finf, std::nanf(""), -std::nanf(""), 3e38f};
  const bool nan_want[7] = {false, false, false, false, true, true, false};
  bool out[7];
  k::unary(s.data(), out, 7, k::IsNaN{});
  check_equal(out, nan_want, 7, "IsNaN");
  const bool inf_both[7] = {false, false, true, true, false, false, false};
  const bool inf_pos[7] = {false, false, false, true, false, false, false};
  const bool inf_neg[7] = {false, false, true, false, false, false, false};
  const bool inf_none[7] = {false, false, false, false, false, false, false};
  k::unary(s.data(), out, 7, k::IsInf{true, true});
  check_equal(out, inf_both, 7, "IsInf both");
  k::unary(s.data(), out, 7, k::IsInf{true, false});
  check_equal(out, inf_pos, 7, "IsInf pos");
  k::unary(s.data(), out, 7, k::IsInf{false, true});
  check_equal(out, inf_neg, 7, "IsInf neg");
  k::unary(s.data(), out, 7, k::IsInf{false, false});
  check_equal(out, inf_none, 7, "IsInf none");
}

TEST_CASE("unary functors: integer, bool and cast", "[elementwise][unary]") {
  std::mt19937 g(11);
  for (i64 n : vec_sizes()) {
    auto xi = rand_int<int32_t>(g, n, -1000, 1000);
    std::vector<int32_t> y(xi.size()), r(xi.size());
    k::unary(xi.data(), y.data(), n, k::Abs{});
    for (size_t i = 0; i < xi.size(); ++i) r[i] = xi[i] < 0 ? -xi[i] : xi[i];
    check_equal(y, r, "Abs int32");
    k::unary(xi.data(), y.data(), n, k::Neg{});
    for (size_t i = 0; i < xi.size(); ++i) r[i] = -xi[i];
    check_equal(y, r, "Neg int32");
    k::unary(xi.data(), y.data(), n, k::Sign{});
    for (size_t i = 0; i < xi.size(); ++i) r[i] = (0 < xi[i]) - (xi[i] < 0);
    check_equal(y, r, "Sign int32");
    k::unary(xi.data(), y.data(), n, k::Relu{});
    for (size_t i = 0; i < xi.size(); ++i) r[i] = std::max(0, xi[i]);
    check_equal(y, r, "Relu int32");
    k::unary(xi.data(), y.data(), n, k::BitNot{});
    for (size_t i = 0; i < xi.size(); ++i) r[i] = ~xi[i];
    check_equal(y, r, "BitNot int32");
    k::unary(xi.data(), y.data(), n, k::Clip<int32_t>{-7, 300});
    for (size_t i = 0; i < xi.size(); ++i) r[i] = std::min(300, std::max(-7, xi[i]));
    check_equal(y, r, "Clip int32");

    auto xu = rand_int<uint8_t>(g, n, 0, 255);
    std::vector<uint8_t> yu(xu.size());
    k::unary(xu.data(), yu.data(), n, k::Abs{});
    check_equal(yu, xu, "Abs uint8");
    k::unary(xu.data(), yu.data(), n, k::Sign{});
    std::vector<uint8_t> ru(xu.size());
    for (size_t i = 0; i < xu.size(); ++i) ru[i] = xu[i] ? 1 : 0;
    check_equal(yu, ru, "Sign uint8");

    auto xr = rand_int<int>(g, n, 0, 1);
    std::unique_ptr<bool[]> xb(new bool[n]), yb(new bool[n]), rb(new bool[n]);
    for (i64 i = 0; i < n; ++i) xb[i] = xr[i] != 0;
    k::unary(xb.get(), yb.get(), n, k::Not{});
    for (i64 i = 0; i < n; ++i) rb[i] = !xb[i];
    check_equal(yb.get(), rb.get(), static_cast<size_t>(n), "Not");

    // Casts: float -> int truncates toward zero, int -> float, float -> bool, bool -> float.
    auto xf = rand_vec<float>(g, n, -100, 100);
    std::vector<int32_t> ci(xf.size()), cr(xf.size());
    k::unary(xf.data(), ci.data(), n, k::CastTo<int32_t>{});
    for (size_t i = 0; i < xf.size(); ++i) cr[i] = static_cast<int32_t>(std::trunc(double(xf[i])));
    check_equal(ci, cr, "Cast float->int32");
    std::vector<double> cd(xi.size()), cdr(xi.size());
    k::unary(xi.data(), cd.data(), n, k::CastTo<double>{});
    for (size_t i = 0; i < xi.size(); ++i) cdr[i] = xi[i];
    check_equal(cd, cdr, "Cast int32->double");
    std::vector<int64_t> c64(xi.size());
    k::unary(xi.data(), c64.data(), n, k::CastTo<int64_t>{});
    check_equal(c64, xi, "Cast int32->int64");
  }
  const float fb[4] = {0.f, -0.f, 0.5f, std::nanf("")};
  bool ob[4];
  k::unary(fb, ob, 4, k::CastTo<bool>{});
  const bool want[4] = {false, false, true, true};
  check_equal(ob, want, 4, "Cast float->bool");
}

// ---- binary functors on flat arrays -------------------------------------------------------

namespace {

template <class T, class Y, class F, class R>
void binary_flat(const std::string& name, F f, R ref, const std::vector<T>& a, const std::vector<T>& b,
                 double rtol = 0, double atol = 0) {
  const i64 n = static_cast<i64>(a.size());
  k::Bcast2 p{};
  p.rank = 1;
  p.dims[0] = n;
  p.sa[0] = p.sb[0] = 1;
  std::unique_ptr<Y[]> yy(new Y[a.size() + 1]);
  k::binary(a.data(), b.data(), yy.get(), p, f);
  std::vector<double> r(a.size());
  for (size_t i = 0; i < a.size(); ++i) r[i] = static_cast<double>(ref(a[i], b[i]));
  if (rtol == 0 && atol == 0) {
    check_equal(yy.get(), r.data(), a.size(), name);
  } else {
    check_near(yy.get(), r, rtol, atol, name);
  }
}

}  // namespace

TEST_CASE("binary functors: float arithmetic", "[elementwise][binary]") {
  std::mt19937 g(21);
  for (i64 n : vec_sizes()) {
    auto a = rand_vec<float>(g, n, -10, 10), b = rand_vec<float>(g, n, -10, 10);
    const std::string s = " n=" + std::to_string(n);
    auto fa = [](float x, float y) { return double(x) + double(y); };
    binary_flat<float, float>("Add" + s, k::Add{}, fa, a, b, 1e-7, 1e-6);
    binary_flat<float, float>("Sub" + s, k::Sub{}, [](float x, float y) { return double(x) - double(y); }, a, b, 1e-7, 1e-6);
    binary_flat<float, float>("Mul" + s, k::Mul{}, [](float x, float y) { return double(x) * double(y); }, a, b, 1e-7, 0);
    binary_flat<float, float>("Div" + s, k::Div{}, [](float x, float y) { return double(x) / double(y); }, a, b, 1e-7, 0);
    binary_flat<float, float>("Max" + s, k::Max{}, [](float x, float y) { return std::max(x, y); }, a, b);
    binary_flat<float, float>("Min" + s, k::Min{}, [](float x, float y) { return std::min(x, y); }, a, b);
    binary_flat<float, float>("PRelu" + s, k::PRelu{}, [](float x, float y) { return x < 0 ? double(x) * y : x; }, a, b, 1e-7, 0);
    binary_flat<float, float>("AddScaled" + s, k::AddScaled<float>{0.37f},
                              [](float x, float y) { return double(x) + double(0.37f) * y; }, a, b, 1e-6, 1e-6);
    binary_flat<float, float>("FMod" + s, k::FMod{}, [](float x, float y) { return std::fmod(double(x), double(y)); }, a, b, 1e-6, 1e-6);
    binary_flat<float, float>("Mod" + s, k::Mod{},
                              [](float x, float y) {
                                double r = std::fmod(double(x), double(y));
                                if (r != 0 && ((r < 0) != (y < 0))) r += y;
                                return r;
                              },
                              a, b, 1e-6, 1e-5);
    auto pa = rand_vec<float>(g, n, 0.1, 4), pb = rand_vec<float>(g, n, -3, 3);
    binary_flat<float, float>("Pow" + s, k::Pow{}, [](float x, float y) { return std::pow(double(x), double(y)); }, pa, pb, 4e-6, 0);
    binary_flat<float, float>("PowF" + s, k::PowF{}, [](float x, float y) { return std::pow(double(x), double(y)); }, pa, pb, 4e-6, 0);
    binary_flat<float, bool>("Less" + s, k::Less{}, [](float x, float y) { return x < y; }, a, b);
    binary_flat<float, bool>("LessOrEqual" + s, k::LessOrEqual{}, [](float x, float y) { return x <= y; }, a, a);
    binary_flat<float, bool>("Greater" + s, k::Greater{}, [](float x, float y) { return x > y; }, a, b);
    binary_flat<float, bool>("GreaterOrEqual" + s, k::GreaterOrEqual{}, [](float x, float y) { return x >= y; }, b, b);
    binary_flat<float, bool>("Equal" + s, k::Equal{}, [](float x, float y) { return x == y; }, a, b);
    binary_flat<float, bool>("Equal self" + s, k::Equal{}, [](float x, float y) { return x == y; }, a, a);
  }
  // Pow with an integer exponent and float base, and integer base with float exponent.
  std::vector<float> base{2.f, -2.f, 0.5f, -3.f, 0.f};
  std::vector<int64_t> ex{3, 3, -2, 2, 0};
  float y[5];
  k::Bcast2 p{1, {5}, {1}, {1}};
  k::binary(base.data(), ex.data(), y, p, k::Pow{});
  const float want[5] = {8.f, -8.f, 4.f, 9.f, 1.f};
  check_equal(y, want, 5, "Pow float^int64");
  std::vector<int32_t> ib{2, 3, 4, -2, 10};
  std::vector<float> fe{3.f, 2.f, 0.5f, 3.f, -1.f};
  int32_t yi[5];
  k::binary(ib.data(), fe.data(), yi, p, k::Pow{});
  const int32_t wanti[5] = {8, 9, 2, -8, 0};
  check_equal(yi, wanti, 5, "Pow int32^float");
}

TEST_CASE("binary functors: NaN handling of Max and Min", "[elementwise][binary]") {
  // numpy.maximum / onnxruntime propagate NaN whichever operand it is in; the functors only
  // propagate a NaN in the first operand (see report).
  const float nan = std::nanf("");
  CHECK(std::isnan(k::Max{}(nan, 1.0f)));
  CHECK(std::isnan(k::Min{}(nan, 1.0f)));
  CHECK(std::isnan(k::Max{}(1.0f, nan)));
  CHECK(std::isnan(k::Min{}(1.0f, nan)));
}

TEST_CASE("binary functors: integer and bool", "[elementwise][binary]") {
  std::mt19937 g(22);
  for (i64 n : vec_sizes()) {
    const std::string s = " n=" + std::to_string(n);
    auto a = rand_int<int32_t>(g, n, -50, 50), b = rand_int<int32_t>(g, n, -7, 7);
    b[0] = 0;  // division by zero yields 0 rather than trapping
    binary_flat<int32_t, int32_t>("Add i32" + s, k::Add{}, [](int32_t x, int32_t y) { return x + y; }, a, b);
    binary_flat<int32_t, int32_t>("Sub i32" + s, k::Sub{}, [](int32_t x, int32_t y) { return x - y; }, a, b);
    binary_flat<int32_t, int32_t>("Mul i32" + s, k::Mul{}, [](int32_t x, int32_t y) { return x * y; }, a, b);
    binary_flat<int32_t, int32_t>("Div i32" + s, k::Div{}, [](int32_t x, int32_t y) { return y ? x / y : 0; }, a, b);
    binary_flat<int32_t, int32_t>("Max i32" + s, k::Max{}, [](int32_t x, int32_t y) { return std::max(x, y); }, a, b);
    binary_flat<int32_t, int32_t>("Min i32" + s, k::Min{}, [](int32_t x, int32_t y) { return std::min(x, y); }, a, b);
    binary_flat<int32_t, int32_t>("FMod i32" + s, k::FMod{}, [](int32_t x, int32_t y) { return y ? x % y : 0; }, a, b);
    binary_flat<int32_t, int32_t>("Mod i32" + s, k::Mod{},
                                  [](int32_t x, int32_t y) {
                                    if (!y) return 0;
                                    // Python: floor division remainder.
                                    return int32_t(x - y * int32_t(std::floor(double(x) / y)));
                                  },
                                  a, b);
    binary_flat<int32_t, int32_t>("BitAnd" + s, k::BitAnd{}, [](int32_t x, int32_t y) { return x & y; }, a, b);
    binary_flat<int32_t, int32_t>("BitOr" + s, k::BitOr{}, [](int32_t x, int32_t y) { return x | y; }, a, b);
    binary_flat<int32_t, int32_t>("BitXor" + s, k::BitXor{}, [](int32_t x, int32_t y) { return x ^ y; }, a, b);
    binary_flat<int32_t, bool>("Equal i32" + s, k::Equal{}, [](int32_t x, int32_t y) { return x == y; }, a, b);
    binary_flat<int32_t, bool>("Less i32" + s, k::Less{}, [](int32_t x, int32_t y) { return x < y; }, a, b);
    auto a64 = rand_int<int64_t>(g, n, -(int64_t(1) << 40), int64_t(1) << 40);
    auto b64 = rand_int<int64_t>(g, n, -1000, 1000);
    b64[0] = 0;
    binary_flat<int64_t, int64_t>("Div i64" + s, k::Div{}, [](int64_t x, int64_t y) { return y ? x / y : 0; }, a64, b64);
    binary_flat<int64_t, int64_t>("Mul i64" + s, k::Mul{}, [](int64_t x, int64_t y) { return x * y; }, a64, b64);
    auto u = rand_int<uint32_t>(g, n, 0, 0xffffffffu), sh = rand_int<uint32_t>(g, n, 0, 40);
    binary_flat<uint32_t, uint32_t>("ShiftLeft u32" + s, k::ShiftLeft{},
                                    [](uint32_t x, uint32_t y) { return y >= 32 ? 0u : x << y; }, u, sh);
    binary_flat<uint32_t, uint32_t>("ShiftRight u32" + s, k::ShiftRight{},
                                    [](uint32_t x, uint32_t y) { return y >= 32 ? 0u : x >> y; }, u, sh);
    auto u8 = rand_int<uint8_t>(g, n, 0, 255), sh8 = rand_int<uint8_t>(g, n, 0, 10);
    binary_flat<uint8_t, uint8_t>("ShiftLeft u8" + s, k::ShiftLeft{},
                                  [](uint8_t x, uint8_t y) { return uint8_t(y >= 8 ? 0 : (x << y) & 0xff); }, u8, sh8);
    binary_flat<uint8_t, uint8_t>("ShiftRight u8" + s, k::ShiftRight{},
                                  [](uint8_t x, uint8_t y) { return uint8_t(y >= 8 ? 0 : x >> y); }, u8, sh8);
    // Bools: std::vector<bool> is packed, so go through plain arrays.
    std::unique_ptr<bool[]> ba(new bool[n]), bb(new bool[n]), by(new bool[n]);
    auto ra = rand_int<int>(g, n, 0, 1), rb = rand_int<int>(g, n, 0, 1);
    for (i64 i = 0; i < n; ++i) ba[i] = ra[i], bb[i] = rb[i];
    k::Bcast2 p{1, {n}, {1}, {1}};
    std::vector<int> want(static_cast<size_t>(n));
    k::binary(ba.get(), bb.get(), by.get(), p, k::And{});
    for (i64 i = 0; i < n; ++i) want[i] = ra[i] && rb[i];
    check_equal(by.get(), want.data(), static_cast<size_t>(n), "And" + s);
    k::binary(ba.get(), bb.get(), by.get(), p, k::Or{});
    for (i64 i = 0; i < n; ++i) want[i] = ra[i] || rb[i];
    check_equal(by.get(), want.data(), static_cast<size_t>(n), "Or" + s);
    k::binary(ba.get(), bb.get(), by.get(), p, k::Xor{});
    for (i64 i = 0; i < n; ++i) want[i] = ra[i] != rb[i];
    check_equal(by.get(), want.data(), static_cast<size_t>(n), "Xor" + s);
  }
  // Python-style Mod: the result takes the divisor's sign.
  const int32_t ma[6] = {7, -7, 7, -7, 6, -6}, mb[6] = {3, 3, -3, -3, 3, -3};
  const int32_t mod_want[6] = {1, 2, -2, -1, 0, 0}, fmod_want[6] = {1, -1, 1, -1, 0, 0};
  int32_t my[6];
  k::Bcast2 p{1, {6}, {1}, {1}};
  k::binary(ma, mb, my, p, k::Mod{});
  check_equal(my, mod_want, 6, "Mod signs");
  k::binary(ma, mb, my, p, k::FMod{});
  check_equal(my, fmod_want, 6, "FMod signs");
  const float fa[4] = {5.5f, -5.5f, 5.5f, -5.5f}, fbv[4] = {2.f, 2.f, -2.f, -2.f};
  const float fmod_f[4] = {1.5f, 0.5f, -0.5f, -1.5f};
  float fy[4];
  k::Bcast2 p4{1, {4}, {1}, {1}};
  k::binary(fa, fbv, fy, p4, k::Mod{});
  check_equal(fy, fmod_f, 4, "Mod float signs");
}

// ---- broadcasting plans -------------------------------------------------------------------

namespace {

// A plan from two numpy shapes, one plan dim per output dim (no collapsing), 0 strides for
// broadcast dims.
k::Bcast2 plan_from_shapes(const std::vector<i64>& a, const std::vector<i64>& b, std::vector<i64>* out) {
  const size_t r = std::max(a.size(), b.size());
  std::vector<i64> A(r - a.size(), 1), B(r - b.size(), 1);
  A.insert(A.end(), a.begin(), a.end());
  B.insert(B.end(), b.begin(), b.end());
  out->assign(r, 0);
  for (size_t i = 0; i < r; ++i) (*out)[i] = A[i] == 1 ? B[i] : A[i];
  const auto sa = strides_of(A), sb = strides_of(B);
  k::Bcast2 p{};
  p.rank = static_cast<int>(r);
  for (size_t i = 0; i < r; ++i) {
    p.dims[i] = (*out)[i];
    p.sa[i] = A[i] == 1 ? 0 : sa[i];
    p.sb[i] = B[i] == 1 ? 0 : sb[i];
  }
  return p;
}

// Reference: element index of a for output index idx, from the shapes alone.
i64 src_index(const std::vector<i64>& shape, const std::vector<i64>& idx) {
  const size_t off = idx.size() - shape.size();
  i64 o = 0;
  for (size_t i = 0; i < shape.size(); ++i) o = o * shape[i] + (shape[i] == 1 ? 0 : idx[off + i]);
  return o;
}

void check_bcast_float(const std::vector<i64>& sa, const std::vector<i64>& sb, std::mt19937& g) {
  std::vector<i64> out;
  const k::Bcast2 p = plan_from_shapes(sa, sb, &out);
  const i64 n = numel(out);
  auto a = rand_vec<float>(g, numel(sa), -3, 3), b = rand_vec<float>(g, numel(sb), -3, 3);
  Guarded<float> y(n);
  y.fill(std::nanf(""));
  k::binary(a.data(), b.data(), y.data(), p, k::Sub{});
  std::vector<double> r;
  r.reserve(static_cast<size_t>(n));
  for_each_index(out, [&](const std::vector<i64>& idx) {
    r.push_back(double(a[src_index(sa, idx)]) - double(b[src_index(sb, idx)]));
  });
  const std::string what = "Sub " + shape_str(sa) + " - " + shape_str(sb);
  check_near(y.data(), r, 1e-7, 1e-6, what);
  CHECK(y.intact());

  // Output aliasing an input of the output's shape.
  if (numel(sa) == n) {
    std::vector<float> ya = a;
    k::binary(ya.data(), b.data(), ya.data(), p, k::Sub{});
    check_equal(ya.data(), y.data(), static_cast<size_t>(n), what + " (y == a)");
  }
  if (numel(sb) == n) {
    std::vector<float> yb = b;
    k::binary(a.data(), yb.data(), yb.data(), p, k::Sub{});
    check_equal(yb.data(), y.data(), static_cast<size_t>(n), what + " (y == b)");
  }
}

}  // namespace

TEST_CASE("binary: numpy broadcasting plans", "[elementwise][binary][broadcast]") {
  std::mt19937 g(31);
  for (i64 n : vec_sizes()) {
    const std::vector<std::pair<std::vector<i64>, std::vector<i64>>> cases{
        {{n}, {n}},
        {{n}, {1}},
        {{1}, {n}},
        {{3, n}, {n}},
        {{n}, {3, n}},
        {{3, n}, {3, 1}},
        {{3, 1}, {1, n}},
        {{n, 1}, {1, 3}},
        {{n, 1}, {n}},
        {{2, 3, n}, {2, 1, n}},
        {{2, 1, n}, {1, 3, 1}},
        {{1, 1, n}, {2, 3, 1}},
        {{2, 3, 1, n}, {3, 5, 1}},
        {{1}, {1}},
        {{1, 1, 1}, {2, 1, n}},
    };
    for (const auto& c : cases) check_bcast_float(c.first, c.second, g);
  }
  // Rank 8, the maximum.
  check_bcast_float({2, 1, 3, 1, 2, 1, 3, 5}, {1, 2, 1, 3, 1, 2, 3, 1}, g);
  check_bcast_float({2, 1, 2, 1, 2, 1, 2, 17}, {2, 2, 1, 2, 1, 2, 1, 1}, g);
}

TEST_CASE("binary: hand-written plans with unusual strides", "[elementwise][binary][broadcast]") {
  std::mt19937 g(32);
  for (i64 n : vec_sizes()) {
    const std::string s = " n=" + std::to_string(n);
    // a read transposed from an [n, 3] buffer (inner stride 3), b a row vector broadcast over rows.
    {
      auto a = rand_vec<float>(g, n * 3), b = rand_vec<float>(g, n);
      k::Bcast2 p{2, {3, n}, {1, 3}, {0, 1}};
      std::vector<float> y(static_cast<size_t>(3 * n));
      k::binary(a.data(), b.data(), y.data(), p, k::Mul{});
      std::vector<double> r;
      for (i64 i = 0; i < 3; ++i)
        for (i64 j = 0; j < n; ++j) r.push_back(double(a[j * 3 + i]) * b[j]);
      check_near(y, r, 1e-7, 0, "transposed a" + s);
    }
    // Both operands broadcast along the inner dim (inner strides 0 and 0).
    {
      auto a = rand_vec<float>(g, 4), b = rand_vec<float>(g, 4);
      k::Bcast2 p{2, {4, n}, {1, 0}, {1, 0}};
      std::vector<float> y(static_cast<size_t>(4 * n));
      k::binary(a.data(), b.data(), y.data(), p, k::Add{});
      std::vector<double> r;
      for (i64 i = 0; i < 4; ++i)
        for (i64 j = 0; j < n; ++j) r.push_back(double(a[i]) + b[i]);
      check_near(y, r, 1e-7, 1e-7, "inner strides 0,0" + s);
    }
    // Negative strides (a reversed view): a points at its last element.
    {
      auto a = rand_vec<float>(g, 2 * n), b = rand_vec<float>(g, 1);
      k::Bcast2 p{2, {2, n}, {-n, -1}, {0, 0}};
      std::vector<float> y(static_cast<size_t>(2 * n));
      k::binary(a.data() + 2 * n - 1, b.data(), y.data(), p, k::Sub{});
      std::vector<double> r;
      for (i64 i = 0; i < 2 * n; ++i) r.push_back(double(a[2 * n - 1 - i]) - b[0]);
      check_near(y, r, 1e-7, 1e-6, "negative strides" + s);
    }
    // Outer broadcast of a with inner stride 2 of b (b is every other element of a buffer).
    {
      auto a = rand_vec<float>(g, n), b = rand_vec<float>(g, 3 * 2 * n);
      k::Bcast2 p{2, {3, n}, {0, 1}, {2 * n, 2}};
      std::vector<float> y(static_cast<size_t>(3 * n));
      k::binary(a.data(), b.data(), y.data(), p, k::Div{});
      std::vector<double> r;
      for (i64 i = 0; i < 3; ++i)
        for (i64 j = 0; j < n; ++j) r.push_back(double(a[j]) / b[i * 2 * n + j * 2]);
      check_near(y, r, 2e-7, 0, "strided b" + s);
    }
    // Mixed types: float compared against a broadcast scalar gives bools.
    {
      auto a = rand_vec<float>(g, 2 * n);
      const float t = 0.1f;
      k::Bcast2 p{2, {2, n}, {n, 1}, {0, 0}};
      std::unique_ptr<bool[]> y(new bool[2 * n]);
      k::binary(a.data(), &t, y.get(), p, k::Greater{});
      std::vector<int> r;
      for (i64 i = 0; i < 2 * n; ++i) r.push_back(a[i] > t);
      check_equal(y.get(), r.data(), r.size(), "Greater vs scalar" + s);
    }
  }
  // Empty output: nothing is touched.
  {
    float a = 1, b = 2;
    Guarded<float> y(0);
    k::Bcast2 p{1, {0}, {1}, {1}};
    k::binary(&a, &b, y.data(), p, k::Add{});
    CHECK(y.intact());
    k::Bcast2 p2{2, {3, 0}, {0, 1}, {1, 0}};
    k::binary(&a, &b, y.data(), p2, k::Add{});
    CHECK(y.intact());
  }
}

// ---- where --------------------------------------------------------------------------------

TEST_CASE("where with three-way broadcasting", "[elementwise][where]") {
  std::mt19937 g(41);
  struct Case {
    std::vector<i64> c, x, y;
  };
  for (i64 n : vec_sizes()) {
    const std::vector<Case> cases{
        {{n}, {n}, {n}},     {{n}, {1}, {n}},          {{1}, {n}, {1}},         {{3, n}, {n}, {3, 1}},
        {{n, 1}, {1, 4}, {4}}, {{2, 1, n}, {1, 3, 1}, {2, 3, n}}, {{1}, {1}, {1}},
    };
    for (const auto& c : cases) {
      const size_t r = std::max({c.c.size(), c.x.size(), c.y.size()});
      auto pad = [&](std::vector<i64> s) {
        s.insert(s.begin(), r - s.size(), 1);
        return s;
      };
      const auto C = pad(c.c), X = pad(c.x), Y = pad(c.y);
      std::vector<i64> out(r);
      for (size_t i = 0; i < r; ++i) out[i] = std::max({C[i], X[i], Y[i]});
      const auto scs = strides_of(C), sxs = strides_of(X), sys = strides_of(Y);
      k::Bcast3 p{};
      p.rank = static_cast<int>(r);
      for (size_t i = 0; i < r; ++i) {
        p.dims[i] = out[i];
        p.sc[i] = C[i] == 1 ? 0 : scs[i];
        p.sx[i] = X[i] == 1 ? 0 : sxs[i];
        p.sy[i] = Y[i] == 1 ? 0 : sys[i];
      }
      const i64 nc = numel(C);
      auto ci = rand_int<int>(g, nc, 0, 1);
      std::unique_ptr<bool[]> cond(new bool[nc]);
      for (i64 i = 0; i < nc; ++i) cond[i] = ci[i];
      auto xv = rand_vec<float>(g, numel(X)), yv = rand_vec<float>(g, numel(Y));
      Guarded<float> o(numel(out));
      k::where(cond.get(), xv.data(), yv.data(), o.data(), p);
      std::vector<float> want;
      for_each_index(out, [&](const std::vector<i64>& idx) {
        want.push_back(ci[src_index(C, idx)] ? xv[src_index(X, idx)] : yv[src_index(Y, idx)]);
      });
      check_equal(o.data(), want.data(), want.size(),
                  "where " + shape_str(c.c) + " " + shape_str(c.x) + " " + shape_str(c.y));
      CHECK(o.intact());
    }
  }
  // int64 payloads.
  const bool cond[4] = {true, false, false, true};
  const int64_t x[4] = {1, 2, 3, 4}, y[1] = {-9};
  int64_t o[4];
  k::Bcast3 p{1, {4}, {1}, {1}, {0}};
  k::where(cond, x, y, o, p);
  const int64_t want[4] = {1, -9, -9, 4};
  check_equal(o, want, 4, "where int64");
}
