// onnx2cpp kernels: how kernels read an input's run-time dims (Extents), and where the kernels
// of ops whose output shape an input's values decide (when those arrive at run time) write the
// output's dims: templates/shape_data.hpp, Resize, AffineGrid, Col2Im, STFT. Returns ONNX2CPP_ERR_DATA_SHAPE (runtime_min/onnx2cpp_runtime.h) for a dim above
// the bound its buffers were planned for.
#ifndef ONNX2CPP_K_DATA_DIMS_HPP
#define ONNX2CPP_K_DATA_DIMS_HPP

ONNX2CPP_K_BEGIN

// An input's dims when some are run-time dims: the kernels read them as `const i64*`
// (dims_of(Extents{{...}}) lives until the end of the call's full expression).
struct Extents {
  i64 d[kMaxRank];
};
inline const i64* dims_of(const Extents& e) { return e.d; }

// Where a kernel writes an output's dims: the generated code's locals, one per dim.
struct DimOut {
  i64* at[kMaxRank];
};

// Writes dims d[0..n) to out, each at most `bound`.
inline int set_data_dims(const i64* d, i64 n, i64 bound, const DimOut& out) {
  for (i64 i = 0; i < n; ++i)
    if (d[i] > bound) return ONNX2CPP_ERR_DATA_SHAPE;
  for (i64 i = 0; i < n; ++i) *out.at[i] = d[i];
  return 0;
}

ONNX2CPP_K_END
#endif
