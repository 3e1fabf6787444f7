#!/usr/bin/env bash
# Test wasm/simd_check: the hot loops of a module built by `onnx2cpp build --target wasm` are
# WebAssembly SIMD. Builds MODEL with -O3 --profiling-funcs (the default -O3 code, with
# function names kept), disassembles it with wasm-objdump and counts per function the v128
# instructions and the float arithmetic, vector (f32x4.add/sub/mul/div/min/max) and scalar
# (f32.add/sub/mul/div). Prints the functions with the most v128 code, then requires
#   the matrix-product micro-kernel (templates/panel_gemm.hpp, which convolutions use, or
#   Eigen's gebp_kernel):  >= 16 f32x4.mul, >= 16 f32x4.add, more vector than scalar float
#                          arithmetic
#   the convolution (conv<float>, its epilogue), the depthwise convolution
#   (conv_depthwise<float>, when not inlined into conv<float>) and the model's run function (where the elementwise, pooling and
#   softmax loops are inlined: simd_run, or the run_checked that simd_run and
#   simd_run_parallel share):  >= 8 f32x4 arithmetic instructions each.
#   simd_check.sh ONNX2CPP EMXX WASM_OBJDUMP MODEL WORK_DIR
set -euo pipefail
o2c=$1 emxx=$2 objdump=$3 model=$4 work=$5
if [[ -z $objdump ]]; then
  echo "wasm-objdump not found (Debian: wabt): SIMD NOT checked"
  exit 0
fi
rm -rf "$work"
"$o2c" build "$model" --target wasm -o "$work" --name simd --cxx "$emxx" --cxxflags "-O3 --profiling-funcs" 2>/dev/null
"$objdump" -d "$work/simd.wasm" > "$work/simd.dis"
awk '
  /^[0-9a-f]+ func\[[0-9]+\] </ {
    name = $0; sub(/^[0-9a-f]+ func\[[0-9]+\] </, "", name); sub(/>:$/, "", name); next
  }
  {
    for (i = 1; i <= NF; i++) {
      if ($i ~ /^(v128|f32x4|f64x2|i8x16|i16x8|i32x4|i64x2)\./) v[name]++
      if ($i ~ /^f32x4\.(add|sub|mul|div|min|max)$/) vec[name]++
      if ($i ~ /^f32\.(add|sub|mul|div)$/) sca[name]++
      if ($i == "f32x4.mul") vmul[name]++
      if ($i == "f32x4.add") vadd[name]++
    }
  }
  END {
    for (n in v) printf "%d\t%d\t%d\t%d\t%d\t%s\n", v[n], vec[n], sca[n], vmul[n], vadd[n], n
  }' "$work/simd.dis" | sort -t$'\t' -k1,1nr > "$work/simd.counts"
echo "v128 instructions per function (v128 total, f32x4 arithmetic, scalar f32 arithmetic, f32x4.mul, f32x4.add):"
head -n 8 "$work/simd.counts" | awk -F'\t' '{ printf "  %5d %5d %5d %5d %5d  %.110s\n", $1, $2, $3, $4, $5, $6 }'
total=$(awk -F'\t' '{ s += $1 } END { print s + 0 }' "$work/simd.counts")
echo "module: $total v128 instructions"
fail=0
row() { grep -m1 -E "$1" "$work/simd.counts" || true; }  # the one with the most v128 code
check() {  # check LABEL PATTERN CONDITION(awk over $1..$5)
  local r
  r=$(row "$2")
  if [[ -z $r ]]; then echo "FAIL: no function matching '$2' ($1)"; fail=1; return; fi
  if echo "$r" | awk -F'\t' "{ exit !($3) }"; then echo "ok: $1"; else
    echo "FAIL: $1: $(echo "$r" | cut -f1-5 | tr '\t' ' ') does not satisfy $3"; fail=1; fi
}
check "matrix-product micro-kernel is f32x4" "panel_gemm<float>|gebp_kernel<float" '$4 >= 16 && $5 >= 16 && $2 > $3'
check "convolution is f32x4" "conv<float>" '$2 >= 8'
# conv_depthwise<float> is a function of its own when conv() splits its channels over tasks;
# else it is inlined into conv<float>, checked above.
if [[ -n $(row "conv_depthwise<float>") ]]; then
  check "depthwise convolution is f32x4" "conv_depthwise<float>" '$2 >= 8'
fi
check "the run function (elementwise, pooling, softmax) is f32x4" "	(simd_run|simd_internal::.*::run_checked\\(.*)$" '$2 >= 8'
exit $fail
