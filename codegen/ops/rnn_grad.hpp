// The gradients of LSTM, GRU and RNN (ops/rnn.cpp's nodes): the layer recomputed step by step
// from ONNX ops that have gradient rules, then backpropagated through them.
#pragma once
#include "ops/helpers.hpp"

namespace o2c {

// The vector-Jacobian product of the LSTM, GRU or RNN node of c, p its parameters (as
// rnn_params reads them): the forward is recomputed from X, W, R, B, initial_h, initial_c and P
// as MatMul, Add, Mul, Sub, Slice, Reshape, Transpose, Concat, Unsqueeze, Clip and the gate
// activations (one set per step, as the kernel runs them: gates i o f c, z r h), whose own
// rules then give dX, dW, dR, dB, dinitial_h, dinitial_c and dP. sequence_lens and the
// activations without a gradient rule are refused, named.
void grad_rnn_unrolled(GradCtx& c, const k::RnnParams& p);

}  // namespace o2c
