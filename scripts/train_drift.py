#!/usr/bin/python3
"""Where a compiled training step and PyTorch part, step by step: is it a bug or float32 rounding?

    train_drift.py OUT [--dump DIR] [--perturb 1e-7]

OUT is a make_train_data.py folder (model.onnx, train_data/). Its steps run again from the same
initial values and batches in PyTorch float64 and float32 (float32 is the reference run
verify-train compares with), and with --perturb R in float32 from weights perturbed by R
relative (R = 1e-7: float32's rounding size), next to onnx2cpp's steps when DIR is given
(`onnx2cpp verify-train OUT/model.onnx --data OUT/train_data --dump-steps DIR`). Per step:
the losses, the worst difference of the step's gradients and of the parameters after it
against float64, and the ReLU kink margin: over every ReLU, its input nearest 0 in float64
divided by the largest float32 error in that ReLU's input (float32's own run). A gradient
jumps where a ReLU's input crosses 0, so where the margin is below ~1 two float32 runs may
take different sides and part by far more than rounding; a bug shows as onnx2cpp drifting
from float64 far more than PyTorch's float32 run does.
"""
import argparse
import glob
import json
import os
import sys

import numpy as np
import onnx
import torch
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_train_data as mtd  # noqa: E402

RELU_INPUTS = []  # the inputs of the ReLUs of the forward running now
FLIP = {}  # (step, ReLU index) -> flat index of the element whose gradient takes the other side
STEP = [0]
_relu = torch.relu


class FlippedRelu(torch.autograd.Function):
    """ReLU whose backward takes one element's input as on the other side of 0."""

    @staticmethod
    def forward(ctx, x, index):
        mask = (x > 0).to(x.dtype)
        mask.view(-1)[index] = 1 - mask.view(-1)[index]
        ctx.save_for_backward(mask)
        return _relu(x)

    @staticmethod
    def backward(ctx, g):
        return g * ctx.saved_tensors[0], None


def recording_relu(x, *args, **kwargs):
    key = (STEP[0], len(RELU_INPUTS))
    RELU_INPUTS.append(x.detach().double().clone())
    return FlippedRelu.apply(x, FLIP[key]) if key in FLIP else _relu(x, *args, **kwargs)


def load(path):
    t = onnx.load_tensor(path)
    return t.name, numpy_helper.to_array(t).copy()


def run(desc, data, inits, dtype, perturb=0.0):
    """The steps of train.json in dtype: losses, each step's gradients, each step's params
    (trainable and buffers) after it, each step's ReLU inputs."""
    torch.manual_seed(desc.get("seed", 0))
    model = mtd.MODELS[desc["model"]][0]().to(dtype).train(desc.get("batchnorm") == "train")
    names = desc["trainable"] + desc.get("buffers", [])
    with torch.no_grad():
        for n, t in list(model.named_parameters()) + list(model.named_buffers()):
            if n in inits:
                t.copy_(torch.from_numpy(inits[n].astype(np.float64)))
            if perturb and n in desc["trainable"]:
                t.mul_(1 + perturb * torch.randn_like(t))
    params = [p for n, p in model.named_parameters() if n in desc["trainable"]]
    for n, p in model.named_parameters():
        p.requires_grad = n in desc["trainable"]
    cls, hyper = mtd.OPTIMIZERS[desc["optimizer"]["type"]]
    kw = dict(hyper)
    if "betas" in kw:
        kw["betas"] = tuple(kw["betas"])
    opt = cls(params, **kw)
    loss_fn = torch.nn.CrossEntropyLoss() if desc["loss"] == "cross_entropy" else torch.nn.MSELoss()
    out = []
    for k in range(desc["steps"]):
        x = load(os.path.join(data, f"step_{k}", "input_0.pb"))[1]
        y = torch.from_numpy(load(os.path.join(data, f"step_{k}", "target.pb"))[1])
        x = torch.from_numpy(x) if x.dtype == np.int64 else torch.from_numpy(x).to(dtype)
        RELU_INPUTS.clear()
        STEP[0] = k
        opt.zero_grad()
        loss = loss_fn(model(x), y if desc["loss"] == "cross_entropy" else y.to(dtype))
        loss.backward()
        grads = {n: p.grad.double().numpy().copy() for n, p in model.named_parameters() if n in desc["trainable"]}
        relus = list(RELU_INPUTS)
        opt.step()
        state = dict(list(model.named_parameters()) + list(model.named_buffers()))
        out.append({"loss": loss.item(), "grads": grads, "params": {n: state[n].detach().double().numpy().copy() for n in names},
                    "relus": relus})
    return out


