// Sequences and optionals. Neither is stored: during inference (passes/fold.cpp calls
// expand_composite_node before a node's own inference) each becomes the list of its elements
// (Value::elements: values of the same graph), fixed at compile time like a shape. So
//   SequenceConstruct/Empty/Insert/Erase, Optional     set their output's elements;
//   SequenceLength, OptionalHasElement                 become constants;
//   SequenceAt, OptionalGetElement, Identity           an Identity view of the element;
//   SplitToSequence, ConcatFromSequence                a Split (+ Squeeze), (Unsqueeze +) Concat;
//   SequenceMap                                        its body inlined once per element;
//   If and Loop that handle sequences or optionals     inlined: the branch the (compile-time)
//                                                      condition takes, the unrolled iterations.
// What needs a position or length known only at run time is refused, naming node and tensor.
// The main graph's sequence and optional inputs and outputs are their elements, NAME[0],
// NAME[1], ... (onnx/import.cpp, flatten_composite_outputs).
#include <algorithm>
#include <functional>
#include <set>

#include "ir/limits.hpp"
#include "ops/control.hpp"
#include "passes/inliner.hpp"

namespace o2c {

namespace {

struct SequenceEmptyAttrs {
  int64_t dtype = static_cast<int64_t>(DType::Float);
  O2C_FIELDS(dtype)
};
struct SplitToSequenceAttrs {
  int64_t axis = 0;
  int64_t keepdims = 1;
  O2C_FIELDS(axis, keepdims)
};
struct ConcatFromSequenceAttrs {
  int64_t axis = 0;
  int64_t new_axis = 0;
  template <class V>
  void fields(V& v) {
    v.required("axis", axis);
    v("new_axis", new_axis);
  }
};
struct SequenceMapAttrs {
  std::shared_ptr<Graph> body;
  template <class V>
  void fields(V& v) { v.required("body", body); }
};

const std::set<std::string>& sequence_ops() {
  static const std::set<std::string> ops = {"SequenceConstruct", "SequenceEmpty", "SequenceInsert", "SequenceErase",
                                            "SequenceAt", "SequenceLength", "SplitToSequence", "ConcatFromSequence",
                                            "SequenceMap", "Optional", "OptionalHasElement", "OptionalGetElement"};
  return ops;
}

// Whether a body (or a body nested in it) makes or reads sequences or optionals: an If or
// Loop running it is then inlined (its branch, its iterations) rather than compiled as a block.
bool uses_composites(const Graph& body) {
  for (const Value& v : body.values)
    if (v.composite()) return true;
  for (int id : body.order) {
    const Node& n = body.nodes[id];
    if (n.domain.empty() && sequence_ops().count(n.op)) return true;
    for (const Graph* sub : subgraphs(n))
      if (uses_composites(*sub)) return true;
  }
  return false;
}

const char* kind_name(Value::Kind k) {
  return k == Value::Kind::Sequence ? "a sequence" : k == Value::Kind::Optional ? "an optional" : "a tensor";
}

// One node being expanded: erased first, its outputs then defined anew.
struct Expander {
  Graph& g;
  const Node n;  // a copy: the node is erased
  Inliner in;

  Expander(Graph& graph, int id, const FoldOptions& opt) : g(graph), n(graph.nodes[id]), in{graph, opt, next(graph, id), graph.nodes[id]} {}
  static int next(const Graph& g, int id) {
    const int at = g.position(id);
    return at >= 0 && at + 1 < static_cast<int>(g.order.size()) ? g.order[static_cast<size_t>(at) + 1] : -1;
  }

  [[noreturn]] void fail(const std::string& msg) const { throw CompileError(g.where(n) + ": " + msg); }
  [[noreturn]] void unsupported(const std::string& msg) const { throw UnsupportedError(g.where(n) + ": " + msg); }
  bool has_in(size_t i) const { return i < n.inputs.size() && n.inputs[i] >= 0; }
  const Value& in_val(size_t i) const { return g.values[n.inputs.at(i)]; }
  std::string in_name(size_t i) const {
    return "input " + std::to_string(i) + (has_in(i) ? " " + quote_name(in_val(i).name) : std::string(" (absent)"));
  }

