// MaxPool, AveragePool, LpPool and the global pools (templates/pool.hpp).
#include "ops/helpers.hpp"
#include "ops/spatial.hpp"

namespace o2c {
namespace {

k::PoolParams pool_params(OpCtx& c) {
  const Shape& x = c.shape(0);
  Window w = make_window(c, x, c.ints("kernel_shape"), c.i("ceil_mode", 0) != 0);
  k::PoolParams p{};
  p.NC = x[0] * x[1];
  for (int d = 0; d < 3; ++d) {
    p.in[d] = w.in[d];
    p.out[d] = w.out[d];
    p.k[d] = w.k[d];
    p.stride[d] = w.stride[d];
    p.pad[d] = w.pad[d];
    p.pad_end[d] = w.pad_end[d];
    p.dil[d] = w.dil[d];
  }
  p.count_include_pad = c.i("count_include_pad", 0) != 0;
  return p;
}

int pool_kind(OpCtx& c) {
  const std::string& op = c.node().op;
  return op == "MaxPool" ? 0 : op == "AveragePool" ? 1 : 2;
}

void infer_pool(OpCtx& c) {
  c.arity(1, 1, 1, 2);
  if (c.has_out(1)) c.unsupported("the Indices output of MaxPool");
  c.expect_type(0, {DType::Float, DType::Double});
  if (!c.has("kernel_shape")) c.fail("kernel_shape is required");
  if (c.i("storage_order", 0) != 0) c.unsupported("storage_order=1");
  if (pool_kind(c) == 2) {
    int64_t pn = c.i("p", 2);
    if (pn != 1 && pn != 2) c.unsupported("LpPool with p=" + std::to_string(pn));
  }
  k::PoolParams p = pool_params(c);
  Shape out = {c.shape(0)[0], c.shape(0)[1]};
  for (size_t d = 5 - c.shape(0).size(); d < 3; ++d) out.push_back(p.out[d]);  // real dims are last
  c.set_out(0, c.dtype(0), out);
  // 2D max pooling runs in two vectorized passes through one row of scratch.
  if (pool_kind(c) == 0 && k::max_pool_2d_fits(p))
    c.node().scratch_bytes = (p.in[2] + 16) * static_cast<int64_t>(dtype_size(c.dtype(0)));
}

void emit_pool(EmitCtx& c) {
  k::PoolParams p = pool_params(c);
  const std::string params = "k::PoolParams{" + lit(p.NC) + ", " + lit_array(p.in, 3) + ", " + lit_array(p.out, 3) +
                             ", " + lit_array(p.k, 3) + ", " + lit_array(p.stride, 3) + ", " + lit_array(p.pad, 3) +
                             ", " + lit_array(p.pad_end, 3) + ", " + lit_array(p.dil, 3) + ", " +
                             (p.count_include_pad ? "true" : "false") + "}";
  if (pool_kind(c) == 0 && k::max_pool_2d_fits(p)) {
    c.line("k::max_pool_2d<" + c.T(0) + ">(" + c.X(0) + ", " + c.Y(0) + ", " + params + ", " + c.scratch(c.dtype(0)) +
           ");");
    return;
  }
  c.line("k::pool<" + c.T(0) + ", " + std::to_string(pool_kind(c)) + ">(" + c.X(0) + ", " + c.Y(0) + ", " + params +
         ", " + std::to_string(c.i("p", 2)) + ");");
}

void eval_pool(OpCtx& c) {
  k::PoolParams p = pool_params(c);
  Tensor y = out_tensor(c, 0);
  const int kind = pool_kind(c);
  const int pn = static_cast<int>(c.i("p", 2));
  dispatch_float(y.dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* x = c.const_in(0)->data<T>();
    if (kind == 0) k::pool<T, 0>(x, y.data<T>(), p, pn);
    else if (kind == 1) k::pool<T, 1>(x, y.data<T>(), p, pn);
    else k::pool<T, 2>(x, y.data<T>(), p, pn);
  });
  c.set_const(0, std::move(y));
}

void infer_global(OpCtx& c) {
  c.arity(1, 1);
  c.expect_type(0, {DType::Float, DType::Double});
  const Shape& x = c.shape(0);
  if (x.size() < 3) c.fail("input must have rank >= 3");
  Shape out = {x[0], x[1]};
  out.resize(x.size(), 1);
  c.set_out(0, c.dtype(0), out);
}

void emit_global(EmitCtx& c) {
  const Shape& x = c.shape(0);
  const bool avg = c.node().op == "GlobalAveragePool";
  c.line(std::string("k::") + (avg ? "global_avg_pool" : "global_max_pool") + "(" + c.X(0) + ", " + c.Y(0) +
         ", " + lit(x[0] * x[1]) + ", " + lit(numel(x) / std::max<int64_t>(x[0] * x[1], 1)) + ");");
}

void eval_global(OpCtx& c) {
  const Shape& x = c.shape(0);
  Tensor y = out_tensor(c, 0);
  const bool avg = c.node().op == "GlobalAveragePool";
  const int64_t nc = x[0] * x[1], s = numel(x) / std::max<int64_t>(nc, 1);
  dispatch_float(y.dtype, [&](auto tag) {
    using T = decltype(tag);
    if (avg) k::global_avg_pool(c.const_in(0)->data<T>(), y.data<T>(), nc, s);
    else k::global_max_pool(c.const_in(0)->data<T>(), y.data<T>(), nc, s);
  });
  c.set_const(0, std::move(y));
}

}  // namespace

O2C_DEFINE_OP(MaxPool, infer_pool, emit_pool, eval_pool);
O2C_DEFINE_OP(AveragePool, infer_pool, emit_pool, eval_pool);
O2C_DEFINE_OP(LpPool, infer_pool, emit_pool, eval_pool);
O2C_DEFINE_OP(GlobalAveragePool, infer_global, emit_global, eval_global);
O2C_DEFINE_OP(GlobalMaxPool, infer_global, emit_global, eval_global);

}  // namespace o2c
