// The packed 4- and 2-bit types (templates/subbyte.hpp): packing and unpacking odd-length
// tensors (the last byte's unused bits 0), the float4e2m1 conversion table, Cast's wrap-around
// to the small integers, and a model that folds a constant int4 weight and runs an odd-length
// packed input and output through the generated code.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "builder.hpp"
#include "onnx/model_io.hpp"
#include "ops/kernels.hpp"

using namespace o2c;
using namespace o2c::test;

TEST_CASE("Packed tensors of odd length pack low bits first and leave the unused bits 0", "[subbyte]") {
  const float x[7] = {-8, -1, 0, 1, 7, 3, -5};
  std::uint8_t p[4];
  std::memset(p, 0xFF, sizeof p);
  k::cast_to_packed<float, k::kInt4>(x, p, 7);
  CHECK(int(p[0]) == 0xF8);  // -8 = 0x8 low, -1 = 0xF high
  CHECK(int(p[1]) == 0x10);
  CHECK(int(p[2]) == 0x37);
  CHECK(int(p[3]) == 0x0B);  // -5 = 0xB, then 4 unused bits 0
  CHECK(int(p[3] >> 4) == 0);
  float back[7];
  k::cast_from_packed<k::kInt4, float>(p, back, 7);
  for (int i = 0; i < 7; ++i) CHECK(back[i] == x[i]);

  const std::int32_t u[5] = {0, 1, 2, 3, 1};
  std::uint8_t q[2] = {0xFF, 0xFF};
  k::cast_to_packed<std::int32_t, k::kUInt2>(u, q, 5);
  CHECK(int(q[0]) == 0xE4);  // 3 2 1 0 from the top
  CHECK(int(q[1]) == 0x01);  // one element, 6 unused bits 0
  std::int64_t ub[5];
  k::cast_from_packed<k::kUInt2, std::int64_t>(q, ub, 5);
  for (int i = 0; i < 5; ++i) CHECK(ub[i] == u[i]);

  // int2: -2..1; sign-extended on the way out.
  const std::int8_t s2[3] = {-2, -1, 1};
  std::uint8_t r = 0xFF;
  k::cast_to_packed<std::int8_t, k::kInt2>(s2, &r, 3);
  CHECK(int(r) == 0x1E);
  std::int8_t s2b[3];
  k::cast_from_packed<k::kInt2, std::int8_t>(&r, s2b, 3);
  CHECK((s2b[0] == -2 && s2b[1] == -1 && s2b[2] == 1));

  // The same type: bytes copied, the padding cleared.
  std::uint8_t src[2] = {0x21, 0xF3}, dst[2] = {0, 0};
  k::cast_packed<k::kUInt4, k::kUInt4>(src, dst, 3);
  CHECK((dst[0] == 0x21 && dst[1] == 0x03));
  CHECK(dtype_bytes(DType::Int4, 7) == 4);
  CHECK(dtype_bytes(DType::Int2, 5) == 2);
}

TEST_CASE("Cast to the 4- and 2-bit integers truncates and wraps like any narrower integer", "[subbyte]") {
  // ONNX 1.22's test_cast_FLOAT_to_INT4 / UINT4 / INT2: -9 -> 7, 8 -> -8, 15 -> -1.
  const double x[8] = {-9.0, 8.0, 15.0, 2.9, -2.9, std::nan(""), HUGE_VAL, 1e30};
  std::uint8_t p[4];
  k::cast_to_packed<double, k::kInt4>(x, p, 8);
  float v[8];
  k::cast_from_packed<k::kInt4, float>(p, v, 8);
  CHECK(v[0] == 7);
  CHECK(v[1] == -8);
  CHECK(v[2] == -1);
  CHECK(v[3] == 2);
  CHECK(v[4] == -2);
  CHECK(v[5] == 0);  // NaN and inf: undefined in ONNX, 0 here
  CHECK(v[6] == 0);
  CHECK(v[7] == 0);  // 1e30 is a multiple of 16
  const std::int64_t big[2] = {-3, std::numeric_limits<std::int64_t>::min() + 5};
  std::uint8_t q = 0;
  k::cast_to_packed<std::int64_t, k::kUInt2>(big, &q, 2);
  CHECK(int(q) == ((1 << 2) | 1));
  // int4 -> uint4 wraps as well; uint4 -> float4e2m1 rounds and saturates.
  std::uint8_t i4 = 0x8F, u4 = 0, f4 = 0;  // -1, -8
  k::cast_packed<k::kInt4, k::kUInt4>(&i4, &u4, 2);
  CHECK(int(u4) == 0x8F);
  std::uint8_t u4b = 0x95;  // 5, 9
  k::cast_packed<k::kUInt4, k::kFloat4E2M1>(&u4b, &f4, 2);
  CHECK(int(f4) == 0x76);  // 5 -> 4 (tie to even), 9 -> 6
}

