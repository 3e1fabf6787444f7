// Gemm (Eigen's blocked product, or the panel microkernel for a float product by constant
// weights) and MatMul (the panel microkernel for floats), and their fused forms FusedGemm
// (an activation) and FusedMatMul (a bias row and an activation) that passes/fuse.cpp makes:
// templates/gemm.hpp.
#include "ops/epilogue.hpp"
#include "ops/helpers.hpp"

namespace o2c {
namespace {

struct GemmAttrs {
  float alpha = 1.0f, beta = 1.0f;
  bool transA = false, transB = false;
  template <class V>
  void fields(V& v) {
    v("alpha", alpha);
    v("beta", beta);
    v("transA", transA);
    v("transB", transB);
    if (v.version < 7) {  // C broadcast only with broadcast=1 then; numpy rules cover both
      int64_t broadcast = 0;
      v("broadcast", broadcast);
    }
  }
};
using FusedGemmAttrs = WithEpilogue<GemmAttrs>;

// M, N, K at their bounds, and M as a run-time dim (A's rows: a batch of tokens); N and K are
// static.
struct GemmDims {
  int64_t M, N, K;
  bool ta, tb;
  Dim m;
};

GemmDims gemm_dims(OpCtx& c, const GemmAttrs& a) {
  const Shape& x = c.shape(0);
  const Shape& w = c.shape(1);
  if (x.size() != 2 || w.size() != 2) c.fail("A and B must be matrices, got " + shape_str(x) + " and " + shape_str(w));
  GemmDims d;
  d.ta = a.transA;
  d.tb = a.transB;
  d.M = d.ta ? x[1] : x[0];
  d.K = d.ta ? x[0] : x[1];
  const int64_t kb = d.tb ? w[1] : w[0];
  d.N = d.tb ? w[0] : w[1];
  if (kb != d.K) c.fail("inner dimensions differ: " + shape_str(x) + " x " + shape_str(w));
  d.m = c.dim(0, d.ta ? 1 : 0);
  if (c.in(1).dynamic() || !c.dim(0, d.ta ? 0 : 1).is_const() ||
      (c.has_in(2) && c.in(2).dynamic() && numel(c.shape(2)) != d.N))
    c.unsupported("run-time dims other than A's rows (M)");
  return d;
}

// A constant B (op(B) is K x N) packed by k::pack_panels, as a table argument.
Arg packed_panels(LowerCtx& c, const Tensor& b, int64_t K, int64_t N, bool transB) {
  return rearranged_table(c, b, k::packed_panels_size(K, N),
                          [&](const auto* B, auto* Bp) { k::pack_panels(B, Bp, K, N, transB); });
}

// Whether the node runs panel_matmul_packed() on B packed at compile time: float, A not
// transposed, B constant (nn.Linear's Gemm, transB = 1), alpha 1, C absent or added as it is
// (beta 1) as a row of N or a full [M, N], more than one row (one row is a GEMV, left to
// Eigen). Under wasm SIMD, 64 x 128 x 128 on Eigen's product ran at 18 GFLOP/s, the panel
// kernel at about 30.
bool use_panel(OpCtx& c, const GemmAttrs& a, const GemmDims& d) {
  if (c.dtype(0) != DType::Float || d.ta || !c.const_in(1) || d.M < 2 || d.N < 2 || d.K < 1 || a.alpha != 1.0f)
    return false;
  if (!c.has_in(2) || a.beta == 0.0f) return true;
  const Shape& cs = c.shape(2);
  const bool row = numel(cs) == d.N && (cs.empty() ? d.N == 1 : cs.back() == d.N);
  return a.beta == 1.0f && (row || cs == Shape{d.M, d.N});
}

template <class A>
void infer_gemm(OpCtx& c) {
  const A at = c.attrs<A>();
  const GemmAttrs& a = at.base;
  const GemmDims d = gemm_dims(c, a);
  if (c.has_in(2)) {
    const Shape bc = broadcast(c, c.shape(2), {d.M, d.N});
    if (bc != Shape{d.M, d.N}) c.fail("C " + shape_str(c.shape(2)) + " does not broadcast to [M, N]");
    if (!d.m.is_const()) broadcast_dims(c, c.dims(2), {d.m, d.N});
  }
  c.set_out_dims(0, c.dtype(0), {d.m, d.N});
  const int64_t elems = use_panel(c, a, d) ? k::panel_matmul_scratch(d.K) : k::gemm_scratch(d.M, d.N, d.K);
  c.set_scratch(elems * static_cast<int64_t>(dtype_size(c.dtype(0))));
}

Arg work(LowerCtx& c) { return c.node().scratch_bytes ? c.scratch(c.dtype(0)) : Arg{}; }

void lower_gemm(LowerCtx& c, const GemmAttrs& a, const k::Act& act) {
  const GemmDims d = gemm_dims(c, a);
  const DType t = c.dtype(0);
  const bool bias = c.has_in(2) && a.beta != 0.0f;
  if (use_panel(c, a, d)) {
    const Arg b = packed_panels(c, *c.const_in(1), d.K, d.N, d.tb);
    const int64_t ldz = bias && numel(c.shape(2)) != d.M * d.N ? 0 : d.N;
    std::vector<Arg> args = {c.X(0), b, c.Y(0), c.extent(d.m), index(d.N), index(d.K), bias ? c.X(2) : null_of(DType::Float),
                             index(bias ? ldz : 0), work(c)};
    if (act.kind != k::Act::None) args.push_back(obj(act));
    c.call("panel_matmul_packed", {type_arg(DType::Float)}, args);
    return;
  }
  if (bias) {
    const std::vector<Dim> out = {d.m, d.N};
    c.call("strided_copy", {c.X(2), c.Y(0),
                            d.m.is_const() ? obj(make_strided({d.M, d.N}, bcast_strides(c.shape(2), {d.M, d.N})))
                                           : strided_arg(out, bcast_strides_dims(c.dims(2), out), {d.M, d.N})});
    if (a.beta != 1.0f) c.call("scale", {c.Y(0), c.Y(0), c.extent(d.m * d.N), scalar(t, a.beta)});
  }
  c.call("gemm", {type_arg(t)},
         {c.X(0), c.X(1), c.Y(0), c.extent(d.m), index(d.N), index(d.K), boolean(d.ta), boolean(d.tb), scalar(t, a.alpha),
          boolean(bias), work(c)});
  if (act.kind != k::Act::None) c.call("act_apply", {c.Y(0), c.extent(d.m * d.N), obj(act)});
}

struct PlainGemm {
  GemmAttrs base;
  template <class V>
  void fields(V& v) { base.fields(v); }
};
void lower_Gemm(LowerCtx& c) { lower_gemm(c, c.attrs<GemmAttrs>(), k::Act{k::Act::None, 0.0f, 0.0f}); }
void lower_FusedGemm(LowerCtx& c) {
  const auto a = c.attrs<FusedGemmAttrs>();
  lower_gemm(c, a.base, a.epi.act());
}

}  // namespace

// MatMul: numpy semantics (1-D operands promoted and the extra dim dropped). The product
// runs on the panel microkernel for floats (with B, if constant, read in place: its rows
// are already [K][N]).
k::MatMulPlan matmul_plan(OpCtx& c, Shape a, Shape b, Shape* out_shape) {
  const Shape a0 = a, b0 = b;
  if (a.empty() || b.empty()) c.fail("MatMul operands must have rank >= 1");
  const bool a1 = a.size() == 1, b1 = b.size() == 1;
  if (a1) a.insert(a.begin(), 1);
  if (b1) b.push_back(1);
  const int64_t M = a[a.size() - 2], K = a.back(), N = b.back();
  if (b[b.size() - 2] != K) c.fail("inner dimensions differ: " + shape_str(a0) + " x " + shape_str(b0));
  Shape ba(a.begin(), a.end() - 2), bb(b.begin(), b.end() - 2);
  Shape batch = broadcast(c, ba, bb);
  if (batch.size() > static_cast<size_t>(k::kMaxRank)) c.unsupported("batch rank above 8");
  Shape out = batch;
  if (!a1) out.push_back(M);
  if (!b1) out.push_back(N);
  if (out_shape) *out_shape = out;
  k::MatMulPlan p{};
  p.M = M;
  p.N = N;
  p.K = K;
  auto sa = bcast_strides(ba, batch), sb = bcast_strides(bb, batch);
  p.rank = static_cast<int>(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    p.dims[i] = batch[i];
    p.sa[i] = sa[i];
    p.sb[i] = sb[i];
  }
  // B shared by every batch and A's batches dense: one product of batch*M rows
  // ([seq, 1, hidden] x [hidden, out] from batch-second exports is one GEMM, not seq GEMVs).
  bool fold = p.rank > 0;
  int64_t dense = 1;
  for (int i = p.rank - 1; i >= 0; --i) {
    if (p.sb[i] != 0 || (p.dims[i] > 1 && p.sa[i] != dense)) fold = false;
    dense *= p.dims[i];
  }
  if (fold) {
    p.M *= dense;
    p.rank = 0;
  }
  if (p.rank == 0) {
    p.rank = 1;
    p.dims[0] = 1;
    p.sa[0] = p.sb[0] = 0;
  }
  return p;
}

namespace {

// matmul_plan with run-time dims: the same plan, as expressions of them.
struct MatMulDims {
  Dim M, N, K;
  std::vector<Dim> batch, sa, sb, out;
};

MatMulDims matmul_dims(OpCtx& c) {
  std::vector<Dim> a = c.dims(0), b = c.dims(1);
  if (a.empty() || b.empty()) c.fail("MatMul operands must have rank >= 1");
  const bool a1 = a.size() == 1, b1 = b.size() == 1;
  if (a1) a.insert(a.begin(), Dim(1));
  if (b1) b.push_back(Dim(1));
  MatMulDims p;
  p.M = a[a.size() - 2];
  p.K = a.back();
  p.N = b.back();
  if (b[b.size() - 2] != p.K)
    c.unsupported("inner dimensions " + p.K.str(c.dim_table()) + " and " + b[b.size() - 2].str(c.dim_table()) +
                  " are not equal for every size");
  const std::vector<Dim> ba(a.begin(), a.end() - 2), bb(b.begin(), b.end() - 2);
  p.batch = broadcast_dims(c, ba, bb);
  if (p.batch.size() > static_cast<size_t>(k::kMaxRank)) c.unsupported("batch rank above 8");
  p.out = p.batch;
  if (!a1) p.out.push_back(p.M);
  if (!b1) p.out.push_back(p.N);
  p.sa = bcast_strides_dims(ba, p.batch);
  p.sb = bcast_strides_dims(bb, p.batch);
  bool fold = !p.batch.empty();  // B shared, A's batches dense: one product (as matmul_plan)
  Dim dense = 1;
  for (size_t i = p.batch.size(); i-- > 0;) {
    if (p.sb[i] != Dim(0) || (p.batch[i] != Dim(1) && p.sa[i] != dense)) fold = false;
    dense = dense * p.batch[i];
  }
  if (fold) {
    p.M = p.M * dense;
    p.batch.clear();
  }
  if (p.batch.empty()) {
    p.batch = {Dim(1)};
    p.sa = p.sb = {Dim(0)};
  }
  return p;
}

bool any_dynamic(OpCtx& c) { return c.in(0).dynamic() || c.in(1).dynamic(); }

// The plan argument of k::matmul: numbers, or expressions of the run-time dims.
Arg matmul_arg(LowerCtx& c) {
  if (!any_dynamic(c)) return obj(matmul_plan(c, nullptr));
  const MatMulDims p = matmul_dims(c);
  return object(k::MatMulPlan{}, "k::MatMulPlan{" + p.M.cpp(dim_var) + ", " + p.N.cpp(dim_var) + ", " + p.K.cpp(dim_var) + ", " +
                                     std::to_string(p.batch.size()) + ", " + dims_code(p.batch) + ", " + dims_code(p.sa) +
                                     ", " + dims_code(p.sb) + "}");
}

template <class A>
void infer_matmul(OpCtx& c) {
  c.attrs<A>();
  if (any_dynamic(c)) {
    const MatMulDims p = matmul_dims(c);
    if (c.has_in(2) && (!p.N.is_const() || numel(c.shape(2)) != p.N.value()))
      c.unsupported("the fused bias with a run-time N");
    c.set_out_dims(0, c.dtype(0), p.out);
    const DimTable& t = c.dim_table();
    c.set_scratch(k::matmul_scratch(t.bound(p.M), t.bound(p.N), t.bound(p.K)) * static_cast<int64_t>(dtype_size(c.dtype(0))));
    return;
  }
  Shape out;
  const k::MatMulPlan p = matmul_plan(c, &out);
  if (c.has_in(2) && numel(c.shape(2)) != p.N)
    c.fail("the fused bias must have N = " + std::to_string(p.N) + " elements, got " + shape_str(c.shape(2)));
  c.set_out(0, c.dtype(0), out);
  c.set_scratch(k::matmul_scratch(p.M, p.N, p.K) * static_cast<int64_t>(dtype_size(c.dtype(0))));
}

// Whether B is constant weights every batch shares (its leading dims all 1), in floats of a
// product of more than one column: packed at compile time for matmul_packed().
bool packed_b(OpCtx& c) {
  if ((c.dtype(0) != DType::Float && c.dtype(0) != DType::Double) || !c.const_in(1) || c.shape(1).size() < 2) return false;
  const Shape& b = c.shape(1);
  return numel(b) == b[b.size() - 2] * b.back() && b.back() > 1 && b[b.size() - 2] > 0;
}

// k::matmul, or k::matmul_packed on B packed, with the fused epilogue's arguments (extra).
void call_matmul(LowerCtx& c, std::vector<Arg> extra) {
  const bool packed = packed_b(c);
  const Shape& b = c.shape(1);
  std::vector<Arg> args = {c.X(0), packed ? packed_panels(c, *c.const_in(1), b[b.size() - 2], b.back(), false) : c.X(1),
                           c.Y(0), matmul_arg(c), work(c)};
  args.insert(args.end(), extra.begin(), extra.end());
  c.call(packed ? "matmul_packed" : "matmul", {type_arg(c.dtype(0))}, args);
}

void lower_MatMul(LowerCtx& c) { call_matmul(c, {}); }
// Y = A B (numpy matmul): dA = dY B^T and dB = A^T dY on the operands promoted to matrices
// (a 1-D A as a row, a 1-D B as a column), summed over the batch dims each was broadcast
// along. A matrix B (weights) is shared by every batch: its products run on all the batch
// rows at once (Gemm on [rows, K] and [rows, N]: no transpose, no batch sum).
void grad_MatMul(GradCtx& c) {
  const int dy = c.dY(0);
  if (dy < 0) return;
  const Shape a0 = c.shape(0), b0 = c.shape(1);
  Shape as = a0, bs = b0, out;
  if (as.size() == 1) as.insert(as.begin(), 1);
  if (bs.size() == 1) bs.push_back(1);
  matmul_plan(c, as, bs, &out);
  const int64_t K = as.back(), N = bs.back();
  const int g = c.reshape(dy, out), a = c.reshape(c.node().inputs[0], as), b = c.reshape(c.node().inputs[1], bs);
  auto gemm = [&](int x, int y, bool ta, bool tb) {
    return c.add("Gemm", {x, y}, {{"transA", Attr::of(int64_t{ta})}, {"transB", Attr::of(int64_t{tb})}});
  };
  auto swap_last = [&](int v) {  // a batch of matrices transposed
    const int64_t rv = static_cast<int64_t>(c.graph().values[v].shape.size());
    std::vector<int64_t> perm;
    for (int64_t i = 0; i < rv; ++i) perm.push_back(i < rv - 2 ? i : 2 * rv - 3 - i);
    return c.add("Transpose", {v}, {{"perm", Attr::of(perm)}});
  };
  const int64_t rows = numel(out) / std::max<int64_t>(N, 1);
  if (c.wants(0)) {
    int d;
    if (bs.size() == 2) {
      Shape ds(out.begin(), out.end() - 1);
      ds.push_back(K);
      d = c.reshape(gemm(c.reshape(g, {rows, N}), b, false, true), ds);
    } else {
      d = c.add("MatMul", {g, swap_last(b)});
    }
    c.set_dX(0, c.reshape(c.sum_to(d, as), a0));
  }
  if (c.wants(1)) {
    const int d = bs.size() == 2 ? gemm(c.reshape(a, {rows, K}), c.reshape(g, {rows, N}), true, false)
                                 : c.sum_to(c.add("MatMul", {swap_last(a), g}), bs);
    c.set_dX(1, c.reshape(d, b0));
  }
}

void lower_FusedMatMul(LowerCtx& c) {
  const k::Act act = c.attrs<EpilogueAttrs>().act();
  call_matmul(c, {c.has_in(2) ? c.X(2) : null_of(c.dtype(0)), obj(act)});
}

// Y = alpha op(A) op(B) + beta C: dA = alpha dY op(B)^T (as A is laid out), dB = alpha
// op(A)^T dY (likewise), dC = beta dY summed over the dims C broadcasts along.
void grad_Gemm(GradCtx& c) {
  const GemmAttrs a = c.attrs<GemmAttrs>();
  const int dy = c.dY(0);
  if (dy < 0) return;
  auto gemm = [&](int x, int y, bool ta, bool tb) {
    return c.add("Gemm", {x, y}, {{"transA", Attr::of(int64_t{ta})}, {"transB", Attr::of(int64_t{tb})},
                                   {"alpha", Attr::of(a.alpha)}});
  };
  const int A = c.node().inputs[0], B = c.node().inputs[1];
  if (c.wants(0)) c.set_dX(0, a.transA ? gemm(B, dy, a.transB, true) : gemm(dy, B, false, !a.transB));
  if (c.wants(1)) c.set_dX(1, a.transB ? gemm(dy, A, true, a.transA) : gemm(A, dy, !a.transA, false));
  if (c.wants(2)) {
    int g = c.sum_to(dy, c.shape(2));
    if (a.beta != 1.0f) g = c.add("Mul", {g, c.scalar_like(g, a.beta)});
    c.set_dX(2, g);
  }
}

}  // namespace

O2C_DEFINE_OP(Gemm, infer_gemm<PlainGemm>, lower_Gemm, false, false, grad_Gemm, true);
O2C_DEFINE_OP(FusedGemm, infer_gemm<FusedGemmAttrs>, lower_FusedGemm, false, false, nullptr, true);
O2C_DEFINE_OP(MatMul, infer_matmul<NoAttrs>, lower_MatMul, false, false, grad_MatMul, true);
O2C_DEFINE_OP(FusedMatMul, infer_matmul<EpilogueAttrs>, lower_FusedMatMul, false, false, nullptr, true);

}  // namespace o2c
