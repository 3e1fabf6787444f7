#!/bin/sh
# detection_model.sh ONNX2CPP SRC OUT CXXFLAGS: a torchvision detector with NonMaxSuppression
# (scripts/make_detection_model.py: SSDlite, random seeded weights, a low score threshold),
# its detections' count found in the data, verified against PyTorch's on every test set.
set -e
o2c=$1 src=$2 out=$3 flags=$4
if ! /usr/bin/python3 -c "import torch, torchvision, onnx" 2>/dev/null; then
  echo "SKIPPED: python3-torch, python3-torchvision or python3-onnx is not installed (scripts/setup.sh installs them)"
  exit 77
fi
mkdir -p "$out"
# The exporter's warnings go to a log, shown when the script fails (a margin too small).
if ! /usr/bin/python3 "$src/scripts/make_detection_model.py" "$out" 2>"$out/make.log"; then
  tail -5 "$out/make.log"
  exit 1
fi
for set in "$out"/ssdlite/test_data_set_*; do
  "$o2c" verify "$out/ssdlite/model.onnx" --data "$set" --cxxflags "$flags"
done
