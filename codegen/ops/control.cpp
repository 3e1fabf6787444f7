// If, Loop and Scan: inference. A body's inputs get the types the node gives them, its
// captured values the outer values' (and their contents when constant), then the body is
// inferred and folded like any graph.
#include "ops/control.hpp"

#include <algorithm>
#include <cstdint>

#include "ir/limits.hpp"
#include "ops/helpers.hpp"
#include "ops/shape_data.hpp"
#include "passes/passes.hpp"

namespace o2c {

namespace {

using TypeShape = std::pair<DType, Shape>;

// Types the body's inputs (as `inputs` says) and its captures, infers and folds it, drops
// its dead nodes; returns the types and shapes of its outputs.
std::vector<TypeShape> infer_body(OpCtx& c, Graph& body, const std::vector<TypeShape>& inputs, const char* what) {
  if (body.inputs.size() != inputs.size())
    c.fail(std::string(what) + " takes " + std::to_string(body.inputs.size()) + " inputs, the node gives it " +
           std::to_string(inputs.size()));
  for (size_t i = 0; i < inputs.size(); ++i) {
    Value& v = body.values[body.inputs[i]];
    if (v.dtype != DType::Undefined && v.dtype != inputs[i].first)
      c.fail(std::string(what) + " input " + quote_name(v.name) + " is declared " + dtype_name(v.dtype) + ", the node gives it " +
             dtype_name(inputs[i].first));
    v.dtype = inputs[i].first;
    v.shape = inputs[i].second;
    v.typed = true;
  }
  for (Value& v : body.values)
    if (v.capture_of >= 0) {
      const Value& o = c.graph().values[v.capture_of];
      v.dtype = o.dtype;
      v.shape = o.shape;
      v.typed = o.typed;
      v.constant = o.constant;
      v.max_string_bytes = o.max_string_bytes;
      v.dims = o.dims;  // run-time dims: the body's code runs at the outer value's actual size
      v.sym = o.sym;
    }
  infer_and_fold(body, FoldOptions{});
  remove_dead_nodes(body);
  std::vector<TypeShape> out;
  for (int v : body.outputs) {
    if (!body.values[v].typed) c.fail(std::string(what) + " output " + quote_name(body.values[v].name) + " has no type");
    out.push_back({body.values[v].dtype, body.values[v].shape});
  }
  return out;
}

// ---- If -------------------------------------------------------------------------------------

// A branch output's dims (its shape where static).
std::vector<Dim> body_out_dims(const Graph& body, size_t i) {
  const Value& v = body.values[body.outputs[i]];
  return v.dynamic() ? v.dims : std::vector<Dim>(v.shape.begin(), v.shape.end());
}

// Outputs whose dims differ between the branches (the condition known only at run time): each
// differing dim a Data symbol of the node, at most the larger branch's bound, that the branch
// taken sets (emit/control.cpp), e.g. an empty result in one branch, a count in the other.
void infer_If(OpCtx& c) {
  const auto a = c.attrs<IfAttrs>();
  const auto t = infer_body(c, *a.then_branch, {}, "then_branch");
  const auto e = infer_body(c, *a.else_branch, {}, "else_branch");
  if (t.size() != c.num_out() || e.size() != c.num_out())
    c.fail("the branches have " + std::to_string(t.size()) + " and " + std::to_string(e.size()) + " outputs, the node " +
           std::to_string(c.num_out()));
  const Tensor* cond = c.const_in(0);
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i].first != e[i].first)
      c.fail("output " + std::to_string(i) + " is " + dtype_name(t[i].first) + " in then_branch and " +
             dtype_name(e[i].first) + " in else_branch");
    if (cond) {
      const bool then = cond->int_at(0) != 0;
      c.set_out_dims(i, then ? t[i].first : e[i].first, body_out_dims(then ? *a.then_branch : *a.else_branch, i));
      continue;
    }
    const std::vector<Dim> td = body_out_dims(*a.then_branch, i), ed = body_out_dims(*a.else_branch, i);
    if (td.size() != ed.size())
      c.unsupported("output " + std::to_string(i) + " has the shape " + shape_str(t[i].second) + " in then_branch and " +
                    shape_str(e[i].second) + " in else_branch (ranks that differ)");
    std::vector<Dim> od = td;
    for (size_t d = 0; d < td.size(); ++d)
      if (td[d] != ed[d]) od[d] = data_dim_at(c, i, d, std::max(t[i].second[d], e[i].second[d]));
    c.set_out_dims(i, t[i].first, od);
  }
}

