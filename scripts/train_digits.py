#!/usr/bin/env python3
"""Trains the bundled digit classifier, models/digits/ (deterministic, a few seconds on a CPU).

    /usr/bin/python3 scripts/train_digits.py

Data: scikit-learn's 8x8 handwritten digits (python3-sklearn ships them: 1797 images, pixels
0..16); a fixed 300 of them are held out. Model: a small CNN (two 3x3 convolutions, max pool,
a linear layer, softmax) trained with Adam in PyTorch and exported to ONNX (opset 13, the batch
dim symbolic: "batch").

Writes into models/digits/:
    model.onnx                   the classifier: image float[batch,1,8,8] (pixels / 16) -> probs float[batch,10]
    heldout.u8                   the held-out digits: 65 bytes each, the label then 64 pixels (0..16, row by row)
    digit.pgm                    the first held-out digit as an 8x8 binary PGM (maxval 16: the pixels as they are)
    test_data_set_0/             input_0.pb (every held-out digit, batch 300) and output_0.pb (PyTorch's probs)
    info.json                    accuracies (train, held out) and what made them
"""
import json
import os

import numpy as np
import torch
import torch.nn as nn
from onnx import TensorProto
from sklearn.datasets import load_digits

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "models", "digits")
HELD_OUT = 300
SEED = 0


class DigitNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2),  # 16 x 4 x 4
            nn.Flatten(),
            nn.Linear(16 * 4 * 4, 10),
        )

    def forward(self, x):  # the logits; the export adds the softmax
        return self.net(x)


class WithSoftmax(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return torch.softmax(self.net(x), dim=1)


def tensor_proto(name, array):
    t = TensorProto()
    t.name = name
    t.data_type = TensorProto.FLOAT
    t.dims.extend(array.shape)
    t.raw_data = np.ascontiguousarray(array, dtype="<f4").tobytes()
    return t.SerializeToString()


def main():
    torch.manual_seed(SEED)
    digits = load_digits()
    pixels = digits.images.astype(np.uint8)  # [1797, 8, 8], 0..16
    labels = digits.target.astype(np.int64)
    order = np.random.RandomState(SEED).permutation(len(labels))
    test, train = order[:HELD_OUT], order[HELD_OUT:]
    x = torch.from_numpy(pixels.astype(np.float32) / 16.0).unsqueeze(1)
    y = torch.from_numpy(labels)

    net = DigitNet()
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    loss_fn = nn.CrossEntropyLoss()
    xt, yt = x[train], y[train]
    for epoch in range(40):
        perm = torch.randperm(len(train))
        for k in range(0, len(train), 64):
            idx = perm[k:k + 64]
            opt.zero_grad()
            loss_fn(net(xt[idx]), yt[idx]).backward()
            opt.step()
    net.eval()
    model = WithSoftmax(net).eval()
    with torch.no_grad():
        train_acc = float((net(xt).argmax(1) == yt).float().mean())
        probs = model(x[test]).numpy()
    test_acc = float((probs.argmax(1) == labels[test]).mean())
    print(f"train_digits: accuracy {train_acc:.4f} on {len(train)} training digits, {test_acc:.4f} on {HELD_OUT} held out")

    os.makedirs(os.path.join(OUT, "test_data_set_0"), exist_ok=True)
    torch.onnx.export(model, x[:1], os.path.join(OUT, "model.onnx"), opset_version=13,
                      input_names=["image"], output_names=["probs"],
                      dynamic_axes={"image": {0: "batch"}, "probs": {0: "batch"}})
    records = np.concatenate([labels[test, None].astype(np.uint8), pixels[test].reshape(HELD_OUT, 64)], axis=1)
    records.tofile(os.path.join(OUT, "heldout.u8"))
    with open(os.path.join(OUT, "digit.pgm"), "wb") as f:
        f.write(b"P5\n8 8\n16\n" + pixels[test[0]].tobytes())
    with open(os.path.join(OUT, "test_data_set_0", "input_0.pb"), "wb") as f:
        f.write(tensor_proto("image", x[test].numpy()))
    with open(os.path.join(OUT, "test_data_set_0", "output_0.pb"), "wb") as f:
        f.write(tensor_proto("probs", probs))
    info = {
        "name": "digits",
        "description": "A small CNN trained on scikit-learn's 8x8 digits (scripts/train_digits.py); "
                       "test_data_set_0 holds the held-out digits and PyTorch's probabilities.",
        "train_digits": len(train), "heldout_digits": HELD_OUT,
        "train_accuracy": round(train_acc, 4), "heldout_accuracy": round(test_acc, 4),
        "digit_pgm_label": int(labels[test[0]]),
        "params": sum(p.numel() for p in net.parameters()),
        "torch_version": torch.__version__,
        "regenerate": "/usr/bin/python3 scripts/train_digits.py",
    }
    with open(os.path.join(OUT, "info.json"), "w") as f:
        json.dump(info, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
