// Upsample (opset 7-9) and Resize (opset 10+). The arithmetic (output dims, every output
// coordinate's input taps and weights) is templates/resize.hpp's, after the ONNX reference
// implementation. With constant scales/sizes (and roi for tf_crop_and_resize) the compiler
// computes the taps: nearest (and any interpolation that degenerates to one tap per dim) runs
// k::table_copy, linear, cubic and antialiased modes k::resize_interp with double weights. When
// one of them arrives at run time, k::resize_data computes the output's dims (each at most
// --max OUTPUT=N, or what the constants give) and the taps into the node's scratch.
#include <algorithm>
#include <cmath>
#include <set>

#include "ir/limits.hpp"
#include "ops/helpers.hpp"
#include "ops/shape_data.hpp"

namespace o2c {
namespace {

// Upsample-7 takes its scales as an attribute, Upsample-9 as an input. The modes are
// checked in resize_attrs (Upsample also accepts "bilinear", its version 1 spelling).
struct UpsampleAttrs {
  std::string mode = "nearest";
  std::vector<float> scales;
  template <class V>
  void fields(V& v) {
    v("mode", mode);
    if (v.version < 9) v.required("scales", scales);
  }
};

// Resize-10 has only `mode`; 11 adds the coordinate mapping and the cubic and nearest
// parameters, 18 antialias, axes and keep_aspect_ratio_policy.
struct ResizeAttrs {
  std::string mode = "nearest";
  std::string coordinate_transformation_mode = "half_pixel";
  float cubic_coeff_a = -0.75f;
  bool exclude_outside = false;
  float extrapolation_value = 0.0f;
  std::string nearest_mode = "round_prefer_floor";
  bool antialias = false;
  std::vector<int64_t> axes;
  std::string keep_aspect_ratio_policy = "stretch";
  template <class V>
  void fields(V& v) {
    v("mode", mode);
    if (v.version < 11) return;
    v("coordinate_transformation_mode", coordinate_transformation_mode);
    v("cubic_coeff_a", cubic_coeff_a);
    v("exclude_outside", exclude_outside);
    v("extrapolation_value", extrapolation_value);
    v("nearest_mode", nearest_mode);
    if (v.version < 18) return;
    v("antialias", antialias);
    v("axes", axes);
    v("keep_aspect_ratio_policy", keep_aspect_ratio_policy);
  }
};

// The attributes as templates/resize.hpp's codes, the resized dims, and which inputs give the
// scales, sizes and roi (-1: none; an empty tensor counts as none).
struct ResizeParams {
  k::ResizeSpec spec{};
  double extrap = 0;               // extrapolation_value (tf_crop_and_resize)
  std::vector<int64_t> axes;       // the resized dims, in the order scales/sizes/roi give them
  std::vector<double> attr_scales; // Upsample-7
  int scales_in = -1, sizes_in = -1, roi_in = -1;
};

int code_of(OpCtx& c, const std::string& v, const std::vector<std::string>& names, const char* what) {
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == v) return static_cast<int>(i);
  c.unsupported(std::string(what) + " " + quote_name(v));
}

bool given(OpCtx& c, size_t i) { return c.has_in(i) && numel(c.shape(i)) > 0; }

ResizeParams resize_attrs(OpCtx& c, bool upsample) {
  const int64_t r = c.rank(0);
  if (r == 0) c.fail("cannot resize a scalar");
  ResizeParams p;
  k::ResizeSpec& s = p.spec;
  s.cubic_a = -0.75;
  std::string mode;
  if (upsample || c.version() < 11) {
    s.legacy = true;
    s.coord = k::kCoordAsymmetric;
    if (upsample && c.version() < 7) c.unsupported("Upsample before opset 7");
    if (upsample && c.version() < 9) {
      c.arity(1, 1);
      const UpsampleAttrs ua = c.attrs<UpsampleAttrs>();
      mode = ua.mode;
      p.attr_scales.assign(ua.scales.begin(), ua.scales.end());
    } else {
      c.arity(2, 2);
      mode = upsample ? c.attrs<UpsampleAttrs>().mode : c.attrs<ResizeAttrs>().mode;
      p.scales_in = 1;
    }
    if (upsample && mode == "bilinear") mode = "linear";
    if (mode == "cubic") c.unsupported("mode " + quote_name(mode));
  } else {
    const ResizeAttrs ra = c.attrs<ResizeAttrs>();
    mode = ra.mode;
    s.coord = code_of(c, ra.coordinate_transformation_mode,
                      {"half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric",
                       "tf_half_pixel_for_nn", "tf_crop_and_resize"},
                      "coordinate_transformation_mode");
    s.nearest = code_of(c, ra.nearest_mode, {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"}, "nearest_mode");
    s.exclude_outside = ra.exclude_outside;
    s.cubic_a = ra.cubic_coeff_a;
    s.antialias = ra.antialias;
    p.extrap = ra.extrapolation_value;
    if (s.antialias && mode == "nearest") c.fail("antialias is not defined for mode 'nearest'");
    if (given(c, 2)) p.scales_in = 2;
    if (given(c, 3)) p.sizes_in = 3;
    if ((p.scales_in < 0) == (p.sizes_in < 0)) c.fail("exactly one of scales and sizes must be given (and non-empty)");
    if (p.sizes_in >= 0)
      s.policy = code_of(c, ra.keep_aspect_ratio_policy, {"stretch", "not_larger", "not_smaller"}, "keep_aspect_ratio_policy");
    if (s.coord == k::kCoordTfCropAndResize) {
      if (!c.has_in(1)) c.fail("tf_crop_and_resize needs roi");
      p.roi_in = 1;
    }
    std::set<int64_t> seen;
    for (int64_t a : ra.axes) {
      const int64_t n = c.axis(a, r);
      if (!seen.insert(n).second) c.fail("axis " + std::to_string(a) + " is repeated");
      p.axes.push_back(n);
    }
  }
  s.mode = code_of(c, mode, {"nearest", "linear", "cubic"}, "mode");
  if (p.axes.empty())  // no axes attribute: every dim
    for (int64_t i = 0; i < r; ++i) p.axes.push_back(i);
  const int64_t na = static_cast<int64_t>(p.axes.size());
  auto count = [&](int in, const char* what, int64_t want) {
    if (in < 0) return;
    if (numel(c.shape(static_cast<size_t>(in))) != want)
      c.fail(std::string(what) + " has " + std::to_string(numel(c.shape(static_cast<size_t>(in)))) + " entries, expected " +
             std::to_string(want));
  };
  count(p.scales_in, "scales", na);
  count(p.sizes_in, "sizes", na);
  count(p.roi_in, "roi", 2 * na);
  if (!p.attr_scales.empty() && static_cast<int64_t>(p.attr_scales.size()) != na)
    c.fail("scales has " + std::to_string(p.attr_scales.size()) + " entries, expected " + std::to_string(na));
  return p;
}

// Whether the scales, sizes or roi arrive at run time (then k::resize_data runs).
bool resize_from_data(OpCtx& c, const ResizeParams& p) {
  for (int i : {p.scales_in, p.sizes_in, p.roi_in})
    if (i >= 0 && values_at_run_time(c, static_cast<size_t>(i))) return true;
  return false;
}

std::vector<double> float_list(const Tensor& t) {
  std::vector<double> v(static_cast<size_t>(t.numel()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = t.float_at(static_cast<int64_t>(i));
  return v;
}

// The output's dims and each dim's scale from constant scales or sizes.
struct ResizeShape {
  Shape out;
  std::vector<double> scale;
};
ResizeShape resize_shape(OpCtx& c, const ResizeParams& p) {
  const Shape& in = c.shape(0);
  ResizeShape rs;
  rs.out.resize(in.size());
  rs.scale.resize(in.size());
  std::vector<double> scales = p.attr_scales;
  std::vector<int64_t> sizes;
  if (p.scales_in >= 0) scales = float_list(c.require_const(static_cast<size_t>(p.scales_in), "scales"));
  if (p.sizes_in >= 0) sizes = c.require_const(static_cast<size_t>(p.sizes_in), "sizes").to_ints();
  const int rc = k::resize_shape(p.spec, in.data(), static_cast<int64_t>(in.size()), scales.empty() ? nullptr : scales.data(),
                                 sizes.data(), p.axes.data(), static_cast<int64_t>(p.axes.size()), rs.out.data(),
                                 rs.scale.data());
  if (rc == k::kResizeBadScale) c.fail("scales must be positive and finite");
  if (rc == k::kResizeBadSize) c.fail("sizes must not be negative");
  if (rc == k::kResizeEmptyDim) c.unsupported("resizing an empty dim");
  if (rc == k::kResizeTooLarge) c.fail("the output would be too large");
  return rs;
}

// ---- scales, sizes or roi at run time ---------------------------------------------------------

// The most each output dim can be: --max OUTPUT=N where the scales or sizes arrive at run time
// (nothing else bounds them), else what the constant ones give; at least the input's dims.
int64_t resize_data_bound(OpCtx& c, const ResizeParams& p) {
  if (c.in(0).dynamic()) c.unsupported("Resize of run-time dims with scales, sizes or roi known only at run time");
  const int64_t in_most = largest_dim(c.shape(0));
  for (int i : {p.scales_in, p.sizes_in})
    if (i >= 0 && values_at_run_time(c, static_cast<size_t>(i))) return std::max(user_bound(c, 0, static_cast<size_t>(i)), in_most);
  return std::max(largest_dim(resize_shape(c, p).out), in_most);
}

// The taps every dim can need at its bound: the kernel's scratch holds this many weights and
// as many offsets.
int64_t resize_data_taps(OpCtx& c, const ResizeParams& p, int64_t bound) {
  const Shape& in = c.shape(0);
  std::vector<char> active(in.size(), 0);
  for (int64_t a : p.axes) active[static_cast<size_t>(a)] = 1;
  int64_t cap = 0;
  for (size_t d = 0; d < in.size(); ++d) cap += active[d] ? bound * k::resize_taps_most(p.spec, in[d]) : in[d];
  return cap;
}

std::string spec_code(const k::ResizeSpec& s) {
  return "k::ResizeSpec{" + std::to_string(s.mode) + ", " + std::to_string(s.coord) + ", " + std::to_string(s.nearest) +
         ", " + std::to_string(s.policy) + ", " + (s.legacy ? "true" : "false") + ", " +
         (s.exclude_outside ? "true" : "false") + ", " + (s.antialias ? "true" : "false") + ", " + lit_f64(s.cubic_a) + "}";
}

struct ResizePlan {
  bool table = true;     // k::table_copy, else k::resize_interp
  Tensor tab;            // int64 offsets
  Tensor wt;             // double weights (interp)
  k::TableMap tmap{};
  k::InterpMap imap{};
  double fill = 0;
};

// One dim's taps (k::resize_axis_taps): `taps` offsets and weights per output index.
struct DimTaps {
  int64_t taps = 1;
  std::vector<int64_t> off;  // out * taps element offsets; off[i * taps] < 0: outside
  std::vector<double> w;     // out * taps weights
};

ResizePlan resize_plan(OpCtx& c, bool upsample) {
  const ResizeParams p = resize_attrs(c, upsample);
  const ResizeShape rs = resize_shape(c, p);
  const Shape& in = c.shape(0);
  const int64_t rank = static_cast<int64_t>(in.size()), na = static_cast<int64_t>(p.axes.size());
  std::vector<double> roi(static_cast<size_t>(2 * rank), 0.0);  // per dim: starts then ends
  for (int64_t d = 0; d < rank; ++d) roi[static_cast<size_t>(rank + d)] = 1.0;
  if (p.roi_in >= 0) {
    const std::vector<double> given_roi = float_list(c.require_const(1, "roi"));
    for (int64_t i = 0; i < na; ++i) {
      roi[static_cast<size_t>(p.axes[static_cast<size_t>(i)])] = given_roi[static_cast<size_t>(i)];
      roi[static_cast<size_t>(rank + p.axes[static_cast<size_t>(i)])] = given_roi[static_cast<size_t>(na + i)];
    }
  }
  auto st = strides_of(in);
  std::vector<DimTaps> dims;
  bool all_single = true;
  for (size_t d = 0; d < in.size(); ++d) {
    const int64_t out = rs.out[d];
    if (out > 0 && in[d] == 0) c.fail("cannot resize an empty dim to a non-empty one");
    const bool active = std::count(p.axes.begin(), p.axes.end(), static_cast<int64_t>(d)) > 0;
    DimTaps t;
    const int64_t most = active ? k::resize_taps(p.spec, rs.scale[d]) : 1;
    if (out > 0 && most > kMaxComputedBytes / 16 / out)  // offsets and weights
      c.unsupported("the taps of dim " + std::to_string(d) + " (" + std::to_string(out) + " x " + std::to_string(most) +
                    ") would take more than " + std::to_string(kMaxComputedBytes >> 20) + " MiB");
    t.off.resize(static_cast<size_t>(out * most));
    t.w.resize(t.off.size());
    t.taps = k::resize_axis_taps(p.spec, active, rs.scale[d], roi[d], roi[static_cast<size_t>(rank) + d], in[d], out, st[d],
                                 t.off.data(), t.w.data());
    if (t.taps == 0) c.fail("non-finite input coordinate; check scales/roi");
    t.off.resize(static_cast<size_t>(out * t.taps));
    t.w.resize(t.off.size());
    if (t.taps != 1) all_single = false;
    dims.push_back(std::move(t));
  }
  ResizePlan r;
  r.fill = p.extrap;
  if (all_single) {
    std::vector<std::vector<int64_t>> tabs;
    for (auto& t : dims) tabs.push_back(t.off);
    r.tab = table_plan(in, std::move(tabs), r.tmap);
    return r;
  }
  r.table = false;
  // Merge runs of unchanged dims (one tap reading i * stride), drop size-1 dims reading 0.
  std::vector<DimTaps> keep;
  bool prev_identity = false;
  for (size_t d = 0; d < dims.size(); ++d) {
    DimTaps& t = dims[d];
    bool identity = t.taps == 1 && static_cast<int64_t>(t.off.size()) == in[d];
    for (size_t i = 0; i < t.off.size() && identity; ++i)
      if (t.off[i] != static_cast<int64_t>(i) * st[d]) identity = false;
    if (t.taps == 1 && t.off.size() == 1 && t.off[0] == 0) continue;
    if (identity && prev_identity) {
      const int64_t n = static_cast<int64_t>(keep.back().off.size() * t.off.size());
      keep.back().off.resize(static_cast<size_t>(n));
      keep.back().w.assign(static_cast<size_t>(n), 1.0);
      for (int64_t i = 0; i < n; ++i) keep.back().off[static_cast<size_t>(i)] = i * st[d];
    } else {
      keep.push_back(t);
    }
    prev_identity = identity;
  }
  if (keep.size() > static_cast<size_t>(k::kMaxRank))
    c.unsupported("resizing tensors of more than 8 (merged) dims");
  r.imap.rank = static_cast<int>(keep.size());
  int64_t total = 0;
  for (size_t d = 0; d < keep.size(); ++d) {
    r.imap.dims[d] = static_cast<int64_t>(keep[d].off.size()) / keep[d].taps;
    r.imap.taps[d] = keep[d].taps;
    r.imap.off[d] = total;
    total += static_cast<int64_t>(keep[d].off.size());
  }
  r.tab = Tensor(DType::Int64, {total});
  r.wt = Tensor(DType::Double, {total});
  int64_t* po = r.tab.data<int64_t>();
  double* pw = r.wt.data<double>();
  for (auto& t : keep) {
    po = std::copy(t.off.begin(), t.off.end(), po);
    pw = std::copy(t.w.begin(), t.w.end(), pw);
  }
  return r;
}

std::string interp_code(const k::InterpMap& m) {
  return "k::InterpMap{" + std::to_string(m.rank) + ", " + lit_array(m.dims, m.rank) + ", " +
         lit_array(m.taps, m.rank) + ", " + lit_array(m.off, m.rank) + "}";
}

void infer_resize(OpCtx& c, bool upsample) {
  const ResizeParams p = resize_attrs(c, upsample);
  if (p.spec.mode != k::kResizeNearest) {
    const DType t = c.dtype(0);
    if (t != DType::Float && t != DType::Double)
      c.unsupported(std::string("mode ") + (p.spec.mode == k::kResizeLinear ? "'linear'" : "'cubic'") + " on " +
                    dtype_name(t) + " (only float and double interpolate)");
  }
  if (resize_from_data(c, p)) {
    const int64_t bound = resize_data_bound(c, p);
    c.set_out_dims(0, c.dtype(0), data_dims(c, 0, std::vector<int64_t>(c.shape(0).size(), bound)));
    c.set_scratch(resize_data_taps(c, p, bound) * static_cast<int64_t>(sizeof(double) + sizeof(int64_t)));
    return;
  }
  c.set_out(0, c.dtype(0), resize_shape(c, p).out);
}

void lower_resize(LowerCtx& c, bool upsample) {
  const ResizeParams p = resize_attrs(c, upsample);
  if (resize_from_data(c, p)) {
    const int64_t bound = resize_data_bound(c, p);
    auto in_or_null = [&](int i, DType t) { return i >= 0 ? c.X(static_cast<size_t>(i)) : null_of(t); };
    c.call("resize_data", {c.X(0), c.Y(0), shape_table(c, c.shape(0)), index(c.rank(0)), in_or_null(p.scales_in, DType::Float),
                           in_or_null(p.sizes_in, DType::Int64), in_or_null(p.roi_in, DType::Float), shape_table(c, Shape(p.axes)),
                           index(static_cast<int64_t>(p.axes.size())), object(p.spec, spec_code(p.spec)), scalar(c.dtype(0), p.extrap),
                           index(bound), index(resize_data_taps(c, p, bound)), c.scratch(DType::Double), dim_outs(c, c.out(0).dims)});
    c.calls.back().status = true;
    return;
  }
  if (numel(c.out(0).shape) == 0) return;
  ResizePlan r = resize_plan(c, upsample);
  const Arg fill = scalar(c.dtype(0), r.fill);
  const Arg tab = c.table(std::move(r.tab));
  if (r.table) c.call("table_copy", {c.X(0), c.Y(0), tab, obj(r.tmap), fill});
  else c.call("resize_interp", {c.X(0), c.Y(0), tab, c.table(std::move(r.wt)), object(r.imap, interp_code(r.imap)), fill});
}

void infer_Upsample(OpCtx& c) { infer_resize(c, true); }
void lower_Upsample(LowerCtx& c) { lower_resize(c, true); }
void infer_Resize(OpCtx& c) { infer_resize(c, false); }
void lower_Resize(LowerCtx& c) { lower_resize(c, false); }

}  // namespace

O2C_DEFINE_OP(Upsample, infer_Upsample, lower_Upsample);
O2C_DEFINE_OP(Resize, infer_Resize, lower_Resize);

}  // namespace o2c
