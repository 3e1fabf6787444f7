// What every op implementation sees: typed access to the node, its attributes and values
// (OpCtx, for inference), and the kernel calls it lowers to (LowerCtx).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "ir/graph.hpp"
#include "ops/call.hpp"

namespace o2c {

struct OpInfo;

class OpCtx {
 public:
  OpCtx(Graph& g, Node& n);
  virtual ~OpCtx() = default;

  Graph& graph() { return g_; }
  const Graph& graph() const { return g_; }
  Node& node() { return n_; }
  const Node& node() const { return n_; }
  int opset() const { return n_.opset; }
  // The version of the op's spec that applies at this node (ops.def's versions column).
  int version() const;
  const OpInfo& info() const;

  size_t num_in() const { return n_.inputs.size(); }
  size_t num_out() const { return n_.outputs.size(); }
  bool has_in(size_t i) const { return i < n_.inputs.size() && n_.inputs[i] >= 0; }
  bool has_out(size_t i) const { return i < n_.outputs.size() && n_.outputs[i] >= 0; }
  Value& in(size_t i);
  Value& out(size_t i);
  const Shape& shape(size_t i) { return in(i).shape; }
  DType dtype(size_t i) { return in(i).dtype; }
  int64_t rank(size_t i) { return static_cast<int64_t>(in(i).shape.size()); }
  // Run-time dims (ir/dim.hpp): dim d of input i (a constant where it is static), all of
  // input i's, and the graph's symbols.
  Dim dim(size_t i, size_t d);
  std::vector<Dim> dims(size_t i);
  DimTable& dim_table() { return *g_.dims; }
  // A count this node's kernel finds in the data (NonZero's), at most `bound`: a Data symbol
  // named after output 0 (the buffers are planned for the bound).
  Dim data_dim(int64_t bound);
  // Contents of input i when known at compile time, else nullptr.
  const Tensor* const_in(size_t i);
  // The integer contents of input i as dims when known at compile time (a constant, or a
  // value of run-time dims: Value::sym); false otherwise.
  bool dims_in(size_t i, std::vector<Dim>* out);
  // Contents of input i, which must be known at compile time (e.g. Reshape's shape).
  const Tensor& require_const(size_t i, const char* what);

  // The node's attributes as the op's typed struct (ir/attr.hpp), with their defaults;
  // attributes the struct does not name are refused.
  template <class S>
  S attrs() const { return parse_attrs<S>(n_.attrs, version(), g_.where(n_)); }

  bool has(const char* attr) const;

  // Normalizes a possibly negative axis against rank; error if out of range.
  int64_t axis(int64_t a, int64_t rank) const;
  // Sets output i's type and shape (static).
  void set_out(size_t i, DType t, Shape s);
  // Sets output i's type and dims, some of which may be run-time dims (its shape: their bounds).
  void set_out_dims(size_t i, DType t, const std::vector<Dim>& dims);
  // Sets output i's compile-time contents (and type and shape).
  void set_const(size_t i, Tensor t);
  // Sets output i (an integer tensor of shape s) to contents known as dims: a constant when
  // every element is a number, else Value::sym.
  void set_dims_value(size_t i, DType t, Shape s, const std::vector<Dim>& elems);
  // The arena scratch the node's kernels need while it runs.
  void set_scratch(int64_t bytes);
  // The scratch past the arena the node's tasks use when they run in parallel (k::Par::extra).
  void set_par_extra(int64_t bytes);
  // Requires input count in [lo, hi] and output count in [olo, ohi].
  void arity(size_t lo, size_t hi, size_t olo = 1, size_t ohi = 1) const;
  void expect_type(size_t i, std::initializer_list<DType> ok);
  void same_type(size_t a, size_t b);

  [[noreturn]] void fail(const std::string& msg) const;
  [[noreturn]] void unsupported(const std::string& msg) const;

 protected:
  Graph& g_;
  Node& n_;
};

// Lowering: the kernel calls that compute the node (ops/call.hpp). The same calls are
// printed into the generated code and, to fold constants, run at compile time.
class LowerCtx : public OpCtx {
 public:
  using OpCtx::OpCtx;
  Arg X(size_t i);                    // input i (a null pointer when the input is absent)
  Arg Y(size_t i);                    // output i (a null pointer when absent)
  Arg elem(size_t i, int64_t k = 0);  // element k of input i, read at run time
  Arg scratch(DType t);               // the node's scratch (set_scratch) as T*
  Arg table(Tensor t);                // a constant the lowering computed (weights laid out for a kernel)
  Arg extent(const Dim& d);           // an int64 count: a literal, or a run-time dim's expression
  Arg numel_of(const Value& v);       // v's element count (an expression when v has run-time dims)
  Arg dim_out(const Dim& d);          // where the kernel writes d, a symbol of data_dim (int64_t*)
  // Adds a kernel call.
  void call(const std::string& kernel, std::vector<Arg> targs, std::vector<Arg> args);
  void call(const std::string& kernel, std::vector<Arg> args) { call(kernel, {}, std::move(args)); }

