// Folding with templates/shape_data.hpp: none. These kernels run only where the values that
// decide the output's shape are unknown at compile time (a known one takes the op's static
// lowering), so nothing they compute can fold.
#include "kernels/eval.hpp"

namespace o2c {

bool eval_reshape_dims(const Call&, const Frame&) { return false; }
bool eval_squeeze_dims(const Call&, const Frame&) { return false; }
bool eval_unsqueeze_dims(const Call&, const Frame&) { return false; }
bool eval_reduce_axes(const Call&, const Frame&) { return false; }
bool eval_slice_data(const Call&, const Frame&) { return false; }
bool eval_split_part(const Call&, const Frame&) { return false; }
bool eval_topk_data(const Call&, const Frame&) { return false; }
bool eval_shape_dims(const Call&, const Frame&) { return false; }
bool eval_expand_data(const Call&, const Frame&) { return false; }
bool eval_tile_data(const Call&, const Frame&) { return false; }
bool eval_range_data(const Call&, const Frame&) { return false; }
bool eval_range_low_data(const Call&, const Frame&) { return false; }
bool eval_one_hot_data(const Call&, const Frame&) { return false; }
bool eval_window_data(const Call&, const Frame&) { return false; }
bool eval_pad_data(const Call&, const Frame&) { return false; }
bool eval_dft_data(const Call&, const Frame&) { return false; }
bool eval_center_crop_pad_data(const Call&, const Frame&) { return false; }

}  // namespace o2c
