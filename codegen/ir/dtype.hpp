// Element types: the rows of dtypes.def.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace o2c {

// Values match onnx::TensorProto_DataType so they round-trip without a table.
enum class DType : int {
  Undefined = 0,
#define DT(E, id, onnx, short_, api, kernel, bits, kind, how) E = id,
#include "ir/dtypes.def"
#undef DT
};

enum class DKind { Float, SInt, UInt, Bool, String, Complex };
enum class DHow { Native, Storage, Packed, None };

struct DTypeInfo {
  DType type;
  const char* onnx;     // "float16"
  const char* short_;   // "f16", for comments
  const char* api;      // C type of the generated API's pointers ("uint16_t")
  const char* kernel;   // C++ type the kernels use ("k::float16")
  int bits;
  DKind kind;
  DHow how;
};

// The row of t; a row of Undefined for ids outside the table.
const DTypeInfo& dtype_info(DType t);
const std::vector<DTypeInfo>& dtype_table();

std::size_t dtype_size(DType t);          // bytes per element (sub-byte types: 1), 0 if unknown
int64_t dtype_bytes(DType t, int64_t n);  // bytes of n elements (packed types round up)
const char* dtype_cpp(DType t);           // C++ element type the kernels use
const char* dtype_api(DType t);           // C type of the API's pointers
const char* dtype_short(DType t);         // "f32", "i64", ... for comments
std::string dtype_enum(DType t);          // "ONNX2CPP_FLOAT": runtime_min's onnx2cpp_dtype
bool dtype_supported(DType t);            // generated code can hold it (packed types: only ops naming @packed take them)
bool dtype_is_storage(DType t);           // stored in its own bits, computed in float
bool dtype_is_float(DType t);
bool dtype_is_signed_int(DType t);
bool dtype_is_unsigned_int(DType t);
inline bool dtype_is_int(DType t) { return dtype_is_signed_int(t) || dtype_is_unsigned_int(t); }
std::string dtype_name(DType t);          // "float", "int64", ... as ONNX spells them

}  // namespace o2c