// ---- Loop -----------------------------------------------------------------------------------

// Whether v, in g, is (a view of) the value `of`.
bool same_storage(const Graph& g, int v, int of) {
  while (v >= 0 && v != of) {
    const int p = g.values[v].producer;
    if (p < 0) return false;
    const Node& n = g.nodes[p];
    if (n.op != "Identity" || !n.domain.empty() || n.inputs.empty()) return false;
    v = n.inputs[0];
  }
  return v == of;
}

// The most iterations the body's condition allows when it compares a counter with a constant
// (what exporters make of `for i in range(n)` with a `break`: cond = And(Less(ctr + 1, n), ...)):
// a term (through And) Less(a, K) or Greater(K, a), K a constant, a = ctr + d (d constants added
// or subtracted), ctr the iteration number or a carried integer that starts at a constant and
// grows by a positive constant step at every iteration. -1 when there is none. Reads the body's
// constants: call it once the body is inferred.
int64_t condition_bound(OpCtx& c, const Graph& body) {
  if (body.outputs.empty() || body.inputs.size() < 2) return -1;
  const size_t carried = c.num_in() > 2 ? c.num_in() - 2 : 0;
  auto producer = [&](int v) -> const Node* {
    return v >= 0 && body.values[v].producer >= 0 ? &body.nodes[body.values[v].producer] : nullptr;
  };
  auto scalar = [&](int v, int64_t* out) {
    const Value& x = body.values[v];
    if (!x.constant || x.constant->numel() != 1 || !(x.dtype == DType::Int64 || x.dtype == DType::Int32)) return false;
    *out = x.constant->int_at(0);
    return true;
  };
  // v as base + step * iteration + d; false when it is not a counter.
  auto counter = [&](int v, int64_t* base, int64_t* step, int64_t* d) {
    *d = 0;
    for (int depth = 0; depth < 8; ++depth) {
      const Node* p = producer(v);
      int64_t k = 0;
      if (!p || !p->domain.empty() || p->inputs.size() != 2 || (p->op != "Add" && p->op != "Sub")) break;
      if (scalar(p->inputs[1], &k)) {
        *d += p->op == "Add" ? k : -k;
        v = p->inputs[0];
      } else if (p->op == "Add" && scalar(p->inputs[0], &k)) {
        *d += k;
        v = p->inputs[1];
      } else {
        break;
      }
    }
    if (v == body.inputs[0]) {
      *base = 0;
      *step = 1;
      return true;
    }
    for (size_t j = 0; j < carried && 2 + j < body.inputs.size() && 1 + j < body.outputs.size(); ++j) {
      if (v != body.inputs[2 + j]) continue;
      const Tensor* init = c.const_in(2 + j);
      const Node* p = producer(body.outputs[1 + j]);
      if (!init || init->numel() != 1 || !p || !p->domain.empty() || p->op != "Add" || p->inputs.size() != 2) return false;
      const int other = p->inputs[0] == v ? p->inputs[1] : p->inputs[1] == v ? p->inputs[0] : -1;
      if (other < 0 || !scalar(other, step) || *step <= 0) return false;
      *base = init->int_at(0);
      return true;
    }
    return false;
  };
  int64_t best = -1;
  std::vector<int> terms = {body.outputs[0]};
  for (size_t t = 0; t < terms.size() && t < 16; ++t) {
    const Node* p = producer(terms[t]);
    if (!p || !p->domain.empty()) continue;
    const bool same = (p->op == "Identity" || (p->op == "Cast" && body.values[p->inputs[0]].dtype == DType::Bool)) &&
                      p->inputs.size() == 1;
    if ((p->op == "And" && p->inputs.size() == 2) || same) {
      terms.insert(terms.end(), p->inputs.begin(), p->inputs.end());
      continue;
    }
    if ((p->op != "Less" && p->op != "Greater") || p->inputs.size() != 2) continue;
    const int a = p->inputs[p->op == "Less" ? 0 : 1], kv = p->inputs[p->op == "Less" ? 1 : 0];
    int64_t k = 0, base = 0, step = 1, d = 0;
    if (!scalar(kv, &k) || !counter(a, &base, &step, &d)) continue;
    // Iteration j continues while base + step * j + d < k: the first that stops is the last.
    const __int128 gap = static_cast<__int128>(k) - base - d;
    const __int128 j = gap <= 0 ? 0 : (gap + step - 1) / step;
    if (j + 1 > INT64_MAX) continue;
    const int64_t n = static_cast<int64_t>(j + 1);
    best = best < 0 ? n : std::min(best, n);
  }
  return best;
}

