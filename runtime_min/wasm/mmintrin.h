/* onnx2cpp: stand-in for <mmintrin.h> in WebAssembly builds (added with -isystem for
 * Emscripten only, never for native builds).
 *
 * With -msimd128 -msse4.1, Emscripten maps the SSE intrinsics Eigen uses onto wasm SIMD128
 * (its <xmmintrin.h> ... <smmintrin.h>), but it has no <mmintrin.h> (MMX), which Eigen 3.4
 * includes first: clang's own copy then fails ("only meant to be used on x86"). Nothing of
 * MMX is used, so this header only pulls in SSE.
 *
 * It also undoes one misdetection: Eigen 3.4.0 takes clang (which reports __GNUC__ 4.2) for
 * a GCC older than 6.3 and then writes pmin/pmax as x86 inline assembly ("minps"), which
 * cannot compile to wasm. Eigen includes this header after defining EIGEN_COMP_GNUC and
 * before its SSE packet code, so clearing it here selects the intrinsics path. Clang is not
 * GCC; the macro is otherwise only used for GCC version workarounds. */
#ifndef ONNX2CPP_WASM_MMINTRIN_H
#define ONNX2CPP_WASM_MMINTRIN_H
#include <xmmintrin.h>
#if defined(__EMSCRIPTEN__) && defined(__clang__) && defined(EIGEN_COMP_GNUC)
#undef EIGEN_COMP_GNUC
#define EIGEN_COMP_GNUC 0
#endif
#endif /* ONNX2CPP_WASM_MMINTRIN_H */
