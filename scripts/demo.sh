#!/usr/bin/env bash
# The main job on the model bundled in the repo: compile models/digits/model.onnx (a small CNN
# trained on scikit-learn's 8x8 digits by scripts/train_digits.py) to C++, build it with a small
# program, say which digit models/digits/digit.pgm shows, measure the compiled code's accuracy
# on the held-out digits next to PyTorch's, and check its outputs against PyTorch's with
# `onnx2cpp verify`.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target onnx2cpp
out=build/demo
mkdir -p "$out"
m=models/digits
echo "== compile: onnx2cpp $m/model.onnx --dim batch=1 -o $out/digits.cpp"
build/onnx2cpp info "$m/model.onnx" --dim batch=1 | sed -n 's/^\(parameters\|MACs\).*/   &/p'
build/onnx2cpp "$m/model.onnx" --dim batch=1 -o "$out/digits.cpp"
echo "== build: c++ -O2 $out/digits.cpp $m/demo.cpp"
c++ -std=c++17 -O2 -Wall -Wextra -Werror -I/usr/include/eigen3 -I"$out" \
    "$out/digits.cpp" "$m/demo.cpp" -o "$out/digits_demo"
echo "== run on $m/digit.pgm and the held-out digits"
pytorch=$(sed -n 's/.*"heldout_accuracy": \([0-9.]*\).*/\1/p' "$m/info.json")
"$out/digits_demo" "$m/digit.pgm" "$m/heldout.u8" "$pytorch"
echo "== verify against PyTorch's probabilities on the held-out digits"
build/onnx2cpp verify "$m/model.onnx" --data "$m/test_data_set_0"
