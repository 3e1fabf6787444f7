#!/usr/bin/env python3
"""Large models for the compile-cost benchmark (deterministic, fixed-seed random weights).

    /usr/bin/python3 bench/make_big.py resnet50|vgg16|mlp [OUT_DIR]   # default: build/bench_models/<name>

resnet50 and vgg16 have torchvision's architectures (written here: no torchvision needed;
25.6M and 138M parameters, 102 MB and 553 MB of ONNX); mlp is a wide generated MLP (4096 -> 8192 x 7 ->
1000, ~500 MB). BN running statistics come from a few seeded training-mode passes, as in
make_resnet18.py. Writes, in the layout of ../shared/models: OUT_DIR/model.onnx (opset 13,
constant folding), info.json (name, params, macs, file size, shapes) and test_data_set_0/
(input_0.pb, output_0.pb: PyTorch eval). Then e.g.:

    python3 scripts/bench.py build/bench_models/resnet50 --compile-only
"""
import os, sys

import torch
import torch.nn as nn
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model_info import export_model_dir, randomize_conv_bn  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED, OPSET = 50, 13


class Bottleneck(nn.Module):
    def __init__(self, cin, width, stride):
        super().__init__()
        cout = width * 4
        self.body = nn.Sequential(
            nn.Conv2d(cin, width, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True),
            nn.Conv2d(width, width, 3, stride, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True),
            nn.Conv2d(width, cout, 1, bias=False), nn.BatchNorm2d(cout))
        self.down = (nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
                     if stride != 1 or cin != cout else nn.Identity())

    def forward(self, x):
        return torch.relu(self.body(x) + self.down(x))


class ResNet50(nn.Module):
    def __init__(self, classes=1000):
        super().__init__()
        layers = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, 1)]
        cin = 64
        for width, blocks, stride in [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]:
            for b in range(blocks):
                layers.append(Bottleneck(cin, width, stride if b == 0 else 1))
                cin = width * 4
        self.features = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.fc = nn.Linear(2048, classes)

    def forward(self, x):
        return self.fc(self.features(x))


class VGG16(nn.Module):
    def __init__(self, classes=1000):
        super().__init__()
        layers, cin = [], 3
        for v in [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]:
            if v == "M":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers += [nn.Conv2d(cin, v, 3, padding=1), nn.ReLU(inplace=True)]
                cin = v
        self.features = nn.Sequential(*layers, nn.Flatten())
        self.classifier = nn.Sequential(nn.Linear(512 * 7 * 7, 4096), nn.ReLU(inplace=True), nn.Linear(4096, 4096),
                                        nn.ReLU(inplace=True), nn.Linear(4096, classes))

    def forward(self, x):
        return self.classifier(self.features(x))


def build(name):
    torch.manual_seed(SEED)
    if name == "mlp":
        dims = [4096] + [8192] * 7 + [1000]
        layers = []
        for a, b in zip(dims, dims[1:]):
            layers += [nn.Linear(a, b), nn.ReLU()]
        return nn.Sequential(*layers[:-1]).eval(), torch.randn(1, 4096)
    model = ResNet50() if name == "resnet50" else VGG16()
    return randomize_conv_bn(model, (4, 3, 224, 224), 2), torch.randn(1, 3, 224, 224)


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else "resnet50"
    out_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "build", "bench_models", name)
    model, x = build(name)
    torch.manual_seed(SEED + 1)
    x = torch.randn(*x.shape)
    y, info = export_model_dir(out_dir, model, x, OPSET, {
        "name": name, "seed": SEED, "params": sum(p.numel() for p in model.parameters())})
    print(f"wrote {out_dir}: {info['params']:,} params, {info['file_size_bytes'] / 1e6:.1f} MB, "
          f"logits std {y.std().item():.3f}")


if __name__ == "__main__":
    main()
