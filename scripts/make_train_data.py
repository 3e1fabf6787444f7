#!/usr/bin/python3
"""Reference data for `onnx2cpp verify-train`: a PyTorch model exported to ONNX and trained for a
few steps with torch.optim, its losses, first gradients and final parameters written down.

    make_train_data.py OUT --model mlp --optimizer sgd|adam|adamw [--steps 3] [--loss cross_entropy|mse|graph]
                       [--seed 0] [--batch N] [--image HW] [--eps E]

writes OUT/model.onnx and OUT/train_data/: train.json (loss, reduction, output, optimizer with
torch.optim's hyper-parameter names, lr, steps, trainable; model and seed, for
scripts/train_drift.py), step_K/input_0.pb and target.pb (one batch per step; with --loss graph
the targets are the model's input "target", step_K/input_1.pb, and its output "loss" the loss),
expected/loss.pb (the loss before each step, float32 [steps]), expected/grads/*.pb (step 0's
gradient of every trainable initializer, the tensor named as it) and expected/params/*.pb (every
trainable initializer after the last step). Models with
BatchNorm in training mode (cnn_bn, resnet20: exported with TrainingMode.TRAINING) add
"batchnorm": "train" and their running statistics, `buffers`, to train.json and expected/params.
"""
import argparse
import json
import os

import numpy as np
import onnx
import torch
from onnx import numpy_helper


class MLP(torch.nn.Module):
    """The classic ONNX Runtime Web training example: Linear-ReLU-Linear on 784 pixels."""

    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(784, 128)
        self.fc2 = torch.nn.Linear(128, 10)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


class WithLoss(torch.nn.Module):
    """A model and its cross-entropy loss in one module (--loss graph): what a user exports when
    the loss is part of the graph."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x, target):
        return torch.nn.functional.cross_entropy(self.model(x), target)


class CNN(torch.nn.Module):
    """Conv-ReLU-MaxPool, a strided depthwise and a pointwise conv, global average pool, Linear."""

    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.dw = torch.nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=8)
        self.pw = torch.nn.Conv2d(8, 16, 1)
        self.fc = torch.nn.Linear(16, 10)

    def forward(self, x):
        x = torch.nn.functional.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.relu(self.pw(torch.relu(self.dw(x))))
        return self.fc(torch.flatten(torch.nn.functional.adaptive_avg_pool2d(x, 1), 1))


class TinyBert(torch.nn.Module):
    """Token and position embeddings, one encoder layer (2-head self-attention, GELU
    feed-forward, post-LayerNorms), mean pooling, a Linear classifier."""

    def __init__(self, vocab=100, seq=16, dim=32, heads=2):
        super().__init__()
        self.heads = heads
        self.tok = torch.nn.Embedding(vocab, dim)
        self.pos = torch.nn.Parameter(0.1 * torch.randn(seq, dim))
        self.qkv = torch.nn.Linear(dim, 3 * dim)
        self.proj = torch.nn.Linear(dim, dim)
        self.ln1 = torch.nn.LayerNorm(dim)
        self.ff1 = torch.nn.Linear(dim, 64)
        self.ff2 = torch.nn.Linear(64, dim)
        self.ln2 = torch.nn.LayerNorm(dim)
        self.head = torch.nn.Linear(dim, 4)
        with torch.no_grad():  # distinct values: the exporter merges identical initializers
            for ln in (self.ln1, self.ln2):
                ln.weight.uniform_(0.5, 1.5)
                ln.bias.uniform_(-0.2, 0.2)

    def forward(self, ids):
        b, s = ids.shape
        x = self.tok(ids) + self.pos
        q, k, v = self.qkv(x).reshape(b, s, 3, self.heads, -1).permute(2, 0, 3, 1, 4)
        att = torch.softmax(q @ k.transpose(-1, -2) / (q.shape[-1] ** 0.5), dim=-1)
        x = self.ln1(x + self.proj((att @ v).transpose(1, 2).reshape(b, s, -1)))
        x = self.ln2(x + self.ff2(torch.nn.functional.gelu(self.ff1(x))))
        return self.head(x.mean(dim=1))


class RNNClassifier(torch.nn.Module):
    """Token embeddings, one LSTM or GRU layer (batch first), a Linear on the last step's output."""

    def __init__(self, cell, vocab=100, dim=16, hidden=32, classes=4):
        super().__init__()
        self.tok = torch.nn.Embedding(vocab, dim)
        self.rnn = cell(dim, hidden, batch_first=True)
        self.head = torch.nn.Linear(hidden, classes)

    def forward(self, ids):
        out, _ = self.rnn(self.tok(ids))
        return self.head(out[:, -1])


def conv_bn(cin, cout, k, stride):
    return torch.nn.Sequential(torch.nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), torch.nn.BatchNorm2d(cout))


