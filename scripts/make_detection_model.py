#!/usr/bin/env python3
"""Exports a torchvision detector with NonMaxSuppression, and PyTorch's detections.

    scripts/make_detection_model.py OUT_DIR

OUT_DIR/ssdlite/model.onnx with test_data_set_K/ (input_0.pb: the image [1, 3, 160, 160];
output_0.pb boxes [n, 4], output_1.pb scores [n], output_2.pb labels [n]: onnx.TensorProto,
PyTorch's outputs), one set per image.

The model: torchvision's ssdlite320_mobilenet_v3_large (weights=None, weights_backbone=None),
4 classes, random weights from a fixed seed. Its post-processing is what the test is for: per
class a score threshold (Greater -> NonZero -> GatherND), the top 50 candidates (TopK with K =
min(50, count), a count found in the data), the classes concatenated, batched NMS (an If around
NonMaxSuppression: no boxes, no NMS), the best 20 kept (Slice) and the boxes scaled back to the
image. Every count from the threshold on is known only at run time.

Weights: torchvision's own initialization of an untrained SSDlite makes every score about
1/num_classes (ties everywhere), so the convolutions are drawn again from a fixed seed with a
fan-in scaled normal (std sqrt(1.5/fan_in): smaller, and the image no longer reaches the head,
both images giving the same detections; larger, and the scores saturate at 1.0, tied) and the
batch norms with random statistics. score_thresh is 0.05, so that detections exist (20 per
image, the cap) without a trained model.

Ties: NMS keeps the higher of two overlapping boxes and TopK the 50 best per class, so two
scores closer than the float error between PyTorch and the generated code could swap which
box is kept. Here the reported scores differ by at least 2e-4 from each other and the 50th and
51st scores of each class by at least 7e-5, against a score error of about 1e-6: the outputs
compare in order. main() prints these margins.
"""
import os, sys

import torch
from torch import nn
import onnx
from onnx import numpy_helper
from torchvision.models.detection import ssdlite320_mobilenet_v3_large

SIZE = 160  # the image; the model resizes it to 320 x 320 inside the graph


def build():
    torch.manual_seed(0)
    m = ssdlite320_mobilenet_v3_large(weights=None, weights_backbone=None, num_classes=4, score_thresh=0.05,
                                      detections_per_img=20, topk_candidates=50).eval()
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, nn.Conv2d):
                fan_in = mod.weight[0].numel()
                mod.weight.copy_(torch.randn(mod.weight.shape, generator=g) * (1.5 / fan_in) ** 0.5)
                if mod.bias is not None:
                    mod.bias.copy_(torch.randn(mod.bias.shape, generator=g) * 0.1)
            elif isinstance(mod, nn.BatchNorm2d):
                mod.running_mean.copy_(torch.randn(mod.running_mean.shape, generator=g) * 0.1)
                mod.running_var.copy_(torch.rand(mod.running_var.shape, generator=g) + 0.5)
                mod.weight.copy_(torch.rand(mod.weight.shape, generator=g) + 0.5)
                mod.bias.copy_(torch.randn(mod.bias.shape, generator=g) * 0.1)
    return m


def images():
    g = torch.Generator().manual_seed(2)
    noise = torch.rand(1, 3, SIZE, SIZE, generator=g)
    # Smooth shapes: a few bright rectangles on a dark gradient.
    y = torch.linspace(0, 1, SIZE).view(1, 1, SIZE, 1)
    x = torch.linspace(0, 1, SIZE).view(1, 1, 1, SIZE)
    shapes = (0.2 * y + 0.1 * x).expand(1, 3, SIZE, SIZE).clone()
    for (c, y0, y1, x0, x1) in [(0, 20, 70, 30, 100), (1, 90, 150, 10, 60), (2, 60, 130, 90, 150)]:
        shapes[0, c, y0:y1, x0:x1] = 0.9
    return [noise, shapes]


def save(t, path, name):
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(t.detach().numpy(), name).SerializeToString())


def main():
    out = os.path.join(sys.argv[1], "ssdlite")
    os.makedirs(out, exist_ok=True)
    m = build()
    imgs = images()
    path = os.path.join(out, "model.onnx")
    names = ["boxes", "scores", "labels"]
    torch.onnx.export(m, (imgs[0],), path, input_names=["image"], output_names=names, opset_version=13)
    onnx.checker.check_model(onnx.load(path))
    for k, img in enumerate(imgs):
        d = os.path.join(out, f"test_data_set_{k}")
        os.makedirs(d, exist_ok=True)
        with torch.no_grad():
            det = m(list(img))[0]
            batch, _ = m.transform(list(img))
            scores = torch.softmax(m.head(list(m.backbone(batch.tensors).values()))["cls_logits"][0], -1)
        per_class = [scores[:, c].sort(descending=True).values for c in range(1, scores.shape[1])]
        cut = min((s[49] - s[50]).item() for s in per_class)
        kept = det["scores"]
        gap = (kept[:-1] - kept[1:]).min().item() if kept.numel() > 1 else float("inf")
        save(img, os.path.join(d, "input_0.pb"), "image")
        for i, n in enumerate(names):
            save(det[n], os.path.join(d, f"output_{i}.pb"), n)
        print(f"set {k}: {kept.numel()} detections, scores {kept.min():.4f}..{kept.max():.4f}; least gap between "
              f"them {gap:.1e}, between the 50th and 51st of a class {cut:.1e}")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
