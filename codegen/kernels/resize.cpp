// Folding with templates/resize.hpp: none. resize_data runs only where scales, sizes or roi
// arrive at run time (constant ones take Resize's static lowering: table_copy or resize_interp,
// templates/tensor.hpp), so nothing it computes can fold.
#include "kernels/eval.hpp"

namespace o2c {

bool eval_resize_data(const Call&, const Frame&) { return false; }

}  // namespace o2c
