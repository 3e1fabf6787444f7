#!/usr/bin/env bash
# Test wasm/api_<name>: onnx2cpp build --target wasm, then the JavaScript API (api_test.mjs)
# and the TypeScript declarations (tsc --strict on the check.ts that api_test.mjs writes).
#   api_test.sh ONNX2CPP EMXX NODE TSC MODEL DATA_DIR WORK_DIR [deterministic]
# TSC may be empty (not installed): the declarations are then not checked, and it says so.
# With "deterministic", a second build must give byte-identical files.
set -euo pipefail
o2c=$1 emxx=$2 node=$3 tsc=$4 model=$5 data=$6 work=$7 again=${8:-}
name=$(basename "$work")
name=${name#api_}
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work"
mkdir -p "$work"
"$o2c" build "$model" --target wasm -o "$work/embed" --name "$name" --cxx "$emxx"
"$o2c" build "$model" --target wasm -o "$work/file" --name "$name" --cxx "$emxx" --weights file
if [[ $again == deterministic ]]; then  # byte for byte: a second build gives the same files
  "$o2c" build "$model" --target wasm -o "$work/again" --name "$name" --cxx "$emxx" 2>/dev/null
  for f in "$name.js" "$name.d.ts" "$name.emscripten.mjs" "$name.wasm"; do
    cmp "$work/embed/$f" "$work/again/$f" || { echo "FAIL: two builds gave different $f"; exit 1; }
  done
  echo "a second build gave identical files"
fi
"$node" "$here/api_test.mjs" "$data" "$work/embed" "$work/file" "$name"
if [[ -z $tsc ]]; then
  echo "tsc not found (Debian: node-typescript): $name.d.ts NOT type-checked"
  exit 0
fi
for d in embed file; do
  (cd "$work/$d" && "$tsc" --strict --noEmit --target es2020 --module es2022 --moduleResolution node check.ts)
  echo "tsc --strict: $d/$name.d.ts agrees with the module (check.ts)"
done
