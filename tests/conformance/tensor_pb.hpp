// Dense tensors read from serialized onnx.TensorProto files (input_K.pb, output_K.pb), for the
// conformance runner: a few hundred lines of protobuf wire format instead of libprotobuf, so
// the same runner builds natively and with Emscripten (where the compiler library, which
// needs protobuf, is not available). Reads dims, data_type, name, raw_data, the typed
// *_data fields (packed or not) and external data, like onnx2cpp's own loader.
#pragma once
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "codegen/ir/dtype.hpp"
#include "codegen/onnx/data_kind.hpp"
#include "runtime_min/onnx2cpp_numeric.h"

namespace o2c_conf {

// The compiler's element types (codegen/ir/dtype.cpp, plain C++: compiled into the runner).
using o2c::DType;
using o2c::dtype_is_float;
using o2c::dtype_short;
using o2c::dtype_size;
using Shape = std::vector<int64_t>;

inline int64_t numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}
inline std::string type_str(DType t, const Shape& s) {
  std::string r = std::string(dtype_short(t)) + "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? "," : "") + std::to_string(s[i]);
  return r + "]";
}
// A name in double quotes, bytes outside printable ASCII (and \ " ? *) as \xNN.
inline std::string quote_name(const std::string& s) {
  std::string r = "\"";
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"' && c != '?' && c != '*') {
      r += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      r += buf;
    }
  }
  return r + "\"";
}

struct Tensor {
  DType dtype = DType::Undefined;
  Shape shape;
  std::vector<uint8_t> bytes;  // little endian, row-major
  std::vector<std::string> strings;  // a string tensor's elements (string_data)

  Tensor() = default;
  Tensor(DType t, Shape s) : dtype(t), shape(std::move(s)) {
    bytes.assign(static_cast<size_t>(o2c::dtype_bytes(t, o2c_conf::numel(shape))), 0);
  }
  int64_t numel() const { return o2c_conf::numel(shape); }
  template <class T> T* data() { return reinterpret_cast<T*>(bytes.data()); }
  template <class T> const T* data() const { return reinterpret_cast<const T*>(bytes.data()); }
  template <class T> T at(int64_t i) const {
    T v;
    std::memcpy(&v, bytes.data() + static_cast<size_t>(i) * sizeof(T), sizeof(T));
    return v;
  }
  int64_t int_at(int64_t i) const {
    switch (dtype) {
      case DType::Int64: return at<int64_t>(i);
      case DType::Int32: return at<int32_t>(i);
      case DType::Int16: return at<int16_t>(i);
      case DType::Int8: return at<int8_t>(i);
      case DType::UInt64: return static_cast<int64_t>(at<uint64_t>(i));
      case DType::UInt32: return at<uint32_t>(i);
      case DType::UInt16: return at<uint16_t>(i);
      case DType::UInt8: return at<uint8_t>(i);
      case DType::Bool: return at<uint8_t>(i) != 0;
      case DType::Float: return static_cast<int64_t>(at<float>(i));
      case DType::Double: return static_cast<int64_t>(at<double>(i));
      case DType::UInt4: return onnx2cpp_uint4_get(bytes.data(), static_cast<size_t>(i));
      case DType::Int4: return onnx2cpp_int4_get(bytes.data(), static_cast<size_t>(i));
      case DType::UInt2: return onnx2cpp_uint2_get(bytes.data(), static_cast<size_t>(i));
      case DType::Int2: return onnx2cpp_int2_get(bytes.data(), static_cast<size_t>(i));
      default: throw std::runtime_error(std::string("cannot read a ") + dtype_short(dtype) + " tensor as numbers");
    }
  }
  double float_at(int64_t i) const {
    switch (dtype) {
      case DType::Float: return at<float>(i);
      case DType::Double: return at<double>(i);
      case DType::UInt64: return static_cast<double>(at<uint64_t>(i));
      default:
        if (o2c::dtype_is_storage(dtype) || o2c::dtype_info(dtype).how == o2c::DHow::Packed)
          return onnx2cpp_storage_to_f32(static_cast<int>(dtype), bytes.data(), static_cast<size_t>(i));
        return static_cast<double>(int_at(i));
    }
  }
};

struct TensorFile {
  Tensor tensor;
  std::string name;  // TensorProto.name ("" when absent)
};

namespace pb {

struct Reader {
  const uint8_t* p;
  const uint8_t* end;
  const std::string& what;

