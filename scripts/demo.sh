#!/usr/bin/env bash
# The main job on the model bundled in the repo: compile models/tiny_cnn/model.onnx to C++,
# build it with a small program, run it on models/tiny_cnn/digit.pgm and check the result
# against PyTorch's output with `onnx2cpp verify`.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target onnx2cpp
out=build/demo
mkdir -p "$out"
echo "== compile: onnx2cpp models/tiny_cnn/model.onnx -o $out/tiny_cnn.cpp"
build/onnx2cpp models/tiny_cnn/model.onnx -o "$out/tiny_cnn.cpp"
echo "== build: c++ -O2 $out/tiny_cnn.cpp generated/tiny_cnn/main.cpp"
c++ -std=c++17 -O2 -Wall -Wextra -Werror -I/usr/include/eigen3 -I"$out" \
    "$out/tiny_cnn.cpp" generated/tiny_cnn/main.cpp -o "$out/tiny_cnn_demo"
echo "== run on models/tiny_cnn/digit.pgm"
"$out/tiny_cnn_demo" models/tiny_cnn/digit.pgm
echo "== verify against PyTorch's output"
build/onnx2cpp verify models/tiny_cnn/model.onnx --data models/tiny_cnn/test_data_set_0
