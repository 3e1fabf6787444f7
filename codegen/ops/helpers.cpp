#include "ops/helpers.hpp"

#include "ir/limits.hpp"

#include "ops/epilogue.hpp"

namespace o2c {

Shape broadcast(const OpCtx& c, const Shape& a, const Shape& b) {
  const size_t r = std::max(a.size(), b.size());
  Shape out(r);
  for (size_t i = 0; i < r; ++i) {
    int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    if (da != db && da != 1 && db != 1)
      c.fail("shapes " + shape_str(a) + " and " + shape_str(b) + " do not broadcast");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

std::vector<int64_t> strides_of(const Shape& s) {
  std::vector<int64_t> st(s.size());
  int64_t acc = 1;
  for (size_t i = s.size(); i-- > 0;) {
    st[i] = acc;
    acc *= s[i];
  }
  return st;
}

std::vector<int64_t> bcast_strides(const Shape& in, const Shape& out) {
  std::vector<int64_t> st(out.size(), 0);
  std::vector<int64_t> ist = strides_of(in);
  const size_t off = out.size() - in.size();
  for (size_t i = 0; i < in.size(); ++i) st[off + i] = in[i] == 1 ? 0 : ist[i];
  return st;
}

namespace {
// Drops size-1 dims and merges dims that are contiguous for every stride set. D is int64_t,
// or Dim for run-time dims (merged where contiguous as polynomials: the same expressions).
template <class D>
void collapse(std::vector<D>& dims, std::vector<std::vector<D>*> sts) {
  std::vector<D> d;
  std::vector<std::vector<D>> s(sts.size());
  D total = 1;
  for (const D& x : dims) total = total * x;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] == D(1)) continue;
    bool merge = !d.empty();
    for (size_t k = 0; k < sts.size() && merge; ++k)
      if (s[k].back() != (*sts[k])[i] * dims[i]) merge = false;
    if (merge) {
      d.back() = d.back() * dims[i];
      for (size_t k = 0; k < sts.size(); ++k) s[k].back() = (*sts[k])[i];
    } else {
      d.push_back(dims[i]);
      for (size_t k = 0; k < sts.size(); ++k) s[k].push_back((*sts[k])[i]);
    }
  }
  if (d.empty()) {
    d.push_back(total == D(0) ? D(0) : D(1));
    for (auto& v : s) v.push_back(D(0));
  }
  if (total == D(0)) {  // empty tensors: one zero dim is enough
    d.assign(1, D(0));
    for (auto& v : s) v.assign(1, D(0));
  }
  if (d.size() > static_cast<size_t>(k::kMaxRank))
    throw UnsupportedError("tensors of rank above 8 are not supported");
  dims = d;
  for (size_t k = 0; k < sts.size(); ++k) *sts[k] = s[k];
}

}  // namespace

// Strides of `in` read at the indices of `out`, run-time dims.
std::vector<Dim> bcast_strides_dims(const std::vector<Dim>& in, const std::vector<Dim>& out) {
  std::vector<Dim> st(out.size(), Dim(0));
  Dim acc = 1;
  const size_t off = out.size() - in.size();
  for (size_t i = in.size(); i-- > 0;) {
    st[off + i] = in[i] == Dim(1) ? Dim(0) : acc;
    acc = acc * in[i];
  }
  return st;
}

std::string dims_code(const std::vector<Dim>& v) {
  std::string s = "{";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i].cpp(dim_var);
  return s + "}";
}

std::vector<Dim> broadcast_dims(const OpCtx& c, const std::vector<Dim>& a, const std::vector<Dim>& b) {
  const size_t r = std::max(a.size(), b.size());
  std::vector<Dim> out(r);
  for (size_t i = 0; i < r; ++i) {
    const Dim da = i < r - a.size() ? Dim(1) : a[i - (r - a.size())];
    const Dim db = i < r - b.size() ? Dim(1) : b[i - (r - b.size())];
    if (da == db || db == Dim(1)) out[i] = da;
    else if (da == Dim(1)) out[i] = db;
    else if (da.is_const() && db.is_const())
      c.fail("dims " + std::to_string(da.value()) + " and " + std::to_string(db.value()) + " do not broadcast");
    else
      c.unsupported("dims " + da.str(*c.graph().dims) + " and " + db.str(*c.graph().dims) +
                    " broadcast only if one of them is 1, which is known at run time only");
  }
  return out;
}

