#include "ops/op.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "ops/registry.hpp"

namespace o2c {

OpCtx::OpCtx(Graph& g, Node& n) : g_(g), n_(n) {}

const OpInfo& OpCtx::info() const {
  const OpInfo* i = find_op(n_.domain, n_.op);
  if (!i) throw UnsupportedError(g_.where(n_) + ": op is not supported");
  return *i;
}

int OpCtx::version() const {
  if (n_.domain.empty()) return info().version_at(n_.opset);
  // The fused ops of passes/fuse.cpp read their base op's attributes as that op's version
  // at the model's opset (their opset field).
  const std::string& op = n_.op;
  const std::string base = op == "ConvThenDepthwise" ? "Conv" : op.rfind("Fused", 0) == 0 ? op.substr(5) : "";
  if (const OpInfo* b = base.empty() ? nullptr : find_op("", base)) return b->version_at(n_.opset);
  return info().versions.back();
}

void OpCtx::set_scratch(int64_t bytes) { n_.scratch_bytes = bytes; }
void OpCtx::set_par_extra(int64_t bytes) { n_.par_extra_bytes = bytes; }

void infer_node(OpCtx& c) {
  const OpInfo& info = c.info();
  check_signature(c, info);
  if (!info.def->dynamic)
    for (size_t i = 0; i < c.num_in(); ++i)
      if (c.has_in(i) && c.in(i).dynamic()) {
        std::string dims;
        bool data = false;
        for (const Dim& d : c.in(i).dims) {
          dims += (dims.empty() ? "" : ",") + d.str(c.dim_table());
          data = data || c.dim_table().on_data(d);
        }
        c.unsupported("input " + std::to_string(i) + " " + quote_name(c.in(i).name) + " has run-time dims [" + dims +
                      "]; this op takes static shapes only (" +
                      (data ? "a count found in the data (NonZero, Compress, Unique, NonMaxSuppression) is known only at run time)"
                            : "compile with fixed dims: --dim NAME=VALUE)"));
      }
  info.def->infer(c);
}

// ---- lowering -------------------------------------------------------------------------------

namespace {
Arg buffer(Arg::Ref ref, int index, DType t) {
  Arg a;
  a.kind = Arg::Kind::Buffer;
  a.ref = ref;
  a.index = index;
  a.dtype = t;
  return a;
}
}  // namespace

Arg LowerCtx::X(size_t i) {
  if (!has_in(i)) return Arg{};
  return buffer(Arg::Ref::Input, static_cast<int>(i), in(i).dtype);
}

Arg LowerCtx::Y(size_t i) {
  if (!has_out(i)) return Arg{};
  return buffer(Arg::Ref::Output, static_cast<int>(i), out(i).dtype);
}

Arg LowerCtx::elem(size_t i, int64_t k) {
  Arg a = X(i);
  a.kind = Arg::Kind::Element;
  a.offset = k;
  return a;
}

Arg LowerCtx::extent(const Dim& d) {
  if (d.is_const()) return index(d.value());
  return symbol(d.cpp(dim_var), dim_table().bound(d));
}

Arg LowerCtx::numel_of(const Value& v) {
  if (!v.dynamic()) return index(numel(v.shape));
  Dim n = 1;
  for (const Dim& d : v.dims) n = n * d;
  return extent(n);
}

Arg LowerCtx::dim_out(const Dim& d) {
  const std::vector<int> ids = d.symbols();
  if (ids.size() != 1 || d != Dim::sym(ids[0]) || dim_table().syms[static_cast<size_t>(ids[0])].node != n_.id)
    throw std::logic_error(g_.where(n_) + ": dim_out of a dim this node does not set");
  return symbol("&" + dim_var(ids[0]), 0);
}

Arg LowerCtx::scratch(DType t) {
  if (n_.scratch_bytes <= 0) fail("lowering asks for scratch, but none was set");
  return buffer(Arg::Ref::Scratch, 0, t);
}

Arg LowerCtx::table(Tensor t) {
  const DType dt = t.dtype;
  tables.push_back(std::move(t));
  return buffer(Arg::Ref::Table, static_cast<int>(tables.size()) - 1, dt);
}

void LowerCtx::call(const std::string& kernel, std::vector<Arg> targs, std::vector<Arg> args) {
  calls.push_back(Call{kernel, std::move(targs), std::move(args)});
}

Value& OpCtx::in(size_t i) {
  if (!has_in(i)) fail("input " + std::to_string(i) + " is missing");
  return g_.values[n_.inputs[i]];
}

Value& OpCtx::out(size_t i) {
  if (!has_out(i)) fail("output " + std::to_string(i) + " is missing");
  return g_.values[n_.outputs[i]];
}

const Tensor* OpCtx::const_in(size_t i) {
  if (!has_in(i)) return nullptr;
  return in(i).constant.get();
}

const Tensor& OpCtx::require_const(size_t i, const char* what) {
  const Tensor* t = const_in(i);
  if (!t)
    unsupported(std::string(what) + " (input " + std::to_string(i) + " " + quote_name(in(i).name) +
                ") must be known at compile time");
  return *t;
}

bool OpCtx::has(const char* a) const { return n_.attrs.count(a) > 0; }

int64_t OpCtx::axis(int64_t a, int64_t rank) const {
  int64_t r = a < 0 ? a + rank : a;
  if (r < 0 || r >= std::max<int64_t>(rank, 1))
    fail("axis " + std::to_string(a) + " is out of range for rank " + std::to_string(rank));
  return r;
}

void OpCtx::set_out(size_t i, DType t, Shape s) {
  if (!has_out(i)) return;
  for (int64_t d : s)
    if (d < 0) fail("computed a negative dimension for output " + std::to_string(i) + ": " +
                    shape_str(s));
  Value& v = out(i);
  v.dtype = t;
  v.shape = std::move(s);
  v.dims.clear();
  v.sym.clear();
  v.typed = true;
}

void OpCtx::set_out_dims(size_t i, DType t, const std::vector<Dim>& dims) {
  if (!has_out(i)) return;
  Shape bounds;
  bool dynamic = false;
  for (const Dim& d : dims) {
    DimRange r;
    try {
      r = dim_table().range(d);
    } catch (const std::overflow_error&) {
      unsupported("output " + std::to_string(i) + " dim " + std::to_string(bounds.size()) + " (" + d.str(dim_table()) +
                  "): its bound overflows 64 bits; narrow the --dim ranges");
    }
    if (r.lo < 0) fail("output " + std::to_string(i) + " dim " + std::to_string(bounds.size()) + " (" + d.str(dim_table()) +
                       ") can be negative: it goes down to " + std::to_string(r.lo));
    bounds.push_back(r.hi);
    dynamic = dynamic || !d.is_const();
  }
  set_out(i, t, std::move(bounds));
  if (dynamic) out(i).dims = dims;
}

Dim OpCtx::data_dim(int64_t bound) {
  return dim_table().data("count(" + out(0).name + ")", n_.id, bound);
}

Dim OpCtx::dim(size_t i, size_t d) {
  const Value& v = in(i);
  if (d >= v.shape.size()) throw std::logic_error(g_.where(n_) + ": dim " + std::to_string(d) + " of input " + std::to_string(i));
  return v.dynamic() ? v.dims[d] : Dim(v.shape[d]);
}

std::vector<Dim> OpCtx::dims(size_t i) {
  const Value& v = in(i);
  if (v.dynamic()) return v.dims;
  return std::vector<Dim>(v.shape.begin(), v.shape.end());
}

void OpCtx::set_const(size_t i, Tensor t) {
  if (!has_out(i)) return;
  set_out(i, t.dtype, t.shape);
  out(i).max_string_bytes = longest_string(t);
  out(i).constant = std::make_shared<Tensor>(std::move(t));
}

void OpCtx::set_dims_value(size_t i, DType t, Shape s, const std::vector<Dim>& elems) {
  if (!has_out(i)) return;
  if (static_cast<int64_t>(elems.size()) != numel(s)) throw std::logic_error(g_.where(n_) + ": dims value of another size");
  if (!std::all_of(elems.begin(), elems.end(), [](const Dim& d) { return d.is_const(); })) {
    set_out(i, t, std::move(s));
    out(i).sym = elems;
    return;
  }
  Tensor v(t, std::move(s));
  for (size_t k = 0; k < elems.size(); ++k) {
    if (t == DType::Int32) v.data<int32_t>()[k] = static_cast<int32_t>(elems[k].value());
    else v.data<int64_t>()[k] = elems[k].value();
  }
  set_const(i, std::move(v));
}

bool OpCtx::dims_in(size_t i, std::vector<Dim>* out) {
  if (!has_in(i)) return false;
  const Value& v = in(i);
  if (!v.sym.empty()) {
    *out = v.sym;
    return true;
  }
  if (!v.constant || !dtype_is_int(v.dtype)) return false;
  out->clear();
  for (int64_t k = 0; k < v.constant->numel(); ++k) out->push_back(Dim(v.constant->int_at(k)));
  return true;
}

void OpCtx::arity(size_t lo, size_t hi, size_t olo, size_t ohi) const {
  size_t ni = n_.inputs.size(), no = n_.outputs.size();
  while (ni > 0 && n_.inputs[ni - 1] < 0) --ni;
  if (ni < lo || ni > hi)
    fail("takes " + std::to_string(lo) + (hi != lo ? " to " + std::to_string(hi) : "") +
         " inputs, got " + std::to_string(ni));
  if (no < olo || no > ohi)
    fail("has " + std::to_string(olo) + (ohi != olo ? " to " + std::to_string(ohi) : "") +
         " outputs, got " + std::to_string(no));
}

void OpCtx::expect_type(size_t i, std::initializer_list<DType> ok) {
  DType t = in(i).dtype;
  for (DType d : ok)
    if (d == t) return;
  unsupported("input " + std::to_string(i) + " " + quote_name(in(i).name) + " of type " +
              dtype_name(t) + " is not supported");
}

void OpCtx::same_type(size_t a, size_t b) {
  if (in(a).dtype != in(b).dtype)
    fail("inputs " + std::to_string(a) + " and " + std::to_string(b) + " differ in type (" +
         dtype_name(in(a).dtype) + " vs " + dtype_name(in(b).dtype) + ")");
}

void OpCtx::fail(const std::string& msg) const { throw CompileError(g_.where(n_) + ": " + msg); }

void OpCtx::unsupported(const std::string& msg) const {
  throw UnsupportedError(g_.where(n_) + ": " + msg);
}

std::string lit(int64_t v) {
  if (v == INT64_MIN) return "INT64_MIN";
  return std::to_string(v);
}

std::string lit_f32(float v) {
  if (std::isnan(v)) return "std::numeric_limits<float>::quiet_NaN()";
  if (std::isinf(v)) return v > 0 ? "std::numeric_limits<float>::infinity()"
                                  : "-std::numeric_limits<float>::infinity()";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(v));
  std::string s(buf);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s + "f";
}