  std::vector<Call> calls;
  std::vector<Tensor> tables;
};

// Differentiation (passes/backward.cpp): an op's vector-Jacobian product, written as new
// nodes appended to the graph. dY(i) is the gradient flowing into output i (-1 if none);
// set_dX(i, v) gives input i's (the pass sums the contributions of several readers). New
// nodes go before node `before` in the order (-1: at the end).
class GradCtx : public OpCtx {
 public:
  GradCtx(Graph& g, Node& n, std::vector<int> dys, std::vector<char> wanted, const std::string& prefix, int before = -1);
  int dY(size_t i) const { return i < dys_.size() ? dys_[i] : -1; }
  bool wants(size_t i) const { return i < wanted_.size() && wanted_[i]; }
  void set_dX(size_t i, int v);
  // Appends a node of the default domain (as of `opset`: 13 unless the op needs a later
  // version, e.g. ScatterND's reduction) and infers it; returns its output.
  int add(const std::string& op, std::vector<int> inputs, Attrs attrs = {}, int opset = 13);
  // The same for an internal op of `domain` (the backward's kernels are onnx2cpp's).
  int add(const std::string& op, std::vector<int> inputs, Attrs attrs, const std::string& domain);
  // An internal op of `domain` with several outputs, output i made where outputs[i] is set
  // (absent otherwise); returns them (-1 for the absent).
  std::vector<int> add_outputs(const std::string& op, std::vector<int> inputs, Attrs attrs, const std::string& domain,
                               const std::vector<char>& outputs);
  int constant(Tensor t);
  int scalar_like(int v, double x);  // a constant scalar of v's element type
  int ints(std::vector<int64_t> v);  // a constant int64 vector (shapes, axes)
  int reshape(int v, Shape shape);  // v reshaped (v itself when it has that shape)
  // v (broadcast from `shape` by the forward op) summed back to `shape`: ReduceSum over the
  // dims it was broadcast along, then Reshape; v itself when nothing was broadcast. (Shapes
  // are taken by value: adding nodes moves the graph's values, and c.shape(i), a reference
  // into them, with them: copy a shape read through c.shape(i) before adding nodes.)
  int sum_to(int v, Shape shape);
  int before() const { return before_; }  // the node new nodes go before (-1: the end)
  std::vector<int> dxs;              // per input: its gradient from this node, or -1

 private:
  std::vector<int> add_node(const std::string& op, const std::string& domain, int opset, std::vector<int> inputs, Attrs attrs,
                            const std::vector<char>& outputs = {1});
  std::vector<int> dys_;
  std::vector<char> wanted_;
  std::string prefix_;  // names of the new values
  int before_;
};

struct OpDef {
  void (*infer)(OpCtx&);     // checks the node, sets output types/shapes, scratch and constants
  void (*lower)(LowerCtx&);  // the kernel calls; nullptr: the node runs no code (views,
                             // shape computations always folded)
  bool view = false;         // output 0 is input 0's bytes reinterpreted (no copy)
  bool structured = false;   // control flow: the emitter writes the node around its subgraphs
                             // (emit/control.cpp); never folded
  void (*grad)(GradCtx&) = nullptr;  // the vector-Jacobian product; nullptr: not differentiable
  bool dynamic = false;      // takes inputs with run-time dims (Value::dims): infer sets its
                             // outputs' dims, lower passes run-time extents (LowerCtx::extent)
};

// The node's op inference: signature and types checked against ops.def, then the op's infer.
void infer_node(OpCtx& c);

// Formatting of literals for generated code (exact, deterministic).
std::string lit(int64_t v);
std::string lit_f32(float v);
std::string lit_f64(double v);
std::string lit_of(DType t, double v);   // a literal of element type t
std::string lit_array(const std::vector<int64_t>& v, size_t n);  // "{a, b, ...}" padded to n
std::string lit_array(const int64_t* v, int n);                 // "{v[0], ..., v[n-1]}"

// Defines op Name's entry of ops.def: O2C_DEFINE_OP(Relu, infer_Relu, lower_Relu).
#define O2C_DEFINE_OP(Name, ...) \
  extern const ::o2c::OpDef op_##Name; \
  const ::o2c::OpDef op_##Name{__VA_ARGS__}

}  // namespace o2c
