// Statically quantized convolutions as exporters write them (QDQ form: PyTorch's
// torch.onnx.export of a converted eager/FX model, onnxruntime's quantize_static):
//
//   x_q -> DequantizeLinear(sx, zx) --+
//   w_q -> DequantizeLinear(sw, zw) ---> Conv [-> Relu] -> QuantizeLinear(sy, zy) -> y_q
//   b_q -> DequantizeLinear(sx*sw, 0) -+
//
// with w_q (int8/uint8) and b_q (int32) constant, scales and zero points constant, sx, sy and
// the zero points per tensor, sw per tensor or per output channel, becomes
// QLinearConv(x_q, sx, zx, w_q, sw, zw, sy, zy, b_q): the integer kernel on the integers, with
// the requantization QLinearConv specifies (round half to even, saturate). A Relu in between
// is dropped when zy is the lowest value of y's type (max(0, v) then quantized equals v
// quantized, clamped at zy: the saturation). This is the rewrite every int8 runtime makes; it
// computes the convolution exactly in int32 where the QDQ graph computes it in float over the
// dequantized values, so results may differ by one quantization step where a float sum lands
// next to a rounding boundary. The residual adds of such a graph,
//
//   a_q -> DequantizeLinear(sa, za) --+
//   b_q -> DequantizeLinear(sb, zb) ---> Add [-> Relu] -> QuantizeLinear(sy, zy) -> y_q
//
// (per tensor, a and b of one shape) become QLinearAdd (domain onnx2cpp), which computes the
// same float steps in one pass (bit for bit). The dequantizations of weights that stay (not
// matched) are folded here (passes/fold.cpp keeps them for this pass).
#include <cmath>
#include <vector>

#include "ops/op.hpp"
#include "passes/passes.hpp"
#include "passes/pattern.hpp"