Arg bcast2_arg(const std::vector<Dim>& a, const std::vector<Dim>& b, const std::vector<Dim>& out, const Shape& bounds) {
  std::vector<Dim> d = out, sa = bcast_strides_dims(a, out), sb = bcast_strides_dims(b, out);
  collapse(d, {&sa, &sb});
  // Its value at the bounds (never folded: inputs with run-time dims are not constants).
  const k::Bcast2 at_bounds = make_bcast2(bounds, bounds, bounds);
  return object(at_bounds, "k::Bcast2{" + std::to_string(d.size()) + ", " + dims_code(d) + ", " + dims_code(sa) + ", " +
                               dims_code(sb) + "}");
}

k::Bcast2 make_bcast2(const Shape& a, const Shape& b, const Shape& out) {
  Shape d = out;
  auto sa = bcast_strides(a, out), sb = bcast_strides(b, out);
  collapse(d, {&sa, &sb});
  k::Bcast2 p{};
  p.rank = static_cast<int>(d.size());
  for (size_t i = 0; i < d.size(); ++i) {
    p.dims[i] = d[i];
    p.sa[i] = sa[i];
    p.sb[i] = sb[i];
  }
  return p;
}

k::Bcast3 make_bcast3(const Shape& c, const Shape& x, const Shape& y, const Shape& out) {
  Shape d = out;
  auto sc = bcast_strides(c, out), sx = bcast_strides(x, out), sy = bcast_strides(y, out);
  collapse(d, {&sc, &sx, &sy});
  k::Bcast3 p{};
  p.rank = static_cast<int>(d.size());
  for (size_t i = 0; i < d.size(); ++i) {
    p.dims[i] = d[i];
    p.sc[i] = sc[i];
    p.sx[i] = sx[i];
    p.sy[i] = sy[i];
  }
  return p;
}

k::Strided make_strided(const Shape& dims, const std::vector<int64_t>& strides) {
  Shape d = dims;
  auto st = strides;
  collapse(d, {&st});
  k::Strided p{};
  p.rank = static_cast<int>(d.size());
  for (size_t i = 0; i < d.size(); ++i) {
    p.dims[i] = d[i];
    p.st[i] = st[i];
  }
  return p;
}

std::vector<Dim> strides_of(const std::vector<Dim>& s) {
  std::vector<Dim> st(s.size());
  Dim acc = 1;
  for (size_t i = s.size(); i-- > 0;) {
    st[i] = acc;
    acc = acc * s[i];
  }
  return st;
}

Arg strided_arg(const std::vector<Dim>& dims, const std::vector<Dim>& strides, const Shape& bounds) {
  std::vector<Dim> d = dims, st = strides;
  collapse(d, {&st});
  return object(make_strided(bounds, strides_of(bounds)),
                "k::Strided{" + std::to_string(d.size()) + ", " + dims_code(d) + ", " + dims_code(st) + "}");
}

std::string code(const k::Bcast2& p) {
  return "k::Bcast2{" + std::to_string(p.rank) + ", " + lit_array(p.dims, p.rank) + ", " +
         lit_array(p.sa, p.rank) + ", " + lit_array(p.sb, p.rank) + "}";
}
std::string code(const k::Bcast3& p) {
  return "k::Bcast3{" + std::to_string(p.rank) + ", " + lit_array(p.dims, p.rank) + ", " +
         lit_array(p.sc, p.rank) + ", " + lit_array(p.sx, p.rank) + ", " + lit_array(p.sy, p.rank) + "}";
}
std::string code(const k::Strided& p) {
  return "k::Strided{" + std::to_string(p.rank) + ", " + lit_array(p.dims, p.rank) + ", " +
         lit_array(p.st, p.rank) + "}";
}
std::string code(const k::TableMap& p) {
  return "k::TableMap{" + std::to_string(p.rank) + ", " + lit_array(p.dims, p.rank) + ", " +
         lit_array(p.off, p.rank) + "}";
}


