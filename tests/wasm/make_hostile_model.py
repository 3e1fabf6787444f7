#!/usr/bin/env python3
"""Writes hostile/model.onnx and hostile/test_data_set_0: a tiny model whose input and output
names are not identifiers (quotes, backslashes, </script>, */, ${}, a line separator, an emoji,
__proto__, constructor), with a float32 and an int64 tensor. The files are checked in; this
script (python3 with the onnx package) is how they were made:

    python3 tests/wasm/make_hostile_model.py tests/wasm/hostile
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

X = 'in"put\\</script>\n*/${alert(1)}`'
N = "__proto__"
Y = "out\u2028put \U0001F600 '\\\\"
Z = "constructor"


def main(out):
    graph = helper.make_graph(
        [
            helper.make_node("Relu", [X], [Y], name="relu */ \"node\""),
            helper.make_node("Add", [N, "one"], [Z], name="add"),
        ],
        "hostile",
        [
            helper.make_tensor_value_info(X, TensorProto.FLOAT, [2, 3]),
            helper.make_tensor_value_info(N, TensorProto.INT64, [3]),
        ],
        [
            helper.make_tensor_value_info(Y, TensorProto.FLOAT, [2, 3]),
            helper.make_tensor_value_info(Z, TensorProto.INT64, [3]),
        ],
        [numpy_helper.from_array(np.array([1], dtype=np.int64), "one")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="make_hostile_model.py")
    model.ir_version = 8
    onnx.checker.check_model(model)
    os.makedirs(os.path.join(out, "test_data_set_0"), exist_ok=True)
    onnx.save(model, os.path.join(out, "model.onnx"))
    x = np.array([[-1.5, 0.0, 2.25], [3.0, -0.5, 7.0]], dtype=np.float32)
    n = np.array([-5, 0, 1 << 40], dtype=np.int64)
    data = [("input_0", x, X), ("input_1", n, N), ("output_0", np.maximum(x, 0), Y), ("output_1", n + 1, Z)]
    for file, value, name in data:
        with open(os.path.join(out, "test_data_set_0", file + ".pb"), "wb") as f:
            f.write(numpy_helper.from_array(value, name).SerializeToString())


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "hostile"))
