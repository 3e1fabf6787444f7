#!/usr/bin/env python3
"""A statically quantized CIFAR ResNet-20 and its float twin, for the benchmark.

    /usr/bin/python3 scripts/export_quantized.py [OUT_DIR]    # default: build/bench_models

Needs torch (1.13), onnx and numpy. The network is the shape of ../shared/models/cifar_resnet20
(3x3 conv 16 + BN + ReLU, 3 stages of 3 BasicBlocks with 16/32/64 channels, 1x1 conv + BN
shortcuts where the shape changes, global average pool, fc 64 -> 10) with fixed-seed random
weights and BN statistics from seeded training passes. Post-training static quantization in
eager mode: conv+BN(+ReLU) fused, fbgemm qconfig (uint8 activations per tensor, int8 weights
per output channel), calibrated on one fixed random batch, converted, exported by
torch.onnx.export at opset 13 (QuantizeLinear/DequantizeLinear around float Conv, Add, Relu,
Gemm: the QDQ form; weights int8 constants). Writes, in the layout of ../shared/models:

    OUT_DIR/cifar_resnet20_int8/    the quantized model, its input and PyTorch's (quantized) output
    OUT_DIR/cifar_resnet20_fp32/    the same network before quantization (BN folded into the convs)

each with model.onnx, info.json (macs, macs_per_op) and test_data_set_0/input_0.pb, output_0.pb.
The quantized model's PyTorch output is itself quantized (fc output scale s_out). PyTorch's
qnnpack rounds its requantizations differently from the ONNX spec, so a spec-exact runtime
lands a few output steps away: onnx2cpp and onnxruntime both differ from PyTorch by 4 steps on
this model. Compare with atol of 5 output steps (printed: `atol`).
"""
import os, sys

import torch
import torch.nn as nn
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench"))
from model_info import export_model_dir, randomize_conv_bn  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED, OPSET = 20, 13
ENGINE = "qnnpack"  # Debian's torch 1.13 has qnnpack and onednn, not fbgemm


def conv_bn(cin, cout, k, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), nn.BatchNorm2d(cout))


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1, self.r1 = conv_bn(cin, cout, 3, stride), nn.ReLU()
        self.c2 = conv_bn(cout, cout, 3, 1)
        self.down = conv_bn(cin, cout, 1, stride) if stride != 1 or cin != cout else None
        self.add = nn.quantized.FloatFunctional()  # add + relu, quantizable

    def forward(self, x):
        s = self.down(x) if self.down is not None else x
        return self.add.add_relu(self.c2(self.r1(self.c1(x))), s)

    def fuse(self):
        torch.quantization.fuse_modules(self, [["c1.0", "c1.1", "r1"], ["c2.0", "c2.1"]], inplace=True)
        if self.down is not None:
            torch.quantization.fuse_modules(self, [["down.0", "down.1"]], inplace=True)


class ResNet20(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.quant, self.dequant = torch.quantization.QuantStub(), torch.quantization.DeQuantStub()
        self.stem, self.relu = conv_bn(3, 16, 3, 1), nn.ReLU()
        blocks, cin = [], 16
        for cout, stride in [(16, 1), (32, 2), (64, 2)]:
            for i in range(3):
                blocks.append(Block(cin, cout, stride if i == 0 else 1))
                cin = cout
        self.blocks = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = self.relu(self.stem(self.quant(x)))
        x = self.pool(self.blocks(x))
        return self.dequant(self.fc(torch.flatten(x, 1)))

    def fuse(self):
        torch.quantization.fuse_modules(self, [["stem.0", "stem.1", "relu"]], inplace=True)
        for b in self.blocks:
            b.fuse()


def build():
    torch.manual_seed(SEED)
    return randomize_conv_bn(ResNet20(), (16, 3, 32, 32), 3)


def write(out_dir, name, model, x, note):
    y, info = export_model_dir(os.path.join(out_dir, name), model, x, OPSET, {
        "name": name, "family": "cifar_resnet20", "seed": SEED, "notes": [note]})
    print(f"wrote {os.path.join(out_dir, name)}: {info['macs'] / 1e6:.1f}M MACs, ops {info['ops']}")
    return y


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "bench_models")
    torch.backends.quantized.engine = ENGINE
    model = build()
    model.fuse()  # conv+BN(+ReLU) fused: the float twin is what the quantized model computes, unrounded
    torch.manual_seed(SEED + 1)
    x = torch.randn(1, 3, 32, 32)
    write(out_dir, "cifar_resnet20_fp32", model, x, "float twin of cifar_resnet20_int8 (BN folded)")

    model.qconfig = torch.quantization.get_default_qconfig(ENGINE)
    prepared = torch.quantization.prepare(model)
    torch.manual_seed(SEED + 2)
    with torch.no_grad():
        prepared(torch.randn(32, 3, 32, 32))  # calibration: one fixed random batch
    qmodel = torch.quantization.convert(prepared)
    write(out_dir, "cifar_resnet20_int8", qmodel, x,
          "qnnpack static post-training quantization, QDQ export; PyTorch's output is quantized")
    step = qmodel.fc.scale
    print(f"output quantization step {step:.6g}: atol {5 * step:.6g} (five steps)")


if __name__ == "__main__":
    main()
