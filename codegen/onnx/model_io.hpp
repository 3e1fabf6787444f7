// Reading ModelProto and TensorProto files, including external data.
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <onnx/onnx_pb.h>

#include "ir/graph.hpp"

namespace o2c {

// Parses a serialized ModelProto; throws CompileError naming the file on failure.
onnx::ModelProto load_model(const std::string& path);
// Parses a serialized TensorProto (the input_K.pb / output_K.pb files).
onnx::TensorProto load_tensor_proto(const std::string& path);

// A test data file (onnx/data_kind.hpp): a TensorProto, or a SequenceProto or OptionalProto
// flattened into its tensors in order, each with its path below the value ("[0]", "[1][0]";
// "" for a tensor file), and the element count of every sequence and optional by path.
struct DataFile {
  std::string name;  // the file's value name ("" when unnamed)
  std::vector<std::pair<std::string, onnx::TensorProto>> tensors;
  std::map<std::string, int64_t> lengths;
};
DataFile load_data_file(const std::string& path);

// Converts a TensorProto to a dense Tensor. External data is read relative to base_dir and
// must stay inside it. `what` names the tensor in error messages.
Tensor tensor_from_proto(const onnx::TensorProto& p, const std::string& base_dir,
                         const std::string& what);
onnx::TensorProto tensor_to_proto(const Tensor& t, const std::string& name);

}  // namespace o2c
