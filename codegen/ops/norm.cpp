// BatchNormalization (inference), InstanceNormalization, LayerNormalization,
// RMSNormalization, GroupNormalization, LpNormalization, and the fused forms that take an
// activation (passes/fuse.cpp): templates/norm.hpp.
#include "ops/epilogue.hpp"
#include "ops/helpers.hpp"
#include "ops/training.hpp"
#include "passes/passes.hpp"

namespace o2c {
namespace {

struct NCS {
  int64_t N, C, S;
};
NCS ncs(OpCtx& c) {
  const Shape& x = c.shape(0);
  if (x.size() < 2) c.fail("input must have rank >= 2");
  NCS r{x[0], x[1], 1};
  for (size_t i = 2; i < x.size(); ++i) r.S *= x[i];
  return r;
}

void check_channel_params(OpCtx& c, size_t first, size_t last, int64_t C) {
  for (size_t i = first; i <= last; ++i)
    if (numel(c.shape(i)) != C) c.fail("input " + std::to_string(i) + " must have " + std::to_string(C) + " elements");
}

struct BatchNormAttrs {
  float epsilon = 1e-5f, momentum = 0.9f;
  bool training_mode = false;
  template <class V>
  void fields(V& v) {
    v("epsilon", epsilon);
    v("momentum", momentum);
    if (v.version >= 14) v("training_mode", training_mode);
    if (v.version < 7) {  // is_test (inference when 1) and spatial (per channel when 1)
      int64_t is_test = 0, spatial = 1;
      v("is_test", is_test);
      v("spatial", spatial);
      if (!spatial) v.fail("spatial=0 (statistics per element) is not supported");
    } else if (v.version < 9) {
      int64_t spatial = 1;
      v("spatial", spatial);
      if (!spatial) v.fail("spatial=0 (statistics per element) is not supported");
    }
  }
};
using FusedBatchNormAttrs = WithEpilogue<BatchNormAttrs>;

// Training mode (batch_norm_training): Y from the batch statistics, outputs 1 and 2 the
// updated running mean and variance. The saved statistics of versions before 14 (outputs 3
// and 4) are computed by nothing: refused when something reads them.
template <class A>
void infer_batch_norm(OpCtx& c) {
  c.attrs<A>();
  const bool training = batch_norm_training(c.node());
  const int64_t C = ncs(c).C;
  check_channel_params(c, 1, 4, C);
  c.set_out(0, c.dtype(0), c.shape(0));
  for (size_t i = 1; i < c.num_out(); ++i) {
    if (!c.has_out(i)) continue;
    if (!training) c.unsupported("the running statistics outputs without training_mode=1");
    if (i >= 3 && (!c.out(i).readers.empty() || c.out(i).is_output)) c.unsupported("the saved mean and variance outputs read");
    c.set_out(i, c.dtype(0), Shape{C});
  }
}

template <class A>
void lower_batch_norm(LowerCtx& c) {
  const NCS d = ncs(c);
  const A a = c.attrs<A>();
  if (batch_norm_training(c.node())) {
    // T given: the running outputs may be absent (a null deduces no T).
    c.call("batch_norm_training", {type_arg(c.dtype(0))}, {c.X(0), c.X(1), c.X(2), c.X(3), c.X(4), c.Y(0), c.Y(1), c.Y(2), index(d.N),
                                   index(d.C), index(d.S), f32(a.base.epsilon), f32(a.base.momentum)});
    return;
  }
  std::vector<Arg> args = {c.X(0), c.X(1), c.X(2), c.X(3), c.X(4), c.Y(0), index(d.N), index(d.C), index(d.S), f32(a.base.epsilon)};
  if constexpr (std::is_same<A, FusedBatchNormAttrs>::value) args.push_back(obj(a.epi.act()));
  c.call("batch_norm", args);
}

struct InstanceNormAttrs {
  float epsilon = 1e-5f;
  O2C_FIELDS(epsilon)
};
using FusedInstanceNormAttrs = WithEpilogue<InstanceNormAttrs>;

template <class A>
void infer_instance_norm(OpCtx& c) {
  c.attrs<A>();
  check_channel_params(c, 1, 2, ncs(c).C);
  c.set_out(0, c.dtype(0), c.shape(0));
}

template <class A>
void lower_instance_norm(LowerCtx& c) {
  const NCS d = ncs(c);
  const A a = c.attrs<A>();
  std::vector<Arg> args = {c.X(0), c.X(1), c.X(2), c.Y(0), index(d.N), index(d.C), index(d.S), f32(a.base.epsilon)};
  if constexpr (std::is_same<A, FusedInstanceNormAttrs>::value) args.push_back(obj(a.epi.act()));
  c.call("instance_norm", args);
}

// The plain ops read their attributes as the fused ones do, without an epilogue.
template <class A>
struct Plain {
  A base;
  template <class V>
  void fields(V& v) { base.fields(v); }
};

// The stash type (stage one's precision) as the kernels' template argument: float (1), or
// also double (11) where the op allows it; the others (float16, bfloat16) are refused.
DType stash_dtype(OpCtx& c, int64_t stash_type, bool allow_double) {
  if (stash_type == 1) return DType::Float;
  if (stash_type == 11 && allow_double) return DType::Double;
  c.unsupported("stash_type=" + std::to_string(stash_type));
}

// LayerNormalization and RMSNormalization: rows = prod(dims[:axis]), D = prod(dims[axis:]).
struct LayerNormAttrs {
  int64_t axis = -1;
  float epsilon = 1e-5f;
  int64_t stash_type = 1;
  O2C_FIELDS(axis, epsilon, stash_type)
};
// The rows may be a run-time count (a sequence's tokens); the normalized dims are static.
struct RowsD {
  int64_t axis, rows, D;
  Dim row_count;
};
RowsD ln_dims(OpCtx& c) {
  const Shape& x = c.shape(0);
  const std::vector<Dim> xd = c.dims(0);
  const int64_t r = static_cast<int64_t>(x.size());
  const int64_t a = c.axis(c.attrs<LayerNormAttrs>().axis, r);
  RowsD d{a, 1, 1, Dim(1)};
  for (int64_t i = 0; i < r; ++i) {
    const size_t k = static_cast<size_t>(i);
    if (i < a) {
      d.rows *= x[k];
      d.row_count = d.row_count * xd[k];
    } else {
      if (!xd[k].is_const()) c.unsupported("normalizing over a run-time dim (" + xd[k].str(c.dim_table()) + ")");
      d.D *= x[k];
    }
  }
  return d;
}
// Scale and bias (inputs first..last) must broadcast to the normalized dims; the kernels
// take D elements each.
void check_row_params(OpCtx& c, size_t first, size_t last, const RowsD& d) {
  const Shape norm(c.shape(0).begin() + d.axis, c.shape(0).end());
  for (size_t i = first; i <= last; ++i) {
    if (!c.has_in(i)) continue;
    if (broadcast(c, c.shape(i), norm) != norm) c.fail("input " + std::to_string(i) + " must broadcast to the normalized dims");
    if (numel(c.shape(i)) != d.D) c.unsupported("Scale/B that broadcast over the normalized dims");
  }
}

void infer_LayerNormalization(OpCtx& c) {
  const auto a = c.attrs<LayerNormAttrs>();
  stash_dtype(c, a.stash_type, false);
  const RowsD d = ln_dims(c);
  check_row_params(c, 1, 2, d);
  c.set_out_dims(0, c.dtype(0), c.dims(0));
  // Mean and InvStdDev: [d[0], ..., d[axis-1], 1, ..., 1], of the stash type.
  std::vector<Dim> stats = c.dims(0);
  for (size_t i = static_cast<size_t>(d.axis); i < stats.size(); ++i) stats[i] = 1;
  for (size_t i = 1; i < 3; ++i)
    if (c.has_out(i)) c.set_out_dims(i, DType::Float, stats);
}
void lower_LayerNormalization(LowerCtx& c) {
  const auto a = c.attrs<LayerNormAttrs>();
  const RowsD d = ln_dims(c);
  c.call("layer_norm", {type_arg(c.dtype(0)), type_arg(stash_dtype(c, a.stash_type, false))},
         {c.X(0), c.X(1), c.has_in(2) ? c.X(2) : null_of(c.dtype(0)), c.Y(0), c.extent(d.row_count), index(d.D),
          f32(a.epsilon), c.Y(1), c.Y(2)});
}

void infer_RMSNormalization(OpCtx& c) {
  const auto a = c.attrs<LayerNormAttrs>();
  stash_dtype(c, a.stash_type, true);
  if (c.dtype(1) != c.dtype(0)) c.unsupported("X and scale of different types");
  check_row_params(c, 1, 1, ln_dims(c));
  c.set_out_dims(0, c.dtype(1), c.dims(0));
}
void lower_RMSNormalization(LowerCtx& c) {
  const auto a = c.attrs<LayerNormAttrs>();
  const RowsD d = ln_dims(c);
  c.call("rms_norm", {type_arg(c.dtype(0)), type_arg(stash_dtype(c, a.stash_type, true))},
         {c.X(0), c.X(1), c.Y(0), c.extent(d.row_count), index(d.D), f32(a.epsilon)});
}

// GroupNormalization: X [N, C, ...] in num_groups groups of channels; scale and bias per
// group in version 18, per channel from 21.
struct GroupNormAttrs {
  float epsilon = 1e-5f;
  int64_t num_groups = 0;
  int64_t stash_type = 1;  // from version 21
  template <class V>
  void fields(V& v) {
    v("epsilon", epsilon);
    v.required("num_groups", num_groups);
    if (v.version >= 21) v("stash_type", stash_type);
  }
};
void infer_GroupNormalization(OpCtx& c) {
  const auto a = c.attrs<GroupNormAttrs>();
  stash_dtype(c, a.stash_type, true);
  const NCS d = ncs(c);
  if (a.num_groups <= 0 || d.C % a.num_groups != 0) c.fail("num_groups must divide the channels");
  check_channel_params(c, 1, 2, c.version() < 21 ? a.num_groups : d.C);
  c.set_out(0, c.dtype(0), c.shape(0));
}
void lower_GroupNormalization(LowerCtx& c) {
  const auto a = c.attrs<GroupNormAttrs>();
  const NCS d = ncs(c);
  c.call("group_norm", {type_arg(c.dtype(0)), type_arg(stash_dtype(c, a.stash_type, true))},
         {c.X(0), c.X(1), c.X(2), c.Y(0), index(d.N), index(d.C), index(d.S), index(a.num_groups), f32(a.epsilon),
          boolean(c.version() < 21)});
}

// LpNormalization along one axis, p 1 or 2 (a zero norm gives 0).
struct LpNormAttrs {
  int64_t axis = -1, p = 2;
  O2C_FIELDS(axis, p)
};
void infer_LpNormalization(OpCtx& c) {
  const auto a = c.attrs<LpNormAttrs>();
  c.axis(a.axis, c.rank(0));
  if (a.p != 1 && a.p != 2) c.unsupported("p=" + std::to_string(a.p) + " (the spec defines 1 and 2)");
  c.set_out(0, c.dtype(0), c.shape(0));
}
void lower_LpNormalization(LowerCtx& c) {
  const auto a = c.attrs<LpNormAttrs>();
  const Shape& x = c.shape(0);
  const int64_t axis = c.axis(a.axis, c.rank(0));
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < c.rank(0); ++i) {
    if (i < axis) outer *= x[static_cast<size_t>(i)];
    else if (i > axis) inner *= x[static_cast<size_t>(i)];
  }
  c.call("lp_norm", {c.X(0), c.Y(0), index(outer), index(x[static_cast<size_t>(axis)]), index(inner), index(a.p)});
}

// ---- Gradients (passes/backward.cpp) -----------------------------------------------------------

// Axes 0, 2, 3, ... of a tensor of rank r: all but the channels.
std::vector<int64_t> all_but_channels(size_t r) {
  std::vector<int64_t> axes = {0};
  for (size_t d = 2; d < r; ++d) axes.push_back(static_cast<int64_t>(d));
  return axes;
}
int reduce_sum(GradCtx& c, int v, const std::vector<int64_t>& axes, bool keep) {
  return c.add("ReduceSum", {v, c.ints(axes)}, {{"keepdims", Attr::of(int64_t{keep})}});
}
int reduce_mean(GradCtx& c, int v, const std::vector<int64_t>& axes) {  // keepdims (opset 13: axes an attribute)
  return c.add("ReduceMean", {v}, {{"axes", Attr::of(axes)}, {"keepdims", Attr::of(int64_t{1})}});
}
// [C] as [1, C, 1, ...] against X of rank r.
int per_channel(GradCtx& c, int v, int64_t C, size_t r) {
  Shape s(r, 1);
  s[1] = C;
  return c.reshape(v, s);
}

// x normalized by its own statistics over `stat` (kept dims): xhat = (x - mean) inv, inv =
// 1 / sqrt(var + eps), var the biased variance (as the forward kernels compute it).
struct Normalized {
  int xhat, inv;
};
Normalized normalized(GradCtx& c, int x, const std::vector<int64_t>& stat, float eps) {
  const int xc = c.add("Sub", {x, reduce_mean(c, x, stat)});
  const int var = reduce_mean(c, c.add("Mul", {xc, xc}), stat);
  const int inv = c.add("Reciprocal", {c.add("Sqrt", {c.add("Add", {var, c.scalar_like(x, eps)})})});
  return {c.add("Mul", {xc, inv}), inv};
}
// The gradient through xhat of g = dL/dxhat (dY times the scale): inv (g - mean(g) -
// xhat mean(g xhat)), the means over `stat` (PyTorch's formula of batch_norm's backward).
int normalized_dx(GradCtx& c, const Normalized& n, int g, const std::vector<int64_t>& stat) {
  const int m1 = reduce_mean(c, g, stat);
  const int m2 = reduce_mean(c, c.add("Mul", {g, n.xhat}), stat);
  const int d = c.add("Sub", {c.add("Sub", {g, m1}), c.add("Mul", {n.xhat, m2})});
  return c.add("Mul", {d, n.inv});
}

// y = scale xhat + B, xhat x normalized by its own statistics per channel (over the batch and
// the spatial dims, or per instance over the spatial dims), scale and B per channel: dX,
// dscale and dB (inputs 0, 1, 2) from one ChannelNormGrad node.
void grad_normalized_channels(GradCtx& c, float eps, bool per_instance) {
  const Shape scale = c.shape(1), bias = c.shape(2);
  const Attrs attrs = {{"epsilon", Attr::of(eps)}, {"per_instance", Attr::of(int64_t{per_instance})}};
  const std::vector<int> d = c.add_outputs("ChannelNormGrad", {c.node().inputs[0], c.node().inputs[1], c.dY(0)}, attrs,
                                           "onnx2cpp", {c.wants(0), c.wants(1), c.wants(2)});
  if (c.wants(0)) c.set_dX(0, d[0]);
  if (c.wants(1)) c.set_dX(1, c.reshape(d[1], scale));
  if (c.wants(2)) c.set_dX(2, c.reshape(d[2], bias));
}

struct ChannelNormGradAttrs {
  float epsilon = 1e-5f;
  int64_t per_instance = 0;
  O2C_FIELDS(epsilon, per_instance)
};
void infer_ChannelNormGrad(OpCtx& c) {
  c.attrs<ChannelNormGradAttrs>();
  const int64_t C = ncs(c).C;
  check_channel_params(c, 1, 1, C);
  if (c.shape(2) != c.shape(0)) c.fail("dY must have X's shape");
  if (c.has_out(0)) c.set_out(0, c.dtype(0), c.shape(0));
  for (size_t i = 1; i < 3; ++i)
    if (c.has_out(i)) c.set_out(i, c.dtype(0), Shape{C});
}
void lower_ChannelNormGrad(LowerCtx& c) {
  const NCS d = ncs(c);
  const auto a = c.attrs<ChannelNormGradAttrs>();
  c.call("channel_norm_grad", {type_arg(c.dtype(0))},
         {c.X(0), c.X(1), c.X(2), c.Y(0), c.Y(1), c.Y(2), index(d.N), index(d.C), index(d.S), f32(a.epsilon),
          boolean(a.per_instance != 0)});
}

// Inference mode (the statistics inputs 3 and 4): y = (x - mean) a + B with a = scale inv,
// inv = 1 / sqrt(var + eps). dX = dY a; dscale = sum(dY (x - mean)) inv; dB = sum(dY);
// dmean = -dB a; dvar = -sum(dY (x - mean)) a inv^2 / 2. Training mode (batch statistics):
// the statistics' inputs reach only the running outputs, whose gradients are refused.
void grad_BatchNormalization(GradCtx& c) {
  if (c.dY(1) >= 0 || c.dY(2) >= 0) c.unsupported("gradients flowing into the running mean and variance outputs");
  const int dy = c.dY(0);
  if (dy < 0) return;
  const BatchNormAttrs a = c.attrs<Plain<BatchNormAttrs>>().base;
  const Shape xs = c.shape(0);
  const size_t r = xs.size();
  const std::vector<int64_t> red = all_but_channels(r);
  if (batch_norm_training(c.node())) return grad_normalized_channels(c, a.epsilon, false);
  const auto& in = c.node().inputs;
  const int inv = c.add("Reciprocal", {c.add("Sqrt", {c.add("Add", {in[4], c.scalar_like(in[4], a.epsilon)})})});
  const int scaled = c.add("Mul", {in[1], inv});  // a
  if (c.wants(0)) c.set_dX(0, c.add("Mul", {dy, per_channel(c, scaled, xs[1], r)}));
  const int sum_dy = c.wants(2) || c.wants(3) ? reduce_sum(c, dy, red, false) : -1;
  const int sum_dyxc = c.wants(1) || c.wants(4)
                           ? reduce_sum(c, c.add("Mul", {dy, c.add("Sub", {in[0], per_channel(c, in[3], xs[1], r)})}), red, false)
                           : -1;
  if (c.wants(1)) c.set_dX(1, c.reshape(c.add("Mul", {sum_dyxc, inv}), c.shape(1)));
  if (c.wants(2)) c.set_dX(2, c.reshape(sum_dy, c.shape(2)));
  if (c.wants(3)) c.set_dX(3, c.reshape(c.add("Neg", {c.add("Mul", {sum_dy, scaled})}), c.shape(3)));
  if (c.wants(4)) {
    const int f = c.add("Mul", {c.add("Mul", {inv, inv}), c.scalar_like(inv, -0.5)});
    c.set_dX(4, c.reshape(c.add("Mul", {c.add("Mul", {sum_dyxc, scaled}), f}), c.shape(4)));
  }
}

// Statistics per (n, c) over the spatial dims; scale and B per channel.
void grad_InstanceNormalization(GradCtx& c) {
  if (c.dY(0) < 0) return;
  grad_normalized_channels(c, c.attrs<Plain<InstanceNormAttrs>>().base.epsilon, true);
}

// Statistics per row over dims axis.. (Mean and InvStdDev outputs take no gradient); Scale
// and B broadcast to the normalized dims: their gradients summed back to their shapes.
void grad_LayerNormalization(GradCtx& c) {
  if (c.dY(1) >= 0 || c.dY(2) >= 0) c.unsupported("gradients flowing into the Mean and InvStdDev outputs");
  const int dy = c.dY(0);
  if (dy < 0) return;
  const LayerNormAttrs a = c.attrs<LayerNormAttrs>();
  const RowsD d = ln_dims(c);
  std::vector<int64_t> stat;
  for (int64_t i = d.axis; i < c.rank(0); ++i) stat.push_back(i);
  const Normalized n = normalized(c, c.node().inputs[0], stat, a.epsilon);
  if (c.wants(0)) c.set_dX(0, normalized_dx(c, n, c.add("Mul", {dy, c.node().inputs[1]}), stat));
  if (c.wants(1)) c.set_dX(1, c.sum_to(c.add("Mul", {dy, n.xhat}), c.shape(1)));
  if (c.wants(2)) c.set_dX(2, c.sum_to(dy, c.shape(2)));
}

}  // namespace

