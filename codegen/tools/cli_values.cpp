#include "tools/cli_values.hpp"

#include <charconv>
#include <cmath>

#include "onnx/names.hpp"

namespace o2c {

namespace {

[[noreturn]] void bad(const std::string& what, const std::string& why, const std::string& expected) {
  throw CompileError(what + ": " + why + "; expected " + expected);
}

}  // namespace

int64_t parse_whole(const std::string& what, const std::string& text, int64_t lo, int64_t hi,
                    const std::string& expected) {
  int64_t v = 0;
  const char* end = text.data() + text.size();
  const auto r = std::from_chars(text.data(), end, v);
  if (text.empty() || r.ptr != end || (r.ec != std::errc() && r.ec != std::errc::result_out_of_range))
    bad(what, quote_name(text) + " is not a whole number", expected);
  if (r.ec == std::errc::result_out_of_range || v < lo || v > hi)
    bad(what, quote_name(text) + " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]", expected);
  return v;
}

std::pair<std::string, DimRange> parse_dim_flag(const std::string& text) {
  const std::string what = "--dim " + text, expected = "NAME=VALUE or NAME=LO..HI, e.g. --dim seq=128 or --dim seq=1..128";
  const auto eq = text.find('=');
  if (eq == std::string::npos) bad(what, "no '='", expected);
  if (eq == 0) bad(what, "no dimension name", expected);
  const std::string v = text.substr(eq + 1);
  const auto dots = v.find("..");
  if (dots == std::string::npos) {
    const int64_t d = parse_whole(what, v, 1, kMaxFlagDim, expected);
    return {text.substr(0, eq), DimRange{d, d}};
  }
  const int64_t lo = parse_whole(what, v.substr(0, dots), 1, kMaxFlagDim, expected);
  const int64_t hi = parse_whole(what, v.substr(dots + 2), 1, kMaxFlagDim, expected);
  if (lo > hi) bad(what, "the range is empty (" + std::to_string(lo) + " > " + std::to_string(hi) + ")", expected);
  return {text.substr(0, eq), DimRange{lo, hi}};
}

std::pair<std::string, Shape> parse_shape_flag(const std::string& text) {
  const std::string what = "--shape " + text, expected = "INPUT=DIMxDIMx..., e.g. --shape input=1x3x224x224";
  const auto eq = text.rfind('=');
  if (eq == std::string::npos) bad(what, "no '='", expected);
  if (eq == 0) bad(what, "no input name", expected);
  const std::string dims = text.substr(eq + 1);
  Shape s;
  if (dims.empty()) return {text.substr(0, eq), s};  // a scalar
  size_t start = 0;
  while (true) {
    const size_t x = dims.find_first_of("xX,", start);
    s.push_back(parse_whole(what, dims.substr(start, x == std::string::npos ? std::string::npos : x - start), 0,
                            kMaxFlagDim, expected));
    if (x == std::string::npos) break;
    start = x + 1;
  }
  return {text.substr(0, eq), s};
}

std::pair<std::string, std::string> parse_freeze_flag(const std::string& text) {
  const auto eq = text.rfind('=');
  const std::string name = eq == std::string::npos ? text : text.substr(0, eq);
  if (name.empty()) bad("--freeze " + text, "no input name", "INPUT or INPUT=value.pb, e.g. --freeze shape=shape.pb");
  return {name, eq == std::string::npos ? "" : text.substr(eq + 1)};
}

void check_name_flag(const std::string& name) {
  bool ok = !name.empty() && !(name[0] >= '0' && name[0] <= '9');
  for (char c : name) ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_');
  if (!ok) bad("--name " + name, quote_name(name) + " is not a C identifier", "letters, digits and _, e.g. --name net");
  if (is_reserved_word(name)) bad("--name " + name, quote_name(name) + " is a reserved word of C or C++", "another name, e.g. --name net");
}

void check_tolerance_flag(const std::string& flag, double v) {
  if (!std::isfinite(v) || v < 0)
    bad(flag + " " + std::to_string(v), "a tolerance must be finite and >= 0", "e.g. " + flag + " 1e-4");
}

}  // namespace o2c
