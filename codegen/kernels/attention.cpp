// Folding with templates/attention.hpp: attention, rotary_embedding, linear_attention.
#include "kernels/eval.hpp"

namespace o2c {

// <T>(Q, K, V, mask, bmask, past_k, past_v, nonpad, Y, present_k, present_v, qk, AttnParams, work)
bool eval_attention(const Call& c, const Frame& f) {
  return with_type<IsFlt>(targ_type(c, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::attention<T>(f.in_ptr<T>(a[0]), f.in_ptr<T>(a[1]), f.in_ptr<T>(a[2]), f.in_ptr<T>(a[3]), f.in_ptr<bool>(a[4]),
                    f.in_ptr<T>(a[5]), f.in_ptr<T>(a[6]), f.in_ptr<int64_t>(a[7]), f.out_ptr<T>(a[8]),
                    f.out_ptr<T>(a[9]), f.out_ptr<T>(a[10]), f.out_ptr<T>(a[11]), a[12].as<k::AttnParams>(),
                    f.out_ptr<T>(a[13]));
  });
}

// <T>(X, cos_cache, sin_cache, position_ids, Y, RopeParams)
bool eval_rotary_embedding(const Call& c, const Frame& f) {
  return with_type<IsFlt>(targ_type(c, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::rotary_embedding<T>(f.in_ptr<T>(a[0]), f.in_ptr<T>(a[1]), f.in_ptr<T>(a[2]), f.in_ptr<int64_t>(a[3]),
                           f.out_ptr<T>(a[4]), a[5].as<k::RopeParams>());
  });
}

// <T>(Q, K, V, past, decay, beta, erase, Y, present, LinAttnParams, work)
bool eval_linear_attention(const Call& c, const Frame& f) {
  return with_type<IsFlt>(targ_type(c, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::linear_attention<T>(f.in_ptr<T>(a[0]), f.in_ptr<T>(a[1]), f.in_ptr<T>(a[2]), f.in_ptr<T>(a[3]),
                           f.in_ptr<T>(a[4]), f.in_ptr<T>(a[5]), f.in_ptr<T>(a[6]), f.out_ptr<T>(a[7]),
                           f.out_ptr<T>(a[8]), a[9].as<k::LinAttnParams>(), f.out_ptr<T>(a[10]));
  });
}

}  // namespace o2c
