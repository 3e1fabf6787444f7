#!/bin/sh
# verify_train.sh ONNX2CPP SRC OUT MODEL OPTIMIZER LOSS CXXFLAGS [DATA_FLAGS [CHECK_FLAGS]]: the
# reference run with PyTorch (make_train_data.py, plus DATA_FLAGS such as "--seed 9 --steps 1"),
# then onnx2cpp verify-train on it (CHECK_FLAGS: the tolerances, default --rtol 1e-3 --atol 1e-5).
set -e
o2c=$1 src=$2 out=$3 model=$4 optimizer=$5 loss=$6 flags=$7 data_flags=${8:-} check_flags=${9:---rtol 1e-3 --atol 1e-5}
if ! /usr/bin/python3 -c "import torch, torchvision" 2>/dev/null; then
  echo "SKIPPED: python3-torch or python3-torchvision is not installed (scripts/setup.sh installs them)"
  exit 77
fi
# shellcheck disable=SC2086 # the flags are word lists
/usr/bin/python3 "$src/scripts/make_train_data.py" "$out" --model "$model" --optimizer "$optimizer" --loss "$loss" $data_flags
# shellcheck disable=SC2086
exec "$o2c" verify-train "$out/model.onnx" --data "$out/train_data" --cxxflags "$flags" $check_flags
