// Smaller ops (templates/misc.hpp): DepthToSpace and SpaceToDepth (strided copies), CumSum, CumProd,
// Trilu, OneHot, Hardmax, LRN, MeanVarianceNormalization, GlobalLpPool, TopK and Einsum.
#include <algorithm>
#include <cmath>
#include <map>

#include "ops/helpers.hpp"
#include "ops/shape_data.hpp"

namespace o2c {
namespace {

// ---- DepthToSpace / SpaceToDepth: a 6-D transpose ----------------------------------------

enum { kDCR, kCRD };
struct SpaceToDepthAttrs {
  int64_t blocksize = 0;
  template <class V>
  void fields(V& v) { v.required("blocksize", blocksize); }
};
struct DepthToSpaceAttrs {
  int64_t blocksize = 0;
  int mode = kDCR;  // from version 11
  template <class V>
  void fields(V& v) {
    v.required("blocksize", blocksize);
    if (v.version >= 11) v("mode", mode, {"DCR", "CRD"});
  }
};

k::Strided d2s_plan(OpCtx& c, Shape* out) {
  const Shape& x = c.shape(0);
  if (x.size() != 4) c.fail("input must have rank 4, got " + shape_str(x));
  const bool d2s = c.node().op == "DepthToSpace";
  const DepthToSpaceAttrs a =
      d2s ? c.attrs<DepthToSpaceAttrs>() : DepthToSpaceAttrs{c.attrs<SpaceToDepthAttrs>().blocksize, kDCR};
  const int64_t bs = a.blocksize;
  if (bs < 1) c.fail("blocksize must be positive");
  // Dims are below 2^40 (limits.hpp, empty tensors too): a blocksize below 2^20 keeps every
  // product of dims and blocksizes below 2^63.
  if (bs > (int64_t{1} << 20)) c.unsupported("blocksize " + std::to_string(bs) + " (the most is 2^20)");
  const int64_t N = x[0], C = x[1], H = x[2], W = x[3];
  // An empty input moves nothing: its strides stay 0 (computed from the dims, they could
  // overflow: [1, 0, 2^30, 2^30] with blocksize 2^20).
  const bool empty = N == 0 || C == 0 || H == 0 || W == 0;
  Shape dims;
  std::vector<int64_t> st(6, 0);
  if (d2s) {
    if (C % (bs * bs)) c.fail("channels must be divisible by blocksize^2");
    const int64_t Cp = C / (bs * bs);
    const bool crd = a.mode == kCRD;
    if (!empty) {
      const int64_t sN = C * H * W;
      const int64_t sC = crd ? bs * bs * H * W : H * W;
      const int64_t sb1 = crd ? bs * H * W : bs * Cp * H * W;
      const int64_t sb2 = crd ? H * W : Cp * H * W;
      st = {sN, sC, W, sb1, 1, sb2};
    }
    dims = {N, Cp, H, bs, W, bs};
    if (out) *out = {N, Cp, H * bs, W * bs};
  } else {
    if (H % bs || W % bs) c.fail("spatial dims must be divisible by blocksize");
    const int64_t Hp = H / bs, Wp = W / bs;
    dims = {N, bs, bs, C, Hp, Wp};
    if (!empty) st = {C * H * W, W, 1, H * W, bs * W, bs};
    if (out) *out = {N, C * bs * bs, Hp, Wp};
  }
  return make_strided(dims, st);
}

void infer_d2s(OpCtx& c) {
  Shape out;
  d2s_plan(c, &out);
  c.set_out(0, c.dtype(0), out);
}
void lower_d2s(LowerCtx& c) { c.call("strided_copy", {c.X(0), c.Y(0), obj(d2s_plan(c, nullptr))}); }

// ---- CumSum and CumProd ---------------------------------------------------------------------

struct CumSumAttrs {
  bool exclusive = false, reverse = false;
  O2C_FIELDS(exclusive, reverse)
};

void infer_CumSum(OpCtx& c) {
  c.attrs<CumSumAttrs>();
  if (numel(c.shape(1)) != 1) c.fail("axis must be a scalar");
  if (c.rank(0) > k::kMaxRank) c.unsupported("rank above 8");
  if (c.const_in(1)) c.axis(c.const_in(1)->int_at(0), c.rank(0));
  c.set_out(0, c.dtype(0), c.shape(0));
}
void lower_CumSum(LowerCtx& c) {
  const auto a = c.attrs<CumSumAttrs>();
  const bool ex = a.exclusive, rev = a.reverse, prod = c.node().op == "CumProd";
  if (c.const_in(1)) {
    const Dims3 d = dims3(c.shape(0), c.axis(c.const_in(1)->int_at(0), c.rank(0)));
    c.call(prod ? "cumprod" : "cumsum", {c.X(0), c.Y(0), c.extent(d.outer), c.extent(d.n), c.extent(d.inner), boolean(ex), boolean(rev)});
    return;
  }
  const Shape& x = c.shape(0);
  k::Dims dims{};
  dims.rank = static_cast<int>(x.size());
  for (size_t i = 0; i < x.size(); ++i) dims.d[i] = x[i];
  const Arg shape = object(dims, "k::Dims{" + std::to_string(x.size()) + ", " + lit_array(x, std::max<size_t>(x.size(), 1)) + "}");
  c.call(prod ? "cumprod_axis" : "cumsum_axis", {c.X(0), c.X(1), c.Y(0), shape, boolean(ex), boolean(rev)});
}

// ---- Trilu ----------------------------------------------------------------------------------

struct TriluAttrs {
  bool upper = true;
  O2C_FIELDS(upper)
};

void infer_Trilu(OpCtx& c) {
  c.attrs<TriluAttrs>();
  if (c.rank(0) < 2) c.fail("input must have rank >= 2");
  if (c.has_in(1) && numel(c.shape(1)) != 1) c.fail("k must be a scalar");
  c.set_out(0, c.dtype(0), c.shape(0));
}
Dims3 trilu_dims(OpCtx& c) {
  const Shape& x = c.shape(0);
  Dims3 d;
  d.n = x[x.size() - 2];
  d.inner = x.back();
  d.outer = numel(x) / std::max<int64_t>(1, d.n * d.inner);
  if (d.n * d.inner == 0) d.outer = 0;
  return d;
}
void lower_Trilu(LowerCtx& c) {
  const Dims3 d = trilu_dims(c);
  Arg kk = index(0);
  if (c.has_in(1)) kk = c.const_in(1) ? index(c.const_in(1)->int_at(0)) : c.elem(1);
  c.call("trilu",
         {c.X(0), c.Y(0), c.extent(d.outer), c.extent(d.n), c.extent(d.inner), kk, boolean(c.attrs<TriluAttrs>().upper)});
}

// ---- OneHot ---------------------------------------------------------------------------------

struct OneHotPlan {
  Shape out;
  int64_t outer = 1, depth = 0, inner = 1;
};
struct OneHotAttrs {
  int64_t axis = -1;
  O2C_FIELDS(axis)
};

OneHotPlan onehot_plan(OpCtx& c) {
  const Shape& x = c.shape(0);
  const int64_t r = c.rank(0);
  OneHotPlan p;
  const Tensor& dt = c.require_const(1, "depth");
  if (dt.numel() != 1) c.fail("depth must be a scalar");
  p.depth = static_cast<int64_t>(dt.float_at(0));
  if (p.depth < 1) c.fail("depth must be positive");
  int64_t a = c.attrs<OneHotAttrs>().axis;
  if (a < 0) a += r + 1;
  if (a < 0 || a > r) c.fail("axis out of range");
  for (int64_t i = 0; i < r; ++i) {
    if (i == a) p.out.push_back(p.depth);
    p.out.push_back(x[i]);
    (i < a ? p.outer : p.inner) *= x[i];
  }
  if (a == r) p.out.push_back(p.depth);
  return p;
}
// A depth known only at run time: at most --max.
bool onehot_from_data(OpCtx& c) { return values_at_run_time(c, 1); }
// The output's dims, the depth's at `at` (a run-time dim), and the extents around it.
struct OneHotData {
  std::vector<Dim> out;
  size_t at = 0;
  int64_t outer = 1, inner = 1;
};
OneHotData onehot_data(OpCtx& c) {
  if (c.in(0).dynamic()) c.unsupported("OneHot of run-time dims with a depth known only at run time");
  if (numel(c.shape(1)) != 1) c.fail("depth must be a scalar");
  const Shape& x = c.shape(0);
  const int64_t r = c.rank(0);
  int64_t a = c.attrs<OneHotAttrs>().axis;
  if (a < 0) a += r + 1;
  if (a < 0 || a > r) c.fail("axis out of range");
  OneHotData p;
  p.out.assign(x.begin(), x.end());
  p.at = static_cast<size_t>(a);
  p.out.insert(p.out.begin() + a, data_dim_at(c, 0, p.at, user_bound(c, 0, 1)));
  for (int64_t i = 0; i < r; ++i) (i < a ? p.outer : p.inner) *= x[static_cast<size_t>(i)];
  return p;
}

void infer_OneHot(OpCtx& c) {
  if (numel(c.shape(2)) != 2) c.fail("values must have 2 elements");
  if (onehot_from_data(c)) return c.set_out_dims(0, c.dtype(2), onehot_data(c).out);
  c.set_out(0, c.dtype(2), onehot_plan(c).out);
}
void lower_OneHot(LowerCtx& c) {
  if (onehot_from_data(c)) {
    const OneHotData p = onehot_data(c);
    c.call("one_hot_data", {c.X(0), c.X(1), c.X(2), c.Y(0), index(p.outer), index(p.inner),
                            index(c.dim_table().bound(p.out[p.at])), c.dim_out(p.out[p.at])});
    c.calls.back().status = true;
    return;
  }
  const OneHotPlan p = onehot_plan(c);
  c.call("one_hot", {c.X(0), c.X(2), c.Y(0), index(p.outer), index(p.depth), index(p.inner)});
}

// ---- Hardmax: like Softmax, 2-D coercion before opset 13 ---------------------------------

void infer_Hardmax(OpCtx& c) {
  coerced_axis_dims(c);
  c.set_out_dims(0, c.dtype(0), c.dims(0));
}
void lower_Hardmax(LowerCtx& c) {
  const DimsOf3 d = coerced_axis_dims(c);
  c.call("hardmax", {c.X(0), c.Y(0), c.extent(d.outer), c.extent(d.n), c.extent(d.inner)});
}

// ---- LRN ------------------------------------------------------------------------------------

Dims3 ncs(OpCtx& c) {
  const Shape& x = c.shape(0);
  if (x.size() < 2) c.fail("input must have rank >= 2");
  Dims3 d;
  d.outer = x[0];
  d.n = x[1];
  for (size_t i = 2; i < x.size(); ++i) d.inner *= x[i];
  return d;
}
struct LRNAttrs {
  float alpha = 1e-4f, beta = 0.75f, bias = 1.0f;
  int64_t size = 0;
  template <class V>
  void fields(V& v) {
    v("alpha", alpha);
    v("beta", beta);
    v("bias", bias);
    v.required("size", size);
  }
};

void infer_LRN(OpCtx& c) {
  ncs(c);
  if (c.attrs<LRNAttrs>().size < 1) c.fail("size must be positive");
  c.set_out(0, c.dtype(0), c.shape(0));
}
void lower_LRN(LowerCtx& c) {
  const Dims3 d = ncs(c);
  const auto a = c.attrs<LRNAttrs>();
  c.call("lrn", {c.X(0), c.Y(0), c.extent(d.outer), c.extent(d.n), c.extent(d.inner), index(a.size), f32(a.alpha), f32(a.beta),
                 f32(a.bias)});
}

// ---- MeanVarianceNormalization ------------------------------------------------------------

// Kept and reduced strided views of x for a set of axes (size-1 dims dropped, neighbours merged).
void keep_red_views(OpCtx& c, const Shape& x, std::vector<int64_t> axes, k::Strided& keep, k::Strided& red) {
  const int64_t r = static_cast<int64_t>(x.size());
  std::vector<char> is_red(x.size(), 0);
  for (int64_t& a : axes) {
    a = c.axis(a, r);
    if (is_red[static_cast<size_t>(a)]) c.fail("axes contain duplicates");
    is_red[static_cast<size_t>(a)] = 1;
  }
  const std::vector<int64_t> st = strides_of(x);
  Shape kd, rd;
  std::vector<int64_t> ks, rs;
  for (size_t i = 0; i < x.size(); ++i) {
    (is_red[i] ? rd : kd).push_back(x[i]);
    (is_red[i] ? rs : ks).push_back(st[i]);
  }
  if (kd.empty()) {
    kd.push_back(1);
    ks.push_back(0);
  }
  if (rd.empty()) {
    rd.push_back(1);
    rs.push_back(0);
  }
  keep = make_strided(kd, ks);
  red = make_strided(rd, rs);
}
struct MVNAttrs {
  std::vector<int64_t> axes = {0, 2, 3};
  O2C_FIELDS(axes)
};
void mvn_views(OpCtx& c, k::Strided& keep, k::Strided& red) {
  keep_red_views(c, c.shape(0), c.attrs<MVNAttrs>().axes, keep, red);
}
void infer_MVN(OpCtx& c) {
  k::Strided a, r;
  mvn_views(c, a, r);
  c.set_out(0, c.dtype(0), c.shape(0));
}
void lower_MVN(LowerCtx& c) {
  k::Strided keep, red;
  mvn_views(c, keep, red);
  c.call("mvn", {c.X(0), c.Y(0), obj(keep), obj(red)});
}

// ---- GlobalLpPool ---------------------------------------------------------------------------

// p: a float in version 1 (the kernel takes whole numbers), an int from 2.
struct GlobalLpPoolAttrs {
  float p_v1 = 2.0f;
  int64_t p = 2;
  template <class V>
  void fields(V& v) {
    if (v.version < 2) v("p", p_v1);
    else v("p", p);
  }
};
int64_t lp_p(OpCtx& c) {
  const auto a = c.attrs<GlobalLpPoolAttrs>();
  if (c.version() >= 2) return a.p;
  if (a.p_v1 != std::floor(a.p_v1) || !(std::fabs(a.p_v1) < 1e9f))
    c.unsupported("p=" + std::to_string(a.p_v1) + " (not a whole number)");
  return static_cast<int64_t>(a.p_v1);
}

void infer_GlobalLpPool(OpCtx& c) {
  const Shape& x = c.shape(0);
  if (x.size() < 3) c.fail("input must have rank >= 3");
  if (lp_p(c) < 1) c.fail("p must be positive");
  Shape out = {x[0], x[1]};
  out.resize(x.size(), 1);
  c.set_out(0, c.dtype(0), out);
}
void lower_GlobalLpPool(LowerCtx& c) {
  const Dims3 d = ncs(c);
  c.call("global_lp_pool", {c.X(0), c.Y(0), index(d.outer * d.n), index(d.inner), index(lp_p(c))});
}

// ---- TopK -----------------------------------------------------------------------------------

struct TopKPlan {
  Dims3 d;
  int64_t k;
  Shape out;
};
// k: an attribute in version 1, an input from 10; largest and sorted from 11. sorted=0
// leaves the order undefined, so the sorted result the kernel returns serves it too.
struct TopKAttrs {
  int64_t axis = -1;
  int64_t k = 0;
  bool largest = true, sorted = true;
  template <class V>
  void fields(V& v) {
    v("axis", axis);
    if (v.version < 10) v.required("k", k);
    if (v.version >= 11) {
      v("largest", largest);
      v("sorted", sorted);
    }
  }
};

TopKPlan topk_plan(OpCtx& c) {
  TopKPlan p;
  const Shape& x = c.shape(0);
  if (x.empty()) c.fail("input must have rank >= 1");
  const auto at = c.attrs<TopKAttrs>();
  const int64_t a = c.axis(at.axis, c.rank(0));
  if (c.version() < 10) {
    p.k = at.k;
  } else {
    const Tensor& kt = c.require_const(1, "K");
    if (kt.numel() != 1) c.fail("K must have one element");
    p.k = kt.int_at(0);
  }
  if (p.k < 0 || p.k > x[static_cast<size_t>(a)])
    c.fail("K = " + std::to_string(p.k) + " is out of range for axis of size " + std::to_string(x[static_cast<size_t>(a)]));
  p.d = dims3(x, a);
  p.out = x;
  p.out[static_cast<size_t>(a)] = p.k;
  return p;
}
// K known only at run time (templates/shape_data.hpp), or an input of run-time dims: the
// outputs' axis dim is K where K is a constant or known as a dim (a Shape -> ReduceMin
// chain: min(K0, count), passes/fold_dims.cpp), else a Data symbol at most the input's axis
// dim. The kernel reads K and checks it against the axis' actual size.
bool topk_from_data(OpCtx& c) {
  if (c.version() < 10 || !c.has_in(1)) return false;
  return values_at_run_time(c, 1) || !c.in(1).sym.empty() || c.in(0).dynamic();
}
// K as a dim: a constant's value or a dims value's; false when known only at run time.
bool topk_known_k(OpCtx& c, Dim* k) {
  if (const Tensor* t = c.const_in(1)) {
    if (t->numel() != 1) c.fail("K must have one element");
    *k = Dim(t->int_at(0));
    return true;
  }
  if (c.in(1).sym.size() != 1) return false;
  *k = c.in(1).sym[0];
  return true;
}

int64_t topk_data_axis(OpCtx& c) {
  if (c.rank(0) == 0) c.fail("input must have rank >= 1");
  if (numel(c.shape(1)) != 1) c.fail("K must have one element");
  if (c.dtype(1) != DType::Int64) c.fail("K must be int64");
  return c.axis(c.attrs<TopKAttrs>().axis, c.rank(0));
}

// Outer, axis and inner extents of input 0 around the axis (Dims: run-time ones allowed).
std::vector<Dim> topk_extents(OpCtx& c, size_t a) {
  const std::vector<Dim> d = c.dims(0);
  Dim outer = 1, inner = 1;
  for (size_t i = 0; i < a; ++i) outer = outer * d[i];
  for (size_t i = a + 1; i < d.size(); ++i) inner = inner * d[i];
  return {outer, d[a], inner};
}

void infer_TopK(OpCtx& c) {
  c.arity(c.version() < 10 ? 1 : 2, c.version() < 10 ? 1 : 2, 2, 2);  // K: an input from version 10
  if (!c.has_out(0) || !c.has_out(1)) c.unsupported("TopK with an omitted output");
  if (topk_from_data(c)) {
    const size_t a = static_cast<size_t>(topk_data_axis(c));
    std::vector<Dim> d = c.dims(0);
    Dim k;
    if (topk_known_k(c, &k)) {
      const DimRange r = c.dim_table().range(k);
      if (r.lo < 0 || r.hi > c.shape(0)[a])
        c.fail("K (" + k.str(c.dim_table()) + ", in [" + std::to_string(r.lo) + ", " + std::to_string(r.hi) +
               "]) may fall outside [0, " + std::to_string(c.shape(0)[a]) + "], the most the axis' size can be");
      d[a] = k;
    } else {
      d[a] = data_dim_at(c, 0, a, c.shape(0)[a]);
    }
    c.set_out_dims(0, c.dtype(0), d);
    c.set_out_dims(1, DType::Int64, d);
    c.set_scratch(c.shape(0)[a] * 8);
    return;
  }
  TopKPlan p = topk_plan(c);
  c.set_out(0, c.dtype(0), p.out);
  c.set_out(1, DType::Int64, p.out);
  c.set_scratch(p.d.n * 8);
}
void lower_TopK(LowerCtx& c) {
  if (topk_from_data(c)) {
    const size_t a = static_cast<size_t>(topk_data_axis(c));
    const std::vector<Dim> e = topk_extents(c, a);
    Dim kd;
    const bool known = topk_known_k(c, &kd);  // the output's dim is K: nothing to write
    c.call("topk_data", {c.X(0), c.Y(0), c.Y(1), c.extent(e[0]), c.extent(e[1]), c.extent(e[2]), c.X(1),
                         boolean(c.attrs<TopKAttrs>().largest), c.node().scratch_bytes ? c.scratch(DType::Int64) : Arg{},
                         known ? symbol("static_cast<int64_t*>(nullptr)", 0) : c.dim_out(c.out(0).dims[a])});
    c.calls.back().status = true;
    return;
  }
  const TopKPlan p = topk_plan(c);
  c.call("topk", {c.X(0), c.Y(0), c.Y(1), index(p.d.outer), index(p.d.n), index(p.d.inner), index(p.k),
                  boolean(c.attrs<TopKAttrs>().largest), c.node().scratch_bytes ? c.scratch(DType::Int64) : Arg{}});
}

// ---- Einsum ---------------------------------------------------------------------------------

struct EinsumOut {
  k::EinsumPlan plan;
  Shape out;
};

// Splits a term into labels; "..." becomes the placeholder '.'.
std::vector<char> einsum_term(OpCtx& c, const std::string& t) {
  std::vector<char> v;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '.') {
      if (t.compare(i, 3, "...") != 0) c.fail("malformed ellipsis in equation");
      for (char x : v)
        if (x == '.') c.fail("more than one ellipsis in a term");
      v.push_back('.');
      i += 2;
    } else if (std::isalpha(static_cast<unsigned char>(t[i]))) {
      v.push_back(t[i]);
    } else {
      c.fail("unexpected character in equation");
    }
  }
  return v;
}