class CNNBN(torch.nn.Module):
    """Conv-BatchNorm-ReLU twice (the second strided), global average pool, Dropout, Linear:
    trained with batch statistics (BatchNorm in training mode). The Dropout is in training mode
    too, with p = 0: PyTorch's masks cannot be matched, the step's seeded path can be run."""

    def __init__(self):
        super().__init__()
        self.c1, self.c2 = conv_bn(3, 8, 3, 1), conv_bn(8, 16, 3, 2)
        self.drop = torch.nn.Dropout(0.0)
        self.fc = torch.nn.Linear(16, 10)

    def forward(self, x):
        x = torch.relu(self.c2(torch.relu(self.c1(x))))
        return self.fc(self.drop(torch.flatten(torch.nn.functional.adaptive_avg_pool2d(x, 1), 1)))


class Block(torch.nn.Module):
    """A basic residual block: two 3x3 conv-BN, a 1x1 conv-BN shortcut where the shape changes."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.a, self.b = conv_bn(cin, cout, 3, stride), conv_bn(cout, cout, 3, 1)
        self.short = conv_bn(cin, cout, 1, stride) if stride != 1 or cin != cout else torch.nn.Identity()

    def forward(self, x):
        return torch.relu(self.b(torch.relu(self.a(x))) + self.short(x))


class ResNet20(torch.nn.Module):
    """CIFAR's ResNet-20: a 16-channel stem, three stages of three blocks (16, 32, 64 channels)."""

    def __init__(self, classes=10):
        super().__init__()
        layers, cin = [conv_bn(3, 16, 3, 1), torch.nn.ReLU()], 16
        for cout, stride in [(16, 1), (32, 2), (64, 2)]:
            for i in range(3):
                layers.append(Block(cin, cout, stride if i == 0 else 1))
                cin = cout
        self.body = torch.nn.Sequential(*layers)
        self.fc = torch.nn.Linear(64, classes)

    def forward(self, x):
        return self.fc(torch.flatten(torch.nn.functional.adaptive_avg_pool2d(self.body(x), 1), 1))


def randomize_batchnorm(model):
    """Distinct BatchNorm parameters and running statistics: the exporter merges identical
    initializers (and the defaults, ones and zeros, would be)."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
    return model


def mobilenet_v2_head():
    """torchvision's MobileNetV2 (random weights) on 64x64 pictures; only the classifier trains."""
    import sys
    import torchvision
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bench"))
    from model_info import randomize_conv_bn
    m = randomize_conv_bn(torchvision.models.mobilenet_v2(num_classes=10), (4, 3, 64, 64), 2)
    for n, p in m.named_parameters():
        p.requires_grad = n.startswith("classifier")
    return m


MODELS = {"mlp": (MLP, (32, 784), 10), "cnn": (CNN, (8, 3, 16, 16), 10), "mobilenet_v2_head": (mobilenet_v2_head, (4, 3, 64, 64), 10),
          "tiny_bert": (TinyBert, (8, 16), 4), "cnn_bn": (lambda: randomize_batchnorm(CNNBN()), (8, 3, 16, 16), 10),
          "resnet20": (lambda: randomize_batchnorm(ResNet20()), (4, 3, 32, 32), 10),
          "lstm": (lambda: RNNClassifier(torch.nn.LSTM), (8, 12), 4), "gru": (lambda: RNNClassifier(torch.nn.GRU), (8, 12), 4)}
# Models trained with BatchNorm in training mode (batch statistics, running statistics updated),
# and the opset each is exported at: before 14 the exporter marks training by the running
# statistics outputs, from 14 by training_mode=1.
BATCHNORM_TRAIN = {"cnn_bn": 15, "resnet20": 13}
# Models whose input is token ids (int64), not floats.
INTEGER_INPUT = ("tiny_bert", "lstm", "gru")
# Adam divides by sqrt(v) + eps: a gradient near eps in size carries its rounding error (1e-9
# absolute between any two implementations) into the update amplified up to lr / eps. eps 1e-6
# keeps that below 1e-6 at lr 1e-3, so the check compares the arithmetic, not the rounding.
OPTIMIZERS = {
    "sgd": (torch.optim.SGD, {"lr": 0.05, "momentum": 0.9, "dampening": 0.0, "weight_decay": 1e-4, "nesterov": False}),
    "adam": (torch.optim.Adam, {"lr": 1e-3, "betas": [0.9, 0.999], "eps": 1e-6, "weight_decay": 1e-4}),
    "adamw": (torch.optim.AdamW, {"lr": 1e-3, "betas": [0.9, 0.999], "eps": 1e-6, "weight_decay": 0.01}),
}


