#include "ops/call.hpp"

#include "ops/op.hpp"

namespace o2c {

namespace {
// v as an int64, saturated (NaN: 0): a float scalar such as Clip's default bound -FLT_MAX has
// no int64 value, and converting it unchecked is undefined (the fuzzer's first finding).
int64_t saturated_int(double v) {
  if (!(v == v)) return 0;
  if (v <= -9223372036854775808.0) return INT64_MIN;
  if (v >= 9223372036854775807.0) return INT64_MAX;
  return static_cast<int64_t>(v);
}
}  // namespace

Arg scalar(DType t, double v) {
  Arg a;
  a.kind = Arg::Kind::Scalar;
  a.dtype = t;
  a.f = v;
  a.i = saturated_int(v);
  return a;
}

Arg scalar_int(DType t, int64_t v) {
  Arg a;
  a.kind = Arg::Kind::Scalar;
  a.dtype = t;
  a.i = v;
  a.f = static_cast<double>(v);
  return a;
}

Arg boolean(bool v) {
  Arg a;
  a.kind = Arg::Kind::Bool;
  a.dtype = DType::Bool;
  a.i = v;
  return a;
}

Arg index(int64_t v) { return scalar_int(DType::Int64, v); }
Arg f32(float v) { return scalar(DType::Float, v); }

Arg symbol(const std::string& text, int64_t value) {
  Arg a;
  a.kind = Arg::Kind::Symbol;
  a.text = text;
  a.i = value;
  return a;
}

Arg type_arg(DType t) {
  Arg a;
  a.kind = Arg::Kind::Type;
  a.dtype = t;
  return a;
}

Arg null_of(DType t) {
  Arg a;
  a.kind = Arg::Kind::Null;
  a.dtype = t;
  return a;
}

std::string print_arg(const Arg& a, const CallNames& names) {
  switch (a.kind) {
    case Arg::Kind::Buffer: return names.buffer(a);
    case Arg::Kind::Element: {
      Arg b = a;
      b.kind = Arg::Kind::Buffer;
      b.offset = 0;
      return names.buffer(b) + "[" + std::to_string(a.offset) + "]";
    }
    case Arg::Kind::Scalar:
      if (a.dtype == DType::Int64) return lit(a.i);
      if (a.dtype == DType::UInt64) return std::to_string(static_cast<uint64_t>(a.i)) + "u";
      if (dtype_is_int(a.dtype)) return lit_of(a.dtype, static_cast<double>(a.i));
      return lit_of(a.dtype, a.f);
    case Arg::Kind::Bool: return a.i ? "true" : "false";
    case Arg::Kind::Symbol:
    case Arg::Kind::Object: return a.text;
    case Arg::Kind::Type: return dtype_cpp(a.dtype);
    case Arg::Kind::Null:
      if (a.dtype == DType::Undefined) return "nullptr";
      return "static_cast<const " + std::string(dtype_cpp(a.dtype)) + "*>(nullptr)";
  }
  return "?";
}

std::string print_call(const Call& c, const CallNames& names) {
  std::string s = "k::" + c.kernel;
  if (!c.targs.empty()) {
    s += "<";
    for (size_t i = 0; i < c.targs.size(); ++i) s += (i ? ", " : "") + print_arg(c.targs[i], names);
    s += ">";
  }
  s += "(" + names.first;
  for (size_t i = 0; i < c.args.size(); ++i)
    s += (i || !names.first.empty() ? ", " : "") + print_arg(c.args[i], names);
  return s + ");";
}

}  // namespace o2c
