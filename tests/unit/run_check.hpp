// Running a compiled model on given inputs and checking every output (tests that build the
// generated code: control flow, sequences, run-time dims).
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "builder.hpp"

namespace o2c::test {

// A float tensor of shape s holding v.
inline Tensor floats(const Shape& s, std::vector<float> v) {
  Tensor t(DType::Float, s);
  std::copy(v.begin(), v.end(), t.data<float>());
  return t;
}

// c built in dir and run on ins: every output within atol + rtol * |want| of outs (in order).
inline void check_run(const Compiled& c, const std::string& dir, std::vector<onnx::TensorProto> ins,
                      std::vector<onnx::TensorProto> outs, double rtol = 1e-6, double atol = 1e-6) {
  TestData data;
  data.inputs = std::move(ins);
  data.outputs = std::move(outs);
  const auto r = build_and_compare(c, data, dir, rtol, atol);
  REQUIRE(r.size() == data.outputs.size());
  for (const auto& cmp : r) {
    INFO(cmp.name << ": max abs error " << cmp.max_abs << ", shape ok " << cmp.shape_ok);
    CHECK(cmp.pass);
  }
}

}  // namespace o2c::test
