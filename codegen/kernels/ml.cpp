// Folding with templates/ml.hpp: binarizer, array_feature_extract, tree_ensemble.
#include "kernels/eval.hpp"
#include "templates/ml.hpp"

namespace o2c {

// (X, Y, n, threshold)
bool eval_binarizer(const Call& c, const Frame& f) {
  return with_type<IsNum>(arg_type(c, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::binarizer<T>(f.in_ptr<T>(a[0]), f.out_ptr<T>(a[1]), f.value<int64_t>(a[2]), f.value<double>(a[3]));
  });
}

// (X, I, Z, rows, n, m)
bool eval_array_feature_extract(const Call& c, const Frame& f) {
  return with_type<IsNum>(arg_type(c, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::array_feature_extract<T>(f.in_ptr<T>(a[0]), f.in_ptr<int64_t>(a[1]), f.out_ptr<T>(a[2]), f.value<int64_t>(a[3]),
                                f.value<int64_t>(a[4]), f.value<int64_t>(a[5]));
  });
}

// <T>(X, Y, N, F, targets, node, split, members, leaf_target, leaf_weight, roots, n_trees, n_nodes, aggregate, acc)
bool eval_tree_ensemble(const Call& c, const Frame& f) {
  return with_type<IsFlt>(elem_type(c), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::tree_ensemble<T>(f.in_ptr<T>(a[0]), f.out_ptr<T>(a[1]), f.value<int64_t>(a[2]), f.value<int64_t>(a[3]),
                        f.value<int64_t>(a[4]), f.in_ptr<int64_t>(a[5]), f.in_ptr<double>(a[6]), f.in_ptr<double>(a[7]),
                        f.in_ptr<int64_t>(a[8]), f.in_ptr<double>(a[9]), f.in_ptr<int64_t>(a[10]),
                        f.value<int64_t>(a[11]), f.value<int64_t>(a[12]), f.value<int64_t>(a[13]), f.out_ptr<double>(a[14]));
  });
}

}  // namespace o2c
