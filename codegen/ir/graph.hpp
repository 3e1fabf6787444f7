// The compiler's graph: values with static types and shapes, nodes in topological order.
#pragma once
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "ir/attr.hpp"
#include "ir/dim.hpp"
#include "ir/dtype.hpp"

namespace o2c {

using Shape = std::vector<int64_t>;
// a * b, or INT64_MAX when that overflows (no tensor is that big: the size checks refuse it).
int64_t mul_saturated(int64_t a, int64_t b);
int64_t numel(const Shape& s);  // 0 when a dim is 0, else the product, saturated
std::string shape_str(const Shape& s);            // "[1,3,224,224]"
std::string type_str(DType t, const Shape& s);    // "f32[1,3,224,224]"

// A dense tensor with compile-time-known contents (initializer, Constant or folded value).
struct Tensor {
  DType dtype = DType::Undefined;
  Shape shape;
  std::vector<uint8_t> bytes;  // numel * dtype_size, little endian, row-major
  std::vector<std::string> strings;  // a string tensor's elements (its bytes stay zero)

  Tensor() = default;
  Tensor(DType t, Shape s);
  int64_t numel() const { return o2c::numel(shape); }
  template <class T> T* data() { return reinterpret_cast<T*>(bytes.data()); }
  template <class T> const T* data() const { return reinterpret_cast<const T*>(bytes.data()); }
  // Element i converted to int64 / double, whatever the integer or float dtype.
  int64_t int_at(int64_t i) const;
  double float_at(int64_t i) const;
  std::vector<int64_t> to_ints() const;
};
// A 1-D tensor of dtype t (of sizeof(T) bytes) holding v.
template <class T>
Tensor vector_tensor(DType t, const std::vector<T>& v) {
  Tensor r(t, {static_cast<int64_t>(v.size())});
  if (!v.empty()) std::memcpy(r.bytes.data(), v.data(), v.size() * sizeof(T));
  return r;
}

// Errors carry where they happened; the driver adds the model path.
struct CompileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// An op, attribute value or dtype onnx2cpp does not implement (as opposed to a broken model).
struct UnsupportedError : CompileError {
  using CompileError::CompileError;
};

// One use of a value: input `slot` of node `node`, or (slot -1) a capture by a subgraph of
// node `node` (If, Loop and Scan bodies read outer values by name).
struct Use {
  int node;
  int slot;
  bool operator==(const Use& o) const { return node == o.node && slot == o.slot; }
};

struct Value {
  std::string name;       // ONNX name (may be anything; never printed unescaped)
  DType dtype = DType::Undefined;
  Shape shape;
  bool typed = false;     // dtype and shape are known
  std::shared_ptr<Tensor> constant;  // set when contents are known at compile time
  int producer = -1;      // node id, -1 for graph inputs, constants and captures
  std::vector<Use> readers;  // kept current by Graph's rewrite API
  bool is_input = false;
  bool is_output = false;
  // In a subgraph: the value of the enclosing graph this one stands for (-1 otherwise).
  int capture_of = -1;
  // Written in place into another value's storage at a byte offset (a Concat input, see
  // passes/concat_in_place.cpp); -1 when it has its own.
  int alias_of = -1;
  int64_t alias_offset = 0;
  // Stored with the channels last ([N][spatial...][C]) between the two convolutions that
  // passes/channels_last.cpp chose; its shape stays the logical NCHW one.
  bool channels_last = false;
  // A string value: the most bytes one element can hold (a bound planned at compile time:
  // --max-string-bytes for inputs, derived by each op that makes strings).
  int64_t max_string_bytes = 0;
  // Run-time dims (ir/dim.hpp), one per dim, when some dim is known only at run time (empty
  // when every dim is static). `shape` then holds each dim's bound: what buffers are planned for.
  std::vector<Dim> dims;
  bool dynamic() const { return !dims.empty(); }
  // The contents of a small integer tensor known at compile time as run-time dims (a Shape of
  // a value with run-time dims, and the arithmetic exporters do on it: passes/fold_dims.cpp),
  // element by element; empty otherwise (a value whose every element is a number is a
  // constant instead). Its node writes them at run time for any code that reads them.
  std::vector<Dim> sym;
  // A sequence or an optional (ops/sequence.cpp): not stored itself but desugared during
  // inference into its elements, values of this graph known at compile time like a shape (an
  // absent optional has none; `dtype` is the elements' type). Never planned nor emitted.
  enum class Kind : uint8_t { Tensor, Sequence, Optional } kind = Kind::Tensor;
  std::vector<int> elements;
  bool composite() const { return kind != Kind::Tensor; }
  int64_t bytes() const { return dtype_bytes(dtype, numel(shape)); }
};

struct Node {
  int id = -1;        // index in Graph::nodes, stable across rewrites
  std::string name;   // ONNX node name (may be empty)
  std::string op;     // op_type
  std::string domain; // "" for the default domain
  int opset = 0;      // version of the node's domain imported by the model
  std::vector<int> inputs;   // value ids, -1 for an omitted optional input
  std::vector<int> outputs;  // value ids, -1 for an omitted optional output
  std::vector<int> captures; // outer values its subgraphs read (If, Loop, Scan)
  Attrs attrs;
  int index = 0;      // position in the original model, for messages and comments
  bool erased = false;  // removed from the graph (Graph::erase); the id stays taken
  int64_t scratch_bytes = 0;  // arena scratch the kernel needs during this node
  int64_t par_extra_bytes = 0;  // and past the arena when its tasks run in parallel (k::Par::extra)
  bool in_place = false;      // a Concat whose inputs were written in place: no code
};

// A deep copy of g: its subgraphs copied too (inference writes into a graph, so a body that
// is inferred twice, differently, needs its own copy).
std::shared_ptr<Graph> clone_graph(const Graph& g);
// The subgraphs a node owns (its Graph attributes), in attribute order.
std::vector<Graph*> subgraphs(const Node& n);

// What comments and profiles call a node: its op, or for a fused op the ops it stands for
// ("Conv+Add+Relu", its `fused` attribute).
std::string node_label(const Node& n);

// A graph: values and nodes; nodes run in `order`. Passes change it through the rewrite API
// below, which keeps producers and readers current; verify() (ir/verify.hpp) checks it.
struct Graph {
  std::vector<Value> values;
  std::vector<Node> nodes;    // by id; erased nodes keep their slot
  std::vector<int> order;     // the live nodes, in topological order
  std::vector<int> inputs;    // runtime inputs (initializers excluded)
  std::vector<int> outputs;
  std::map<std::string, int> opsets;  // domain -> version
  std::string model_path;
  std::string graph_name;
  std::string producer;
  int64_t ir_version = 0;
  // Shapes the model declares for values (graph outputs, value_info), fully static ones only:
  // the bound of an output whose shape depends on the data (StringSplit, StringNormalizer).
  std::map<std::string, Shape> declared_shapes;
  // The symbols of run-time dims (--dim NAME=LO..HI, and those derived from them); bodies
  // (If, Loop, Scan) share their enclosing graph's table (the importer and clone_graph).
  std::shared_ptr<DimTable> dims = std::make_shared<DimTable>();
  // A compiled training step (passes/train_step.cpp): the tensors it updates in place, in the
  // order of the params struct. Each is a graph input whose new contents are graph output
  // `updated`; `init` holds its initial contents (null: zeros, as optimizer states start).
  // A buffer (BatchNorm's running statistics) is updated by the step but not trained.
  struct TrainState {
    int value = -1;
    int updated = -1;
    std::shared_ptr<const Tensor> init;
    bool buffer = false;
  };
  std::vector<TrainState> train_state;

