// Gemm (Eigen's blocked product, or the panel microkernel for a float product by constant
// weights) and MatMul (the panel microkernel for floats), with the activation (and MatMul's
// bias row) that passes/fuse.cpp fused: templates/gemm.hpp.
#include "ops/helpers.hpp"

namespace o2c {
namespace {

const std::initializer_list<DType> kGemmTypes = {DType::Float, DType::Double, DType::Int32, DType::Int64,
                                                 DType::UInt32, DType::UInt64};

struct GemmDims {
  int64_t M, N, K;
  bool ta, tb;
};

GemmDims gemm_dims(OpCtx& c) {
  const Shape& a = c.shape(0);
  const Shape& b = c.shape(1);
  if (a.size() != 2 || b.size() != 2) c.fail("A and B must be matrices, got " + shape_str(a) + " and " + shape_str(b));
  GemmDims d;
  d.ta = c.i("transA", 0) != 0;
  d.tb = c.i("transB", 0) != 0;
  d.M = d.ta ? a[1] : a[0];
  d.K = d.ta ? a[0] : a[1];
  const int64_t kb = d.tb ? b[1] : b[0];
  d.N = d.tb ? b[0] : b[1];
  if (kb != d.K) c.fail("inner dimensions differ: " + shape_str(a) + " x " + shape_str(b));
  return d;
}

// Whether the node runs panel_matmul() on B laid out [K][N] at compile time: float, A not
// transposed, B constant (nn.Linear's Gemm, transB = 1), alpha 1, C absent or added as it is
// (beta 1) as a row of N or a full [M, N], more than one row (one row is a GEMV, left to
// Eigen). Under wasm SIMD, 64 x 128 x 128 on Eigen's product ran at 18 GFLOP/s, the panel
// kernel at about 30.
bool use_panel(OpCtx& c, const GemmDims& d) {
  if (c.dtype(0) != DType::Float || d.ta || !c.const_in(1) || d.M < 2 || d.N < 2 || c.f("alpha", 1.0f) != 1.0f)
    return false;
  if (!c.has_in(2) || c.f("beta", 1.0f) == 0.0f) return true;
  const Shape& cs = c.shape(2);
  const bool row = numel(cs) == d.N && (cs.empty() ? d.N == 1 : cs.back() == d.N);
  return c.f("beta", 1.0f) == 1.0f && (row || cs == Shape{d.M, d.N});
}

void infer_Gemm(OpCtx& c) {
  c.arity(2, 3);
  c.expect_type(0, kGemmTypes);
  c.same_type(0, 1);
  GemmDims d = gemm_dims(c);
  if (c.has_in(2)) {
    c.same_type(0, 2);
    Shape bc = broadcast(c, c.shape(2), {d.M, d.N});
    if (bc != Shape{d.M, d.N}) c.fail("C " + shape_str(c.shape(2)) + " does not broadcast to [M, N]");
  }
  c.set_out(0, c.dtype(0), {d.M, d.N});
  const int64_t elems = use_panel(c, d) ? k::panel_matmul_scratch(d.K) : k::gemm_scratch(d.M, d.N, d.K);
  c.node().scratch_bytes = elems * static_cast<int64_t>(dtype_size(c.dtype(0)));
}

std::string work(EmitCtx& c) { return c.node().scratch_bytes ? c.scratch(c.dtype(0)) : "nullptr"; }

void emit_Gemm(EmitCtx& c) {
  GemmDims d = gemm_dims(c);
  const DType t = c.dtype(0);
  const float alpha = c.f("alpha", 1.0f), beta = c.f("beta", 1.0f);
  const std::string Y = c.Y(0);
  const bool bias = c.has_in(2) && beta != 0.0f;
  if (use_panel(c, d)) {
    const int64_t K = d.K, N = d.N;
    const bool tb = d.tb;
    const std::string b = rearranged_table(c, *c.const_in(1), K * N, [&](const auto* B, auto* Bt) {
      for (int64_t kk = 0; kk < K; ++kk)
        for (int64_t n = 0; n < N; ++n) Bt[kk * N + n] = tb ? B[n * K + kk] : B[kk * N + n];
    });
    const std::string ldz = bias && numel(c.shape(2)) != d.M * d.N ? "0" : lit(N);
    c.line("k::panel_matmul<float>(" + c.X(0) + ", " + b + ", " + Y + ", " + lit(d.M) + ", " + lit(N) + ", " + lit(K) +
           ", " + (bias ? c.X(2) : "static_cast<const float*>(nullptr)") + ", " + (bias ? ldz : "0") + ", " + work(c) +
           (c.node().epi.act ? ", " + act_value(c.node().epi) : std::string()) + ");");
    return;
  }
  if (bias) {
    k::Strided p = make_strided({d.M, d.N}, bcast_strides(c.shape(2), {d.M, d.N}));
    c.line("k::strided_copy(" + c.X(2) + ", " + Y + ", " + code(p) + ");");
    if (beta != 1.0f)
      c.line("k::unary(" + Y + ", " + Y + ", " + lit(d.M * d.N) + ", k::Scale<" + c.T(0) + ">{" +
             lit_of(t, beta) + "});");
  }
  c.line("k::gemm<" + c.T(0) + ">(" + c.X(0) + ", " + c.X(1) + ", " + Y + ", " + lit(d.M) + ", " +
         lit(d.N) + ", " + lit(d.K) + ", " + (d.ta ? "true" : "false") + ", " +
         (d.tb ? "true" : "false") + ", " + lit_of(t, alpha) + ", " + (bias ? "true" : "false") + ", " + work(c) + ");");
  if (c.node().epi.act)  // fused by passes/fuse.cpp (float only)
    c.line("k::act_apply(" + Y + ", " + lit(d.M * d.N) + ", " + act_value(c.node().epi) + ");");
}

void eval_Gemm(OpCtx& c) {
  GemmDims d = gemm_dims(c);
  Tensor y = out_tensor(c, 0);
  const float alpha = c.f("alpha", 1.0f), beta = c.f("beta", 1.0f);
  const bool bias = c.has_in(2) && beta != 0.0f;
  dispatch_num(y.dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point<T>::value || sizeof(T) >= 4) {
      if (bias) {
        k::strided_copy(c.const_in(2)->data<T>(), y.data<T>(),
                        make_strided({d.M, d.N}, bcast_strides(c.shape(2), {d.M, d.N})));
        k::unary(y.data<T>(), y.data<T>(), y.numel(), k::Scale<T>{static_cast<T>(beta)});
      }
      std::vector<T, Eigen::aligned_allocator<T>> w(static_cast<size_t>(k::gemm_scratch(d.M, d.N, d.K)) + 16);
      k::gemm<T>(c.const_in(0)->data<T>(), c.const_in(1)->data<T>(), y.data<T>(), d.M, d.N, d.K,
                 d.ta, d.tb, static_cast<T>(alpha), bias, w.data());
    }
  });
  c.set_const(0, std::move(y));
}

