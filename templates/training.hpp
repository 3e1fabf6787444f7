// onnx2cpp kernels of training-mode computation: BatchNormalization with training_mode=1, the
// optimizers of ai.onnx.preview.training (Momentum, Adagrad, Adam), one call per optimized
// tensor, computed in double (R is the learning rate, a scalar; T the update count, an int64
// scalar), and the optimizers of a compiled training step (sgd_step, adam_step: torch.optim's
// update rules, in T as PyTorch computes them). The step kernels update in place: an output
// may be its input's storage (each element is read before it is written).
#ifndef ONNX2CPP_K_TRAINING_HPP
#define ONNX2CPP_K_TRAINING_HPP

ONNX2CPP_K_BEGIN

// Training-mode BatchNormalization over X[N,C,S]: each channel normalized with its batch
// mean and (biased) variance, accumulated in double; running_mean and running_var (may be
// null) = input statistic * momentum + batch statistic * (1 - momentum).
template <class T>
inline void batch_norm_training(const T* X, const T* scale, const T* bias, const T* mean, const T* var, T* Y,
                                T* running_mean, T* running_var, i64 N, i64 C, i64 S, float eps, float momentum) {
  for (i64 c = 0; c < C; ++c) {
    const Moments st = moments(X + c * S, N, C * S, S);
    const double a = static_cast<double>(scale[c]) / std::sqrt(st.var + static_cast<double>(eps));
    const double b = static_cast<double>(bias[c]);
    for (i64 n = 0; n < N; ++n) {
      const i64 off = (n * C + c) * S;
      ArrMap<T>(Y + off, S) = ((CArrMap<T>(X + off, S).template cast<double>() - st.mean) * a + b).template cast<T>();
    }
    const double mo = static_cast<double>(momentum);
    if (running_mean) running_mean[c] = static_cast<T>(static_cast<double>(mean[c]) * mo + st.mean * (1.0 - mo));
    if (running_var) running_var[c] = static_cast<T>(static_cast<double>(var[c]) * mo + st.var * (1.0 - mo));
  }
}

// Momentum: g' = norm * x + g; v' = alpha * v + (t > 0 ? beta : 1) * g';
// x' = x - r * v' (standard) or x - r * (g' + alpha * v') (nesterov).
template <class T, class R>
inline void momentum_update(const R* r, const int64_t* t, const T* X, const T* G, const T* V, T* Xo, T* Vo, i64 n,
                            double norm, double alpha, double beta, bool nesterov) {
  const double rate = static_cast<double>(r[0]), b = t[0] > 0 ? beta : 1.0;
  for (i64 k = 0; k < n; ++k) {
    const double g = norm * static_cast<double>(X[k]) + static_cast<double>(G[k]);
    const double v = alpha * static_cast<double>(V[k]) + b * g;
    const double x = static_cast<double>(X[k]) - rate * (nesterov ? g + alpha * v : v);
    Xo[k] = static_cast<T>(x);
    Vo[k] = static_cast<T>(v);
  }
}

// Adagrad: r' = r / (1 + t * decay); g' = norm * x + g; h' = h + g'^2;
// x' = x - r' * g' / (sqrt(h') + epsilon).
template <class T, class R>
inline void adagrad_update(const R* r, const int64_t* t, const T* X, const T* G, const T* H, T* Xo, T* Ho, i64 n,
                           double norm, double epsilon, double decay) {
  const double rate = static_cast<double>(r[0]) / (1.0 + static_cast<double>(t[0]) * decay);
  for (i64 k = 0; k < n; ++k) {
    const double g = norm * static_cast<double>(X[k]) + static_cast<double>(G[k]);
    const double h = static_cast<double>(H[k]) + g * g;
    Xo[k] = static_cast<T>(static_cast<double>(X[k]) - rate * g / (std::sqrt(h) + epsilon));
    Ho[k] = static_cast<T>(h);
  }
}

