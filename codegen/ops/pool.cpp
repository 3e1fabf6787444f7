// MaxPool (with its Indices output), AveragePool, LpPool, the global pools and MaxUnpool
// (templates/pool.hpp).
#include <cmath>

#include "ops/helpers.hpp"
#include "ops/shape_data.hpp"
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

// The backward pass's MaxPoolGrad and AveragePoolGrad (onnx2cpp's domain) carry their
// forward node's attributes, read as the newest version of the forward op reads them.
PoolAttrs pool_attrs(OpCtx& c) {
  PoolAttrs a;
  const std::string& op = c.node().op;
  const bool grad = c.node().domain == "onnx2cpp";
  AttrReader rd(c.node().attrs, grad ? 22 : c.version(), c.graph().where(c.node()));
  a.fields(rd, grad ? op.substr(0, op.size() - 4) : op);
  rd.finish();
  return a;
}

int pool_kind(OpCtx& c) {
  const std::string& op = c.node().op;
  return op.rfind("MaxPool", 0) == 0 ? k::kPoolMax : op.rfind("AveragePool", 0) == 0 ? k::kPoolAverage : k::kPoolLp;
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
  const PoolAttrs a = pool_attrs(c);
  if (a.storage_order != 0 && a.storage_order != 1) c.fail("storage_order must be 0 or 1");
  if (pool_kind(c) == k::kPoolLp && !(a.p > 0)) c.fail("p must be positive");
  const k::PoolParams p = pool_params(c, a);
  Shape out = {c.shape(0)[0], c.shape(0)[1]};
  for (size_t d = 5 - c.shape(0).size(); d < 3; ++d) out.push_back(p.out[d]);  // real dims are last
  c.set_out(0, c.dtype(0), out);
  if (c.has_out(1)) {  // MaxPool's Indices: computed with Y by max_pool_indices
    c.set_out(1, DType::Int64, out);
    return;
  }
  // 2D max pooling runs in two vectorized passes through one row of scratch.
  if (pool_kind(c) == k::kPoolMax && k::max_pool_2d_fits(p)) c.set_scratch((p.in[2] + 16) * static_cast<int64_t>(dtype_size(c.dtype(0))));
}