TEST_CASE("float4e2m1: the code table, ties to even, saturation, NaN and double rounding", "[subbyte]") {
  const float mag[8] = {0.f, 0.5f, 1.f, 1.5f, 2.f, 3.f, 4.f, 6.f};
  for (unsigned c = 0; c < 16; ++c) {
    const float want = (c & 8) ? -mag[c & 7] : mag[c & 7];
    CHECK(k::Packed<k::kFloat4E2M1>::value(c) == want);
    CHECK(std::signbit(k::Packed<k::kFloat4E2M1>::value(c)) == ((c & 8) != 0));
    CHECK(k::Packed<k::kFloat4E2M1>::from(want) == ((c == 8) ? 8u : c));  // every value converts to its code
  }
  struct Case {
    double x;
    unsigned code;
  };
  const Case cases[] = {
      {0.25, 0x0},  {0.75, 0x2},  {1.25, 0x2},   {1.75, 0x4},  {2.5, 0x4},  {3.5, 0x6},  {5.0, 0x6},
      {-5.0, 0xE},  {5.01, 0x7},  {6.5, 0x7},    {-1e9, 0xF},  {HUGE_VAL, 0x7}, {-HUGE_VAL, 0xF},
      {std::nan(""), 0x8},  {-0.0, 0x8},  {0.2, 0x0},  {0.26, 0x1},
      {0.25 + 1e-12, 0x1},  // a double just above a tie: float would round it onto the tie
      {5.0 - 1e-12, 0x6},   {5.0 + 1e-12, 0x7},
  };
  for (const Case& t : cases) {
    INFO("x = " << t.x);
    CHECK(k::Packed<k::kFloat4E2M1>::from(t.x) == t.code);
  }
  // Through the kernel from float16 (whose 2.5 and 0.25 are exact ties too).
  const k::float16 h[3] = {k::float16(2.5f), k::float16(0.25f), k::float16(100.0f)};
  std::uint8_t p[2];
  k::cast_to_packed<k::float16, k::kFloat4E2M1>(h, p, 3);
  CHECK(int(p[0]) == 0x04);
  CHECK(int(p[1]) == 0x07);
}

TEST_CASE("QuantizeLinear and DequantizeLinear to and from int4, blocked, odd length", "[subbyte]") {
  // x [1, 5] with one block of 3 and one of 2 along axis 1: scales 1 and 2, zero points 1 and -2.
  const float x[5] = {-20.f, 2.5f, 3.f, 7.f, -7.f}, scale[2] = {1.f, 2.f};
  std::uint8_t zp = 0xE1;  // 1, -2
  std::uint8_t y[3];
  const k::QuantIndex q{1, 5, 1, 3, 2, 1, 1};
  k::quantize_linear_packed<float, float, k::kInt4, float>(x, scale, &zp, y, q);
  float back[5];
  k::cast_from_packed<k::kInt4, float>(y, back, 5);
  CHECK(back[0] == -8);  // -20 + 1 clamped
  CHECK(back[1] == 3);   // 2.5 rounds to 2 (even), + 1
  CHECK(back[2] == 4);
  CHECK(back[3] == 2);   // 3.5 -> 4, - 2
  CHECK(back[4] == -6);  // -3.5 -> -4, - 2
  CHECK(int(y[2] >> 4) == 0);
  float d[5];
  k::dequantize_linear_packed<k::kInt4, float, float>(y, scale, &zp, d, q);
  CHECK(d[0] == -9.f);
  CHECK(d[3] == 8.f);
  CHECK(d[4] == -8.f);
}

TEST_CASE("A constant int4 weight folds, packed inputs and outputs of odd length cross the C API", "[subbyte][build]") {
  ModelBuilder b(21);
  b.input("x", {5});
  auto* w = b.m.mutable_graph()->add_initializer();  // int4 [5] in int32_data: one packed byte each
  w->set_name("w");
  w->set_data_type(22);
  w->add_dims(5);
  for (int v : {0xF8, 0x10, 0x07}) w->add_int32_data(v);  // -8 -1 0 1 7
  b.init_f("s", {}, {0.5f});
  b.node("DequantizeLinear", {"w", "s"}, {"wf"});
  b.node("Add", {"x", "wf"}, {"sum"});
  auto& cast = b.node("Cast", {"sum"}, {"y"});
  ModelBuilder::attr_i(cast, "to", 22);
  b.output("y");
  TempDir d;
  const Compiled c = compile_file(b.save(d.path));
  CHECK(live_nodes(c, "DequantizeLinear") == 0);
  Tensor x(DType::Float, {5}), want(DType::Int4, {5});
  const float xs[5] = {0.f, 1.f, 2.2f, -3.f, 4.f};
  const int wv[5] = {-8, -1, 0, 1, 7};
  for (int i = 0; i < 5; ++i) {
    x.data<float>()[i] = xs[i];
    onnx2cpp_int4_set(want.bytes.data(), static_cast<size_t>(i), static_cast<int>(std::trunc(xs[i] + 0.5f * wv[i])));
  }
  REQUIRE(want.bytes.size() == 3);
  check_one_output(c, d.path, x, "x", want, "y", 0, 0);
}
