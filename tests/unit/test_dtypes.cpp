// The element type table (ir/dtypes.def) and what reads it: runtime_min's onnx2cpp_dtype enum,
// the type sets ops.def names, byte sizes of packed types.
#include <catch2/catch.hpp>

#include "emit/writer.hpp"
#include "ir/dtype.hpp"
#include "ops/types.hpp"

using namespace o2c;

TEST_CASE("runtime_min's onnx2cpp_dtype enum has every type of the table, with its ONNX id", "[dtypes]") {
  const std::string& h = embedded_sources().at("runtime");
  for (const DTypeInfo& i : dtype_table()) {
    const std::string entry = dtype_enum(i.type) + " = " + std::to_string(static_cast<int>(i.type));
    INFO(entry);
    CHECK(h.find(entry) != std::string::npos);
  }
}

TEST_CASE("Type groups and sizes follow the table", "[dtypes]") {
  CHECK(type_group("@float").has(DType::Float16));
  CHECK(type_group("@float").has(DType::BFloat16));
  CHECK_FALSE(type_group("@float").has(DType::Int32));
  CHECK(type_group("@any").has(DType::Float8E4M3FN));
  CHECK_FALSE(type_group("@any").has(DType::String));
  CHECK(type_group("@int").has(DType::UInt64));
  CHECK_THROWS(type_group("@nothing"));
  CHECK(dtype_bytes(DType::Int4, 5) == 3);  // packed two to a byte
  CHECK(dtype_bytes(DType::UInt2, 5) == 2);
  CHECK(dtype_bytes(DType::Float16, 5) == 10);
  CHECK(std::string(dtype_cpp(DType::Float16)) == "k::float16");
  CHECK(std::string(dtype_api(DType::Float16)) == "uint16_t");
  CHECK(dtype_supported(DType::BFloat16));
  CHECK(dtype_supported(DType::String));  // as onnx2cpp_string views (ops/strings.cpp)
  CHECK(dtype_size(DType::String) == 16);
  CHECK(dtype_of<float>() == DType::Float);
  CHECK(dtype_of<onnx2cpp_k::float16>() == DType::Float16);
}
