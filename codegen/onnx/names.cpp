#include "onnx/names.hpp"

#include <cstdio>

namespace o2c {

bool is_reserved_word(const std::string& id) {
  static const std::set<std::string> words = {
      "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break",
      "case", "catch", "char", "char8_t", "char16_t", "char32_t", "class", "compl", "concept",
      "const", "consteval", "constexpr", "constinit", "const_cast", "continue", "co_await",
      "co_return", "co_yield", "decltype", "default", "delete", "do", "double", "dynamic_cast",
      "else", "enum", "explicit", "export", "extern", "false", "float", "for", "friend", "goto",
      "if", "inline", "int", "long", "mutable", "namespace", "new", "noexcept", "not", "not_eq",
      "nullptr", "operator", "or", "or_eq", "private", "protected", "public", "register",
      "reinterpret_cast", "requires", "restrict", "return", "short", "signed", "sizeof", "static",
      "static_assert", "static_cast", "struct", "switch", "template", "this", "thread_local",
      "throw", "true", "try", "typedef", "typeid", "typename", "union", "unsigned", "using",
      "virtual", "void", "volatile", "wchar_t", "while", "xor", "xor_eq", "_Bool", "_Complex",
      "_Imaginary", "_Alignas", "_Alignof", "_Atomic", "_Generic", "_Noreturn", "_Static_assert",
      "_Thread_local", "override", "final", "import", "module",
      // macros and names from the headers generated code includes
      "NULL", "EOF", "errno", "assert", "offsetof", "main", "std", "Eigen", "INT64_MIN",
      "INFINITY", "NAN", "size_t", "int8_t", "int16_t", "int32_t", "int64_t", "uint8_t",
      "uint16_t", "uint32_t", "uint64_t", "uintptr_t", "stdin", "stdout", "stderr", "unix",
      "linux", "i386"};
  return words.count(id) > 0;
}

std::string sanitize(const std::string& name) {
  std::string s;
  for (unsigned char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    char ch = ok ? static_cast<char>(c) : '_';
    if (ch == '_' && (s.empty() || s.back() == '_')) continue;  // no leading or double '_'
    s += ch;
  }
  while (!s.empty() && s.back() == '_') s.pop_back();
  if (s.empty()) s = "v";
  if (s[0] >= '0' && s[0] <= '9') s = "v" + s;
  if (is_reserved_word(s)) s += "_";
  return s;
}

std::string Namer::make(const std::string& prefix, const std::string& onnx_name) {
  std::string base = prefix + sanitize(onnx_name);
  if (is_reserved_word(base)) base += "_";
  std::string id = base;
  for (int k = 2; used_.count(id); ++k) id = base + "_" + std::to_string(k);
  used_.insert(id);
  return id;
}

std::string c_string(const std::string& s) {
  std::string r = "\"";
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '?') {
      r += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03o", c);
      r += buf;
    }
  }
  return r + "\"";
}

std::string js_string(const std::string& s) {
  std::string r = "\"";
  auto u = [&](unsigned cp) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\u%04X", cp);
    r += buf;
  };
  const size_t n = s.size();
  for (size_t i = 0; i < n;) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      if (c == '"' || c == '\\' || c == '<' || c == '>') u(c);
      else r += static_cast<char>(c);
      ++i;
      continue;
    }
    // Decode one UTF-8 sequence (shortest form only, no surrogates, at most U+10FFFF).
    unsigned cp = 0xFFFD;
    size_t len = 1;
    const size_t need = (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : 0;
    if (c < 0x80) {
      cp = c;
    } else if (need > 0) {
      unsigned v = c & (0x3Fu >> need);
      bool ok = true;
      for (size_t k = 1; k <= need; ++k) {
        const unsigned char d = i + k < n ? static_cast<unsigned char>(s[i + k]) : 0;
        if ((d & 0xC0) != 0x80) {
          ok = false;
          break;
        }
        v = (v << 6) | (d & 0x3Fu);
      }
      static const unsigned kMin[4] = {0, 0x80, 0x800, 0x10000};
      if (ok && v >= kMin[need] && v <= 0x10FFFF && !(v >= 0xD800 && v <= 0xDFFF)) {
        cp = v;
        len = need + 1;
      }
    }
    if (cp >= 0x10000) {
      u(0xD800 + ((cp - 0x10000) >> 10));
      u(0xDC00 + ((cp - 0x10000) & 0x3FF));
    } else {
      u(cp);
    }
    i += len;
  }
  return r + "\"";
}

}  // namespace o2c
