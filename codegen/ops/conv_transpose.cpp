// ConvTranspose: per group one GEMM (W^T X) into a column matrix, scattered into the output
// by col2im (templates/conv_transpose.hpp). Output size from pads/output_padding, or pads
// from output_shape / auto_pad as the ONNX spec describes. Col2Im: the same col2im alone.
#include "ops/helpers.hpp"
#include "ops/shape_data.hpp"
#include "ops/spatial.hpp"

namespace o2c {
namespace {

struct ConvTransposeAttrs {
  WindowAttrs window;
  int64_t group = 1;
  std::vector<int64_t> output_padding, output_shape;
  template <class V>
  void fields(V& v) {
    window.fields(v);
    window.dilation_field(v);
    v("group", group);
    v("output_padding", output_padding);
    v("output_shape", output_shape);
  }
};

k::ConvParams convt_params(OpCtx& c) {
  const Shape& x = c.shape(0);
  const Shape& wt = c.shape(1);
  if (x.size() < 3 || x.size() > 5)
    c.unsupported("only 1 to 3 spatial dims are supported, input is " + shape_str(x));
  if (wt.size() != x.size()) c.fail("W " + shape_str(wt) + " and X " + shape_str(x) + " differ in rank");
  const size_t n = x.size() - 2;
  const auto a = c.attrs<ConvTransposeAttrs>();
  const WindowAttrs& w = a.window;
  std::vector<int64_t> kernel(wt.begin() + 2, wt.end());
  if (!w.kernel_shape.empty() && w.kernel_shape != kernel) c.fail("kernel_shape disagrees with W " + shape_str(wt));
  k::ConvParams p{};
  p.N = x[0];
  p.C = x[1];
  p.group = a.group;
  if (p.group < 1 || p.C % p.group || wt[0] != p.C)
    c.fail("group " + std::to_string(p.group) + " does not fit X " + shape_str(x) + " and W " + shape_str(wt));
  p.M = wt[1] * p.group;
  const auto strides = w.strides.empty() ? std::vector<int64_t>(n, 1) : w.strides;
  const auto dil = w.dilations.empty() ? std::vector<int64_t>(n, 1) : w.dilations;
  const auto pads = w.pads.empty() ? std::vector<int64_t>(2 * n, 0) : w.pads;
  const auto opad = a.output_padding.empty() ? std::vector<int64_t>(n, 0) : a.output_padding;
  auto oshape = a.output_shape;
  if (oshape.size() == n + 2) oshape.erase(oshape.begin(), oshape.begin() + 2);
  if (strides.size() != n || dil.size() != n || pads.size() != 2 * n || opad.size() != n ||
      (!oshape.empty() && oshape.size() != n))
    c.fail("strides, dilations, pads, output_padding or output_shape have the wrong length");
  const int ap = w.auto_pad;  // "" reads as NOTSET
  const bool same = ap == kSameUpper || ap == kSameLower;
  for (int d = 0; d < 3; ++d) {
    p.in[d] = p.out[d] = p.k[d] = p.stride[d] = p.dil[d] = 1;
    p.pad[d] = 0;
  }
  for (size_t d = 0; d < n; ++d) {
    const int64_t in = x[2 + d], k = kernel[d], s = strides[d], dl = dil[d];
    if (k < 1 || s < 1 || dl < 1) c.fail("kernel, strides and dilations must be positive");
    const int64_t ek = dl * (k - 1) + 1;
    const int64_t full = s * (in - 1) + opad[d] + ek;  // output size without padding
    int64_t out, pb;
    if (!oshape.empty() || same) {
      out = !oshape.empty() ? oshape[d] : in * s;
      const int64_t total = full - out;  // may be negative: the output extends past the end
      const int64_t half = total >= 0 ? total / 2 : -((-total + 1) / 2);  // floor(total / 2)
      pb = ap == kSameUpper ? half : total - half;
    } else if (ap == kValid) {
      out = full;
      pb = 0;
    } else {
      out = full - pads[d] - pads[d + n];
      pb = pads[d];
    }
    if (out < 0) c.fail("computed a negative output size");
    const size_t o = 3 - n + d;  // spatial dims right-aligned in the 3 slots
    p.in[o] = in;
    p.out[o] = out;
    p.k[o] = k;
    p.stride[o] = s;
    p.dil[o] = dl;
    p.pad[o] = pb;
  }
  return p;
}

void infer_ConvTranspose(OpCtx& c) {
  k::ConvParams p = convt_params(c);
  if (c.has_in(2) && c.shape(2) != Shape{p.M}) c.fail("B must have shape [" + std::to_string(p.M) + "]");
  Shape out = {p.N, p.M};
  const size_t n = c.shape(0).size() - 2;
  for (size_t d = 0; d < n; ++d) out.push_back(p.out[3 - n + d]);
  c.set_out(0, c.dtype(0), out);
  c.set_scratch(k::conv_transpose_scratch(p) * static_cast<int64_t>(dtype_size(c.dtype(0))));
}

void lower_ConvTranspose(LowerCtx& c) {
  const k::ConvParams p = convt_params(c);
  c.call("conv_transpose", {type_arg(c.dtype(0))},
         {c.X(0), c.X(1), c.X(2), c.Y(0), obj(p), c.node().scratch_bytes ? c.scratch(c.dtype(0)) : Arg{}});
}

// ---- Gradients (passes/backward.cpp) -----------------------------------------------------------

// ConvTranspose is the gradient of a Conv with its geometry, so its gradients are that Conv's
// other products: dX = Conv(dY, W), dW = ConvGradW(dY, X) (the conv's weight gradient with
// dY as the image and X as the output's gradient), with the leading pads and trailing pads
// that make the Conv's output X's size (the trailing pads of output_padding's rows, which no
// input reached, dropped). dB: dY summed over all but the channels.
void grad_ConvTranspose(GradCtx& c) {
  const int dy = c.dY(0);
  if (dy < 0) return;
  const k::ConvParams p = convt_params(c);
  const size_t n = c.shape(0).size() - 2;
  std::vector<int64_t> kernel, strides, dil, pads(2 * n);
  for (size_t d = 0; d < n; ++d) {
    const size_t o = 3 - n + d;
    const int64_t ek = p.dil[o] * (p.k[o] - 1) + 1;
    const int64_t end = std::max<int64_t>(0, p.stride[o] * (p.in[o] - 1) + ek - p.out[o] - p.pad[o]);
    if (p.pad[o] < 0 || (p.out[o] + p.pad[o] + end - ek) / p.stride[o] + 1 != p.in[o] || p.out[o] + p.pad[o] + end < ek)
      c.unsupported("the gradient of a ConvTranspose whose output_shape or output_padding exceeds the stride");
    kernel.push_back(p.k[o]);
    strides.push_back(p.stride[o]);
    dil.push_back(p.dil[o]);
    pads[d] = p.pad[o];
    pads[n + d] = end;
  }
  const Attrs attrs = {{"kernel_shape", Attr::of(kernel)}, {"strides", Attr::of(strides)}, {"dilations", Attr::of(dil)},
                       {"pads", Attr::of(pads)},          {"group", Attr::of(p.group)}};
  if (c.wants(0)) c.set_dX(0, c.add("Conv", {dy, c.node().inputs[1]}, attrs));
  if (c.wants(1)) c.set_dX(1, c.add("ConvGradW", {dy, c.node().inputs[0]}, attrs, "onnx2cpp"));
  if (c.wants(2)) {
    Shape per_channel(c.shape(0).size(), 1);
    per_channel[1] = c.shape(2)[0];
    c.set_dX(2, c.reshape(c.sum_to(dy, per_channel), c.shape(2)));
  }
}

// ---- Col2Im: input [N, C * prod(block), L] summed into images [N, C, image...] -----------------

struct Col2ImAttrs {
  std::vector<int64_t> dilations, pads, strides;
  O2C_FIELDS(dilations, pads, strides)
};

// The attributes, defaulted, for n spatial dims.
struct Col2ImGeometry {
  std::vector<int64_t> dil, strides, pads;
};
Col2ImGeometry col2im_attrs(OpCtx& c, size_t n) {
  const auto a = c.attrs<Col2ImAttrs>();
  if (c.rank(0) != 3) c.fail("input must have rank 3, got " + shape_str(c.shape(0)));
  if (n == 0) c.fail("image_shape and block_shape must have the same number (>= 1) of dims");
  if (n > 3) c.unsupported("Col2Im of more than 3 spatial dims");
  Col2ImGeometry g;
  g.dil = a.dilations.empty() ? std::vector<int64_t>(n, 1) : a.dilations;
  g.strides = a.strides.empty() ? std::vector<int64_t>(n, 1) : a.strides;
  g.pads = a.pads.empty() ? std::vector<int64_t>(2 * n, 0) : a.pads;
  if (g.dil.size() != n || g.strides.size() != n || g.pads.size() != 2 * n)
    c.fail("dilations, strides or pads do not match the " + std::to_string(n) + " dims of image_shape");
  return g;
}

// The geometry of constant image and block shapes (k::col2im_geometry) and the output's shape.
k::ConvParams col2im_params(OpCtx& c, Shape* out_shape) {
  const Shape& x = c.shape(0);
  const std::vector<int64_t> image = c.require_const(1, "image_shape").to_ints();
  const std::vector<int64_t> block = c.require_const(2, "block_shape").to_ints();
  if (block.size() != image.size()) c.fail("image_shape and block_shape must have the same number (>= 1) of dims");
  const size_t n = image.size();
  const Col2ImGeometry g = col2im_attrs(c, n);
  k::ConvParams p{};
  const int rc = k::col2im_geometry(x.data(), static_cast<int64_t>(n), image.data(), block.data(), g.dil.data(),
                                    g.strides.data(), g.pads.data(), &p);
  if (rc == k::kCol2ImBad)
    c.fail("image_shape, block_shape, dilations and strides must be positive, and the block fit the padded image");
  if (rc == k::kCol2ImChannels) c.fail("input's dim 1 (" + std::to_string(x[1]) + ") must be a multiple of the block's size");
  if (rc == k::kCol2ImBlocks) c.fail("input's dim 2 (" + std::to_string(x[2]) + ") must be the number of blocks");
  if (out_shape) {
    *out_shape = {p.N, p.C};
    out_shape->insert(out_shape->end(), image.begin(), image.end());
  }
  return p;
}

// image_shape or block_shape known only at run time (templates/shape_data.hpp): the image's
// dims at most --max OUTPUT=N, the channels at most the input's dim 1.
bool col2im_from_data(OpCtx& c) { return values_at_run_time(c, 1) || values_at_run_time(c, 2); }
int64_t col2im_data_bound(OpCtx& c) {
  int64_t most = largest_dim(c.shape(0));  // N, and the channels (dim 1 / the block's size)
  if (values_at_run_time(c, 1)) return std::max(user_bound(c, 0, 1), most);
  for (int64_t v : c.require_const(1, "image_shape").to_ints()) most = std::max(most, v);
  return most;
}
size_t col2im_data_dims(OpCtx& c) {
  const int64_t n = data_count(c, 1, "image_shape", 3);
  if (c.rank(2) != 1 || c.shape(2)[0] != n) c.fail("image_shape and block_shape must have the same number (>= 1) of dims");
  if (c.dtype(2) != c.dtype(1)) c.fail("image_shape and block_shape must have the same type");
  col2im_attrs(c, static_cast<size_t>(n));
  if (c.in(0).dynamic()) c.unsupported("Col2Im of run-time dims with shapes known only at run time");
  return static_cast<size_t>(n);
}

void infer_Col2Im(OpCtx& c) {
  if (col2im_from_data(c)) {
    const size_t n = col2im_data_dims(c);
    std::vector<int64_t> bounds(n + 2, col2im_data_bound(c));  // [N, C, image...]: C at most dim 1
    bounds[0] = c.shape(0)[0];
    bounds[1] = c.shape(0)[1];
    return c.set_out_dims(0, c.dtype(0), data_dims(c, 0, bounds));
  }
  Shape out;
  col2im_params(c, &out);
  c.set_out(0, c.dtype(0), out);
}
void lower_Col2Im(LowerCtx& c) {
  if (col2im_from_data(c)) {
    const size_t n = col2im_data_dims(c);
    const Col2ImGeometry g = col2im_attrs(c, n);
    auto tab = [&](const std::vector<int64_t>& v) { return shape_table(c, Shape(v.begin(), v.end())); };
    c.call("col2im_data", {c.X(0), c.Y(0), shape_table(c, c.shape(0)), index(static_cast<int64_t>(n)), c.X(1), c.X(2),
                           tab(g.dil), tab(g.strides), tab(g.pads), index(col2im_data_bound(c)), dim_outs(c, c.out(0).dims)});
    c.calls.back().status = true;
    return;
  }
  const k::ConvParams p = col2im_params(c, nullptr);
  const int64_t n = numel(c.out(0).shape);
  if (n == 0) return;
  c.call("fill", {c.Y(0), index(n), scalar(c.dtype(0), 0)});
  c.call("col2im_add", {c.X(0), c.Y(0), index(p.N * p.C), obj(p)});
}

}  // namespace

O2C_DEFINE_OP(ConvTranspose, infer_ConvTranspose, lower_ConvTranspose, false, false, grad_ConvTranspose);
O2C_DEFINE_OP(Col2Im, infer_Col2Im, lower_Col2Im);

}  // namespace o2c
