// ConvTranspose: per group one GEMM (W^T X) into a column matrix, scattered into the output
// by col2im (templates/conv_transpose.hpp). Output size from pads/output_padding, or pads
// from output_shape / auto_pad as the ONNX spec describes.
#include "ops/helpers.hpp"
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
  c.expect_type(0, {DType::Float, DType::Double});  // narrower than ops.def's @float (no storage types)
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

}  // namespace

O2C_DEFINE_OP(ConvTranspose, infer_ConvTranspose, lower_ConvTranspose);

}  // namespace o2c
