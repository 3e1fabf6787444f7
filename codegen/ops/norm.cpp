// BatchNormalization (inference), InstanceNormalization, LayerNormalization (templates/norm.hpp).
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
  for (size_t i = first; i <= last; ++i) {
    c.same_type(0, i);
    if (numel(c.shape(i)) != C) c.fail("input " + std::to_string(i) + " must have " + std::to_string(C) + " elements");
  }
}

void infer_BatchNormalization(OpCtx& c) {
  c.arity(5, 5, 1, 5);
  c.expect_type(0, {DType::Float, DType::Double});
  if (c.i("training_mode", 0) != 0) c.unsupported("training_mode=1");
  for (size_t i = 1; i < c.num_out(); ++i)
    if (c.has_out(i)) c.unsupported("training outputs (running mean/var, saved mean/var)");
  NCS d = ncs(c);
  check_channel_params(c, 1, 4, d.C);
  c.set_out(0, c.dtype(0), c.shape(0));
}

std::string bn_call(EmitCtx& c) {
  NCS d = ncs(c);
  return "k::batch_norm(" + c.X(0) + ", " + c.X(1) + ", " + c.X(2) + ", " + c.X(3) + ", " + c.X(4) + ", " +
         c.Y(0) + ", " + lit(d.N) + ", " + lit(d.C) + ", " + lit(d.S) + ", " + lit_f32(c.f("epsilon", 1e-5f)) +
         act_arg(c.node()) + ");";
}
void emit_BatchNormalization(EmitCtx& c) { c.line(bn_call(c)); }
void eval_BatchNormalization(OpCtx& c) {
  NCS d = ncs(c);
  Tensor y = out_tensor(c, 0);
  dispatch_float(y.dtype, [&](auto tag) {
    using T = decltype(tag);
    k::batch_norm(c.const_in(0)->data<T>(), c.const_in(1)->data<T>(), c.const_in(2)->data<T>(),
                  c.const_in(3)->data<T>(), c.const_in(4)->data<T>(), y.data<T>(), d.N, d.C, d.S,
                  c.f("epsilon", 1e-5f));
  });
  c.set_const(0, std::move(y));
}

void infer_InstanceNormalization(OpCtx& c) {
  c.arity(3, 3);
  c.expect_type(0, {DType::Float, DType::Double});
  NCS d = ncs(c);
  check_channel_params(c, 1, 2, d.C);
  c.set_out(0, c.dtype(0), c.shape(0));
}
void emit_InstanceNormalization(EmitCtx& c) {
  NCS d = ncs(c);
  c.line("k::instance_norm(" + c.X(0) + ", " + c.X(1) + ", " + c.X(2) + ", " + c.Y(0) + ", " + lit(d.N) + ", " +
         lit(d.C) + ", " + lit(d.S) + ", " + lit_f32(c.f("epsilon", 1e-5f)) + act_arg(c.node()) + ");");
}
void eval_InstanceNormalization(OpCtx& c) {
  NCS d = ncs(c);
  Tensor y = out_tensor(c, 0);
  dispatch_float(y.dtype, [&](auto tag) {
    using T = decltype(tag);
    k::instance_norm(c.const_in(0)->data<T>(), c.const_in(1)->data<T>(), c.const_in(2)->data<T>(),
                     y.data<T>(), d.N, d.C, d.S, c.f("epsilon", 1e-5f));
  });
  c.set_const(0, std::move(y));
}

// LayerNormalization: rows = prod(dims[:axis]), D = prod(dims[axis:]).
std::pair<int64_t, int64_t> ln_dims(OpCtx& c) {
  const Shape& x = c.shape(0);
  const int64_t r = static_cast<int64_t>(x.size());
  const int64_t a = c.axis(c.i("axis", -1), r);
  int64_t rows = 1, D = 1;
  for (int64_t i = 0; i < r; ++i) (i < a ? rows : D) *= x[i];
  return {rows, D};
}
void infer_LayerNormalization(OpCtx& c) {
  c.arity(2, 3, 1, 3);
  c.expect_type(0, {DType::Float, DType::Double});
  if (c.has_out(1) || c.has_out(2)) c.unsupported("the Mean and InvStdDev outputs");
  auto [rows, D] = ln_dims(c);
  (void)rows;
  for (size_t i = 1; i < 3; ++i)
    if (c.has_in(i)) {
      c.same_type(0, i);
      if (numel(c.shape(i)) != D) c.unsupported("Scale/B that broadcast over the normalized dims");
    }
  c.set_out(0, c.dtype(0), c.shape(0));
}
void emit_LayerNormalization(EmitCtx& c) {
  auto [rows, D] = ln_dims(c);
  c.line("k::layer_norm(" + c.X(0) + ", " + c.X(1) + ", " + (c.has_in(2) ? c.X(2) : "static_cast<const " + c.T(0) + "*>(nullptr)") +
         ", " + c.Y(0) + ", " + lit(rows) + ", " + lit(D) + ", " + lit_f32(c.f("epsilon", 1e-5f)) + ");");
}
void eval_LayerNormalization(OpCtx& c) {
  auto [rows, D] = ln_dims(c);
  Tensor y = out_tensor(c, 0);
  dispatch_float(y.dtype, [&](auto tag) {
    using T = decltype(tag);
    k::layer_norm(c.const_in(0)->data<T>(), c.const_in(1)->data<T>(),
                  c.has_in(2) ? c.const_in(2)->data<T>() : nullptr, y.data<T>(), rows, D,
                  c.f("epsilon", 1e-5f));
  });
  c.set_const(0, std::move(y));
}

}  // namespace

O2C_DEFINE_OP(BatchNormalization, infer_BatchNormalization, emit_BatchNormalization, eval_BatchNormalization);
O2C_DEFINE_OP(InstanceNormalization, infer_InstanceNormalization, emit_InstanceNormalization, eval_InstanceNormalization);
O2C_DEFINE_OP(LayerNormalization, infer_LayerNormalization, emit_LayerNormalization, eval_LayerNormalization);

}  // namespace o2c
