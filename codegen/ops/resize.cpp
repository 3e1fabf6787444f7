// Upsample (opset 7-9) and Resize (opset 10+). Scales/sizes (and roi for tf_crop_and_resize)
// must be compile-time constants; every output coordinate's input taps and weights are then
// computed here, following the ONNX reference implementation (onnx/reference/ops/op_resize.py):
//   x_original from coordinate_transformation_mode, in double precision;
//   the n taps are the n input indices nearest to x_original (ties to the smaller index),
//   limited to the input edge-padded by ceil(n/2); reads clamp to the input (edge padding);
//   exclude_outside zeroes taps outside the input and renormalizes.
// nearest (and any interpolation that degenerates to one tap per dim) runs k::table_copy;
// linear, cubic and antialiased modes run k::resize_interp with double weights.
// Upsample and Resize-10 follow onnxruntime: asymmetric coordinates; nearest rounds down when
// upsampling and up when downsampling.
#include <algorithm>
#include <cmath>
#include <set>

#include "ops/helpers.hpp"

namespace o2c {
namespace {

struct ResizeParams {
  std::string mode;          // nearest | linear | cubic
  std::string ctm;           // coordinate_transformation_mode
  std::string nearest_mode;  // round_prefer_floor | round_prefer_ceil | floor | ceil
  bool legacy = false;       // Upsample, Resize-10
  bool exclude_outside = false;
  bool antialias = false;
  double extrap = 0;         // extrapolation_value (tf_crop_and_resize)
  double cubic_a = -0.75;
  std::vector<char> active;  // per dim: resized (in axes)
  std::vector<double> scale; // per dim
  std::vector<double> roi;   // 2 * rank: starts then ends (tf_crop_and_resize)
  Shape out;
};

// Upsample-7 takes its scales as an attribute, Upsample-9 as an input. The modes are
// checked in resize_params (Upsample also accepts "bilinear", its version 1 spelling).
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

std::vector<double> float_list(const Tensor& t) {
  std::vector<double> v(static_cast<size_t>(t.numel()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = t.float_at(static_cast<int64_t>(i));
  return v;
}

ResizeParams resize_params(OpCtx& c, bool upsample) {
  const Shape& in = c.shape(0);
  const int64_t r = static_cast<int64_t>(in.size());
  if (r == 0) c.fail("cannot resize a scalar");
  UpsampleAttrs ua;
  ResizeAttrs ra;
  if (upsample) ua = c.attrs<UpsampleAttrs>();
  else ra = c.attrs<ResizeAttrs>();
  ResizeParams p;
  p.mode = upsample ? ua.mode : ra.mode;
  p.active.assign(static_cast<size_t>(r), 1);
  p.scale.assign(static_cast<size_t>(r), 1.0);
  p.out = in;
  if (upsample && p.mode == "bilinear") p.mode = "linear";
  if (p.mode != "nearest" && p.mode != "linear" && (p.mode != "cubic" || upsample || c.version() < 11))
    c.unsupported("mode " + quote_name(p.mode));

  std::vector<double> scales;
  std::vector<int64_t> sizes;
  std::vector<int64_t> axes;
  if (upsample || c.version() < 11) {
    p.legacy = true;
    p.ctm = "asymmetric";
    if (upsample && c.version() < 7) c.unsupported("Upsample before opset 7");
    if (upsample && c.version() < 9) {
      c.arity(1, 1);
      scales.assign(ua.scales.begin(), ua.scales.end());
    } else {
      c.arity(2, 2);
      scales = float_list(c.require_const(1, "scales"));
    }
  } else {
    p.ctm = ra.coordinate_transformation_mode;
    p.nearest_mode = ra.nearest_mode;
    p.exclude_outside = ra.exclude_outside;
    p.extrap = ra.extrapolation_value;
    p.cubic_a = ra.cubic_coeff_a;
    p.antialias = ra.antialias;
    static const std::set<std::string> ctms = {
        "half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners",
        "asymmetric", "tf_half_pixel_for_nn", "tf_crop_and_resize"};
    if (!ctms.count(p.ctm)) c.unsupported("coordinate_transformation_mode " + quote_name(p.ctm));
    static const std::set<std::string> nms = {"round_prefer_floor", "round_prefer_ceil", "floor",
                                              "ceil"};
    if (!nms.count(p.nearest_mode)) c.unsupported("nearest_mode " + quote_name(p.nearest_mode));
    if (p.antialias && p.mode == "nearest") c.fail("antialias is not defined for mode 'nearest'");
    if (c.has_in(2)) {
      const Tensor& t = c.require_const(2, "scales");
      if (t.numel() > 0) scales = float_list(t);
    }
    if (c.has_in(3)) {
      const Tensor& t = c.require_const(3, "sizes");
      if (t.numel() > 0) sizes = t.to_ints();
    }
    if (scales.empty() == sizes.empty())
      c.fail("exactly one of scales and sizes must be given (and non-empty)");
    if (!ra.axes.empty()) {
      std::set<int64_t> seen;
      for (int64_t a : ra.axes) {
        const int64_t n = c.axis(a, r);
        if (!seen.insert(n).second) c.fail("axis " + std::to_string(a) + " is repeated");
        axes.push_back(n);
      }
    }
  }
  if (axes.empty())
    for (int64_t i = 0; i < r; ++i) axes.push_back(i);
  else
    for (int64_t d = 0; d < r; ++d)
      p.active[static_cast<size_t>(d)] = std::count(axes.begin(), axes.end(), d) > 0;
  const size_t na = axes.size();

  if (!scales.empty()) {
    if (scales.size() != na)
      c.fail("scales has " + std::to_string(scales.size()) + " entries, expected " + std::to_string(na));
    for (size_t i = 0; i < na; ++i) {
      const size_t d = static_cast<size_t>(axes[i]);
      if (!(scales[i] > 0) || !std::isfinite(scales[i]))
        c.fail("scales must be positive and finite");
      p.scale[d] = scales[i];
      const double o = std::floor(scales[i] * static_cast<double>(in[d]));
      if (o > 1e12) c.fail("the output would be too large");
      p.out[d] = static_cast<int64_t>(o);
    }
  } else {
    if (sizes.size() != na)
      c.fail("sizes has " + std::to_string(sizes.size()) + " entries, expected " + std::to_string(na));
    for (size_t i = 0; i < na; ++i) {
      const size_t d = static_cast<size_t>(axes[i]);
      if (sizes[i] < 0) c.fail("sizes must not be negative");
      if (in[d] == 0) c.unsupported("resizing an empty dim");
      p.out[d] = sizes[i];
      p.scale[d] = static_cast<double>(sizes[i]) / static_cast<double>(in[d]);
    }
    const std::string& policy = ra.keep_aspect_ratio_policy;
    if (policy == "not_larger" || policy == "not_smaller") {
      double s = p.scale[static_cast<size_t>(axes[0])];
      for (int64_t a : axes)
        s = policy == "not_larger" ? std::min(s, p.scale[static_cast<size_t>(a)])
                                   : std::max(s, p.scale[static_cast<size_t>(a)]);
      for (int64_t a : axes) {
        const size_t d = static_cast<size_t>(a);
        p.scale[d] = s;
        p.out[d] = static_cast<int64_t>(s * static_cast<double>(in[d]) + 0.5);
      }
    } else if (policy != "stretch") {
      c.unsupported("keep_aspect_ratio_policy " + quote_name(policy));
    }
  }
  if (p.ctm == "tf_crop_and_resize") {
    const std::vector<double> roi = float_list(c.require_const(1, "roi"));
    if (roi.size() != 2 * na)
      c.fail("roi has " + std::to_string(roi.size()) + " entries, expected " + std::to_string(2 * na));
    p.roi.assign(static_cast<size_t>(2 * r), 0.0);
    for (int64_t d = 0; d < r; ++d) p.roi[static_cast<size_t>(r + d)] = 1.0;
    for (size_t i = 0; i < na; ++i) {
      p.roi[static_cast<size_t>(axes[i])] = roi[i];
      p.roi[static_cast<size_t>(r + axes[i])] = roi[na + i];
    }
  }
  return p;
}

// ---- per-dim taps ---------------------------------------------------------------------------

struct DimTaps {
  int64_t taps = 1;
  std::vector<int64_t> off;  // out * taps element offsets; off[i * taps] < 0: outside
  std::vector<double> w;     // out * taps weights
};

std::vector<double> coeffs_of(const ResizeParams& p, double ratio, double scale) {
  const double A = p.cubic_a;
  if (p.mode == "nearest") {
    const std::string& m = p.nearest_mode;
    if (ratio == 1.0) return {0, 1};
    if (m == "round_prefer_floor") return {ratio <= 0.5 ? 1.0 : 0.0, ratio > 0.5 ? 1.0 : 0.0};
    if (m == "round_prefer_ceil") return {ratio < 0.5 ? 1.0 : 0.0, ratio >= 0.5 ? 1.0 : 0.0};
    if (m == "floor") return {1, 0};
    return {0, 1};
  }
  if (p.mode == "linear") {
    if (!p.antialias) return {1 - ratio, ratio};
    const double s = std::min(scale, 1.0);
    const int64_t start = static_cast<int64_t>(std::floor(-1 / s) + 1);
    const int64_t footprint = 2 - 2 * start;
    std::vector<double> c;
    double sum = 0;
    for (int64_t i = start; i < start + footprint; ++i) {
      const double arg = (static_cast<double>(i) - ratio) * s;
      c.push_back(std::min(std::max(1 - std::fabs(arg), 0.0), 1.0));
      sum += c.back();
    }
    for (double& v : c) v /= sum;
    return c;
  }
  // cubic
  if (!p.antialias) {
    return {((A * (ratio + 1) - 5 * A) * (ratio + 1) + 8 * A) * (ratio + 1) - 4 * A,
            ((A + 2) * ratio - (A + 3)) * ratio * ratio + 1,
            ((A + 2) * (1 - ratio) - (A + 3)) * (1 - ratio) * (1 - ratio) + 1,
            ((A * ((1 - ratio) + 1) - 5 * A) * ((1 - ratio) + 1) + 8 * A) * ((1 - ratio) + 1) -
                4 * A};
  }
  const double s = std::min(scale, 1.0);
  auto kernel = [&](double x) {
    x = std::fabs(x);
    const double x2 = x * x, x3 = x * x2;
    if (x <= 1) return (A + 2) * x3 - (A + 3) * x2 + 1;
    if (x < 2) return A * x3 - 5 * A * x2 + 8 * A * x - 4 * A;
    return 0.0;
  };
  const int64_t i_start = static_cast<int64_t>(std::floor(-2 / s) + 1);
  const int64_t i_end = 2 - i_start;
  std::vector<double> c;
  double sum = 0;
  for (int64_t i = i_start; i < i_end; ++i) {
    c.push_back(kernel(s * (static_cast<double>(i) - ratio)));
    sum += c.back();
  }
  for (double& v : c) v /= sum;
  return c;
}

// The input coordinate of output index x along dim d; false when outside (tf_crop_and_resize).
bool x_original(const ResizeParams& p, size_t d, int64_t in_i, int64_t out_i, int64_t x, double& xo) {
  const double scale = p.scale[d];
  const double in_w = static_cast<double>(in_i);
  const double out_w = scale * in_w;  // as the reference: not rounded
  const double xd = static_cast<double>(x);
  const std::string& m = p.ctm;
  if (m == "half_pixel") {
    xo = (xd + 0.5) / scale - 0.5;
  } else if (m == "half_pixel_symmetric") {
    const double adjustment = static_cast<double>(out_i) / out_w;
    const double center = in_w / 2;
    const double offset = center * (1 - adjustment);
    xo = offset + (xd + 0.5) / scale - 0.5;
  } else if (m == "pytorch_half_pixel") {
    xo = out_w == 1 ? -0.5 : (xd + 0.5) / scale - 0.5;
  } else if (m == "align_corners") {
    xo = out_w == 1 ? 0.0 : xd * (in_w - 1) / (out_w - 1);
  } else if (m == "asymmetric") {
    xo = xd / scale;
  } else if (m == "tf_half_pixel_for_nn") {
    xo = (xd + 0.5) / scale;
  } else {  // tf_crop_and_resize
    const size_t r = p.scale.size();
    const double s = p.roi[d], e = p.roi[r + d];
    if (out_w == 1) xo = (e - s) * (in_w - 1) / 2;
    else xo = xd * (e - s) * (in_w - 1) / (out_w - 1);
    xo += s * (in_w - 1);
    if (xo < 0 || xo > in_w - 1) return false;
  }
  return true;
}

DimTaps dim_taps(OpCtx& c, const ResizeParams& p, size_t d, int64_t in_i, int64_t out_i,
                 int64_t stride) {
  DimTaps t;
  if (!p.active[d]) {  // not in axes: unchanged
    for (int64_t i = 0; i < out_i; ++i) {
      t.off.push_back(i * stride);
      t.w.push_back(1);
    }
    return t;
  }
  if (p.legacy && p.mode == "nearest") {
    for (int64_t x = 0; x < out_i; ++x) {
      const double xo = static_cast<double>(x) / p.scale[d];
      int64_t i = static_cast<int64_t>(p.scale[d] < 1 ? std::ceil(xo) : std::floor(xo));
      i = std::min(std::max<int64_t>(i, 0), in_i - 1);
      t.off.push_back(i * stride);
      t.w.push_back(1);
    }
    return t;
  }
  bool first = true;
  for (int64_t x = 0; x < out_i; ++x) {
    double xo = 0;
    const bool inside = x_original(p, d, in_i, out_i, x, xo);
    if (!std::isfinite(xo)) c.fail("non-finite input coordinate; check scales/roi");
    const double fl = std::floor(xo);
    const bool integral = xo == fl;
    const double ratio = integral ? 1.0 : xo - fl;
    std::vector<double> cf = coeffs_of(p, ratio, p.scale[d]);
    const int64_t n = static_cast<int64_t>(cf.size());
    if (first) {
      t.taps = n;
      first = false;
    } else if (n != t.taps) {
      c.fail("internal: tap count changed along a dim");
    }
    if (!inside) {
      for (int64_t j = 0; j < n; ++j) {
        t.off.push_back(-1);
        t.w.push_back(0);
      }
      continue;
    }
    const int64_t base = static_cast<int64_t>(integral ? fl - 1 : fl);
    const int64_t pad = (n + 1) / 2;
    int64_t s = base - n / 2 + 1;
    s = std::min(std::max(s, -pad), in_i - 1 + pad - n + 1);
    if (p.exclude_outside) {
      double sum = 0;
      for (int64_t j = 0; j < n; ++j) {
        const int64_t idx = s + j;
        if (idx < 0 || idx >= in_i) cf[static_cast<size_t>(j)] = 0;
        sum += cf[static_cast<size_t>(j)];
      }
      for (double& v : cf) v /= sum;
    }
    for (int64_t j = 0; j < n; ++j) {
      const int64_t idx = std::min(std::max<int64_t>(s + j, 0), in_i - 1);
      t.off.push_back(idx * stride);
      t.w.push_back(cf[static_cast<size_t>(j)]);
    }
  }
  // One tap of weight 1 and the rest 0 everywhere (nearest, integral coordinates): one tap.
  if (t.taps > 1) {
    bool single = true;
    std::vector<int64_t> off;
    for (int64_t i = 0; i < out_i && single; ++i) {
      const size_t b = static_cast<size_t>(i * t.taps);
      if (t.off[b] < 0) {
        off.push_back(-1);
        continue;
      }
      int64_t pick = -1;
      for (int64_t j = 0; j < t.taps; ++j) {
        const double w = t.w[b + static_cast<size_t>(j)];
        if (w == 1.0 && pick < 0) pick = j;
        else if (w != 0.0) single = false;
      }
      if (pick < 0) single = false;
      else off.push_back(t.off[b + static_cast<size_t>(pick)]);
    }
    if (single) {
      t.taps = 1;
      t.off = off;
      t.w.assign(off.size(), 1.0);
    }
  }
  return t;
}

struct ResizePlan {
  bool table = true;     // k::table_copy, else k::resize_interp
  Tensor tab;            // int64 offsets
  Tensor wt;             // double weights (interp)
  k::TableMap tmap{};
  k::InterpMap imap{};
  double fill = 0;
};

ResizePlan resize_plan(OpCtx& c, bool upsample) {
  ResizeParams p = resize_params(c, upsample);
  const Shape& in = c.shape(0);
  auto st = strides_of(in);
  std::vector<DimTaps> dims;
  bool all_single = true;
  for (size_t d = 0; d < in.size(); ++d) {
    if (p.out[d] > 0 && in[d] == 0) c.fail("cannot resize an empty dim to a non-empty one");
    dims.push_back(dim_taps(c, p, d, in[d], p.out[d], st[d]));
    if (dims.back().taps != 1) all_single = false;
  }
  ResizePlan r;
  r.fill = p.extrap;
  if (all_single) {
    std::vector<std::vector<int64_t>> tabs;
    for (auto& t : dims) tabs.push_back(t.off);
    r.tab = table_plan(in, tabs, r.tmap);
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
  ResizeParams p = resize_params(c, upsample);
  if (p.mode != "nearest") {
    const DType t = c.dtype(0);
    if (t != DType::Float && t != DType::Double)
      c.unsupported("mode " + quote_name(p.mode) + " on " + dtype_name(t) +
                    " (only float and double interpolate)");
  }
  c.set_out(0, c.dtype(0), p.out);
}

void lower_resize(LowerCtx& c, bool upsample) {
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