// The body's inputs for iteration `iter` (-1: any iteration).
std::vector<TypeShape> loop_inputs(OpCtx& c) {
  const size_t n = c.num_in() > 2 ? c.num_in() - 2 : 0;
  std::vector<TypeShape> ins = {{DType::Int64, {}}, {DType::Bool, {}}};
  for (size_t i = 0; i < n; ++i) ins.push_back({c.dtype(2 + i), c.shape(2 + i)});
  return ins;
}

void infer_Loop(OpCtx& c) {
  const std::shared_ptr<Graph> real = c.attrs<LoopAttrs>().body;
  const size_t n = c.num_in() > 2 ? c.num_in() - 2 : 0;
  const std::vector<TypeShape> ins = loop_inputs(c);
  for (size_t i : {size_t{0}, size_t{1}})
    if (c.has_in(i) && numel(c.shape(i)) != 1) c.fail(i == 0 ? "M must be a scalar" : "cond must be a scalar");
  // A body that needs its iteration number at compile time (a Slice at it, say) is unrolled
  // (passes/unroll.cpp); its first iteration gives the node's types.
  std::shared_ptr<Graph> body = real;
  if (loop_shape(c).trips < 0 && !loop_body_infers(c)) {
    // The body needs compile-time values (its iteration number, say): it can be unrolled
    // when the iteration count is known.
    const char* why = " (the body needs its iteration number at compile time: the loop is unrolled)";
    if (!c.const_in(0)) c.require_const(0, (std::string("the trip count M") + why).c_str());
    if (c.has_in(1) && !c.const_in(1)) c.require_const(1, (std::string("the condition") + why).c_str());
  }
  if (loop_needs_unrolling(c)) {
    body = clone_graph(*real);
    Value& iter = body->values[body->inputs[0]];
    Tensor zero(DType::Int64, {});
    iter.constant = std::make_shared<Tensor>(zero);
  }
  const auto outs = infer_body(c, *body, ins, "the body");
  if (outs.size() < 1 + n || outs[0].first != DType::Bool)
    c.fail("the body must return the condition and the " + std::to_string(n) + " loop-carried values");
  const LoopShape ls = loop_shape(c);
  if (c.num_out() != n + ls.scans)
    c.fail("has " + std::to_string(c.num_out()) + " outputs, the body returns " + std::to_string(n + ls.scans));
  for (size_t i = 0; i < n; ++i) {
    if (outs[1 + i].first != ins[2 + i].first || outs[1 + i].second != ins[2 + i].second)
      c.unsupported("loop-carried value " + std::to_string(i) + " changes from " + type_str(ins[2 + i].first, ins[2 + i].second) +
                    " to " + type_str(outs[1 + i].first, outs[1 + i].second) + " in the body (shapes known only at run time)");
    c.set_out(i, outs[1 + i].first, outs[1 + i].second);
  }
  if (ls.scans && ls.trips < 0 && ls.max_trips < 0)
    c.unsupported("scan outputs of a Loop whose trip count M is known only at run time: their buffers are planned "
                  "for the most iterations, give it with --max " + flag_name(c.out(n).name) +
                  "=N (or compile M in with --freeze)");
  for (size_t k = 0; k < ls.scans; ++k) {
    Shape s = outs[1 + n + k].second;
    if (ls.trips >= 0) {
      s.insert(s.begin(), ls.trips);
      c.set_out(n + k, outs[1 + n + k].first, s);
      continue;
    }
    // Stopped by its condition: as many slices as iterations ran, up to M.
    const int64_t slice = std::max<int64_t>(dtype_bytes(outs[1 + n + k].first, numel(s)), 1);
    if (ls.max_trips > kMaxTensorBytes / slice)
      c.unsupported("scan output " + std::to_string(k) + " would be planned for " + std::to_string(ls.max_trips) +
                    " iterations (the trip count M): the condition gives no smaller bound (a counter compared with a "
                    "constant does; --freeze can make the inputs it reads constants)");
    if (body->values[body->outputs[1 + n + k]].dynamic())
      c.unsupported("scan output " + std::to_string(k) + " has run-time dims in the body and an iteration count "
                    "known only at run time");
    const std::string loop = c.node().name.empty() ? "node " + std::to_string(c.node().index) : c.node().name;
    std::vector<Dim> d = {c.dim_table().data("iterations(" + loop + ")", c.node().id, ls.max_trips)};
    d.insert(d.end(), s.begin(), s.end());
    c.set_out_dims(n + k, outs[1 + n + k].first, d);
  }
}

