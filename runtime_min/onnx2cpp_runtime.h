/* onnx2cpp runtime: the few definitions generated code shares. C and C++, no dependencies.
 * Pasted into every generated header; guarded so several models can be included together. */
#ifndef ONNX2CPP_RUNTIME_H
#define ONNX2CPP_RUNTIME_H
#define ONNX2CPP_RUNTIME_VERSION 5

#include <stddef.h>
#include <stdint.h>

/* Status codes returned by <model>_run. What a run checks: every pointer it is given is not
 * NULL (the structs, each tensor's pointer, a string element's data when its size is not 0, the
 * arena, the weights), the arena's size and 64-byte alignment, the weights' alignment, run-time
 * dims within their compiled ranges, string elements within their bound; on a failed check it
 * writes nothing and returns the code. What it cannot check, C pointers carrying no length
 * (the caller's part of the contract; the JavaScript module checks all of it, ASan finds it):
 *   - that each input and output pointer addresses its tensor's bytes (<model>_input_info(i)
 *     ->bytes, or the elements at the run's dims) of the right element type, aligned for it;
 *   - that outputs overlap neither each other, nor an input, nor the arena (outputs are written
 *     while inputs are still read: an output aliasing an input gives wrong results);
 *   - that `arena_bytes` is the arena's true size, and that no other call uses the same arena
 *     at the same time (one arena per concurrent call; the weights and inputs may be shared);
 *   - that the weights given to <model>_run_with_weights are the bytes written beside this code
 *     (their size is <model>_weights_bytes(); their contents are not checksummed per run);
 *   - that a string element's data holds `size` readable bytes.
 * Nothing is read or written outside these buffers, and no memory is allocated. */
#define ONNX2CPP_OK 0
#define ONNX2CPP_ERR_NULL_POINTER 1
#define ONNX2CPP_ERR_ARENA_TOO_SMALL 2
#define ONNX2CPP_ERR_ARENA_MISALIGNED 3
#define ONNX2CPP_ERR_WEIGHTS_MISALIGNED 4 /* <model>_run_with_weights (--weights file) */
#define ONNX2CPP_ERR_STRING_TOO_LONG 5 /* a string input longer than its bound (--max-string-bytes) */
#define ONNX2CPP_ERR_DATA_SHAPE 6 /* the data decides an output shape (StringSplit's width,
                                   * StringNormalizer's count) other than the compiled one */
#define ONNX2CPP_ERR_DATA_VALUE 7 /* the data holds a value the op cannot take: text that is not
                                   * a number of the type (Cast from string) */
#define ONNX2CPP_ERR_DIM_RANGE 8 /* a run-time dim (inputs' dims) outside the range it was compiled for */

/* The caller's parallel-for (<model>_run_parallel): runs body(task, i) once for every i in
 * [0, n), in any order, on any of the caller's threads (the calling one included), and
 * returns when all n have returned. ctx is the caller's own (its pool). Generated code splits
 * only outputs into blocks whose computation does not depend on the thread that runs them, so
 * results are bit-identical for any thread count, a serial loop included. */
typedef void (*onnx2cpp_parallel_for)(void* ctx, int n, void (*body)(void* task, int i), void* task);

/* One element of a string tensor: a view of `size` bytes of UTF-8 (not NUL-terminated; may
 * hold NULs). 16 bytes on every target (uint64_t size), so the compiler plans one layout.
 * Inputs are borrowed: the caller's bytes, read during the run. Output views point into the
 * caller's input strings or into the arena (strings the model creates): valid until the
 * arena is reused or the inputs are freed. */
typedef struct onnx2cpp_string {
  const char* data;
  uint64_t size;
} onnx2cpp_string;

/* Element types; the values are those of onnx.TensorProto.DataType (codegen/ir/dtypes.def).
 * float16, bfloat16 and float8 tensors hold their raw bits (uint16_t, uint8_t); int4, uint4,
 * float4 and 2-bit types pack two or four elements to a byte, low bits first. */
typedef enum onnx2cpp_dtype {
  ONNX2CPP_FLOAT = 1, ONNX2CPP_UINT8 = 2, ONNX2CPP_INT8 = 3, ONNX2CPP_UINT16 = 4,
  ONNX2CPP_INT16 = 5, ONNX2CPP_INT32 = 6, ONNX2CPP_INT64 = 7, ONNX2CPP_STRING = 8,
  ONNX2CPP_BOOL = 9, ONNX2CPP_FLOAT16 = 10, ONNX2CPP_DOUBLE = 11, ONNX2CPP_UINT32 = 12,
  ONNX2CPP_UINT64 = 13, ONNX2CPP_COMPLEX64 = 14, ONNX2CPP_COMPLEX128 = 15, ONNX2CPP_BFLOAT16 = 16,
  ONNX2CPP_FLOAT8E4M3FN = 17, ONNX2CPP_FLOAT8E4M3FNUZ = 18, ONNX2CPP_FLOAT8E5M2 = 19,
  ONNX2CPP_FLOAT8E5M2FNUZ = 20, ONNX2CPP_UINT4 = 21, ONNX2CPP_INT4 = 22, ONNX2CPP_FLOAT4E2M1 = 23,
  ONNX2CPP_FLOAT8E8M0 = 24, ONNX2CPP_UINT2 = 25, ONNX2CPP_INT2 = 26
} onnx2cpp_dtype;

/* Describes one input or output for generic callers (test harnesses, bindings). */
typedef struct onnx2cpp_tensor_info {
  const char* onnx_name; /* the name in the ONNX graph, verbatim */
  const char* c_name;    /* the member name in the inputs/outputs struct */
  onnx2cpp_dtype dtype;
  int rank;
  const int64_t* shape;
  size_t bytes;
} onnx2cpp_tensor_info;

#if defined(__cplusplus)
#define ONNX2CPP_RESTRICT __restrict
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L
#define ONNX2CPP_RESTRICT restrict
#else
#define ONNX2CPP_RESTRICT
#endif

#endif /* ONNX2CPP_RUNTIME_H */
