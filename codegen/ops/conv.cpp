// Conv, FusedConv (with the residual and activation passes/fuse.cpp folded into it) and
// ConvThenDepthwise (passes/conv_depthwise.cpp): implicit GEMM on the microkernel, or the
// depthwise kernel (templates/conv.hpp), or channels in the SIMD lanes
// (templates/conv_channels.hpp, weights transposed here), or Winograd's F(4x4, 3x3) or
// F(2x2, 3x3) with the channels in the lanes (templates/conv_winograd_last.hpp) or, for
// channel counts that do not fill packets, with the tiles in the lanes
// (templates/conv_winograd.hpp), weights transformed here.
#include "ops/conv.hpp"

#include "ops/helpers.hpp"

namespace o2c {

k::ConvParams conv_params(OpCtx& c, const Shape& x, const Shape& wt, const ConvAttrs& a) {
  if (wt.size() != x.size()) c.fail("W " + shape_str(wt) + " and X " + shape_str(x) + " differ in rank");
  if (x.size() < 3) c.fail("X " + shape_str(x) + " must have a batch, a channel and at least one spatial dim");
  if (x.size() > 5) c.unsupported("only 1 to 3 spatial dims are supported, X is " + shape_str(x));
  const std::vector<int64_t> kernel(wt.begin() + 2, wt.end());
  if (!a.window.kernel_shape.empty() && a.window.kernel_shape != kernel)
    c.fail("kernel_shape disagrees with W " + shape_str(wt));
  const Window w = make_window(c, x, kernel, a.window, false);
  k::ConvParams p{};
  p.N = x[0];
  p.C = x[1];
  p.M = wt[0];
  p.group = a.group;
  if (p.group < 1 || p.C % p.group || p.M % p.group || wt[1] != p.C / p.group)
    c.fail("group " + std::to_string(p.group) + " does not fit X " + shape_str(x) + " and W " + shape_str(wt));
  for (int d = 0; d < 3; ++d) {
    p.in[d] = w.in[d];
    p.out[d] = w.out[d];
    p.k[d] = w.k[d];
    p.stride[d] = w.stride[d];
    p.pad[d] = w.pad[d];
    p.dil[d] = w.dil[d];
  }
  return p;
}

namespace {

Shape conv_out_shape(const k::ConvParams& p, size_t rank) {
  Shape out = {p.N, p.M};
  for (size_t d = 5 - rank; d < 3; ++d) out.push_back(p.out[d]);  // real dims are last
  return out;
}

// The attributes of a Conv or FusedConv node.
ConvAttrs attrs_of(OpCtx& c) {
  return c.node().op == "FusedConv" ? c.attrs<FusedConvAttrs>().base : c.attrs<ConvAttrs>();
}

// Layouts chosen by passes/channels_last.cpp: whether the residual Z (input 3 of FusedConv)
// has the channels last, and whether any tensor of the node has.
bool residual_last(OpCtx& c) { return c.has_in(3) && c.in(3).channels_last; }
bool any_last(OpCtx& c) { return c.in(0).channels_last || c.out(0).channels_last || residual_last(c); }

// Whether the node runs conv_depthwise_last(): a depthwise conv reading channels last.
bool use_depthwise_last(OpCtx& c, const k::ConvParams& p) { return c.in(0).channels_last && k::conv_is_depthwise(p); }

// Whether the node runs conv_channels() (when no Winograd kernel does): the weights are
// constants (transposed at compile time) and the shape suits it, or a tensor with the
// channels last is its input, output or residual.
bool use_channels(OpCtx& c, const k::ConvParams& p) {
  if (!c.const_in(1) || k::conv_is_depthwise(p)) return false;
  return k::conv_channels_pays(p) || (any_last(c) && (p.M / p.group) % k::kChanMultiple == 0);
}

// Whether the node runs conv_winograd_last(): constant weights and a shape it takes (any
// layouts; an NCHW side costs a transpose, and it still beats conv_winograd() there: 128 ->
// 128 on 64x64, NCHW on both sides, 7.0 vs 7.5 ms natively, 23 vs 39 ms under wasm).
bool use_winograd_last(OpCtx& c, const k::ConvParams& p) { return c.const_in(1) && k::winograd_last_fits(p); }

// Whether the node runs conv_winograd(): constant weights, every tensor NCHW, a shape where
// it wins (winograd_pays) that conv_winograd_last() does not take.
bool use_winograd(OpCtx& c, const k::ConvParams& p) {
  return c.const_in(1) && !any_last(c) && !k::winograd_last_fits(p) && k::winograd_pays(p);
}

// The scratch of the kernel a Conv or FusedConv node runs: in the arena, and past it for its
// tasks under a parallel-for (k::Par::extra; the kernels that split without scratch: none).
void set_conv_scratch(OpCtx& c, const k::ConvParams& p) {
  const bool in_last = c.in(0).channels_last, out_last = c.out(0).channels_last;
  const int64_t size = static_cast<int64_t>(dtype_size(c.dtype(0)));
  int64_t elems = 0, extra = 0;
  if (use_depthwise_last(c, p)) {
    elems = k::depthwise_last_scratch(p, !out_last);
    extra = k::depthwise_last_par_extra(p, !out_last, size);
  } else if (use_winograd_last(c, p)) {
    elems = k::winograd_last_scratch(p, in_last, out_last, k::winograd_last_tile(p));
    extra = k::winograd_last_par_extra(p, k::winograd_last_tile(p), size);
  } else if (use_winograd(c, p)) {
    elems = k::winograd_scratch(p);
  } else if (use_channels(c, p)) {
    elems = k::conv_channels_scratch(p, in_last);
  } else {
    elems = k::conv_scratch(p);
    extra = k::conv_par_extra(p, size);
  }
  c.set_scratch(elems * size);
  c.set_par_extra(extra);
}

void check_bias(OpCtx& c, size_t i, const k::ConvParams& p) {
  if (c.has_in(i) && c.shape(i) != Shape{p.M}) c.fail("B must have shape [" + std::to_string(p.M) + "]");
}

void infer_conv(OpCtx& c) {
  const k::ConvParams p = conv_params(c, c.shape(0), c.shape(1), attrs_of(c));
  check_bias(c, 2, p);
  const Shape out = conv_out_shape(p, c.shape(0).size());
  if (c.has_in(3) && c.shape(3) != out) c.fail("the residual Z must have the output's shape " + shape_str(out));
  c.set_out(0, c.dtype(0), out);
  set_conv_scratch(c, p);
}

// The weights (input w) rearranged at compile time by f(W, Wt, p), as a table of `size`
// elements (by default as many as W).
template <class F>
Arg weights_table(LowerCtx& c, size_t w, const k::ConvParams& p, F&& f, int64_t size = -1) {
  const Tensor& t = *c.const_in(w);
  return rearranged_table(c, t, size < 0 ? t.numel() : size, [&](const auto* W, auto* Wt) { f(W, Wt, p); });
}

// The layout template argument of the channels-last kernels: named constants or'ed.
Arg layout_arg(bool in_last, bool out_last, bool res_last) {
  std::string s;
  auto add = [&](bool on, const char* name) {
    if (on) s += (s.empty() ? "" : " | ") + std::string(name);
  };
  add(in_last, "k::kChanInNHWC");
  add(out_last, "k::kChanOutNHWC");
  add(res_last, "k::kChanResNHWC");
  const int v = (in_last ? k::kChanInNHWC : 0) | (out_last ? k::kChanOutNHWC : 0) | (res_last ? k::kChanResNHWC : 0);
  return symbol(s.empty() ? "0" : s, v);
}

void lower_conv(LowerCtx& c, const ConvAttrs& a, const k::Act& act) {
  const k::ConvParams p = conv_params(c, c.shape(0), c.shape(1), a);
  const DType T = c.dtype(0);
  const bool in_last = c.in(0).channels_last, out_last = c.out(0).channels_last;
  const bool epilogue = c.has_in(3) || act.kind != k::Act::None;
  if (use_depthwise_last(c, p)) {
    const Arg w = weights_table(c, 1, p, [](auto* W, auto* Wt, const k::ConvParams& q) { k::depthwise_last_weights(W, Wt, q); });
    if (out_last)
      c.call("conv_depthwise_last", {type_arg(T)}, {c.X(0), w, c.X(2), c.Y(0), obj(p), obj(act)});
    else
      c.call("conv_depthwise_last", {type_arg(T), boolean(true)}, {c.X(0), w, c.X(2), c.Y(0), obj(p), obj(act), c.scratch(T)});
    return;
  }
  const Arg scratch = c.node().scratch_bytes ? c.scratch(T) : Arg{};
  std::string fn = "conv";
  std::vector<Arg> targs = {type_arg(T)};
  Arg w = c.X(1);
  const Arg layout = layout_arg(in_last, out_last, residual_last(c));
  if (use_winograd_last(c, p)) {
    const int r = k::winograd_last_tile(p);
    w = weights_table(
        c, 1, p,
        [r](auto* W, auto* U, const k::ConvParams& q) {
          if (r == 4) k::winograd_last_weights<4>(W, U, q);
          else k::winograd_last_weights<2>(W, U, q);
        },
        (r + 2) * (r + 2) * p.M * p.C);
    fn = "conv_winograd_last";
    targs = {type_arg(T), layout, index(r)};
  } else if (use_winograd(c, p)) {
    w = weights_table(c, 1, p, [](auto* W, auto* U, const k::ConvParams& q) { k::winograd_weights(W, U, q); }, 16 * p.M * p.C);
    fn = "conv_winograd";
  } else if (use_channels(c, p)) {
    w = weights_table(c, 1, p, [in_last](auto* W, auto* Wt, const k::ConvParams& q) { k::conv_channels_weights(W, Wt, q, in_last); });
    fn = "conv_channels";
    if (layout.i) targs.push_back(layout);
  }
  std::vector<Arg> args = {c.X(0), w, c.X(2), c.Y(0), obj(p), scratch};
  if (epilogue) {
    args.push_back(c.X(3));
    if (act.kind != k::Act::None) args.push_back(obj(act));
  }
  c.call(fn, targs, args);
}

void lower_Conv(LowerCtx& c) { lower_conv(c, c.attrs<ConvAttrs>(), k::Act{k::Act::None, 0.0f, 0.0f}); }
void lower_FusedConv(LowerCtx& c) {
  const auto a = c.attrs<FusedConvAttrs>();
  lower_conv(c, a.base, a.epi.act());
}

// ---- ConvThenDepthwise: X -> conv (W1, B1) -> depthwise conv (W, B) -> Y -----------------------

struct Pair {
  k::ConvParams first, second;
};
Pair pair_params(OpCtx& c, const ConvThenDepthwiseAttrs& a) {
  Pair r;
  r.first = conv_params(c, c.shape(0), c.shape(1), a.first);
  const Shape mid = conv_out_shape(r.first, c.shape(0).size());
  r.second = conv_params(c, mid, c.shape(3), a.second);
  return r;
}

void infer_ConvThenDepthwise(OpCtx& c) {
  const auto a = c.attrs<ConvThenDepthwiseAttrs>();
  const Pair p = pair_params(c, a);
  check_bias(c, 2, p.first);
  check_bias(c, 4, p.second);
  if (!k::conv_is_depthwise(p.second) || !k::conv_then_depthwise_fits(p.first, p.second))
    c.fail("the second conv must be a depthwise conv that conv_then_depthwise() takes");
  c.set_out(0, c.dtype(0), conv_out_shape(p.second, c.shape(0).size()));
  const bool in_last = c.in(0).channels_last, out_first = !c.out(0).channels_last;
  const int64_t size = static_cast<int64_t>(dtype_size(c.dtype(0)));
  c.set_scratch(k::conv_then_depthwise_scratch(p.first, p.second, in_last, out_first) * size);
  c.set_par_extra(k::conv_then_depthwise_par_extra(p.first, p.second, in_last, out_first, size));
}

void lower_ConvThenDepthwise(LowerCtx& c) {
  const auto a = c.attrs<ConvThenDepthwiseAttrs>();
  const Pair p = pair_params(c, a);
  const DType T = c.dtype(0);
  const bool x_last = c.in(0).channels_last, out_last = c.out(0).channels_last;
  const Arg w1 = weights_table(c, 1, p.first, [x_last](auto* W, auto* Wt, const k::ConvParams& q) { k::conv_channels_weights(W, Wt, q, x_last); });
  const Arg w = weights_table(c, 3, p.second, [](auto* W, auto* Wt, const k::ConvParams& q) { k::depthwise_last_weights(W, Wt, q); });
  std::vector<Arg> targs = {type_arg(T)};
  const Arg layout = layout_arg(x_last, out_last, false);
  if (layout.i) targs.push_back(layout);
  c.call("conv_then_depthwise", targs,
         {c.X(0), w1, c.X(2), obj(p.first), obj(a.first_epi.act()), w, c.X(4), c.Y(0), obj(p.second), obj(a.epi.act()), c.scratch(T)});
}

// ---- Gradients (passes/backward.cpp) -----------------------------------------------------------

// The spatial dims of ConvParams' 3 slots that are real (the last nsp), as attribute lists.
std::vector<int64_t> real_dims(const int64_t* v, size_t nsp) { return std::vector<int64_t>(v + 3 - nsp, v + 3); }

// dX: the transposed convolution of dY by W with the forward's geometry; the trailing pads
// and output_padding are chosen so that its output has X's shape (output_padding: the rows
// of X the last window did not reach). dW: the ConvGradW kernel (templates/conv_grad.hpp).
// dB: dY summed over all but the channels.
void grad_Conv(GradCtx& c) {
  const int dy = c.dY(0);
  if (dy < 0) return;
  const ConvAttrs a = c.attrs<ConvAttrs>();
  const Shape x = c.shape(0);
  const Shape wt = c.shape(1);
  const size_t nsp = x.size() - 2;
  const std::vector<int64_t> kernel(wt.begin() + 2, wt.end());
  if (c.wants(0)) {
    const Window w = make_window(c, x, kernel, a.window, false);
    std::vector<int64_t> pads = real_dims(w.pad, nsp), end = real_dims(w.pad_end, nsp), opad(nsp);
    for (size_t d = 0; d < nsp; ++d) {
      const size_t s = 3 - nsp + d;
      opad[d] = w.in[s] + w.pad[s] + w.pad_end[s] - (w.dil[s] * (w.k[s] - 1) + 1) - w.stride[s] * (w.out[s] - 1);
      if (w.out[s] == 0 || opad[d] < 0) c.unsupported("the gradient of a Conv whose output is empty");
    }
    pads.insert(pads.end(), end.begin(), end.end());
    c.set_dX(0, c.add("ConvTranspose", {dy, c.node().inputs[1]},
                      {{"strides", Attr::of(real_dims(w.stride, nsp))},
                       {"dilations", Attr::of(real_dims(w.dil, nsp))},
                       {"pads", Attr::of(pads)},
                       {"output_padding", Attr::of(opad)},
                       {"kernel_shape", Attr::of(kernel)},
                       {"group", Attr::of(a.group)}}));
  }
  if (c.wants(1)) {
    Attrs attrs = c.node().attrs;
    attrs["kernel_shape"] = Attr::of(kernel);
    c.set_dX(1, c.add("ConvGradW", {c.node().inputs[0], dy}, attrs, "onnx2cpp"));
  }
  if (c.wants(2)) {
    Shape per_channel(c.shape(0).size(), 1);
    per_channel[1] = c.shape(2)[0];
    c.set_dX(2, c.reshape(c.sum_to(dy, per_channel), c.shape(2)));
  }
}

// ConvGradW(X, dY) -> dW with the Conv's attributes (kernel_shape given): dW has W's shape.
k::ConvParams grad_w_params(OpCtx& c, Shape* w_shape) {
  const ConvAttrs a = c.attrs<ConvAttrs>();
  const Shape& x = c.shape(0);
  if (x.size() < 3 || a.window.kernel_shape.size() != x.size() - 2 || a.group < 1 || x[1] % a.group)
    c.fail("kernel_shape and group must fit X " + shape_str(x));
  Shape wt = {c.shape(1).at(1), x[1] / a.group};
  wt.insert(wt.end(), a.window.kernel_shape.begin(), a.window.kernel_shape.end());
  const k::ConvParams p = conv_params(c, x, wt, a);
  if (conv_out_shape(p, x.size()) != c.shape(1)) c.fail("dY " + shape_str(c.shape(1)) + " is not the shape of the conv's output");
  if (w_shape) *w_shape = wt;
  return p;
}

void infer_ConvGradW(OpCtx& c) {
  Shape wt;
  const k::ConvParams p = grad_w_params(c, &wt);
  c.set_out(0, c.dtype(0), wt);
  c.set_scratch(k::conv_grad_w_scratch(p) * static_cast<int64_t>(dtype_size(c.dtype(0))));
}

void lower_ConvGradW(LowerCtx& c) {
  const k::ConvParams p = grad_w_params(c, nullptr);
  c.call("conv_grad_w", {type_arg(c.dtype(0))}, {c.X(0), c.X(1), c.Y(0), obj(p), c.scratch(c.dtype(0))});
}

}  // namespace

k::ConvParams conv_params_of(Graph& g, Node& n) {
  OpCtx c(g, n);
  return conv_params(c, c.shape(0), c.shape(1), attrs_of(c));
}

ConvLast conv_last_kind(Graph& g, Node& n) {
  OpCtx c(g, n);
  if (!c.const_in(1)) return ConvLast::None;
  const k::ConvParams p = conv_params_of(g, n);
  if (k::depthwise_last_fits(p) && !c.has_in(3)) return ConvLast::Depthwise;
  if (p.group == 1 && p.M % k::kChanMultiple == 0 && (k::winograd_last_fits(p) || !k::winograd_pays(p)))
    return ConvLast::Channels;
  return ConvLast::None;
}

void conv_size_scratch(Graph& g, Node& n) {
  OpCtx c(g, n);
  set_conv_scratch(c, conv_params_of(g, n));
}

O2C_DEFINE_OP(Conv, infer_conv, lower_Conv, false, false, grad_Conv);
O2C_DEFINE_OP(ConvGradW, infer_ConvGradW, lower_ConvGradW);
O2C_DEFINE_OP(FusedConv, infer_conv, lower_FusedConv);
O2C_DEFINE_OP(ConvThenDepthwise, infer_ConvThenDepthwise, lower_ConvThenDepthwise);

}  // namespace o2c
