// onnx2cpp kernels: ai.onnx.ml operators (TreeEnsemble, ArrayFeatureExtractor, Binarizer).
#ifndef ONNX2CPP_K_ML_HPP
#define ONNX2CPP_K_ML_HPP

ONNX2CPP_K_BEGIN

// Y = 1 where X > threshold, else 0.
template <class T>
inline void binarizer(const T* X, T* Y, i64 n, double threshold) {
  for (i64 k = 0; k < n; ++k) Y[k] = static_cast<double>(X[k]) > threshold ? T(1) : T(0);
}

// Z[r, j] = X[r, I[j]] for the rows of X[rows, n] (negative indices count from the end; an
// index outside [-n, n) yields 0).
template <class T>
inline void array_feature_extract(const T* X, const int64_t* I, T* Z, i64 rows, i64 n, i64 m) {
  for (i64 r = 0; r < rows; ++r)
    for (i64 j = 0; j < m; ++j) {
      const i64 i = I[j] < 0 ? I[j] + n : I[j];
      Z[r * m + j] = i >= 0 && i < n ? X[r * n + i] : T(0);
    }
}

// TreeEnsemble's node table, kTreeNodeInts ints per node.
enum : i64 {
  kTnFeature = 0, kTnMode, kTnTrue, kTnTrueLeaf, kTnFalse, kTnFalseLeaf, kTnMissingTrue, kTnMemberAt, kTnMembers,
  kTreeNodeInts
};
// Node modes (the spec's nodes_modes) and aggregate functions.
enum : i64 { kTnLeq = 0, kTnLt, kTnGte, kTnGt, kTnEq, kTnNeq, kTnMember };
enum : i64 { kTreeAverage = 0, kTreeSum, kTreeMin, kTreeMax };

// TreeEnsemble (ai.onnx.ml 5) over X[N, F] into Y[N, targets]: each tree (roots[2t]: a node,
// or a leaf when roots[2t + 1]) walked to a leaf, whose weight goes to its target, aggregated
// in double. node: the node table; split: each node's threshold; members: the set-membership
// values (node fields kTnMemberAt / kTnMembers); leaf_target / leaf_weight per leaf.
template <class T>
inline void tree_ensemble(const T* X, T* Y, i64 N, i64 F, i64 targets, const int64_t* node, const double* split,
                          const double* members, const int64_t* leaf_target, const double* leaf_weight,
                          const int64_t* roots, i64 n_trees, i64 n_nodes, i64 aggregate, double* acc) {
  for (i64 r = 0; r < N; ++r) {
    const T* x = X + r * F;
    const double init = aggregate == kTreeMin ? std::numeric_limits<T>::max()
                        : aggregate == kTreeMax ? std::numeric_limits<T>::lowest() : 0.0;
    for (i64 t = 0; t < targets; ++t) acc[t] = init;
    for (i64 tr = 0; tr < n_trees; ++tr) {
      i64 id = roots[2 * tr];
      bool leaf = roots[2 * tr + 1] != 0;
      for (i64 steps = 0; !leaf && steps <= n_nodes; ++steps) {  // the table has no cycles (checked)
        const int64_t* nd = node + id * kTreeNodeInts;
        const double v = static_cast<double>(x[nd[kTnFeature]]);
        const double s = split[id];
        bool go = false;
        switch (nd[kTnMode]) {
          case kTnLeq: go = v <= s; break;
          case kTnLt: go = v < s; break;
          case kTnGte: go = v >= s; break;
          case kTnGt: go = v > s; break;
          case kTnEq: go = v == s; break;
          case kTnNeq: go = v != s; break;
          default:
            for (i64 m = 0; m < nd[kTnMembers]; ++m) go = go || members[nd[kTnMemberAt] + m] == v;
        }
        go = go || (v != v && nd[kTnMissingTrue] != 0);  // NaN: missing_value_tracks_true
        id = go ? nd[kTnTrue] : nd[kTnFalse];
        leaf = (go ? nd[kTnTrueLeaf] : nd[kTnFalseLeaf]) != 0;
      }
      if (!leaf) continue;
      const i64 target = leaf_target[id];
      const double w = leaf_weight[id];
      double& a = acc[target];
      if (aggregate == kTreeSum) a += w;
      else if (aggregate == kTreeAverage) a += w / static_cast<double>(n_trees);
      else if (aggregate == kTreeMin) a = std::min(a, w);
      else a = std::max(a, w);
    }
    for (i64 t = 0; t < targets; ++t) Y[r * targets + t] = static_cast<T>(acc[t]);
  }
}

ONNX2CPP_K_END

#endif
