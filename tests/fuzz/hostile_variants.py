#!/usr/bin/env python3
"""Writes hostile variants of ONNX models (python3 with the onnx package): dims huge, zero or
negative; element types changed; raw data truncated; edges dangling or cyclic; outputs defined
twice; hostile attributes; odd opsets; external data leaving the folder. Each variant takes 1-3
such changes, chosen by a seeded generator (the same files on every run).

    hostile_variants.py OUT_DIR MODEL... [--per-model 4] [--seed 1] [--check ONNX2CPP]

The variants seed scripts/fuzz.sh's corpus. With --check, each is also given to
`ONNX2CPP check` (10 s, 4 GB of address space at most) and any answer but ok (0), refused (2)
or unsupported (3) with a message is reported: a signal, a timeout, an internal error.
"""
import argparse
import os
import random
import resource
import subprocess
import sys
import time

import onnx

HOSTILE_INTS = [0, 1, -1, 2, 3, 7, 64, 255, 1 << 16, 2**31 - 1, 2**31, -(2**31), 1 << 40, 1 << 62, 2**63 - 1, -(2**63)]
ATTR_NAMES = ["axis", "axes", "perm", "pads", "strides", "kernel_shape", "group", "to", "value", "dilations",
              "mode", "keepdims", "then_branch", "body", "seed", "blocksize"]


def hostile_int(r):
    return r.choice(HOSTILE_INTS) if r.random() < 0.75 else r.randint(-(1 << 30), 1 << 30)


def any_name(g, r):
    names = [o for n in g.node for o in n.output] + [t.name for t in g.initializer] + [i.name for i in g.input]
    return r.choice(names) if names and r.random() < 0.8 else r.choice(["", "dangling"])


def mutate_tensor(t, r):
    k = r.randrange(7)
    if k == 0 and t.dims:
        t.dims[r.randrange(len(t.dims))] = hostile_int(r)
    elif k <= 1:
        t.dims.append(hostile_int(r))
    elif k == 2:
        t.data_type = r.randrange(27)
    elif k == 3:
        t.raw_data = t.raw_data[: r.randrange(len(t.raw_data) + 1)]
    elif k == 4:
        t.ClearField("raw_data")
        t.int64_data.append(hostile_int(r))
    elif k == 5:
        t.data_location = onnx.TensorProto.EXTERNAL
        e = t.external_data.add()
        e.key = r.choice(["location", "location", "offset", "length"])
        e.value = r.choice(["weights.bin", "../weights.bin", "/etc/passwd", ".", "missing.bin"]) \
            if e.key == "location" else str(hostile_int(r))
    else:
        del t.dims[:]


def mutate_attribute(n, r):
    a = r.choice(n.attribute) if n.attribute and r.random() < 0.67 else n.attribute.add()
    if not a.name:
        a.name = r.choice(ATTR_NAMES)
    k = r.randrange(5)
    if k == 0:
        a.type, a.i = onnx.AttributeProto.INT, hostile_int(r)
    elif k == 1:
        a.type = onnx.AttributeProto.INTS
        a.ints.append(hostile_int(r))
    elif k == 2:
        a.type, a.f = onnx.AttributeProto.FLOAT, r.choice([1e30, -0.0, float("nan"), float("inf")])
    elif k == 3:
        a.type = r.randrange(14)  # a type its fields do not match
    else:
        a.type, a.s = onnx.AttributeProto.STRING, r.choice([b"", b"\0\xff"])


# How often each change is made (of 20): sizes, types and attributes reach deepest; renamed
# outputs and duplicated nodes are refused at once.
WEIGHTS = [4, 4, 1, 2, 1, 5, 1, 1, 1]


