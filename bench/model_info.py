"""What the benchmark's info.json records about a model, shared by the scripts that export one
(bench/make_resnet18.py, scripts/export_quantized.py)."""
import numpy as np
from onnx import shape_inference

# The weight's input slot of each op counted as a convolution.
CONV_WEIGHT = {"Conv": 1, "QLinearConv": 3}


def macs_per_op(m):
    """MACs of Conv (QLinearConv too) and Gemm from the inferred shapes: output elements x weight fan-in."""
    m = shape_inference.infer_shapes(m)
    shapes = {i.name: list(i.dims) for i in m.graph.initializer}
    for v in list(m.graph.value_info) + list(m.graph.input) + list(m.graph.output):
        shapes[v.name] = [d.dim_value for d in v.type.tensor_type.shape.dim]
    out = {"Conv": 0, "Gemm": 0}
    for n in m.graph.node:
        if n.op_type in CONV_WEIGHT:
            w = shapes.get(n.input[CONV_WEIGHT[n.op_type]], [0])
            out["Conv"] += int(np.prod(shapes[n.output[0]])) * int(np.prod(w[1:]))
        elif n.op_type == "Gemm":
            trans_a = next((a.i for a in n.attribute if a.name == "transA"), 0)
            k = shapes[n.input[0]][0 if trans_a else 1]
            out["Gemm"] += int(np.prod(shapes[n.output[0]])) * k
    return out
