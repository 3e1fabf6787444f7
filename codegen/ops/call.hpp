// One description of a kernel call. Lowering an op yields calls; the emitter prints each as
// one line of C++ (emit/emitter.cpp) and constant folding runs the same call on the same
// kernels through kernels/registry.hpp. Nothing is written twice.
//
//   Call{"conv_winograd_last", {type(float), sym("k::kChanInNHWC", 1), num(4)},
//        {X, table(U), B, Y, obj(params), scratch}}
//   prints  k::conv_winograd_last<float, k::kChanInNHWC, 4>(t_x, w_conv1, w_b, t_y, k::ConvParams{...}, scratch);
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <typeindex>
#include <vector>

#include "ir/graph.hpp"

namespace o2c {

struct Arg {
  enum class Kind {
    Buffer,   // a pointer to a tensor: the node's input or output, its scratch, or a table
    Element,  // one element of a tensor, read at run time (X[0])
    Scalar,   // a number of a given element type
    Bool,
    Symbol,   // a named constant of the kernels (k::Act::Relu, k::kChanInNHWC)
    Type,     // a template argument naming an element type
    Object,   // a struct or functor value (k::Bcast2{...}, k::LeakyRelu{0.01f})
    Null,     // a null pointer of an element type
  };
  enum class Ref { Input, Output, Scratch, Table };
  Kind kind = Kind::Null;
  Ref ref = Ref::Input;
  int index = 0;           // Buffer/Element: input or output slot, table number
  DType dtype = DType::Undefined;
  int64_t offset = 0;      // Buffer/Element: elements past the start
  int64_t i = 0;           // Scalar (integer types), Bool, Symbol's value
  double f = 0;            // Scalar (float types)
  std::string text;        // Symbol and Object: the C++ spelling
  std::shared_ptr<const void> obj;  // Object: the value, for folding
  std::type_index type = typeid(void);

  // Object's value (throws when it is of another type).
  template <class T>
  const T& as() const {
    if (kind != Kind::Object || type != std::type_index(typeid(T))) throw std::logic_error("kernel argument of another type");
    return *static_cast<const T*>(obj.get());
  }
  template <class T>
  bool is() const { return kind == Kind::Object && type == std::type_index(typeid(T)); }
  // Scalar, Bool or Symbol converted to T.
  template <class T>
  T num() const {
    if (kind == Kind::Scalar && dtype_is_float(dtype)) return static_cast<T>(f);
    return static_cast<T>(i);
  }
};

// Builders.
Arg scalar(DType t, double v);           // a literal of element type t
Arg scalar_int(DType t, int64_t v);      // an integer literal of type t (exact for int64)
Arg boolean(bool v);
Arg index(int64_t v);                    // an int64 count or extent
Arg f32(float v);
Arg symbol(const std::string& text, int64_t value);
Arg type_arg(DType t);
Arg null_of(DType t);                    // a typed null pointer (const T*), where T is deduced from it
template <class T>
Arg object(const T& v, std::string text) {
  Arg a;
  a.kind = Arg::Kind::Object;
  a.obj = std::make_shared<T>(v);
  a.type = typeid(T);
  a.text = std::move(text);
  return a;
}

struct Call {
  std::string kernel;       // a function in namespace k
  std::vector<Arg> targs;   // template arguments (Type, Scalar, Symbol, Bool)
  std::vector<Arg> args;
  // The kernel returns an int: ONNX2CPP_OK, or an error code the run returns at once (a
  // bound the data exceeds, e.g. a string op's planned sizes).
  bool status = false;
};

// How Buffer and Element arguments and tables are spelled (the emitter's locals).
struct CallNames {
  std::function<std::string(const Arg&)> buffer;  // pointer expression of a Buffer
  std::string first;  // printed before the call's arguments when set (a PKERNEL's "par")
};
std::string print_call(const Call& c, const CallNames& names);
std::string print_arg(const Arg& a, const CallNames& names);

}  // namespace o2c
