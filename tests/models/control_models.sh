#!/bin/sh
# control_models.sh ONNX2CPP SRC OUT CXXFLAGS: torch.jit.script models with Loop and If
# (scripts/make_control_models.py: a greedy decoder whose loop stops at EOS, as a list and as a
# growing tensor, and a data-dependent If), each verified on every test set: early stop, all
# steps, either branch.
set -e
o2c=$1 src=$2 out=$3 flags=$4
if ! /usr/bin/python3 -c "import torch, onnx" 2>/dev/null; then
  echo "SKIPPED: python3-torch or python3-onnx is not installed (scripts/setup.sh installs them)"
  exit 77
fi
/usr/bin/python3 "$src/scripts/make_control_models.py" "$out" 2>/dev/null
for model in decoder decoder_cat branchy; do
  for set in "$out/$model"/test_data_set_*; do
    "$o2c" verify "$out/$model/model.onnx" --data "$set" --cxxflags "$flags"
  done
done
