// The op table (ops.def), parsed.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "ops/op.hpp"
#include "ops/types.hpp"

namespace o2c {

struct OpParam {
  std::string name;      // the spec's name: "X", "W", "B"
  std::string typevar;   // "T"
  bool optional = false;
  bool variadic = false;
};

struct OpInfo {
  const char* name;
  const char* domain;     // "" or "onnx2cpp"
  const char* family;     // file in ops/
  std::vector<int> versions;
  std::vector<OpParam> inputs, outputs;
  std::map<std::string, TypeSet> types;  // type variable -> the types onnx2cpp takes
  const char* precision;  // exact | rounding | approximate
  const char* signature;  // as written in ops.def (docs)
  const char* type_text;
  const OpDef* def;
  std::vector<std::string> held;  // type variables written "= ..." or "@any" (see holds())

  // The version of the op's spec at a node of a model importing `opset` (0 if the op did not
  // exist yet).
  int version_at(int opset) const;
  // Whether values of type variable v reach the op's kernels in their own bits: data movement
  // (its set is @any), or an op whose kernels convert the storage float types themselves (the
  // set written "= ..."). Otherwise the compute-in-float pass widens them to float.
  bool holds(const std::string& typevar) const;
};

const std::vector<OpInfo>& op_table();
// nullptr when the op is not supported.
const OpInfo* find_op(const std::string& domain, const std::string& op);

// Checks a node against its op's row before inference: the op existed at the node's opset;
// input and output counts; every input's type in its variable's set, and inputs sharing a
// variable of one type. Throws CompileError (a malformed node) or UnsupportedError (a type or
// version onnx2cpp does not take), naming the node and the input.
void check_signature(OpCtx& c, const OpInfo& info);

}  // namespace o2c
