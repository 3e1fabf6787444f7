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

TEST_CASE("js_string gives ASCII JavaScript literals that keep the exact string", "[names]") {
  CHECK(js_string("input") == "\"input\"");
  CHECK(js_string("") == "\"\"");
  // Quotes, backslashes, angle brackets (</script>) and control characters are escaped.
  CHECK(js_string("a\"b\\c</script>\n") == "\"a\\u0022b\\u005Cc\\u003C/script\\u003E\\u000A\"");
  // Template-literal and comment syntax is harmless inside a double-quoted literal.
  CHECK(js_string("${x}`*/") == "\"${x}`*/\"");
  // UTF-8: U+00E9, U+2028 (a line terminator in older JavaScript), U+1F600 (a surrogate pair).
  CHECK(js_string("\xc3\xa9") == "\"\\u00E9\"");
  CHECK(js_string("\xe2\x80\xa8") == "\"\\u2028\"");
  CHECK(js_string("\xf0\x9f\x98\x80") == "\"\\uD83D\\uDE00\"");
  // Invalid UTF-8 (a stray continuation byte, an overlong form, a truncated sequence, an
  // encoded surrogate) becomes U+FFFD per bad byte, as TextDecoder does; the rest survives.
  CHECK(js_string("a\x80z") == "\"a\\uFFFDz\"");
  CHECK(js_string("\xc0\xaf") == "\"\\uFFFD\\uFFFD\"");
  CHECK(js_string("\xe2\x82") == "\"\\uFFFD\\uFFFD\"");
  CHECK(js_string("\xed\xa0\x80") == "\"\\uFFFD\\uFFFD\\uFFFD\"");
  // Every byte of the output is printable ASCII, and only the delimiters are quotes.
  std::string all;
  for (int c = 1; c < 256; ++c) all += static_cast<char>(c);
  const std::string j = js_string(all);
  for (size_t i = 0; i < j.size(); ++i) {
    CHECK(static_cast<unsigned char>(j[i]) >= 0x20);
    CHECK(static_cast<unsigned char>(j[i]) < 0x7f);
    if (i > 0 && i + 1 < j.size()) CHECK(j[i] != '"');
  }
}
