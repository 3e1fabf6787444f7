// Attention and RotaryEmbedding: output shapes, and the attribute values and input
// combinations the ONNX node tests do not reach (refused, never computed wrong).
#include <catch2/catch.hpp>

#include "builder.hpp"

using namespace o2c;
using namespace o2c::test;

namespace {

std::string refusal(ModelBuilder& b) {
  TempDir d;
  try {
    compile_file(b.save(d.path));
  } catch (const UnsupportedError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("Attention: shapes of Y, present_key/value and qk_matmul_output for 3-D inputs with a past", "[attention]") {
  TempDir d;
  ModelBuilder b(23);
  b.input("q", {2, 4, 72}).input("k", {2, 6, 24}).input("v", {2, 6, 30});
  b.input("pk", {2, 3, 5, 8}).input("pv", {2, 3, 5, 10});
  auto& n = b.node("Attention", {"q", "k", "v", "", "pk", "pv"}, {"y", "pko", "pvo", "qk"});
  ModelBuilder::attr_i(n, "q_num_heads", 9);
  ModelBuilder::attr_i(n, "kv_num_heads", 3);
  b.output("y").output("pko").output("pvo").output("qk");
  Compiled c = compile_file(b.save(d.path));
  CHECK(value(c.graph, "y").shape == Shape{2, 4, 90});
  CHECK(value(c.graph, "pko").shape == Shape{2, 3, 11, 8});
  CHECK(value(c.graph, "pvo").shape == Shape{2, 3, 11, 10});
  CHECK(value(c.graph, "qk").shape == Shape{2, 9, 4, 11});
}

TEST_CASE("Attention: what is refused", "[attention]") {
  {  // softmax in double precision on float inputs
    ModelBuilder b(23);
    b.input("q", {1, 2, 3, 4}).input("k", {1, 2, 3, 4}).input("v", {1, 2, 3, 4});
    auto& n = b.node("Attention", {"q", "k", "v"}, {"y"});
    ModelBuilder::attr_i(n, "softmax_precision", 11);
    b.output("y");
    CHECK(refusal(b).find("softmax_precision") != std::string::npos);
  }
  {  // is_causal with nonpad_kv_seqlen and a 3-D mask: the spec reads the mask as [B, q, kv] only there
    ModelBuilder b(24);
    b.input("q", {2, 2, 3, 4}).input("k", {2, 2, 5, 4}).input("v", {2, 2, 5, 4}).input("m", {2, 3, 5});
    b.input("np", {2}, 7);
    auto& n = b.node("Attention", {"q", "k", "v", "m", "", "", "np"}, {"y"});
    ModelBuilder::attr_i(n, "is_causal", 1);
    b.output("y");
    CHECK(refusal(b).find("3-D attn_mask") != std::string::npos);
  }
}

TEST_CASE("RotaryEmbedding: 3-D input with num_heads", "[attention]") {
  TempDir d;
  ModelBuilder b(23);
  b.input("x", {2, 3, 32}).input("c", {2, 3, 2}).input("s", {2, 3, 2});
  auto& n = b.node("RotaryEmbedding", {"x", "c", "s"}, {"y"});
  ModelBuilder::attr_i(n, "num_heads", 4);
  ModelBuilder::attr_i(n, "rotary_embedding_dim", 4);
  b.output("y");
  Compiled c = compile_file(b.save(d.path));
  CHECK(value(c.graph, "y").shape == Shape{2, 3, 32});
}
