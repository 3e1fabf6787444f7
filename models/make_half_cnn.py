#!/usr/bin/env python3
"""Generate models/half_cnn/: a small CNN in half precision (deterministic).

Regenerate with (from the repo root):
    /usr/bin/python3 models/make_half_cnn.py

Requires Debian packages: python3-torch python3-onnx python3-numpy.

The network (Conv, Relu, MaxPool, Conv, Relu, global average pooling, Flatten, Gemm) is
exported from PyTorch, then its weights, input and output are made float16: the ONNX file
holds float16 initializers and a float16 input and output, as an export of model.half()
would. (PyTorch 1.13, Debian's, cannot run half-precision convolutions on the CPU, which
tracing needs; the graph's structure is the float export's, unchanged.)

The reference output is PyTorch's forward pass in float32 on the float16 weights and
input, with the output of every layer rounded to float16: a float16 network computed in
float and stored in 16 bits after each op, which is what the ONNX spec asks of a float16
graph and what onnx2cpp computes.

Outputs (in models/half_cnn/):
    model.onnx                     opset-13 ONNX model, float16 weights, input and output
    test_data_set_0/input_0.pb     "image", float16 [1, 3, 16, 16]
    test_data_set_0/output_0.pb    "logits", float16 [1, 10]
"""
import os

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "half_cnn")


class HalfCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # 8x8
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
            nn.Linear(16, 10))

    def forward(self, x):
        return self.layers(x)


def main():
    torch.manual_seed(7)
    model = HalfCNN().eval()
    with torch.no_grad():  # round the weights to float16 once: both sides use these
        for p in model.parameters():
            p.copy_(p.half().float())
    x = (torch.rand(1, 3, 16, 16) * 2 - 1).half().float()

    # Reference: float32 arithmetic, every layer's output rounded to float16.
    with torch.no_grad():
        y = x
        for layer in model.layers:
            y = layer(y).half().float()

    os.makedirs(os.path.join(OUT, "test_data_set_0"), exist_ok=True)
    path = os.path.join(OUT, "model.onnx")
    torch.onnx.export(model, x, path, input_names=["image"], output_names=["logits"], opset_version=13,
                      do_constant_folding=True)
    m = onnx.load(path)
    for init in m.graph.initializer:
        if init.data_type == onnx.TensorProto.FLOAT:
            init.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float16), init.name))
    for vi in list(m.graph.input) + list(m.graph.output):
        vi.type.tensor_type.elem_type = onnx.TensorProto.FLOAT16
    del m.graph.value_info[:]
    m.producer_name = "pytorch (weights, input and output converted to float16 by models/make_half_cnn.py)"
    onnx.checker.check_model(m)
    onnx.save(m, path)

    def save(name, t, file):
        p = numpy_helper.from_array(t.numpy().astype(np.float16), name)
        with open(os.path.join(OUT, "test_data_set_0", file), "wb") as f:
            f.write(p.SerializeToString())

    save("image", x, "input_0.pb")
    save("logits", y, "output_0.pb")
    print("wrote", OUT, "ops:", sorted({n.op_type for n in m.graph.node}))


if __name__ == "__main__":
    main()
