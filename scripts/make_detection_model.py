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

Ties: NMS keeps the higher scoring of two overlapping boxes (IoU above 0.55), TopK the 50
best per class and the output the 20 best kept, so two scores closer than the float error
between PyTorch and the generated code (about 1e-6 on the scores, 1e-4 on box coordinates of
up to 160), or an IoU that close to 0.55, could change which box is kept. margins() measures
the least of each on every image, main() prints them and fails below MIN_GAP (10 times the
score error) and MIN_IOU_GAP: the outputs then compare in order, strictly (verify's default
tolerance). Measured: score gaps >= 7.6e-5 (the 50th and 51st of a class), IoU margins >= 1.5e-4.
"""
import os, sys

import torch
from torch import nn
import torchvision.models.detection.ssd as tv_ssd
from torchvision.ops import box_iou
import onnx
from onnx import numpy_helper
from torchvision.models.detection import ssdlite320_mobilenet_v3_large

SIZE = 160  # the image; the model resizes it to 320 x 320 inside the graph
MIN_GAP = 1e-5      # least difference between two scores whose order decides a box
MIN_IOU_GAP = 2e-5  # least |IoU - nms_thresh| of two boxes of one class


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


def margins(m, img):
    """The detections and the least margins that decide them (see the docstring)."""
    seen = []
    nms = tv_ssd.box_ops.batched_nms

    def spy(boxes, scores, labels, thresh):  # SSD's postprocess: the candidates of every class
        keep = nms(boxes, scores, labels, thresh)
        seen.append((boxes, scores, labels, thresh, keep))
        return keep

    tv_ssd.box_ops.batched_nms = spy
    try:
        with torch.no_grad():
            det = m(list(img))[0]
            batch, _ = m.transform(list(img))
            scores = torch.softmax(m.head(list(m.backbone(batch.tensors).values()))["cls_logits"][0], -1)
    finally:
        tv_ssd.box_ops.batched_nms = nms
    boxes, cand, labels, thresh, keep = seen[0]
    gaps = {}
    # TopK: the 50th and 51st score of each class.
    gaps["top-k cut"] = min((v[49] - v[50]).item() for v in
                            (scores[:, c].sort(descending=True).values for c in range(1, scores.shape[1])))
    iou_gap, pair_gap = float("inf"), float("inf")
    for c in labels.unique():
        b, sc = boxes[labels == c], cand[labels == c]
        iou = box_iou(b, b)
        upper = torch.triu(torch.ones_like(iou, dtype=torch.bool), 1)
        if upper.any():
            iou_gap = min(iou_gap, (iou[upper] - thresh).abs().min().item())
        over = upper & (iou > thresh)  # which of the two NMS keeps: their order
        if over.any():
            pair_gap = min(pair_gap, (sc[:, None] - sc[None, :]).abs()[over].min().item())
    gaps["overlapping pair"] = pair_gap
    kept = cand[keep]  # in descending score: the output's order and the cut at 20
    gaps["kept order"] = (kept[:-1] - kept[1:])[:20].min().item() if kept.numel() > 1 else float("inf")
    return det, gaps, iou_gap


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
        det, gaps, iou_gap = margins(m, img)
        save(img, os.path.join(d, "input_0.pb"), "image")
        for i, n in enumerate(names):
            save(det[n], os.path.join(d, f"output_{i}.pb"), n)
        print(f"set {k}: {det['scores'].numel()} detections, scores {det['scores'].min():.4f}..{det['scores'].max():.4f}; "
              + ", ".join(f"{n} gap {g:.1e}" for n, g in gaps.items()) + f", |IoU - nms_thresh| >= {iou_gap:.1e}")
        if min(gaps.values()) < MIN_GAP or iou_gap < MIN_IOU_GAP:
            sys.exit(f"set {k}: scores or IoUs too close to decide the same boxes in float: pick other weights or images")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
