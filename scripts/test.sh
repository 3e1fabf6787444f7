#!/usr/bin/env bash
# Builds onnx2cpp and its tests in build/ and runs the whole suite with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
jobs=$(nproc)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs"
cd build
# The conformance counts per suite (full report: build/conformance/summary.txt), then
# CTest's closing line again so the run still ends with it.
rm -f conformance/summary.txt
set +e
ctest -j"$jobs" --output-on-failure "$@" 2>&1 | tee ctest.log
status=${PIPESTATUS[0]}
set -e
if [ -f conformance/summary.txt ]; then
  sed -n '/^== ONNX backend conformance/,/with --freeze/p' conformance/summary.txt
  grep -E '^[0-9]+% tests passed' ctest.log | tail -n 1
fi
exit "$status"
