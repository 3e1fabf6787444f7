#!/bin/sh
# dynamic_models.sh ONNX2CPP SRC OUT CXXFLAGS: models exported by PyTorch with dims given at run
# time (scripts/make_dynamic_models.py: a Transformer encoder, batch and seq dynamic), each
# compiled for its ranges and verified on every test set, one size per set.
set -e
o2c=$1 src=$2 out=$3 flags=$4
if ! /usr/bin/python3 -c "import torch, onnx" 2>/dev/null; then
  echo "SKIPPED: python3-torch or python3-onnx is not installed (scripts/setup.sh installs them)"
  exit 77
fi
/usr/bin/python3 "$src/scripts/make_dynamic_models.py" "$out" 2>/dev/null
for set in "$out"/encoder/test_data_set_*; do
  "$o2c" verify "$out/encoder/model.onnx" --dim batch=1..4 --dim seq=1..32 --data "$set" --cxxflags "$flags"
done
