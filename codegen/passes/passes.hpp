// Graph passes, run in order by the driver (see driver.cpp). Each is small and can be
// switched off by name with --disable-pass.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ir/graph.hpp"

namespace o2c {

// Shape/type inference in topological order, folding every node whose inputs are all known
// at compile time (Shape -> Gather -> Concat -> Reshape chains included) when the op can be
// evaluated and the result is not much larger than its inputs.
struct FoldOptions {
  bool fold = true;
  int64_t max_growth_bytes = 1 << 20;  // fold when output <= max(this, 2 x input bytes)
  // Leave DequantizeLinear of constant integer weights and biases read by a Conv unfolded, for
  // the qdq pass (which folds those it does not fuse).
  bool keep_conv_dequantize = true;
};
void infer_and_fold(Graph& g, const FoldOptions& opt);
// The same for one node; true when it was folded (and erased).
bool infer_fold_node(Graph& g, int node, const FoldOptions& opt);

// Evaluates node `node` at compile time on run-time dims (passes/fold_dims.cpp) when it is a
// Shape of a value with run-time dims, or integer arithmetic on such values: sets its output's
// Value::sym (or its constant) and returns true; false, with nothing done, otherwise.
// infer_fold_node does it.
bool fold_dims(Graph& g, int node);

// Loop node `node` (not yet inferred), when its body only appends to a carried value (a
// sequence by SequenceInsert, read after the loop by ConcatFromSequence; a tensor by Concat),
// appends by a scan output instead and joins the slices after the loop (Transpose, Reshape,
// Concat), all inferred (passes/loop_appends.cpp): such a value grows at every iteration and
// could not be carried. True when it did (infer_fold_node does it).
bool loop_appends_to_scans(Graph& g, int node, const FoldOptions& opt);

// Replaces Loop node `node` by its iterations' nodes, inferred (passes/unroll.cpp): for a
// Loop whose body needs its iteration number at compile time, with few iterations known at
// compile time (ops/control.hpp: loop_needs_unrolling). infer_fold_node does it.
void unroll_loop(Graph& g, int node, const FoldOptions& opt);

// Sequences and optionals (ops/sequence.cpp): node `node`, when it makes or reads one (or is
// an If or Loop whose bodies do), is replaced by what it stands for on the elements, which
// are inferred; true when it was (infer_fold_node does it before the node's inference).
bool expand_composite_node(Graph& g, int node, const FoldOptions& opt);
// The main graph's sequence and optional outputs become their tensors, outputs NAME[0],
// NAME[1], ... in order (nested: NAME[0][1]; an absent optional, an empty sequence: none).
void flatten_composite_outputs(Graph& g);

// Replaces FlexAttention node `node`, when it has modifier graphs (score_mod, prob_mod), by
// ordinary nodes with the graphs inlined between them, inferred (passes/flex_attention.cpp);
// false (nothing done) for any other node. infer_fold_node does it.
bool expand_flex_attention(Graph& g, int node, const FoldOptions& opt);

// A training step (passes/train_step.cpp): a loss on output `output` and its gradients with
// respect to the parameters, appended as graph outputs "loss" and "grad/<parameter>"; with an
// optimizer, the parameters become graph inputs (make_trainable, before inference: nothing
// folds them) and the step ends with their updates (Graph::train_state).
struct OptimizerOptions {
  std::string type;  // "": none (the gradients only), sgd, adam, adamw
  double momentum = 0, dampening = 0, weight_decay = 0;  // weight_decay: AdamW's default 0.01 when unset
  bool nesterov = false, weight_decay_set = false;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
};
struct BackwardOptions {
  std::string output;        // empty: no backward pass
  std::string loss = "mse";  // mse | l1 | cross_entropy | bce_with_logits
  std::string reduction = "mean";  // mean | sum
  double label_smoothing = 0;      // cross_entropy
  std::vector<std::string> params;  // the parameters by name; empty: every float initializer read
  std::string train_regex;          // only the parameters whose names match (empty: all)
  std::string freeze_regex;         // none whose names match
  OptimizerOptions optimizer;
  bool grads = true;  // the gradients as outputs "grad/<parameter>" (onnx2cpp train: --grads)
};
// The parameters become graph inputs with their initial contents in g.train_state (called on
// the imported graph, before inference, when an optimizer is asked for).
void make_trainable(Graph& g, const BackwardOptions& opt);
// The inference model on a training step's params (the wasm module's run()): the initializers
// named (the step's parameters and buffers) become graph inputs, BatchNorms in training mode
// use their running statistics and training-mode Dropouts are off, as model.eval() runs them.
void make_eval_on_params(Graph& g, const std::vector<std::string>& names);
void append_backward(Graph& g, const BackwardOptions& opt);
// A node of `domain` (opset 13 of the default domain, else 1) inserted before node `before`
// (-1: at the end) and inferred; its outputs are new values named name, name/1, name/2, ...
std::vector<int> add_inferred_node(Graph& g, const std::string& op, std::vector<int> ins, Attrs attrs, const std::string& name,
                                   size_t outputs = 1, const std::string& domain = "", int before = -1);
// Gradients through `forward` (node ids in order), last node to first, from the seeds (value ->
// its gradient): one per value of wrt, -1 where no forward node leads from it to a seed. New
// nodes go before node `before` (-1: at the end). (passes/backward.cpp)
std::vector<int> backpropagate(Graph& g, const std::vector<int>& forward, const std::map<int, int>& seeds,
                               const std::vector<int>& wrt, int before);

// Replaces Gradient node `node` (ai.onnx.preview.training) by the nodes that compute dy/dx
// for each x of its xs (with dy = ones), from the nodes before it; false (nothing done) for any
// other node. infer_fold_node does it.
bool expand_gradient(Graph& g, int node);

// Storage-only float types (float16, bfloat16, float8) are computed in float: every node
// that computes on them (a type variable not moved as bits, ops.def) reads float copies made
// by Cast nodes, and its results are cast back; folded where the inputs are constants.
void compute_in_float(Graph& g, const FoldOptions& opt);

// ReduceMean -> Sub -> Pow -> ReduceMean -> Add(eps) -> Sqrt -> Div -> Mul(gamma) [-> Add(beta)]
// over the last axis (LayerNorm as exported before opset 17) becomes one LayerNormalization.
void fuse_layer_norm(Graph& g);

// Div(x, sqrt 2) -> Erf -> Add(1) -> Mul(x) -> Mul(0.5) (GELU as exported before opset 20,
// and its variants) becomes one Gelu.
void fuse_gelu(Graph& g);

// Mul(x, Sigmoid(x)) becomes Swish(x) (SiLU), Mul(x, HardSigmoid(x; 1/6, 1/2)) HardSwish(x):
// one node, which the epilogue pass can fold into the Conv, Gemm or MatMul writing x.
void fuse_swish(Graph& g);

// Statically quantized convolutions in QDQ form, DequantizeLinear(x int8/uint8) and
// DequantizeLinear(constant int8/uint8 weights) [and of the int32 bias] -> Conv [-> Relu] ->
// QuantizeLinear, become one QLinearConv on the integers (its integer kernel); the Relu is
// dropped where the output zero point is its type's lowest value (exact). The residual,
// DequantizeLinear x2 -> Add [-> Relu] -> QuantizeLinear, becomes one QLinearAdd (onnx2cpp
// domain; exact), and Casts of x to its own type before those dequantizations go. Dequantizations
// of weights left unfused are folded (passes/qdq.cpp).
void fuse_qdq(Graph& g, const FoldOptions& opt);

// Fuses what follows a Conv into it: an inference BatchNormalization with constant
// parameters (folded into new weights and bias), an Add of a same-shaped tensor
// (residual), then an activation (Relu, Clip, LeakyRelu, Sigmoid, HardSigmoid, HardSwish,
// Tanh); an activation after InstanceNormalization or BatchNormalization likewise; an Add
// of a constant bias row, then an activation, after a MatMul by a constant matrix (the
// bias becomes the MatMul's third input), an activation after a Gemm. The fused node takes the place of the last
// absorbed node. float32 only.
void fuse_epilogues(Graph& g);

// Add(A, Pad(G)) of zeros (a slice's gradient added to a sum) becomes PadAdd(A, G), the zeros
// not made; in A's storage (Value::alias_of, offset 0) when A has no other reader.
void fuse_pad_add(Graph& g);

// Concat along an axis with only size-1 dims before it: each input that is computed by a
// node for this Concat alone is written by that node straight into its part of the
// output (Value::alias_of/alias_offset), and the Concat runs no code (Node::in_place).
void concat_in_place(Graph& g);

// Tensors between convolutions (the depthwise conv of an inverted residual block and the
// convs around it; ResNet blocks and their residual stream) stored with the channels last
// (Value::channels_last) when every reader can take them that way; the convolutions run
// their channels-last kernels (templates/conv_channels.hpp).
void channels_last(Graph& g);

// A Conv writing channels last for one depthwise Conv alone is computed inside it, row by
// row: one ConvThenDepthwise node (the tensor between them is never stored).
void fuse_conv_depthwise(Graph& g);

// Erases the nodes nothing that reaches a graph output reads, inside bodies too, and drops
// from a node's captures the outer values its bodies no longer read.
void remove_dead_nodes(Graph& g);

}  // namespace o2c
