// String kernels the conformance tests reach only in part: the RegexFullMatch subset
// (ops/regex.hpp) compiled and run on k::regex_full_match, the refusals outside it, and the
// locale-free case mapping of StringNormalizer.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "ops/kernels.hpp"
#include "ops/regex.hpp"
#include "templates/strings.hpp"

using namespace o2c;

namespace {

bool full_match(const std::string& pattern, const std::string& text) {
  const RegexProgram p = compile_regex(pattern);
  std::vector<int32_t> scratch(static_cast<size_t>(4 * p.ninst));
  const onnx2cpp_string s{text.data(), text.size()};
  bool y = false;
  k::regex_full_match(&s, &y, 1, p.table.data(), p.ninst, scratch.data());
  return y;
}

std::string refusal(const std::string& pattern) {
  try {
    compile_regex(pattern);
  } catch (const RegexError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("RegexFullMatch: the RE2 subset matches whole strings", "[strings]") {
  CHECK(full_match("abc", "abc"));
  CHECK_FALSE(full_match("abc", "abcd"));
  CHECK_FALSE(full_match("bc", "abc"));
  CHECK(full_match("a|bc|", ""));
  CHECK(full_match("(a|b)*c+", "ababcc"));
  CHECK_FALSE(full_match("(a|b)*c+", "abab"));
  CHECK(full_match("x?y{2,3}", "yyy"));
  CHECK_FALSE(full_match("x?y{2,3}", "yyyy"));
  CHECK(full_match("y{2,}", "yyyyy"));
  CHECK(full_match("y{2}", "yy"));
  CHECK(full_match("[^a-c]+", "xyz"));
  CHECK_FALSE(full_match("[^a-c]+", "xbz"));
  CHECK(full_match("[\\d\\s]+", "1 2\t3"));
  CHECK(full_match("\\w+@\\w+\\.com", "me@site.com"));
  CHECK(full_match("a.c", "a\xE7\x9A\x84" "c"));  // '.' is one code point, here 3 bytes
  CHECK_FALSE(full_match("a.c", "a\nc"));
  CHECK(full_match("\\bab\\b", "ab"));
  CHECK(full_match("a\\Bb", "ab"));
  CHECK_FALSE(full_match("a\\bb", "ab"));
  CHECK(full_match("^ab$", "ab"));
  CHECK(full_match("(?:a)(?P<n>b)", "ab"));
  CHECK(full_match("a{,2}", "a{,2}"));  // not a repeat: literal, as in RE2
  CHECK(full_match("(a*|b)*c", "aabac"));  // a loop whose body can match empty ends
  CHECK(full_match("\\x41\\.", "A."));
}

TEST_CASE("RegexFullMatch: constructs outside the subset are refused by name", "[strings]") {
  CHECK(refusal("(?i)abc").find("flags") != std::string::npos);
  CHECK(refusal("\\pL").find("\\p") != std::string::npos);
  CHECK(refusal("[[:alpha:]]").find("[:name:]") != std::string::npos);
  CHECK(refusal("a**").find("repeat of a repeat") != std::string::npos);
  CHECK(refusal("a{1001}").find("repeat count") != std::string::npos);
  CHECK_FALSE(refusal("(ab").empty());
  CHECK_FALSE(refusal("ab)").empty());
  CHECK_FALSE(refusal("[ab").empty());
  CHECK(refusal("www\\.[\\w.-]+\\.\\bcom\\b").empty());
}

TEST_CASE("StringNormalizer's case mapping keeps lengths and needs no locale", "[strings]") {
  auto up = [](const std::string& s, bool upper) {
    std::string out(s.size(), '\0');
    k::case_copy(s.data(), static_cast<int64_t>(s.size()), &out[0], upper);
    return out;
  };
  CHECK(up("Monday 1!", true) == "MONDAY 1!");
  CHECK(up("\xC3\xA9t\xC3\xA9", true) == "\xC3\x89T\xC3\x89");                    // été -> ÉTÉ
  CHECK(up("\xD0\x9F\xD0\xA0\xD0\x98", false) == "\xD0\xBF\xD1\x80\xD0\xB8");     // ПРИ -> при
  CHECK(up("\xCE\xA3\xCE\xB1", false) == "\xCF\x83\xCE\xB1");                     // Σα -> σα
  CHECK(up("\xC3\x9F", true) == "\xC3\x9F");  // ß stays (its upper case is two letters)
  CHECK(up("\xFF" "a", true) == "\xFF" "A");  // a malformed byte stays
}
