#!/usr/bin/env python3
"""Convert a float32 ONNX model and its test data to float16, as users do to halve a model.

    to_half.py MODEL_DIR OUT_DIR

Writes OUT_DIR/model.onnx (every float32 initializer, graph input, graph output, Constant and
ConstantOfShape value and Cast-to-float made float16) and OUT_DIR/test_data_set_N/ with the
inputs rounded to float16 and the *float32* reference outputs (PyTorch's) rounded to float16:
the test checks that the half-precision model stays within float16 tolerance of the float model,
not of a float16 emulation. Inputs that only feed Resize/Upsample scales or roi stay float32
(the spec allows only float there). Requires python3-onnx (and numpy).
"""
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper

F32, F16 = onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16
KEEP_FLOAT = {("Resize", 1), ("Resize", 2), ("Upsample", 1)}  # (op, input slot) that must stay float32


def half(t):
    return numpy_helper.from_array(numpy_helper.to_array(t).astype(np.float16), t.name)


def convert(m):
    g = m.graph
    keep = {name for n in g.node for i, name in enumerate(n.input) if (n.op_type, i) in KEEP_FLOAT}
    for i, t in enumerate(g.initializer):
        if t.data_type == F32 and t.name not in keep:
            g.initializer[i].CopyFrom(half(t))
    for vi in list(g.input) + list(g.output):
        if vi.type.tensor_type.elem_type == F32 and vi.name not in keep:
            vi.type.tensor_type.elem_type = F16
    for n in g.node:
        for a in n.attribute:
            if n.op_type in ("Constant", "ConstantOfShape") and a.name == "value" and a.t.data_type == F32 \
                    and not (set(n.output) & keep):
                a.t.CopyFrom(half(a.t))
            if n.op_type == "Cast" and a.name == "to" and a.i == F32:
                a.i = F16
    del g.value_info[:]
    m.producer_name += " (converted to float16 by tests/models/to_half.py)"
    onnx.checker.check_model(m)
    return m


def main():
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    onnx.save(convert(onnx.load(os.path.join(src, "model.onnx"))), os.path.join(out, "model.onnx"))
    for d in sorted(os.listdir(src)):
        if not d.startswith("test_data_set_"):
            continue
        os.makedirs(os.path.join(out, d), exist_ok=True)
        for f in sorted(os.listdir(os.path.join(src, d))):
            t = onnx.TensorProto()
            with open(os.path.join(src, d, f), "rb") as fh:
                t.ParseFromString(fh.read())
            if t.data_type == F32:
                t = half(t)
            with open(os.path.join(out, d, f), "wb") as fh:
                fh.write(t.SerializeToString())
    print("wrote", out)


if __name__ == "__main__":
    main()
