#!/usr/bin/env python3
"""Writes models of the ops the compiler makes itself (domain "onnx2cpp": fused kernels, the
backward's gradient kernels, the optimizer steps), which a file may also hold: one valid model
per op, then hostile variants of them (a dim, an attribute or an input's rank changed; half of
them with every input a constant, so that folding runs the kernel itself in the compiler).

    internal_ops.py OUT_DIR [--variants 200] [--seed 1] [--check ONNX2CPP [--sanitized]]

The models seed scripts/fuzz.sh's corpus (the seeds hold no internal op otherwise). With
--check, each is given to `ONNX2CPP check` as hostile_variants.py does, and what goes wrong is
reported; --sanitized for the ASan/UBSan build (scripts/fuzz.sh builds one in build/fuzz),
where a kernel's bad access or overflow in folding shows.
"""
import argparse
import copy
import os
import random
import sys

import numpy as np
import onnx
from onnx import TensorProto as TP
from onnx import helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostile_variants import HOSTILE_INTS, check  # noqa: E402

F, I64, B, U8 = TP.FLOAT, TP.INT64, TP.BOOL, TP.UINT8
# op: its inputs (type, shape), its output count, valid attributes.
TEMPLATES = {
    "ActivationGrad": ([(F, [2, 3, 4]), (F, [2, 3, 4])], 1, {"activation": "Gelu", "alpha": 1.0}),
    "FusedGemm": ([(F, [4, 5]), (F, [5, 6]), (F, [6])], 1, {"transA": 0, "transB": 0, "alpha": 1.0, "beta": 1.0, "activation": "Relu"}),
    "FusedMatMul": ([(F, [2, 4, 5]), (F, [5, 6]), (F, [6])], 1, {"activation": "Relu"}),
    "FusedConv": ([(F, [1, 4, 8, 8]), (F, [8, 4, 3, 3]), (F, [8]), (F, [1, 8, 8, 8])], 1,
                  {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "strides": [1, 1], "activation": "Relu"}),
    "ConvThenDepthwise": ([(F, [1, 4, 8, 8]), (F, [8, 4, 1, 1]), (F, [8]), (F, [8, 1, 3, 3]), (F, [8])], 1,
                          {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "strides": [1, 1], "group": 8}),
    "ConvGradW": ([(F, [1, 4, 8, 8]), (F, [1, 8, 6, 6])], 1, {"kernel_shape": [3, 3]}),
    "MaxPoolGrad": ([(F, [1, 2, 8, 8]), (F, [1, 2, 4, 4])], 1, {"kernel_shape": [2, 2], "strides": [2, 2]}),
    "AveragePoolGrad": ([(F, [1, 2, 8, 8]), (F, [1, 2, 4, 4])], 1, {"kernel_shape": [2, 2], "strides": [2, 2]}),
    "FusedBatchNormalization": ([(F, [2, 3, 4, 4])] + [(F, [3])] * 4, 1, {"epsilon": 1e-5, "activation": "Relu"}),
    "FusedInstanceNormalization": ([(F, [2, 3, 4, 4]), (F, [3]), (F, [3])], 1, {"epsilon": 1e-5, "activation": "Relu"}),
    "ChannelNormGrad": ([(F, [2, 3, 4, 4]), (F, [3]), (F, [2, 3, 4, 4])], 3, {"epsilon": 1e-5, "per_instance": 0}),
    "PadAdd": ([(F, [4, 3]), (F, [1, 3])], 1, {"starts": [2, 0]}),
    "TrainingDropout": ([(F, [4, 5]), (F, []), (B, []), (I64, [2])], 2, {"key": 7}),
    "SGDStep": ([(F, []), (I64, []), (F, [5]), (F, [5]), (F, [5])], 2, {"momentum": 0.9}),
    "AdamStep": ([(F, []), (I64, []), (F, [5]), (F, [5]), (F, [5]), (F, [5])], 3, {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}),
    "QLinearAdd": ([(U8, [1, 4, 3, 3]), (F, []), (U8, []), (U8, [1, 4, 3, 3]), (F, []), (U8, []), (F, []), (U8, [])], 1,
                   {"relu": 1}),
}
HOSTILE_DIMS = [0, 1, 2, 7, 1 << 20, 2**31, 1 << 33, 1 << 40, -1]
HOSTILE_FLOATS = [0.0, -1.0, float("nan"), float("inf"), -float("inf"), 1e38, 1e-45]
HOSTILE_STRINGS = ["", "Gelu", "GeluTanh", "Swish", "Sigmoid", "Tanh", "Relu", "LeakyRelu", "Clip", "Bogus", "SAME_UPPER", "VALID"]
EXTRA_ATTRS = ["group", "dilations", "ceil_mode", "count_include_pad", "auto_pad", "transA", "transB", "activation_alpha",
               "activation_beta", "nesterov", "dampening", "weight_decay", "per_instance", "relu"]


