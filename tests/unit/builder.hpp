// Builds small ONNX models in memory for unit tests.
#pragma once
#include <initializer_list>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include <catch2/catch.hpp>

#include "driver.hpp"
#include "onnx/model_io.hpp"
#include "tools/runner.hpp"

namespace o2c::test {

struct ModelBuilder {
  onnx::ModelProto m;
  explicit ModelBuilder(int opset = 13) {
    m.set_ir_version(8);
    m.set_producer_name("unit-test");
    auto* os = m.add_opset_import();
    os->set_domain("");
    os->set_version(opset);
    m.mutable_graph()->set_name("g");
  }
  // dims: >= 0 fixed, -1 symbolic named by `sym`.
  ModelBuilder& input(const std::string& name, std::vector<int64_t> dims, int type = 1,
                      const std::string& sym = "N") {
    auto* vi = m.mutable_graph()->add_input();
    vi->set_name(name);
    auto* tt = vi->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(type);
    auto* sh = tt->mutable_shape();
    for (int64_t d : dims) {
      if (d >= 0) sh->add_dim()->set_dim_value(d);
      else sh->add_dim()->set_dim_param(sym);
    }
    return *this;
  }
  ModelBuilder& output(const std::string& name) {
    m.mutable_graph()->add_output()->set_name(name);
    return *this;
  }
  ModelBuilder& init_f(const std::string& name, std::vector<int64_t> dims, std::vector<float> v) {
    auto* t = m.mutable_graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(1);
    for (int64_t d : dims) t->add_dims(d);
    for (float x : v) t->add_float_data(x);
    return *this;
  }
  ModelBuilder& init_i(const std::string& name, std::vector<int64_t> dims, std::vector<int64_t> v) {
    auto* t = m.mutable_graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(7);
    for (int64_t d : dims) t->add_dims(d);
    for (int64_t x : v) t->add_int64_data(x);
    return *this;
  }
  onnx::NodeProto& node(const std::string& op, std::vector<std::string> ins, std::vector<std::string> outs,
                        const std::string& name = "") {
    auto* n = m.mutable_graph()->add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (auto& i : ins) n->add_input(i);
    for (auto& o : outs) n->add_output(o);
    return *n;
  }
  static void attr_i(onnx::NodeProto& n, const std::string& a, int64_t v) {
    auto* p = n.add_attribute();
    p->set_name(a);
    p->set_type(onnx::AttributeProto::INT);
    p->set_i(v);
  }
  static void attr_f(onnx::NodeProto& n, const std::string& a, float v) {
    auto* p = n.add_attribute();
    p->set_name(a);
    p->set_type(onnx::AttributeProto::FLOAT);
    p->set_f(v);
  }
  static void attr_ints(onnx::NodeProto& n, const std::string& a, std::vector<int64_t> v) {
    auto* p = n.add_attribute();
    p->set_name(a);
    p->set_type(onnx::AttributeProto::INTS);
    for (auto x : v) p->add_ints(x);
  }
  static void attr_s(onnx::NodeProto& n, const std::string& a, const std::string& v) {
    auto* p = n.add_attribute();
    p->set_name(a);
    p->set_type(onnx::AttributeProto::STRING);
    p->set_s(v);
  }
  static void attr_graph(onnx::NodeProto& n, const std::string& a, const onnx::GraphProto& g) {
    auto* p = n.add_attribute();
    p->set_name(a);
    p->set_type(onnx::AttributeProto::GRAPH);
    *p->mutable_g() = g;
  }
  // A Gradient node (ai.onnx.preview.training, imported here) of y with respect to xs, its
  // outputs named dxs.
  onnx::NodeProto& gradient(const std::vector<std::string>& xs, const std::vector<std::string>& dxs, const std::string& y) {
    auto* os = m.add_opset_import();
    os->set_domain("ai.onnx.preview.training");
    os->set_version(1);
    auto& g = node("Gradient", xs, dxs, "gradient");
    g.set_domain("ai.onnx.preview.training");
    auto* a = g.add_attribute();
    a->set_name("xs");
    a->set_type(onnx::AttributeProto::STRINGS);
    for (const auto& x : xs) a->add_strings(x);
    attr_s(g, "y", y);
    return g;
  }
  // Writes the model to dir/name.onnx and returns the path.
  std::string save(const std::string& dir, const std::string& name = "model") const;
};

// A fresh temporary folder, removed at the end of the test.
struct TempDir {
  std::string path;
  TempDir();
  ~TempDir();
};

// Compiles a model file through the whole pipeline.
Compiled compile_file(const std::string& path, ShapeBindings b = {});
// A model file imported and inferred (the pipeline's first pass alone): the graph a pass
// test runs one pass on (run_pass, passes/pipeline.hpp).
Graph inferred_graph(const std::string& path);
// Value of a graph by ONNX name (throws if absent).
const Value& value(const Graph& g, const std::string& name);

// Builds c with the unit tests' flags (-Werror) in dir/build, runs it on data and compares
// every output (|got - want| <= atol + rtol * |want|).
inline std::vector<Comparison> build_and_compare(const Compiled& c, const TestData& data, const std::string& dir,
                                                 double rtol = 0, double atol = 0) {
  BuildConfig cfg;
  cfg.flags = O2C_TEST_CXXFLAGS;
  cfg.work_dir = dir + "/build";
  return run_and_compare(build_harness(c, "m", cfg), c, data, cfg.work_dir, rtol, atol);
}

// Builds c, runs it on its one input x (named xname) and checks its one output against want
// (named yname) within atol + rtol * |want|.
// Compiles b with y = Add(x, folded) (x an input of `shape` and ONNX element `type`) so that
// the value `folded` stays a constant of the graph; returns its contents.
inline Tensor folded(ModelBuilder& b, const std::string& name, std::vector<int64_t> shape, int type = 1) {
  b.input("x", shape, type);
  b.node("Add", {"x", name}, {"y"});
  b.output("y");
  TempDir d;
  Compiled c = compile_file(b.save(d.path));
  const Value& v = value(c.graph, name);
  REQUIRE(v.constant);
  return *v.constant;
}

// A tensor's values as doubles.
inline std::vector<double> doubles(const Tensor& t) {
  std::vector<double> v;
  for (int64_t i = 0; i < t.numel(); ++i) v.push_back(t.float_at(i));
  return v;
}

// The CompileError compiling b (its output "y" added) throws, "" when it compiles.
inline std::string error_of(ModelBuilder& b, ShapeBindings bind = {}) {
  b.output("y");
  TempDir d;
  try {
    compile_file(b.save(d.path), std::move(bind));
  } catch (const CompileError& e) {
    return e.what();
  }
  return "";
}

// Live nodes of the compiled graph: all of them, or those of one op.
inline int live_nodes(const Compiled& c, const std::string& op = "") {
  int n = 0;
  for (int id : c.graph.order) n += op.empty() || c.graph.nodes[id].op == op;
  return n;
}

inline void check_one_output(const Compiled& c, const std::string& dir, const Tensor& x, const std::string& xname,
                             const Tensor& want, const std::string& yname, double rtol, double atol) {
  TestData data;
  data.inputs = {tensor_to_proto(x, xname)};
  data.outputs = {tensor_to_proto(want, yname)};
  auto r = build_and_compare(c, data, dir, rtol, atol);
  REQUIRE(r.size() == 1);
  INFO("max abs error " << r[0].max_abs << ", max rel error " << r[0].max_rel);
  CHECK(r[0].pass);
}

// Subgraph bodies (If, Loop, Scan): a node op(ins) -> outs appended to g, and a value's type
// (a tensor, or a sequence of tensors) declared in one of g's lists (input, output, value_info).
inline onnx::NodeProto* add_node(onnx::GraphProto& g, const std::string& op, std::vector<std::string> ins,
                                 std::vector<std::string> outs) {
  auto* n = g.add_node();
  n->set_op_type(op);
  for (auto& i : ins) n->add_input(i);
  for (auto& o : outs) n->add_output(o);
  return n;
}
inline void value_info(google::protobuf::RepeatedPtrField<onnx::ValueInfoProto>* list, const std::string& name, int type,
                       std::vector<int64_t> dims, bool sequence = false) {
  auto* vi = list->Add();
  vi->set_name(name);
  onnx::TypeProto* t = sequence ? vi->mutable_type()->mutable_sequence_type()->mutable_elem_type() : vi->mutable_type();
  auto* tt = t->mutable_tensor_type();
  tt->set_elem_type(type);
  for (int64_t d : dims) tt->mutable_shape()->add_dim()->set_dim_value(d);
}

}  // namespace o2c::test
