// onnx2cpp kernels: the negative log likelihood loss (NegativeLogLikelihoodLoss, and
// SoftmaxCrossEntropyLoss after a log-softmax by softmax.hpp).
#ifndef ONNX2CPP_K_LOSS_HPP
#define ONNX2CPP_K_LOSS_HPP

ONNX2CPP_K_BEGIN

// nll_loss()'s reductions, in the order ONNX spells them.
enum LossReduction : int { kLossNone = 0, kLossSum = 1, kLossMean = 2 };

// X[N, C, D] holds log-probabilities; target[N, D] a class per sample. The loss of sample
// (n, d) with class t is -X[n, t, d] * weight[t] (weight null: 1), and 0 with weight 0 where
// t is ignore_index (has_ignore). A class outside [0, C) that is not ignored has no loss:
// NaN. Y gets the losses [N, D] (kLossNone), their sum (kLossSum), or their sum over the sum
// of the weights applied (kLossMean); sums in double.
template <class T, class I>
inline void nll_loss(const T* X, const I* target, const T* weight, T* Y, i64 N, i64 C, i64 D, int reduction,
                     bool has_ignore, i64 ignore_index) {
  double sum = 0, wsum = 0;
  for (i64 n = 0; n < N; ++n)
    for (i64 d = 0; d < D; ++d) {
      const i64 t = static_cast<i64>(target[n * D + d]);
      T loss = T(0), w = T(0);
      if (!(has_ignore && t == ignore_index)) {
        if (t < 0 || t >= C) {
          loss = w = std::numeric_limits<T>::quiet_NaN();
        } else {
          w = weight ? weight[t] : T(1);
          loss = -X[(n * C + t) * D + d] * w;
        }
      }
      if (reduction == kLossNone) Y[n * D + d] = loss;
      sum += static_cast<double>(loss);
      wsum += static_cast<double>(w);
    }
  if (reduction == kLossSum) Y[0] = static_cast<T>(sum);
  else if (reduction == kLossMean) Y[0] = static_cast<T>(sum / wsum);
}

ONNX2CPP_K_END
#endif
