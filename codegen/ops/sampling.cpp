// Sampling at computed coordinates: GridSample, AffineGrid, RoiAlign, DeformConv
// (templates/sampling.hpp),
// following the spec's reference implementations (onnx/reference/ops/op_grid_sample.py,
// op_affine_grid.py, op_roi_align.py, op_deform_conv.py).
#include "ops/helpers.hpp"
#include "ops/shape_data.hpp"

namespace o2c {
namespace {

// GridSample-16 names its modes bilinear/nearest/bicubic, 20 linear/nearest/cubic.
struct GridSampleAttrs {
  int64_t align_corners = 0;
  std::string mode = "linear";
  std::string padding_mode = "zeros";
  template <class V>
  void fields(V& v) {
    if (v.version < 20) mode = "bilinear";
    v("align_corners", align_corners);
    v("mode", mode);
    v("padding_mode", padding_mode);
  }
};

int64_t grid_sample_mode(OpCtx& c, const std::string& m) {
  const bool v16 = c.version() < 20;
  if (m == "nearest") return 0;
  if (m == (v16 ? "bilinear" : "linear")) return 1;
  if (m == (v16 ? "bicubic" : "cubic")) return 2;
  c.unsupported("mode " + quote_name(m));
}

int64_t grid_sample_pad(OpCtx& c, const std::string& p) {
  if (p == "zeros") return 0;
  if (p == "border") return 1;
  if (p == "reflection") return 2;
  c.unsupported("padding_mode " + quote_name(p));
}

void infer_GridSample(OpCtx& c) {
  const auto a = c.attrs<GridSampleAttrs>();
  const int64_t mode = grid_sample_mode(c, a.mode);
  grid_sample_pad(c, a.padding_mode);
  const Shape& x = c.shape(0);
  const Shape& g = c.shape(1);
  const int64_t r = static_cast<int64_t>(x.size()) - 2;
  if (r < 1) c.fail("X must have rank >= 3");
  if (c.version() < 20 && r != 2) c.fail("X must be 4-D before opset 20");
  if (r > 3) c.unsupported("more than 3 spatial dims");
  if (mode == 2 && r != 2) c.unsupported("cubic mode with other than 2 spatial dims");
  if (static_cast<int64_t>(g.size()) != r + 2 || g[0] != x[0] || g.back() != r)
    c.fail("grid must have shape [N, out spatial dims..., " + std::to_string(r) + "]");
  if ((c.dtype(0) == DType::Double) != (c.dtype(1) == DType::Double))
    c.unsupported("X and grid of different precisions");
  for (int64_t i = 2; i < r + 2; ++i)
    if (x[static_cast<size_t>(i)] == 0 && numel(g) > 0) c.fail("sampling an empty spatial dim");
  Shape y = {x[0], x[1]};
  y.insert(y.end(), g.begin() + 1, g.end() - 1);
  c.set_out(0, c.dtype(0), y);
}

void lower_GridSample(LowerCtx& c) {
  const auto a = c.attrs<GridSampleAttrs>();
  const Shape& x = c.shape(0);
  const Shape& g = c.shape(1);
  const int64_t r = static_cast<int64_t>(x.size()) - 2;
  int64_t d[3] = {1, 1, 1};
  for (int64_t i = 0; i < r; ++i) d[i] = x[static_cast<size_t>(i + 2)];
  int64_t P = 1;
  for (size_t i = 1; i + 1 < g.size(); ++i) P *= g[i];
  c.call("grid_sample", {c.X(0), c.X(1), c.Y(0), index(x[0]), index(x[1]), index(r), index(d[0]), index(d[1]),
                         index(d[2]), index(P), index(grid_sample_mode(c, a.mode)),
                         index(grid_sample_pad(c, a.padding_mode)), boolean(a.align_corners != 0)});
}

struct AffineGridAttrs {
  int64_t align_corners = 0;
  O2C_FIELDS(align_corners)
};

// size = [N, C, H, W] or [N, C, D, H, W]: theta [N, r, r + 1] with r = 2 or 3.
int64_t affine_rank(OpCtx& c) {
  if (c.rank(1) != 1 || (c.shape(1)[0] != 4 && c.shape(1)[0] != 5)) c.fail("size must have 4 or 5 elements");
  const int64_t r = c.shape(1)[0] - 2;
  const Shape& t = c.shape(0);
  if (t.size() != 3 || t[1] != r || t[2] != r + 1)
    c.fail("theta must have shape [N, " + std::to_string(r) + ", " + std::to_string(r + 1) + "]");
  return r;
}

// The size, a compile-time constant.
std::vector<int64_t> affine_size(OpCtx& c) {
  affine_rank(c);
  const std::vector<int64_t> s = c.require_const(1, "size").to_ints();
  for (int64_t v : s)
    if (v < 0) c.fail("size must not be negative");
  if (c.shape(0)[0] != s[0]) c.fail("theta must have shape [" + std::to_string(s[0]) + ", ...] (size[0])");
  return s;
}

// A size known only at run time: the grid's dims at most --max OUTPUT=N (templates/shape_data.hpp).
bool affine_size_from_data(OpCtx& c) { return values_at_run_time(c, 1); }
int64_t affine_data_bound(OpCtx& c) { return std::max(user_bound(c, 0, 1), largest_dim(c.shape(0))); }

void infer_AffineGrid(OpCtx& c) {
  c.attrs<AffineGridAttrs>();
  if (affine_size_from_data(c)) {
    const int64_t r = affine_rank(c);
    data_count(c, 1, "size", 5);
    std::vector<int64_t> bounds(static_cast<size_t>(r + 2), affine_data_bound(c));  // [N, (D,) H, W, r]
    bounds.front() = c.shape(0)[0];
    bounds.back() = r;
    return c.set_out_dims(0, c.dtype(0), data_dims(c, 0, bounds));
  }
  const std::vector<int64_t> s = affine_size(c);
  Shape y = {s[0]};
  y.insert(y.end(), s.begin() + 2, s.end());
  y.push_back(static_cast<int64_t>(s.size()) - 2);
  c.set_out(0, c.dtype(0), y);
}

void lower_AffineGrid(LowerCtx& c) {
  const auto a = c.attrs<AffineGridAttrs>();
  if (affine_size_from_data(c)) {
    c.call("affine_grid_data", {c.X(0), c.Y(0), index(c.shape(0)[0]), index(affine_rank(c)), c.X(1),
                                boolean(a.align_corners != 0), index(affine_data_bound(c)), dim_outs(c, c.out(0).dims)});
    c.calls.back().status = true;
    return;
  }
  const std::vector<int64_t> s = affine_size(c);
  const int64_t r = static_cast<int64_t>(s.size()) - 2;
  const int64_t d0 = r == 3 ? s[2] : 1;
  c.call("affine_grid", {c.X(0), c.Y(0), index(s[0]), index(r), index(d0), index(s[s.size() - 2]),
                         index(s[s.size() - 1]), boolean(a.align_corners != 0)});
}

// RoiAlign-10 maps coordinates as output_half_pixel; 16 adds coordinate_transformation_mode.
struct RoiAlignAttrs {
  std::string coordinate_transformation_mode = "half_pixel";
  std::string mode = "avg";
  int64_t output_height = 1, output_width = 1, sampling_ratio = 0;
  float spatial_scale = 1.0f;
  template <class V>
  void fields(V& v) {
    if (v.version >= 16) v("coordinate_transformation_mode", coordinate_transformation_mode);
    else coordinate_transformation_mode = "output_half_pixel";
    v("mode", mode);
    v("output_height", output_height);
    v("output_width", output_width);
    v("sampling_ratio", sampling_ratio);
    v("spatial_scale", spatial_scale);
  }
};

RoiAlignAttrs roi_align_attrs(OpCtx& c) {
  const auto a = c.attrs<RoiAlignAttrs>();
  if (a.mode != "avg" && a.mode != "max") c.unsupported("mode " + quote_name(a.mode));
  if (a.coordinate_transformation_mode != "half_pixel" && a.coordinate_transformation_mode != "output_half_pixel")
    c.unsupported("coordinate_transformation_mode " + quote_name(a.coordinate_transformation_mode));
  if (a.output_height <= 0 || a.output_width <= 0) c.fail("output_height and output_width must be positive");
  if (a.sampling_ratio < 0) c.fail("sampling_ratio must not be negative");
  return a;
}

void infer_RoiAlign(OpCtx& c) {
  const auto a = roi_align_attrs(c);
  const Shape& x = c.shape(0);
  const Shape& rois = c.shape(1);
  const Shape& b = c.shape(2);
  if (x.size() != 4) c.fail("X must be 4-D");
  if (rois.size() != 2 || rois[1] != 4) c.fail("rois must have shape [num_rois, 4]");
  if (b.size() != 1 || b[0] != rois[0]) c.fail("batch_indices must have shape [num_rois]");
  if ((x[2] == 0 || x[3] == 0) && rois[0] > 0 && x[1] > 0) c.unsupported("an empty X with rois");
  c.same_type(0, 1);
  c.set_out(0, c.dtype(0), {rois[0], x[1], a.output_height, a.output_width});
}

void lower_RoiAlign(LowerCtx& c) {
  const auto a = roi_align_attrs(c);
  const Shape& x = c.shape(0);
  c.call("roi_align", {c.X(0), c.X(1), c.X(2), c.Y(0), index(x[0]), index(x[1]), index(x[2]), index(x[3]),
                       index(c.shape(1)[0]), index(a.output_height), index(a.output_width), index(a.sampling_ratio),
                       f32(a.spatial_scale), boolean(a.coordinate_transformation_mode == "half_pixel"),
                       boolean(a.mode == "max")});
}

struct DeformConvAttrs {
  std::vector<int64_t> dilations, kernel_shape, pads, strides;
  int64_t group = 1, offset_group = 1;
  O2C_FIELDS(dilations, group, kernel_shape, offset_group, pads, strides)
};

// The 2-D geometry: {KH, KW, sh, sw, dh, dw, ph, pw, OH, OW}.
struct DeformGeom {
  int64_t KH, KW, sh, sw, dh, dw, ph, pw, OH, OW;
};

DeformGeom deform_geom(OpCtx& c) {
  const auto a = c.attrs<DeformConvAttrs>();
  const Shape& x = c.shape(0);
  const Shape& w = c.shape(1);
  if (x.size() < 3) c.fail("X must have rank >= 3");
  if (x.size() != 4) c.unsupported("other than 2 spatial dims");
  if (w.size() != 4) c.fail("W must be 4-D");
  if (a.group <= 0 || a.offset_group <= 0) c.fail("group and offset_group must be positive");
  if (x[1] != w[1] * a.group || w[0] % a.group != 0) c.fail("X, W and group disagree on the channels");
  if (x[1] % a.offset_group != 0) c.fail("offset_group must divide the input channels");
  auto pick = [&](const std::vector<int64_t>& v, size_t n, int64_t dflt, const char* name) {
    if (v.empty()) return std::vector<int64_t>(n, dflt);
    if (v.size() != n) c.fail(std::string(name) + " must have " + std::to_string(n) + " entries");
    return v;
  };
  const auto ks = pick(a.kernel_shape, 2, 0, "kernel_shape");
  const auto st = pick(a.strides, 2, 1, "strides");
  const auto dl = pick(a.dilations, 2, 1, "dilations");
  const auto pd = pick(a.pads, 4, 0, "pads");
  DeformGeom g{a.kernel_shape.empty() ? w[2] : ks[0], a.kernel_shape.empty() ? w[3] : ks[1], st[0], st[1], dl[0], dl[1],
               pd[0], pd[1], 0, 0};
  if (g.KH != w[2] || g.KW != w[3]) c.fail("kernel_shape must match W");
  if (g.sh <= 0 || g.sw <= 0 || g.dh <= 0 || g.dw <= 0) c.fail("strides and dilations must be positive");
  for (int64_t p : pd)
    if (p < 0) c.fail("pads must not be negative");
  g.OH = (x[2] + pd[0] + pd[2] - ((g.KH - 1) * g.dh + 1)) / g.sh + 1;
  g.OW = (x[3] + pd[1] + pd[3] - ((g.KW - 1) * g.dw + 1)) / g.sw + 1;
  if (g.OH <= 0 || g.OW <= 0) c.fail("the kernel is larger than the padded input");
  const int64_t K = g.KH * g.KW;
  if (c.shape(2) != Shape{x[0], a.offset_group * K * 2, g.OH, g.OW})
    c.fail("offset must have shape [N, offset_group * KH * KW * 2, OH, OW]");
  if (c.has_in(3) && numel(c.shape(3)) != w[0]) c.fail("B must have one element per output channel");
  if (c.has_in(4) && c.shape(4) != Shape{x[0], a.offset_group * K, g.OH, g.OW})
    c.fail("mask must have shape [N, offset_group * KH * KW, OH, OW]");
  return g;
}

void infer_DeformConv(OpCtx& c) {
  const DeformGeom g = deform_geom(c);
  c.set_out(0, c.dtype(0), {c.shape(0)[0], c.shape(1)[0], g.OH, g.OW});
}

void lower_DeformConv(LowerCtx& c) {
  const DeformGeom g = deform_geom(c);
  const auto a = c.attrs<DeformConvAttrs>();
  const Shape& x = c.shape(0);
  c.call("deform_conv", {c.X(0), c.X(1), c.X(2), c.has_in(3) ? c.X(3) : null_of(c.dtype(0)),
                         c.has_in(4) ? c.X(4) : null_of(c.dtype(0)), c.Y(0), index(x[0]), index(x[1]), index(x[2]),
                         index(x[3]), index(c.shape(1)[0]), index(g.OH), index(g.OW), index(g.KH), index(g.KW),
                         index(g.sh), index(g.sw), index(g.dh), index(g.dw), index(g.ph), index(g.pw),
                         index(a.group), index(a.offset_group)});
}

}  // namespace
O2C_DEFINE_OP(GridSample, infer_GridSample, lower_GridSample);
O2C_DEFINE_OP(AffineGrid, infer_AffineGrid, lower_AffineGrid);
O2C_DEFINE_OP(RoiAlign, infer_RoiAlign, lower_RoiAlign);
O2C_DEFINE_OP(DeformConv, infer_DeformConv, lower_DeformConv);
}  // namespace o2c