bool batch_norm_training(const Node& n) {
  if (!n.domain.empty() || n.op != "BatchNormalization") return false;
  const auto t = n.attrs.find("training_mode");
  if (t != n.attrs.end()) return t->second.i != 0;
  if (n.opset >= 14) return false;
  for (size_t i = 1; i < n.outputs.size(); ++i)
    if (n.outputs[i] >= 0) return true;
  return false;
}

std::pair<int, int> batch_norm_running_stats(Graph& g, int node) {
  const Node bn = g.nodes[node];
  const std::string at = "running/" + g.values[bn.inputs[3]].name;
  auto add = [&](const std::string& op, std::vector<int> ins, Attrs a, const std::string& what) {
    return add_inferred_node(g, op, std::move(ins), std::move(a), at + "/" + what)[0];
  };
  const int x = bn.inputs[0];
  const DType t = g.values[x].dtype;
  const Shape xs = g.values[x].shape;
  auto scalar = [&](double v, const std::string& what) {
    Tensor s(t, {});
    if (t == DType::Float) s.data<float>()[0] = static_cast<float>(v);
    else s.data<double>()[0] = v;
    return g.add_constant(at + "/" + what, std::move(s));
  };
  const auto m = bn.attrs.find("momentum");
  const double momentum = m == bn.attrs.end() ? 0.9 : m->second.f;
  const std::vector<int64_t> red = all_but_channels(xs.size());
  const double count = static_cast<double>(numel(xs) / xs[1]);
  auto mean = [&](int v, bool keep, const std::string& what) {
    return add("ReduceMean", {v}, {{"axes", Attr::of(red)}, {"keepdims", Attr::of(int64_t{keep})}}, what);
  };
  const int mk = mean(x, true, "mean_kept");
  const int d = add("Sub", {x, mk}, {}, "centered");
  const int batch_var = add("Mul", {mean(add("Mul", {d, d}, {}, "squares"), false, "biased_var"), scalar(count > 1 ? count / (count - 1) : 1.0, "unbias")}, {}, "var");
  const int batch_mean = add("Reshape", {mk, g.add_constant(at + "/shape", [&] {
                                           Tensor s(DType::Int64, {1});
                                           s.data<int64_t>()[0] = xs[1];
                                           return s;
                                         }())}, {}, "mean");
  auto blend = [&](int old, int now, const std::string& what) {
    return add("Add", {add("Mul", {old, scalar(momentum, what + "/momentum")}, {}, what + "/old"),
                       add("Mul", {now, scalar(1.0 - momentum, what + "/rate")}, {}, what + "/batch")}, {}, what);
  };
  return {blend(bn.inputs[3], batch_mean, "new_mean"), blend(bn.inputs[4], batch_var, "new_var")};
}

