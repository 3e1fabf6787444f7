// Folding with templates/training.hpp: batch_norm_training, momentum_update, adagrad_update,
// adam_update, sgd_step, adam_step.
#include "kernels/eval.hpp"
#include "templates/training.hpp"

namespace o2c {
namespace {

// Calls f(Tag<T>, Tag<R>) for the call's tensor type T and learning-rate type R (template
// arguments 0 and 1, float types).
template <class F>
bool with_t_r(const Call& c, F&& f) {
  bool ok = false;
  with_type<IsFlt>(targ_type(c, 0), [&](auto tt) {
    with_type<IsFlt>(targ_type(c, 1), [&](auto tr) {
      f(tt, tr);
      ok = true;
    });
  });
  return ok;
}

}  // namespace

// (X, scale, bias, mean, var, Y, running_mean, running_var, N, C, S, eps, momentum)
bool eval_batch_norm_training(const Call& c, const Frame& f) {
  return with_type<IsFlt>(elem_type(c), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::batch_norm_training<T>(f.in_ptr<T>(a[0]), f.in_ptr<T>(a[1]), f.in_ptr<T>(a[2]), f.in_ptr<T>(a[3]),
                              f.in_ptr<T>(a[4]), f.out_ptr<T>(a[5]), f.out_ptr<T>(a[6]), f.out_ptr<T>(a[7]),
                              f.value<int64_t>(a[8]), f.value<int64_t>(a[9]), f.value<int64_t>(a[10]),
                              f.value<float>(a[11]), f.value<float>(a[12]));
  });
}

// <T, R>(r, t, X, G, V, Xo, Vo, n, norm, alpha, beta, nesterov)
bool eval_momentum_update(const Call& c, const Frame& f) {
  return with_t_r(c, [&](auto tt, auto tr) {
    using T = typename decltype(tt)::type;
    using R = typename decltype(tr)::type;
    const auto& a = c.args;
    k::momentum_update<T, R>(f.in_ptr<R>(a[0]), f.in_ptr<int64_t>(a[1]), f.in_ptr<T>(a[2]), f.in_ptr<T>(a[3]),
                             f.in_ptr<T>(a[4]), f.out_ptr<T>(a[5]), f.out_ptr<T>(a[6]), f.value<int64_t>(a[7]),
                             f.value<double>(a[8]), f.value<double>(a[9]), f.value<double>(a[10]), f.value<bool>(a[11]));
  });
}

// <T, R>(r, t, X, G, H, Xo, Ho, n, norm, epsilon, decay)
bool eval_adagrad_update(const Call& c, const Frame& f) {
  return with_t_r(c, [&](auto tt, auto tr) {
    using T = typename decltype(tt)::type;
    using R = typename decltype(tr)::type;
    const auto& a = c.args;
    k::adagrad_update<T, R>(f.in_ptr<R>(a[0]), f.in_ptr<int64_t>(a[1]), f.in_ptr<T>(a[2]), f.in_ptr<T>(a[3]),
                            f.in_ptr<T>(a[4]), f.out_ptr<T>(a[5]), f.out_ptr<T>(a[6]), f.value<int64_t>(a[7]),
                            f.value<double>(a[8]), f.value<double>(a[9]), f.value<double>(a[10]));
  });
}

// <T, R>(r, t, X, G, V, H, Xo, Vo, Ho, n, norm, norm_post, alpha, beta, epsilon)
bool eval_adam_update(const Call& c, const Frame& f) {
  return with_t_r(c, [&](auto tt, auto tr) {
    using T = typename decltype(tt)::type;
    using R = typename decltype(tr)::type;
    const auto& a = c.args;
    k::adam_update<T, R>(f.in_ptr<R>(a[0]), f.in_ptr<int64_t>(a[1]), f.in_ptr<T>(a[2]), f.in_ptr<T>(a[3]),
                         f.in_ptr<T>(a[4]), f.in_ptr<T>(a[5]), f.out_ptr<T>(a[6]), f.out_ptr<T>(a[7]), f.out_ptr<T>(a[8]),
                         f.value<int64_t>(a[9]), f.value<double>(a[10]), f.value<double>(a[11]), f.value<double>(a[12]),
                         f.value<double>(a[13]), f.value<double>(a[14]));
  });
}

// <T>(lr, step, p, g, buf, p_out, buf_out, n, momentum, dampening, weight_decay, nesterov)
bool eval_sgd_step(const Call& c, const Frame& f) {
  return with_type<IsFlt>(elem_type(c), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::sgd_step<T>(f.in_ptr<T>(a[0]), f.in_ptr<int64_t>(a[1]), f.in_ptr<T>(a[2]), f.in_ptr<T>(a[3]), f.in_ptr<T>(a[4]),
                   f.out_ptr<T>(a[5]), f.out_ptr<T>(a[6]), f.value<int64_t>(a[7]), f.value<T>(a[8]), f.value<T>(a[9]),
                   f.value<T>(a[10]), f.value<bool>(a[11]));
  });
}

// <T>(lr, step, p, g, m, v, p_out, m_out, v_out, n, beta1, beta2, eps, weight_decay, decoupled)
bool eval_adam_step(const Call& c, const Frame& f) {
  return with_type<IsFlt>(elem_type(c), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::adam_step<T>(f.in_ptr<T>(a[0]), f.in_ptr<int64_t>(a[1]), f.in_ptr<T>(a[2]), f.in_ptr<T>(a[3]), f.in_ptr<T>(a[4]),
                    f.in_ptr<T>(a[5]), f.out_ptr<T>(a[6]), f.out_ptr<T>(a[7]), f.out_ptr<T>(a[8]), f.value<int64_t>(a[9]),
                    f.value<double>(a[10]), f.value<double>(a[11]), f.value<double>(a[12]), f.value<double>(a[13]),
                    f.value<bool>(a[14]));
  });
}

}  // namespace o2c
