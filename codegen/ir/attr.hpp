// Node attributes: typed values (parsed from the protobuf once, at import), and the typed
// structs ops read them into.
//
// An op declares its attributes as a struct with their defaults and one `fields` function
// that names each field (the op's version, v.version, may decide which exist):
//
//   struct GemmAttrs {
//     float alpha = 1.0f, beta = 1.0f;
//     bool transA = false, transB = false;
//     O2C_FIELDS(alpha, beta, transA, transB)   // or: template <class V> void fields(V& v) { v("alpha", alpha); ... }
//   };
//
// parse_attrs<GemmAttrs>(node, where) reads it (kinds checked, an attribute the struct does
// not name is refused), write_attrs(node, value) writes one back (passes making nodes), and
// the same `fields` lists them for docs and IR dumps.
#pragma once
#include <cstdint>
#include <map>
#include <stdexcept>
#include <memory>
#include <string>
#include <vector>

#include "ir/dtype.hpp"

namespace o2c {

struct Tensor;
struct Graph;

struct Attr {
  enum class Kind { Int, Float, String, Ints, Floats, Strings, Tensor, Graph };
  Kind kind = Kind::Int;
  int64_t i = 0;
  float f = 0;
  std::string s;
  std::vector<int64_t> ints;
  std::vector<float> floats;
  std::vector<std::string> strings;
  std::shared_ptr<const o2c::Tensor> t;
  std::shared_ptr<o2c::Graph> g;  // a subgraph (If's branches, Loop's and Scan's body)

  static Attr of(int64_t v);
  static Attr of(float v);
  static Attr of(const std::string& v);
  static Attr of(const std::vector<int64_t>& v);
  static Attr of(const std::vector<float>& v);
  static Attr of(const std::vector<std::string>& v);
  static Attr of(const o2c::Tensor& v);
  static Attr of(std::shared_ptr<o2c::Graph> v);
};
const char* attr_kind_name(Attr::Kind k);  // "int", "floats", ... as ONNX names them
// The value for messages and IR dumps ("1", "[1,2]", "\"NOTSET\"", "<tensor f32[3]>").
std::string attr_str(const Attr& a);

using Attrs = std::map<std::string, Attr>;

// ---- typed structs ------------------------------------------------------------------------

// A field that names an enum by its ONNX spelling: `v("auto_pad", auto_pad, {"NOTSET",
// "SAME_UPPER", ...})` stores the index into the list.
using Spellings = std::vector<const char*>;

// Reads attributes into a struct's fields (see the top of this file).
class AttrReader {
 public:
  AttrReader(const Attrs& a, int version, std::string where) : version(version), attrs_(a), where_(std::move(where)) {}
  const int version;  // the version of the op's spec at the node (ops.def)

  void operator()(const char* name, int64_t& v);
  void operator()(const char* name, int& v);
  void operator()(const char* name, bool& v);
  void operator()(const char* name, float& v);
  void operator()(const char* name, std::string& v);
  void operator()(const char* name, std::vector<int64_t>& v);
  void operator()(const char* name, std::vector<float>& v);
  void operator()(const char* name, std::vector<std::string>& v);
  void operator()(const char* name, std::shared_ptr<const Tensor>& v);
  void operator()(const char* name, std::shared_ptr<Graph>& v);
  void operator()(const char* name, int& v, const Spellings& spellings);
  // A field that must be present.
  template <class T>
  void required(const char* name, T& v) {
    if (!attrs_.count(name)) fail(std::string("attribute '") + name + "' is required");
    (*this)(name, v);
  }
  bool has(const char* name) const { return attrs_.count(name) > 0; }
  // Attributes the struct did not name: refused, with their names (but consumed_inputs, a
  // memory hint of many ops' first versions that changes no result).
  void finish() const;
  [[noreturn]] void fail(const std::string& msg) const;

