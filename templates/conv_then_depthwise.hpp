// onnx2cpp kernels: a conv streamed into the depthwise conv that reads it.
// A convolution and the depthwise convolution that reads its output, run row by row.
// An inverted residual block (MobileNet, EfficientNet) expands its channels 4 to 6 times in a
// 1x1 conv and then runs a depthwise conv on the expanded tensor; a stem conv feeds the first
// depthwise conv. Run one after the other, the tensor between them (96 x 112 x 112 floats in
// MobileNetV2, 4.8 MB) leaves L2: the first conv writes it out to L3 or memory and the
// depthwise conv reads it back. Here the first conv (conv_channels' tiles, one output row at a time) writes
// its rows, channels last, into a ring of as many rows as the depthwise window spans, and each
// depthwise output row reads its rows from the ring, in L2. The tensor between them is never
// stored.
#ifndef ONNX2CPP_K_CONV_THEN_DEPTHWISE_HPP
#define ONNX2CPP_K_CONV_THEN_DEPTHWISE_HPP

ONNX2CPP_K_BEGIN

// Whether pc (a conv) and dw (the depthwise conv reading its output) can run
// conv_then_depthwise(): pc 2D, one image, group 1, its output channels in whole packets and
// its K in one pass of conv_channels(); dw as conv_depthwise_last() takes it.
inline bool conv_then_depthwise_fits(const ConvParams& pc, const ConvParams& dw) {
  return pc.N == 1 && pc.group == 1 && pc.M % kChanMultiple == 0 && conv_kg(pc) <= kChanKC && pc.in[0] == 1 &&
         pc.k[0] == 1 && depthwise_last_fits(dw) && dw.C == pc.M && dw.in[1] == pc.out[1] && dw.in[2] == pc.out[2];
}

// Rows of the ring: the span of the depthwise window.
inline i64 ctd_ring_rows(const ConvParams& dw) { return (dw.k[1] - 1) * dw.dil[1] + 1; }

// Multiply-adds of both convs: the work par_ranges() weighs.
inline i64 ctd_work(const ConvParams& pc, const ConvParams& dw) {
  return (conv_out_size(pc) * conv_kg(pc) + conv_out_size(dw) * dw.k[1] * dw.k[2]) * pc.M;
}

// Scratch of conv_then_depthwise(), in elements of T, each part 64-byte aligned: the first
// conv's as conv_channels() lays it out (its padded input, its row offsets), then the first
// task's ring and (with an NCHW output) kDwFirstRows output rows channels last: slot
// elements (under a parallel-for the other tasks' in Par::extra).
struct CtdScratch {
  ChanScratch conv;
  i64 ring, row, slot, total;  // row: from the ring
};
template <class T>
inline CtdScratch ctd_scratch(const ConvParams& pc, const ConvParams& dw, bool in_last, bool out_first) {
  auto up = [](i64 v) { return (v + 15) / 16 * 16; };
  CtdScratch s;
  s.conv = chan_scratch<T>(pc, in_last);
  s.ring = up(s.conv.total);
  s.row = up(ctd_ring_rows(dw) * dw.in[2] * dw.C);
  s.slot = s.row + (out_first ? dw_slot_scratch(dw) : 0);
  s.total = s.ring + s.slot;
  return s;
}
inline i64 conv_then_depthwise_scratch(const ConvParams& pc, const ConvParams& dw, bool in_last, bool out_first) {
  return ctd_scratch<float>(pc, dw, in_last, out_first).total;
}
// The bytes of Par::extra conv_then_depthwise() uses at most.
inline i64 conv_then_depthwise_par_extra(const ConvParams& pc, const ConvParams& dw, bool in_last, bool out_first,
                                         i64 elem_size) {
  return par_extra_bytes(dw_row_blocks(dw), ctd_work(pc, dw), ctd_scratch<float>(pc, dw, in_last, out_first).slot,
                         elem_size);
}

