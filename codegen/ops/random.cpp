// Random numbers: RandomUniform, RandomNormal, RandomUniformLike, RandomNormalLike,
// Bernoulli, Multinomial, and Dropout in training mode (TrainingDropout: ops/shape.cpp hands a
// Dropout whose training_mode is not a constant false over to it). templates/random.hpp.
//
// The stream: templates/random.hpp's counter-based generator, keyed at compile time. With a
// seed attribute the key comes from the seed's value alone (the same seed gives the same
// values, in any model); without one, from the name of the node's first output, so each node
// has its own stream. Either way a model's results are the same on every run (re-entrant and
// deterministic; no state). They cannot match numpy's generator: the conformance tests check
// them with check=random / check=dropout (tests/conformance/README.md).
#include <cstring>

#include "ops/helpers.hpp"

namespace o2c {
namespace {

uint64_t mix64(uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// The generator's key (62 bits: an ordinary int64 literal in generated code).
int64_t stream_key_of(OpCtx& c, bool has_seed, double seed) {
  uint64_t k = 0;
  if (has_seed) {
    std::memcpy(&k, &seed, sizeof k);
  } else {
    k = 0xCBF29CE484222325ull;  // FNV-1a of the output's name
    for (unsigned char ch : c.graph().values[c.node().outputs[0]].name) k = (k ^ ch) * 0x100000001B3ull;
  }
  return static_cast<int64_t>(mix64(k) >> 2);
}
Arg stream_key(OpCtx& c, bool has_seed, double seed) { return index(stream_key_of(c, has_seed, seed)); }

// The output element type named by a dtype attribute (or `def` when absent), checked.
DType random_dtype(OpCtx& c, int64_t dtype, DType def) {
  const DType t = dtype < 0 ? def : static_cast<DType>(dtype);
  if (t != DType::Float && t != DType::Double) c.unsupported("random values of type " + dtype_name(t) + " (float and double are)");
  return t;
}

// ---- RandomUniform(Like), RandomNormal(Like) ------------------------------------------------

template <bool Normal, bool Like>
struct RandomAttrs {
  int64_t dtype = -1;  // RandomUniform / RandomNormal: 1 (float) when absent
  float low = 0.f, high = 1.f, mean = 0.f, scale = 1.f, seed = 0.f;
  std::vector<int64_t> shape;
  template <class V>
  void fields(V& v) {
    v("dtype", dtype);
    v("seed", seed);
    if (Normal) {
      v("mean", mean);
      v("scale", scale);
    } else {
      v("low", low);
      v("high", high);
    }
    if (!Like) v("shape", shape);
  }
};

template <bool Normal, bool Like>
void infer_random(OpCtx& c) {
  const auto a = c.attrs<RandomAttrs<Normal, Like>>();
  Shape s;
  if (Like) {
    s = c.shape(0);
  } else {
    if (!c.has("shape")) c.fail("the shape attribute is required");
    for (int64_t d : a.shape)
      if (d < 0) c.fail("shape " + shape_str(a.shape) + " has a negative dim");
    s = a.shape;
  }
  c.set_out(0, random_dtype(c, a.dtype, Like ? c.dtype(0) : DType::Float), s);
}

template <bool Normal, bool Like>
void lower_random(LowerCtx& c) {
  const auto a = c.attrs<RandomAttrs<Normal, Like>>();
  const int64_t n = numel(c.out(0).shape);
  if (n == 0) return;
  const Arg key = stream_key(c, c.has("seed"), a.seed);
  if (Normal)
    c.call("random_normal", {c.Y(0), index(n), key, scalar(DType::Double, a.mean), scalar(DType::Double, a.scale)});
  else
    c.call("random_uniform", {c.Y(0), index(n), key, scalar(DType::Double, a.low), scalar(DType::Double, a.high)});
}

// ---- Bernoulli ------------------------------------------------------------------------------

struct BernoulliAttrs {
  int64_t dtype = -1;  // default: the input's type
  float seed = 0.f;
  O2C_FIELDS(dtype, seed)
};

void infer_Bernoulli(OpCtx& c) {
  const auto a = c.attrs<BernoulliAttrs>();
  const DType t = a.dtype < 0 ? c.dtype(0) : static_cast<DType>(a.dtype);
  if (!dtype_supported(t) || dtype_is_storage(t)) c.unsupported("Bernoulli output of type " + dtype_name(t));
  c.set_out(0, t, c.shape(0));
}

void lower_Bernoulli(LowerCtx& c) {
  const auto a = c.attrs<BernoulliAttrs>();
  const int64_t n = numel(c.shape(0));
  if (n == 0) return;
  c.call("bernoulli", {type_arg(c.dtype(0)), type_arg(c.out(0).dtype)},
         {c.X(0), c.Y(0), index(n), stream_key(c, c.has("seed"), a.seed)});
}

// ---- Multinomial ----------------------------------------------------------------------------

struct MultinomialAttrs {
  int64_t dtype = 6, sample_size = 1;
  float seed = 0.f;
  O2C_FIELDS(dtype, sample_size, seed)
};

void infer_Multinomial(OpCtx& c) {
  const auto a = c.attrs<MultinomialAttrs>();
  if (c.rank(0) != 2) c.fail("input must be [batch_size, class_size], got " + shape_str(c.shape(0)));
  if (c.shape(0)[1] == 0) c.fail("class_size must not be 0");
  if (a.sample_size < 1) c.fail("sample_size must be >= 1");
  const DType t = static_cast<DType>(a.dtype);
  if (t != DType::Int32 && t != DType::Int64) c.fail("dtype must be int32 or int64");
  c.set_out(0, t, Shape{c.shape(0)[0], a.sample_size});
}

void lower_Multinomial(LowerCtx& c) {
  const auto a = c.attrs<MultinomialAttrs>();
  if (numel(c.out(0).shape) == 0) return;
  c.call("multinomial", {type_arg(c.dtype(0)), type_arg(c.out(0).dtype)},
         {c.X(0), c.Y(0), index(c.shape(0)[0]), index(c.shape(0)[1]), index(a.sample_size),
          stream_key(c, c.has("seed"), a.seed)});
}

// ---- TrainingDropout: Dropout (version 12 on) with training_mode read at run time -----------
// Input 3, seed (onnx2cpp's), moves the stream by run-time values: a training step's caller
// seed and step count (passes/train_step.cpp). Attribute key (the gradient's): the stream's key
// itself, so that the backward draws the forward's mask.

struct TrainingDropoutAttrs {
  int64_t seed = 0, key = -1;
  O2C_FIELDS(seed, key)
};

int64_t dropout_key(OpCtx& c) {
  const auto a = c.attrs<TrainingDropoutAttrs>();
  return a.key >= 0 ? a.key : stream_key_of(c, c.has("seed"), static_cast<double>(a.seed));
}

void infer_TrainingDropout(OpCtx& c) {
  c.attrs<TrainingDropoutAttrs>();
  if (!c.has_in(2)) c.fail("training_mode is required");
  if (c.has_in(1) && numel(c.shape(1)) != 1) c.fail("ratio must be a scalar");
  if (numel(c.shape(2)) != 1) c.fail("training_mode must be a scalar");
  if (c.has_in(3) && c.in(3).dynamic()) c.unsupported("a seed with run-time dims");
  c.set_out(0, c.dtype(0), c.shape(0));
  if (c.has_out(1)) c.set_out(1, DType::Bool, c.shape(0));
  else c.set_scratch(numel(c.shape(0)));  // the mask the kernel writes
}

void lower_TrainingDropout(LowerCtx& c) {
  const int64_t n = numel(c.shape(0));
  if (n == 0) return;
  const DType rt = c.has_in(1) ? c.dtype(1) : DType::Float;
  c.call("dropout_training", {type_arg(c.dtype(0)), type_arg(rt)},
         {c.X(0), c.has_in(1) ? c.X(1) : null_of(rt), c.X(2), c.Y(0), c.has_out(1) ? c.Y(1) : c.scratch(DType::Bool),
          index(n), index(dropout_key(c)), c.X(3), index(c.has_in(3) ? numel(c.shape(3)) : 0)});
}

// The mask depends only on the key, the seed and the element's index: the gradient is the same
// dropout of dY (dY * mask / (1 - ratio)), no mask kept from the forward.
void grad_TrainingDropout(GradCtx& c) {
  if (c.dY(1) >= 0) c.unsupported("a gradient flowing into the mask");
  if (c.dY(0) < 0 || !c.wants(0)) return;
  const auto& in = c.node().inputs;
  auto at = [&](size_t i) { return i < in.size() ? in[i] : -1; };
  c.set_dX(0, c.add("TrainingDropout", {c.dY(0), at(1), at(2), at(3)}, {{"key", Attr::of(dropout_key(c))}}, "onnx2cpp"));
}

}  // namespace

O2C_DEFINE_OP(RandomUniform, infer_random<false, false>, lower_random<false, false>);
O2C_DEFINE_OP(RandomNormal, infer_random<true, false>, lower_random<true, false>);
O2C_DEFINE_OP(RandomUniformLike, infer_random<false, true>, lower_random<false, true>);
O2C_DEFINE_OP(RandomNormalLike, infer_random<true, true>, lower_random<true, true>);
O2C_DEFINE_OP(Bernoulli, infer_Bernoulli, lower_Bernoulli);
O2C_DEFINE_OP(Multinomial, infer_Multinomial, lower_Multinomial);
O2C_DEFINE_OP(TrainingDropout, infer_TrainingDropout, lower_TrainingDropout, false, false, grad_TrainingDropout);

}  // namespace o2c