 private:
  const Attr* get(const char* name, Attr::Kind want);
  const Attrs& attrs_;
  std::vector<std::string> seen_;
  std::string where_;
};

// Writes a struct's fields as attributes (every field, defaults included).
class AttrWriter {
 public:
  explicit AttrWriter(Attrs& a, int version) : version(version), attrs_(a) {}
  const int version;
  template <class T>
  void operator()(const char* name, const T& v) { attrs_[name] = Attr::of(v); }
  void operator()(const char* name, int v) { attrs_[name] = Attr::of(static_cast<int64_t>(v)); }
  void operator()(const char* name, bool v) { attrs_[name] = Attr::of(static_cast<int64_t>(v)); }
  void operator()(const char* name, int v, const Spellings& s) { attrs_[name] = Attr::of(std::string(s.at(static_cast<size_t>(v)))); }
  template <class T>
  void required(const char* name, const T& v) { (*this)(name, v); }
  void operator()(const char* name, const std::shared_ptr<const Tensor>& v);
  void operator()(const char* name, const std::shared_ptr<Graph>& v) { if (v) attrs_[name] = Attr::of(v); }
  bool has(const char*) const { return true; }
  [[noreturn]] void fail(const std::string& msg) const { throw std::logic_error(msg); }

 private:
  Attrs& attrs_;
};

// Lists a struct's field names (docs).
class AttrNames {
 public:
  explicit AttrNames(int version) : version(version) {}
  const int version;
  std::vector<std::string> names;
  template <class T> void operator()(const char* name, T&) { names.push_back(name); }
  template <class T> void operator()(const char* name, T&, const Spellings&) { names.push_back(name); }
  template <class T> void required(const char* name, T&) { names.push_back(name); }
  bool has(const char*) const { return true; }
  [[noreturn]] void fail(const std::string& msg) const { throw std::logic_error(msg); }
};

// A visitor's view with every attribute name prefixed ("first." for the first of two
// convolutions in one fused node).
template <class V>
struct Prefixed {
  V& v;
  std::string prefix;
  int version;
  Prefixed(V& inner, std::string p) : v(inner), prefix(std::move(p)), version(inner.version) {}
  std::string at(const char* name) const { return prefix + name; }
  template <class T>
  void operator()(const char* name, T& x) { v(at(name).c_str(), x); }
  template <class T>
  void operator()(const char* name, T& x, const Spellings& s) { v(at(name).c_str(), x, s); }
  template <class T>
  void required(const char* name, T& x) { v.required(at(name).c_str(), x); }
  bool has(const char* name) const { return v.has(at(name).c_str()); }
  [[noreturn]] void fail(const std::string& msg) const { v.fail(msg); }
};

// O2C_FIELDS(a, b, c): a `fields` function naming each member after itself.
#define O2C_FIELD_(x) v(#x, x);
#define O2C_FE_1(m, x) m(x)
#define O2C_FE_2(m, x, ...) m(x) O2C_FE_1(m, __VA_ARGS__)
#define O2C_FE_3(m, x, ...) m(x) O2C_FE_2(m, __VA_ARGS__)
#define O2C_FE_4(m, x, ...) m(x) O2C_FE_3(m, __VA_ARGS__)
#define O2C_FE_5(m, x, ...) m(x) O2C_FE_4(m, __VA_ARGS__)
#define O2C_FE_6(m, x, ...) m(x) O2C_FE_5(m, __VA_ARGS__)
#define O2C_FE_7(m, x, ...) m(x) O2C_FE_6(m, __VA_ARGS__)
#define O2C_FE_8(m, x, ...) m(x) O2C_FE_7(m, __VA_ARGS__)
#define O2C_FE_9(m, x, ...) m(x) O2C_FE_8(m, __VA_ARGS__)
#define O2C_FE_10(m, x, ...) m(x) O2C_FE_9(m, __VA_ARGS__)
#define O2C_FE_PICK(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, name, ...) name
#define O2C_FIELDS(...)                                                                                        \
  template <class V>                                                                                           \
  void fields(V& v) {                                                                                          \
    O2C_FE_PICK(__VA_ARGS__, O2C_FE_10, O2C_FE_9, O2C_FE_8, O2C_FE_7, O2C_FE_6, O2C_FE_5, O2C_FE_4, O2C_FE_3, \
                O2C_FE_2, O2C_FE_1)(O2C_FIELD_, __VA_ARGS__)                                                   \
  }
// A struct with no attributes.
struct NoAttrs {
  template <class V>
  void fields(V&) {}
};

template <class S>
S parse_attrs(const Attrs& a, int version, const std::string& where) {
  S s;
  AttrReader r(a, version, where);
  s.fields(r);
  r.finish();
  return s;
}

// Writes s's fields into a (replacing attributes of the same names).
template <class S>
void write_attrs(Attrs& a, int version, S s) {
  AttrWriter w(a, version);
  s.fields(w);
}

}  // namespace o2c
