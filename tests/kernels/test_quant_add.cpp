// qlinear_add (the fused residual of a QDQ graph) against the nodes it replaces, run one by one:
// dequantize_linear twice, a float add, Relu, quantize_linear: bit-exact, for int8/uint8 on
// either side, with and without the Relu, over values that land on rounding boundaries too.
#include "runtime_min/onnx2cpp_numeric.h"
#include "kt.hpp"
#include "templates/numeric.hpp"
#include "templates/subbyte.hpp"  // quant.hpp needs it (kernels.def: HEADER(quant, ...))
#include "templates/quant.hpp"

using namespace kt;

namespace {

template <class A, class B, class Q>
void check_add(float sa, A za, float sb, B zb, float sy, Q zy, bool relu) {
  const i64 n = 256 * 256;
  std::vector<A> a(static_cast<size_t>(n));
  std::vector<B> b(a.size());
  for (i64 i = 0; i < n; ++i) {  // every pair of values
    a[static_cast<size_t>(i)] = static_cast<A>(i % 256);
    b[static_cast<size_t>(i)] = static_cast<B>(i / 256);
  }
  const k::QuantIndex q{1, 1, n, 1, 0, 0, 0};
  std::vector<float> da(a.size()), db(a.size());
  k::dequantize_linear<A, float, float>(a.data(), &sa, &za, da.data(), q);
  k::dequantize_linear<B, float, float>(b.data(), &sb, &zb, db.data(), q);
  for (size_t i = 0; i < da.size(); ++i) {
    da[i] = da[i] + db[i];
    if (relu) da[i] = k::relu(da[i]);
  }
  std::vector<Q> want(a.size()), got(a.size());
  k::quantize_linear<float, float, Q, float>(da.data(), &sy, &zy, want.data(), q, true);
  k::qlinear_add<A, B, Q>(a.data(), &sa, &za, b.data(), &sb, &zb, &sy, &zy, got.data(), n, relu ? 1 : 0);
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("a " << static_cast<int>(a[i]) << " b " << static_cast<int>(b[i]));
    REQUIRE(static_cast<int>(got[i]) == static_cast<int>(want[i]));
  }
}

}  // namespace

TEST_CASE("qlinear_add: exact against DequantizeLinear x2, Add, Relu, QuantizeLinear") {
  check_add<std::uint8_t, std::uint8_t, std::uint8_t>(0.05f, 3, 0.031f, 128, 0.07f, 0, true);
  check_add<std::uint8_t, std::uint8_t, std::uint8_t>(0.05f, 3, 0.031f, 128, 0.07f, 11, false);
  check_add<std::int8_t, std::uint8_t, std::int8_t>(0.125f, -4, 0.25f, 7, 0.5f, -3, false);  // exact halves: ties
  check_add<std::uint8_t, std::int8_t, std::uint8_t>(0.01f, 200, 0.2f, 0, 0.003f, 100, true);  // saturating
}
