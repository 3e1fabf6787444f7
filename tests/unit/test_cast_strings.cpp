// Cast and CastLike to and from string (templates/numtext.hpp): the text of numbers as the
// ONNX reference writes it (numpy's astype(str); expected values printed by numpy 1.24), the
// numbers of text as Python's float() reads it, the texts that end a run with
// ONNX2CPP_ERR_DATA_VALUE; then whole models compiled and run: casts both ways, CastLike, and
// string initializers and Constants with hostile names and contents (quotes, backslashes,
// comment ends, newlines, NUL bytes) emitted as escaped literals.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "builder.hpp"
#include "ops/kernels.hpp"

using namespace o2c;
using namespace o2c::test;

namespace {

template <class T>
std::vector<std::string> texts(const std::vector<T>& v) {
  std::unique_ptr<T[]> x(new T[v.size()]);  // (not vector<bool>: no data())
  for (size_t i = 0; i < v.size(); ++i) x[i] = v[i];
  std::vector<char> area(v.size() * static_cast<size_t>(k::numtext_bound<T>()));
  std::vector<onnx2cpp_string> y(v.size());
  k::cast_to_string(x.get(), y.data(), static_cast<int64_t>(v.size()), reinterpret_cast<int8_t*>(area.data()));
  std::vector<std::string> r;
  for (const auto& s : y) {
    CHECK(static_cast<int64_t>(s.size) <= k::numtext_bound<T>());
    r.emplace_back(s.data, s.size);
  }
  return r;
}

// The value of one text as T; `ok` false when the kernel refuses it.
template <class T>
T read(const std::string& s, bool* ok = nullptr) {
  const onnx2cpp_string v{s.data(), s.size()};
  T y{};
  const int rc = k::cast_from_string(&v, &y, 1);
  if (ok) *ok = rc == 0;
  else CHECK(rc == 0);
  return y;
}
template <class T>
bool refused(const std::string& s) {
  bool ok = true;
  read<T>(s, &ok);
  return !ok;
}

uint64_t bits(double d) {
  uint64_t b;
  std::memcpy(&b, &d, 8);
  return b;
}

}  // namespace

TEST_CASE("Cast to string writes numbers as numpy's str does", "[strings][cast]") {
  const float inf = std::numeric_limits<float>::infinity();
  CHECK(texts<float>({0.1f, 1e16f, 9.999999e15f, 1e-4f, 123456789.0f, 3.4028235e38f, 1e-45f, 0.00012345678f, -0.0f,
                      1.5f, inf, -inf, std::nanf(""), 16777216.0f, 2.5e-5f, 1234.5678f}) ==
        std::vector<std::string>{"0.1", "1e+16", "9999999000000000.0", "1e-04", "123456790.0", "3.4028235e+38",
                                 "1e-45", "0.00012345678", "-0.0", "1.5", "inf", "-inf", "nan", "16777216.0",
                                 "2.5e-05", "1234.5677"});
  CHECK(texts<double>({0.1, 1.0 / 3, 1e16, 1e-4, 9999999999999998.0, 5e-324, 1.7976931348623157e308,
                       -2.2250738585072014e-308, 100.0}) ==
        std::vector<std::string>{"0.1", "0.3333333333333333", "1e+16", "0.0001", "9999999999999998.0", "5e-324",
                                 "1.7976931348623157e+308", "-2.2250738585072014e-308", "100.0"});
  std::vector<k::float16> h;
  for (uint16_t b : {11878, 31743, 1, 1678, 49920, 25553, 2060}) h.push_back(k::float16::from_bits(b));
  CHECK(texts(h) == std::vector<std::string>{"0.1", "65500.0", "6e-08", "0.0001", "-3.5", "1000.5", "0.0001235"});
  CHECK(texts<int64_t>({0, -1, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()}) ==
        std::vector<std::string>{"0", "-1", "-9223372036854775808", "9223372036854775807"});
  CHECK(texts<uint64_t>({std::numeric_limits<uint64_t>::max()}) == std::vector<std::string>{"18446744073709551615"});
  CHECK(texts<int8_t>({-128, 127}) == std::vector<std::string>{"-128", "127"});
  CHECK(texts<bool>({true, false}) == std::vector<std::string>{"True", "False"});
  CHECK(k::numtext_bound<double>() == 24);
  CHECK(k::numtext_bound<float>() == 19);
}

TEST_CASE("Cast from string reads text as Python's float() does", "[strings][cast]") {
  CHECK(read<float>("0.47892547") == 0.47892547f);
  CHECK(read<double>("1e-5") == 1e-5);
  CHECK(read<double>("1E8") == 1e8);
  CHECK(read<double>(" \t3.14\n") == 3.14);
  CHECK(read<double>(".5") == 0.5);
  CHECK(read<double>("5.") == 5.0);
  CHECK(read<double>("+1.5e+3") == 1500.0);
  CHECK(std::isinf(read<double>("+INF")));
  CHECK(read<double>("-inf") < 0);
  CHECK(std::isinf(read<float>("Infinity")));
  CHECK(std::isnan(read<float>("NaN")));
  CHECK(std::signbit(read<double>("-0")));
  CHECK(std::isinf(read<float>("1e39")));      // past float: inf (double -> float)
  CHECK(read<double>("1e-400") == 0.0);
  CHECK(bits(read<double>("2.4703282292062328e-324")) == 1);  // just above half the smallest
  CHECK(bits(read<double>("2.4703282292062327e-324")) == 0);  // just below: 0
  CHECK(read<double>("1.7976931348623157e308") == std::numeric_limits<double>::max());
  CHECK(std::isinf(read<double>("1.7976931348623159e308")));
  CHECK(read<double>("123456789012345678901234567890") == 123456789012345678901234567890.0);
  // double then float, as numpy reads it: this text rounds to the float tie, then to even
  CHECK(read<float>("1.000000059604644775390625000000001") == 1.0f);
  CHECK(read<double>(std::string(900, '1') + "e-900") == read<double>("0.1111111111111111111111"));
  CHECK(read<int32_t>(" 42 ") == 42);
  CHECK(read<int32_t>("-2147483648") == std::numeric_limits<int32_t>::min());
  CHECK(read<int64_t>("9223372036854775807") == std::numeric_limits<int64_t>::max());
  CHECK(read<int32_t>("100.5") == 100);  // the spec's example: truncated
  CHECK(read<int32_t>("-100.9") == -100);
  CHECK(read<int32_t>("1e3") == 1000);
  CHECK(read<uint8_t>("255") == 255);
  CHECK(read<uint8_t>("-0") == 0);
  CHECK(read<bool>("True"));
  CHECK_FALSE(read<bool>("false"));
  CHECK_FALSE(read<bool>("0.0"));
  CHECK(read<bool>("-2.5"));
  CHECK(k::float16(read<k::float16>("0.1")).bits == 11878);
}

