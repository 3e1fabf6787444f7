#include "ops/registry.hpp"

namespace o2c {

#define OP(Name, family, kernels, precision) extern const OpImpl op_##Name;
#include "ops/ops.def"
#undef OP

const std::vector<OpInfo>& op_table() {
  static const std::vector<OpInfo> table = {
#define OP(Name, family, kernels, precision) {#Name, #family, kernels, #precision, &op_##Name},
#include "ops/ops.def"
#undef OP
  };
  return table;
}

const OpInfo* find_op(const std::string& domain, const std::string& op) {
  if (!domain.empty() && domain != "ai.onnx") return nullptr;
  for (const OpInfo& info : op_table())
    if (op == info.name) return &info;
  return nullptr;
}

}  // namespace o2c
