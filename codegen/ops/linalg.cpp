// EyeLike and Det (templates/linalg.hpp).
#include "ops/helpers.hpp"

namespace o2c {
namespace {

// ---- EyeLike: a 2-D identity matrix, its diagonal shifted by k ------------------------------

struct EyeLikeAttrs {
  int64_t dtype = -1;  // default: the input's type
  int64_t k = 0;
  O2C_FIELDS(dtype, k)
};

void infer_EyeLike(OpCtx& c) {
  const auto a = c.attrs<EyeLikeAttrs>();
  if (c.rank(0) != 2) c.fail("input must have rank 2, got " + shape_str(c.shape(0)));
  const DType t = a.dtype < 0 ? c.dtype(0) : static_cast<DType>(a.dtype);
  if (!kHeldTypes.has(t)) c.unsupported("EyeLike of type " + dtype_name(t));
  c.set_out(0, t, c.shape(0));
}
void lower_EyeLike(LowerCtx& c) {
  if (numel(c.shape(0)) == 0) return;
  c.call("eye", {c.Y(0), index(c.shape(0)[0]), index(c.shape(0)[1]), index(c.attrs<EyeLikeAttrs>().k)});
}

// ---- Det: of the square matrices in the last two dims ---------------------------------------

int64_t det_n(OpCtx& c) {
  const Shape& x = c.shape(0);
  if (x.size() < 2 || x[x.size() - 1] != x[x.size() - 2]) c.fail("input must end in square matrices, got " + shape_str(x));
  return x.back();
}

void infer_Det(OpCtx& c) {
  c.attrs<NoAttrs>();
  const int64_t n = det_n(c);
  const Shape& x = c.shape(0);
  c.set_out(0, c.dtype(0), Shape(x.begin(), x.end() - 2));
  c.set_scratch(n * n * static_cast<int64_t>(sizeof(double)));
}
void lower_Det(LowerCtx& c) {
  const int64_t n = det_n(c), batch = numel(c.out(0).shape);
  if (batch == 0) return;
  c.call("det", {c.X(0), c.Y(0), index(batch), index(n), c.scratch(DType::Double)});
}

}  // namespace

O2C_DEFINE_OP(EyeLike, infer_EyeLike, lower_EyeLike);
O2C_DEFINE_OP(Det, infer_Det, lower_Det);

}  // namespace o2c
