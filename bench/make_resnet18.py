#!/usr/bin/env python3
"""Build a ResNet-18 benchmark model (deterministic, fixed-seed random weights).

    /usr/bin/python3 bench/make_resnet18.py [OUT_DIR]     # default: build/bench_models/resnet18

Needs torch, onnx and numpy (no torchvision: the modules are written here). ImageNet layout:
7x7/2 conv + BN + ReLU + 3x3/2 max pool, 4 stages of 2 BasicBlocks (64/128/256/512 channels,
1x1 conv + BN downsample), global average pool, fc 512 -> 1000; 11.7M parameters (~47 MB).
BN running statistics come from a few seeded training-mode passes on random data, so the
activations stay in a sane range. Writes, in the layout of ../shared/models:

    OUT_DIR/model.onnx                   torch.onnx.export, opset 13, constant folding
    OUT_DIR/info.json                    name, opset, params, macs, macs_per_op (Conv, Gemm), shapes
    OUT_DIR/test_data_set_0/input_0.pb   onnx.TensorProto "input",  float32 [1,3,224,224]
    OUT_DIR/test_data_set_0/output_0.pb  onnx.TensorProto "logits", float32 [1,1000] (PyTorch eval)

Then e.g.: python3 scripts/bench.py ../shared/models build/bench_models
"""
import json, os, sys

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import numpy_helper
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model_info import macs_per_op  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED, OPSET = 18, 13


def conv_bn(cin, cout, k, stride):
    return [nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), nn.BatchNorm2d(cout)]


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.body = nn.Sequential(*conv_bn(cin, cout, 3, stride), nn.ReLU(inplace=True), *conv_bn(cout, cout, 3, 1))
        self.down = nn.Sequential(*conv_bn(cin, cout, 1, stride)) if stride != 1 or cin != cout else nn.Identity()

    def forward(self, x):
        return torch.relu(self.body(x) + self.down(x))


class ResNet18(nn.Module):
    def __init__(self, classes=1000):
        super().__init__()
        layers = [*conv_bn(3, 64, 7, 2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, 1)]
        cin = 64
        for cout, stride in [(64, 1), (128, 2), (256, 2), (512, 2)]:
            layers += [BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)]
            cin = cout
        self.features = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.fc = nn.Linear(512, classes)

    def forward(self, x):
        return self.fc(self.features(x))


def build():
    torch.manual_seed(SEED)
    model = ResNet18()
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
    with torch.no_grad():
        for bn in bns:  # non-trivial affine parameters, so folding BN is actually exercised
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.2, 0.2)
            bn.reset_running_stats()
            bn.momentum = None  # cumulative average over the calibration passes
        model.train()
        for _ in range(3):
            model(torch.randn(8, 3, 224, 224))
    for bn in bns:
        bn.momentum = 0.1
    return model.eval()



def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "bench_models", "resnet18")
    data_dir = os.path.join(out_dir, "test_data_set_0")
    os.makedirs(data_dir, exist_ok=True)
    model = build()
    torch.manual_seed(SEED + 1)
    x = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        y = model(x)
    path = os.path.join(out_dir, "model.onnx")
    torch.onnx.export(model, x, path, opset_version=OPSET, do_constant_folding=True,
                      input_names=["input"], output_names=["logits"])
    m = onnx.load(path)
    onnx.checker.check_model(m)
    per_op = macs_per_op(m)
    ops = {}
    for n in m.graph.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    info = {
        "name": "resnet18", "family": "resnet18", "seed": SEED, "opset": OPSET,
        "params": sum(p.numel() for p in model.parameters()),
        "file_size_bytes": os.path.getsize(path), "nodes": len(m.graph.node), "ops": dict(sorted(ops.items())),
        "macs": sum(per_op.values()), "macs_per_op": per_op,
        "macs_note": "Conv/Gemm only, at the test_data_set_0 input shapes",
        "inputs": [{"name": "input", "dtype": "float", "shape": list(x.shape)}],
        "outputs": [{"name": "logits", "dtype": "float", "shape": list(y.shape)}],
        "torch_version": torch.__version__, "onnx_version": onnx.__version__,
    }
    with open(os.path.join(out_dir, "info.json"), "w") as f:
        json.dump(info, f, indent=2)
        f.write("\n")
    for name, t, fn in [("input", x, "input_0.pb"), ("logits", y, "output_0.pb")]:
        with open(os.path.join(data_dir, fn), "wb") as f:
            f.write(numpy_helper.from_array(t.numpy(), name).SerializeToString())
    print(f"wrote {out_dir}: {info['params']:,} params, {info['macs'] / 1e9:.3f} GMACs, "
          f"{info['file_size_bytes'] / 1e6:.1f} MB, logits std {y.std().item():.3f}")


if __name__ == "__main__":
    main()
