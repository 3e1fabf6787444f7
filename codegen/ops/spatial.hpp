// Window geometry shared by Conv, ConvTranspose and the pooling ops: kernel, strides,
// dilations and pads (explicit or auto_pad) for 1 to 3 spatial dims, padded to 3.
#pragma once
#include "ops/op.hpp"

namespace o2c {

enum AutoPad { kNotSet, kSameUpper, kSameLower, kValid };

// The window attributes as the spec names them (kernel_shape is required by the pools and
// inferred from W by the convolutions).
struct WindowAttrs {
  int auto_pad = kNotSet;
  std::vector<int64_t> kernel_shape, strides, dilations, pads;
  template <class V>
  void fields(V& v) {
    v("auto_pad", auto_pad, {"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID", ""});  // "" (some exporters): NOTSET
    v("kernel_shape", kernel_shape);
    v("strides", strides);
    v("pads", pads);
  }
  // dilations: every op of the family but the pools before version 10 (MaxPool) or 19 (AveragePool).
  template <class V>
  void dilation_field(V& v) { v("dilations", dilations); }
};

struct Window {
  int nsp = 0;                           // number of spatial dims (stored last of the 3)
  int64_t in[3], out[3], k[3], stride[3], dil[3], pad[3], pad_end[3];
};

// in_shape: [N, C, spatial...]; kernel: the spatial kernel dims.
Window make_window(OpCtx& c, const Shape& in_shape, const std::vector<int64_t>& kernel, const WindowAttrs& a,
                   bool ceil_mode);

}  // namespace o2c
