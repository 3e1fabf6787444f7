// Lookup into the op table (ops.def).
#pragma once
#include <string>
#include <vector>

#include "ops/op.hpp"

namespace o2c {

struct OpInfo {
  const char* name;
  const char* family;     // file in ops/
  const char* kernels;    // space-separated headers in templates/ (without .hpp)
  const char* precision;  // exact | rounding | approximate
  const OpImpl* impl;
};

const std::vector<OpInfo>& op_table();
// nullptr when the op (in the default ONNX domain) is not supported.
const OpInfo* find_op(const std::string& domain, const std::string& op);

}  // namespace o2c
