#!/usr/bin/env bash
# Builds the web demo into BUILD/demo, ready for any static server:
#   scripts/build_demo.sh [BUILD]            (default: build; needs BUILD/onnx2cpp and emcc)
#   python3 -m http.server -d build/demo     then open http://127.0.0.1:8000/
# Compiles the two models trained in this repo with `onnx2cpp build --target wasm`:
# models/digits (scripts/train_digits.py, --weights embed) and models/denoise
# (scripts/train_image.py, --weights file: the page fetches denoise.weights.bin separately, at
# the size of its photo), copies web/demo/ and the models' data and writes models.json for the page.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
out="$build/demo"
o2c="$build/onnx2cpp"
[ -x "$o2c" ] || { echo "build_demo: $o2c not found: build onnx2cpp first" >&2; exit 1; }
mkdir -p "$out/models"

# compile SRC_MODEL NAME WEIGHTS [FLAGS...]: rebuilt only when the model or onnx2cpp is newer.
compile() {
  local dir="$out/models/$2"
  if [ -f "$dir/$2.wasm" ] && [ "$dir/$2.wasm" -nt "$1" ] && [ "$dir/$2.wasm" -nt "$o2c" ]; then
    echo "build_demo: $2 up to date"; return
  fi
  rm -rf "$dir"
  echo "build_demo: onnx2cpp build $1 --target wasm --name $2 --weights $3 ${*:4}"
  "$o2c" build "$1" --target wasm --name "$2" --weights "$3" "${@:4}" -o "$dir"
}
# The digit classifier, one digit a run.
compile "$root/models/digits/model.onnx" digits embed --dim batch=1
# The denoiser at the size of photo.png (256x256).
compile "$root/models/denoise/model.onnx" denoise file --dim height=256 --dim width=256

rm -rf "$out/models/style" "$out/models/classifier"  # the panels of earlier versions
cp "$root"/web/demo/{index.html,demo.css,demo.js,preprocess.js} "$out/"
cp "$root/models/digits/heldout.u8" "$out/"
cp "$root/models/denoise/photo.png" "$out/"
size() { stat -c %s "$1" 2>/dev/null || echo 0; }
sigma=$(node -p "require('$root/models/denoise/info.json').sigma")  # the noise it was trained on
cat > "$out/models.json" <<JSON
{
  "digits": {"model": "digits", "module": "models/digits/digits.js", "weights": "embed", "heldout": "heldout.u8",
             "wasm_bytes": $(size "$out/models/digits/digits.wasm")},
  "denoise": {"model": "denoise", "module": "models/denoise/denoise.js", "weights": "file",
              "image": "photo.png", "sigma": $sigma, "seed": 1,
              "wasm_bytes": $(size "$out/models/denoise/denoise.wasm"),
              "weights_bytes": $(size "$out/models/denoise/denoise.weights.bin")}
}
JSON
echo "build_demo: $out ready (serve it with any static server, e.g. python3 -m http.server -d $out)"
