#include "ir/attr.hpp"

#include <algorithm>

#include "ir/graph.hpp"

namespace o2c {

Attr Attr::of(int64_t v) {
  Attr a;
  a.kind = Kind::Int;
  a.i = v;
  return a;
}
Attr Attr::of(float v) {
  Attr a;
  a.kind = Kind::Float;
  a.f = v;
  return a;
}
Attr Attr::of(const std::string& v) {
  Attr a;
  a.kind = Kind::String;
  a.s = v;
  return a;
}
Attr Attr::of(const std::vector<int64_t>& v) {
  Attr a;
  a.kind = Kind::Ints;
  a.ints = v;
  return a;
}
Attr Attr::of(const std::vector<float>& v) {
  Attr a;
  a.kind = Kind::Floats;
  a.floats = v;
  return a;
}
Attr Attr::of(const std::vector<std::string>& v) {
  Attr a;
  a.kind = Kind::Strings;
  a.strings = v;
  return a;
}
Attr Attr::of(const Tensor& v) {
  Attr a;
  a.kind = Kind::Tensor;
  a.t = std::make_shared<const Tensor>(v);
  return a;
}
Attr Attr::of(std::shared_ptr<Graph> v) {
  Attr a;
  a.kind = Kind::Graph;
  a.g = std::move(v);
  return a;
}

const char* attr_kind_name(Attr::Kind k) {
  switch (k) {
    case Attr::Kind::Int: return "int";
    case Attr::Kind::Float: return "float";
    case Attr::Kind::String: return "string";
    case Attr::Kind::Ints: return "ints";
    case Attr::Kind::Floats: return "floats";
    case Attr::Kind::Strings: return "strings";
    case Attr::Kind::Tensor: return "tensor";
    case Attr::Kind::Graph: return "graph";
  }
  return "?";
}

std::string attr_str(const Attr& a) {
  auto list = [](const auto& v, auto fmt) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + fmt(v[i]);
    return s + "]";
  };
  auto f = [](float x) {
    char b[32];
    std::snprintf(b, sizeof b, "%.9g", static_cast<double>(x));
    return std::string(b);
  };
  switch (a.kind) {
    case Attr::Kind::Int: return std::to_string(a.i);
    case Attr::Kind::Float: return f(a.f);
    case Attr::Kind::String: return quote_name(a.s);
    case Attr::Kind::Ints: return list(a.ints, [](int64_t x) { return std::to_string(x); });
    case Attr::Kind::Floats: return list(a.floats, f);
    case Attr::Kind::Strings: return list(a.strings, quote_name);
    case Attr::Kind::Tensor: return "<tensor " + (a.t ? type_str(a.t->dtype, a.t->shape) : std::string("?")) + ">";
    case Attr::Kind::Graph: return "<graph " + (a.g ? quote_name(a.g->graph_name) : std::string("?")) + ">";
  }
  return "?";
}

// ---- AttrReader -----------------------------------------------------------------------------

void AttrReader::fail(const std::string& msg) const { throw CompileError(where_ + ": " + msg); }

const Attr* AttrReader::get(const char* name, Attr::Kind want) {
  seen_.push_back(name);
  auto it = attrs_.find(name);
  if (it == attrs_.end()) return nullptr;
  if (it->second.kind != want)
    fail(std::string("attribute '") + name + "' must be of type " + attr_kind_name(want) + ", got " +
         attr_kind_name(it->second.kind));
  return &it->second;
}

void AttrReader::operator()(const char* name, int64_t& v) {
  if (const Attr* a = get(name, Attr::Kind::Int)) v = a->i;
}
void AttrReader::operator()(const char* name, int& v) {
  if (const Attr* a = get(name, Attr::Kind::Int)) {
    if (a->i < INT32_MIN || a->i > INT32_MAX) fail(std::string("attribute '") + name + "' is out of range");
    v = static_cast<int>(a->i);
  }
}
void AttrReader::operator()(const char* name, bool& v) {
  if (const Attr* a = get(name, Attr::Kind::Int)) v = a->i != 0;
}
void AttrReader::operator()(const char* name, float& v) {
  if (const Attr* a = get(name, Attr::Kind::Float)) v = a->f;
}
void AttrReader::operator()(const char* name, std::string& v) {
  if (const Attr* a = get(name, Attr::Kind::String)) v = a->s;
}
void AttrReader::operator()(const char* name, std::vector<int64_t>& v) {
  if (const Attr* a = get(name, Attr::Kind::Ints)) v = a->ints;
}
void AttrReader::operator()(const char* name, std::vector<float>& v) {
  if (const Attr* a = get(name, Attr::Kind::Floats)) v = a->floats;
}
void AttrReader::operator()(const char* name, std::vector<std::string>& v) {
  if (const Attr* a = get(name, Attr::Kind::Strings)) v = a->strings;
}
void AttrReader::operator()(const char* name, std::shared_ptr<const Tensor>& v) {
  if (const Attr* a = get(name, Attr::Kind::Tensor)) v = a->t;
}
void AttrReader::operator()(const char* name, std::shared_ptr<Graph>& v) {
  if (const Attr* a = get(name, Attr::Kind::Graph)) v = a->g;
}
void AttrReader::operator()(const char* name, int& v, const Spellings& spellings) {
  const Attr* a = get(name, Attr::Kind::String);
  if (!a) return;
  for (size_t i = 0; i < spellings.size(); ++i)
    if (a->s == spellings[i]) {
      v = static_cast<int>(i);
      return;
    }
  std::string ok;
  for (const char* s : spellings) ok += (ok.empty() ? "" : ", ") + std::string(s);
  fail(std::string("attribute '") + name + "' is " + quote_name(a->s) + "; expected one of " + ok);
}

void AttrReader::finish() const {
  std::string extra;
  for (const auto& kv : attrs_)
    if (kv.first != "consumed_inputs" && std::find(seen_.begin(), seen_.end(), kv.first) == seen_.end())
      extra += (extra.empty() ? "" : ", ") + quote_name(kv.first);
  if (!extra.empty()) throw UnsupportedError(where_ + ": attribute " + extra + " is not supported");
}

void AttrWriter::operator()(const char* name, const std::shared_ptr<const Tensor>& v) {
  if (v) attrs_[name] = Attr::of(*v);
}

}  // namespace o2c
