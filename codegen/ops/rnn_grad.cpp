#include "ops/rnn_grad.hpp"

#include <map>

#include "passes/passes.hpp"

namespace o2c {
namespace {

// Nodes added before the gradient's position and recorded in order: the recomputed forward
// that backpropagate() then runs through.
struct Unroll {
  GradCtx& c;
  DType t;
  std::vector<int> nodes;

  int add(const std::string& op, std::vector<int> ins, Attrs attrs = {}) {
    const int v = c.add(op, std::move(ins), std::move(attrs));
    nodes.push_back(c.graph().values[v].producer);
    return v;
  }
  int add2(const std::string& op, int a, int b) { return add(op, {a, b}); }
  Shape shape(int v) const { return c.graph().values[v].shape; }
  int slice(int v, int64_t axis, int64_t lo, int64_t hi) { return add("Slice", {v, c.ints({lo}), c.ints({hi}), c.ints({axis})}); }
  int reshape(int v, const Shape& s) { return shape(v) == s ? v : add("Reshape", {v, c.ints(s)}); }
  int transpose(int v, const std::vector<int64_t>& perm) { return add("Transpose", {v}, {{"perm", Attr::of(perm)}}); }
  int unsqueeze(int v, int64_t axis) { return add("Unsqueeze", {v, c.ints({axis})}); }
  int concat(const std::vector<int>& vs, int64_t axis) { return vs.size() == 1 ? vs[0] : add("Concat", vs, {{"axis", Attr::of(axis)}}); }
  int scalar(double x) {
    Tensor s(t, {});
    if (t == DType::Double) s.data<double>()[0] = x;
    else s.data<float>()[0] = static_cast<float>(x);
    return c.constant(std::move(s));
  }
  // Entry d of v's dim `axis` (of size D), reshaped to `rows`.
  int row(int v, int64_t axis, int64_t d, const Shape& rows) { return reshape(slice(v, axis, d, d + 1), rows); }

