// Folding with templates/norm.hpp: batch_norm, instance_norm, layer_norm.
#include "kernels/eval.hpp"

namespace o2c {
namespace {

// The element type: the call's template argument, else the type of Buffer argument 0.
DType elem_type(const Call& c) { return c.targs.empty() ? arg_type(c, 0) : targ_type(c, 0); }

const k::Act kNoAct{k::Act::None, 0.f, 0.f};

}  // namespace

// (X, scale, bias, mean, var, Y, N, C, S, eps[, Act])
bool eval_batch_norm(const Call& c, const Frame& f) {
  return with_type<IsFlt>(elem_type(c), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::batch_norm<T>(f.in_ptr<T>(a[0]), f.in_ptr<T>(a[1]), f.in_ptr<T>(a[2]), f.in_ptr<T>(a[3]), f.in_ptr<T>(a[4]),
                     f.out_ptr<T>(a[5]), f.value<int64_t>(a[6]), f.value<int64_t>(a[7]), f.value<int64_t>(a[8]),
                     f.value<float>(a[9]), a.size() > 10 ? a[10].as<k::Act>() : kNoAct);
  });
}

// (X, scale, bias, Y, N, C, S, eps[, Act])
bool eval_instance_norm(const Call& c, const Frame& f) {
  return with_type<IsFlt>(elem_type(c), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::instance_norm<T>(f.in_ptr<T>(a[0]), f.in_ptr<T>(a[1]), f.in_ptr<T>(a[2]), f.out_ptr<T>(a[3]),
                        f.value<int64_t>(a[4]), f.value<int64_t>(a[5]), f.value<int64_t>(a[6]), f.value<float>(a[7]),
                        a.size() > 8 ? a[8].as<k::Act>() : kNoAct);
  });
}

// (X, scale, bias, Y, rows, D, eps); bias may be null.
bool eval_layer_norm(const Call& c, const Frame& f) {
  return with_type<IsFlt>(elem_type(c), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::layer_norm<T>(f.in_ptr<T>(a[0]), f.in_ptr<T>(a[1]), f.in_ptr<T>(a[2]), f.out_ptr<T>(a[3]),
                     f.value<int64_t>(a[4]), f.value<int64_t>(a[5]), f.value<float>(a[6]));
  });
}

}  // namespace o2c