namespace o2c {
namespace {

bool is_int8(DType t) { return t == DType::Int8 || t == DType::UInt8; }

const Tensor* const_of(Graph& g, int v) { return v >= 0 ? g.values[v].constant.get() : nullptr; }

// The DequantizeLinear producing v (any number of readers), nullptr if none.
Node* dequantize_of(Graph& g, int v) {
  if (v < 0 || g.values[v].producer < 0) return nullptr;
  Node& p = g.nodes[g.values[v].producer];
  return p.op == "DequantizeLinear" && p.domain.empty() && p.inputs.size() >= 3 && p.inputs[2] >= 0 ? &p : nullptr;
}

int64_t attr_int(const Node& n, const char* name, int64_t def) {
  auto it = n.attrs.find(name);
  return it == n.attrs.end() ? def : it->second.i;
}

// A constant float scale with one value, or (per_channel) one per output channel m along axis 0.
bool scale_ok(Graph& g, const Node& dq, int64_t m, bool per_channel) {
  const Tensor* s = const_of(g, dq.inputs[1]);
  const Tensor* z = const_of(g, dq.inputs[2]);
  if (!s || !z || s->dtype != DType::Float || z->numel() != s->numel()) return false;
  if (s->numel() == 1) return true;
  return per_channel && s->shape.size() == 1 && s->numel() == m && attr_int(dq, "axis", 1) == 0 &&
         attr_int(dq, "block_size", 0) == 0;
}

// Whether Conv node `conv` with its dequantizations matches; fills the QLinearConv inputs.
bool match(Graph& g, Node& conv, std::vector<int>* ins, std::vector<Node*>* dqs) {
  if (conv.inputs.size() < 2 || conv.outputs.size() != 1) return false;
  Node* xd = dequantize_of(g, conv.inputs[0]);
  Node* wd = dequantize_of(g, conv.inputs[1]);
  if (!xd || !wd) return false;
  const Value& xq = g.values[xd->inputs[0]];
  const Tensor* wq = const_of(g, wd->inputs[0]);
  if (!is_int8(xq.dtype) || !wq || !is_int8(wq->dtype) || wq->shape.size() < 3) return false;
  if (attr_int(*xd, "block_size", 0) || attr_int(*wd, "block_size", 0)) return false;
  const int64_t m = wq->shape[0];
  if (!scale_ok(g, *xd, m, false) || !scale_ok(g, *wd, m, true)) return false;
  const Tensor& sx = *const_of(g, xd->inputs[1]);
  const Tensor& sw = *const_of(g, wd->inputs[1]);
  *ins = {xd->inputs[0], xd->inputs[1], xd->inputs[2], wd->inputs[0], wd->inputs[1], wd->inputs[2]};
  *dqs = {xd, wd};
  if (conv.inputs.size() > 2 && conv.inputs[2] >= 0) {
    // The bias: int32 at scale sx * sw (to float precision), zero point 0.
    Node* bd = dequantize_of(g, conv.inputs[2]);
    const Tensor* bq = bd ? const_of(g, bd->inputs[0]) : nullptr;
    const Tensor* bs = bd ? const_of(g, bd->inputs[1]) : nullptr;
    const Tensor* bz = bd ? const_of(g, bd->inputs[2]) : nullptr;
    if (!bq || bq->dtype != DType::Int32 || bq->numel() != m || !bs || bs->dtype != DType::Float || !bz) return false;
    if (bs->numel() != 1 && (bs->numel() != m || attr_int(*bd, "axis", 1) != 0)) return false;
    for (int64_t i = 0; i < bz->numel(); ++i)
      if (bz->int_at(i) != 0) return false;
    for (int64_t i = 0; i < m; ++i) {
      const double want = sx.float_at(0) * sw.float_at(sw.numel() == 1 ? 0 : i);
      const double have = bs->float_at(bs->numel() == 1 ? 0 : i);
      if (std::fabs(have - want) > 1e-6 * std::fabs(want)) return false;
    }
    ins->push_back(bd->inputs[0]);
    dqs->push_back(bd);
  }
  return true;
}

// A QuantizeLinear QLinearConv/QLinearAdd can take over: per-tensor constant float scale and
// int8/uint8 zero point, saturating, no block size, no precision.
bool quantize_ok(Graph& g, const Node* q) {
  if (!q || q->inputs.size() < 3 || q->inputs[2] < 0 || q->outputs.size() != 1) return false;
  const Tensor* sy = const_of(g, q->inputs[1]);
  const Tensor* zy = const_of(g, q->inputs[2]);
  if (!sy || !zy || sy->dtype != DType::Float || sy->numel() != 1 || zy->numel() != 1 || !is_int8(zy->dtype)) return false;
  return attr_int(*q, "saturate", 1) == 1 && attr_int(*q, "block_size", 0) == 0 && attr_int(*q, "precision", 0) == 0;
}

// x_q itself when it comes through a Cast to its own type (PyTorch writes one before each
// DequantizeLinear; *cast_out: the Cast's output, to erase when nothing else reads it).
int skip_cast(Graph& g, Pattern& c, int x, int* cast_out) {
  *cast_out = -1;
  Node* cast = c.producer(x, "Cast", g.values[x].readers.size());
  if (!cast || g.values[cast->inputs[0]].dtype != g.values[x].dtype) return x;
  *cast_out = x;
  return cast->inputs[0];
}

// Erases the producers of values nothing reads any more (dequantizations, Casts).
void erase_unread(Graph& g, std::initializer_list<int> vs) {
  for (int v : vs) {
    if (v < 0 || g.values[v].producer < 0) continue;
    if (g.values[v].readers.empty() && !g.values[v].is_output) g.erase(g.values[v].producer);
  }
}

// The residual of a QDQ graph: DequantizeLinear(a), DequantizeLinear(b) (per tensor, same
// shape) -> Add [-> Relu] -> QuantizeLinear, becomes QLinearAdd (domain onnx2cpp): the same
// float steps in one pass over the integers, bit for bit (templates/quant.hpp).
void fuse_add(Graph& g, Pattern& c, Node& add) {
  if (add.inputs.size() != 2 || add.outputs.size() != 1) return;
  Node* da = dequantize_of(g, add.inputs[0]);
  Node* db = dequantize_of(g, add.inputs[1]);
  if (!da || !db || da == db) return;
  for (Node* d : {da, db}) {
    const Tensor* s = const_of(g, d->inputs[1]);
    const Tensor* z = const_of(g, d->inputs[2]);
    if (!is_int8(g.values[d->inputs[0]].dtype) || !s || s->dtype != DType::Float || s->numel() != 1 || !z ||
        z->numel() != 1 || attr_int(*d, "block_size", 0))
      return;
  }
  if (g.values[add.inputs[0]].shape != g.values[add.inputs[1]].shape) return;
  std::vector<Node*> pattern = {&add};
  int y = add.outputs[0];
  Node* relu = c.reader(y, "Relu");
  if (relu) {
    pattern.push_back(relu);
    y = relu->outputs[0];
  }
  Node* q = c.reader(y, "QuantizeLinear");
  if (!quantize_ok(g, q)) return;
  pattern.push_back(q);
  int cast_a = -1, cast_b = -1;
  const int xa = skip_cast(g, c, da->inputs[0], &cast_a), xb = skip_cast(g, c, db->inputs[0], &cast_b);
  const std::vector<int> ins = {xa, da->inputs[1], da->inputs[2], xb, db->inputs[1], db->inputs[2], q->inputs[1], q->inputs[2]};
  const int a_out = add.inputs[0], b_out = add.inputs[1], yq = q->outputs[0];
  Attrs attrs;
  attrs["relu"] = Attr::of(static_cast<int64_t>(relu ? 1 : 0));
  c.replace(pattern, "QLinearAdd", 1, ins, std::move(attrs));
  Node& n = g.nodes[g.values[yq].producer];
  n.domain = "onnx2cpp";
  OpCtx ctx(g, n);
  infer_node(ctx);
  erase_unread(g, {a_out, cast_a, b_out, cast_b});
}

}  // namespace

void fuse_qdq(Graph& g, const FoldOptions& opt) {
  Pattern c(g);
  for (int id : g.live_nodes()) {
    if (g.nodes[id].erased) continue;
    Node& conv = g.nodes[id];
    if (conv.op != "Conv" || !conv.domain.empty()) continue;
    std::vector<int> ins;
    std::vector<Node*> dqs;
    if (!match(g, conv, &ins, &dqs)) continue;
    std::vector<Node*> pattern = {&conv};
    int y = conv.outputs[0];
    Node* relu = c.reader(y, "Relu");
    if (relu) {
      pattern.push_back(relu);
      y = relu->outputs[0];
    }
    Node* q = c.reader(y, "QuantizeLinear");
    if (!quantize_ok(g, q)) continue;
    const Tensor* zy = const_of(g, q->inputs[2]);
    if (relu && zy->int_at(0) != (zy->dtype == DType::UInt8 ? 0 : -128)) continue;
    pattern.push_back(q);
    ins.insert(ins.begin() + 6, {q->inputs[1], q->inputs[2]});
    int cast_out = -1;
    ins[0] = skip_cast(g, c, ins[0], &cast_out);
    Attrs attrs = conv.attrs;
    const int xd_out = conv.inputs[0], wd_out = conv.inputs[1];
    const int bd_out = conv.inputs.size() > 2 ? conv.inputs[2] : -1;
    const int yq = q->outputs[0];
    c.replace(pattern, "QLinearConv", 10, ins, std::move(attrs));
    OpCtx ctx(g, g.nodes[g.values[yq].producer]);
    infer_node(ctx);  // its scratch
    // The dequantizations (and the Cast): now read by nothing, or by others (then they stay).
    erase_unread(g, {xd_out, cast_out, wd_out, bd_out});
  }
  for (int id : g.live_nodes())
    if (!g.nodes[id].erased && g.nodes[id].op == "Add" && g.nodes[id].domain.empty()) fuse_add(g, c, g.nodes[id]);
  // What is left of the dequantizations fold.cpp kept: folded now.
  FoldOptions fold = opt;
  fold.keep_conv_dequantize = false;
  for (int id : g.live_nodes()) {
    const Node& n = g.nodes[id];
    if (n.erased || n.op != "DequantizeLinear" || !n.domain.empty()) continue;
    bool all_const = true;
    for (int v : n.inputs)
      if (v >= 0 && !g.values[v].constant) all_const = false;
    if (all_const) infer_fold_node(g, id, fold);
  }
}

}  // namespace o2c