// Y = dw(act1(pc(X))) with dw's activation act2. pc's weights as conv_channels_weights() lays
// them out (tap-major with the channels last), dw's as depthwise_last_weights(). L:
// kChanInNHWC (X has the channels last) and kChanOutNHWC (Y has), or'ed. Scratch:
// conv_then_depthwise_scratch(pc, dw, L & kChanInNHWC, !(L & kChanOutNHWC)) elements,
// 64-byte aligned.
// Under a parallel-for, blocks of output rows (dw_row_block) go to tasks, each with its own
// ring: the first conv's rows a block shares with the one before it are computed by both,
// the same way, so the results do not change.
template <class T, int L = 0>
inline void conv_then_depthwise(const Par& par, const T* X, const T* W1, const T* B1, const ConvParams& pc, Act act1,
                                const T* W2, const T* B2, T* Y, const ConvParams& dw, Act act2, T* scratch) {
  constexpr bool in_last = (L & kChanInNHWC) != 0, out_last = (L & kChanOutNHWC) != 0;
  constexpr int Lc = (in_last ? kChanInNHWC : 0) | kChanOutNHWC;
  const CtdScratch sl = ctd_scratch<T>(pc, dw, in_last, !out_last);
  const PhaseGeom g = phase_geom(pc);
  const ChanInput in = chan_input(pc, g, in_last);
  const i64 E = pc.M, W = pc.out[2], OW = dw.out[2];
  const i64 span = ctd_ring_rows(dw);
  // The first conv's input and row offsets, as conv_channels() prepares them.
  i64* off = reinterpret_cast<i64*>(scratch + sl.conv.offsets);
  chan_prepare(pc, g, in, in_last, off, scratch);
  const T* src = chan_source(X, pc, g, in, in_last, scratch);
  ConvParams row = pc;  // one output row
  row.out[1] = 1;
  const i64 rb = dw_row_block(dw);
  par_ranges_scratch(par, dw_row_blocks(dw), ctd_work(pc, dw), scratch + sl.ring, sl.slot, [&](T* ring, i64 b0, i64 b1) {
    T* rows = ring + sl.row;
    auto conv_row = [&](i64 iy) {
      T* dst = ring + iy % span * W * E;
      conv_channels_rows<T, Lc>(src + iy * in.sp, off, W1, B1, dst, nullptr, row, in, nullptr, act1);
      if (!act_in_registers(act1)) act_apply(dst, W * E, act1);
    };
    const T* xr[kDwMaxRows];
    i64 next = 0;  // the next row of the first conv's output to compute
    for (i64 oy = b0 * rb; oy < std::min(dw.out[1], b1 * rb); ++oy) {
      i64 ky0, ky1;
      dw_rows_inside(dw, oy, &ky0, &ky1);
      const i64 iy0 = oy * dw.stride[1] - dw.pad[1];
      // Rows [iy0 + ky0 * dil, iy0 + (ky1 - 1) * dil] span at most `span` rows, and the ring
      // slot a new row takes held one older than all of them.
      if (ky0 < ky1) {
        next = std::max(next, iy0 + ky0 * dw.dil[1]);
        for (; next <= iy0 + (ky1 - 1) * dw.dil[1]; ++next) conv_row(next);
      }
      for (i64 ky = ky0; ky < ky1; ++ky) xr[ky] = ring + (iy0 + ky * dw.dil[1]) % span * W * E;
      T* yrow = out_last ? Y + oy * OW * E : dw_first_row(rows, oy, OW, E);
      dw_last_row(xr, W2, B2, yrow, dw, act2, ky0, ky1);
      if (!out_last) dw_first_flush(rows, oy, dw, Y);
    }
  });
  if (!act_in_registers(act2)) act_apply(Y, conv_out_size(dw) * E, act2);
}
template <class T, int L = 0>
inline void conv_then_depthwise(const T* X, const T* W1, const T* B1, const ConvParams& pc, Act act1, const T* W2,
                                const T* B2, T* Y, const ConvParams& dw, Act act2, T* scratch) {
  conv_then_depthwise<T, L>(Par{}, X, W1, B1, pc, act1, W2, B2, Y, dw, act2, scratch);
}

ONNX2CPP_K_END
#endif