void check_table_bytes(OpCtx& c, const Shape& out, int64_t per_entry) {
  int64_t entries = 0;
  for (int64_t d : out) entries += d;
  if (entries > kMaxComputedBytes / per_entry)
    c.unsupported("index tables for " + shape_str(out) + " would take more than " + std::to_string(kMaxComputedBytes >> 20) +
                  " MiB");
}

Tensor table_plan(const Shape& in_shape, std::vector<std::vector<int64_t>> tabs,
                  k::TableMap& map) {
  const std::vector<int64_t> st = strides_of(in_shape);
  std::vector<std::vector<int64_t>> keep;  // merged per-dim tables
  bool prev_identity = false;              // last kept dim is an unchanged copy
  for (size_t d = 0; d < tabs.size(); ++d) {
    std::vector<int64_t>& t = tabs[d];
    bool identity = static_cast<int64_t>(t.size()) == in_shape[d];
    for (size_t i = 0; i < t.size() && identity; ++i)
      if (t[i] != static_cast<int64_t>(i) * st[d]) identity = false;
    if (t.size() == 1 && t[0] == 0) continue;  // one output reading offset 0: no loop needed
    // (check_table_bytes bounds each table, not their product: 2^20 entries at most merged,
    // the fuzzer's [54622650, 28] asked for 12 GB.)
    constexpr size_t kMaxMerged = size_t(1) << 20;
    if (identity && prev_identity && keep.back().size() * t.size() <= kMaxMerged) {
      // Merge with the previous unchanged dim: one identity run over both.
      const int64_t n = static_cast<int64_t>(keep.back().size() * t.size());
      keep.back().resize(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) keep.back()[static_cast<size_t>(i)] = i * st[d];
    } else {
      keep.push_back(std::move(t));  // (a copy at a time: the tables may be large)
    }
    prev_identity = identity;
  }
  if (keep.empty()) keep.push_back({0});
  if (keep.size() > static_cast<size_t>(k::kMaxRank))
    throw UnsupportedError("index tables of rank above 8 are not supported");
  map = k::TableMap{};
  map.rank = static_cast<int>(keep.size());
  int64_t total = 0;
  for (size_t d = 0; d < keep.size(); ++d) {
    map.dims[d] = static_cast<int64_t>(keep[d].size());
    map.off[d] = total;
    total += map.dims[d];
  }
  Tensor tab(DType::Int64, {total});
  int64_t* p = tab.data<int64_t>();
  for (const auto& t : keep) p = std::copy(t.begin(), t.end(), p);
  return tab;
}

const Spellings& act_spellings() {
  static const Spellings names = {
#define O2C_ACT_NAME(name) #name,
      ONNX2CPP_K_ACT_KINDS(O2C_ACT_NAME)
#undef O2C_ACT_NAME
  };
  return names;
}

std::string code(const k::Act& a) {
  return std::string("k::Act{k::Act::") + act_spellings().at(static_cast<size_t>(a.kind)) + ", " + lit_f32(a.alpha) +
         ", " + lit_f32(a.beta) + "}";
}

std::string code(const k::MatMulPlan& p) {
  return "k::MatMulPlan{" + lit(p.M) + ", " + lit(p.N) + ", " + lit(p.K) + ", " + std::to_string(p.rank) + ", " +
         lit_array(p.dims, p.rank) + ", " + lit_array(p.sa, p.rank) + ", " + lit_array(p.sb, p.rank) + "}";
}