struct EinsumAttrs {
  std::string equation;
  template <class V>
  void fields(V& v) { v.required("equation", equation); }
};

EinsumOut einsum_plan(OpCtx& c) {
  std::string eq;
  for (char ch : c.attrs<EinsumAttrs>().equation)
    if (ch != ' ') eq += ch;
  const size_t arrow = eq.find("->");
  const std::string lhs = eq.substr(0, arrow);
  std::vector<std::vector<char>> terms;
  for (size_t at = 0;;) {
    const size_t comma = lhs.find(',', at);
    terms.push_back(einsum_term(c, lhs.substr(at, comma == std::string::npos ? std::string::npos : comma - at)));
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  if (terms.size() != c.num_in()) c.fail("equation has " + std::to_string(terms.size()) + " terms for " +
                                          std::to_string(c.num_in()) + " inputs");
  if (terms.size() > 2) c.unsupported("Einsum with more than two operands");
  // Labels: letters, and '0'+i for the i-th (right-aligned) ellipsis dim.
  std::map<char, int64_t> extent;
  std::vector<std::vector<char>> labels(terms.size());  // per operand dim
  int64_t ell = 0;
  for (size_t t = 0; t < terms.size(); ++t) {
    int64_t letters = 0;
    bool has_ell = false;
    for (char x : terms[t]) {
      if (x == '.') has_ell = true;
      else ++letters;
    }
    const int64_t r = c.rank(t);
    if (has_ell ? r < letters : r != letters) c.fail("term " + std::to_string(t) + " does not match the input's rank");
    if (has_ell) ell = std::max(ell, r - letters);
  }
  for (size_t t = 0; t < terms.size(); ++t) {
    const Shape& s = c.shape(t);
    int64_t letters = 0;
    for (char x : terms[t]) letters += x != '.';
    const int64_t e = static_cast<int64_t>(s.size()) - letters;
    for (char x : terms[t]) {
      if (x == '.')
        for (int64_t i = 0; i < e; ++i) labels[t].push_back(static_cast<char>('0' + (ell - e + i)));
      else labels[t].push_back(x);
    }
    for (size_t i = 0; i < s.size(); ++i) {
      auto it = extent.find(labels[t][i]);
      if (it == extent.end() || it->second == 1) extent[labels[t][i]] = s[i];
      else if (s[i] != 1 && s[i] != it->second) c.fail("label extents disagree");
    }
  }
  std::vector<char> out_labels;
  if (arrow != std::string::npos) {
    for (char x : einsum_term(c, eq.substr(arrow + 2))) {
      if (x == '.')
        for (int64_t i = 0; i < ell; ++i) out_labels.push_back(static_cast<char>('0' + i));
      else {
        if (!extent.count(x)) c.fail("output label does not appear in the inputs");
        if (std::find(out_labels.begin(), out_labels.end(), x) != out_labels.end()) c.fail("repeated output label");
        out_labels.push_back(x);
      }
    }
  } else {
    for (int64_t i = 0; i < ell; ++i) out_labels.push_back(static_cast<char>('0' + i));
    std::map<char, int> count;
    for (auto& l : labels)
      for (char x : l) count[x]++;
    for (auto& kv : count)
      if (std::isalpha(static_cast<unsigned char>(kv.first)) && kv.second == 1) out_labels.push_back(kv.first);
  }
  std::vector<char> loops = out_labels;
  for (auto& kv : extent)
    if (std::find(loops.begin(), loops.end(), kv.first) == loops.end()) loops.push_back(kv.first);
  if (loops.size() > static_cast<size_t>(k::kMaxRank)) c.unsupported("Einsum with more than 8 distinct labels");
  EinsumOut r;
  r.plan = k::EinsumPlan{};
  r.plan.nl = static_cast<int>(loops.size());
  for (char x : out_labels) r.out.push_back(extent[x]);
  const std::vector<int64_t> ys = strides_of(r.out);
  for (size_t l = 0; l < loops.size(); ++l) {
    r.plan.dims[l] = extent[loops[l]];
    for (size_t i = 0; i < out_labels.size(); ++i)
      if (out_labels[i] == loops[l]) r.plan.sy[l] = ys[i];
    for (size_t t = 0; t < terms.size(); ++t) {
      const Shape& s = c.shape(t);
      const std::vector<int64_t> st = strides_of(s);
      int64_t sum = 0;
      for (size_t i = 0; i < s.size(); ++i)
        if (labels[t][i] == loops[l] && s[i] != 1) sum += st[i];
      (t == 0 ? r.plan.sa : r.plan.sb)[l] = sum;
    }
  }
  return r;
}

void infer_Einsum(OpCtx& c) {
  c.set_out(0, c.dtype(0), einsum_plan(c).out);
}
void lower_Einsum(LowerCtx& c) {
  const EinsumOut e = einsum_plan(c);
  const k::EinsumPlan& p = e.plan;
  const int n = std::max(p.nl, 1);
  c.call("einsum", {type_arg(c.dtype(0))},
         {c.X(0), c.num_in() > 1 ? c.X(1) : Arg{}, c.Y(0), index(numel(e.out)),
          object(p, "k::EinsumPlan{" + std::to_string(p.nl) + ", " + lit_array(p.dims, n) + ", " + lit_array(p.sa, n) +
                        ", " + lit_array(p.sb, n) + ", " + lit_array(p.sy, n) + "}")});
}

}  // namespace

O2C_DEFINE_OP(DepthToSpace, infer_d2s, lower_d2s);
O2C_DEFINE_OP(SpaceToDepth, infer_d2s, lower_d2s);
O2C_DEFINE_OP(CumSum, infer_CumSum, lower_CumSum);
O2C_DEFINE_OP(CumProd, infer_CumSum, lower_CumSum);
O2C_DEFINE_OP(Trilu, infer_Trilu, lower_Trilu);
O2C_DEFINE_OP(OneHot, infer_OneHot, lower_OneHot);
O2C_DEFINE_OP(Hardmax, infer_Hardmax, lower_Hardmax, false, false, nullptr, true);
O2C_DEFINE_OP(LRN, infer_LRN, lower_LRN);
O2C_DEFINE_OP(MeanVarianceNormalization, infer_MVN, lower_MVN);
O2C_DEFINE_OP(GlobalLpPool, infer_GlobalLpPool, lower_GlobalLpPool);
O2C_DEFINE_OP(TopK, infer_TopK, lower_TopK, false, false, nullptr, true);
O2C_DEFINE_OP(Einsum, infer_Einsum, lower_Einsum);

}  // namespace o2c
