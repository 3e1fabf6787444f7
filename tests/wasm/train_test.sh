#!/usr/bin/env bash
# Test wasm/train_<model>: PyTorch's reference run (scripts/make_train_data.py), the training
# module (onnx2cpp train --target wasm), train_test.mjs on it, and export-onnx on the params it
# saved.   train_test.sh ONNX2CPP EMXX NODE SRC WORK MODEL OPTIMIZER [LOSS]
set -euo pipefail
o2c=$1 emxx=$2 node=$3 src=$4 work=$5 model=$6 optimizer=$7 loss=${8:-cross_entropy}
if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
  echo "SKIPPED: python3-torch is not installed (scripts/setup.sh installs it)"
  exit 77
fi
rm -rf "$work"
/usr/bin/python3 "$src/scripts/make_train_data.py" "$work/ref" --model "$model" --optimizer "$optimizer" --loss "$loss"
flags=$(/usr/bin/python3 - "$work/ref/train_data/train.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
o = s["optimizer"]
f = ["--output", s["output"], "--loss", s["loss"], "--optimizer", o["type"]]
for k in ("momentum", "dampening", "weight_decay", "eps"):
    if k in o:
        f += ["--" + k.replace("_", "-"), repr(o[k])]
if o.get("nesterov"):
    f.append("--nesterov")
if "betas" in o:
    f += ["--beta1", repr(o["betas"][0]), "--beta2", repr(o["betas"][1])]
for p in s["trainable"]:
    f += ["--param", p]
print(" ".join(f))
PY
)
# shellcheck disable=SC2086
"$o2c" train "$work/ref/model.onnx" $flags --target wasm -o "$work/module" --name net --cxx "$emxx"
"$node" "$src/tests/wasm/train_test.mjs" "$work/module" net "$work/ref/train_data"
# shellcheck disable=SC2086
"$o2c" export-onnx "$work/ref/model.onnx" $flags --params "$work/module/trained.bin" -o "$work/trained.onnx"
echo "export-onnx read the params the module saved: $work/trained.onnx"
if ! command -v tsc >/dev/null; then
  echo "tsc not found (Debian: node-typescript): net.d.ts NOT type-checked"
  exit 0
fi
cat > "$work/module/check.ts" <<'TS'
import createModel, { Inputs, Outputs, Targets, TrainModel } from "./net.js";
export async function check(inputs: Inputs, targets: Targets): Promise<Outputs> {
  const m: TrainModel = await createModel({ locateFile: (f: string) => f });
  const loss: number = m.trainStep(inputs, targets, 0.1);
  const saved: Uint8Array = m.getParams();
  m.setParams(saved.buffer);
  return loss > 0 ? m.run(inputs) : m.run(inputs);
}
TS
(cd "$work/module" && tsc --strict --noEmit --target es2020 --module es2022 --moduleResolution node check.ts)
echo "tsc --strict: net.d.ts agrees with its use (check.ts)"