// MatMul: numpy semantics (1-D operands promoted and the extra dim dropped). The product
// runs on the panel microkernel for floats (with B, if constant, read in place: its rows
// are already [K][N]).
k::MatMulPlan matmul_plan(OpCtx& c, Shape* out_shape) {
  Shape a = c.shape(0), b = c.shape(1);
  if (a.empty() || b.empty()) c.fail("MatMul operands must have rank >= 1");
  const bool a1 = a.size() == 1, b1 = b.size() == 1;
  if (a1) a.insert(a.begin(), 1);
  if (b1) b.push_back(1);
  const int64_t M = a[a.size() - 2], K = a.back(), N = b.back();
  if (b[b.size() - 2] != K) c.fail("inner dimensions differ: " + shape_str(c.shape(0)) + " x " + shape_str(c.shape(1)));
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

// MatMul's fused epilogue (passes/fuse.cpp): a third input, the bias row of N, and an
// activation, on floats.
bool matmul_epilogue(OpCtx& c) { return c.has_in(2) || c.node().epi.act != 0; }

void infer_MatMul(OpCtx& c) {
  c.arity(2, 3);
  c.expect_type(0, kGemmTypes);
  c.same_type(0, 1);
  Shape out;
  k::MatMulPlan p = matmul_plan(c, &out);
  if (matmul_epilogue(c)) {
    if (c.dtype(0) != DType::Float) c.fail("a fused bias or activation needs float operands");
    if (c.has_in(2) && (c.dtype(2) != DType::Float || numel(c.shape(2)) != p.N))
      c.fail("the fused bias must have N = " + std::to_string(p.N) + " floats, got " + shape_str(c.shape(2)));
  }
  c.set_out(0, c.dtype(0), out);
  c.node().scratch_bytes = k::matmul_scratch(p.M, p.N, p.K) * static_cast<int64_t>(dtype_size(c.dtype(0)));
}

void emit_MatMul(EmitCtx& c) {
  k::MatMulPlan p = matmul_plan(c, nullptr);
  std::string call = "k::matmul<" + c.T(0) + ">(" + c.X(0) + ", " + c.X(1) + ", " + c.Y(0) + ", k::MatMulPlan{" +
                     lit(p.M) + ", " + lit(p.N) + ", " + lit(p.K) + ", " + std::to_string(p.rank) + ", " +
                     lit_array(p.dims, p.rank) + ", " + lit_array(p.sa, p.rank) + ", " + lit_array(p.sb, p.rank) +
                     "}, " + work(c);
  if (matmul_epilogue(c))
    call += ", " + (c.has_in(2) ? c.X(2) : std::string("static_cast<const float*>(nullptr)")) + ", " +
            act_value(c.node().epi);
  c.line(call + ");");
}

void eval_MatMul(OpCtx& c) {
  k::MatMulPlan p = matmul_plan(c, nullptr);
  Tensor y = out_tensor(c, 0);
  dispatch_num(y.dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point<T>::value || sizeof(T) >= 4)
    {
      std::vector<T, Eigen::aligned_allocator<T>> w(static_cast<size_t>(k::matmul_scratch(p.M, p.N, p.K)) + 16);
      k::matmul<T>(c.const_in(0)->data<T>(), c.const_in(1)->data<T>(), y.data<T>(), p, w.data());
    }
  });
  c.set_const(0, std::move(y));
}

}  // namespace

O2C_DEFINE_OP(Gemm, infer_Gemm, emit_Gemm, eval_Gemm);
O2C_DEFINE_OP(MatMul, infer_MatMul, emit_MatMul, eval_MatMul);

}  // namespace o2c
