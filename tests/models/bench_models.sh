#!/bin/sh
# bench_models.sh ONNX2CPP SRC OUT CXXFLAGS: one model of the benchmark set
# (scripts/make_bench_models.py --only mobilenet_v3_small: torchvision's, opset 13, so its
# HardSwish is spelled HardSigmoid and Mul, and squeeze-excitation blocks), exported and
# verified against PyTorch's output. The whole set is benchmarked, not tested (scripts/bench.py).
set -e
o2c=$1 src=$2 out=$3 flags=$4
if ! /usr/bin/python3 -c "import torch, torchvision, onnx" 2>/dev/null; then
  echo "SKIPPED: python3-torch, python3-torchvision or python3-onnx is not installed (scripts/setup.sh installs them)"
  exit 77
fi
/usr/bin/python3 "$src/scripts/make_bench_models.py" "$out" --only mobilenet_v3_small 2>/dev/null
"$o2c" verify "$out/mobilenet_v3_small/model.onnx" --data "$out/mobilenet_v3_small/test_data_set_0" --cxxflags "$flags"
