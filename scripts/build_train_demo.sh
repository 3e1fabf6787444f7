#!/usr/bin/env bash
# Builds the training demo into BUILD/train_demo, ready for any static server:
#   scripts/build_train_demo.sh [BUILD]      (default: build; needs BUILD/onnx2cpp, em++,
#                                             python3-torch and python3-sklearn)
#   python3 -m http.server -d build/train_demo    then open http://127.0.0.1:8000/
# web/train/make_digits.py writes scikit-learn's digits (digits.json) and the untrained
# classifier (model.onnx); `onnx2cpp train --target wasm` compiles its training step (Adam,
# cross entropy) into model/digits.js; the page (web/train/) is copied beside them.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
out="$build/train_demo"
o2c="$build/onnx2cpp"
[ -x "$o2c" ] || { echo "build_train_demo: $o2c not found: build onnx2cpp first" >&2; exit 1; }
mkdir -p "$out"
/usr/bin/python3 "$root/web/train/make_digits.py" "$out"
"$o2c" train "$out/model.onnx" --output logits --loss cross_entropy --optimizer adam --target wasm --name digits \
  -o "$out/model"
cp "$root"/web/train/{index.html,train.css,train.js} "$out/"
echo "build_train_demo: $out"