// ---- Scan -----------------------------------------------------------------------------------

void infer_Scan(OpCtx& c) {
  const auto a = c.attrs<ScanAttrs>();
  const ScanShape ss = scan_shape(c);
  std::vector<TypeShape> ins;
  for (size_t i = 0; i < ss.state; ++i) {
    Shape s = c.shape(ss.first + i);
    if (ss.batched) s.erase(s.begin());
    ins.push_back({c.dtype(ss.first + i), s});
  }
  for (size_t j = 0; j < ss.scans_in; ++j) {
    Shape s = c.shape(ss.first + ss.state + j);
    if (ss.batched) s.erase(s.begin());
    s.erase(s.begin() + ss.in_axes[j]);
    ins.push_back({c.dtype(ss.first + ss.state + j), s});
  }
  const auto outs = infer_body(c, *a.body, ins, "the body");
  if (outs.size() != ss.state + ss.scans_out || c.num_out() != outs.size())
    c.fail("the body returns " + std::to_string(outs.size()) + " values, the node has " + std::to_string(c.num_out()) + " outputs");
  for (size_t i = 0; i < ss.state; ++i) {
    if (outs[i] != ins[i])
      c.unsupported("state " + std::to_string(i) + " changes from " + type_str(ins[i].first, ins[i].second) + " to " +
                    type_str(outs[i].first, outs[i].second) + " in the body");
    Shape s = outs[i].second;
    if (ss.batched) s.insert(s.begin(), ss.batch);
    c.set_out(i, outs[i].first, s);
  }
  for (size_t k = 0; k < ss.scans_out; ++k) {
    Shape s = outs[ss.state + k].second;
    const int64_t axis = c.axis(ss.out_axes[k], static_cast<int64_t>(s.size()) + 1);
    if (axis != 0) c.unsupported("scan outputs stacked along an axis other than the first");
    s.insert(s.begin() + axis, ss.length);
    if (ss.batched) s.insert(s.begin(), ss.batch);
    c.set_out(ss.state + k, outs[ss.state + k].first, s);
  }
}

}  // namespace

bool loop_body_infers(OpCtx& c) {
  std::shared_ptr<Graph> trial = clone_graph(*c.attrs<LoopAttrs>().body);
  try {
    infer_body(c, *trial, loop_inputs(c), "the body");
  } catch (const UnsupportedError&) {
    return false;
  }
  // A body whose outputs get run-time dims from its iteration number (a Slice at it) while the
  // carried values it starts from have none does not compile as one loop: its carried values
  // and scan slices would change size from one iteration to the next.
  for (size_t k = 1; k < trial->outputs.size(); ++k) {
    const bool in_dynamic = k + 1 < c.num_in() && c.has_in(k + 1) && c.in(k + 1).dynamic();
    if (trial->values[trial->outputs[k]].dynamic() && !in_dynamic) return false;
  }
  return true;
}

bool loop_needs_unrolling(OpCtx& c) {
  const LoopShape ls = loop_shape(c);
  return ls.trips >= 1 && ls.trips <= kMaxUnrolledIterations && !loop_body_infers(c);
}