  // A gate function as the kernel applies it (templates/activation.hpp's act_scalar).
  int activate(int v, const k::Act& a) {
    switch (a.kind) {
      case k::Act::Sigmoid: return add("Sigmoid", {v});
      case k::Act::Tanh: return add("Tanh", {v});
      case k::Act::Relu: return add("Relu", {v});
      case k::Act::LeakyRelu: return add("LeakyRelu", {v}, {{"alpha", Attr::of(a.alpha)}});
      case k::Act::HardSigmoid: return add("HardSigmoid", {v}, {{"alpha", Attr::of(a.alpha)}, {"beta", Attr::of(a.beta)}});
      case k::Act::Elu: return add("Elu", {v}, {{"alpha", Attr::of(a.alpha)}});
      case k::Act::Softplus: return add("Softplus", {v});
      case k::Act::Affine: return add2("Add", add2("Mul", v, scalar(a.alpha)), scalar(a.beta));
      case k::Act::ScaledTanh: return add2("Mul", add("Tanh", {add2("Mul", v, scalar(a.beta))}), scalar(a.alpha));
      default: c.unsupported("the gradient through activation ThresholdedRelu or Softsign (no gradient rule)");
    }
    return -1;
  }
};

}  // namespace

void grad_rnn_unrolled(GradCtx& c, const k::RnnParams& p) {
  if (c.has_in(4)) c.unsupported("the gradient of a layer with sequence_lens");
  const std::vector<int> in = c.node().inputs;  // a copy: adding nodes moves the graph's vectors
  const bool lstm = p.cell == k::RnnCell::LSTM, gru = p.cell == k::RnnCell::GRU;
  const int64_t S = p.seq, N = p.batch, I = p.input, H = p.hidden, D = p.dirs, G = k::rnn_gates(p) * H;
  const int na = k::rnn_acts(p);
  Unroll u{c, c.graph().values[in[0]].dtype, {}};
  const int x = p.layout ? u.transpose(in[0], {1, 0, 2}) : in[0];  // [S, N, I]
  std::vector<int> ys, hs, cs;
  for (int64_t d = 0; d < D; ++d) {
    const bool rev = D == 2 ? d == 1 : p.reverse;
    const k::Act* act = p.act + d * na;
    auto gate = [&](int v, int which) {  // clipped, then activated
      if (p.clip > 0) v = u.add("Clip", {v, u.scalar(-p.clip), u.scalar(p.clip)});
      return u.activate(v, act[which]);
    };
    // Every step's input projection at once, with both biases (GRU with linear_before_reset:
    // R's h bias goes inside the reset product instead).
    int xw = u.add("MatMul", {x, u.transpose(u.row(in[1], 0, d, {G, I}), {1, 0})});  // [S, N, G]
    int rbh = -1;
    if (c.has_in(3)) {
      const int bd = u.row(in[3], 0, d, {2 * G});
      const int wb = u.slice(bd, 0, 0, G), rb = u.slice(bd, 0, G, 2 * G);
      int bias = u.add2("Add", wb, rb);
      if (gru && p.linear_before_reset) {
        rbh = u.slice(rb, 0, 2 * H, 3 * H);
        bias = u.concat({u.add2("Add", u.slice(wb, 0, 0, 2 * H), u.slice(rb, 0, 0, 2 * H)), u.slice(wb, 0, 2 * H, 3 * H)}, 0);
      }
      xw = u.add2("Add", xw, bias);
    }
    const int rd = u.row(in[2], 0, d, {G, H});
    const bool split = gru && !p.linear_before_reset;  // the reset scales h before R_h
    const int rt = split ? u.transpose(u.slice(rd, 0, 0, 2 * H), {1, 0}) : u.transpose(rd, {1, 0});  // [H, G or 2H]
    const int rth = split ? u.transpose(u.slice(rd, 0, 2 * H, 3 * H), {1, 0}) : -1;                    // [H, H]
    auto initial = [&](size_t slot) {
      return c.has_in(slot) ? u.row(in[slot], p.layout ? 1 : 0, d, {N, H}) : c.constant(Tensor(u.t, {N, H}));
    };
    int h = initial(5), cell = lstm ? initial(6) : -1;
    int pi = -1, po = -1, pf = -1;  // peepholes
    if (lstm && c.has_in(7)) {
      const int pd = u.row(in[7], 0, d, {3 * H});
      pi = u.slice(pd, 0, 0, H), po = u.slice(pd, 0, H, 2 * H), pf = u.slice(pd, 0, 2 * H, 3 * H);
    }
    std::vector<int> yt(static_cast<size_t>(S));
    for (int64_t st = 0; st < S; ++st) {
      const int64_t tt = rev ? S - 1 - st : st;
      const int xt = u.reshape(u.slice(xw, 0, tt, tt + 1), {N, G});
      auto part = [&](int v, int64_t q) { return u.slice(v, 1, q * H, (q + 1) * H); };
      if (lstm) {  // gates i o f c
        const int g = u.add2("Add", u.add("MatMul", {h, rt}), xt);
        int gi = part(g, 0), gf = part(g, 2), go = part(g, 1);
        if (pi >= 0) gi = u.add2("Add", gi, u.add2("Mul", pi, cell));
        const int i = gate(gi, 0);
        int f;
        if (p.input_forget) {
          f = u.add2("Sub", u.scalar(1), i);
        } else {
          if (pf >= 0) gf = u.add2("Add", gf, u.add2("Mul", pf, cell));
          f = gate(gf, 0);
        }
        cell = u.add2("Add", u.add2("Mul", f, cell), u.add2("Mul", i, gate(part(g, 3), 1)));
        if (po >= 0) go = u.add2("Add", go, u.add2("Mul", po, cell));
        h = u.add2("Mul", gate(go, 0), u.activate(cell, act[2]));
      } else if (gru) {  // gates z r h
        const int rec = u.add("MatMul", {h, rt});
        const int zr = gate(u.add2("Add", u.slice(rec, 1, 0, 2 * H), u.slice(xt, 1, 0, 2 * H)), 0);
        const int z = part(zr, 0), r = part(zr, 1);
        int hn;
        if (split) {
          hn = u.add2("Add", u.add("MatMul", {u.add2("Mul", r, h), rth}), part(xt, 2));
        } else {
          int rh = part(rec, 2);
          if (rbh >= 0) rh = u.add2("Add", rh, rbh);
          hn = u.add2("Add", part(xt, 2), u.add2("Mul", r, rh));
        }
        hn = gate(hn, 1);
        h = u.add2("Add", u.add2("Mul", u.add2("Sub", u.scalar(1), z), hn), u.add2("Mul", z, h));
      } else {
        h = gate(u.add2("Add", u.add("MatMul", {h, rt}), xt), 0);
      }
      yt[static_cast<size_t>(tt)] = u.unsqueeze(h, 0);
    }
    ys.push_back(u.unsqueeze(u.concat(yt, 0), 1));  // [S, 1, N, H]
    hs.push_back(u.unsqueeze(h, 0));
    if (lstm) cs.push_back(u.unsqueeze(cell, 0));
  }
  int y = u.concat(ys, 1), yh = u.concat(hs, 0), yc = lstm ? u.concat(cs, 0) : -1;
  if (p.layout) {
    y = u.transpose(y, {2, 0, 1, 3});
    yh = u.transpose(yh, {1, 0, 2});
    if (lstm) yc = u.transpose(yc, {1, 0, 2});
  }
  std::map<int, int> seeds;
  const int outs[3] = {y, yh, yc};
  for (size_t i = 0; i < 3; ++i)
    if (outs[i] >= 0 && c.dY(i) >= 0) seeds[outs[i]] = c.dY(i);
  std::vector<int> wrt;
  std::vector<size_t> slots;
  for (size_t i = 0; i < in.size(); ++i)
    if (c.wants(i)) {
      wrt.push_back(in[i]);
      slots.push_back(i);
    }
  const std::vector<int> dx = backpropagate(c.graph(), u.nodes, seeds, wrt, c.before());
  for (size_t k = 0; k < slots.size(); ++k)
    if (dx[k] >= 0) c.set_dX(slots[k], dx[k]);
}

}  // namespace o2c
