// Range 27 on float16 and bfloat16 (always folded): numpy's arange in the stash type (float,
// or double with stash_type 11), each value rounded to the type, as the reference computes it.
// Expected bits printed by numpy 1.24.
#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

#include "builder.hpp"

using namespace o2c;
using namespace o2c::test;

namespace {

void init_bits(ModelBuilder& b, const std::string& name, int type, uint16_t bits) {
  auto* t = b.m.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(type);
  t->add_int32_data(bits);  // float16 and bfloat16 keep their bits in int32_data
}

std::vector<uint16_t> range_bits(int type, uint16_t s, uint16_t l, uint16_t d, int64_t stash = 0) {
  ModelBuilder b(27);
  init_bits(b, "s", type, s);
  init_bits(b, "l", type, l);
  init_bits(b, "d", type, d);
  auto& n = b.node("Range", {"s", "l", "d"}, {"y"});
  if (stash) ModelBuilder::attr_i(n, "stash_type", stash);
  b.output("y");
  TempDir dir;
  const Compiled c = compile_file(b.save(dir.path));
  const Value& y = value(c.graph, "y");
  REQUIRE(y.constant);
  std::vector<uint16_t> r(static_cast<size_t>(y.constant->numel()));
  std::memcpy(r.data(), y.constant->bytes.data(), r.size() * 2);
  return r;
}

}  // namespace

TEST_CASE("Range on float16 and bfloat16 computes in the stash type", "[range]") {
  // float16 0.1 .. 100 by 0.3: 333 values
  for (int64_t stash : {0, 1, 11}) {
    const auto y = range_bits(onnx::TensorProto::FLOAT16, 11878, 22080, 13517, stash);
    REQUIRE(y.size() == 333);
    CHECK(y[0] == 11878);
    CHECK(y[1] == 13926);
    CHECK(y[2] == 14746);
    CHECK(y[100] == 20359);
    CHECK(y[250] == 21682);
    CHECK(y[332] == 22075);
  }
  // bfloat16 1 .. 5 by 2 (the node test's values): 1, 3
  CHECK(range_bits(onnx::TensorProto::BFLOAT16, 0x3f80, 0x40a0, 0x4000) == std::vector<uint16_t>{0x3f80, 0x4040});
  // a negative step, and an empty range
  CHECK(range_bits(onnx::TensorProto::FLOAT16, 0x4500, 0x3c00, 0xbc00) == std::vector<uint16_t>{0x4500, 0x4400, 0x4200, 0x4000});
  CHECK(range_bits(onnx::TensorProto::FLOAT16, 0x3c00, 0x3c00, 0x3c00).empty());
}
