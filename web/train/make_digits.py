#!/usr/bin/python3
"""The training demo's data and model (scripts/build_train_demo.sh runs it at build time):

    make_digits.py OUT

writes OUT/digits.json, scikit-learn's 8x8 digits (load_digits: pixels 0..16, labels 0..9)
split into 1497 training and 300 held-out digits, and OUT/model.onnx, the untrained classifier
the page trains: Linear(64, 64)-ReLU-Linear(64, 10) on batches of 32, exported in eval mode.
"""
import json
import os
import sys

import numpy as np
import torch
from sklearn.datasets import load_digits

BATCH, HELD_OUT = 32, 300


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    digits = load_digits()
    order = np.random.RandomState(0).permutation(len(digits.target))
    pixels = digits.data.astype(np.int64)[order]
    labels = digits.target.astype(np.int64)[order]
    split = lambda a, b: {"pixels": pixels[a:b].reshape(-1).tolist(), "labels": labels[a:b].tolist()}
    with open(os.path.join(out, "digits.json"), "w") as f:
        json.dump({"side": 8, "max": 16, "train": split(0, len(labels) - HELD_OUT), "test": split(len(labels) - HELD_OUT, None)}, f)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10)).eval()
    torch.onnx.export(model, torch.zeros(BATCH, 64), os.path.join(out, "model.onnx"), input_names=["x"],
                      output_names=["logits"], opset_version=13)
    print(f"{out}: digits.json ({len(labels) - HELD_OUT} training, {HELD_OUT} held-out digits), model.onnx")


if __name__ == "__main__":
    main()