def ours(dump, steps):
    """verify-train --dump-steps's tensors per step, by name."""
    out = []
    for k in range(steps):
        tensors = dict(load(f) for f in sorted(glob.glob(os.path.join(dump, f"step_{k}", "*.pb"))))
        if not tensors:
            sys.exit(f"{dump}/step_{k}: no tensors (verify-train --dump-steps {dump} writes them)")
        out.append({"loss": float(tensors["loss"]), "grads": {n[5:]: v for n, v in tensors.items() if n.startswith("grad/")},
                    "params": tensors})
    return out


def worst(a, b):
    """max |a - b| over the tensors both have, and the tensor where it is."""
    return max((float(np.abs(a[n].astype(np.float64) - b[n]).max()), n) for n in b if n in a)


def margin(r32, r64):
    """The ReLU whose float64 input nearest 0 is closest to it in units of float32's error there."""
    best = (float("inf"), -1, 0.0)
    for i, (a, b) in enumerate(zip(r32, r64)):
        err = float((a - b).abs().max())
        near = float(b.abs().min())
        best = min(best, (near / err if err else float("inf"), i, near))
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", help="make_train_data.py's folder")
    ap.add_argument("--dump", help="verify-train --dump-steps's folder (onnx2cpp's steps)")
    ap.add_argument("--perturb", type=float, default=0.0, help="also PyTorch float32 from weights perturbed by this, relative")
    ap.add_argument("--flip", type=int, default=0, metavar="N",
                    help="with --dump: at the first step where onnx2cpp's gradients are 100x further from float64's than "
                         "PyTorch float32's, float64 again with each of the N ReLU inputs nearest 0 in turn on the other side")
    a = ap.parse_args()
    torch.set_num_threads(1)
    data = os.path.join(a.out, "train_data")
    with open(os.path.join(data, "train.json")) as f:
        desc = json.load(f)
    if "model" not in desc:
        sys.exit(f"{data}/train.json names no model (written before make_train_data.py recorded it)")
    inits = {i.name: numpy_helper.to_array(i) for i in onnx.load(os.path.join(a.out, "model.onnx")).graph.initializer}
    torch.relu = recording_relu  # torch.nn.functional.relu and nn.ReLU call it too
    try:
        r64 = run(desc, data, inits, torch.float64)
        r32 = run(desc, data, inits, torch.float32)
        rp = run(desc, data, inits, torch.float32, a.perturb) if a.perturb else None
        ro = ours(a.dump, desc["steps"]) if a.dump else None
        flips = flip_test(desc, data, inits, r32, r64, ro, a.flip) if ro and a.flip else []
    finally:
        torch.relu = _relu
    print(f"{a.out}: {desc['model']}, {desc['optimizer']['type']}, {desc['steps']} steps; differences against PyTorch float64")
    for k in range(desc["steps"]):
        line = f"step {k}: loss {r64[k]['loss']:.7f} (float32 {r32[k]['loss'] - r64[k]['loss']:+.1e}"
        line += f", onnx2cpp {ro[k]['loss'] - r64[k]['loss']:+.1e})" if ro else ")"
        print(line)
        rows = [("PyTorch float32", r32)] + ([("onnx2cpp", ro)] if ro else []) + ([(f"float32 perturbed {a.perturb:g}", rp)] if rp else [])
        for what, r in rows:
            g, p = worst(r[k]["grads"], r64[k]["grads"]), worst(r[k]["params"], r64[k]["params"])
            print(f"  {what:26s} gradients {g[0]:.2e} ({g[1]}), parameters after {p[0]:.2e} ({p[1]})")
        if r64[k]["relus"]:
            m = margin(r32[k]["relus"], r64[k]["relus"])
            print(f"  ReLU kink margin {m[0]:.2f} (ReLU {m[1]} in forward order: float64 input {m[2]:.1e} from 0)")
    for line in flips:
        print(line)


def flip_test(desc, data, inits, r32, r64, ro, n):
    """Whether onnx2cpp's first outlying step is float64's with one ReLU kink crossed."""
    for k in range(desc["steps"]):
        g32, go = worst(r32[k]["grads"], r64[k]["grads"])[0], worst(ro[k]["grads"], r64[k]["grads"])[0]
        if go > 100 * g32:
            break
    else:
        return ["--flip: onnx2cpp's gradients stay within 100x of PyTorch float32's distance to float64 at every step"]
    near = sorted((float(v.abs().min()), i, int(v.abs().argmin())) for i, v in enumerate(r64[k]["relus"]))[:n]
    lines = [f"step {k}: onnx2cpp's gradients {go:.2e} from float64's; float64 with one ReLU input on the other side of 0:"]
    for dist, i, idx in near:
        FLIP.clear()
        FLIP[(k, i)] = idx
        flipped = run(desc, data, inits, torch.float64)[k]
        d = worst(ro[k]["grads"], flipped["grads"])
        lines.append(f"  ReLU {i}, its input {dist:.1e} from 0: onnx2cpp's gradients {d[0]:.2e} from it ({d[1]})")
    FLIP.clear()
    return lines


if __name__ == "__main__":
    main()