TEST_CASE("Cast from string: text that is not a number of the type ends the run", "[strings][cast]") {
  for (const char* s : {"", " ", "Hello World!", "1e", "--1", "1.2.3", "e5", ".", "inf5", "0x10", "1_000", "nan nan"})
    CHECK(refused<double>(s));
  CHECK(refused<int32_t>("2147483648"));
  CHECK(refused<int32_t>("3e9"));
  CHECK(refused<int32_t>("nan"));
  CHECK(refused<uint8_t>("256"));
  CHECK(refused<uint8_t>("-1"));
  CHECK(refused<uint64_t>("18446744073709551616"));
  CHECK(refused<bool>("yes"));
  // a view is never read past its size: the digits after it do not count
  const std::string s = "12345";
  const onnx2cpp_string v{s.data(), 2};
  int32_t y = 0;
  CHECK(k::cast_from_string(&v, &y, 1) == 0);
  CHECK(y == 12);
}

namespace {

onnx::TensorProto string_tensor(const std::string& name, const std::vector<std::string>& v) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::STRING);
  t.add_dims(static_cast<int64_t>(v.size()));
  for (const auto& s : v) t.add_string_data(s);
  return t;
}
onnx::TensorProto float_tensor(const std::string& name, const std::vector<float>& v) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::FLOAT);
  t.add_dims(static_cast<int64_t>(v.size()));
  for (float x : v) t.add_float_data(x);
  return t;
}

}  // namespace

TEST_CASE("Cast and CastLike to and from string compile and run", "[strings][cast]") {
  TempDir dir;
  ModelBuilder b(21);
  b.input("x", {4}, onnx::TensorProto::FLOAT).input("s", {4}, onnx::TensorProto::STRING);
  b.input("like", {1}, onnx::TensorProto::STRING);
  ModelBuilder::attr_i(b.node("Cast", {"x"}, {"xs"}), "to", onnx::TensorProto::STRING);
  ModelBuilder::attr_i(b.node("Cast", {"s"}, {"sf"}), "to", onnx::TensorProto::FLOAT);
  b.node("CastLike", {"x", "like"}, {"xl"});
  b.output("xs").output("sf").output("xl");
  const Compiled c = compile_file(b.save(dir.path));
  TestData d;
  d.inputs = {float_tensor("x", {0.1f, -2.0f, 1e20f, 3e-5f}), string_tensor("s", {"1.5", " -2e3 ", "INF", "0.1"}),
              string_tensor("like", {"?"})};
  const std::vector<std::string> want = {"0.1", "-2.0", "1e+20", "3e-05"};
  d.outputs = {string_tensor("xs", want), float_tensor("sf", {1.5f, -2000.0f, std::numeric_limits<float>::infinity(), 0.1f}),
               string_tensor("xl", want)};
  for (const Comparison& r : build_and_compare(c, d, dir.path)) {
    INFO(r.name);
    CHECK(r.pass);
  }
}

TEST_CASE("String initializers and Constants become escaped literals", "[strings][cast]") {
  TempDir dir;
  const std::vector<std::string> hostile = {"say \"hi\"", "back\\slash", "end */ comment", "new\nline",
                                            std::string("nul\0byte", 8), "?" "?=trigraph", "\\x41\\", "", "\xC3\xA9t\xC3\xA9"};
  ModelBuilder b(21);
  b.input("x", {1}, onnx::TensorProto::STRING);
  const std::string wname = "w \"*/\n\\", cname = "c*/\n\"";
  *b.m.mutable_graph()->add_initializer() = string_tensor(wname, hostile);
  b.node("StringConcat", {"x", wname}, {"y"}, "x*/\"\\\n");
  auto& cn = b.node("Constant", {}, {cname}, "n */ \"\n\\");
  auto* a = cn.add_attribute();
  a->set_name("value_strings");
  a->set_type(onnx::AttributeProto::STRINGS);
  for (const auto& h : hostile) a->add_strings(h);
  b.node("StringConcat", {cname, "x"}, {"z"});
  b.output("y").output("z");
  const Compiled c = compile_file(b.save(dir.path));
  TestData d;
  d.inputs = {string_tensor("x", {"<x>"})};
  std::vector<std::string> y, z;
  for (const auto& h : hostile) y.push_back("<x>" + h), z.push_back(h + "<x>");
  d.outputs = {string_tensor("y", y), string_tensor("z", z)};
  for (const Comparison& r : build_and_compare(c, d, dir.path)) {
    INFO(r.name);
    CHECK(r.pass);
  }
}
