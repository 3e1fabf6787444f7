// Folding with templates/signal.hpp: dft, stft.
#include "kernels/eval.hpp"

namespace o2c {

// (X, Y, outer, n, inner, cin, L, n_out, cout, sign, half, scratch): float types.
bool eval_dft(const Call& c, const Frame& f) {
  return with_type<IsFlt>(arg_type(c, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::dft<T>(f.in_ptr<T>(a[0]), f.out_ptr<T>(a[1]), f.value<int64_t>(a[2]), f.value<int64_t>(a[3]),
              f.value<int64_t>(a[4]), f.value<int64_t>(a[5]), f.value<int64_t>(a[6]), f.value<int64_t>(a[7]),
              f.value<int64_t>(a[8]), f.value<int64_t>(a[9]), f.value<bool>(a[10]), f.out_ptr<double>(a[11]));
  });
}

// (X, window, Y, batch, len, cin, step, frames, L, n_out, scratch): float types.
bool eval_stft(const Call& c, const Frame& f) {
  return with_type<IsFlt>(arg_type(c, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::stft<T>(f.in_ptr<T>(a[0]), f.in_ptr<T>(a[1]), f.out_ptr<T>(a[2]), f.value<int64_t>(a[3]),
               f.value<int64_t>(a[4]), f.value<int64_t>(a[5]), f.value<int64_t>(a[6]), f.value<int64_t>(a[7]),
               f.value<int64_t>(a[8]), f.value<int64_t>(a[9]), f.out_ptr<double>(a[10]));
  });
}

// The kernel that reads its output's shape from run-time values: never folded (constant
// values take the op's static lowering, so nothing it computes can fold).
bool eval_stft_data(const Call&, const Frame&) { return false; }
bool eval_mel_data(const Call&, const Frame&) { return false; }

}  // namespace o2c
