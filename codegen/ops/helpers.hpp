// Helpers shared by op families: broadcasting, index plans and their C++ spelling.
#pragma once
#include <string>
#include <vector>

#include "ops/kernels.hpp"
#include "ops/op.hpp"

namespace o2c {

// numpy broadcasting of two shapes; throws via ctx on mismatch.
Shape broadcast(const OpCtx& c, const Shape& a, const Shape& b);
// Row-major element strides of a shape.
std::vector<int64_t> strides_of(const Shape& s);
// Strides of `in` read at the indices of `out` (numpy broadcasting, 0 on broadcast dims).
std::vector<int64_t> bcast_strides(const Shape& in, const Shape& out);

k::Bcast2 make_bcast2(const Shape& a, const Shape& b, const Shape& out);
k::Bcast3 make_bcast3(const Shape& c, const Shape& x, const Shape& y, const Shape& out);
// A strided read plan (Transpose, Slice, Expand): dims and strides, collapsed where possible.
k::Strided make_strided(const Shape& dims, const std::vector<int64_t>& strides);

std::string code(const k::Bcast2& p);
// An epilogue's activation as a k::Act value (k::kActNone when it has none).
std::string act_value(const Epilogue& e);
// ", k::Act{...}" for the activation passes/fuse.cpp folded into the node, else "".
std::string act_arg(const Node& n);
std::string code(const k::Bcast3& p);
std::string code(const k::Strided& p);
std::string code(const k::TableMap& p);

// Allocates the output tensors of a folding evaluation with inferred types/shapes.
Tensor out_tensor(OpCtx& c, size_t i);

// A float constant rearranged at compile time by f(src, dst) into `size` elements of its
// type (weights transposed or transformed for a kernel), added as a table; returns its
// pointer expression.
template <class F>
std::string rearranged_table(EmitCtx& c, const Tensor& src, int64_t size, F&& f) {
  Tensor t(src.dtype, {size});
  dispatch_float(src.dtype, [&](auto tag) {
    using E = decltype(tag);
    f(src.data<E>(), t.data<E>());
  });
  return c.table(t);
}

// Index tables for k::table_copy (Pad, nearest Resize): tabs[k][i] is the element offset into
// the input read by output index i of dim k (-1: outside, yields the fill value); in_shape is
// the input's shape (rank == tabs.size()). Runs of dims that copy unchanged are merged and
// size-1 dims reading offset 0 dropped. Returns the concatenated int64 table; `map` gets the
// dims and per-dim table offsets. Throws UnsupportedError above k::kMaxRank dims.
Tensor table_plan(const Shape& in_shape, const std::vector<std::vector<int64_t>>& tabs,
                  k::TableMap& map);

}  // namespace o2c
