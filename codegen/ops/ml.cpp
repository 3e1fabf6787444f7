// ai.onnx.ml: TreeEnsemble (version 5), ArrayFeatureExtractor, Binarizer (templates/ml.hpp).
// TreeEnsemble's trees are laid out at compile time as constant tables of the generated code.
#include <cmath>
#include <functional>

#include "ops/helpers.hpp"
#include "templates/ml.hpp"

namespace o2c {
namespace {

// ---- Binarizer ------------------------------------------------------------------------------

struct BinarizerAttrs {
  float threshold = 0.f;
  O2C_FIELDS(threshold)
};

void infer_Binarizer(OpCtx& c) {
  c.attrs<BinarizerAttrs>();
  c.set_out(0, c.dtype(0), c.shape(0));
}

void lower_Binarizer(LowerCtx& c) {
  const int64_t n = numel(c.shape(0));
  if (n == 0) return;
  c.call("binarizer", {c.X(0), c.Y(0), index(n), scalar(DType::Double, c.attrs<BinarizerAttrs>().threshold)});
}

// ---- ArrayFeatureExtractor: X[..., indices] ------------------------------------------------

void infer_ArrayFeatureExtractor(OpCtx& c) {
  c.attrs<NoAttrs>();
  const Shape& x = c.shape(0);
  if (x.empty()) c.fail("X must have rank >= 1");
  const int64_t m = numel(c.shape(1));
  Shape out = x.size() == 1 ? Shape{1, m} : x;  // a vector is one row (as onnxruntime does)
  out.back() = m;
  c.set_out(0, c.dtype(0), out);
}

void lower_ArrayFeatureExtractor(LowerCtx& c) {
  const Shape& x = c.shape(0);
  const int64_t n = x.back(), m = numel(c.shape(1)), rows = n > 0 ? numel(x) / n : 0;
  if (rows * m == 0) {
    if (numel(c.out(0).shape) > 0) c.call("fill", {c.Y(0), index(numel(c.out(0).shape)), scalar(c.dtype(0), 0)});
    return;
  }
  c.call("array_feature_extract", {c.X(0), c.X(1), c.Y(0), index(rows), index(n), index(m)});
}

// ---- TreeEnsemble ---------------------------------------------------------------------------

struct TreeEnsembleAttrs {
  int64_t aggregate_function = 1, n_targets = -1, post_transform = 0;
  std::vector<int64_t> leaf_targetids, nodes_falseleafs, nodes_falsenodeids, nodes_featureids,
      nodes_missing_value_tracks_true, nodes_trueleafs, nodes_truenodeids, tree_roots;
  std::shared_ptr<const Tensor> leaf_weights, membership_values, nodes_hitrates, nodes_modes, nodes_splits;
  template <class V>
  void fields(V& v) {
    v("aggregate_function", aggregate_function);
    v("n_targets", n_targets);
    v("post_transform", post_transform);
    v("leaf_targetids", leaf_targetids);
    v("nodes_falseleafs", nodes_falseleafs);
    v("nodes_falsenodeids", nodes_falsenodeids);
    v("nodes_featureids", nodes_featureids);
    v("nodes_missing_value_tracks_true", nodes_missing_value_tracks_true);
    v("nodes_trueleafs", nodes_trueleafs);
    v("nodes_truenodeids", nodes_truenodeids);
    v("tree_roots", tree_roots);
    v("leaf_weights", leaf_weights);
    v("membership_values", membership_values);
    v("nodes_hitrates", nodes_hitrates);  // statistics only: not used
    v("nodes_modes", nodes_modes);
    v("nodes_splits", nodes_splits);
  }
};

// The ensemble as the kernel's tables (k::kTreeNodeInts ints per node), checked.
struct Trees {
  std::vector<int64_t> node, roots, leaf_target;
  std::vector<double> split, members, leaf_weight;
  int64_t n_nodes = 0;
};

Trees build_trees(OpCtx& c, const TreeEnsembleAttrs& a) {
  Trees t;
  for (const char* req : {"leaf_targetids", "leaf_weights", "nodes_falseleafs", "nodes_falsenodeids", "nodes_featureids",
                          "nodes_modes", "nodes_splits", "nodes_trueleafs", "nodes_truenodeids", "tree_roots", "n_targets"})
    if (!c.has(req)) c.fail(std::string("attribute ") + req + " is required");
  const int64_t nn = static_cast<int64_t>(a.nodes_featureids.size());
  const int64_t nl = static_cast<int64_t>(a.leaf_targetids.size());
  const int64_t F = c.shape(0)[1];
  auto sized = [&](int64_t n, int64_t want, const char* what) {
    if (n != want) c.fail(std::string(what) + " has " + std::to_string(n) + " entries, expected " + std::to_string(want));
  };
  sized(static_cast<int64_t>(a.nodes_falseleafs.size()), nn, "nodes_falseleafs");
  sized(static_cast<int64_t>(a.nodes_falsenodeids.size()), nn, "nodes_falsenodeids");
  sized(static_cast<int64_t>(a.nodes_trueleafs.size()), nn, "nodes_trueleafs");
  sized(static_cast<int64_t>(a.nodes_truenodeids.size()), nn, "nodes_truenodeids");
  sized(a.nodes_modes->numel(), nn, "nodes_modes");
  sized(a.nodes_splits->numel(), nn, "nodes_splits");
  sized(a.leaf_weights->numel(), nl, "leaf_weights");
  if (!a.nodes_missing_value_tracks_true.empty())
    sized(static_cast<int64_t>(a.nodes_missing_value_tracks_true.size()), nn, "nodes_missing_value_tracks_true");
  if (a.n_targets < 1) c.fail("n_targets must be >= 1");
  for (int64_t l = 0; l < nl; ++l) {
    const int64_t tid = a.leaf_targetids[static_cast<size_t>(l)];
    if (tid < 0 || tid >= a.n_targets) c.fail("leaf target id " + std::to_string(tid) + " out of range");
    t.leaf_target.push_back(tid);
    t.leaf_weight.push_back(a.leaf_weights->float_at(l));
  }
  size_t member_at = 0;
  const int64_t n_members = a.membership_values ? a.membership_values->numel() : 0;
  for (int64_t i = 0; i < nn; ++i) {
    const size_t u = static_cast<size_t>(i);
    const int64_t mode = a.nodes_modes->int_at(i), feature = a.nodes_featureids[u];
    if (mode < 0 || mode > 6) c.fail("nodes_modes: unknown mode " + std::to_string(mode));
    if (feature < 0 || feature >= F) c.fail("node " + std::to_string(i) + " reads feature " + std::to_string(feature) + " of " + std::to_string(F));
    int64_t at = 0, count = 0;
    if (mode == 6) {  // the next NaN-terminated run of membership_values
      at = static_cast<int64_t>(member_at);
      while (static_cast<int64_t>(member_at) < n_members && !std::isnan(a.membership_values->float_at(static_cast<int64_t>(member_at)))) {
        t.members.push_back(a.membership_values->float_at(static_cast<int64_t>(member_at)));
        ++member_at;
        ++count;
      }
      if (static_cast<int64_t>(member_at) >= n_members) c.fail("membership_values has too few NaN-terminated sets");
      ++member_at;
      at = static_cast<int64_t>(t.members.size()) - count;
    }
    const bool tl = a.nodes_trueleafs[u] != 0, fl = a.nodes_falseleafs[u] != 0;
    const int64_t ti = a.nodes_truenodeids[u], fi = a.nodes_falsenodeids[u];
    if (ti < 0 || ti >= (tl ? nl : nn) || fi < 0 || fi >= (fl ? nl : nn)) c.fail("node " + std::to_string(i) + ": branch out of range");
    const bool missing = !a.nodes_missing_value_tracks_true.empty() && a.nodes_missing_value_tracks_true[u] != 0;
    t.node.insert(t.node.end(), {feature, mode, ti, tl ? 1 : 0, fi, fl ? 1 : 0, missing ? 1 : 0, at, count});
    t.split.push_back(a.nodes_splits->float_at(i));
  }
  if (t.members.empty()) t.members.push_back(0);
  // A root whose branches are the same leaf is that leaf (the spec's degenerate tree).
  for (int64_t r : a.tree_roots) {
    if (r < 0 || r >= nn) c.fail("tree root " + std::to_string(r) + " out of range");
    const size_t u = static_cast<size_t>(r);
    const bool leaf = a.nodes_trueleafs[u] && a.nodes_falseleafs[u] && a.nodes_truenodeids[u] == a.nodes_falsenodeids[u];
    t.roots.push_back(leaf ? a.nodes_truenodeids[u] : r);
    t.roots.push_back(leaf ? 1 : 0);
  }
  // Every walk must end at a leaf: no cycles among the nodes.
  std::vector<int> state(static_cast<size_t>(nn), 0);  // 0 unseen, 1 on the path, 2 done
  std::function<void(int64_t)> visit = [&](int64_t i) {
    int& s = state[static_cast<size_t>(i)];
    if (s == 1) c.fail("the trees have a cycle at node " + std::to_string(i));
    if (s == 2) return;
    s = 1;
    const int64_t* nd = &t.node[static_cast<size_t>(i * k::kTreeNodeInts)];
    if (!nd[k::kTnTrueLeaf]) visit(nd[k::kTnTrue]);
    if (!nd[k::kTnFalseLeaf]) visit(nd[k::kTnFalse]);
    s = 2;
  };
  for (size_t r = 0; r < t.roots.size(); r += 2)
    if (!t.roots[r + 1]) visit(t.roots[r]);
  t.n_nodes = nn;
  return t;
}

void infer_TreeEnsemble(OpCtx& c) {
  const auto a = c.attrs<TreeEnsembleAttrs>();
  if (c.rank(0) != 2) c.fail("X must be [N, F], got " + shape_str(c.shape(0)));
  if (a.aggregate_function < 0 || a.aggregate_function > 3) c.fail("aggregate_function must be 0..3");
  if (a.post_transform != 0) c.unsupported("post_transform=" + std::to_string(a.post_transform) + " (only NONE)");
  build_trees(c, a);
  c.set_out(0, c.dtype(0), Shape{c.shape(0)[0], a.n_targets});
  c.set_scratch(a.n_targets * static_cast<int64_t>(sizeof(double)));
}

template <class E>
Tensor vec_tensor(DType t, const std::vector<E>& v) {
  Tensor r(t, {static_cast<int64_t>(v.size())});
  std::copy(v.begin(), v.end(), r.template data<E>());
  return r;
}

void lower_TreeEnsemble(LowerCtx& c) {
  const auto a = c.attrs<TreeEnsembleAttrs>();
  const Trees t = build_trees(c, a);
  const int64_t N = c.shape(0)[0];
  if (N == 0) return;
  c.call("tree_ensemble", {type_arg(c.dtype(0))},
         {c.X(0), c.Y(0), index(N), index(c.shape(0)[1]), index(a.n_targets), c.table(vec_tensor(DType::Int64, t.node)),
          c.table(vec_tensor(DType::Double, t.split)), c.table(vec_tensor(DType::Double, t.members)),
          c.table(vec_tensor(DType::Int64, t.leaf_target)), c.table(vec_tensor(DType::Double, t.leaf_weight)),
          c.table(vec_tensor(DType::Int64, t.roots)), index(static_cast<int64_t>(t.roots.size() / 2)), index(t.n_nodes),
          index(a.aggregate_function), c.scratch(DType::Double)});
}

}  // namespace

O2C_DEFINE_OP(Binarizer, infer_Binarizer, lower_Binarizer);
O2C_DEFINE_OP(ArrayFeatureExtractor, infer_ArrayFeatureExtractor, lower_ArrayFeatureExtractor);
O2C_DEFINE_OP(TreeEnsemble, infer_TreeEnsemble, lower_TreeEnsemble);

}  // namespace o2c