// Adam: g' = norm * x + g; v' = alpha * v + (1 - alpha) * g'; h' = beta * h + (1 - beta) * g'^2;
// r' = r * sqrt(1 - beta^t) / (1 - alpha^t) when t > 0, else r;
// x' = (1 - norm_post) * (x - r' * v' / (sqrt(h') + epsilon)).
template <class T, class R>
inline void adam_update(const R* r, const int64_t* t, const T* X, const T* G, const T* V, const T* H, T* Xo, T* Vo,
                        T* Ho, i64 n, double norm, double norm_post, double alpha, double beta, double epsilon) {
  double rate = static_cast<double>(r[0]);
  if (t[0] > 0) {
    const double tt = static_cast<double>(t[0]);
    rate = rate * std::sqrt(1.0 - std::pow(beta, tt)) / (1.0 - std::pow(alpha, tt));
  }
  for (i64 k = 0; k < n; ++k) {
    const double g = norm * static_cast<double>(X[k]) + static_cast<double>(G[k]);
    const double v = alpha * static_cast<double>(V[k]) + (1.0 - alpha) * g;
    const double h = beta * static_cast<double>(H[k]) + (1.0 - beta) * g * g;
    const double x = static_cast<double>(X[k]) - rate * (v / (std::sqrt(h) + epsilon));
    Xo[k] = static_cast<T>((1.0 - norm_post) * x);
    Vo[k] = static_cast<T>(v);
    Ho[k] = static_cast<T>(h);
  }
}

// torch.optim.SGD on one tensor: d = g + wd p; with momentum, buf = d on the first step
// (step == 0, the count of earlier steps), else momentum buf + (1 - dampening) d, and d = buf
// (or d + momentum buf, nesterov); p -= lr d. buf, buf_out: null without momentum.
template <class T>
inline void sgd_step(const T* lr, const int64_t* step, const T* p, const T* g, const T* buf, T* p_out, T* buf_out,
                     i64 n, T momentum, T dampening, T weight_decay, bool nesterov) {
  const T rate = lr[0];
  const bool first = step[0] == 0;
  for (i64 k = 0; k < n; ++k) {
    T d = g[k];
    if (weight_decay != T(0)) d = d + weight_decay * p[k];
    if (buf) {
      const T b = first ? d : buf[k] * momentum + (T(1) - dampening) * d;
      buf_out[k] = b;
      d = nesterov ? d + momentum * b : b;
    }
    p_out[k] = p[k] - rate * d;
  }
}

// torch.optim.Adam (decoupled: AdamW) on one tensor, at step t = step + 1: m = b1 m + (1 - b1) g,
// v = b2 v + (1 - b2) g^2, p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps); weight
// decay added to g (Adam) or p scaled by 1 - lr wd first (AdamW).
template <class T>
inline void adam_step(const T* lr, const int64_t* step, const T* p, const T* g, const T* m, const T* v, T* p_out,
                      T* m_out, T* v_out, i64 n, double beta1, double beta2, double eps, double weight_decay,
                      bool decoupled) {
  const double rate = static_cast<double>(lr[0]), t = static_cast<double>(step[0] + 1);
  const T step_size = static_cast<T>(rate / (1.0 - std::pow(beta1, t)));
  const T bc2_sqrt = static_cast<T>(std::sqrt(1.0 - std::pow(beta2, t)));
  const T shrink = static_cast<T>(1.0 - rate * weight_decay), wd = static_cast<T>(weight_decay);
  const T b1 = static_cast<T>(beta1), b2 = static_cast<T>(beta2), e = static_cast<T>(eps);
  const T c1 = static_cast<T>(1.0 - beta1), c2 = static_cast<T>(1.0 - beta2);
  // Eigen's array expressions, one element at a time in each (the outputs may be their
  // inputs' storage), vectorized with the square root (a plain loop's std::sqrt is not: errno).
  CArrMap<T> P(p, n), G(g, n), M(m, n), V(v, n);
  ArrMap<T> Mo(m_out, n), Vo(v_out, n), Po(p_out, n);
  if (decoupled || weight_decay == 0.0) {
    Mo = M * b1 + G * c1;
    Vo = V * b2 + G * G * c2;
  } else {  // Adam's weight decay: g + wd p
    Mo = M * b1 + (G + wd * P) * c1;
    Vo = V * b2 + (G + wd * P) * (G + wd * P) * c2;
  }
  if (decoupled) Po = P * shrink - step_size * (Mo / (Vo.sqrt() / bc2_sqrt + e));
  else Po = P - step_size * (Mo / (Vo.sqrt() / bc2_sqrt + e));
}

ONNX2CPP_K_END

#endif
