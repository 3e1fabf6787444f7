#include "onnx/model_io.hpp"

#include <charconv>
#include <iterator>

#include "onnx/data_kind.hpp"

#include <onnx/onnx-data_pb.h>

#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>

#include "ir/limits.hpp"

namespace o2c {
namespace fs = std::filesystem;

namespace {

// Parsed straight from the file (no copy of the whole file in memory: the message's fields
// are the one copy of its tensors' bytes).
template <class Msg>
Msg parse(const std::string& path, const char* what) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw CompileError(path + ": cannot open file");
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw CompileError(path + ": cannot open file");
  }
  Msg m;
  bool ok;
  {
    google::protobuf::io::FileInputStream raw(fd, 1 << 20);
    google::protobuf::io::CodedInputStream in(&raw);
    in.SetTotalBytesLimit(std::numeric_limits<int>::max());
    ok = m.ParseFromCodedStream(&in) && in.ConsumedEntireMessage();
  }
  ::close(fd);
  if (!ok) throw CompileError(path + ": not a valid serialized " + what);
  return m;
}

// The tensor's bytes, allocated only once the data present is known to fill them: a file may
// claim any shape, and only what it holds bounds what is allocated.
void allocate(Tensor& t, int64_t have, int64_t need, const char* unit, const std::string& what) {
  if (have != need)
    throw CompileError(what + ": has " + std::to_string(have) + " " + unit + ", shape " + shape_str(t.shape) +
                       " needs " + std::to_string(need));
  t.bytes.assign(static_cast<size_t>(dtype_bytes(t.dtype, t.numel())), 0);
}

// Copies the elements of a repeated proto field into the tensor, converting to T.
template <class T, class Field>
void copy_field(Tensor& t, const Field& f, const std::string& what) {
  allocate(t, f.size(), t.numel(), "values", what);
  T* d = t.data<T>();
  for (int i = 0; i < f.size(); ++i) d[i] = static_cast<T>(f.Get(i));
}

// int32_data of a packed (sub-byte) type: its bytes, one per value (IR.md).
template <class Field>
void copy_packed(Tensor& t, const Field& f, const std::string& what) {
  allocate(t, f.size(), dtype_bytes(t.dtype, t.numel()), "packed bytes", what);
  for (int i = 0; i < f.size(); ++i) t.bytes[static_cast<size_t>(i)] = static_cast<uint8_t>(f.Get(i));
}

// A non-negative integer of an external_data entry.
int64_t external_int(const std::string& key, const std::string& text, const std::string& what) {
  int64_t v = -1;
  const char* end = text.data() + text.size();
  const auto r = std::from_chars(text.data(), end, v);
  if (text.empty() || r.ec != std::errc() || r.ptr != end || v < 0)
    throw CompileError(what + ": external data " + key + " " + quote_name(text) + " is not a non-negative integer");
  return v;
}

// Reads a tensor's external data (want bytes), once the file is known to hold them.
std::vector<uint8_t> read_external(const onnx::TensorProto& p, const std::string& base_dir, const std::string& what,
                                   int64_t want) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto& kv : p.external_data()) {
    if (kv.key() == "location") location = kv.value();
    else if (kv.key() == "offset") offset = external_int("offset", kv.value(), what);
    else if (kv.key() == "length") length = external_int("length", kv.value(), what);
  }
  if (location.empty()) throw CompileError(what + ": external data without a location");
  fs::path rel(location);
  if (rel.is_absolute())
    throw CompileError(what + ": external data location " + quote_name(location) +
                       " is absolute; it must be relative to the model's directory");
  fs::path base = fs::weakly_canonical(fs::path(base_dir.empty() ? "." : base_dir));
  fs::path full = fs::weakly_canonical(base / rel);
  auto [b, f] = std::mismatch(base.begin(), base.end(), full.begin(), full.end());
  if (b != base.end())
    throw CompileError(what + ": external data location " + quote_name(location) +
                       " leaves the model's directory");
  if (length >= 0 && length != want)
    throw CompileError(what + ": external data length " + std::to_string(length) +
                       " does not match the shape (" + std::to_string(want) + " bytes)");
  std::error_code ec;
  const auto size = fs::is_regular_file(full, ec) ? fs::file_size(full, ec) : 0;
  if (ec || !fs::is_regular_file(full)) throw CompileError(what + ": cannot open external data file " + full.string());
  if (offset > static_cast<int64_t>(size) || want > static_cast<int64_t>(size) - offset)
    throw CompileError(what + ": external data file " + full.string() + " holds " + std::to_string(size) +
                       " bytes, too few for " + std::to_string(want) + " at offset " + std::to_string(offset));
  std::ifstream in(full, std::ios::binary);
  std::vector<uint8_t> bytes(static_cast<size_t>(want));
  in.seekg(offset);
  in.read(reinterpret_cast<char*>(bytes.data()), want);
  if (!in || in.gcount() != want) throw CompileError(what + ": cannot read external data file " + full.string());
  return bytes;
}

}  // namespace

onnx::ModelProto load_model(const std::string& path) {
  return parse<onnx::ModelProto>(path, "ONNX model (ModelProto)");
}

onnx::TensorProto load_tensor_proto(const std::string& path) {
  return parse<onnx::TensorProto>(path, "onnx.TensorProto");
}

