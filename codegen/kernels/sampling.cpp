// Folding with templates/sampling.hpp: grid_sample, affine_grid, roi_align,
// deform_conv.
#include "kernels/eval.hpp"

namespace o2c {

// (X, grid, Y, N, C, r, d0, d1, d2, P, mode, pad, align)
bool eval_grid_sample(const Call& c, const Frame& f) {
  return with_type<IsFlt>(arg_type(c, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::grid_sample<T>(f.in_ptr<T>(a[0]), f.in_ptr<T>(a[1]), f.out_ptr<T>(a[2]), f.value<int64_t>(a[3]),
                      f.value<int64_t>(a[4]), f.value<int64_t>(a[5]), f.value<int64_t>(a[6]), f.value<int64_t>(a[7]),
                      f.value<int64_t>(a[8]), f.value<int64_t>(a[9]), f.value<int64_t>(a[10]),
                      f.value<int64_t>(a[11]), f.value<bool>(a[12]));
  });
}

// (theta, Y, N, r, d0, d1, d2, align)
bool eval_affine_grid(const Call& c, const Frame& f) {
  return with_type<IsFlt>(arg_type(c, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::affine_grid<T>(f.in_ptr<T>(a[0]), f.out_ptr<T>(a[1]), f.value<int64_t>(a[2]), f.value<int64_t>(a[3]),
                      f.value<int64_t>(a[4]), f.value<int64_t>(a[5]), f.value<int64_t>(a[6]), f.value<bool>(a[7]));
  });
}

// (X, rois, batch, Y, N, C, H, W, R, oh, ow, sampling_ratio, spatial_scale, half_pixel, max)
bool eval_roi_align(const Call& c, const Frame& f) {
  return with_type<IsFlt>(arg_type(c, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::roi_align<T>(f.in_ptr<T>(a[0]), f.in_ptr<T>(a[1]), f.in_ptr<int64_t>(a[2]), f.out_ptr<T>(a[3]),
                    f.value<int64_t>(a[4]), f.value<int64_t>(a[5]), f.value<int64_t>(a[6]), f.value<int64_t>(a[7]),
                    f.value<int64_t>(a[8]), f.value<int64_t>(a[9]), f.value<int64_t>(a[10]),
                    f.value<int64_t>(a[11]), f.value<float>(a[12]), f.value<bool>(a[13]), f.value<bool>(a[14]));
  });
}

// (X, W, offset, B, mask, Y, N, C, H, W, OC, OH, OW, KH, KW, sh, sw, dh, dw, ph, pw, group, offset_group)
bool eval_deform_conv(const Call& c, const Frame& f) {
  return with_type<IsFlt>(arg_type(c, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    auto v = [&](size_t i) { return f.value<int64_t>(a[i]); };
    k::deform_conv<T>(f.in_ptr<T>(a[0]), f.in_ptr<T>(a[1]), f.in_ptr<T>(a[2]), f.in_ptr<T>(a[3]), f.in_ptr<T>(a[4]),
                      f.out_ptr<T>(a[5]), v(6), v(7), v(8), v(9), v(10), v(11), v(12), v(13), v(14), v(15), v(16),
                      v(17), v(18), v(19), v(20), v(21), v(22));
  });
}

// The kernel that reads its output's shape from run-time values: never folded (a constant
// value takes the op's static lowering, so nothing it computes can fold).
bool eval_affine_grid_data(const Call&, const Frame&) { return false; }

}  // namespace o2c