  // A new value; named values are unique (the name is made unique with a suffix if taken).
  int add_value(const std::string& name);
  // The value named `name` in this graph, -1 if absent.
  int find(const std::string& name) const;
  // A new constant value.
  int add_constant(const std::string& name, Tensor t);

  // ---- rewrite API ----
  // Adds n (inputs and outputs set) before node `before` in the order (-1: at the end) and
  // returns its id. Its outputs must have no producer yet.
  int insert(Node n, int before = -1);
  // Removes a node: its inputs lose it as a reader, its outputs lose their producer.
  void erase(int node);
  // Node `node` reads v at input `slot` (-1 for an omitted input).
  void set_input(int node, size_t slot, int v);
  void set_inputs(int node, std::vector<int> vs);
  void set_outputs(int node, std::vector<int> vs);
  void set_captures(int node, std::vector<int> vs);
  // Every reader of `from` (and the graph's outputs) reads `to` instead.
  void replace_uses(int from, int to);
  // Replaces node `old` by n at the same place in the order (n may write old's outputs).
  int replace(int old, Node n);

  // The live nodes in order (a copy: safe to iterate while rewriting).
  std::vector<int> live_nodes() const { return order; }
  int position(int node) const;  // index in order, -1 if erased
  std::string where(const Node& n) const;   // "node [3] Conv "conv1"" for messages
  // Recomputes producers and readers from the nodes (after building a graph by hand).
  void reindex();

 private:
  std::map<std::string, int> by_name_;
  void add_reader(int v, Use u);
  void drop_reader(int v, Use u);
};

// Quote a string for a message or a C++ comment: printable ASCII only, everything else
// (and \ " ? *) escaped, so it can never end a comment, splice a line or form a trigraph.
std::string quote_name(const std::string& s);

// The bytes of the longest string of a string tensor (0 for other types): the bound
// (Value::max_string_bytes) of a string constant.
int64_t longest_string(const Tensor& t);

}  // namespace o2c
