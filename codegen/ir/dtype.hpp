// Element types: the subset of onnx::TensorProto::DataType that onnx2cpp knows.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace o2c {

// Values match onnx::TensorProto_DataType so they round-trip without a table.
enum class DType : int {
  Undefined = 0, Float = 1, UInt8 = 2, Int8 = 3, UInt16 = 4, Int16 = 5, Int32 = 6,
  Int64 = 7, String = 8, Bool = 9, Float16 = 10, Double = 11, UInt32 = 12, UInt64 = 13,
  Complex64 = 14, Complex128 = 15, BFloat16 = 16, Float8E4M3FN = 17, Float8E4M3FNUZ = 18,
  Float8E5M2 = 19, Float8E5M2FNUZ = 20, UInt4 = 21, Int4 = 22, Float4E2M1 = 23,
  Float8E8M0 = 24, UInt2 = 25, Int2 = 26,
};

std::size_t dtype_size(DType t);          // bytes per element, 0 if unsupported
const char* dtype_cpp(DType t);           // C/C++ element type ("float", "int64_t", ...)
const char* dtype_short(DType t);         // "f32", "i64", ... for comments
bool dtype_supported(DType t);            // can be computed by generated code
bool dtype_is_float(DType t);
bool dtype_is_signed_int(DType t);
bool dtype_is_unsigned_int(DType t);
inline bool dtype_is_int(DType t) { return dtype_is_signed_int(t) || dtype_is_unsigned_int(t); }
std::string dtype_name(DType t);          // "float", "int64", ... as ONNX spells them

}  // namespace o2c
