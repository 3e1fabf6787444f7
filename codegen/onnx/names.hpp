// Turning arbitrary ONNX names into safe, unique C/C++ identifiers.
#pragma once
#include <set>
#include <string>

namespace o2c {

// [A-Za-z0-9_] only, not starting with a digit, no leading underscore, no "__", not a C or
// C++ keyword or common macro; never empty. Deterministic.
std::string sanitize(const std::string& name);
bool is_reserved_word(const std::string& id);

// Hands out identifiers unique within one scope: a clash gets _2, _3, ... in request order.
class Namer {
 public:
  std::string make(const std::string& prefix, const std::string& onnx_name);
  void reserve(const std::string& id) { used_.insert(id); }

 private:
  std::set<std::string> used_;
};

// A C/C++ string literal (with quotes) for any bytes: printable ASCII as is, the rest as
// three-digit octal escapes, so nothing can close the literal or form a trigraph.
std::string c_string(const std::string& s);
// A JavaScript/TypeScript string literal (with double quotes) for a UTF-8 string, in ASCII:
// printable characters as is except " \\ < > (so it is also safe inside an HTML <script>),
// everything else as \\uXXXX (surrogate pairs above U+FFFF; an invalid UTF-8 byte becomes
// U+FFFD, as TextDecoder does).
std::string js_string(const std::string& s);

}  // namespace o2c
