// onnx2cpp kernels: a 1x1 conv streamed into a depthwise conv. needs: common.hpp activation.hpp panel_gemm.hpp conv.hpp conv_channels.hpp
// A 1x1 convolution and the depthwise convolution that reads its output, run row by row.
// An inverted residual block (MobileNet, EfficientNet) expands its channels 4 to 6 times in a
// 1x1 conv and then runs a depthwise conv on the expanded tensor. Run one after the other, the
// expanded tensor (96 x 112 x 112 floats in MobileNetV2, 4.8 MB) leaves L2 between them: the
// 1x1 conv writes it to memory and the depthwise conv reads it back. Here the 1x1 conv
// (conv_channels' tiles) writes its output rows, channels last, into a ring of as many rows as
// the depthwise window spans, and each depthwise output row reads its rows from the ring, in
// L2. The expanded tensor is never stored.
#ifndef ONNX2CPP_K_CONV_POINTWISE_DEPTHWISE_HPP
#define ONNX2CPP_K_CONV_POINTWISE_DEPTHWISE_HPP

ONNX2CPP_K_BEGIN

// Whether pw (a conv) and dw (the depthwise conv reading its output) can run
// conv_pointwise_depthwise(): pw 1x1, unstrided, unpadded, group 1, one image, its output
// channels in whole packets and its K in one pass of conv_channels(); dw as
// conv_depthwise_last() takes it.
inline bool pointwise_depthwise_fits(const ConvParams& pw, const ConvParams& dw) {
  bool ok = pw.N == 1 && pw.group == 1 && pw.M % kChanMultiple == 0 && pw.C <= kChanKC && depthwise_last_fits(dw) &&
            dw.C == pw.M && pw.in[0] == 1;
  for (int d = 0; d < 3; ++d)
    ok = ok && pw.k[d] == 1 && pw.stride[d] == 1 && pw.pad[d] == 0 && pw.in[d] == dw.in[d];
  return ok;
}

// Rows of the ring: the span of the depthwise window.
inline i64 pwdw_ring_rows(const ConvParams& dw) { return (dw.k[1] - 1) * dw.dil[1] + 1; }

// Scratch of conv_pointwise_depthwise(), in elements of T, each part 64-byte aligned: the
// ring, the 1x1 conv's row offsets, then (with an NCHW output) one output row channels last.
struct PwDwScratch {
  i64 offsets, row, total;
};
template <class T>
inline PwDwScratch pwdw_scratch(const ConvParams& pw, const ConvParams& dw, bool out_first) {
  auto up = [](i64 v) { return (v + 15) / 16 * 16; };
  PwDwScratch s;
  s.offsets = up(pwdw_ring_rows(dw) * dw.in[2] * dw.C);
  s.row = s.offsets + up((pw.C * 8 + sizeof(T) - 1) / sizeof(T));
  s.total = s.row + (out_first ? depthwise_last_scratch(dw, true) : 0);
  return s;
}
inline i64 pointwise_depthwise_scratch(const ConvParams& pw, const ConvParams& dw, bool out_first) {
  return pwdw_scratch<float>(pw, dw, out_first).total;
}

// Y = dw(act1(pw(X))) with dw's activation act2. pw's weights as conv_channels_weights() lays
// them out, dw's as depthwise_last_weights(). L: kChanInNHWC (X has the channels last) and
// kChanOutNHWC (Y has), or'ed. Scratch: pointwise_depthwise_scratch(pw, dw, !(L &
// kChanOutNHWC)) elements, 64-byte aligned.
template <class T, int L = 0>
inline void conv_pointwise_depthwise(const T* X, const T* W1, const T* B1, const ConvParams& pw, Act act1,
                                     const T* W2, const T* B2, T* Y, const ConvParams& dw, Act act2, T* scratch) {
  constexpr int PS = ChanTraits<T>::PS;
  constexpr bool in_last = (L & kChanInNHWC) != 0, out_last = (L & kChanOutNHWC) != 0;
  constexpr int Lpw = (in_last ? kChanInNHWC : 0) | kChanOutNHWC;
  const PwDwScratch sl = pwdw_scratch<T>(pw, dw, !out_last);
  const i64 C = pw.C, E = pw.M, H = pw.in[1], W = pw.in[2], OW = dw.out[2];
  const i64 span = pwdw_ring_rows(dw);
  T* ring = scratch;
  i64* off = reinterpret_cast<i64*>(scratch + sl.offsets);
  for (i64 k = 0; k < C; ++k) off[k] = in_last ? k : k * H * W;
  // The 1x1 conv as conv_channels() runs it on a plane of one row.
  ConvParams row = pw;
  row.in[1] = row.out[1] = 1;
  ChanInput in{};
  in.ps = in_last ? C : 1;
  auto pointwise_row = [&](i64 iy) {
    const T* src = X + iy * W * (in_last ? C : 1);
    T* dst = ring + iy % span * W * E;
    if (2 * PS <= kChanMultiple || E % (2 * PS) == 0)
      conv_channels_group<T, 2, Lpw>(src, off, W1, B1, dst, nullptr, row, in, nullptr, act1);
    else
      conv_channels_group<T, 1, Lpw>(src, off, W1, B1, dst, nullptr, row, in, nullptr, act1);
    if (!act_in_registers(act1)) act_apply(dst, W * E, act1);
  };
  const T* xr[kDwMaxRows];
  i64 next = 0;  // the next row of the 1x1 conv's output to compute
  for (i64 oy = 0; oy < dw.out[1]; ++oy) {
    i64 ky0, ky1;
    dw_rows_inside(dw, oy, &ky0, &ky1);
    const i64 iy0 = oy * dw.stride[1] - dw.pad[1];
    // Rows [iy0 + ky0 * dil, iy0 + (ky1 - 1) * dil] span at most `span` rows, and the ring
    // slot a new row takes held one older than all of them.
    if (ky0 < ky1) {
      next = std::max(next, iy0 + ky0 * dw.dil[1]);
      for (; next <= iy0 + (ky1 - 1) * dw.dil[1]; ++next) pointwise_row(next);
    }
    for (i64 ky = ky0; ky < ky1; ++ky) xr[ky] = ring + (iy0 + ky * dw.dil[1]) % span * W * E;
    T* yrow = out_last ? Y + oy * OW * E : scratch + sl.row;
    dw_last_row(xr, W2, B2, yrow, dw, act2, ky0, ky1);
    if (!out_last) rows_to_first(yrow, OW, E, Y + oy * OW, conv_out_size(dw));
  }
  if (!act_in_registers(act2)) act_apply(Y, conv_out_size(dw) * E, act2);
}

ONNX2CPP_K_END
#endif