namespace {
void flatten_sequence(const onnx::SequenceProto& s, const std::string& path, DataFile& f) {
  f.lengths[path] = s.tensor_values_size() + s.sequence_values_size() + s.optional_values_size();
  int k = 0;
  for (const auto& t : s.tensor_values()) f.tensors.emplace_back(path + "[" + std::to_string(k++) + "]", t);
  for (const auto& q : s.sequence_values()) flatten_sequence(q, path + "[" + std::to_string(k++) + "]", f);
  for (const auto& q : s.optional_values()) {  // read as a sequence of 0 or 1 (the same fields)
    onnx::SequenceProto as_seq;
    as_seq.ParseFromString(q.SerializeAsString());
    flatten_sequence(as_seq, path + "[" + std::to_string(k++) + "]", f);
  }
}
}  // namespace

DataFile load_data_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CompileError(path + ": cannot open file");
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  DataFile f;
  if (!is_composite_data(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size())) {
    f.tensors.emplace_back("", load_tensor_proto(path));
    f.name = f.tensors[0].second.name();
    return f;
  }
  onnx::SequenceProto s;  // an OptionalProto reads the same (onnx/data_kind.hpp)
  if (!s.ParseFromString(bytes)) throw CompileError(path + ": not a valid onnx.SequenceProto or onnx.OptionalProto");
  f.name = s.name();
  flatten_sequence(s, "", f);
  return f;
}

namespace {
// A bool is a byte holding 0 or 1: any other byte a file holds reads as true (C++ code that
// loads a bool of another value is undefined: the fuzzer's Cast of a bool 63 to float).
void normalize_bools(Tensor& t) {
  if (t.dtype == DType::Bool)
    for (uint8_t& b : t.bytes) b = b != 0;
}
}  // namespace

Tensor tensor_from_proto(const onnx::TensorProto& p, const std::string& base_dir,
                         const std::string& what) {
  DType dt = static_cast<DType>(p.data_type());
  if (!dtype_supported(dt))
    throw UnsupportedError(what + ": tensors of type " + dtype_name(dt) + " are not supported");
  Tensor t;  // no bytes yet: they are allocated once the data present is known to fill them
  t.dtype = dt;
  t.shape.assign(p.dims().begin(), p.dims().end());
  const int64_t want = checked_bytes(dt, t.shape, what);
  if (dt == DType::String) {
    if (p.data_location() == onnx::TensorProto::EXTERNAL || p.has_raw_data())
      throw CompileError(what + ": a string tensor must hold its elements in string_data");
    allocate(t, p.string_data_size(), t.numel(), "string_data elements", what);
    t.strings.assign(p.string_data().begin(), p.string_data().end());
    return t;
  }
  if (p.data_location() == onnx::TensorProto::EXTERNAL) {
    t.bytes = read_external(p, base_dir, what, want);
    normalize_bools(t);
    return t;
  }
  if (p.has_raw_data()) {
    if (static_cast<int64_t>(p.raw_data().size()) != want)
      throw CompileError(what + ": raw_data has " + std::to_string(p.raw_data().size()) +
                         " bytes, shape " + shape_str(t.shape) + " needs " + std::to_string(want));
    const auto* raw = reinterpret_cast<const uint8_t*>(p.raw_data().data());
    t.bytes = std::vector<uint8_t>(raw, raw + want);  // one pass (no zero fill first)
    normalize_bools(t);
    return t;
  }
  switch (dt) {
    case DType::Float: copy_field<float>(t, p.float_data(), what); break;
    case DType::Double: copy_field<double>(t, p.double_data(), what); break;
    case DType::Int64: copy_field<int64_t>(t, p.int64_data(), what); break;
    case DType::UInt64: copy_field<uint64_t>(t, p.uint64_data(), what); break;
    case DType::UInt32: copy_field<uint32_t>(t, p.uint64_data(), what); break;
    case DType::Int32: copy_field<int32_t>(t, p.int32_data(), what); break;
    case DType::Int16: copy_field<int16_t>(t, p.int32_data(), what); break;
    case DType::Int8: copy_field<int8_t>(t, p.int32_data(), what); break;
    case DType::Float8E4M3FN: case DType::Float8E4M3FNUZ: case DType::Float8E5M2: case DType::Float8E5M2FNUZ:
    case DType::Float8E8M0:
      copy_field<uint8_t>(t, p.int32_data(), what); break;
    case DType::UInt16: case DType::Float16: case DType::BFloat16:
      copy_field<uint16_t>(t, p.int32_data(), what); break;
    case DType::UInt8: copy_field<uint8_t>(t, p.int32_data(), what); break;
    case DType::Bool: copy_field<uint8_t>(t, p.int32_data(), what); break;
    case DType::UInt4: case DType::Int4: case DType::Float4E2M1: case DType::UInt2: case DType::Int2:
      copy_packed(t, p.int32_data(), what); break;  // one packed byte per int32
    default: throw UnsupportedError(what + ": unsupported tensor type " + dtype_name(dt));
  }
  normalize_bools(t);
  return t;
}

onnx::TensorProto tensor_to_proto(const Tensor& t, const std::string& name) {
  onnx::TensorProto p;
  p.set_name(name);
  p.set_data_type(static_cast<int>(t.dtype));
  for (int64_t d : t.shape) p.add_dims(d);
  if (t.dtype == DType::String) {
    for (const std::string& e : t.strings) p.add_string_data(e);
    return p;
  }
  p.set_raw_data(std::string(t.bytes.begin(), t.bytes.end()));
  return p;
}

}  // namespace o2c
