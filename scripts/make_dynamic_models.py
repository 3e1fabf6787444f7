#!/usr/bin/env python3
"""Exports models with dims given at run time, and PyTorch's outputs at several sizes.

    scripts/make_dynamic_models.py OUT_DIR

OUT_DIR/<model>/model.onnx with test_data_set_K/ (input_0.pb, output_0.pb: onnx.TensorProto),
one set per size, and info.json naming the dynamic dims and the range to compile for:
  encoder: token ids [batch, seq] -> a small Transformer encoder (embedding, learned positions
           sliced to the length, two nn.TransformerEncoderLayer, mean over the tokens) -> logits
           [batch, 3]; batch and seq dynamic (1..4, 1..32).
Random weights (seeded); the tests compile each model once for the ranges and verify every set.
"""
import json, os, sys

import torch
from torch import nn
import onnx
from onnx import numpy_helper


class Encoder(nn.Module):
    def __init__(self, vocab=50, d=32, heads=4, layers=2, max_len=32, classes=3):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Parameter(torch.randn(max_len, d) * 0.1)
        layer = nn.TransformerEncoderLayer(d, heads, dim_feedforward=64, dropout=0.0, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, layers)
        self.head = nn.Linear(d, classes)

    def forward(self, ids):
        x = self.tok(ids) + self.pos[: ids.shape[1]]
        return self.head(self.enc(x).mean(dim=1))


def save(t, path, name):
    p = numpy_helper.from_array(t.detach().numpy(), name)
    with open(path, "wb") as f:
        f.write(p.SerializeToString())


def main():
    out = sys.argv[1]
    torch.manual_seed(7)
    m = Encoder().eval()
    d = os.path.join(out, "encoder")
    os.makedirs(d, exist_ok=True)
    ids = torch.randint(0, 50, (2, 8))
    torch.onnx.export(m, (ids,), os.path.join(d, "model.onnx"), input_names=["ids"], output_names=["logits"],
                      dynamic_axes={"ids": {0: "batch", 1: "seq"}, "logits": {0: "batch"}}, opset_version=13,
                      do_constant_folding=True)
    onnx.checker.check_model(onnx.load(os.path.join(d, "model.onnx")))
    sizes = [(1, 1), (2, 8), (4, 32), (3, 17)]
    for k, (b, s) in enumerate(sizes):
        sd = os.path.join(d, f"test_data_set_{k}")
        os.makedirs(sd, exist_ok=True)
        x = torch.randint(0, 50, (b, s))
        with torch.no_grad():
            y = m(x)
        save(x, os.path.join(sd, "input_0.pb"), "ids")
        save(y, os.path.join(sd, "output_0.pb"), "logits")
    json.dump({"dims": {"batch": "1..4", "seq": "1..32"}, "sizes": sizes}, open(os.path.join(d, "info.json"), "w"))
    print(f"wrote {d}: {len(sizes)} test sets")


if __name__ == "__main__":
    main()
