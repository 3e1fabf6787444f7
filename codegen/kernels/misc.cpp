// Folding with templates/misc.hpp: cumsum, cumprod, cumsum_axis, cumprod_axis, trilu, one_hot,
// hardmax, lrn, mvn, global_lp_pool, topk, einsum.
#include "kernels/eval.hpp"

namespace o2c {
namespace {

// Runs f(Tag<T>) for the element type (template argument 0, else Buffer argument 0's type)
// when Pred accepts it.
template <template <class> class Pred, class F>
bool with_elem(const Call& c, F&& f) { return with_type<Pred>(elem_type(c), f); }

// cumsum/cumprod: (X, Y, outer, n, inner, exclusive, reverse)
template <bool Prod>
bool eval_cum(const Call& c, const Frame& f) {
  return with_elem<IsNum>(c, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::cum_scan<Prod, T>(f.in_ptr<T>(a[0]), f.out_ptr<T>(a[1]), f.value<int64_t>(a[2]), f.value<int64_t>(a[3]),
                         f.value<int64_t>(a[4]), f.value<bool>(a[5]), f.value<bool>(a[6]));
  });
}

// cumsum_axis/cumprod_axis <T, A>(X, axis, Y, Dims, exclusive, reverse): the axis an int32 or
// int64 tensor.
template <bool Prod>
bool eval_cum_axis(const Call& c, const Frame& f) {
  bool ok = false;
  with_elem<IsNum>(c, [&](auto tag) {
    using T = typename decltype(tag)::type;
    dispatch_native(elem_type(c, 1, 1), type_set({DType::Int32, DType::Int64}), [&](auto ta) {
      using A = typename decltype(ta)::type;
      const auto& a = c.args;
      k::cum_scan_axis<Prod, T, A>(f.in_ptr<T>(a[0]), f.in_ptr<A>(a[1]), f.out_ptr<T>(a[2]), a[3].as<k::Dims>(),
                                   f.value<bool>(a[4]), f.value<bool>(a[5]));
      ok = true;
    });
  });
  return ok;
}

}  // namespace

bool eval_cumsum(const Call& c, const Frame& f) { return eval_cum<false>(c, f); }
bool eval_cumprod(const Call& c, const Frame& f) { return eval_cum<true>(c, f); }
bool eval_cumsum_axis(const Call& c, const Frame& f) { return eval_cum_axis<false>(c, f); }
bool eval_cumprod_axis(const Call& c, const Frame& f) { return eval_cum_axis<true>(c, f); }

// (X, Y, batch, N, M, k, upper); k may be an Element (read at run time).
bool eval_trilu(const Call& c, const Frame& f) {
  return with_elem<IsAll>(c, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::trilu<T>(f.in_ptr<T>(a[0]), f.out_ptr<T>(a[1]), f.value<int64_t>(a[2]), f.value<int64_t>(a[3]),
                f.value<int64_t>(a[4]), f.value<int64_t>(a[5]), f.value<bool>(a[6]));
  });
}

// <T, I>(idx, values, Y, outer, depth, inner): numeric indices, values of any type.
bool eval_one_hot(const Call& c, const Frame& f) {
  bool ok = false;
  with_type<IsAll>(elem_type(c, 0, 1), [&](auto tt) {
    using T = typename decltype(tt)::type;
    with_type<IsNum>(elem_type(c, 1, 0), [&](auto ti) {
      using I = typename decltype(ti)::type;
      const auto& a = c.args;
      k::one_hot<T, I>(f.in_ptr<I>(a[0]), f.in_ptr<T>(a[1]), f.out_ptr<T>(a[2]), f.value<int64_t>(a[3]),
                       f.value<int64_t>(a[4]), f.value<int64_t>(a[5]));
      ok = true;
    });
  });
  return ok;
}

// (X, Y, outer, n, inner)
bool eval_hardmax(const Call& c, const Frame& f) {
  return with_elem<IsFlt>(c, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::hardmax<T>(f.in_ptr<T>(a[0]), f.out_ptr<T>(a[1]), f.value<int64_t>(a[2]), f.value<int64_t>(a[3]),
                  f.value<int64_t>(a[4]));
  });
}

// (X, Y, N, C, S, size, alpha, beta, bias)
bool eval_lrn(const Call& c, const Frame& f) {
  return with_elem<IsFlt>(c, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::lrn<T>(f.in_ptr<T>(a[0]), f.out_ptr<T>(a[1]), f.value<int64_t>(a[2]), f.value<int64_t>(a[3]),
              f.value<int64_t>(a[4]), f.value<int64_t>(a[5]), f.value<float>(a[6]), f.value<float>(a[7]),
              f.value<float>(a[8]));
  });
}

// (X, Y, Strided keep, Strided red)
bool eval_mvn(const Call& c, const Frame& f) {
  return with_elem<IsFlt>(c, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::mvn<T>(f.in_ptr<T>(a[0]), f.out_ptr<T>(a[1]), a[2].as<k::Strided>(), a[3].as<k::Strided>());
  });
}

// (X, Y, NC, S, p)
bool eval_global_lp_pool(const Call& c, const Frame& f) {
  return with_elem<IsFlt>(c, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::global_lp_pool<T>(f.in_ptr<T>(a[0]), f.out_ptr<T>(a[1]), f.value<int64_t>(a[2]), f.value<int64_t>(a[3]),
                         f.value<int64_t>(a[4]));
  });
}

// (X, V, I, outer, n, inner, k, largest, work): I int64, work n int64 (scratch).
bool eval_topk(const Call& c, const Frame& f) {
  if (arg_type(c, 2) != DType::Int64) return false;
  return with_elem<IsNum>(c, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::topk<T>(f.in_ptr<T>(a[0]), f.out_ptr<T>(a[1]), f.out_ptr<std::int64_t>(a[2]), f.value<int64_t>(a[3]),
               f.value<int64_t>(a[4]), f.value<int64_t>(a[5]), f.value<int64_t>(a[6]), f.value<bool>(a[7]),
               f.out_ptr<int64_t>(a[8]));
  });
}

// <T>(A, B, Y, ny, EinsumPlan); B null with one operand.
bool eval_einsum(const Call& c, const Frame& f) {
  return with_elem<IsNum>(c, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::einsum<T>(f.in_ptr<T>(a[0]), f.in_ptr<T>(a[1]), f.out_ptr<T>(a[2]), f.value<int64_t>(a[3]),
                 a[4].as<k::EinsumPlan>());
  });
}

}  // namespace o2c
