// Model-local functions (ModelProto.functions, as torch.onnx's dynamo exporter and other tools
// write them): a node that calls one is replaced at import by the function's body, its values
// renamed apart and its attribute references resolved against the call.
#pragma once
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include <onnx/onnx_pb.h>

namespace o2c {

struct FunctionDef {
  const onnx::FunctionProto* proto = nullptr;
  std::map<std::string, int> opsets;                     // the body's operator sets ("" = ai.onnx)
  std::map<std::string, onnx::AttributeProto> defaults;  // attribute_proto: declared defaults
};

class Functions {
 public:
  // Reads m.functions(); throws CompileError (naming the model) on a function defined twice.
  Functions(const onnx::ModelProto& m, const std::string& model_path);

  // The function a node calls, or nullptr (a standard or unknown op).
  const FunctionDef* find(const onnx::NodeProto& call) const;

  // The body of fn as called by `call`: its nodes with the call's inputs and outputs in place of
  // the formal ones, every other value name prefixed with `prefix` (in nested graphs too), and
  // each attribute reference replaced by the call's attribute, else the declared default, else
  // dropped (the op's own default applies). `where` names the call in errors.
  std::vector<onnx::NodeProto> expand(const FunctionDef& fn, const onnx::NodeProto& call,
                                      const std::string& prefix, const std::string& where) const;

 private:
  using Key = std::tuple<std::string, std::string, std::string>;  // domain, name, overload
  std::map<Key, FunctionDef> fns_;
};

}  // namespace o2c
