// ModelProto -> Graph: values, nodes in topological order, graph inputs with bound shapes.
#pragma once
#include <map>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "ir/graph.hpp"

namespace o2c {

struct ShapeBindings {
  // --dim NAME=VALUE or NAME=LO..HI (symbolic dim names): a range is a run-time dim.
  std::map<std::string, DimRange> dims;
  std::map<std::string, Shape> shapes;    // --shape INPUT=1x3x224x224
  // --freeze INPUT=value.pb: the input becomes a constant of the compiled model (specializes
  // the model, e.g. on a Reshape target or Slice bounds fed as graph inputs).
  std::map<std::string, Tensor> frozen;
  // --max-string-bytes N: the most bytes one element of a string input holds (checked at run
  // time: ONNX2CPP_ERR_STRING_TOO_LONG); the bound of the strings the model derives from it.
  int64_t max_string_bytes = 256;
  // A sequence input's length, an optional input's presence (0 or 1), by name: --shape
  // 'NAME=[N]' or from the data. Their elements are the inputs NAME[0], NAME[1], ... (shaped
  // like any input: --shape 'NAME[0]=2x3', else the element type the model declares).
  std::map<std::string, int64_t> lengths;
  // --max NAME=N: the most each run-time dim of tensor NAME may be (DimTable::tensor_max).
  std::map<std::string, int64_t> max;
};

// Throws UnsupportedError listing every unsupported op of the model at once, and
// CompileError for malformed graphs or unbound dims.
Graph import_model(const onnx::ModelProto& m, const std::string& model_path,
                   const ShapeBindings& bind);
// The same, freeing each initializer's bytes in the message as it is converted (the model is
// not held twice).
Graph import_model(onnx::ModelProto&& m, const std::string& model_path, const ShapeBindings& bind);
// Op keys ("Resize", "com.microsoft.Attention") -> the names of the nodes using them.
using UnsupportedOps = std::map<std::string, std::vector<std::string>>;
// For `onnx2cpp info`: the same, but the nodes of ops onnx2cpp does not have stay in the graph
// and are listed in *unsupported instead of thrown.
Graph import_model_listing(const onnx::ModelProto& m, const std::string& model_path, const ShapeBindings& bind,
                           UnsupportedOps* unsupported);

}  // namespace o2c