  [[noreturn]] void bad() const { throw std::runtime_error(what + ": not a valid serialized onnx.TensorProto"); }
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p == end) bad();
      const uint8_t b = *p++;
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return v;
    }
    bad();
  }
  template <class T> T fixed() {
    if (end - p < static_cast<std::ptrdiff_t>(sizeof(T))) bad();
    T v;
    std::memcpy(&v, p, sizeof v);
    p += sizeof v;
    return v;
  }
  Reader sub() {
    const uint64_t n = varint();
    if (n > static_cast<uint64_t>(end - p)) bad();
    Reader r{p, p + n, what};
    p += n;
    return r;
  }
  std::string bytes() {
    Reader r = sub();
    return std::string(reinterpret_cast<const char*>(r.p), static_cast<size_t>(r.end - r.p));
  }
  void skip(unsigned wire) {
    switch (wire) {
      case 0: varint(); break;
      case 1: fixed<uint64_t>(); break;
      case 2: sub(); break;
      case 5: fixed<uint32_t>(); break;
      default: bad();
    }
  }
  // A repeated scalar field: one element (wire type of the element) or a packed run (2).
  template <class T, class Read> void repeated(unsigned wire, unsigned elem_wire, std::vector<T>& to, Read read) {
    if (wire == elem_wire) {
      to.push_back(read(*this));
    } else if (wire == 2) {
      Reader r = sub();
      while (r.p != r.end) to.push_back(read(r));
    } else {
      bad();
    }
  }
};

}  // namespace pb

inline std::string read_whole_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error(path + ": cannot open file");
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Reads a serialized TensorProto (data: its bytes) of file `path`; external data is read
// relative to the file's folder.
inline TensorFile read_tensor_bytes(const std::string& data, const std::string& path) {
  pb::Reader r{reinterpret_cast<const uint8_t*>(data.data()), reinterpret_cast<const uint8_t*>(data.data()) + data.size(), path};
  TensorFile out;
  int data_type = 0, location = 0;
  bool has_raw = false;
  std::string raw;
  std::vector<int64_t> dims, i64;
  std::vector<int32_t> i32;
  std::vector<uint64_t> u64;
  std::vector<float> f32;
  std::vector<double> f64;
  std::vector<std::string> str;
  std::vector<std::pair<std::string, std::string>> external;
  auto vint = [](pb::Reader& x) { return static_cast<int64_t>(x.varint()); };
  while (r.p != r.end) {
    const uint64_t key = r.varint();
    const unsigned field = static_cast<unsigned>(key >> 3), wire = static_cast<unsigned>(key & 7);
    switch (field) {
      case 1: r.repeated(wire, 0, dims, vint); break;
      case 2: if (wire != 0) r.bad(); data_type = static_cast<int>(r.varint()); break;
      case 4: r.repeated(wire, 5, f32, [](pb::Reader& x) { return x.fixed<float>(); }); break;
      case 6: if (wire != 2) r.bad(); str.push_back(r.bytes()); break;
      case 5: r.repeated(wire, 0, i32, [](pb::Reader& x) { return static_cast<int32_t>(x.varint()); }); break;
      case 7: r.repeated(wire, 0, i64, vint); break;
      case 8: if (wire != 2) r.bad(); out.name = r.bytes(); break;
      case 9: if (wire != 2) r.bad(); raw = r.bytes(); has_raw = true; break;
      case 10: r.repeated(wire, 1, f64, [](pb::Reader& x) { return x.fixed<double>(); }); break;
      case 11: r.repeated(wire, 0, u64, [](pb::Reader& x) { return x.varint(); }); break;
      case 13: {
        if (wire != 2) r.bad();
        pb::Reader e = r.sub();
        std::pair<std::string, std::string> kv;
        while (e.p != e.end) {
          const uint64_t k = e.varint();
          if ((k >> 3) == 1 && (k & 7) == 2) kv.first = e.bytes();
          else if ((k >> 3) == 2 && (k & 7) == 2) kv.second = e.bytes();
          else e.skip(static_cast<unsigned>(k & 7));
        }
        external.push_back(kv);
        break;
      }
      case 14: if (wire != 0) r.bad(); location = static_cast<int>(r.varint()); break;
      default: r.skip(wire);
    }
  }
  const DType dt = static_cast<DType>(data_type);
  if (dtype_size(dt) == 0)
    throw std::runtime_error(path + ": tensors of type " + std::to_string(data_type) + " are not supported");
  for (int64_t d : dims)
    if (d < 0) throw std::runtime_error(path + ": negative dimension");
  Tensor& t = out.tensor;
  t = Tensor(dt, dims);
  if (dt == DType::String) {
    if (static_cast<int64_t>(str.size()) != t.numel())
      throw std::runtime_error(path + ": has " + std::to_string(str.size()) + " strings, the shape needs " +
                               std::to_string(t.numel()));
    t.strings = std::move(str);
    return out;
  }
  const size_t want = t.bytes.size();
  if (location == 1) {  // EXTERNAL
    std::string loc;
    long long offset = 0, length = -1;
    for (const auto& kv : external) {
      if (kv.first == "location") loc = kv.second;
      else if (kv.first == "offset") offset = std::stoll(kv.second);
      else if (kv.first == "length") length = std::stoll(kv.second);
    }
    if (loc.empty() || loc[0] == '/' || loc.find("..") != std::string::npos)
      throw std::runtime_error(path + ": external data location must be a relative path inside the folder");
    const size_t slash = path.find_last_of('/');
    const std::string file = (slash == std::string::npos ? std::string() : path.substr(0, slash + 1)) + loc;
    const std::string ext = read_whole_file(file);
    if (length < 0) length = static_cast<long long>(want);
    if (static_cast<size_t>(length) != want || offset < 0 || static_cast<size_t>(offset) + want > ext.size())
      throw std::runtime_error(path + ": external data does not match the shape");
    std::memcpy(t.bytes.data(), ext.data() + offset, want);
    return out;
  }
  if (has_raw) {
    if (raw.size() != want)
      throw std::runtime_error(path + ": raw_data has " + std::to_string(raw.size()) + " bytes, the shape needs " +
                               std::to_string(want));
    if (want) std::memcpy(t.bytes.data(), raw.data(), want);
    return out;
  }
  auto fill = [&](const auto& v, auto tag) {
    using T = decltype(tag);
    if (static_cast<int64_t>(v.size()) != t.numel())
      throw std::runtime_error(path + ": has " + std::to_string(v.size()) + " values, the shape needs " +
                               std::to_string(t.numel()));
    for (size_t i = 0; i < v.size(); ++i) {
      const T x = static_cast<T>(v[i]);
      std::memcpy(t.bytes.data() + i * sizeof(T), &x, sizeof(T));
    }
  };
  switch (dt) {
    case DType::Float: fill(f32, float()); break;
    case DType::Double: fill(f64, double()); break;
    case DType::Int64: fill(i64, int64_t()); break;
    case DType::UInt64: fill(u64, uint64_t()); break;
    case DType::UInt32: fill(u64, uint32_t()); break;
    case DType::Int32: fill(i32, int32_t()); break;
    case DType::Int16: fill(i32, int16_t()); break;
    case DType::Int8: fill(i32, int8_t()); break;
    case DType::UInt16: case DType::Float16: case DType::BFloat16: fill(i32, uint16_t()); break;
    case DType::UInt8: case DType::Bool: fill(i32, uint8_t()); break;
    case DType::Float8E4M3FN: case DType::Float8E4M3FNUZ: case DType::Float8E5M2: case DType::Float8E5M2FNUZ:
    case DType::Float8E8M0: fill(i32, uint8_t()); break;
    case DType::UInt4: case DType::Int4: case DType::Float4E2M1: case DType::UInt2: case DType::Int2:
      if (i32.size() != want) throw std::runtime_error(path + ": has " + std::to_string(i32.size()) + " packed bytes, the shape needs " + std::to_string(want));
      for (size_t i = 0; i < want; ++i) t.bytes[i] = static_cast<uint8_t>(i32[i]);  // one packed byte per int32
      break;
    default: throw std::runtime_error(path + ": unsupported tensor type");
  }
  return out;
}