std::string code(const k::ConvParams& p) {
  return "k::ConvParams{" + lit(p.N) + ", " + lit(p.C) + ", " + lit(p.M) + ", " + lit(p.group) + ", " +
         lit_array(p.in, 3) + ", " + lit_array(p.out, 3) + ", " + lit_array(p.k, 3) + ", " + lit_array(p.stride, 3) +
         ", " + lit_array(p.pad, 3) + ", " + lit_array(p.dil, 3) + "}";
}

Arg scalar_lowest(DType t) {
  Arg a;
  dispatch_native(t, kNumTypes, [&](auto tag) {
    using T = typename decltype(tag)::type;
    a = std::is_integral<T>::value ? scalar_int(t, static_cast<int64_t>(std::numeric_limits<T>::lowest()))
                                   : scalar(t, static_cast<double>(std::numeric_limits<T>::lowest()));
  });
  return a;
}

Dims3 dims3(const Shape& x, int64_t a) {
  Dims3 d;
  for (int64_t i = 0; i < static_cast<int64_t>(x.size()); ++i) {
    if (i < a) d.outer *= x[i];
    else if (i == a) d.n = x[i];
    else d.inner *= x[i];
  }
  return d;
}

DimsOf3 dims3(const std::vector<Dim>& x, int64_t a) {
  DimsOf3 d;
  for (int64_t i = 0; i < static_cast<int64_t>(x.size()); ++i) {
    const Dim& v = x[static_cast<size_t>(i)];
    if (i < a) d.outer = d.outer * v;
    else if (i == a) d.n = v;
    else d.inner = d.inner * v;
  }
  return d;
}

int64_t coerced_axis(OpCtx& c) {
  const int64_t r = c.rank(0);
  const bool old = c.version() < 13;
  const auto at = c.attrs<OptionalAxisAttrs>();
  int64_t a = at.set ? at.axis : old ? 1 : -1;
  if (a < 0) a += r;
  if (a < 0 || a > std::max<int64_t>(r - (old ? 0 : 1), 0)) c.fail("axis out of range");
  return a;
}

DimsOf3 coerced_axis_dims(OpCtx& c) {
  const std::vector<Dim> x = c.dims(0);
  const int64_t r = static_cast<int64_t>(x.size());
  const bool old = c.version() < 13;
  const int64_t a = coerced_axis(c);
  if (!old) return dims3(x, a);
  DimsOf3 d;
  for (int64_t i = 0; i < r; ++i) {
    Dim& part = i < a ? d.outer : d.n;
    part = part * x[static_cast<size_t>(i)];
  }
  return d;
}

Arg scalar_max(DType t) {
  Arg a;
  dispatch_native(t, kNumTypes, [&](auto tag) {
    using T = typename decltype(tag)::type;
    a = std::is_integral<T>::value ? scalar_int(t, static_cast<int64_t>(std::numeric_limits<T>::max()))
                                   : scalar(t, static_cast<double>(std::numeric_limits<T>::max()));
  });
  return a;
}

Arg packed_type_arg(DType t) {
  switch (t) {
    case DType::UInt4: return symbol("k::kUInt4", static_cast<int64_t>(t));
    case DType::Int4: return symbol("k::kInt4", static_cast<int64_t>(t));
    case DType::Float4E2M1: return symbol("k::kFloat4E2M1", static_cast<int64_t>(t));
    case DType::UInt2: return symbol("k::kUInt2", static_cast<int64_t>(t));
    case DType::Int2: return symbol("k::kInt2", static_cast<int64_t>(t));
    default: throw std::logic_error("packed_type_arg: " + dtype_name(t) + " is not a packed type");
  }
}

Arg scalar_of(const Tensor& t) {
  if (t.dtype == DType::Bool) return boolean(t.int_at(0) != 0);
  if (dtype_is_int(t.dtype)) return scalar_int(t.dtype, t.int_at(0));
  return scalar(t.dtype, t.float_at(0));
}

}  // namespace o2c
