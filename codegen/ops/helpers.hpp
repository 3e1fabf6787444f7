// Helpers shared by op families: broadcasting, index plans and their C++ spelling.
#pragma once
#include <string>
#include <vector>

#include "ops/kernels.hpp"
#include "ops/op.hpp"
#include "ops/types.hpp"

namespace o2c {

// An `axis` attribute whose absence means something of its own (Compress, Unique: the input
// flattened; the opset-11 softmaxes: their default), with whether the node set it.
struct OptionalAxisAttrs {
  int64_t axis = 0;
  bool set = false;
  template <class V>
  void fields(V& v) {
    set = v.has("axis");
    v("axis", axis);
  }
};

// numpy broadcasting of two shapes; throws via ctx on mismatch.
Shape broadcast(const OpCtx& c, const Shape& a, const Shape& b);
// Row-major element strides of a shape.
std::vector<int64_t> strides_of(const Shape& s);
// Strides of `in` read at the indices of `out` (numpy broadcasting, 0 on broadcast dims).
std::vector<int64_t> bcast_strides(const Shape& in, const Shape& out);

k::Bcast2 make_bcast2(const Shape& a, const Shape& b, const Shape& out);
// With run-time dims (ir/dim.hpp): numpy broadcasting of dims (a pair that broadcasts only if a
// run-time dim is 1 is refused), and a k::Bcast2 argument spelled with the run-time extents.
std::vector<Dim> broadcast_dims(const OpCtx& c, const std::vector<Dim>& a, const std::vector<Dim>& b);
// Strides of `in` read at the indices of `out` (0 on broadcast dims), run-time dims.
std::vector<Dim> bcast_strides_dims(const std::vector<Dim>& in, const std::vector<Dim>& out);
// "{a, b, ...}": dims as the generated code spells them.
std::string dims_code(const std::vector<Dim>& v);
Arg bcast2_arg(const std::vector<Dim>& a, const std::vector<Dim>& b, const std::vector<Dim>& out, const Shape& bounds);
k::Bcast3 make_bcast3(const Shape& c, const Shape& x, const Shape& y, const Shape& out);
// A strided read plan (Transpose, Slice, Expand): dims and strides, collapsed where possible.
k::Strided make_strided(const Shape& dims, const std::vector<int64_t>& strides);
// Row-major strides of run-time dims, and a strided read plan over them: the k::Strided
// argument spelled with the run-time extents (its value for folding is the plan at `bounds`:
// values with run-time dims are never folded).
std::vector<Dim> strides_of(const std::vector<Dim>& s);
Arg strided_arg(const std::vector<Dim>& dims, const std::vector<Dim>& strides, const Shape& bounds);

std::string code(const k::Bcast2& p);
std::string code(const k::Bcast3& p);
std::string code(const k::Strided& p);
std::string code(const k::TableMap& p);
std::string code(const k::Act& a);  // k::Act{k::Act::Relu, 0.0f, 0.0f}
std::string code(const k::MatMulPlan& p);
std::string code(const k::ConvParams& p);
std::string code(const k::PoolParams& p);

// A tensor viewed as [outer, n, inner] around axis a (a normalized).
struct Dims3 {
  int64_t outer = 1, n = 1, inner = 1;
};
Dims3 dims3(const Shape& x, int64_t a);
// The same with run-time dims.
struct DimsOf3 {
  Dim outer = 1, n = 1, inner = 1;
};
DimsOf3 dims3(const std::vector<Dim>& x, int64_t a);
// Softmax, LogSoftmax and Hardmax: their axis attribute (default 1 before version 13, -1 from
// 13 on); before version 13 the input is coerced to 2-D at it (n spans every later dim).
DimsOf3 coerced_axis_dims(OpCtx& c);  // run-time dims too
// That axis, normalized (before version 13 n spans it and every later dim).
int64_t coerced_axis(OpCtx& c);

// MatMul's product plan (ops/gemm.cpp) of operands shaped a and b: numpy semantics, batch dims
// broadcast; out_shape gets the result's shape. Fails naming the node on mismatched operands.
k::MatMulPlan matmul_plan(OpCtx& c, Shape a, Shape b, Shape* out_shape);
// Of the node's inputs 0 and 1.
inline k::MatMulPlan matmul_plan(OpCtx& c, Shape* out_shape) { return matmul_plan(c, c.shape(0), c.shape(1), out_shape); }

// A struct argument of a kernel call (ops/call.hpp): its value and its C++ spelling.
template <class T>
Arg obj(const T& v) { return object(v, code(v)); }
// A functor argument: F's value and its spelling k::name{params...}.
template <class F>
Arg functor(const char* name, const F& f, const std::vector<std::string>& params = {}) {
  std::string s = std::string("k::") + name + "{";
  for (size_t i = 0; i < params.size(); ++i) s += (i ? ", " : "") + params[i];
  return object(f, s + "}");
}
// The lowest and the largest value of element type t, as kernel arguments.
Arg scalar_lowest(DType t);
Arg scalar_max(DType t);
// Element 0 of a constant tensor as a kernel argument of its type (exact for 64-bit integers).
Arg scalar_of(const Tensor& t);
// A packed (sub-byte) element type as a template argument of templates/subbyte.hpp's kernels:
// k::kInt4 (its ONNX id).
Arg packed_type_arg(DType t);

// A float constant rearranged at compile time by f(src, dst) into `size` elements of its
// type (weights transposed or transformed for a kernel), as a table argument.
template <class F>
Arg rearranged_table(LowerCtx& c, const Tensor& src, int64_t size, F&& f) {
  Tensor t(src.dtype, {size});
  dispatch_native(src.dtype, kFloatTypes, [&](auto tag) {
    using E = typename decltype(tag)::type;
    f(src.data<E>(), t.data<E>());
  });
  return c.table(std::move(t));
}

// Index tables for k::table_copy (Pad, nearest Resize): tabs[k][i] is the element offset into
// the input read by output index i of dim k (-1: outside, yields the fill value); in_shape is
// the input's shape (rank == tabs.size()). Runs of dims that copy unchanged are merged and
// size-1 dims reading offset 0 dropped. Returns the concatenated int64 table; `map` gets the
// dims and per-dim table offsets. Throws UnsupportedError above k::kMaxRank dims.
// Refuses (unsupported) index tables of `per_entry` bytes per output index along each dim of
// `out` that would take more than kMaxComputedBytes (a Pad along a billion-long axis).
void check_table_bytes(OpCtx& c, const Shape& out, int64_t per_entry);
Tensor table_plan(const Shape& in_shape, std::vector<std::vector<int64_t>> tabs,
                  k::TableMap& map);

}  // namespace o2c