def mutate(m, r):
    g = m.graph
    k = r.choices(range(9), WEIGHTS)[0]
    tensors = list(g.initializer) + [a.t for n in g.node for a in n.attribute if a.HasField("t")]
    if k == 0 and tensors:  # initializers and Constants' values
        mutate_tensor(r.choice(tensors), r)
    elif k == 1 and (g.input or g.output):
        vi = r.choice(list(g.input) + list(g.output))
        dims = vi.type.tensor_type.shape.dim
        (dims[r.randrange(len(dims))] if dims else dims.add()).dim_value = hostile_int(r)
    elif k == 2 and g.input:
        r.choice(g.input).type.tensor_type.elem_type = r.randrange(27)
    elif k == 3 and g.node:  # dangling or cyclic edges
        n = r.choice(g.node)
        if n.input:
            n.input[r.randrange(len(n.input))] = any_name(g, r)
        else:
            n.input.append(any_name(g, r))
    elif k == 4 and g.node:
        n = r.choice(g.node)
        if n.output:
            n.output[r.randrange(len(n.output))] = any_name(g, r)
    elif k == 5 and g.node:
        mutate_attribute(r.choice(g.node), r)
    elif k == 6:
        os_ = m.opset_import[0] if m.opset_import else m.opset_import.add()
        os_.version = hostile_int(r) % 30
    elif k == 7 and len(g.node) > 1:
        i, j = r.randrange(len(g.node)), r.randrange(len(g.node))
        a, b = onnx.NodeProto(), onnx.NodeProto()
        a.CopyFrom(g.node[i])
        b.CopyFrom(g.node[j])
        g.node[i].CopyFrom(b)
        g.node[j].CopyFrom(a)
    elif g.node:
        g.node.add().CopyFrom(r.choice(g.node))  # outputs defined twice


def limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


def check(exe, path, sanitized=False):
    """None when onnx2cpp answered as it should, else what went wrong. A sanitized build (ASan
    maps terabytes of shadow memory) runs without the address-space limit, and any report of
    its sanitizers counts."""
    t0 = time.time()
    try:
        p = subprocess.run([exe, "check", path], capture_output=True, text=True, errors="replace", timeout=10,
                           preexec_fn=None if sanitized else limit_memory)
    except subprocess.TimeoutExpired:
        return "timeout (10 s)"
    err = p.stderr.strip().splitlines()
    last = err[-1] if err else ""
    if p.returncode < 0:
        return "signal %d: %s" % (-p.returncode, last)
    if sanitized and ("runtime error" in p.stderr or "Sanitizer" in p.stderr):
        return "sanitizer: " + next((l for l in err if "runtime error" in l or "Sanitizer" in l), last)
    if p.returncode not in (0, 2, 3) or "internal error" in p.stderr or (p.returncode and not err):
        return "exit %d: %s" % (p.returncode, last)
    if time.time() - t0 > 5:
        return "slow (%.1f s): %s" % (time.time() - t0, last)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("models", nargs="+")
    ap.add_argument("--per-model", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--check", metavar="ONNX2CPP")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "weights.bin"), "wb") as f:  # the external data variants may read
        f.write(b"\x3f" * 4096)
    r = random.Random(a.seed)
    written, bad = 0, []
    for k, path in enumerate(a.models):
        try:
            base = onnx.load(path, load_external_data=False)
        except Exception:  # noqa: BLE001 (a file the onnx package cannot read is no seed)
            continue
        for v in range(a.per_model):
            m = onnx.ModelProto()
            m.CopyFrom(base)
            for _ in range(r.randint(1, 3)):
                mutate(m, r)
            out = os.path.join(a.out, "v%d_%d.onnx" % (k, v))
            with open(out, "wb") as f:
                f.write(m.SerializeToString())
            written += 1
            if a.check:
                what = check(a.check, out)
                if what:
                    bad.append((out, path, what))
                    print("FINDING %s (from %s): %s" % (out, path, what), flush=True)
    print("hostile_variants: %d variants of %d models%s" % (
        written, len(a.models), ", %d findings" % len(bad) if a.check else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
