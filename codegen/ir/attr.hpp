// Node attributes: typed values (parsed from the protobuf once, at import), and the typed
// structs ops read them into.
//
// An op declares its attributes as a struct with their defaults and one `fields` function
// that names each field (the opset may decide which exist):
//
//   struct GemmAttrs {
//     float alpha = 1.0f, beta = 1.0f;
//     bool transA = false, transB = false;
//     template <class V> void fields(V& v) { v("alpha", alpha); v("beta", beta); v("transA", transA); v("transB", transB); }
//   };
//
// parse_attrs<GemmAttrs>(node, where) reads it (kinds checked, an attribute the struct does
// not name is refused), write_attrs(node, value) writes one back (passes making nodes), and
// the same `fields` lists them for docs and IR dumps.
#pragma once
#include <cstdint>
#include <map>
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
  AttrReader(const Attrs& a, int opset, std::string where) : opset(opset), attrs_(a), where_(std::move(where)) {}
  const int opset;  // the version of the node's domain the model imports

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
  // Attributes the struct did not name: refused, with their names.
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
  explicit AttrWriter(Attrs& a, int opset) : opset(opset), attrs_(a) {}
  const int opset;
  template <class T>
  void operator()(const char* name, const T& v) { attrs_[name] = Attr::of(v); }
  void operator()(const char* name, int v) { attrs_[name] = Attr::of(static_cast<int64_t>(v)); }
  void operator()(const char* name, bool v) { attrs_[name] = Attr::of(static_cast<int64_t>(v)); }
  void operator()(const char* name, int v, const Spellings& s) { attrs_[name] = Attr::of(std::string(s.at(static_cast<size_t>(v)))); }
  template <class T>
  void required(const char* name, const T& v) { (*this)(name, v); }
  void operator()(const char* name, const std::shared_ptr<const Tensor>& v);
  void operator()(const char* name, const std::shared_ptr<Graph>& v) { if (v) attrs_[name] = Attr::of(v); }

 private:
  Attrs& attrs_;
};

// Lists a struct's field names (docs).
class AttrNames {
 public:
  explicit AttrNames(int opset) : opset(opset) {}
  const int opset;
  std::vector<std::string> names;
  template <class T> void operator()(const char* name, T&) { names.push_back(name); }
  template <class T> void operator()(const char* name, T&, const Spellings&) { names.push_back(name); }
  template <class T> void required(const char* name, T&) { names.push_back(name); }
};

template <class S>
S parse_attrs(const Attrs& a, int opset, const std::string& where) {
  S s;
  AttrReader r(a, opset, where);
  s.fields(r);
  r.finish();
  return s;
}

template <class S>
void write_attrs(Attrs& a, int opset, S s) {
  a.clear();
  AttrWriter w(a, opset);
  s.fields(w);
}

}  // namespace o2c
