#!/usr/bin/env bash
# Installs the build and test dependencies from Debian's packages (as root or with sudo).
set -euo pipefail
pkgs=(build-essential cmake ninja-build ccache libonnx-dev libprotobuf-dev protobuf-compiler libeigen3-dev
      libcli11-dev catch2 python3
      python3-onnx  # tests/models/to_half.py: the shared models in float16
      python3-torch python3-torchvision  # tests/train: PyTorch's training runs, the reference of verify-train
      python3-sklearn python3-skimage  # the demos' data: digits (scripts/train_digits.py, web/train/make_digits.py), photos (scripts/train_image.py)
      chromium  # the web demo's browser test (tests/web)
      emscripten nodejs npm wabt node-typescript  # build --target wasm and the wasm tests
      clang libclang-rt-14-dev  # the fuzzer (scripts/fuzz.sh, label fuzz) and the clang rows of tests/portability
      g++-aarch64-linux-gnu qemu-user)  # tests/portability: the generated code cross-built for aarch64, run under qemu
missing=()
for p in "${pkgs[@]}"; do
  # NodeSource's nodejs ships npm and conflicts with Debian's npm package: a working npm is enough.
  [ "$p" = npm ] && command -v npm >/dev/null && continue
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "setup: dependencies present"
