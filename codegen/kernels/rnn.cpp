// Folding with templates/rnn.hpp: rnn (RNN, GRU, LSTM).
#include "kernels/eval.hpp"

namespace o2c {

// <T>(X, W, R, B, lens, h0, c0, P, Y, Yh, Yc, RnnParams, scratch[, Rt[, Wt]]); lens is int32;
// every pointer but X and scratch may be null.
bool eval_rnn(const Call& c, const Frame& f) {
  const auto& a = c.args;
  if (a[4].kind != Arg::Kind::Null && a[4].dtype != DType::Int32) return false;
  return with_type<IsFlt>(c.targs.empty() ? arg_type(c, 0) : targ_type(c, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    k::rnn<T>(f.in_ptr<T>(a[0]), f.in_ptr<T>(a[1]), f.in_ptr<T>(a[2]), f.in_ptr<T>(a[3]), f.in_ptr<std::int32_t>(a[4]),
              f.in_ptr<T>(a[5]), f.in_ptr<T>(a[6]), f.in_ptr<T>(a[7]), f.out_ptr<T>(a[8]), f.out_ptr<T>(a[9]),
              f.out_ptr<T>(a[10]), a[11].as<k::RnnParams>(), f.out_ptr<T>(a[12]),
              a.size() > 13 ? f.in_ptr<T>(a[13]) : nullptr, a.size() > 14 ? f.in_ptr<T>(a[14]) : nullptr);
  });
}

}  // namespace o2c
