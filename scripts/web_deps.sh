#!/usr/bin/env bash
# Installs the npm packages of web/package-lock.json (playwright-core, vite, onnxruntime-web,
# onnxruntime-node) into build/web with `npm ci`, once per lock file. Only the npm registry is
# used: playwright downloads no browser (the test drives Debian's /usr/bin/chromium) and
# onnxruntime-node's postinstall (CUDA binaries) is skipped; its CPU binaries ship in the package.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="${1:-$root/build/web}"
mkdir -p "$dest"
if cmp -s "$root/web/package-lock.json" "$dest/.installed-lock" && [ -d "$dest/node_modules" ]; then
  echo "web_deps: $dest up to date"; exit 0
fi
command -v npm >/dev/null || { echo "web_deps: npm not found (scripts/setup.sh installs it)" >&2; exit 1; }
cp "$root/web/package.json" "$root/web/package-lock.json" "$dest/"
cd "$dest"
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 ONNXRUNTIME_NODE_INSTALL=skip \
  npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
cp package-lock.json .installed-lock
echo "web_deps: installed into $dest"
