#include "ops/spatial.hpp"

#include <algorithm>

namespace o2c {

Window make_window(OpCtx& c, const Shape& x, const std::vector<int64_t>& kernel, const WindowAttrs& a, bool ceil_mode) {
  Window w;
  if (x.size() < 3 || x.size() > 5) c.unsupported("only 1 to 3 spatial dims are supported, input is " + shape_str(x));
  w.nsp = static_cast<int>(x.size()) - 2;
  const size_t n = static_cast<size_t>(w.nsp);
  if (kernel.size() != n) c.fail("kernel_shape has " + std::to_string(kernel.size()) + " dims, input has " + std::to_string(n) + " spatial dims");
  const auto strides = a.strides.empty() ? std::vector<int64_t>(n, 1) : a.strides;
  const auto dil = a.dilations.empty() ? std::vector<int64_t>(n, 1) : a.dilations;
  const auto pads = a.pads.empty() ? std::vector<int64_t>(2 * n, 0) : a.pads;
  if (strides.size() != n || dil.size() != n || pads.size() != 2 * n) c.fail("strides, dilations or pads have the wrong length");
  for (int d = 0; d < 3; ++d) {
    w.in[d] = w.out[d] = w.k[d] = w.stride[d] = w.dil[d] = 1;
    w.pad[d] = w.pad_end[d] = 0;
  }
  for (size_t d = 0; d < n; ++d) {
    const int64_t in = x[2 + d], k = kernel[d], s = strides[d], dl = dil[d];
    if (k < 1 || s < 1 || dl < 1) c.fail("kernel, strides and dilations must be positive");
    // Extents far past any tensor's (2^40) are refused before they are added or multiplied.
    constexpr int64_t kMaxExtent = int64_t(1) << 40;
    int64_t ek = 0;  // effective kernel extent
    if (__builtin_mul_overflow(dl, k - 1, &ek) || ek >= kMaxExtent) c.fail("the dilated kernel's extent is too large");
    ++ek;
    int64_t pb = pads[d], pe = pads[d + n], out;
    if (a.auto_pad == kSameUpper || a.auto_pad == kSameLower) {
      out = in > 0 ? (in - 1) / s + 1 : 0;
      const int64_t total = std::max<int64_t>(0, (out - 1) * s + ek - in);
      pb = a.auto_pad == kSameUpper ? total / 2 : total - total / 2;
      pe = total - pb;
    } else if (a.auto_pad == kValid) {
      pb = pe = 0;
      out = in >= ek ? (in - ek) / s + 1 : 0;
    } else {
      if (std::max(pb, pe) > kMaxExtent || std::min(pb, pe) < -kMaxExtent) c.fail("pads are too large");
      const int64_t span = in + pb + pe - ek;
      if (span < 0) c.fail("kernel is larger than the padded input");
      out = ceil_mode ? (span + s - 1) / s + 1 : span / s + 1;
      if (ceil_mode && (out - 1) * s >= in + pb) --out;  // last window must start inside
    }
    const size_t at = 3 - n + d;  // real dims last: the innermost loops run along the rows
    w.in[at] = in;
    w.out[at] = out;
    w.k[at] = k;
    w.stride[at] = s;
    w.dil[at] = dl;
    w.pad[at] = pb;
    w.pad_end[at] = pe;
  }
  return w;
}

}  // namespace o2c