def save(t, name, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(np.ascontiguousarray(t), name).SerializeToString())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--model", choices=sorted(MODELS), default="mlp")
    ap.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="sgd")
    ap.add_argument("--loss", choices=["cross_entropy", "mse", "graph"], default="cross_entropy",
                    help="graph: the model is exported with its cross-entropy loss inside (targets as an input, "
                    "the loss as its output \"loss\")")
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=None, help="the batch size (default: the model's)")
    ap.add_argument("--image", type=int, default=None, help="image models: the pictures' height and width (default: the model's)")
    ap.add_argument("--eps", type=float, default=None, help="adam, adamw: eps (default 1e-6)")
    a = ap.parse_args()

    torch.manual_seed(a.seed)
    torch.set_num_threads(1)
    make, in_shape, classes = MODELS[a.model]
    if a.batch:
        in_shape = (a.batch,) + tuple(in_shape[1:])
    if a.image:
        if len(in_shape) != 4:
            ap.error(f"--image: {a.model} does not take pictures")
        in_shape = tuple(in_shape[:2]) + (a.image, a.image)
    bn_train = a.model in BATCHNORM_TRAIN
    model = make().train(bn_train)
    os.makedirs(a.out, exist_ok=True)
    integer_input = a.model in INTEGER_INPUT
    sample = lambda: torch.randint(0, 100, in_shape) if integer_input else torch.randn(in_shape)
    mode = torch.onnx.TrainingMode.TRAINING if bn_train else torch.onnx.TrainingMode.EVAL
    # What is exported, whose parameter names the ONNX initializers take.
    top = WithLoss(model) if a.loss == "graph" else model
    if a.loss == "graph":  # the loss inside: SoftmaxCrossEntropyLoss on the targets, an int64 input
        torch.onnx.export(top, (sample(), torch.randint(0, classes, (in_shape[0],))),
                          os.path.join(a.out, "model.onnx"), input_names=["x", "target"], output_names=["loss"],
                          opset_version=max(BATCHNORM_TRAIN.get(a.model, 13), 13), do_constant_folding=False, training=mode)
    else:
        torch.onnx.export(model, sample(), os.path.join(a.out, "model.onnx"), input_names=["x"], output_names=["logits"],
                          opset_version=BATCHNORM_TRAIN.get(a.model, 13), do_constant_folding=False, training=mode)
    exported = onnx.load(os.path.join(a.out, "model.onnx"))
    onnx.checker.check_model(exported)
    buffers = [n for n, _ in top.named_buffers() if n.endswith(("running_mean", "running_var"))]
    if bn_train:  # the export ran the model once in training mode: start from the exported statistics
        inits = {i.name: numpy_helper.to_array(i) for i in exported.graph.initializer}
        with torch.no_grad():
            for n, b in top.named_buffers():
                if n in buffers:
                    b.copy_(torch.from_numpy(inits[n].copy()))

    cls, hyper = OPTIMIZERS[a.optimizer]
    hyper = dict(hyper)
    if a.eps is not None and "eps" in hyper:
        hyper["eps"] = a.eps
    kwargs = dict(hyper)
    if "betas" in kwargs:
        kwargs["betas"] = tuple(kwargs["betas"])
    params = [p for p in model.parameters() if p.requires_grad]
    opt = cls(params, **kwargs)
    data = os.path.join(a.out, "train_data")
    trainable = [n for n, p in top.named_parameters() if p.requires_grad]
    losses = []
    for k in range(a.steps):
        x = sample()
        if a.loss in ("cross_entropy", "graph"):
            target = torch.randint(0, classes, (in_shape[0],))
            loss_fn = torch.nn.CrossEntropyLoss()
        else:
            target = torch.randn(in_shape[0], classes)
            loss_fn = torch.nn.MSELoss()
        save(x.numpy(), "x", os.path.join(data, f"step_{k}", "input_0.pb"))
        if a.loss == "graph":  # a model input
            save(target.numpy(), "target", os.path.join(data, f"step_{k}", "input_1.pb"))
        else:
            save(target.numpy(), "logits_target", os.path.join(data, f"step_{k}", "target.pb"))
        opt.zero_grad()
        loss = loss_fn(model(x), target)
        loss.backward()
        losses.append(loss.item())
        if k == 0:
            for n, p in top.named_parameters():
                if not p.requires_grad:
                    continue
                save(p.grad.detach().numpy(), n, os.path.join(data, "expected", "grads", n.replace("/", "_") + ".pb"))
        opt.step()
    save(np.array(losses, dtype=np.float32), "loss", os.path.join(data, "expected", "loss.pb"))
    for n, p in top.named_parameters():
        if not p.requires_grad:
            continue
        save(p.detach().numpy(), n, os.path.join(data, "expected", "params", n.replace("/", "_") + ".pb"))
    named_buffers = dict(top.named_buffers())
    for n in buffers if bn_train else []:
        save(named_buffers[n].numpy(), n, os.path.join(data, "expected", "params", n.replace("/", "_") + ".pb"))
    spec = {"type": a.optimizer, **hyper}
    desc = {"loss": a.loss, "reduction": "mean", "output": "loss" if a.loss == "graph" else "logits", "optimizer": spec, "lr": hyper["lr"], "steps": a.steps,
            "trainable": trainable, "model": a.model, "seed": a.seed}
    if bn_train:
        desc.update(batchnorm="train", buffers=buffers)
    with open(os.path.join(data, "train.json"), "w") as f:
        json.dump(desc, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"{a.out}: {a.model}, {a.optimizer}, {a.steps} steps, losses {['%.4f' % l for l in losses]}")


if __name__ == "__main__":
    main()
