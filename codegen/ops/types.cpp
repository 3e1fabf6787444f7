#include "ops/types.hpp"

#include <stdexcept>

namespace o2c {

namespace {
TypeSet where(bool (*pred)(const DTypeInfo&)) {
  TypeSet s;
  for (const DTypeInfo& i : dtype_table())
    if (pred(i)) s.bits |= uint64_t{1} << static_cast<int>(i.type);
  return s;
}
bool computed(const DTypeInfo& i) { return i.how == DHow::Native || i.how == DHow::Storage; }
}  // namespace

const TypeSet kFloatTypes = where([](const DTypeInfo& i) { return i.kind == DKind::Float && i.how == DHow::Native; });
const TypeSet kIntTypes =
    where([](const DTypeInfo& i) { return (i.kind == DKind::SInt || i.kind == DKind::UInt) && i.how == DHow::Native; });
const TypeSet kNumTypes = kFloatTypes | kIntTypes;
const TypeSet kAllTypes = kNumTypes | type_set({DType::Bool});
const TypeSet kHeldTypes = where(computed);

TypeSet type_set(std::initializer_list<DType> ts) {
  TypeSet s;
  for (DType t : ts) s.bits |= uint64_t{1} << static_cast<int>(t);
  return s;
}

TypeSet type_group(const std::string& n) {
  if (n == "@float") return where([](const DTypeInfo& i) { return i.kind == DKind::Float && computed(i); });
  if (n == "@sint") return where([](const DTypeInfo& i) { return i.kind == DKind::SInt && i.how == DHow::Native; });
  if (n == "@uint") return where([](const DTypeInfo& i) { return i.kind == DKind::UInt && i.how == DHow::Native; });
  if (n == "@int") return kIntTypes;
  if (n == "@num") return type_group("@float") | kIntTypes;
  if (n == "@all") return type_group("@num") | type_set({DType::Bool});
  if (n == "@any") return kHeldTypes;
  if (n == "@packed") return where([](const DTypeInfo& i) { return i.how == DHow::Packed; });
  for (const DTypeInfo& i : dtype_table())
    if (n == i.onnx) return type_set({i.type});
  throw std::logic_error("ops.def: unknown type or group " + n);
}

std::string TypeSet::str() const {
  std::string s;
  for (const DTypeInfo& i : dtype_table())
    if (has(i.type)) s += (s.empty() ? "" : " ") + std::string(i.onnx);
  return s;
}

}  // namespace o2c
