// Window geometry shared by Conv and the pooling ops: kernel, strides, dilations and pads
// (explicit or auto_pad) for 1 to 3 spatial dims, padded to 3.
#pragma once
#include "ops/op.hpp"

namespace o2c {

struct Window {
  int nsp = 0;                           // number of spatial dims (stored last of the 3)
  int64_t in[3], out[3], k[3], stride[3], dil[3], pad[3], pad_end[3];
};

// in_shape: [N, C, spatial...]; kernel: the spatial kernel dims.
Window make_window(OpCtx& c, const Shape& in_shape, const std::vector<int64_t>& kernel,
                   bool ceil_mode);

}  // namespace o2c
