#!/usr/bin/env bash
# Builds onnx2cpp and its tests in build/ and runs the whole suite with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
jobs=$(nproc)
# The robustness jobs run inside ctest (README, Tests): fuzz (the front end fuzzed for
# O2C_FUZZ_SECONDS, 120 by default; 0 skips it), sanitize (ASan and UBSan over the shared
# models and a conformance sample that rotates with the date, O2C_SANITIZE_OFFSET), portability.
# A new build folder uses Ninja when it is installed (the conformance batches on 2 cores: 258 s
# with make, 154 s with Ninja); an existing one keeps the generator it has.
generator() { if [ ! -f "$1/CMakeCache.txt" ] && command -v ninja >/dev/null; then echo "-GNinja"; fi; }
# shellcheck disable=SC2046 # generator prints one word or nothing
cmake -S . -B build $(generator build) -DCMAKE_BUILD_TYPE=Release -DO2C_FUZZ_SECONDS="${O2C_FUZZ_SECONDS:-120}" >/dev/null
cmake --build build -j"$jobs"
# The WebAssembly tree (tests named wasm/..., label wasm): generated code built by Emscripten
# with the native onnx2cpp, run under Node. Configured as build/wasm, where the ctest below
# finds it (tests/wasm/CMakeLists.txt); its tests run after the native conformance suite.
if command -v emcmake >/dev/null && command -v node >/dev/null; then
  # shellcheck disable=SC2046
  emcmake cmake -S . -B build/wasm $(generator build/wasm) -DO2C_HOST_ONNX2CPP="$PWD/build/onnx2cpp" >/dev/null
  cmake --build build/wasm -j"$jobs"
else
  echo "test.sh: Emscripten (emcmake) or node not found: the wasm tests are skipped"
  rm -rf build/wasm
fi
cd build
# The conformance counts per suite (full reports: build/conformance/summary.txt, and
# build/wasm/conformance/summary.txt under wasm), then CTest's closing line again so the run
# still ends with it.
rm -f conformance/summary.txt wasm/conformance/summary.txt
set +e
ctest -j"$jobs" --output-on-failure "$@" 2>&1 | tee ctest.log
status=${PIPESTATUS[0]}
set -e
summaries=0
for f in conformance/summary.txt wasm/conformance/summary.txt; do
  if [ -f "$f" ]; then
    sed -n '/^== ONNX backend conformance/,/with --freeze/p' "$f"
    summaries=1
  fi
done
if [ "$summaries" = 1 ]; then
  grep -E '^[0-9]+% tests passed' ctest.log | tail -n 1
fi
exit "$status"
