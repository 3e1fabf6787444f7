// Folding with templates/numtext.hpp: Cast to and from string. String tensors are not folded
// (a compile-time Tensor holds std::strings, not the views the kernels take): these evals
// return false and the node runs in generated code.
#include "kernels/eval.hpp"
#include "templates/numtext.hpp"

namespace o2c {

bool eval_cast_from_string(const Call&, const Frame&) { return false; }
bool eval_cast_to_string(const Call&, const Frame&) { return false; }

}  // namespace o2c
