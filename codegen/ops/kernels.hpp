// The kernels of templates/, compiled into the compiler for constant folding: the same code
// that generated programs run (in kernels.def's order, each after what it needs).
#pragma once
#define ONNX2CPP_K_EXTERNAL
#include "runtime_min/onnx2cpp_runtime.h"  // the error codes the kernels return
#include "templates/common.hpp"
#include "templates/data_dims.hpp"
#include "runtime_min/onnx2cpp_numeric.h"
#include "templates/numeric.hpp"
#include "templates/activation.hpp"
#include "templates/activation_grad.hpp"
#include "templates/elementwise.hpp"
#include "templates/special.hpp"
#include "templates/panel_gemm.hpp"
#include "templates/gemm.hpp"
#include "templates/conv.hpp"
#include "templates/conv_channels.hpp"
#include "templates/conv_winograd.hpp"
#include "templates/conv_winograd_last.hpp"
#include "templates/conv_then_depthwise.hpp"
#include "templates/conv_transpose.hpp"
#include "templates/conv_grad.hpp"
#include "templates/pool.hpp"
#include "templates/pool_grad.hpp"
#include "templates/norm.hpp"
#include "templates/norm_grad.hpp"
#include "templates/softmax.hpp"
#include "templates/loss.hpp"
#include "templates/tensor.hpp"
#include "templates/resize.hpp"
#include "templates/reduce.hpp"
#include "templates/rnn.hpp"
#include "templates/misc.hpp"
#include "templates/subbyte.hpp"
#include "templates/quant.hpp"
#include "templates/qconv_u8s8.hpp"
#include "templates/indexing.hpp"
#include "templates/linalg.hpp"
#include "templates/attention.hpp"
#include "templates/sampling.hpp"
#include "templates/signal.hpp"
#include "templates/causal_conv.hpp"
// templates/strings.hpp: included by kernels/strings.cpp alone (string kernels do not fold)
#include "templates/numtext.hpp"

namespace o2c {
namespace k = onnx2cpp_k;
}