std::string lit_f64(double v) {
  if (std::isnan(v)) return "std::numeric_limits<double>::quiet_NaN()";
  if (std::isinf(v)) return v > 0 ? "std::numeric_limits<double>::infinity()"
                                  : "-std::numeric_limits<double>::infinity()";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  std::string s(buf);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string lit_of(DType t, double v) {
  switch (t) {
    case DType::Float: return lit_f32(static_cast<float>(v));
    case DType::Double: return lit_f64(v);
    case DType::Bool: return v != 0 ? "true" : "false";
    // Integers: a value outside the type's range (a Pad value of 1e30 on int32, found by the
    // fuzzer) is clamped first, so that the conversion is defined; NaN becomes 0.
    case DType::UInt64: return std::to_string(static_cast<uint64_t>(v > 0 ? std::min(v, 18446744073709549568.0) : 0.0)) + "u";
    default: return std::string(dtype_cpp(t)) + "(" +
                    lit(static_cast<int64_t>(v == v ? std::min(std::max(v, -9223372036854775808.0), 9223372036854774784.0) : 0.0)) + ")";
  }
}

std::string lit_array(const std::vector<int64_t>& v, size_t n) {
  std::string s = "{";
  for (size_t k = 0; k < n; ++k) {
    if (k) s += ", ";
    s += k < v.size() ? lit(v[k]) : "0";
  }
  return s + "}";
}

std::string lit_array(const int64_t* v, int n) {
  std::string s = "{";
  for (int i = 0; i < n; ++i) s += (i ? ", " : "") + lit(v[i]);
  return s + "}";
}

}  // namespace o2c

