// String ops and text features: StringConcat, StringSplit, StringNormalizer, RegexFullMatch,
// ai.onnx.ml LabelEncoder, TfIdfVectorizer (templates/strings.hpp). Equal on strings is in
// elementwise.cpp.
//
// A string tensor is an array of onnx2cpp_string views (runtime_min/onnx2cpp_runtime.h).
// Every string value has a bound on the bytes of one element (Value::max_string_bytes):
// --max-string-bytes for inputs (checked when a run starts), derived here for the strings an
// op makes, whose bytes go to the node's scratch (kept to the end of the run by the planner).
// Outputs whose shape depends on the data (StringSplit's width, StringNormalizer's count
// after stopwords) take the shape the model declares for them; a run whose data gives
// another returns ONNX2CPP_ERR_DATA_SHAPE.
#include <algorithm>
#include <cstring>

#include "ir/limits.hpp"
#include "ops/helpers.hpp"
#include "ops/regex.hpp"

namespace o2c {
namespace {

// Strings as two tables: the bytes and the n + 1 offsets.
struct StringTables {
  Tensor blob, offs;
};
StringTables string_tables(const std::vector<std::string>& ss) {
  std::string all;
  std::vector<int64_t> offs{0};
  for (const auto& s : ss) {
    all += s;
    offs.push_back(static_cast<int64_t>(all.size()));
  }
  StringTables t{Tensor(DType::UInt8, {static_cast<int64_t>(all.size()) + 1}),  // never empty: a pointer
                 Tensor(DType::Int64, {static_cast<int64_t>(offs.size())})};
  if (!all.empty()) std::memcpy(t.blob.bytes.data(), all.data(), all.size());
  std::memcpy(t.offs.bytes.data(), offs.data(), offs.size() * sizeof(int64_t));
  return t;
}

// The shape the model declares for output i, or fails naming what decides it.
Shape declared_shape(OpCtx& c, size_t i, const std::string& why) {
  const auto& d = c.graph().declared_shapes;
  auto it = d.find(c.out(i).name);
  if (it == d.end())
    c.unsupported("output " + quote_name(c.out(i).name) + "'s shape depends on the data (" + why +
                  "): the model must declare it (a static shape in the graph's outputs or value_info)");
  return it->second;
}

// ---- StringConcat (20)
void infer_StringConcat(OpCtx& c) {
  const Shape out = broadcast(c, c.shape(0), c.shape(1));
  c.set_out(0, DType::String, out);
  const int64_t bound = c.in(0).max_string_bytes + c.in(1).max_string_bytes;
  c.out(0).max_string_bytes = bound;
  c.set_scratch(std::max<int64_t>(1, numel(out) * bound));
}
void lower_StringConcat(LowerCtx& c) {
  c.call("str_concat", {c.X(0), c.X(1), c.Y(0), obj(make_bcast2(c.shape(0), c.shape(1), c.out(0).shape)),
                        c.scratch(DType::Int8)});
}

// ---- StringSplit (20)
struct StringSplitAttrs {
  std::string delimiter;
  int64_t maxsplit = -1;
  bool has_maxsplit = false;
  template <class V>
  void fields(V& v) {
    has_maxsplit = v.has("maxsplit");
    v("delimiter", delimiter);
    v("maxsplit", maxsplit);
  }
};
void infer_StringSplit(OpCtx& c) {
  const auto a = c.attrs<StringSplitAttrs>();
  if (a.has_maxsplit && a.maxsplit < 0) c.fail("maxsplit must not be negative");
  const Shape& x = c.shape(0);
  Shape y = x;
  y.push_back(0);
  // No strings: no pieces (width 0), unless the model says otherwise.
  const Shape d = numel(x) == 0 && !c.graph().declared_shapes.count(c.out(0).name)
                      ? y : declared_shape(c, 0, "the most pieces of a string");
  if (d.size() != y.size() || !std::equal(x.begin(), x.end(), d.begin()))
    c.fail("the declared shape of output 0, " + shape_str(d) + ", does not extend the input's " + shape_str(x));
  y.back() = d.back();
  c.set_out(0, DType::String, y);
  c.out(0).max_string_bytes = c.in(0).max_string_bytes;
  c.set_out(1, DType::Int64, x);
}
void lower_StringSplit(LowerCtx& c) {
  const auto a = c.attrs<StringSplitAttrs>();
  const StringTables d = string_tables({a.delimiter});
  c.call("str_split", {c.X(0), c.Y(0), c.Y(1), index(numel(c.shape(0))), index(c.out(0).shape.back()), c.table(d.blob),
                       index(static_cast<int64_t>(a.delimiter.size())), index(a.has_maxsplit ? a.maxsplit : -1)});
  c.calls.back().status = true;
}

// ---- StringNormalizer (10)
struct StringNormalizerAttrs {
  int case_change_action = 0;
  bool is_case_sensitive = false;
  std::string locale;
  std::vector<std::string> stopwords;
  template <class V>
  void fields(V& v) {
    v("case_change_action", case_change_action, {"NONE", "LOWER", "UPPER"});
    v("is_case_sensitive", is_case_sensitive);
    v("locale", locale);
    v("stopwords", stopwords);
  }
};
void infer_StringNormalizer(OpCtx& c) {
  const auto a = c.attrs<StringNormalizerAttrs>();
  // The case mapping is onnx2cpp's own (templates/strings.hpp), the same in every locale whose
  // rules it follows: not, e.g., Turkish or Azeri dotted and dotless i.
  static const char* const kLocales[] = {"", "C", "C.UTF-8", "POSIX", "en_US", "en_US.UTF-8", "en_US.utf8", "en_GB", "en"};
  if (std::find(std::begin(kLocales), std::end(kLocales), a.locale) == std::end(kLocales))
    c.unsupported("locale " + quote_name(a.locale) + " (the case mapping is locale-free: en_US's)");
  const Shape& x = c.shape(0);
  if (!(x.size() == 1 || (x.size() == 2 && x[0] == 1))) c.fail("the input must be [C] or [1, C]");
  Shape y = x;
  if (!a.stopwords.empty()) {
    const Shape d = declared_shape(c, 0, "how many strings are stopwords");
    if (d.size() != x.size() || (x.size() == 2 && d[0] != 1) || d.back() < 1 || d.back() > std::max<int64_t>(1, x.back()))
      c.fail("the declared shape of the output, " + shape_str(d) + ", cannot follow the input's " + shape_str(x));
    y = d;
  } else if (x.back() == 0) {
    y.back() = 1;  // no strings: one "" (the spec's empty output)
  }
  c.set_out(0, DType::String, y);
  c.out(0).max_string_bytes = c.in(0).max_string_bytes;
  c.set_scratch(std::max<int64_t>(1, a.case_change_action != 0 ? numel(x) * c.in(0).max_string_bytes : 0));
}
void lower_StringNormalizer(LowerCtx& c) {
  const auto a = c.attrs<StringNormalizerAttrs>();
  const StringTables s = string_tables(a.stopwords);
  const Shape& x = c.shape(0);
  const Arg area = c.scratch(DType::Int8);
  c.call("str_normalize", {c.X(0), c.Y(0), index(1), index(x.back()), index(c.out(0).shape.back()), c.table(s.blob),
                           c.table(s.offs), index(static_cast<int64_t>(a.stopwords.size())), boolean(a.is_case_sensitive),
                           scalar_int(DType::Int32, a.case_change_action), area});
  c.calls.back().status = true;
}

// ---- RegexFullMatch (20)
struct RegexFullMatchAttrs {
  std::string pattern;
  template <class V>
  void fields(V& v) { v.required("pattern", pattern); }
};
RegexProgram regex_of(OpCtx& c) {
  try {
    return compile_regex(c.attrs<RegexFullMatchAttrs>().pattern);
  } catch (const RegexError& e) {
    c.unsupported(std::string("pattern: ") + e.what());
  }
}
void infer_RegexFullMatch(OpCtx& c) {
  const RegexProgram p = regex_of(c);
  c.set_out(0, DType::Bool, c.shape(0));
  c.set_scratch(4 * p.ninst * static_cast<int64_t>(sizeof(int32_t)));
}
void lower_RegexFullMatch(LowerCtx& c) {
  const RegexProgram p = regex_of(c);
  Tensor t = vector_tensor(DType::Int32, p.table);
  c.call("regex_full_match", {c.X(0), c.Y(0), index(numel(c.shape(0))), c.table(std::move(t)), index(p.ninst),
                              c.scratch(DType::Int32)});
}

// ---- LabelEncoder (ai.onnx.ml 1 2 4)
struct LabelEncoderAttrs {
  std::vector<std::string> classes_strings, keys_strings, values_strings;
  std::vector<int64_t> keys_int64s, values_int64s;
  std::vector<float> keys_floats, values_floats;
  int64_t default_int64 = -1;
  std::string default_string = "_Unused";
  float default_float = -0.0f;
  std::shared_ptr<const Tensor> keys_tensor, values_tensor, default_tensor;
  bool has_default_int64 = false, has_default_string = false, has_default_float = false;
  template <class V>
  void fields(V& v) {
    has_default_int64 = v.has("default_int64");
    has_default_string = v.has("default_string");
    has_default_float = v.has("default_float");
    v("default_int64", default_int64);
    v("default_string", default_string);
    if (v.version < 2) {
      v("classes_strings", classes_strings);
      return;
    }
    v("default_float", default_float);
    v("keys_strings", keys_strings);
    v("keys_int64s", keys_int64s);
    v("keys_floats", keys_floats);
    v("values_strings", values_strings);
    v("values_int64s", values_int64s);
    v("values_floats", values_floats);
    if (v.version >= 4) {
      v("keys_tensor", keys_tensor);
      v("values_tensor", values_tensor);
      v("default_tensor", default_tensor);
    }
  }
};

Tensor strings_tensor(const std::vector<std::string>& v) {
  Tensor t(DType::String, {static_cast<int64_t>(v.size())});
  t.strings = v;
  return t;
}

// Keys, then values with the default appended (nk + 1 entries).
struct LabelMap {
  Tensor keys, values;
};
LabelMap label_map(OpCtx& c) {
  const auto a = c.attrs<LabelEncoderAttrs>();
  LabelMap m;
  if (c.version() < 2) {
    const int64_t n = static_cast<int64_t>(a.classes_strings.size());
    std::vector<int64_t> idx(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) idx[static_cast<size_t>(i)] = i;
    if (c.dtype(0) == DType::String) {
      m.keys = strings_tensor(a.classes_strings);
      idx.push_back(a.default_int64);
      m.values = vector_tensor(DType::Int64, idx);
    } else {
      m.keys = vector_tensor(DType::Int64, idx);
      auto v = a.classes_strings;
      v.push_back(a.default_string);
      m.values = strings_tensor(v);
    }
    return m;
  }
  auto pick = [&](const char* what, const std::shared_ptr<const Tensor>& t, const std::vector<std::string>& s,
                  const std::vector<int64_t>& i, const std::vector<float>& f) {
    const int given = (t ? 1 : 0) + !s.empty() + !i.empty() + !f.empty();
    if (given > 1) c.fail(std::string("more than one ") + what + " attribute is set");
    if (t) {
      if (t->shape.size() != 1) c.fail(std::string(what) + "_tensor must be 1-D");
      return *t;
    }
    if (!i.empty()) return vector_tensor(DType::Int64, i);
    if (!f.empty()) return vector_tensor(DType::Float, f);
    return strings_tensor(s);  // also when none is set: no keys
  };
  m.keys = pick("keys", a.keys_tensor, a.keys_strings, a.keys_int64s, a.keys_floats);
  m.values = pick("values", a.values_tensor, a.values_strings, a.values_int64s, a.values_floats);
  if (m.keys.numel() != m.values.numel()) c.fail("keys and values differ in length");
  if (m.keys.numel() == 0) m.keys.dtype = c.dtype(0);
  if (m.keys.dtype != c.dtype(0))
    c.fail("the keys are " + dtype_name(m.keys.dtype) + ", the input " + dtype_name(c.dtype(0)));
  const DType vt = m.values.dtype;
  Tensor d(vt, {1});
  if (a.default_tensor) {
    if (a.default_tensor->dtype != vt || a.default_tensor->numel() != 1)
      c.fail("default_tensor must hold one " + dtype_name(vt));
    d = *a.default_tensor;
  } else if (vt == DType::String) {
    d.strings = {a.default_string};
  } else if (vt == DType::Float) {
    std::memcpy(d.bytes.data(), &a.default_float, sizeof(float));
  } else if (vt == DType::Int64) {
    std::memcpy(d.bytes.data(), &a.default_int64, sizeof(int64_t));
  } else if (vt == DType::Double) {
    const double z = -0.0;
    std::memcpy(d.bytes.data(), &z, sizeof z);
  } else {  // int32, int16: the spec's default -1
    std::memset(d.bytes.data(), 0xFF, d.bytes.size());
  }
  m.values.bytes.insert(m.values.bytes.end(), d.bytes.begin(), d.bytes.end());
  m.values.strings.insert(m.values.strings.end(), d.strings.begin(), d.strings.end());
  m.values.shape = {m.keys.numel() + 1};
  return m;
}

void infer_LabelEncoder(OpCtx& c) {
  const LabelMap m = label_map(c);
  const TypeSet ok = type_set({DType::String, DType::Int64, DType::Float, DType::Int32, DType::Int16, DType::Double});
  if (!ok.has(m.values.dtype)) c.unsupported("values of type " + dtype_name(m.values.dtype));
  c.set_out(0, m.values.dtype, c.shape(0));
  if (m.values.dtype == DType::String) {
    int64_t longest = 0;
    for (const auto& s : m.values.strings) longest = std::max<int64_t>(longest, static_cast<int64_t>(s.size()));
    c.out(0).max_string_bytes = longest;
  }
}
void lower_LabelEncoder(LowerCtx& c) {
  LabelMap m = label_map(c);
  const Arg n = index(numel(c.shape(0)));
  const Arg nk = index(m.keys.numel());
  const bool skeys = m.keys.dtype == DType::String, svalues = m.values.dtype == DType::String;
  if (skeys && svalues) {
    const StringTables k = string_tables(m.keys.strings), v = string_tables(m.values.strings);
    c.call("label_encode_ss", {c.X(0), c.Y(0), n, c.table(k.blob), c.table(k.offs), nk, c.table(v.blob), c.table(v.offs)});
  } else if (skeys) {
    const StringTables k = string_tables(m.keys.strings);
    c.call("label_encode_skeys", {type_arg(m.values.dtype)},
           {c.X(0), c.Y(0), n, c.table(k.blob), c.table(k.offs), nk, c.table(std::move(m.values))});
  } else if (svalues) {
    const StringTables v = string_tables(m.values.strings);
    c.call("label_encode_svalues", {type_arg(m.keys.dtype)},
           {c.X(0), c.Y(0), n, c.table(std::move(m.keys)), nk, c.table(v.blob), c.table(v.offs)});
  } else {
    c.call("label_encode", {type_arg(m.keys.dtype), type_arg(m.values.dtype)},
           {c.X(0), c.Y(0), n, c.table(std::move(m.keys)), nk, c.table(std::move(m.values))});
  }
}

// ---- TfIdfVectorizer (9)
struct TfIdfAttrs {
  int64_t max_gram_length = 0, min_gram_length = 0, max_skip_count = 0;
  int mode = 0;
  std::vector<int64_t> ngram_counts, ngram_indexes, pool_int64s;
  std::vector<std::string> pool_strings;
  std::vector<float> weights;
  template <class V>
  void fields(V& v) {
    v.required("max_gram_length", max_gram_length);
    v.required("min_gram_length", min_gram_length);
    v.required("max_skip_count", max_skip_count);
    v("mode", mode, {"TF", "IDF", "TFIDF"});
    v.required("ngram_counts", ngram_counts);
    v.required("ngram_indexes", ngram_indexes);
    v("pool_int64s", pool_int64s);
    v("pool_strings", pool_strings);
    v("weights", weights);
  }
};

// The pool's n-grams of the lengths counted: their tokens and {offset, n, output index}.
struct Grams {
  std::vector<int64_t> tokens, info;
  int64_t out_size = 0;
};
Grams grams_of(OpCtx& c) {
  const auto a = c.attrs<TfIdfAttrs>();
  if (!a.pool_strings.empty()) c.unsupported("pool_strings (string input)");
  if (a.min_gram_length < 1 || a.max_gram_length < a.min_gram_length) c.fail("bad min_gram_length/max_gram_length");
  if (a.max_skip_count < 0) c.fail("max_skip_count must not be negative");
  Grams g;
  for (int64_t i : a.ngram_indexes) {
    if (i < 0 || i >= kMaxTensorBytes) c.fail("ngram_indexes out of range: " + std::to_string(i));
    g.out_size = std::max(g.out_size, i + 1);
  }
  if (!a.weights.empty() && static_cast<int64_t>(a.weights.size()) < g.out_size) c.fail("weights are fewer than the outputs");
  const int64_t total = static_cast<int64_t>(a.pool_int64s.size());
  int64_t id = 0;  // the n-gram's index into ngram_indexes
  std::vector<std::pair<std::vector<int64_t>, int64_t>> found;  // the last id of a repeated n-gram wins
  for (size_t k = 0; k < a.ngram_counts.size(); ++k) {
    const int64_t n = static_cast<int64_t>(k) + 1;
    const int64_t b = a.ngram_counts[k], e = k + 1 < a.ngram_counts.size() ? a.ngram_counts[k + 1] : total;
    if (b < 0 || e < b || e > total) c.fail("ngram_counts do not fit the pool");
    for (int64_t at = b; at + n <= e; at += n, ++id) {
      if (n < a.min_gram_length || n > a.max_gram_length) continue;
      if (id >= static_cast<int64_t>(a.ngram_indexes.size())) c.fail("more n-grams than ngram_indexes");
      std::vector<int64_t> toks(a.pool_int64s.begin() + at, a.pool_int64s.begin() + at + n);
      auto it = std::find_if(found.begin(), found.end(), [&](const auto& f) { return f.first == toks; });
      if (it != found.end()) it->second = id;
      else found.emplace_back(toks, id);
    }
  }
  for (const auto& f : found) {
    g.info.push_back(static_cast<int64_t>(g.tokens.size()));
    g.info.push_back(static_cast<int64_t>(f.first.size()));
    g.info.push_back(a.ngram_indexes[static_cast<size_t>(f.second)]);
    g.tokens.insert(g.tokens.end(), f.first.begin(), f.first.end());
  }
  return g;
}
void infer_TfIdfVectorizer(OpCtx& c) {
  const Grams g = grams_of(c);
  const Shape& x = c.shape(0);
  if (x.size() > 2 || (x.size() == 2 && x[0] < 1)) c.fail("the input must be [C] or [B, C] with B > 0");
  c.set_out(0, DType::Float, x.size() == 2 ? Shape{x[0], g.out_size} : Shape{g.out_size});
}
void lower_TfIdfVectorizer(LowerCtx& c) {
  const auto a = c.attrs<TfIdfAttrs>();
  const Grams g = grams_of(c);
  const Shape& x = c.shape(0);
  const int64_t rows = x.size() == 2 ? x[0] : 1, cols = x.empty() ? 1 : x.back();
  const Arg w = a.weights.empty() ? null_of(DType::Float) : c.table(vector_tensor(DType::Float, a.weights));
  c.call("tfidf", {type_arg(c.dtype(0))},
         {c.X(0), c.Y(0), index(rows), index(cols), c.table(vector_tensor(DType::Int64, g.tokens)), c.table(vector_tensor(DType::Int64, g.info)),
          index(static_cast<int64_t>(g.info.size() / 3)), index(a.min_gram_length), index(a.max_gram_length),
          index(a.max_skip_count), index(g.out_size), scalar_int(DType::Int32, a.mode), w});
}

}  // namespace
O2C_DEFINE_OP(StringConcat, infer_StringConcat, lower_StringConcat);
O2C_DEFINE_OP(StringSplit, infer_StringSplit, lower_StringSplit);
O2C_DEFINE_OP(StringNormalizer, infer_StringNormalizer, lower_StringNormalizer);
O2C_DEFINE_OP(RegexFullMatch, infer_RegexFullMatch, lower_RegexFullMatch);
O2C_DEFINE_OP(LabelEncoder, infer_LabelEncoder, lower_LabelEncoder);
O2C_DEFINE_OP(TfIdfVectorizer, infer_TfIdfVectorizer, lower_TfIdfVectorizer);
}  // namespace o2c
