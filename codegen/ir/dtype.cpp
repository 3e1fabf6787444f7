#include "ir/dtype.hpp"

#include <cctype>
#include <deque>

namespace o2c {

namespace {
// The kernel type as generated code spells it: onnx2cpp_k is `k` there.
const char* kernel_spelling(const char* ctype) {
  static std::deque<std::string> keep;  // stable addresses; filled once, by dtype_table()
  std::string s(ctype);
  if (s.rfind("onnx2cpp_k::", 0) == 0) s = "k::" + s.substr(12);
  keep.push_back(s);
  return keep.back().c_str();
}
}  // namespace

const std::vector<DTypeInfo>& dtype_table() {
  static const std::vector<DTypeInfo> t = [] {
    std::vector<DTypeInfo> r;
    r.reserve(32);
#define DT(E, id, onnx, short_, api, ctype, bits, kind, how) \
  r.push_back({DType::E, onnx, short_, api, kernel_spelling(#ctype), bits, DKind::kind, DHow::how});
#include "ir/dtypes.def"
#undef DT
    return r;
  }();
  return t;
}

const DTypeInfo& dtype_info(DType t) {
  static const DTypeInfo undefined{DType::Undefined, "undefined", "?", "void", "void", 0, DKind::Complex, DHow::None};
  for (const DTypeInfo& i : dtype_table())
    if (i.type == t) return i;
  return undefined;
}

std::size_t dtype_size(DType t) {
  const int b = dtype_info(t).bits;
  return b == 0 ? 0 : static_cast<std::size_t>((b + 7) / 8);
}

int64_t dtype_bytes(DType t, int64_t n) { return (n * dtype_info(t).bits + 7) / 8; }

const char* dtype_cpp(DType t) { return dtype_info(t).kernel; }
const char* dtype_api(DType t) { return dtype_info(t).api; }
const char* dtype_short(DType t) { return dtype_info(t).short_; }

std::string dtype_enum(DType t) {
  std::string s = "ONNX2CPP_";
  for (const char* p = dtype_info(t).onnx; *p; ++p) s += static_cast<char>(std::toupper(static_cast<unsigned char>(*p)));
  return s;
}

bool dtype_supported(DType t) {
  const DHow h = dtype_info(t).how;
  return h == DHow::Native || h == DHow::Storage || h == DHow::Packed ||
         t == DType::String;  // string: views, ops/strings.cpp
}
bool dtype_is_storage(DType t) { return dtype_info(t).how == DHow::Storage; }
bool dtype_is_float(DType t) { return dtype_info(t).kind == DKind::Float && t != DType::Undefined; }
bool dtype_is_signed_int(DType t) { return dtype_info(t).kind == DKind::SInt; }
bool dtype_is_unsigned_int(DType t) { return dtype_info(t).kind == DKind::UInt; }

std::string dtype_name(DType t) {
  if (t != DType::Undefined && dtype_info(t).type == DType::Undefined) return "type#" + std::to_string(static_cast<int>(t));
  return dtype_info(t).onnx;
}

}  // namespace o2c
