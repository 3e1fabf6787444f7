#include "ir/graph.hpp"

#include <cstdio>
#include <cstring>

namespace o2c {

int64_t numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

std::string shape_str(const Shape& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) r += ",";
    r += std::to_string(s[i]);
  }
  return r + "]";
}

std::string type_str(DType t, const Shape& s) { return std::string(dtype_short(t)) + shape_str(s); }

Tensor::Tensor(DType t, Shape s) : dtype(t), shape(std::move(s)) {
  bytes.assign(static_cast<size_t>(o2c::numel(shape)) * dtype_size(t), 0);
}

int64_t Tensor::int_at(int64_t i) const {
  switch (dtype) {
    case DType::Int64: return data<int64_t>()[i];
    case DType::Int32: return data<int32_t>()[i];
    case DType::Int16: return data<int16_t>()[i];
    case DType::Int8: return data<int8_t>()[i];
    case DType::UInt64: return static_cast<int64_t>(data<uint64_t>()[i]);
    case DType::UInt32: return data<uint32_t>()[i];
    case DType::UInt16: return data<uint16_t>()[i];
    case DType::UInt8: return data<uint8_t>()[i];
    case DType::Bool: return data<uint8_t>()[i] != 0;
    case DType::Float: return static_cast<int64_t>(data<float>()[i]);
    case DType::Double: return static_cast<int64_t>(data<double>()[i]);
    default: throw UnsupportedError("cannot read " + dtype_name(dtype) + " tensor as integers");
  }
}

double Tensor::float_at(int64_t i) const {
  switch (dtype) {
    case DType::Float: return data<float>()[i];
    case DType::Double: return data<double>()[i];
    case DType::UInt64: return static_cast<double>(data<uint64_t>()[i]);
    default: return static_cast<double>(int_at(i));
  }
}

std::vector<int64_t> Tensor::to_ints() const {
  std::vector<int64_t> r(static_cast<size_t>(numel()));
  for (size_t i = 0; i < r.size(); ++i) r[i] = int_at(static_cast<int64_t>(i));
  return r;
}

int Graph::add_value(const std::string& name) {
  if (!name.empty()) {
    auto it = by_name_.find(name);
    if (it != by_name_.end()) return it->second;
  }
  Value v;
  v.name = name;
  values.push_back(std::move(v));
  int id = static_cast<int>(values.size()) - 1;
  if (!name.empty()) by_name_[name] = id;
  return id;
}

int Graph::find(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? -1 : it->second;
}

std::string Graph::where(const Node& n) const {
  std::string r = "node [" + std::to_string(n.index) + "] " + n.op;
  if (!n.name.empty()) r += " " + quote_name(n.name);
  return r;
}

std::vector<int> Graph::live_nodes() const {
  std::vector<int> r;
  for (size_t i = 0; i < nodes.size(); ++i)
    if (!nodes[i].dead) r.push_back(static_cast<int>(i));
  return r;
}

std::string quote_name(const std::string& s) {
  std::string r = "\"";
  for (unsigned char c : s) {
    bool plain = (c >= 0x20 && c < 0x7f) && c != '\\' && c != '"' && c != '?' && c != '*';
    if (plain) {
      r += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      r += buf;
    }
  }
  return r + "\"";
}

}  // namespace o2c