def mutate(ins, attrs, r):
    what = r.random()
    if what < 0.4 and ins:  # a dim
        i = r.randrange(len(ins))
        t, s = ins[i]
        s = list(s) or [1]
        s[r.randrange(len(s))] = r.choice(HOSTILE_DIMS)
        ins[i] = (t, s)
    elif what < 0.5 and ins:  # a rank
        i = r.randrange(len(ins))
        t, s = ins[i]
        ins[i] = (t, s[:-1] if s and r.random() < 0.5 else s + [r.choice([1, 2, 3])])
    elif what < 0.9 and attrs:  # an attribute's value
        k = r.choice(sorted(attrs))
        v = attrs[k]
        if isinstance(v, list):
            v = list(v)
            if v and r.random() < 0.7:
                v[r.randrange(len(v))] = r.choice(HOSTILE_INTS)
            elif r.random() < 0.5:
                v.append(r.choice(HOSTILE_INTS))
            elif v:
                v.pop()
        elif isinstance(v, float):
            v = r.choice(HOSTILE_FLOATS)
        elif isinstance(v, int):
            v = r.choice(HOSTILE_INTS)
        else:
            v = r.choice(HOSTILE_STRINGS)
        attrs[k] = v
    else:  # an attribute the op may or may not take
        attrs[r.choice(EXTRA_ATTRS)] = r.choice([r.choice(HOSTILE_INTS), [r.choice(HOSTILE_INTS)] * 2,
                                                  r.choice(HOSTILE_FLOATS), r.choice(HOSTILE_STRINGS)])


def model(op, ins, nout, attrs, constants):
    """The op's one-node model; with constants, every input small enough is an initializer."""
    inits, infos = [], []
    for k, (t, s) in enumerate(ins):
        n = int(np.prod([max(d, 0) for d in s])) if s else 1
        if constants and all(0 <= d <= 100000 for d in s) and n <= 100000:
            a = np.random.RandomState(k).randn(*s) if s else np.array(np.random.RandomState(k).randn())
            if t == F:  # scalars are scales and rates: positive
                a = (np.abs(a) if not s else a).astype(np.float32)
            elif t == I64:
                a = np.abs(a).astype(np.int64)
            elif t == U8:
                a = (np.abs(a) * 50).astype(np.uint8)
            else:
                a = a > 0
            inits.append(numpy_helper.from_array(a, "i%d" % k))
        else:
            infos.append(helper.make_tensor_value_info("i%d" % k, t, s))
    outs = ["o%d" % k for k in range(nout)]
    node = helper.make_node(op, ["i%d" % k for k in range(len(ins))], outs, domain="onnx2cpp")
    for a, v in sorted(attrs.items()):
        node.attribute.append(helper.make_attribute(a, v))
    g = helper.make_graph([node], op, infos, [helper.make_tensor_value_info(o, TP.UNDEFINED, None) for o in outs],
                          initializer=inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("onnx2cpp", 1)])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--variants", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--check", metavar="ONNX2CPP")
    ap.add_argument("--sanitized", action="store_true", help="ONNX2CPP is built with ASan and UBSan")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    r = random.Random(a.seed)
    paths = []
    for op, (ins, nout, attrs) in sorted(TEMPLATES.items()):
        for constants in (False, True):
            p = os.path.join(a.out, "%s%s.onnx" % (op, "_const" if constants else ""))
            onnx.save(model(op, ins, nout, attrs, constants), p)
            paths.append(p)
    for k in range(a.variants):
        op = r.choice(sorted(TEMPLATES))
        ins, nout, attrs = copy.deepcopy(TEMPLATES[op])
        for _ in range(r.choice([1, 1, 2, 3])):
            mutate(ins, attrs, r)
        p = os.path.join(a.out, "%s_%d.onnx" % (op, k))
        onnx.save(model(op, ins, nout, attrs, r.random() < 0.5), p)
        paths.append(p)
    bad = 0
    if a.check:
        for p in paths:
            what = check(a.check, p, a.sanitized)
            if what:
                bad += 1
                print("%s: %s" % (p, what))
    print("internal_ops.py: %d models in %s%s" % (len(paths), a.out, ", %d problems" % bad if a.check else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