namespace o2c {

GradCtx::GradCtx(Graph& g, Node& n, std::vector<int> dys, std::vector<char> wanted, const std::string& prefix, int before)
    : OpCtx(g, n), dxs(n.inputs.size(), -1), dys_(std::move(dys)), wanted_(std::move(wanted)), prefix_(prefix), before_(before) {}

void GradCtx::set_dX(size_t i, int v) {
  if (i < dxs.size() && wants(i)) dxs[i] = v;
}

int GradCtx::add(const std::string& op, std::vector<int> inputs, Attrs attrs, int opset) {
  return add_node(op, "", opset, std::move(inputs), std::move(attrs))[0];
}

int GradCtx::add(const std::string& op, std::vector<int> inputs, Attrs attrs, const std::string& domain) {
  return add_node(op, domain, 1, std::move(inputs), std::move(attrs))[0];
}

std::vector<int> GradCtx::add_outputs(const std::string& op, std::vector<int> inputs, Attrs attrs, const std::string& domain,
                                      const std::vector<char>& outputs) {
  return add_node(op, domain, 1, std::move(inputs), std::move(attrs), outputs);
}

std::vector<int> GradCtx::add_node(const std::string& op, const std::string& domain, int opset, std::vector<int> inputs,
                                   Attrs attrs, const std::vector<char>& outputs) {
  Node m;
  m.op = op;
  m.domain = domain;
  m.opset = opset;
  m.name = prefix_ + op;
  m.index = n_.index;
  m.inputs = std::move(inputs);
  m.attrs = std::move(attrs);
  for (size_t i = 0; i < outputs.size(); ++i)
    m.outputs.push_back(outputs[i] ? g_.add_value(i ? m.name + "/" + std::to_string(i) : m.name) : -1);
  const std::vector<int> outs = m.outputs;
  const int id = g_.insert(std::move(m), before_);
  OpCtx c(g_, g_.nodes[id]);
  infer_node(c);
  return outs;
}

int GradCtx::constant(Tensor t) { return g_.add_constant(prefix_ + "const", std::move(t)); }

int GradCtx::scalar_like(int v, double x) {
  Tensor t(g_.values[v].dtype, {});
  if (t.dtype == DType::Double) t.data<double>()[0] = x;
  else t.data<float>()[0] = static_cast<float>(x);
  return constant(std::move(t));
}

int GradCtx::ints(std::vector<int64_t> v) {
  Tensor t(DType::Int64, {static_cast<int64_t>(v.size())});
  std::copy(v.begin(), v.end(), t.data<int64_t>());
  return constant(std::move(t));
}

int GradCtx::reshape(int v, Shape shape) {
  return g_.values[v].shape == shape ? v : add("Reshape", {v, ints(shape)});
}

int GradCtx::sum_to(int v, Shape shape) {
  const Shape from = g_.values[v].shape;
  if (from == shape) return v;
  const int64_t r = static_cast<int64_t>(from.size()), lead = r - static_cast<int64_t>(shape.size());
  if (lead < 0) throw CompileError(g_.where(n_) + ": a gradient of rank " + std::to_string(r) + " for a tensor of rank " + std::to_string(shape.size()));
  std::vector<int64_t> axes;
  for (int64_t d = 0; d < r; ++d)
    if (d < lead || (shape[static_cast<size_t>(d - lead)] == 1 && from[static_cast<size_t>(d)] != 1)) axes.push_back(d);
  const int s = axes.empty() ? v : add("ReduceSum", {v, ints(axes)}, {{"keepdims", Attr::of(int64_t{1})}});
  return reshape(s, std::move(shape));
}

}  // namespace o2c
