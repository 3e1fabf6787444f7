"""What the benchmark's info.json records about a model, shared by the scripts that export one
(bench/make_resnet18.py, bench/make_big.py, scripts/export_quantized.py), and how they
randomize weights and write a model folder."""
import numpy as np
from onnx import shape_inference

# The weight's input slot of each op counted as a convolution.
CONV_WEIGHT = {"Conv": 1, "QLinearConv": 3}


def macs_per_op(m):
    """MACs of Conv (QLinearConv too), ConvTranspose, Gemm and MatMul from the inferred shapes:
    Conv, Gemm and MatMul count output elements x the reduced length (a conv's weight fan-in,
    A's last dim), ConvTranspose input elements x its weight's fan-out. Nodes whose shapes
    shape inference cannot give are listed under "unresolved" by macs_with_unresolved."""
    return macs_with_unresolved(m)[0]


def macs_with_unresolved(m):
    m = shape_inference.infer_shapes(m)
    shapes = {i.name: list(i.dims) for i in m.graph.initializer}
    for v in list(m.graph.value_info) + list(m.graph.input) + list(m.graph.output):
        dims = v.type.tensor_type.shape.dim
        if all(d.HasField("dim_value") for d in dims):
            shapes[v.name] = [d.dim_value for d in dims]
    out = {"Conv": 0, "Gemm": 0}
    unresolved = []
    for n in m.graph.node:
        try:
            if n.op_type in CONV_WEIGHT:
                w = shapes[n.input[CONV_WEIGHT[n.op_type]]]
                out["Conv"] += int(np.prod(shapes[n.output[0]])) * int(np.prod(w[1:]))
            elif n.op_type == "ConvTranspose":
                w = shapes[n.input[1]]
                out["ConvTranspose"] = out.get("ConvTranspose", 0) + int(np.prod(shapes[n.input[0]])) * int(np.prod(w[1:]))
            elif n.op_type == "Gemm":
                trans_a = next((a.i for a in n.attribute if a.name == "transA"), 0)
                k = shapes[n.input[0]][0 if trans_a else 1]
                out["Gemm"] += int(np.prod(shapes[n.output[0]])) * k
            elif n.op_type == "MatMul":
                out["MatMul"] = out.get("MatMul", 0) + int(np.prod(shapes[n.output[0]])) * shapes[n.input[0]][-1]
        except KeyError:
            unresolved.append(n.name or n.output[0])
    return out, unresolved


def randomize_conv_bn(model, calib_shape, passes):
    """Fixed-seed-friendly random weights that keep activations sane: Kaiming convolutions,
    non-trivial BN affine parameters (so folding BN is exercised) and BN running statistics
    averaged over `passes` training-mode passes on random batches of `calib_shape`."""
    import torch
    import torch.nn as nn
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
    with torch.no_grad():
        for bn in bns:
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.2, 0.2)
            bn.reset_running_stats()
            bn.momentum = None  # cumulative average over the calibration passes
        if bns:
            model.train()
            for _ in range(passes):
                model(torch.randn(*calib_shape))
    for bn in bns:
        bn.momentum = 0.1
    return model.eval()


def export_model_dir(model_dir, model, x, opset, info):
    """Writes a model folder in the layout of ../shared/models: model.onnx (torch.onnx.export,
    constant folding, input "input", output "logits", checked), info.json (`info` plus file size,
    node and op counts, MACs, shapes, versions) and test_data_set_0/ (input_0.pb, output_0.pb:
    PyTorch's eval output). Returns (PyTorch's output, the info written)."""
    import json, os
    import onnx
    import torch
    from onnx import numpy_helper
    data_dir = os.path.join(model_dir, "test_data_set_0")
    os.makedirs(data_dir, exist_ok=True)
    with torch.no_grad():
        y = model(x)
    path = os.path.join(model_dir, "model.onnx")
    torch.onnx.export(model, x, path, opset_version=opset, do_constant_folding=True,
                      input_names=["input"], output_names=["logits"])
    m = onnx.load(path)
    onnx.checker.check_model(m)
    ops = {}
    for n in m.graph.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    per_op, unresolved = macs_with_unresolved(m)
    info = dict(info, opset=opset, file_size_bytes=os.path.getsize(path), nodes=len(m.graph.node),
                ops=dict(sorted(ops.items())), macs=sum(per_op.values()), macs_per_op=per_op,
                macs_unresolved_nodes=unresolved,
                macs_note="Conv/ConvTranspose/Gemm/MatMul only, at the test_data_set_0 input shapes",
                inputs=[{"name": "input", "dtype": str(x.dtype).replace("torch.", ""), "shape": list(x.shape)}],
                outputs=[{"name": "logits", "dtype": "float", "shape": list(y.shape)}],
                torch_version=torch.__version__, onnx_version=onnx.__version__)
    with open(os.path.join(model_dir, "info.json"), "w") as f:
        json.dump(info, f, indent=2)
        f.write("\n")
    for n, t, fn in [("input", x, "input_0.pb"), ("logits", y, "output_0.pb")]:
        with open(os.path.join(data_dir, fn), "wb") as f:
            f.write(numpy_helper.from_array(t.numpy(), n).SerializeToString())
    return y, info
