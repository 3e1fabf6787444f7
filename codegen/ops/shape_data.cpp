// The shared part of the ops that read their output's shape from run-time values.
#include "ops/shape_data.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "ops/helpers.hpp"

namespace o2c {

bool values_at_run_time(OpCtx& c, size_t i) {
  if (!c.has_in(i) || c.const_in(i)) return false;  // a constant of any type (dims_in: integers only)
  std::vector<Dim> known;
  return !c.dims_in(i, &known);
}

Dim data_dim_at(OpCtx& c, size_t out, size_t d, int64_t bound) {
  return c.dim_table().data("dim" + std::to_string(d) + "(" + c.out(out).name + ")", c.node().id, bound);
}

std::vector<Dim> data_dims(OpCtx& c, size_t out, const std::vector<int64_t>& bounds) {
  std::vector<Dim> dims;
  for (size_t d = 0; d < bounds.size(); ++d) dims.push_back(data_dim_at(c, out, d, bounds[d]));
  return dims;
}

Arg dim_outs(LowerCtx& c, const std::vector<Dim>& dims) {
  std::string s;
  for (const Dim& d : dims) s += (s.empty() ? "" : ", ") + c.dim_out(d).text;
  return symbol("k::DimOut{{" + s + "}}", 0);
}

Arg shape_table(LowerCtx& c, const Shape& s) {
  Tensor t(DType::Int64, {std::max<int64_t>(1, static_cast<int64_t>(s.size()))});  // a scalar's: one unread 0
  if (!s.empty()) std::memcpy(t.bytes.data(), s.data(), s.size() * sizeof(int64_t));
  return c.table(std::move(t));
}

Arg input_dims(LowerCtx& c, size_t i) {
  if (!c.in(i).dynamic()) return shape_table(c, c.shape(i));
  std::string s;
  for (const Dim& d : c.in(i).dims) s += (s.empty() ? "" : ", ") + d.cpp(dim_var);
  return symbol("k::dims_of(k::Extents{{" + s + "}})", 0);
}

std::string flag_name(const std::string& n) {
  const bool plain = !n.empty() && std::all_of(n.begin(), n.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '.' || ch == '-' || ch == '/' || ch == ':';
  });
  return plain ? n : quote_name(n);
}

int64_t user_bound(OpCtx& c, size_t out, size_t from) {
  const std::string& name = c.out(out).name;
  const auto& given = c.dim_table().tensor_max;
  const auto it = given.find(name);
  if (it != given.end()) return it->second;
  c.unsupported("the dims of output " + quote_name(name) + " come from input " + std::to_string(from) + " " +
                quote_name(c.in(from).name) + ", known only at run time, and have no bound: give one with --max " +
                flag_name(name) + "=N (or compile the input in with --freeze " + flag_name(c.in(from).name) + "=value.pb)");
}

int64_t largest_dim(const Shape& s) {
  int64_t m = 1;
  for (int64_t d : s) m = std::max(m, d);
  return m;
}

int64_t data_count(OpCtx& c, size_t i, const char* what, int64_t most) {
  if (c.dtype(i) != DType::Int64 && c.dtype(i) != DType::Int32) c.fail(std::string(what) + " must be int32 or int64");
  if (c.rank(i) != 1) c.fail(std::string(what) + " must be 1-D, it is " + shape_str(c.shape(i)));
  const int64_t n = c.shape(i)[0];
  if (n > most)
    c.unsupported(std::string(what) + " of " + std::to_string(n) + " values known only at run time: at most " +
                  std::to_string(most) + " are supported");
  return n;
}

}  // namespace o2c
