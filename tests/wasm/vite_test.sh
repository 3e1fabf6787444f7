#!/usr/bin/env bash
# Test wasm/vite_<name>: the module of `onnx2cpp build --target wasm` in an app bundled by Vite
# with no configuration (vite_app/: index.html, main.ts, worker.ts), checked three ways:
#   - tsc --strict --noEmit on the app's .ts files against the generated .d.ts (types.ts holds
#     @ts-expect-error lines that fail if the declarations were loose);
#   - `vite build` of the app (npm package vite from WEB_DEPS, scripts/web_deps.sh);
#   - the bundle served on 127.0.0.1 and run in headless Chromium (playwright-core from
#     WEB_DEPS), on the page and in a Web Worker, against the model's test data (vite_test.mjs).
#   vite_test.sh ONNX2CPP EMXX NODE TSC WEB_DEPS CHROMIUM MODEL DATA_DIR WORK_DIR
# The app imports ./model/tiny.js: the model is built with --name tiny and --weights file (two
# files found through import.meta.url). Exits 77 (skipped, with the reason) without the npm
# packages or Chromium; TSC may be empty (not installed): the types are then not checked, and it
# says so.
set -euo pipefail
o2c=$1 emxx=$2 node=$3 tsc=$4 web=$(realpath -m "$5") chromium=$6 model=$7 data=$8 work=$9
here=$(cd "$(dirname "$0")" && pwd)
vite="$web/node_modules/vite/bin/vite.js"
for need in "$vite" "$web/node_modules/playwright-core/package.json"; do
  if [[ ! -f $need ]]; then
    echo "SKIP: $need not found: the npm packages are not installed (scripts/web_deps.sh $web)"
    exit 77
  fi
done
if [[ -z $chromium || ! -x $chromium ]]; then
  echo "SKIP: chromium not found (scripts/setup.sh installs it)"
  exit 77
fi
rm -rf "$work"
mkdir -p "$work/app"
cp "$here"/vite_app/{index.html,main.ts,worker.ts,types.ts,tsconfig.json} "$work/app/"
"$o2c" build "$model" --target wasm -o "$work/app/model" --name tiny --cxx "$emxx" --weights file

if [[ -z $tsc ]]; then
  echo "tsc not found (Debian: node-typescript): the app's .ts files NOT type-checked"
else
  "$tsc" -p "$work/app/tsconfig.json" --strict --noEmit
  echo "tsc --strict --noEmit: main.ts, worker.ts and types.ts agree with model/tiny.d.ts"
fi

# No vite.config: the defaults users get. The build's log goes to the test's output.
(cd "$work/app" && "$node" "$vite" build --logLevel info 2>&1) | tee "$work/vite.log"
if grep -Ei "externalized|warn" "$work/vite.log"; then
  echo "FAIL: vite build warned about the module (above)"
  exit 1
fi
CHROMIUM="$chromium" "$node" "$here/vite_test.mjs" "$web" "$work/app/dist" "$data" tiny
