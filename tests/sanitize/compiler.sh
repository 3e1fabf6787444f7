#!/bin/sh
# The sanitize/compiler test: onnx2cpp built with ASan and UBSan (the fuzz tree's, fuzz_build)
# compiles every model of the lists given (lines "name model [onnx2cpp options]": the shared
# and bundled models, sanitize/models.txt, and the conformance sample, sanitize/sample.txt),
# all of which compile; a sanitizer report, a crash or a refusal fails the test.
# usage: compiler.sh ONNX2CPP WORK LIST...
set -u
o2c=$1 work=$2
shift 2
if [ ! -x "$o2c" ]; then
  echo "sanitize/compiler: SKIPPED ($o2c not built: fuzz_build needs clang and libclang-rt-14-dev)"
  exit 77
fi
rm -rf "$work"
mkdir -p "$work"
pass=0 fail=0
t0=$(date +%s)
for list in "$@"; do
  while read -r name model opts; do
    case "$name" in ''|'#'*) continue ;; esac
    if "$o2c" "$model" -o "$work/m.cpp" --name m $opts >"$work/log" 2>&1 </dev/null; then
      pass=$((pass + 1))
    else
      echo "FAIL $name:"
      tail -n 40 "$work/log"
      fail=$((fail + 1))
    fi
  done <"$list"
done
echo "sanitize/compiler: $pass models compiled by onnx2cpp under ASan and UBSan, $fail failed ($(($(date +%s) - t0)) s)"
[ "$fail" = 0 ]
