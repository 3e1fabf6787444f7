#!/usr/bin/env python3
"""Generate the bundled sample model models/tiny_cnn/ (deterministic).

Regenerate with (from the repo root):
    /usr/bin/python3 models/make_tiny_cnn.py

Requires Debian packages: python3-torch python3-onnx python3-numpy.

Outputs (in models/tiny_cnn/):
    model.onnx                     opset-13 ONNX export of a small MNIST-shaped CNN
    digit.pgm                      the synthetic 28x28 "7" input image (binary P5)
    test_data_set_0/input_0.pb     onnx.TensorProto "image", float32 [1,1,28,28]
    test_data_set_0/output_0.pb    onnx.TensorProto "probs", float32 [1,10] (PyTorch eval output)
    info.json                      metadata (ops, shapes, params, versions)
"""
import collections
import json
import os

import numpy as np
import torch
import torch.nn as nn
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "tiny_cnn")
OPSET = 13
REGEN_CMD = "/usr/bin/python3 models/make_tiny_cnn.py"


class TinyCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1),                 # 28x28
            nn.BatchNorm2d(8),
            nn.ReLU(),
            nn.MaxPool2d(2),                               # 14x14
            nn.Conv2d(8, 16, 3, stride=1, padding=1, groups=1),
            nn.BatchNorm2d(16),
            nn.ReLU(),
            nn.AvgPool2d(2),                               # 7x7
            nn.Conv2d(16, 16, 3, padding=1, groups=16),    # depthwise
            nn.ReLU6(),
            nn.AdaptiveAvgPool2d(1),                       # 1x1
            nn.Flatten(),
        )
        self.fc = nn.Linear(16, 10)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x):
        return self.softmax(self.fc(self.features(x)))


def make_digit():
    """Deterministic 28x28 '7'-like stroke, float32 in [0, 1]."""
    img = np.zeros((28, 28), dtype=np.float32)
    ys, xs = np.mgrid[0:28, 0:28].astype(np.float32)

    def stroke(x0, y0, x1, y1, width=1.6):
        # distance from each pixel centre to segment (x0,y0)-(x1,y1)
        dx, dy = x1 - x0, y1 - y0
        t = ((xs - x0) * dx + (ys - y0) * dy) / (dx * dx + dy * dy)
        t = np.clip(t, 0.0, 1.0)
        d = np.hypot(xs - (x0 + t * dx), ys - (y0 + t * dy))
        return np.clip(1.0 - (d - width) / 1.2, 0.0, 1.0)

    img = np.maximum(img, stroke(6, 6, 21, 6))     # top bar
    img = np.maximum(img, stroke(21, 6, 11, 23))   # diagonal
    img = np.maximum(img, stroke(10, 14, 17, 14, width=1.0))  # crossbar
    # quantize to 8 bits so the .pgm and the tensor hold exactly the same values
    q = np.round(img * 255.0).astype(np.uint8)
    return q, (q.astype(np.float32) / np.float32(255.0))


def write_pgm(path, q):
    with open(path, "wb") as f:
        f.write(b"P5\n28 28\n255\n")
        f.write(q.tobytes())


def main():
    torch.manual_seed(0)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    os.makedirs(os.path.join(OUT, "test_data_set_0"), exist_ok=True)

    model = TinyCNN()
    # A few train-mode passes so BatchNorm running stats are non-trivial.
    model.train()
    with torch.no_grad():
        for _ in range(4):
            model(torch.rand(8, 1, 28, 28) * 2.0 + 0.25)
    model.eval()

    q, digit = make_digit()
    write_pgm(os.path.join(OUT, "digit.pgm"), q)
    x = torch.from_numpy(digit.reshape(1, 1, 28, 28).copy())

    with torch.no_grad():
        probs = model(x).numpy().astype(np.float32)

    onnx_path = os.path.join(OUT, "model.onnx")
    torch.onnx.export(
        model, x, onnx_path,
        export_params=True,
        opset_version=OPSET,
        do_constant_folding=True,
        input_names=["image"],
        output_names=["probs"],
        training=torch.onnx.TrainingMode.EVAL,
    )

    with open(os.path.join(OUT, "test_data_set_0", "input_0.pb"), "wb") as f:
        f.write(numpy_helper.from_array(x.numpy(), name="image").SerializeToString())
    with open(os.path.join(OUT, "test_data_set_0", "output_0.pb"), "wb") as f:
        f.write(numpy_helper.from_array(probs, name="probs").SerializeToString())

    m = onnx.load(onnx_path)
    onnx.checker.check_model(m)
    ops = collections.Counter(n.op_type for n in m.graph.node)
    init_names = {i.name for i in m.graph.initializer}

    def shape_of(vi):
        return [d.dim_value if d.HasField("dim_value") else d.dim_param
                for d in vi.type.tensor_type.shape.dim]

    info = {
        "name": "tiny_cnn",
        "description": "Small MNIST-shaped CNN (random weights, seed 0) exported from PyTorch; "
                       "test_data_set_0 holds a synthetic '7' digit and PyTorch eval-mode output.",
        "opset": OPSET,
        "ir_version": m.ir_version,
        "params_count_torch": int(sum(p.numel() for p in model.parameters())),
        "params_count_onnx_initializers": int(sum(int(np.prod(i.dims)) for i in m.graph.initializer)),
        "op_types": dict(sorted(ops.items())),
        "node_count": len(m.graph.node),
        "inputs": [{"name": i.name, "shape": shape_of(i), "dtype": "float32"}
                   for i in m.graph.input if i.name not in init_names],
        "outputs": [{"name": o.name, "shape": shape_of(o), "dtype": "float32"}
                    for o in m.graph.output],
        "reference_argmax": int(probs.argmax()),
        "torch_version": torch.__version__,
        "onnx_version": onnx.__version__,
        "numpy_version": np.__version__,
        "regenerate": REGEN_CMD,
    }
    with open(os.path.join(OUT, "info.json"), "w") as f:
        json.dump(info, f, indent=2)
        f.write("\n")

    print("ops:", [n.op_type for n in m.graph.node])
    print("probs:", np.array2string(probs, precision=5))


if __name__ == "__main__":
    main()