O2C_DEFINE_OP(BatchNormalization, infer_batch_norm<Plain<BatchNormAttrs>>, lower_batch_norm<Plain<BatchNormAttrs>>, false, false,
              grad_BatchNormalization);
O2C_DEFINE_OP(FusedBatchNormalization, infer_batch_norm<FusedBatchNormAttrs>, lower_batch_norm<FusedBatchNormAttrs>);
O2C_DEFINE_OP(InstanceNormalization, infer_instance_norm<Plain<InstanceNormAttrs>>, lower_instance_norm<Plain<InstanceNormAttrs>>,
              false, false, grad_InstanceNormalization);
O2C_DEFINE_OP(FusedInstanceNormalization, infer_instance_norm<FusedInstanceNormAttrs>, lower_instance_norm<FusedInstanceNormAttrs>);
O2C_DEFINE_OP(ChannelNormGrad, infer_ChannelNormGrad, lower_ChannelNormGrad);
O2C_DEFINE_OP(LayerNormalization, infer_LayerNormalization, lower_LayerNormalization, false, false, grad_LayerNormalization, true);
O2C_DEFINE_OP(RMSNormalization, infer_RMSNormalization, lower_RMSNormalization, false, false, nullptr, true);
O2C_DEFINE_OP(GroupNormalization, infer_GroupNormalization, lower_GroupNormalization);
O2C_DEFINE_OP(LpNormalization, infer_LpNormalization, lower_LpNormalization);

}  // namespace o2c