LoopShape loop_shape(OpCtx& c) {
  const Graph& body = *c.attrs<LoopAttrs>().body;
  LoopShape ls;
  ls.carried = c.num_in() > 2 ? c.num_in() - 2 : 0;
  ls.scans = body.outputs.size() > 1 + ls.carried ? body.outputs.size() - 1 - ls.carried : 0;
  const Tensor* m = c.const_in(0);
  const Tensor* cond = c.const_in(1);
  const bool cond_true = !c.has_in(1) || (cond && cond->int_at(0) != 0);
  const int cond_out = body.outputs.empty() ? -1 : body.outputs[0];
  const bool carried_as_is =
      cond_out >= 0 && ((body.values[cond_out].constant && body.values[cond_out].constant->int_at(0) != 0) ||
                        (body.inputs.size() > 1 && same_storage(body, cond_out, body.inputs[1])));
  if (m) ls.max_trips = std::max<int64_t>(m->int_at(0), 0);
  if (m && cond_true && carried_as_is) {
    ls.trips = ls.max_trips;
    return ls;
  }
  if (const int64_t b = condition_bound(c, body); b >= 0) ls.max_trips = ls.max_trips < 0 ? b : std::min(ls.max_trips, b);
  // --max NAME=N on a scan output: its first dim, the iterations, is at most N.
  const auto& given = c.dim_table().tensor_max;
  for (size_t k = 0; k < ls.scans; ++k) {
    const auto it = c.has_out(ls.carried + k) ? given.find(c.out(ls.carried + k).name) : given.end();
    if (it != given.end()) ls.max_trips = ls.max_trips < 0 ? it->second : std::min(ls.max_trips, it->second);
  }
  return ls;
}

ScanShape scan_shape(OpCtx& c) {
  const auto a = c.attrs<ScanAttrs>();
  ScanShape ss;
  ss.batched = c.version() < 9;
  ss.first = ss.batched ? 1 : 0;
  if (ss.batched && c.has_in(0)) c.unsupported("Scan's sequence_lens");
  const size_t total = c.num_in() - ss.first;
  if (a.num_scan_inputs < 1 || static_cast<size_t>(a.num_scan_inputs) > total) c.fail("num_scan_inputs is out of range");
  ss.scans_in = static_cast<size_t>(a.num_scan_inputs);
  ss.state = total - ss.scans_in;
  ss.scans_out = c.num_out() > ss.state ? c.num_out() - ss.state : 0;
  const auto& dirs = ss.batched ? a.directions : a.scan_input_directions;
  for (size_t j = 0; j < ss.scans_in; ++j) {
    const Shape& s = c.shape(ss.first + ss.state + j);
    const int64_t r = static_cast<int64_t>(s.size()) - (ss.batched ? 1 : 0);
    if (r < 1) c.fail("scan input " + std::to_string(j) + " has no axis to scan (shape " + shape_str(s) + ")");
    const int64_t axis = ss.batched ? 0 : c.axis(j < a.scan_input_axes.size() ? a.scan_input_axes[j] : 0, r);
    ss.in_axes.push_back(axis);
    ss.in_reverse.push_back(j < dirs.size() ? dirs[j] : 0);
    const int64_t len = s[static_cast<size_t>(axis + (ss.batched ? 1 : 0))];
    if (j == 0) ss.length = len;
    else if (len != ss.length) c.fail("the scanned inputs differ in length");
    if (ss.batched) {
      if (j == 0 && ss.state == 0) ss.batch = s[0];
      if (s[0] != (j == 0 && ss.state == 0 ? ss.batch : c.shape(ss.first)[0])) c.fail("the batch dims differ");
    }
  }
  if (ss.batched && ss.state > 0) ss.batch = c.shape(ss.first)[0];
  for (size_t k = 0; k < ss.scans_out; ++k) {
    ss.out_axes.push_back(!ss.batched && k < a.scan_output_axes.size() ? a.scan_output_axes[k] : 0);
    ss.out_reverse.push_back(!ss.batched && k < a.scan_output_directions.size() ? a.scan_output_directions[k] : 0);
  }
  return ss;
}

O2C_DEFINE_OP(If, infer_If, nullptr, false, true);
O2C_DEFINE_OP(Loop, infer_Loop, nullptr, false, true);
O2C_DEFINE_OP(Scan, infer_Scan, nullptr, false, true);

}  // namespace o2c
