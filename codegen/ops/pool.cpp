// MaxPool, AveragePool, LpPool and the global pools (templates/pool.hpp).
#include <cmath>

#include "ops/helpers.hpp"
#include "ops/spatial.hpp"

namespace o2c {
namespace {

struct PoolAttrs {
  WindowAttrs window;
  bool ceil_mode = false, count_include_pad = false;
  int64_t storage_order = 0;
  double p = 2;  // LpPool's order: a float before version 2
  template <class V>
  void fields(V& v, const std::string& op) {
    window.fields(v);
    if (!v.has("kernel_shape")) v.fail("attribute 'kernel_shape' is required");
    const bool dilations = op == "MaxPool" ? v.version >= 10 : op == "AveragePool" ? v.version >= 19 : v.version >= 18;
    if (dilations) window.dilation_field(v);
    if (op == "LpPool" ? v.version >= 18 : v.version >= 10) v("ceil_mode", ceil_mode);
    if (op == "AveragePool") v("count_include_pad", count_include_pad);
    if (op == "MaxPool" && v.version >= 8) v("storage_order", storage_order);
    if (op == "LpPool") {
      if (v.version < 2) {
        float pf = static_cast<float>(p);
        v("p", pf);
        p = pf;
      } else {
        int64_t pi = static_cast<int64_t>(p);
        v("p", pi);
        p = static_cast<double>(pi);
      }
    }
  }
};

PoolAttrs pool_attrs(OpCtx& c) {
  PoolAttrs a;
  AttrReader rd(c.node().attrs, c.version(), c.graph().where(c.node()));
  a.fields(rd, c.node().op);
  rd.finish();
  return a;
}

int pool_kind(OpCtx& c) {
  const std::string& op = c.node().op;
  return op == "MaxPool" ? k::kPoolMax : op == "AveragePool" ? k::kPoolAverage : k::kPoolLp;
}

k::PoolParams pool_params(OpCtx& c, const PoolAttrs& a) {
  const Shape& x = c.shape(0);
  const Window w = make_window(c, x, a.window.kernel_shape, a.window, a.ceil_mode);
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
  p.count_include_pad = a.count_include_pad;
  return p;
}

}  // namespace

std::string code(const k::PoolParams& p) {
  return "k::PoolParams{" + lit(p.NC) + ", " + lit_array(p.in, 3) + ", " + lit_array(p.out, 3) + ", " + lit_array(p.k, 3) +
         ", " + lit_array(p.stride, 3) + ", " + lit_array(p.pad, 3) + ", " + lit_array(p.pad_end, 3) + ", " +
         lit_array(p.dil, 3) + ", " + (p.count_include_pad ? "true" : "false") + "}";
}

namespace {

void infer_pool(OpCtx& c) {
  if (c.has_out(1)) c.unsupported("the Indices output of MaxPool");
  const PoolAttrs a = pool_attrs(c);
  if (a.storage_order != 0) c.unsupported("storage_order=1");
  if (pool_kind(c) == k::kPoolLp && !(a.p > 0)) c.fail("p must be positive");
  const k::PoolParams p = pool_params(c, a);
  Shape out = {c.shape(0)[0], c.shape(0)[1]};
  for (size_t d = 5 - c.shape(0).size(); d < 3; ++d) out.push_back(p.out[d]);  // real dims are last
  c.set_out(0, c.dtype(0), out);
  // 2D max pooling runs in two vectorized passes through one row of scratch.
  if (pool_kind(c) == k::kPoolMax && k::max_pool_2d_fits(p)) c.set_scratch((p.in[2] + 16) * static_cast<int64_t>(dtype_size(c.dtype(0))));
}

void lower_pool(LowerCtx& c) {
  const PoolAttrs a = pool_attrs(c);
  const k::PoolParams p = pool_params(c, a);
  const int kind = pool_kind(c);
  if (kind == k::kPoolMax && k::max_pool_2d_fits(p)) {
    c.call("max_pool_2d", {type_arg(c.dtype(0))}, {c.X(0), c.Y(0), obj(p), c.scratch(c.dtype(0))});
    return;
  }
  const char* names[] = {"k::kPoolMax", "k::kPoolAverage", "k::kPoolLp"};
  const bool whole = a.p < 1e15 && a.p == std::floor(a.p);
  c.call("pool", {type_arg(c.dtype(0)), symbol(names[kind], kind)},
         {c.X(0), c.Y(0), obj(p), whole ? index(static_cast<int64_t>(a.p)) : scalar(DType::Double, a.p)});
}

void infer_global(OpCtx& c) {
  c.attrs<NoAttrs>();
  const Shape& x = c.shape(0);
  if (x.size() < 3) c.fail("input must have rank >= 3");
  Shape out = {x[0], x[1]};
  out.resize(x.size(), 1);
  c.set_out(0, c.dtype(0), out);
}

void lower_global(LowerCtx& c) {
  const Shape& x = c.shape(0);
  const bool avg = c.node().op == "GlobalAveragePool";
  c.call(avg ? "global_avg_pool" : "global_max_pool",
         {c.X(0), c.Y(0), index(x[0] * x[1]), index(numel(x) / std::max<int64_t>(x[0] * x[1], 1))});
}

}  // namespace

O2C_DEFINE_OP(MaxPool, infer_pool, lower_pool);
O2C_DEFINE_OP(AveragePool, infer_pool, lower_pool);
O2C_DEFINE_OP(LpPool, infer_pool, lower_pool);
O2C_DEFINE_OP(GlobalAveragePool, infer_global, lower_global);
O2C_DEFINE_OP(GlobalMaxPool, infer_global, lower_global);

}  // namespace o2c
