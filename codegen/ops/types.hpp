// Type sets and dispatch from a DType to its C++ type, generated from ir/dtypes.def.
#pragma once
#include <string>

#include "ir/graph.hpp"
#include "ops/kernels.hpp"

namespace o2c {

// A set of element types, as a bit mask over DType ids.
struct TypeSet {
  uint64_t bits = 0;
  bool has(DType t) const { return static_cast<unsigned>(t) < 64 && (bits >> static_cast<unsigned>(t)) & 1; }
  TypeSet operator|(TypeSet o) const { return {bits | o.bits}; }
  std::string str() const;  // "float double int32", for docs and messages
};
TypeSet type_set(std::initializer_list<DType> ts);
// The named groups ops.def uses: "@float" (every float type generated code computes, storage
// types widened to float), "@sint", "@uint", "@int", "@num", "@all" (@num and bool), "@any"
// (the types of @all, moved as bits: the compute-in-float pass does not widen a variable of
// @any, see OpInfo::holds), "@packed" (the sub-byte types, int4 uint4 int2 uint2 float4e2m1:
// only ops that name them take them); or a type name ("float16").
// Throws std::logic_error for an unknown name.
TypeSet type_group(const std::string& name);

// A type tag: dispatch calls f(Tag<T>{}) with T the C++ type of a DType.
template <class T>
struct Tag {
  using type = T;
};

// Calls f(Tag<T>{}) with T the C++ type of dt, for dt in `allowed` and held by generated code
// as HowSet says (Native types only, or Native and Storage: float16, bfloat16, float8); false
// (f not called) for any other type.
enum class Held { Native, NativeOrStorage };
template <Held HowSet, class F>
bool dispatch_type(DType dt, TypeSet allowed, F&& f) {
  if (!allowed.has(dt)) return false;
  switch (dt) {
#define DT(E, id, onnx, short_, api, ctype, bits, kind, how)                                                      \
  case DType::E:                                                                                                 \
    if constexpr (DHow::how == DHow::Native || (HowSet == Held::NativeOrStorage && DHow::how == DHow::Storage)) { \
      f(Tag<ctype>{});                                                                                           \
      return true;                                                                                               \
    }                                                                                                            \
    return false;
#include "ir/dtypes.def"
#undef DT
    default: return false;
  }
}
template <class F>
bool dispatch_native(DType dt, TypeSet allowed, F&& f) { return dispatch_type<Held::Native>(dt, allowed, f); }
template <class F>
bool dispatch_held(DType dt, TypeSet allowed, F&& f) { return dispatch_type<Held::NativeOrStorage>(dt, allowed, f); }

// The DType of a C++ kernel type.
template <class T>
constexpr DType dtype_of() {
#define DT(E, id, onnx, short_, api, ctype, bits, kind, how) \
  if constexpr (DHow::how != DHow::None && DHow::how != DHow::Packed && std::is_same<T, ctype>::value) return DType::E;
#include "ir/dtypes.def"
#undef DT
  return DType::Undefined;
}

// Common sets.
extern const TypeSet kFloatTypes;   // float, double (Native floats)
extern const TypeSet kIntTypes;     // the eight integer types
extern const TypeSet kNumTypes;     // kFloatTypes | kIntTypes
extern const TypeSet kAllTypes;     // kNumTypes | bool
extern const TypeSet kHeldTypes;    // kAllTypes | the Storage types

}  // namespace o2c
