// BatchNormalization (inference), InstanceNormalization, LayerNormalization, and the fused
// forms that take an activation (passes/fuse.cpp): templates/norm.hpp.
#include "ops/epilogue.hpp"
#include "ops/helpers.hpp"

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

template <class A>
void infer_batch_norm(OpCtx& c) {
  if (c.attrs<A>().base.training_mode) c.unsupported("training_mode=1");
  for (size_t i = 1; i < c.num_out(); ++i)
    if (c.has_out(i)) c.unsupported("training outputs (running mean/var, saved mean/var)");
  check_channel_params(c, 1, 4, ncs(c).C);
  c.set_out(0, c.dtype(0), c.shape(0));
}

template <class A>
void lower_batch_norm(LowerCtx& c) {
  const NCS d = ncs(c);
  const A a = c.attrs<A>();
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

// LayerNormalization: rows = prod(dims[:axis]), D = prod(dims[axis:]).
struct LayerNormAttrs {
  int64_t axis = -1;
  float epsilon = 1e-5f;
  int64_t stash_type = 1;
  O2C_FIELDS(axis, epsilon, stash_type)
};
std::pair<int64_t, int64_t> ln_dims(OpCtx& c) {
  const Shape& x = c.shape(0);
  const int64_t r = static_cast<int64_t>(x.size());
  const int64_t a = c.axis(c.attrs<LayerNormAttrs>().axis, r);
  int64_t rows = 1, D = 1;
  for (int64_t i = 0; i < r; ++i) (i < a ? rows : D) *= x[i];
  return {rows, D};
}
void infer_LayerNormalization(OpCtx& c) {
  if (c.has_out(1) || c.has_out(2)) c.unsupported("the Mean and InvStdDev outputs");
  const auto [rows, D] = ln_dims(c);
  (void)rows;
  for (size_t i = 1; i < 3; ++i)
    if (c.has_in(i) && numel(c.shape(i)) != D) c.unsupported("Scale/B that broadcast over the normalized dims");
  c.set_out(0, c.dtype(0), c.shape(0));
}
void lower_LayerNormalization(LowerCtx& c) {
  const auto [rows, D] = ln_dims(c);
  c.call("layer_norm", {c.X(0), c.X(1), c.has_in(2) ? c.X(2) : null_of(c.dtype(0)), c.Y(0), index(rows), index(D),
                        f32(c.attrs<LayerNormAttrs>().epsilon)});
}

}  // namespace

O2C_DEFINE_OP(BatchNormalization, infer_batch_norm<Plain<BatchNormAttrs>>, lower_batch_norm<Plain<BatchNormAttrs>>);
O2C_DEFINE_OP(FusedBatchNormalization, infer_batch_norm<FusedBatchNormAttrs>, lower_batch_norm<FusedBatchNormAttrs>);
O2C_DEFINE_OP(InstanceNormalization, infer_instance_norm<Plain<InstanceNormAttrs>>, lower_instance_norm<Plain<InstanceNormAttrs>>);
O2C_DEFINE_OP(FusedInstanceNormalization, infer_instance_norm<FusedInstanceNormAttrs>, lower_instance_norm<FusedInstanceNormAttrs>);
O2C_DEFINE_OP(LayerNormalization, infer_LayerNormalization, lower_LayerNormalization);

}  // namespace o2c
