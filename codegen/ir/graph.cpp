#include "ir/graph.hpp"
#include "ir/limits.hpp"

#include <cstdio>
#include <algorithm>
#include <cstring>
#include <limits>

#include "runtime_min/onnx2cpp_numeric.h"

namespace o2c {

int64_t mul_saturated(int64_t a, int64_t b) {
  int64_t r = 0;
  return __builtin_mul_overflow(a, b, &r) ? std::numeric_limits<int64_t>::max() : r;
}

int64_t numel(const Shape& s) {
  if (std::find(s.begin(), s.end(), 0) != s.end()) return 0;  // before the others can overflow
  int64_t n = 1;
  for (int64_t d : s) n = mul_saturated(n, d);
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

int64_t tensor_bytes(DType t, const Shape& s) {
  const int64_t bits = std::max(dtype_info(t).bits, 1);
  const int64_t max_elems = kMaxTensorBytes / bits * 8;  // so that n * bits cannot overflow
  int64_t n = 1;
  bool zero = false, over = false;
  for (int64_t d : s) {
    if (d < 0) return -1;
    if (d == 0) zero = true;  // the dims after a 0 may still be anything but negative
    else if (over || d > max_elems / n) over = true;
    else n *= d;
  }
  // An empty tensor's other dims are held to the same bound: no stride or count computed from
  // them then overflows (the fuzzer's [0, 2^31 - 1, 3, 2^40] and many like it).
  if (over) return -1;
  return zero ? 0 : dtype_bytes(t, n);
}

int64_t checked_bytes(DType t, const Shape& s, const std::string& what) {
  const int64_t b = tensor_bytes(t, s);
  if (b >= 0) return b;
  if (std::any_of(s.begin(), s.end(), [](int64_t d) { return d < 0; }))
    throw CompileError(what + ": negative dimension in " + shape_str(s));
  if (std::find(s.begin(), s.end(), 0) != s.end())
    throw CompileError(what + ": " + type_str(t, s) + " is empty, but its other dims would need more than " +
                       std::to_string(kMaxTensorBytes) + " bytes (the most onnx2cpp holds in one tensor)");
  throw CompileError(what + ": " + type_str(t, s) + " needs more than " + std::to_string(kMaxTensorBytes) +
                     " bytes (the most onnx2cpp holds in one tensor)");
}

Tensor::Tensor(DType t, Shape s) : dtype(t), shape(std::move(s)) {
  int64_t n = tensor_bytes(t, shape);
  if (n < 0) n = checked_bytes(t, shape, "a tensor");  // throws (the message built only then)
  bytes.assign(static_cast<size_t>(n), 0);
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
    case DType::UInt4: return onnx2cpp_uint4_get(bytes.data(), static_cast<size_t>(i));
    case DType::Int4: return onnx2cpp_int4_get(bytes.data(), static_cast<size_t>(i));
    case DType::UInt2: return onnx2cpp_uint2_get(bytes.data(), static_cast<size_t>(i));
    case DType::Int2: return onnx2cpp_int2_get(bytes.data(), static_cast<size_t>(i));
    default: throw UnsupportedError("cannot read " + dtype_name(dtype) + " tensor as integers");
  }
}

double Tensor::float_at(int64_t i) const {
  switch (dtype) {
    case DType::Float: return data<float>()[i];
    case DType::Double: return data<double>()[i];
    case DType::UInt64: return static_cast<double>(data<uint64_t>()[i]);
    default:
      if (dtype_is_storage(dtype) || dtype == DType::Float4E2M1) return onnx2cpp_storage_to_f32(static_cast<int>(dtype), bytes.data(), static_cast<size_t>(i));
      return static_cast<double>(int_at(i));
  }
}

std::vector<int64_t> Tensor::to_ints() const {
  std::vector<int64_t> r(static_cast<size_t>(numel()));
  for (size_t i = 0; i < r.size(); ++i) r[i] = int_at(static_cast<int64_t>(i));
  return r;
}

int Graph::add_value(const std::string& name) {
  std::string n = name;
  if (!n.empty() && by_name_.count(n)) {
    int k = 2;
    while (by_name_.count(name + "_" + std::to_string(k))) ++k;
    n = name + "_" + std::to_string(k);
  }
  Value v;
  v.name = n;
  values.push_back(std::move(v));
  const int id = static_cast<int>(values.size()) - 1;
  if (!n.empty()) by_name_[n] = id;
  return id;
}

int Graph::find(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? -1 : it->second;
}

int Graph::add_constant(const std::string& name, Tensor t) {
  const int v = add_value(name);
  Value& val = values[v];
  val.dtype = t.dtype;
  val.shape = t.shape;
  val.typed = true;
  val.max_string_bytes = longest_string(t);
  val.constant = std::make_shared<Tensor>(std::move(t));
  return v;
}

void Graph::add_reader(int v, Use u) {
  if (v >= 0) values[v].readers.push_back(u);
}

void Graph::drop_reader(int v, Use u) {
  if (v < 0) return;
  auto& r = values[v].readers;
  auto it = std::find(r.begin(), r.end(), u);
  if (it == r.end()) throw std::logic_error("graph: value " + quote_name(values[v].name) + " lost track of a reader");
  r.erase(it);
}

int Graph::position(int node) const {
  auto it = std::find(order.begin(), order.end(), node);
  return it == order.end() ? -1 : static_cast<int>(it - order.begin());
}

int Graph::insert(Node n, int before) {
  const int id = static_cast<int>(nodes.size());
  n.id = id;
  n.erased = false;
  for (size_t s = 0; s < n.inputs.size(); ++s) add_reader(n.inputs[s], {id, static_cast<int>(s)});
  for (int v : n.captures) add_reader(v, {id, -1});
  for (int v : n.outputs)
    if (v >= 0) {
      if (values[v].producer >= 0 && !nodes[values[v].producer].erased)
        throw std::logic_error("graph: value " + quote_name(values[v].name) + " already has a producer");
      values[v].producer = id;
    }
  nodes.push_back(std::move(n));
  if (before < 0) {
    order.push_back(id);
  } else {
    const int at = position(before);
    if (at < 0) throw std::logic_error("graph: inserting before a node that is not in the graph");
    order.insert(order.begin() + at, id);
  }
  return id;
}

void Graph::erase(int node) {
  Node& n = nodes[node];
  if (n.erased) return;
  for (size_t s = 0; s < n.inputs.size(); ++s) drop_reader(n.inputs[s], {node, static_cast<int>(s)});
  for (int v : n.captures) drop_reader(v, {node, -1});
  for (int v : n.outputs)
    if (v >= 0 && values[v].producer == node) values[v].producer = -1;
  n.erased = true;
  const int at = position(node);
  if (at >= 0) order.erase(order.begin() + at);
}

void Graph::set_input(int node, size_t slot, int v) {
  Node& n = nodes[node];
  if (slot >= n.inputs.size()) n.inputs.resize(slot + 1, -1);
  drop_reader(n.inputs[slot], {node, static_cast<int>(slot)});
  n.inputs[slot] = v;
  add_reader(v, {node, static_cast<int>(slot)});
}

void Graph::set_inputs(int node, std::vector<int> vs) {
  Node& n = nodes[node];
  for (size_t s = 0; s < n.inputs.size(); ++s) drop_reader(n.inputs[s], {node, static_cast<int>(s)});
  n.inputs = std::move(vs);
  for (size_t s = 0; s < n.inputs.size(); ++s) add_reader(n.inputs[s], {node, static_cast<int>(s)});
}

void Graph::set_captures(int node, std::vector<int> vs) {
  Node& n = nodes[node];
  for (int v : n.captures) drop_reader(v, {node, -1});
  n.captures = std::move(vs);
  for (int v : n.captures) add_reader(v, {node, -1});
}

void Graph::set_outputs(int node, std::vector<int> vs) {
  Node& n = nodes[node];
  for (int v : n.outputs)
    if (v >= 0 && values[v].producer == node) values[v].producer = -1;
  n.outputs = std::move(vs);
  for (int v : n.outputs)
    if (v >= 0) values[v].producer = node;
}

void Graph::replace_uses(int from, int to) {
  const std::vector<Use> rs = values[from].readers;
  for (const Use& u : rs) {
    if (u.slot >= 0) {
      set_input(u.node, static_cast<size_t>(u.slot), to);
    } else {  // a capture
      Node& n = nodes[u.node];
      drop_reader(from, u);
      std::replace(n.captures.begin(), n.captures.end(), from, to);
      add_reader(to, u);
    }
  }
  for (int& o : outputs)
    if (o == from) {
      o = to;
      values[from].is_output = false;
      values[to].is_output = true;
    }
}

int Graph::replace(int old, Node n) {
  const int at = position(old);
  const int next = at >= 0 && at + 1 < static_cast<int>(order.size()) ? order[static_cast<size_t>(at) + 1] : -1;
  erase(old);
  return insert(std::move(n), next);
}

void Graph::reindex() {
  for (Value& v : values) {
    v.readers.clear();
    v.producer = -1;
  }
  for (int id : order) {
    const Node& n = nodes[id];
    for (size_t s = 0; s < n.inputs.size(); ++s)
      if (n.inputs[s] >= 0) values[n.inputs[s]].readers.push_back({id, static_cast<int>(s)});
    for (int v : n.captures) values[v].readers.push_back({id, -1});
    for (int v : n.outputs)
      if (v >= 0) values[v].producer = id;
  }
}

std::shared_ptr<Graph> clone_graph(const Graph& g) {
  auto c = std::make_shared<Graph>(g);
  for (Node& n : c->nodes)
    for (auto& kv : n.attrs)
      if (kv.second.kind == Attr::Kind::Graph && kv.second.g) kv.second.g = clone_graph(*kv.second.g);
  return c;
}

std::vector<Graph*> subgraphs(const Node& n) {
  std::vector<Graph*> r;
  for (const auto& kv : n.attrs)
    if (kv.second.kind == Attr::Kind::Graph && kv.second.g) r.push_back(kv.second.g.get());
  return r;
}

std::string node_label(const Node& n) {
  auto it = n.attrs.find("fused");
  return it != n.attrs.end() && it->second.kind == Attr::Kind::String && !it->second.s.empty() ? it->second.s : n.op;
}

std::string Graph::where(const Node& n) const {
  std::string r = "node [" + std::to_string(n.index) + "] " + n.op;
  if (!n.name.empty()) r += " " + quote_name(n.name);
  return r;
}

int64_t longest_string(const Tensor& t) {
  size_t n = 0;
  for (const auto& s : t.strings) n = std::max(n, s.size());
  return static_cast<int64_t>(n);
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
