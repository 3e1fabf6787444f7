#!/usr/bin/env bash
# Builds the web demo into BUILD/demo, ready for any static server:
#   scripts/build_demo.sh [BUILD]            (default: build; needs BUILD/onnx2cpp and emcc)
#   python3 -m http.server -d build/demo     then open http://127.0.0.1:8000/
# Compiles ../shared/models/fast_neural_style (--weights file: the page fetches
# style.weights.bin separately) and ../shared/models/mobilenet_v2 (--weights embed) with
# `onnx2cpp build --target wasm`, copies web/demo/ and writes models.json for the page.
# When ../shared/models is absent it says so, records the reason in models.json (the browser
# test then skips) and exits 0.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
shared="${O2C_SHARED_DIR:-$root/../shared}/models"
out="$build/demo"
o2c="$build/onnx2cpp"
[ -x "$o2c" ] || { echo "build_demo: $o2c not found: build onnx2cpp first" >&2; exit 1; }
mkdir -p "$out/models"

for m in fast_neural_style mobilenet_v2; do
  if [ ! -f "$shared/$m/model.onnx" ]; then
    echo "build_demo: SKIP: $shared/$m/model.onnx absent (the demo uses the shared models)"
    printf '{"skipped": "%s absent"}\n' "$shared/$m/model.onnx" > "$out/models.json"
    exit 0
  fi
done

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
# The digit classifier trained by scripts/train_digits.py, one digit a run.
compile "$root/models/digits/model.onnx" digits embed --dim batch=1
compile "$shared/fast_neural_style/model.onnx" style file
compile "$shared/mobilenet_v2/model.onnx" classifier embed

cp "$root"/web/demo/{index.html,demo.css,demo.js,preprocess.js,landscape.png,shapes.png} "$out/"
cp "$root/models/digits/heldout.u8" "$out/"
size() { stat -c %s "$1" 2>/dev/null || echo 0; }
cat > "$out/models.json" <<JSON
{
  "digits": {"model": "digits", "module": "models/digits/digits.js", "weights": "embed", "heldout": "heldout.u8",
             "wasm_bytes": $(size "$out/models/digits/digits.wasm")},
  "style": {"model": "fast_neural_style",
            "module": "models/style/style.js", "weights": "file", "image": "landscape.png",
            "wasm_bytes": $(size "$out/models/style/style.wasm"),
            "weights_bytes": $(size "$out/models/style/style.weights.bin")},
  "classifier": {"model": "mobilenet_v2",
                 "module": "models/classifier/classifier.js", "weights": "embed", "image": "shapes.png",
                 "wasm_bytes": $(size "$out/models/classifier/classifier.wasm")}
}
JSON
echo "build_demo: $out ready (serve it with any static server, e.g. python3 -m http.server -d $out)"
