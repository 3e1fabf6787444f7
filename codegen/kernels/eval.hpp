// Running kernel calls at compile time (constant folding): the same kernels generated code
// runs, compiled into the compiler, reached by name through kernels.def.
#pragma once
#include <string>
#include <vector>

#include "ops/call.hpp"
#include "ops/kernels.hpp"
#include "ops/types.hpp"

namespace o2c {

// The memory one node's calls run on: its inputs (constants), outputs, scratch and tables.
struct Frame {
  std::vector<const Tensor*> in;
  std::vector<Tensor*> out;
  void* scratch = nullptr;
  const std::vector<Tensor>* tables = nullptr;

  // The pointer a Buffer or Element argument stands for.
  const void* ptr(const Arg& a) const;
  template <class T>
  const T* in_ptr(const Arg& a) const { return a.kind == Arg::Kind::Null ? nullptr : static_cast<const T*>(ptr(a)); }
  template <class T>
  T* out_ptr(const Arg& a) const { return a.kind == Arg::Kind::Null ? nullptr : const_cast<T*>(static_cast<const T*>(ptr(a))); }
  // A Scalar, Bool, Symbol or Element argument as T.
  template <class T>
  T value(const Arg& a) const {
    if (a.kind == Arg::Kind::Element) {
      T r{};
      dispatch_native(a.dtype, kAllTypes, [&](auto tag) { r = static_cast<T>(*static_cast<const typename decltype(tag)::type*>(ptr(a))); });
      return r;
    }
    return a.num<T>();
  }
};

// Runs one call; false when the kernel (or this instantiation of it) is not compiled in
// (the node is then not folded: it runs in generated code).
using KernelEval = bool (*)(const Call&, const Frame&);

struct KernelInfo {
  const char* name;    // the function in namespace k
  const char* header;  // templates/<header>.hpp
  KernelEval eval;
  bool parallel;       // PKERNEL: generated code passes the run's k::Par first
};
const KernelInfo* find_kernel(const std::string& name);
// templates/ headers in dependency order (each after what it needs), for the given names.
std::vector<std::string> header_closure(const std::vector<std::string>& names);

#define HEADER(name, needs)
#define KERNEL(fn, header) bool eval_##fn(const Call&, const Frame&);
#include "kernels/kernels.def"
#undef KERNEL
#undef HEADER

// Shorthand for eval functions: the type of a Buffer argument i, a Type template argument.
inline DType arg_type(const Call& c, size_t i) { return c.args.at(i).dtype; }
inline DType targ_type(const Call& c, size_t i) { return c.targs.at(i).kind == Arg::Kind::Type ? c.targs[i].dtype : DType::Undefined; }
// The element type a call computes on: its template argument ti when it has one, else the type
// of Buffer argument ai.
inline DType elem_type(const Call& c, size_t ti = 0, size_t ai = 0) {
  return ti < c.targs.size() ? targ_type(c, ti) : arg_type(c, ai);
}
// Template argument i as a number (Scalar, Bool or Symbol), def when the call omits it.
inline int64_t targ_num(const Call& c, size_t i, int64_t def) { return i < c.targs.size() ? c.targs[i].i : def; }
// No activation, for calls that omit their epilogue's.
inline const k::Act kNoAct{k::Act::None, 0.f, 0.f};
// Calls f(std::integral_constant<int, V>{}) for the V of Vs equal to v; false when none is.
template <int... Vs, class F>
bool with_value(int64_t v, F&& f) {
  return ((v == Vs && (f(std::integral_constant<int, Vs>{}), true)) || ...);
}

}  // namespace o2c

namespace o2c {

// Compile-time type classes for the instantiations eval functions compile.
template <class T> constexpr bool is_flt = std::is_floating_point<T>::value;
template <class T> constexpr bool is_int = std::is_integral<T>::value && !std::is_same<T, bool>::value;
template <class T> constexpr bool is_num = is_flt<T> || is_int<T>;
template <class T> constexpr bool is_bool = std::is_same<T, bool>::value;
template <class T> constexpr bool is_all = is_num<T> || is_bool<T>;

// Calls f(Tag<T>{}) with T the C++ type of dt when dt is a Native type that Pred accepts
// (compile-time: only those instantiations are compiled). False otherwise.
template <template <class> class Pred, class F>
bool with_type(DType dt, F&& f) {
  bool done = false;
  dispatch_native(dt, kAllTypes, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (Pred<T>::value) {
      f(tag);
      done = true;
    }
  });
  return done;
}
template <class T> struct IsFlt : std::integral_constant<bool, is_flt<T>> {};
template <class T> struct IsInt : std::integral_constant<bool, is_int<T>> {};
template <class T> struct IsNum : std::integral_constant<bool, is_num<T>> {};
template <class T> struct IsBool : std::integral_constant<bool, is_bool<T>> {};
template <class T> struct IsAll : std::integral_constant<bool, is_all<T>> {};

}  // namespace o2c