inline TensorFile read_tensor_file(const std::string& path) { return read_tensor_bytes(read_whole_file(path), path); }

// The tensors of a SequenceProto or OptionalProto (codegen/onnx/data_kind.hpp), in order, named
// `name` + their path ("[0]", "[1][0]"), as the compiled model's inputs and outputs are.
inline void flatten_composite(const std::string& data, const std::string& name, const std::string& path,
                              std::vector<TensorFile>& out) {
  pb::Reader r{reinterpret_cast<const uint8_t*>(data.data()), reinterpret_cast<const uint8_t*>(data.data()) + data.size(), path};
  int k = 0;
  while (r.p != r.end) {
    const uint64_t key = r.varint();
    const unsigned field = static_cast<unsigned>(key >> 3), wire = static_cast<unsigned>(key & 7);
    if (wire == 2 && (field == 3 || field == 5 || field == 7)) {  // a tensor, a sequence, an optional
      const std::string elem = r.bytes(), at = name + "[" + std::to_string(k++) + "]";
      if (field != 3) {
        flatten_composite(elem, at, path, out);
        continue;
      }
      out.push_back(read_tensor_bytes(elem, path));
      out.back().name = at;
    } else {
      r.skip(wire);
    }
  }
}

// A test data file: one tensor, or a sequence's or optional's tensors (flattened, see above).
inline std::vector<TensorFile> read_value_file(const std::string& path) {
  const std::string data = read_whole_file(path);
  if (!o2c::is_composite_data(reinterpret_cast<const uint8_t*>(data.data()), data.size())) return {read_tensor_bytes(data, path)};
  std::string name;  // field 1
  pb::Reader r{reinterpret_cast<const uint8_t*>(data.data()), reinterpret_cast<const uint8_t*>(data.data()) + data.size(), path};
  while (r.p != r.end) {
    const uint64_t key = r.varint();
    if ((key >> 3) == 1 && (key & 7) == 2) name = r.bytes();
    else r.skip(static_cast<unsigned>(key & 7));
  }
  std::vector<TensorFile> out;
  flatten_composite(data, name, path, out);
  return out;
}

}  // namespace o2c_conf
