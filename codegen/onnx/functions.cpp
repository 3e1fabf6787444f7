#include "onnx/functions.hpp"

#include <google/protobuf/unknown_field_set.h>

#include "ir/graph.hpp"

namespace o2c {

namespace {

// Fields newer than the onnx.proto onnx2cpp builds against, read from the unknown fields:
// NodeProto.overload (8), FunctionProto.attribute_proto (11) and FunctionProto.overload (13).
const google::protobuf::UnknownFieldSet& unknown(const google::protobuf::Message& m) {
  return m.GetReflection()->GetUnknownFields(m);
}

std::string unknown_string(const google::protobuf::Message& m, int number) {
  const auto& u = unknown(m);
  for (int i = 0; i < u.field_count(); ++i)
    if (u.field(i).number() == number && u.field(i).type() == google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED)
      return u.field(i).length_delimited();
  return "";
}

std::string domain_of(const std::string& d) { return d == "ai.onnx" ? "" : d; }

struct Renamer {
  const std::map<std::string, std::string>& formal;  // the function's inputs and outputs
  const std::string& prefix;
  const onnx::NodeProto& call;
  const FunctionDef& fn;
  const std::string& where;

  std::string name(const std::string& n) const {
    if (n.empty()) return n;
    auto it = formal.find(n);
    return it != formal.end() ? it->second : prefix + n;
  }

  // Resolves the attribute references of a body node (and of the graphs it holds) and renames
  // every value of its graphs.
  void node(onnx::NodeProto& n) const {
    for (auto& s : *n.mutable_input()) s = name(s);
    for (auto& s : *n.mutable_output()) s = name(s);
    if (!n.name().empty()) n.set_name(prefix + n.name());
    google::protobuf::RepeatedPtrField<onnx::AttributeProto> attrs;
    for (const auto& a : n.attribute()) {
      if (a.ref_attr_name().empty()) {
        onnx::AttributeProto* c = attrs.Add();
        *c = a;
        if (c->has_g()) graph(*c->mutable_g());
        for (auto& g : *c->mutable_graphs()) graph(g);
        continue;
      }
      const onnx::AttributeProto* given = nullptr;
      for (const auto& ca : call.attribute())
        if (ca.name() == a.ref_attr_name()) given = &ca;
      if (!given) {
        auto d = fn.defaults.find(a.ref_attr_name());
        if (d != fn.defaults.end()) given = &d->second;
      }
      if (!given) continue;  // neither given nor defaulted: the op's default applies
      if (a.has_type() && given->has_type() && a.type() != given->type())
        throw CompileError(where + ": attribute " + quote_name(a.ref_attr_name()) + " of function " +
                           quote_name(fn.proto->name()) + " has the wrong type for " + quote_name(a.name()));
      onnx::AttributeProto* c = attrs.Add();
      *c = *given;
      c->set_name(a.name());
    }
    n.mutable_attribute()->Swap(&attrs);
  }

  void graph(onnx::GraphProto& g) const {
    for (auto& t : *g.mutable_initializer()) t.set_name(name(t.name()));
    for (auto& vi : *g.mutable_input()) vi.set_name(name(vi.name()));
    for (auto& vi : *g.mutable_output()) vi.set_name(name(vi.name()));
    for (auto& vi : *g.mutable_value_info()) vi.set_name(name(vi.name()));
    for (auto& n : *g.mutable_node()) node(n);
  }
};

}  // namespace

Functions::Functions(const onnx::ModelProto& m, const std::string& model_path) {
  for (const auto& f : m.functions()) {
    FunctionDef def;
    def.proto = &f;
    for (const auto& os : f.opset_import()) def.opsets[domain_of(os.domain())] = static_cast<int>(os.version());
    const auto& u = unknown(f);
    for (int i = 0; i < u.field_count(); ++i) {
      if (u.field(i).number() != 11 || u.field(i).type() != google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED) continue;
      onnx::AttributeProto a;
      if (!a.ParseFromString(u.field(i).length_delimited()))
        throw CompileError(model_path + ": function " + quote_name(f.name()) + " has a malformed attribute default");
      def.defaults[a.name()] = a;
    }
    Key key{domain_of(f.domain()), f.name(), unknown_string(f, 13)};
    if (!fns_.emplace(key, std::move(def)).second)
      throw CompileError(model_path + ": function " + quote_name(f.domain() + "." + f.name()) + " is defined twice");
  }
}

const FunctionDef* Functions::find(const onnx::NodeProto& call) const {
  if (fns_.empty()) return nullptr;
  auto it = fns_.find(Key{domain_of(call.domain()), call.op_type(), unknown_string(call, 8)});
  return it == fns_.end() ? nullptr : &it->second;
}

std::vector<onnx::NodeProto> Functions::expand(const FunctionDef& fn, const onnx::NodeProto& call,
                                               const std::string& prefix, const std::string& where) const {
  const onnx::FunctionProto& f = *fn.proto;
  if (call.input_size() > f.input_size() || call.output_size() > f.output_size())
    throw CompileError(where + ": calls function " + quote_name(f.name()) + " with " +
                       std::to_string(call.input_size()) + " inputs and " + std::to_string(call.output_size()) +
                       " outputs; it declares " + std::to_string(f.input_size()) + " and " +
                       std::to_string(f.output_size()));
  std::map<std::string, std::string> formal;
  for (int i = 0; i < f.input_size(); ++i) formal[f.input(i)] = i < call.input_size() ? call.input(i) : "";
  for (int i = 0; i < f.output_size(); ++i)
    formal[f.output(i)] = i < call.output_size() && !call.output(i).empty() ? call.output(i) : prefix + f.output(i);
  const Renamer r{formal, prefix, call, fn, where};
  std::vector<onnx::NodeProto> body(f.node().begin(), f.node().end());
  for (auto& n : body) r.node(n);
  return body;
}

}  // namespace o2c