void lower_pool(LowerCtx& c) {
  const PoolAttrs a = pool_attrs(c);
  const k::PoolParams p = pool_params(c, a);
  const int kind = pool_kind(c);
  if (c.has_out(1)) {
    c.call("max_pool_indices", {c.X(0), c.Y(0), c.Y(1), obj(p), boolean(a.storage_order == 1)});
    return;
  }
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

// ---- Gradients (passes/backward.cpp) -----------------------------------------------------------

// MaxPool and AveragePool: the pool's grad kernel (MaxPoolGrad, AveragePoolGrad: X, dY -> dX)
// with the forward's attributes.
void grad_pool(GradCtx& c) {
  if (c.dY(0) < 0 || !c.wants(0)) return;
  if (pool_kind(c) == k::kPoolLp) c.unsupported("the gradient of LpPool");
  c.set_dX(0, c.add(c.node().op + "Grad", {c.node().inputs[0], c.dY(0)}, c.node().attrs, "onnx2cpp"));
}

// GlobalAveragePool: dY / S broadcast over the S spatial positions. GlobalMaxPool: MaxPool's
// gradient with the whole plane as the window (dY to the first maximum, as max_pool does).
void grad_global(GradCtx& c) {
  if (c.dY(0) < 0 || !c.wants(0)) return;
  const Shape& x = c.shape(0);
  const int dy = c.dY(0);
  if (c.node().op == "GlobalAveragePool") {
    const double S = static_cast<double>(numel(x) / std::max<int64_t>(x[0] * x[1], 1));
    c.set_dX(0, c.add("Expand", {c.add("Mul", {dy, c.scalar_like(dy, 1.0 / S)}), c.ints(x)}));
    return;
  }
  c.set_dX(0, c.add("MaxPoolGrad", {c.node().inputs[0], dy},
                    {{"kernel_shape", Attr::of(std::vector<int64_t>(x.begin() + 2, x.end()))}}, "onnx2cpp"));
}

void infer_pool_grad(OpCtx& c) {
  const k::PoolParams p = pool_params(c, pool_attrs(c));
  Shape out = {c.shape(0)[0], c.shape(0)[1]};
  for (size_t d = 5 - c.shape(0).size(); d < 3; ++d) out.push_back(p.out[d]);
  if (c.shape(1) != out) c.fail("dY " + shape_str(c.shape(1)) + " is not the shape of the pool's output " + shape_str(out));
  c.set_out(0, c.dtype(0), c.shape(0));
}

void lower_pool_grad(LowerCtx& c) {
  const k::PoolParams p = pool_params(c, pool_attrs(c));
  if (pool_kind(c) == k::kPoolMax) c.call("max_pool_grad", {type_arg(c.dtype(0))}, {c.X(0), c.X(1), c.Y(0), obj(p)});
  else c.call("average_pool_grad", {type_arg(c.dtype(0))}, {c.X(1), c.Y(0), obj(p)});
}

// ---- MaxUnpool: MaxPool's values written back where its Indices say -----------------------

struct MaxUnpoolAttrs {
  std::vector<int64_t> kernel_shape, pads, strides;
  template <class V>
  void fields(V& v) {
    v.required("kernel_shape", kernel_shape);
    v("pads", pads);
    v("strides", strides);
  }
};

// The unpooled shape: each spatial dim (in - 1) * stride - pads + kernel.
Shape unpooled_shape(OpCtx& c) {
  const auto a = c.attrs<MaxUnpoolAttrs>();
  const Shape& x = c.shape(0);
  if (x.size() < 3) c.fail("X must have rank >= 3, got " + shape_str(x));
  if (x.size() > static_cast<size_t>(k::kMaxRank)) c.unsupported("X of rank above " + std::to_string(k::kMaxRank));
  const size_t n = x.size() - 2;
  const auto strides = a.strides.empty() ? std::vector<int64_t>(n, 1) : a.strides;
  const auto pads = a.pads.empty() ? std::vector<int64_t>(2 * n, 0) : a.pads;
  if (a.kernel_shape.size() != n || strides.size() != n || pads.size() != 2 * n)
    c.fail("kernel_shape, strides or pads do not match the " + std::to_string(n) + " spatial dims of X");
  Shape out = {x[0], x[1]};
  for (size_t d = 0; d < n; ++d) {
    const int64_t v = (x[2 + d] - 1) * strides[d] - pads[d] - pads[n + d] + a.kernel_shape[d];
    if (v < 0) c.fail("the unpooled shape has a negative dim");
    out.push_back(v);
  }
  return out;
}

// The output's shape: output_shape (a constant) when given, else the unpooled shape. As in the
// spec's reference, indices address the unpooled shape and output_shape only extends it.
Shape unpool_out_shape(OpCtx& c, const Shape& unpooled) {
  if (!c.has_in(2)) return unpooled;
  const Shape out = c.require_const(2, "output_shape (the output's shape)").to_ints();
  if (out.size() != unpooled.size()) c.fail("output_shape " + shape_str(out) + " must have rank " + std::to_string(unpooled.size()));
  for (size_t d = 0; d < out.size(); ++d)
    if (d < 2 ? out[d] != unpooled[d] : out[d] < unpooled[d])
      c.unsupported("output_shape " + shape_str(out) + " smaller than the unpooled shape " + shape_str(unpooled) +
                    " (or of other batch or channels)");
  return out;
}

// output_shape known only at run time (k::max_unpool_data): each dim at most --max OUTPUT=N.
bool unpool_shape_from_data(OpCtx& c) { return values_at_run_time(c, 2); }
int64_t unpool_data_bound(OpCtx& c, const Shape& unpooled) {
  if (c.rank(2) != 1 || c.shape(2)[0] != static_cast<int64_t>(unpooled.size()))
    c.fail("output_shape must have " + std::to_string(unpooled.size()) + " entries");
  return std::max(user_bound(c, 0, 2), largest_dim(unpooled));
}

void infer_MaxUnpool(OpCtx& c) {
  const Shape unpooled = unpooled_shape(c);
  if (c.shape(1) != c.shape(0)) c.fail("I " + shape_str(c.shape(1)) + " must have the shape of X " + shape_str(c.shape(0)));
  if (unpool_shape_from_data(c)) {
    std::vector<int64_t> bounds(unpooled.size(), unpool_data_bound(c, unpooled));  // batch and channels: X's
    bounds[0] = unpooled[0];
    bounds[1] = unpooled[1];
    return c.set_out_dims(0, c.dtype(0), data_dims(c, 0, bounds));
  }
  c.set_out(0, c.dtype(0), unpool_out_shape(c, unpooled));
}
void lower_MaxUnpool(LowerCtx& c) {
  const Shape unpooled = unpooled_shape(c);
  if (unpool_shape_from_data(c)) {
    c.call("max_unpool_data", {c.X(0), c.X(1), c.Y(0), index(numel(c.shape(0))), shape_table(c, unpooled),
                               index(static_cast<int64_t>(unpooled.size())), c.X(2), index(unpool_data_bound(c, unpooled)),
                               dim_outs(c, c.out(0).dims)});
    c.calls.back().status = true;
    return;
  }
  const Shape out = unpool_out_shape(c, unpooled);
  if (numel(out) == 0) return;
  c.call("max_unpool", {c.X(0), c.X(1), c.Y(0), index(numel(c.shape(0))), index(numel(out)),
                        obj(make_strided(unpooled, strides_of(out)))});
}

}  // namespace

O2C_DEFINE_OP(MaxUnpool, infer_MaxUnpool, lower_MaxUnpool);
O2C_DEFINE_OP(MaxPool, infer_pool, lower_pool, false, false, grad_pool);
O2C_DEFINE_OP(AveragePool, infer_pool, lower_pool, false, false, grad_pool);
O2C_DEFINE_OP(LpPool, infer_pool, lower_pool);
O2C_DEFINE_OP(GlobalAveragePool, infer_global, lower_global, false, false, grad_global);
O2C_DEFINE_OP(GlobalMaxPool, infer_global, lower_global, false, false, grad_global);
O2C_DEFINE_OP(MaxPoolGrad, infer_pool_grad, lower_pool_grad);
O2C_DEFINE_OP(AveragePoolGrad, infer_pool_grad, lower_pool_grad);

}  // namespace o2c
