#!/usr/bin/env python3
"""Exports torch.jit.script models with control flow (Loop, If), and PyTorch's outputs.

    scripts/make_control_models.py OUT_DIR

OUT_DIR/<model>/model.onnx with test_data_set_K/ (input_K.pb, output_K.pb: onnx.TensorProto):
  decoder:     a greedy decoder: from a hidden state h [1, 16] and a start token [1], an embedding
               and a GRU step (written out: torch.onnx has no aten::gru_cell) run in
               `for i in range(12)`, `break` when the argmax token is EOS; the tokens gathered in
               a list and concatenated (the exporter: a Loop carrying a sequence, SequenceInsert,
               ConcatFromSequence) -> tokens [n] (n <= 12, known when it runs) and the last h.
  decoder_cat: the same decoder growing a tensor with torch.cat at every step instead of a list
               (a Loop carrying a tensor that grows: Concat in the body).
  branchy:     data-dependent If: `if x.sum() > 0` a residual ReLU layer, else a scaled tanh layer,
               then a shared linear head: x [2, 8] -> y [2, 4].
Random weights (seeded). The decoders' test sets are picked among seeded random inputs so that
one stops early (at EOS), one runs all 12 steps and one stops at the first step (if any input
does); branchy's sets take each branch. The script fails if a path is not covered.
"""
import os, sys
from typing import List

import torch
from torch import nn
import onnx
from onnx import numpy_helper

HIDDEN, VOCAB, MAX_LEN, EOS = 16, 12, 12, 0


class Decoder(nn.Module):
    def __init__(self, use_list: bool):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, HIDDEN)
        self.xr, self.hr = nn.Linear(HIDDEN, HIDDEN), nn.Linear(HIDDEN, HIDDEN)
        self.xz, self.hz = nn.Linear(HIDDEN, HIDDEN), nn.Linear(HIDDEN, HIDDEN)
        self.xn, self.hn = nn.Linear(HIDDEN, HIDDEN), nn.Linear(HIDDEN, HIDDEN)
        self.out = nn.Linear(HIDDEN, VOCAB)
        self.max_len, self.eos, self.use_list = MAX_LEN, EOS, use_list

    def step(self, x, h):
        r = torch.sigmoid(self.xr(x) + self.hr(h))
        z = torch.sigmoid(self.xz(x) + self.hz(h))
        n = torch.tanh(self.xn(x) + r * self.hn(h))
        return (1 - z) * n + z * h

    def forward(self, h, start):
        tok = start
        toks: List[torch.Tensor] = []
        grown = torch.zeros(0, dtype=torch.long)
        for i in range(self.max_len):
            h = self.step(self.emb(tok), h)
            tok = self.out(h).argmax(dim=1)
            if self.use_list:
                toks.append(tok)
            else:
                grown = torch.cat([grown, tok], 0)
            if bool(tok[0] == self.eos):
                break
        if self.use_list:
            return torch.cat(toks, 0), h
        return grown, h


class Branchy(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b, self.c = nn.Linear(8, 8), nn.Linear(8, 8), nn.Linear(8, 4)

    def forward(self, x):
        if bool(x.sum() > 0):
            y = torch.relu(self.a(x)) + x
        else:
            y = torch.tanh(self.b(x)) * x.abs().max()
        return self.c(y)


def save(t, path, name):
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(t.detach().numpy(), name).SerializeToString())


def export(m, args, d, ins, outs):
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "model.onnx")
    torch.onnx.export(m, args, path, input_names=ins, output_names=outs, opset_version=13)
    onnx.checker.check_model(onnx.load(path))


def write_sets(m, d, sets, ins, outs):
    for k, args in enumerate(sets):
        sd = os.path.join(d, f"test_data_set_{k}")
        os.makedirs(sd, exist_ok=True)
        with torch.no_grad():
            ys = m(*args)
        ys = ys if isinstance(ys, tuple) else (ys,)
        for i, (t, name) in enumerate(zip(args, ins)):
            save(t, os.path.join(sd, f"input_{i}.pb"), name)
        for i, (t, name) in enumerate(zip(ys, outs)):
            save(t, os.path.join(sd, f"output_{i}.pb"), name)


def decoder_inputs(m):
    """Seeded random (h, start) pairs: one stopping early, one running MAX_LEN steps, one
    stopping at once when some input does."""
    g = torch.Generator().manual_seed(11)
    early = full = first = None
    for _ in range(2000):
        h = torch.randn(1, HIDDEN, generator=g) * 2
        s = torch.randint(1, VOCAB, (1,), generator=g)
        with torch.no_grad():
            n = m(h, s)[0].numel()
        if n == MAX_LEN and full is None:
            full = (h, s)
        elif n == 1 and first is None:
            first = (h, s)
        elif 1 < n < MAX_LEN and early is None:
            early = (h, s)
        if early and full and first:
            break
    if not (early and full):
        sys.exit("make_control_models.py: no input stops early and runs in full (change the seeds)")
    return [early, full] + ([first] if first else [])


def main():
    out = sys.argv[1]
    for name, use_list in (("decoder", True), ("decoder_cat", False)):
        torch.manual_seed(5)
        eager = Decoder(use_list).eval()
        with torch.no_grad():  # larger weights: tokens that vary with the input
            for p in eager.parameters():
                p.mul_(3)
        m = torch.jit.script(eager)
        sets = decoder_inputs(m)
        d = os.path.join(out, name)
        export(m, sets[0], d, ["h", "start"], ["tokens", "h_last"])
        write_sets(m, d, sets, ["h", "start"], ["tokens", "h_last"])
        lens = [m(*s)[0].numel() for s in sets]
        print(f"wrote {d}: {len(sets)} test sets, {lens} tokens")
    torch.manual_seed(3)
    m = torch.jit.script(Branchy().eval())
    g = torch.Generator().manual_seed(4)
    x = torch.randn(2, 8, generator=g)
    sets = [(x.abs(),), (-x.abs(),), (x,)]
    d = os.path.join(out, "branchy")
    export(m, sets[0], d, ["x"], ["y"])
    write_sets(m, d, sets, ["x"], ["y"])
    print(f"wrote {d}: {len(sets)} test sets, sums {[round(float(s[0].sum()), 2) for s in sets]}")


if __name__ == "__main__":
    main()
