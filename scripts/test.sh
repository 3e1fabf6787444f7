#!/usr/bin/env bash
# Builds onnx2cpp and its tests in build/ and runs the whole suite with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
jobs=$(nproc)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs"
cd build
ctest -j"$jobs" --output-on-failure "$@"
