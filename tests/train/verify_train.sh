#!/bin/sh
# verify_train.sh ONNX2CPP SRC OUT MODEL OPTIMIZER LOSS CXXFLAGS: the reference run with PyTorch,
# then onnx2cpp verify-train on it.
set -e
o2c=$1 src=$2 out=$3 model=$4 optimizer=$5 loss=$6 flags=$7
if ! /usr/bin/python3 -c "import torch, torchvision" 2>/dev/null; then
  echo "SKIPPED: python3-torch or python3-torchvision is not installed (scripts/setup.sh installs them)"
  exit 77
fi
/usr/bin/python3 "$src/scripts/make_train_data.py" "$out" --model "$model" --optimizer "$optimizer" --loss "$loss"
exec "$o2c" verify-train "$out/model.onnx" --data "$out/train_data" --cxxflags "$flags" --rtol 1e-3 --atol 1e-5
