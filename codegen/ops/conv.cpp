// Conv: implicit GEMM on the microkernel, or the depthwise kernel (templates/conv.hpp), or
// channels in the SIMD lanes (templates/conv_channels.hpp, weights transposed here), or
// Winograd's F(4x4, 3x3) or F(2x2, 3x3) with the channels in the lanes (templates/conv_winograd_last.hpp)
// or, for channel counts that do not fill packets, with the tiles in the lanes
// (templates/conv_winograd.hpp), weights transformed here; with the residual and activation
// that passes/fuse.cpp folded into it.
#include "ops/conv.hpp"
#include "ops/helpers.hpp"
#include "ops/spatial.hpp"

namespace o2c {
namespace {

k::ConvParams conv_params(OpCtx& c) {
  const Shape& x = c.shape(0);
  const Shape& wt = c.shape(1);
  if (wt.size() != x.size()) c.fail("W " + shape_str(wt) + " and X " + shape_str(x) + " differ in rank");
  std::vector<int64_t> kernel(wt.begin() + 2, wt.end());
  if (c.has("kernel_shape") && c.ints("kernel_shape") != kernel)
    c.fail("kernel_shape disagrees with W " + shape_str(wt));
  Window w = make_window(c, x, kernel, false);
  k::ConvParams p{};
  p.N = x[0];
  p.C = x[1];
  p.M = wt[0];
  p.group = c.i("group", 1);
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

// The conv a depthwise node computes its input with (passes/conv_depthwise.cpp).
k::ConvParams producer_params(OpCtx& c) {
  OpCtx pc(c.graph(), c.graph().nodes[static_cast<size_t>(c.node().streamed_from)]);
  return conv_params(pc);
}

// Layouts chosen by passes/channels_last.cpp: whether the fused residual (input 3) has the
// channels last, and whether any tensor of the node has.
bool residual_last(OpCtx& c) { return c.node().epi.residual && c.in(3).channels_last; }
bool any_last(OpCtx& c) { return c.in(0).channels_last || c.out(0).channels_last || residual_last(c); }

// Whether the node runs conv_depthwise_last(): a depthwise conv reading channels last.
bool use_depthwise_last(OpCtx& c, const k::ConvParams& p) {
  return c.in(0).channels_last && k::conv_is_depthwise(p);
}

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

// Scratch bytes of the kernel the node runs.
int64_t scratch_bytes(OpCtx& c, const k::ConvParams& p) {
  const bool in_last = c.in(0).channels_last, out_last = c.out(0).channels_last;
  if (c.node().streamed_from >= 0)
    return k::conv_then_depthwise_scratch(producer_params(c), p, c.in(3).channels_last, !out_last) *
           static_cast<int64_t>(dtype_size(c.dtype(0)));
  const int64_t elems = use_depthwise_last(c, p)  ? k::depthwise_last_scratch(p, !out_last)
                        : use_winograd_last(c, p) ? k::winograd_last_scratch(p, in_last, out_last, k::winograd_last_tile(p))
                        : use_winograd(c, p)      ? k::winograd_scratch(p)
                        : use_channels(c, p)      ? k::conv_channels_scratch(p, in_last)
                                                  : k::conv_scratch(p);
  return elems * static_cast<int64_t>(dtype_size(c.dtype(0)));
}

void infer_Conv(OpCtx& c) {
  c.arity(2, 3);
  c.expect_type(0, {DType::Float, DType::Double});
  c.same_type(0, 1);
  k::ConvParams p = conv_params(c);
  if (c.has_in(2)) {
    c.same_type(0, 2);
    if (c.shape(2) != Shape{p.M}) c.fail("B must have shape [" + std::to_string(p.M) + "]");
  }
  Shape out = {p.N, p.M};
  for (size_t d = 5 - c.shape(0).size(); d < 3; ++d) out.push_back(p.out[d]);  // real dims are last
  c.set_out(0, c.dtype(0), out);
  c.node().scratch_bytes = scratch_bytes(c, p);
}

// The weights rearranged at compile time by f(W, Wt, p), as a table of `size` elements (by
// default as many as W).
template <class F>
std::string weights_table(EmitCtx& c, const k::ConvParams& p, F&& f, int64_t size = -1) {
  const Tensor& w = *c.const_in(1);
  return rearranged_table(c, w, size < 0 ? w.numel() : size, [&](const auto* W, auto* Wt) { f(W, Wt, p); });
}

std::string conv_params_literal(const k::ConvParams& p) {
  return "k::ConvParams{" + lit(p.N) + ", " + lit(p.C) + ", " + lit(p.M) + ", " + lit(p.group) + ", " +
         lit_array(p.in, 3) + ", " + lit_array(p.out, 3) + ", " + lit_array(p.k, 3) + ", " + lit_array(p.stride, 3) +
         ", " + lit_array(p.pad, 3) + ", " + lit_array(p.dil, 3) + "}";
}

void emit_Conv(EmitCtx& c) {
  k::ConvParams p = conv_params(c);
  const std::string T = c.T(0);
  const std::string params = conv_params_literal(p);
  const Epilogue& e = c.node().epi;  // fused by passes/fuse.cpp
  const bool in_last = c.in(0).channels_last, out_last = c.out(0).channels_last;
  if (use_depthwise_last(c, p)) {
    const std::string w = weights_table(c, p, [](auto* W, auto* Wt, const k::ConvParams& q) {
      k::depthwise_last_weights(W, Wt, q);
    });
    const std::string act = act_value(e);
    if (c.node().streamed_from >= 0) {
      const k::ConvParams q = producer_params(c);
      const bool x_last = c.in(3).channels_last;
      const std::string w1 = rearranged_table(c, *c.const_in(4), c.const_in(4)->numel(), [&](const auto* W, auto* Wt) {
        k::conv_channels_weights(W, Wt, q, x_last);
      });
      const Epilogue& pe = c.graph().nodes[static_cast<size_t>(c.node().streamed_from)].epi;
      const int layout = (x_last ? k::kChanInNHWC : 0) | (out_last ? k::kChanOutNHWC : 0);
      c.line("k::conv_then_depthwise<" + T + (layout ? ", " + std::to_string(layout) : "") + ">(" + c.X(3) + ", " +
             w1 + ", " + c.X(5) + ", " + conv_params_literal(q) + ", " + act_value(pe) + ", " + w + ", " + c.X(2) +
             ", " + c.Y(0) + ", " + params + ", " + act + ", " + c.scratch(c.dtype(0)) + ");");
      return;
    }
    if (out_last)
      c.line("k::conv_depthwise_last<" + T + ">(" + c.X(0) + ", " + w + ", " + c.X(2) + ", " + c.Y(0) + ", " + params +
             ", " + act + ");");
    else
      c.line("k::conv_depthwise_last<" + T + ", true>(" + c.X(0) + ", " + w + ", " + c.X(2) + ", " + c.Y(0) + ", " +
             params + ", " + act + ", " + c.scratch(c.dtype(0)) + ");");
    return;
  }
  const std::string scratch = c.node().scratch_bytes ? c.scratch(c.dtype(0)) : "nullptr";
  std::string fn = "k::conv<" + T + ">", w;
  const int layout = (in_last ? k::kChanInNHWC : 0) | (out_last ? k::kChanOutNHWC : 0) |
                     (residual_last(c) ? k::kChanResNHWC : 0);
  const std::string targs = T + (layout ? ", " + std::to_string(layout) : "");
  if (use_winograd_last(c, p)) {
    const int r = k::winograd_last_tile(p);
    w = weights_table(
        c, p,
        [r](auto* W, auto* U, const k::ConvParams& q) {
          if (r == 4) k::winograd_last_weights<4>(W, U, q);
          else k::winograd_last_weights<2>(W, U, q);
        },
        (r + 2) * (r + 2) * p.M * p.C);
    fn = "k::conv_winograd_last<" + T + ", " + std::to_string(layout) + ", " + std::to_string(r) + ">";
  } else if (use_winograd(c, p)) {
    w = weights_table(
        c, p, [](auto* W, auto* U, const k::ConvParams& q) { k::winograd_weights(W, U, q); }, 16 * p.M * p.C);
    fn = "k::conv_winograd<" + T + ">";
  } else if (use_channels(c, p)) {
    w = weights_table(c, p, [in_last](auto* W, auto* Wt, const k::ConvParams& q) {
      k::conv_channels_weights(W, Wt, q, in_last);
    });
    fn = "k::conv_channels<" + targs + ">";
  } else {
    w = c.X(1);
  }
  std::string call = fn + "(" + c.X(0) + ", " + w + ", " + c.X(2) + ", " + c.Y(0) + ", " + params + ", " + scratch;
  if (e.residual || e.act) call += ", " + (e.residual ? c.X(3) : std::string("nullptr")) + act_arg(c.node());
  c.line(call + ");");
}

void eval_Conv(OpCtx& c) {
  k::ConvParams p = conv_params(c);
  Tensor y = out_tensor(c, 0);
  dispatch_float(y.dtype, [&](auto tag) {
    using T = decltype(tag);
    std::vector<T, Eigen::aligned_allocator<T>> col(static_cast<size_t>(k::conv_scratch(p)) + 1);
    k::conv<T>(c.const_in(0)->data<T>(), c.const_in(1)->data<T>(),
               c.has_in(2) ? c.const_in(2)->data<T>() : nullptr, y.data<T>(), p, col.data());
  });
  c.set_const(0, std::move(y));
}

}  // namespace

k::ConvParams conv_params_of(Graph& g, Node& n) {
  OpCtx c(g, n);
  return conv_params(c);
}

ConvLast conv_last_kind(Graph& g, Node& n) {
  OpCtx c(g, n);
  if (!c.const_in(1)) return ConvLast::None;
  const k::ConvParams p = conv_params(c);
  if (k::depthwise_last_fits(p) && !n.epi.residual) return ConvLast::Depthwise;
  if (p.group == 1 && p.M % k::kChanMultiple == 0 && (k::winograd_last_fits(p) || !k::winograd_pays(p)))
    return ConvLast::Channels;
  return ConvLast::None;
}

void conv_size_scratch(Graph& g, Node& n) {
  OpCtx c(g, n);
  n.scratch_bytes = scratch_bytes(c, conv_params(c));
}

O2C_DEFINE_OP(Conv, infer_Conv, emit_Conv, eval_Conv);

}  // namespace o2c
