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
import os, sys

import torch
import torch.nn as nn
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model_info import export_model_dir, randomize_conv_bn  # noqa: E402

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
    return randomize_conv_bn(ResNet18(), (8, 3, 224, 224), 3)


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "bench_models", "resnet18")
    model = build()
    torch.manual_seed(SEED + 1)
    x = torch.randn(1, 3, 224, 224)
    y, info = export_model_dir(out_dir, model, x, OPSET, {
        "name": "resnet18", "family": "resnet18", "seed": SEED,
        "params": sum(p.numel() for p in model.parameters())})
    print(f"wrote {out_dir}: {info['params']:,} params, {info['macs'] / 1e9:.3f} GMACs, "
          f"{info['file_size_bytes'] / 1e6:.1f} MB, logits std {y.std().item():.3f}")


if __name__ == "__main__":
    main()
