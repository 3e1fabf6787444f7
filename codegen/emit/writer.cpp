#include "emit/writer.hpp"

#include <functional>
#include <set>
#include <sstream>
#include <stdexcept>

namespace o2c {

std::vector<std::string> kernel_closure(const std::vector<std::string>& names) {
  const auto& src = embedded_sources();
  std::vector<std::string> order;
  std::set<std::string> seen;
  std::function<void(const std::string&)> visit = [&](const std::string& n) {
    if (seen.count(n)) return;
    seen.insert(n);
    auto it = src.find(n);
    if (it == src.end()) throw std::logic_error("no kernel header templates/" + n + ".hpp");
    // First line: "// ... needs: a.hpp b.hpp"
    std::string first = it->second.substr(0, it->second.find('\n'));
    auto at = first.find("needs:");
    if (at != std::string::npos) {
      std::istringstream deps(first.substr(at + 6));
      std::string d;
      while (deps >> d) visit(d.substr(0, d.rfind(".hpp")));
    }
    order.push_back(n);
  };
  for (const auto& n : names) visit(n);
  return order;
}

std::string blob_literal(const std::vector<unsigned char>& bytes) {
  std::string s;
  s.reserve(bytes.size() * 3 + bytes.size() / 40);
  size_t col = 0;
  s += "\"";
  for (unsigned char c : bytes) {
    if (col >= 120) {
      s += "\"\n\"";
      col = 0;
    }
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '?') {
      s += static_cast<char>(c);
      col += 1;
    } else {
      s += '\\';
      s += static_cast<char>('0' + ((c >> 6) & 7));
      s += static_cast<char>('0' + ((c >> 3) & 7));
      s += static_cast<char>('0' + (c & 7));
      col += 4;
    }
  }
  s += "\"";
  return s;
}

}  // namespace o2c