  // The elements of input i, which must be a sequence.
  std::vector<int> elements(size_t i) const {
    if (!has_in(i) || in_val(i).kind != Value::Kind::Sequence)
      fail(in_name(i) + " must be a sequence, it is " + (has_in(i) ? kind_name(in_val(i).kind) : "absent"));
    return in_val(i).elements;
  }
  // Input i, which must be a tensor.
  int tensor(size_t i) const {
    if (!has_in(i)) fail("input " + std::to_string(i) + " is missing");
    if (in_val(i).composite()) fail(in_name(i) + " must be a tensor, it is " + kind_name(in_val(i).kind));
    return n.inputs[i];
  }
  // A position (input i, default `dflt` when absent) into a sequence of `len` elements, in
  // [-len, len + extra - 1] (extra 1: an insertion point), made non-negative.
  int64_t position(size_t i, int64_t len, int64_t dflt, int64_t extra) const {
    if (!has_in(i)) return dflt;
    const Tensor* t = in_val(i).constant.get();
    if (!t)
      unsupported("the position (" + in_name(i) + ") must be known at compile time (a sequence's elements are "
                  "fixed when it is compiled; --freeze can make an input so)");
    if (t->numel() != 1) fail(in_name(i) + ": the position must be a scalar");
    const int64_t p = t->int_at(0);
    if (p < -len || p >= len + extra)
      fail("position " + std::to_string(p) + " is out of range for a sequence of " + std::to_string(len) + " elements");
    return p < 0 ? p + len : p;
  }

  void set_composite(int out, Value::Kind kind, std::vector<int> elems, DType dtype) {
    if (out < 0) return;
    Value& v = g.values[out];
    v.kind = kind;
    v.elements = std::move(elems);
    v.dtype = dtype;
    v.shape = {};
    v.typed = true;
  }
  void set_const(int out, Tensor t) {
    if (out < 0) return;
    Value& v = g.values[out];
    v.dtype = t.dtype;
    v.shape = t.shape;
    v.typed = true;
    v.constant = std::make_shared<Tensor>(std::move(t));
  }
  // A new node of the default domain (opset 13), inferred; returns its outputs.
  std::vector<int> node(const std::string& op, std::vector<int> inputs, Attrs attrs, const std::string& name, size_t outs = 1) {
    Node m;
    m.op = op;
    m.opset = 13;
    m.name = (n.name.empty() ? n.op : n.name) + "/" + name;
    m.inputs = std::move(inputs);
    m.attrs = std::move(attrs);
    for (size_t k = 0; k < outs; ++k) m.outputs.push_back(g.add_value(m.name + (outs > 1 ? "/" + std::to_string(k) : "")));
    const std::vector<int> r = m.outputs;
    in.add(std::move(m));
    return r;
  }
  int ints(const std::string& name, const std::vector<int64_t>& v, bool scalar = false) {
    Tensor t(DType::Int64, scalar ? Shape{} : Shape{static_cast<int64_t>(v.size())});
    for (size_t k = 0; k < v.size(); ++k) t.data<int64_t>()[k] = v[k];
    return in.constant((n.name.empty() ? n.op : n.name) + "/" + name, t);
  }
  int64_t axis(int64_t a, int64_t rank) const {
    if (a < -rank || a >= rank) fail("axis " + std::to_string(a) + " is out of range for rank " + std::to_string(rank));
    return a < 0 ? a + rank : a;
  }

