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
 * GCC; the macro is otherwise only used for GCC version workarounds.
 *
 * And it replaces two of Emscripten's SSE2 conversions: its _mm_cvttps_epi32 and
 * _mm_cvtps_epi32 convert lane by lane through lrint() calls. Eigen's exp (pldexp) and
 * float-to-int casts use them, so every exp, sigmoid and softmax paid for four library calls
 * per packet. Here they are wasm SIMD128 conversions with the x86 results: truncated (or
 * rounded to nearest even), and INT_MIN for NaN and values out of int range.
 * (lstm_classifier under Node 20: 0.71 -> 0.61 ms, its LSTM cells 0.18 -> 0.08 ms.) */
#ifndef ONNX2CPP_WASM_MMINTRIN_H
#define ONNX2CPP_WASM_MMINTRIN_H
#include <xmmintrin.h>
#if defined(__EMSCRIPTEN__) && !defined(__emscripten_emmintrin_h__)
#define _mm_cvttps_epi32 onnx2cpp_emscripten_mm_cvttps_epi32
#define _mm_cvtps_epi32 onnx2cpp_emscripten_mm_cvtps_epi32
#include <emmintrin.h>
#undef _mm_cvttps_epi32
#undef _mm_cvtps_epi32
static __inline__ __m128i __attribute__((__always_inline__, __nodebug__)) onnx2cpp_cvt_x86(v128_t a, v128_t r) {
  const v128_t in_range = wasm_f32x4_lt(wasm_f32x4_abs(a), wasm_f32x4_splat(2147483648.0f));
  return (__m128i)wasm_v128_bitselect(r, wasm_i32x4_splat((int)0x80000000), in_range);
}
static __inline__ __m128i __attribute__((__always_inline__, __nodebug__)) _mm_cvttps_epi32(__m128 a) {
  return onnx2cpp_cvt_x86((v128_t)a, wasm_i32x4_trunc_sat_f32x4((v128_t)a));
}
static __inline__ __m128i __attribute__((__always_inline__, __nodebug__)) _mm_cvtps_epi32(__m128 a) {
  return onnx2cpp_cvt_x86((v128_t)a, wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest((v128_t)a)));
}
#endif
#if defined(__EMSCRIPTEN__) && defined(__clang__) && defined(EIGEN_COMP_GNUC)
#undef EIGEN_COMP_GNUC
#define EIGEN_COMP_GNUC 0
#endif
#endif /* ONNX2CPP_WASM_MMINTRIN_H */
