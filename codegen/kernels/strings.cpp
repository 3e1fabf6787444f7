// Folding with templates/strings.hpp. String tensors are not folded (a compile-time Tensor
// holds std::strings, not the views the kernels take): those evals return false and the node
// runs in generated code. TfIdfVectorizer on integers folds.
#include "kernels/eval.hpp"
#include "templates/strings.hpp"

namespace o2c {

bool eval_str_equal(const Call&, const Frame&) { return false; }
bool eval_str_concat(const Call&, const Frame&) { return false; }
bool eval_str_split(const Call&, const Frame&) { return false; }
bool eval_str_normalize(const Call&, const Frame&) { return false; }
bool eval_regex_full_match(const Call&, const Frame&) { return false; }
bool eval_label_encode(const Call&, const Frame&) { return false; }
bool eval_label_encode_skeys(const Call&, const Frame&) { return false; }
bool eval_label_encode_svalues(const Call&, const Frame&) { return false; }
bool eval_label_encode_ss(const Call&, const Frame&) { return false; }

// tfidf<T>(X, Y, rows, c, tokens, info, ng, min_n, max_n, max_skip, out_size, mode, weights)
bool eval_tfidf(const Call& c, const Frame& f) {
  bool ok = false;
  dispatch_native(elem_type(c), type_set({DType::Int32, DType::Int64}), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto& a = c.args;
    k::tfidf<T>(f.in_ptr<T>(a[0]), f.out_ptr<float>(a[1]), f.value<int64_t>(a[2]), f.value<int64_t>(a[3]),
                f.in_ptr<int64_t>(a[4]), f.in_ptr<int64_t>(a[5]), f.value<int64_t>(a[6]), f.value<int64_t>(a[7]),
                f.value<int64_t>(a[8]), f.value<int64_t>(a[9]), f.value<int64_t>(a[10]), f.value<int>(a[11]),
                f.in_ptr<float>(a[12]));
    ok = true;
  });
  return ok;
}

}  // namespace o2c
