#include "gradcheck.hpp"

#include <cmath>
#include <sstream>

#include "onnx/model_io.hpp"
#include "passes/passes.hpp"

namespace o2c::test {

namespace {

void init_d(ModelBuilder& b, const std::string& name, const std::vector<int64_t>& shape, const std::vector<double>& v) {
  auto* t = b.m.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(11);  // double
  for (int64_t d : shape) t->add_dims(d);
  for (double x : v) t->add_double_data(x);
}

// The model: inputs as double initializers (or float graph inputs: as_inputs), y, L =
// ReduceSum(y * w) (w when given), the Gradient of L with respect to the inputs when asked for.
ModelBuilder model(const std::function<void(ModelBuilder&)>& nodes, const std::vector<GradInput>& inputs, int opset,
                   const std::vector<int64_t>* w_shape, const std::vector<double>* w, bool gradient,
                   bool as_inputs = false) {
  ModelBuilder b(opset);
  for (const GradInput& x : inputs) {
    if (as_inputs) b.input(x.name, x.shape);
    else init_d(b, x.name, x.shape, x.values);
  }
  nodes(b);
  b.output("y");
  if (w) {
    if (as_inputs) b.init_f("gradcheck_w", *w_shape, std::vector<float>(w->begin(), w->end()));
    else init_d(b, "gradcheck_w", *w_shape, *w);
    b.node("Mul", {"y", "gradcheck_w"}, {"gradcheck_yw"});
    auto& s = b.node("ReduceSum", {"gradcheck_yw"}, {"L"});
    ModelBuilder::attr_i(s, "keepdims", 0);
    b.output("L");
  }
  if (gradient) {
    std::vector<std::string> xs, dxs;
    for (const GradInput& x : inputs) {
      xs.push_back(x.name);
      dxs.push_back("d_" + x.name);
    }
    b.gradient(xs, dxs, "L");
    for (const auto& d : dxs) b.output(d);
  }
  return b;
}

}  // namespace

Graph folded_graph(const ModelBuilder& b, const std::string& dir, const std::string& name) {
  const std::string path = b.save(dir, name);
  Graph g = import_model(load_model(path), path, {});
  FoldOptions keep;
  keep.fold = false;
  infer_and_fold(g, keep);
  FoldOptions all;
  all.max_growth_bytes = int64_t{1} << 40;
  infer_and_fold(g, all);
  return g;
}

namespace {

std::vector<double> constant_of(const Graph& g, const std::string& name) {
  const Value& v = value(g, name);
  if (!v.constant) throw CompileError("gradcheck: " + name + " was not folded");
  return doubles(*v.constant);
}

}  // namespace

std::vector<double> grad_values(int64_t n, int seed) {
  std::vector<double> v(static_cast<size_t>(n));
  uint32_t s = 2654435761u * static_cast<uint32_t>(seed + 1);
  for (auto& x : v) {
    s = s * 1664525u + 1013904223u;
    x = static_cast<double>(s >> 8) / double(1 << 23) - 1.0;
  }
  return v;
}

GradCheck gradcheck(const std::function<void(ModelBuilder&)>& nodes, const std::vector<GradInput>& inputs, int opset,
                    double h) {
  GradCheck r;
  TempDir dir;
  // y's shape, then the weights of the loss.
  ModelBuilder b0 = model(nodes, inputs, opset, nullptr, nullptr, false);
  const Graph g0 = folded_graph(b0, dir.path, "y");
  const Value& y = value(g0, "y");
  const std::vector<int64_t> w_shape = y.shape;
  const std::vector<double> w = grad_values(numel(y.shape), 99);

  std::vector<std::vector<double>> analytic;
  try {
    ModelBuilder bg = model(nodes, inputs, opset, &w_shape, &w, true);
    const Graph gg = folded_graph(bg, dir.path, "grad");
    for (const GradInput& x : inputs) analytic.push_back(constant_of(gg, "d_" + x.name));
  } catch (const CompileError& e) {
    r.error = e.what();
    return r;
  }
  r.analytic = analytic;
  auto loss = [&](std::vector<GradInput> at) {
    ModelBuilder bl = model(nodes, at, opset, &w_shape, &w, false);
    return constant_of(folded_graph(bl, dir.path, "loss"), "L").at(0);
  };
  for (size_t k = 0; k < inputs.size(); ++k)
    for (size_t i = 0; i < inputs[k].values.size(); ++i) {
      std::vector<GradInput> at = inputs;
      at[k].values[i] = inputs[k].values[i] + h;
      const double up = loss(at);
      at[k].values[i] = inputs[k].values[i] - h;
      const double down = loss(at);
      const double numeric = (up - down) / (2 * h);
      const double err = std::fabs(analytic[k].at(i) - numeric);
      r.max_abs_grad = std::max(r.max_abs_grad, std::fabs(numeric));
      if (err >= r.max_abs_error) {
        r.max_abs_error = err;
        std::ostringstream s;
        s << inputs[k].name << "[" << i << "]: analytic " << analytic[k].at(i) << ", numeric " << numeric;
        r.worst = s.str();
      }
    }
  return r;
}

std::vector<Comparison> gradcheck_generated(const std::function<void(ModelBuilder&)>& nodes,
                                            const std::vector<GradInput>& inputs, int opset, double rtol, double atol) {
  TempDir dir;
  const Graph g0 = folded_graph(model(nodes, inputs, opset, nullptr, nullptr, false), dir.path, "y");
  const std::vector<int64_t> w_shape = value(g0, "y").shape;
  const std::vector<double> w = grad_values(numel(w_shape), 99);
  // Expected: y and the gradients folded in double.
  const Graph gg = folded_graph(model(nodes, inputs, opset, &w_shape, &w, true), dir.path, "want");
  auto as_float = [](const Shape& shape, const std::vector<double>& v, const std::string& name) {
    Tensor t(DType::Float, shape);
    for (size_t i = 0; i < v.size(); ++i) t.data<float>()[i] = static_cast<float>(v[i]);
    return tensor_to_proto(t, name);
  };
  TestData data;
  for (const GradInput& x : inputs) data.inputs.push_back(as_float(x.shape, x.values, x.name));
  std::vector<std::string> outs = {"y", "L"};
  for (const GradInput& x : inputs) outs.push_back("d_" + x.name);
  for (const std::string& o : outs) data.outputs.push_back(as_float(value(gg, o).shape, constant_of(gg, o), o));
  Options o;
  o.model_path = model(nodes, inputs, opset, &w_shape, &w, true, true).save(dir.path, "generated");
  o.name = "m";
  const Compiled c = compile_model(o);
  return build_and_compare(c, data, dir.path, rtol, atol);
}

}  // namespace o2c::test
