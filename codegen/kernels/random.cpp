// Folding with templates/random.hpp: random_uniform, random_normal, bernoulli, multinomial,
// dropout_training (the same stream as generated code: the key is an argument).
#include "kernels/eval.hpp"
#include "templates/random.hpp"

namespace o2c {

// (Y, n, key, low, high)
bool eval_random_uniform(const Call& c, const Frame& f) {
  return with_type<IsFlt>(arg_type(c, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::random_uniform<T>(f.out_ptr<T>(a[0]), f.value<int64_t>(a[1]), f.value<int64_t>(a[2]), f.value<double>(a[3]),
                         f.value<double>(a[4]));
  });
}

// (Y, n, key, mean, scale)
bool eval_random_normal(const Call& c, const Frame& f) {
  return with_type<IsFlt>(arg_type(c, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::random_normal<T>(f.out_ptr<T>(a[0]), f.value<int64_t>(a[1]), f.value<int64_t>(a[2]), f.value<double>(a[3]),
                        f.value<double>(a[4]));
  });
}

// <T, U>(X, Y, n, key)
bool eval_bernoulli(const Call& c, const Frame& f) {
  bool ok = false;
  with_type<IsFlt>(targ_type(c, 0), [&](auto tt) {
    with_type<IsAll>(targ_type(c, 1), [&](auto tu) {
      using T = typename decltype(tt)::type;
      using U = typename decltype(tu)::type;
      const auto& a = c.args;
      k::bernoulli<T, U>(f.in_ptr<T>(a[0]), f.out_ptr<U>(a[1]), f.value<int64_t>(a[2]), f.value<int64_t>(a[3]));
      ok = true;
    });
  });
  return ok;
}

// <T, U>(X, Y, batch, classes, samples, key)
bool eval_multinomial(const Call& c, const Frame& f) {
  bool ok = false;
  with_type<IsFlt>(targ_type(c, 0), [&](auto tt) {
    with_type<IsInt>(targ_type(c, 1), [&](auto tu) {
      using T = typename decltype(tt)::type;
      using U = typename decltype(tu)::type;
      const auto& a = c.args;
      k::multinomial<T, U>(f.in_ptr<T>(a[0]), f.out_ptr<U>(a[1]), f.value<int64_t>(a[2]), f.value<int64_t>(a[3]),
                           f.value<int64_t>(a[4]), f.value<int64_t>(a[5]));
      ok = true;
    });
  });
  return ok;
}

// <T, R>(X, ratio, training, Y, mask, n, key, seed, seed_n)
bool eval_dropout_training(const Call& c, const Frame& f) {
  bool ok = false;
  with_type<IsFlt>(targ_type(c, 0), [&](auto tt) {
    with_type<IsFlt>(targ_type(c, 1), [&](auto tr) {
      using T = typename decltype(tt)::type;
      using R = typename decltype(tr)::type;
      const auto& a = c.args;
      k::dropout_training<T, R>(f.in_ptr<T>(a[0]), f.in_ptr<R>(a[1]), f.in_ptr<bool>(a[2]), f.out_ptr<T>(a[3]),
                                f.out_ptr<bool>(a[4]), f.value<int64_t>(a[5]), f.value<int64_t>(a[6]),
                                f.in_ptr<int64_t>(a[7]), f.value<int64_t>(a[8]));
      ok = true;
    });
  });
  return ok;
}

}  // namespace o2c
