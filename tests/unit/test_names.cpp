#include <catch2/catch.hpp>

#include "ir/graph.hpp"
#include "onnx/names.hpp"

using namespace o2c;

TEST_CASE("sanitize makes valid, non-reserved identifiers", "[names]") {
  CHECK(sanitize("conv1.weight") == "conv1_weight");
  CHECK(sanitize("/features/features.0/Conv_output_0") == "features_features_0_Conv_output_0");
  CHECK(sanitize("1abc") == "v1abc");
  CHECK(sanitize("") == "v");
  CHECK(sanitize("__x__") == "x");   // no leading underscore, no double underscore
  CHECK(sanitize("int") == "int_");
  CHECK(sanitize("class") == "class_");
  CHECK(sanitize("main") == "main_");
  CHECK(sanitize("a\"b*/c\n#include <x>") == "a_b_c_include_x");
  for (const char* s : {"a b", "\xff\xfe", "x\\", "?\?/", "*/", "\"", "std"}) {
    std::string id = sanitize(s);
    REQUIRE(!id.empty());
    CHECK(!(id[0] >= '0' && id[0] <= '9'));
    CHECK(id.find("__") == std::string::npos);
    CHECK(id[0] != '_');
    CHECK(!is_reserved_word(id));
    for (char c : id) CHECK((std::isalnum(static_cast<unsigned char>(c)) || c == '_'));
  }
}

TEST_CASE("Namer makes clashing names distinct, deterministically", "[names]") {
  Namer n;
  CHECK(n.make("t_", "a.b") == "t_a_b");
  CHECK(n.make("t_", "a_b") == "t_a_b_2");
  CHECK(n.make("t_", "a-b") == "t_a_b_3");
  CHECK(n.make("w_", "a.b") == "w_a_b");
  Namer m;
  m.reserve("in");
  CHECK(m.make("", "in") == "in_2");
}

TEST_CASE("quote_name and c_string cannot break out of comments or literals", "[names]") {
  const std::string evil = "x*/ \"y\" \\\n#include <z> ?\?/ \r\t\x01";
  std::string q = quote_name(evil);
  CHECK(q.find("*/") == std::string::npos);
  CHECK(q.find('\n') == std::string::npos);
  CHECK(q.find('\r') == std::string::npos);
  CHECK(q.find("??") == std::string::npos);
  CHECK(q.back() == '"');
  std::string c = c_string(evil);
  CHECK(c.find('\n') == std::string::npos);
  CHECK(c.find("??") == std::string::npos);
  // Only the delimiting quotes are unescaped quotes.
  for (size_t i = 1; i + 1 < c.size(); ++i)
    if (c[i] == '"') CHECK(c[i - 1] == '\\');
}