  void run();
  void split_to_sequence();
  void concat_from_sequence();
  void sequence_map();
  void inline_if();
};

void Expander::split_to_sequence() {
  const auto a = parse_attrs<SplitToSequenceAttrs>(n.attrs, n.opset, g.where(n));
  const int x = tensor(0);
  const Shape shape = g.values[x].shape;
  const int64_t ax = axis(a.axis, static_cast<int64_t>(shape.size())), dim = shape[static_cast<size_t>(ax)];
  std::vector<int64_t> sizes;
  bool squeeze = false;
  auto at_most = [&](int64_t len) {
    if (len > kMaxSequenceLength)
      unsupported("a sequence of " + std::to_string(len) + " elements (at most " + std::to_string(kMaxSequenceLength) + ")");
  };
  if (!has_in(1)) {  // chunks of 1, the axis dropped unless keepdims
    at_most(dim);
    sizes.assign(static_cast<size_t>(dim), 1);
    squeeze = a.keepdims == 0;
  } else {
    const Tensor* s = in_val(1).constant.get();
    if (!s) unsupported("the split (" + in_name(1) + ") must be known at compile time (it fixes the sequence's length)");
    if (s->shape.empty()) {  // chunks of that size, the last one shorter
      const int64_t c = s->int_at(0);
      if (c <= 0) fail("split " + std::to_string(c) + " must be positive");
      at_most(dim / c + (dim % c != 0));
      for (int64_t at = 0; at < dim; at += c) sizes.push_back(std::min(c, dim - at));
    } else {
      sizes = s->to_ints();
      int64_t sum = 0;
      for (int64_t v : sizes) {
        if (v < 0) fail("split sizes must not be negative, one is " + std::to_string(v));  // 0: ONNX's reference takes it
        sum += v;
      }
      if (sum != dim) fail("the split sizes add up to " + std::to_string(sum) + ", not the axis' " + std::to_string(dim));
    }
  }
  std::vector<int> parts;
  if (sizes.size() == 1) parts = node("Identity", {x}, {}, "whole");
  else if (!sizes.empty())
    parts = node("Split", {x, ints("split", sizes)}, {{"axis", Attr::of(ax)}}, "split", sizes.size());
  if (squeeze)
    for (int& p : parts) p = node("Squeeze", {p, ints("axes", {ax})}, {}, "squeezed").at(0);
  set_composite(n.outputs[0], Value::Kind::Sequence, parts, g.values[x].dtype);
}

void Expander::concat_from_sequence() {
  const auto a = parse_attrs<ConcatFromSequenceAttrs>(n.attrs, n.opset, g.where(n));
  std::vector<int> elems = elements(0);
  if (elems.empty()) fail("the sequence is empty (ConcatFromSequence needs at least one tensor)");
  for (int e : elems)
    if (g.values[e].composite()) fail("the sequence holds " + std::string(kind_name(g.values[e].kind)) + ", not tensors");
  const int64_t rank = static_cast<int64_t>(g.values[elems[0]].shape.size());
  const int64_t ax = axis(a.axis, rank + (a.new_axis ? 1 : 0));
  if (a.new_axis)
    for (int& e : elems) e = node("Unsqueeze", {e, ints("axes", {ax})}, {}, "unsqueezed").at(0);
  Node cat;
  cat.op = "Concat";
  cat.opset = 13;
  cat.name = n.name;
  cat.inputs = elems;
  cat.attrs["axis"] = Attr::of(ax);
  cat.outputs = {n.outputs[0]};
  g.values[n.outputs[0]].typed = false;
  in.add(std::move(cat));
}

void Expander::sequence_map() {
  const auto a = parse_attrs<SequenceMapAttrs>(n.attrs, n.opset, g.where(n));
  const Graph& body = *a.body;
  if (body.inputs.size() != n.inputs.size() || body.outputs.size() != n.outputs.size())
    fail("the body takes " + std::to_string(body.inputs.size()) + " inputs and returns " + std::to_string(body.outputs.size()) +
         ", the node has " + std::to_string(n.inputs.size()) + " and " + std::to_string(n.outputs.size()));
  const int64_t len = static_cast<int64_t>(elements(0).size());
  for (size_t i = 1; i < n.inputs.size(); ++i)
    if (has_in(i) && in_val(i).kind == Value::Kind::Sequence && static_cast<int64_t>(in_val(i).elements.size()) != len)
      fail(in_name(i) + " has " + std::to_string(in_val(i).elements.size()) + " elements, input 0 " + std::to_string(len));
  std::vector<std::vector<int>> outs(n.outputs.size());
  for (int64_t k = 0; k < len; ++k) {
    std::map<int, int> vals;
    for (size_t i = 0; i < n.inputs.size(); ++i)
      vals[body.inputs[i]] = has_in(i) && in_val(i).kind == Value::Kind::Sequence ? in_val(i).elements[static_cast<size_t>(k)] : tensor(i);
    const std::vector<int> r = in.inline_body(body, vals, "/map" + std::to_string(k));
    for (size_t j = 0; j < r.size(); ++j) outs[j].push_back(r[j]);
  }
  for (size_t j = 0; j < n.outputs.size(); ++j) {
    const DType t = outs[j].empty() ? body.values[body.outputs[j]].dtype : g.values[outs[j][0]].dtype;
    set_composite(n.outputs[j], Value::Kind::Sequence, outs[j], t);
  }
}

void Expander::inline_if() {
  const auto a = parse_attrs<IfAttrs>(n.attrs, n.opset, g.where(n));
  const Tensor* cond = has_in(0) ? in_val(0).constant.get() : nullptr;
  if (!cond)
    unsupported("the condition (" + in_name(0) + ") must be known at compile time (a branch makes or reads sequences "
                "or optionals, whose elements are fixed when the model is compiled; --freeze can make an input so)");
  const bool then = cond->int_at(0) != 0;
  const std::vector<int> r = in.inline_body(then ? *a.then_branch : *a.else_branch, {}, then ? "/then" : "/else");
  if (r.size() != n.outputs.size())
    fail("the branch returns " + std::to_string(r.size()) + " values, the node has " + std::to_string(n.outputs.size()) + " outputs");
  for (size_t k = 0; k < r.size(); ++k) in.assign(n.outputs[k], r[k]);
}

void Expander::run() {
  const std::string& op = n.op;
  const int out = n.outputs.empty() ? -1 : n.outputs[0];
  if (op == "If") return inline_if();
  if (op == "SequenceEmpty") {
    const auto a = parse_attrs<SequenceEmptyAttrs>(n.attrs, n.opset, g.where(n));
    return set_composite(out, Value::Kind::Sequence, {}, static_cast<DType>(a.dtype));
  }
  if (op == "SequenceConstruct") {
    std::vector<int> elems;
    for (size_t i = 0; i < n.inputs.size(); ++i) elems.push_back(tensor(i));
    if (elems.empty()) fail("needs at least one tensor");
    for (int e : elems)
      if (g.values[e].dtype != g.values[elems[0]].dtype) fail("the tensors are of different types");
    return set_composite(out, Value::Kind::Sequence, elems, g.values[elems[0]].dtype);
  }
  if (op == "SequenceInsert") {
    std::vector<int> elems = elements(0);
    const int t = tensor(1);
    const int64_t len = static_cast<int64_t>(elems.size());
    if (len > 0 && g.values[t].dtype != in_val(0).dtype) fail(in_name(1) + " is not of the sequence's type");
    elems.insert(elems.begin() + position(2, len, len, 1), t);
    return set_composite(out, Value::Kind::Sequence, elems, g.values[t].dtype);
  }
  if (op == "SequenceErase") {
    std::vector<int> elems = elements(0);
    const int64_t len = static_cast<int64_t>(elems.size());
    if (len == 0) fail("the sequence is empty");
    elems.erase(elems.begin() + position(1, len, len - 1, 0));
    return set_composite(out, Value::Kind::Sequence, elems, in_val(0).dtype);
  }
  if (op == "SequenceAt") {
    const std::vector<int> elems = elements(0);
    const int64_t len = static_cast<int64_t>(elems.size());
    if (!has_in(1)) fail("the position is missing");
    return in.assign(out, elems[static_cast<size_t>(position(1, len, 0, 0))]);
  }
  if (op == "SequenceLength") {
    Tensor t(DType::Int64, {});
    t.data<int64_t>()[0] = static_cast<int64_t>(elements(0).size());
    return set_const(out, std::move(t));
  }
  if (op == "SplitToSequence") return split_to_sequence();
  if (op == "ConcatFromSequence") return concat_from_sequence();
  if (op == "SequenceMap") return sequence_map();
  if (op == "Optional") {
    if (!has_in(0)) return set_composite(out, Value::Kind::Optional, {}, DType::Undefined);
    return set_composite(out, Value::Kind::Optional, {n.inputs[0]}, in_val(0).dtype);
  }
  if (op == "OptionalHasElement") {  // a tensor or a sequence (opset 18) is always there
    Tensor t(DType::Bool, {});
    t.data<uint8_t>()[0] = has_in(0) && (in_val(0).kind != Value::Kind::Optional || !in_val(0).elements.empty());
    return set_const(out, std::move(t));
  }
  if (op == "OptionalGetElement") {
    if (!has_in(0)) fail("the input is missing");
    if (in_val(0).kind != Value::Kind::Optional) return in.assign(out, n.inputs[0]);
    if (in_val(0).elements.empty()) fail(in_name(0) + " is an empty optional");
    return in.assign(out, in_val(0).elements[0]);
  }
  if (op == "Identity") {
    if (!has_in(0)) fail("the input is missing");
    return in.assign(out, n.inputs[0]);
  }
  for (size_t i = 0; i < n.inputs.size(); ++i)  // any other op takes tensors only
    if (has_in(i) && in_val(i).composite())
      unsupported(in_name(i) + " is " + kind_name(in_val(i).kind) + "; " + op + " takes tensors");
}

// Whether node n (an If or Loop) runs bodies that handle sequences or optionals, or reads one.
bool control_on_composites(const Graph& g, const Node& n) {
  if (!n.domain.empty() || (n.op != "If" && n.op != "Loop")) return false;
  for (int v : n.inputs)
    if (v >= 0 && g.values[v].composite()) return true;
  for (int v : n.captures)
    if (g.values[v].composite()) return true;
  for (const Graph* sub : subgraphs(n))
    if (uses_composites(*sub)) return true;
  return false;
}

bool reads_composite(const Graph& g, const Node& n) {
  for (int v : n.inputs)
    if (v >= 0 && g.values[v].composite()) return true;
  return false;
}

void refuse_in_body(const Graph& g, const Node& n) {
  throw UnsupportedError(g.where(n) + ": a sequence or optional in a body compiled as a loop or branch (only "
                         "bodies inlined at compile time can hold them: an If's condition and a Loop's "
                         "iteration count must be known at compile time)");
}

void infer_expanded(OpCtx& c) { refuse_in_body(c.graph(), c.node()); }

}  // namespace

bool expand_composite_node(Graph& g, int id, const FoldOptions& opt) {
  const Node& n = g.nodes[id];
  const bool seq_op = n.domain.empty() && sequence_ops().count(n.op);
  if (control_on_composites(g, n)) {
    if (n.op == "Loop") {
      OpCtx c(g, g.nodes[id]);
      const char* why = "a Loop that handles sequences or optionals is unrolled: its";
      if (c.has_in(0)) c.require_const(0, (std::string(why) + " trip count").c_str());
      if (c.has_in(1)) c.require_const(1, (std::string(why) + " condition").c_str());
      if (loop_shape(c).trips < 0)
        throw UnsupportedError(g.where(n) + ": a Loop that handles sequences or optionals is unrolled: its trip count "
                               "and condition must be known at compile time (--freeze can make an input so)");
      if (loop_shape(c).trips > kMaxUnrolledIterations)
        throw UnsupportedError(g.where(n) + ": a Loop that handles sequences or optionals is unrolled, up to " +
                               std::to_string(kMaxUnrolledIterations) + " iterations");
      unroll_loop(g, id, opt);
      return true;
    }
  } else if (!seq_op && !reads_composite(g, n)) {
    return false;
  }
  for (int v : n.inputs)
    if (v >= 0 && !g.values[v].typed) {
      if (g.values[v].composite()) refuse_in_body(g, n);
      throw CompileError(g.where(n) + ": the type of input " + quote_name(g.values[v].name) + " is unknown");
    }
  const bool used = std::any_of(n.outputs.begin(), n.outputs.end(), [](int v) { return v >= 0; });
  Expander e(g, id, opt);
  g.erase(id);
  if (used) e.run();  // a node whose outputs are all absent ("") computes nothing
  return true;
}

void flatten_composite_outputs(Graph& g) {
  std::vector<int> outs;
  FoldOptions opt;
  Inliner in{g, opt, -1, Node{}};
  // v's tensors, in order, as outputs named name[0], name[1], ... (nested: name[0][1]).
  std::function<void(int, std::string)> flatten = [&](int v, std::string name) {
    if (!g.values[v].composite()) {
      const int o = g.add_value(name);
      in.assign(o, v);
      g.values[o].is_output = true;
      outs.push_back(o);
      return;
    }
    const std::vector<int> elems = g.values[v].elements;
    for (size_t k = 0; k < elems.size(); ++k) flatten(elems[k], name + "[" + std::to_string(k) + "]");
  };
  bool any = false;
  for (int v : g.outputs) {
    if (!g.values[v].composite()) {
      outs.push_back(v);
      continue;
    }
    any = true;
    g.values[v].is_output = false;
    flatten(v, std::string(g.values[v].name));  // a copy: adding values moves the names
  }
  if (any) g.outputs = outs;
}

}  // namespace o2c

#define O2C_SEQUENCE_OP(Name) O2C_DEFINE_OP(Name, o2c::infer_expanded, nullptr, false, false)
namespace o2c {
O2C_SEQUENCE_OP(SequenceConstruct);
O2C_SEQUENCE_OP(SequenceEmpty);
O2C_SEQUENCE_OP(SequenceInsert);
O2C_SEQUENCE_OP(SequenceErase);
O2C_SEQUENCE_OP(SequenceAt);
O2C_SEQUENCE_OP(SequenceLength);
O2C_SEQUENCE_OP(SplitToSequence);
O2C_SEQUENCE_OP(ConcatFromSequence);
O2C_SEQUENCE_OP(SequenceMap);
O2C_SEQUENCE_OP(Optional);
O2C_SEQUENCE_OP(OptionalHasElement);
O2C_SEQUENCE_OP(OptionalGetElement);
}  // namespace o2c
