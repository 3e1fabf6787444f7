// Add(A, Pad(G)) with zero constant padding, the padded tensor read by that Add alone, becomes
// PadAdd(A, G): G added into A at its place, the zeros never made. The backward of a Slice is
// such a Pad, and the gradient of a tensor sliced many times (an unrolled recurrence's inputs,
// one slice per step) is a chain of such Adds. When A is read by the PadAdd alone, the sum is
// accumulated in A's storage (the output an alias of A's): one buffer for the whole chain.
#include "ops/registry.hpp"
#include "passes/passes.hpp"
#include "passes/pattern.hpp"

namespace o2c {
namespace {

// Where a Pad of zeros in constant mode puts its input (the begin pads), or false when the
// node is not one: pads an input (opset 11 on), constant and non-negative, no axes, the
// constant value absent or 0.
bool zero_pad_starts(const Graph& g, const Node& pad, std::vector<int64_t>* starts) {
  if (pad.opset < 11 || pad.inputs.size() < 2 || pad.inputs[1] < 0) return false;
  const auto mode = pad.attrs.find("mode");
  if (mode != pad.attrs.end() && mode->second.s != "constant") return false;
  if (pad.inputs.size() > 3 && pad.inputs[3] >= 0) return false;
  if (pad.inputs.size() > 2 && pad.inputs[2] >= 0) {
    const Value& v = g.values[pad.inputs[2]];
    if (!v.constant || v.constant->numel() != 1 || v.constant->float_at(0) != 0.0) return false;
  }
  const Value& p = g.values[pad.inputs[1]];
  const size_t r = g.values[pad.inputs[0]].shape.size();
  if (!p.constant || p.constant->dtype != DType::Int64 || static_cast<size_t>(p.constant->numel()) != 2 * r) return false;
  const Shape pads = p.constant->to_ints();
  for (int64_t v : pads)
    if (v < 0) return false;
  starts->assign(pads.begin(), pads.begin() + static_cast<std::ptrdiff_t>(r));
  return true;
}

// A read by the PadAdd alone, an intermediate with storage of its own (or of the chain it
// ends): the PadAdd's output then shares that storage.
void accumulate_in_place(Graph& g, const Node& n) {
  const Value& a = g.values[n.inputs[0]];
  const Value& y = g.values[n.outputs[0]];
  if (a.readers.size() != 1 || a.is_input || a.is_output || a.constant || a.capture_of >= 0 || a.producer < 0 || y.is_output)
    return;
  const Node& p = g.nodes[a.producer];
  const OpInfo* info = find_op(p.domain, p.op);
  if (!info || info->def->view || p.in_place) return;  // a view's bytes are its source's
  // Before concat-in-place, the only aliases are those of this pass: A then ends a chain.
  const int root = a.alias_of >= 0 ? a.alias_of : n.inputs[0];
  g.values[n.outputs[0]].alias_of = root;
  g.values[n.outputs[0]].alias_offset = 0;
}

}  // namespace

void fuse_pad_add(Graph& g) {
  Pattern c(g);
  for (int id : g.live_nodes()) {
    if (g.nodes[id].erased) continue;
    const Node& add = g.nodes[id];
    if (add.op != "Add" || !add.domain.empty() || add.inputs.size() != 2 || add.outputs.size() != 1) continue;
    const Value& y = g.values[add.outputs[0]];
    if (y.dynamic() || (y.dtype != DType::Float && y.dtype != DType::Double)) continue;
    for (int side = 0; side < 2; ++side) {
      const int a = add.inputs[1 - side];
      Node* pad = c.producer(add.inputs[side], "Pad");
      std::vector<int64_t> starts;
      if (!pad || a == add.inputs[side] || !zero_pad_starts(g, *pad, &starts)) continue;
      const Value& av = g.values[a];
      const Value& gv = g.values[pad->inputs[0]];
      if (av.shape != y.shape || av.dtype != y.dtype || g.values[add.inputs[side]].shape != y.shape || av.dynamic() ||
          gv.dynamic())
        continue;
      Node n;
      n.name = add.name;
      n.op = "PadAdd";
      n.domain = "onnx2cpp";
      n.opset = 1;
      n.index = add.index;
      n.inputs = {a, pad->inputs[0]};
      n.outputs = add.outputs;
      n.attrs["starts"] = Attr::of(starts);
      g.erase(pad->id);
      const int nid = g.replace(id, std::move(n));
      OpCtx ctx(g, g.nodes[nid]);
      infer_node(ctx);
      accumulate_in_place(g, g.nodes[nid]);
      break;
    }
  }
}

}  // namespace o2c
