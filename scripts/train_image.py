#!/usr/bin/env python3
"""Trains the bundled image denoiser, models/denoise/ (fixed seeds, a few CPU-minutes on one thread).

    /usr/bin/python3 scripts/train_image.py [--steps N]

Data: the sample photos python3-skimage ships (skimage.data): astronaut, coffee, rocket,
immunohistochemistry, hubble_deep_field (colour) and camera, brick, gravel (grey, as RGB).
Chelsea the cat is held out (skimage.data.cat() is the same photo, also left out). Training
pairs: random 48x48 patches (flipped and turned at random), the clean patch as the target and
the patch with Gaussian noise (sigma 25 of 255 levels, independent per channel) added, clipped
and rounded to 8 bits as the input: a noisy 8-bit photo, as the web demo makes one.

Model: a small fully-convolutional residual net (DnCNN-like): 3x3 convolutions with ReLUs
predict the noise, which is subtracted from the input. Exported to ONNX (opset 17) with the
height and width symbolic ("height", "width"): any size runs.

Writes into models/denoise/:
    model.onnx          noisy float[1,3,height,width] (RGB / 255) -> denoised float[1,3,height,width]
    photo.png           the web demo's picture: a 256x256 crop of the held-out photo (8-bit RGB PNG)
    test_data_set_0/    input_0.pb (a noisy 96x128 crop of the held-out photo) and output_0.pb (PyTorch's output)
    info.json           PSNRs on the held-out photo (noisy, denoised), training time, sizes
"""
import argparse
import json
import os
import struct
import time
import zlib

import numpy as np
import torch
import torch.nn as nn
from onnx import TensorProto
from skimage import data

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "models", "denoise")
SEED = 0
SIGMA = 25.0  # noise standard deviation, in 0..255 levels
TRAIN_COLOUR = ["astronaut", "coffee", "rocket", "immunohistochemistry", "hubble_deep_field"]
TRAIN_GREY = ["camera", "brick", "gravel"]
HELD_OUT = "chelsea"
PATCH, BATCH = 48, 16
CHANNELS, CONVS = 32, 7
DEMO_CROP = (20, 110, 256)  # top, left, size of photo.png in the held-out photo
TEST_CROP = (60, 170, 96, 128)  # top, left, height, width of test_data_set_0


class Denoiser(nn.Module):
    """CONVS 3x3 convolutions (ReLU between) estimate the noise; the output is input - noise."""

    def __init__(self):
        super().__init__()
        layers = [nn.Conv2d(3, CHANNELS, 3, padding=1), nn.ReLU()]
        for _ in range(CONVS - 2):
            layers += [nn.Conv2d(CHANNELS, CHANNELS, 3, padding=1), nn.ReLU()]
        layers += [nn.Conv2d(CHANNELS, 3, 3, padding=1)]
        self.noise = nn.Sequential(*layers)

    def forward(self, x):
        return x - self.noise(x)


def photo(name):
    img = getattr(data, name)()
    if img.ndim == 2:
        img = np.stack([img] * 3, -1)
    return np.ascontiguousarray(img[..., :3]).astype(np.float32) / 255.0  # HWC, 0..1


def add_noise(clean, rng):
    """A noisy 8-bit photo, back in 0..1: clean + N(0, SIGMA), rounded and clipped to 0..255."""
    noisy = np.round(clean * 255.0 + rng.normal(0.0, SIGMA, clean.shape))
    return (np.clip(noisy, 0, 255) / 255.0).astype(np.float32)


def to_bytes(x):
    return np.clip(np.round(x * 255.0), 0, 255).astype(np.uint8)


def psnr(a_bytes, b_bytes):
    mse = np.mean((a_bytes.astype(np.float64) - b_bytes.astype(np.float64)) ** 2)
    return float(10.0 * np.log10(255.0 ** 2 / mse))


def chw(x):  # HWC -> 1x3xHxW tensor
    return torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)))[None]


def hwc(t):  # 1x3xHxW tensor -> HWC array
    return t[0].numpy().transpose(1, 2, 0)


def png_bytes(rgb):
    """8-bit RGB PNG, no gamma or colour-profile chunks (a canvas returns exactly these bytes)."""
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[y].tobytes() for y in range(h))
    chunk = lambda tag, body: (struct.pack(">I", len(body)) + tag + body
                               + struct.pack(">I", zlib.crc32(tag + body) & 0xFFFFFFFF))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def tensor_proto(name, array):
    t = TensorProto()
    t.name = name
    t.data_type = TensorProto.FLOAT
    t.dims.extend(array.shape)
    t.raw_data = np.ascontiguousarray(array, dtype="<f4").tobytes()
    return t.SerializeToString()


def patches(photos, rng):
    """BATCH random PATCH x PATCH crops, each flipped and turned by a random multiple of 90 degrees."""
    out = np.empty((BATCH, PATCH, PATCH, 3), np.float32)
    for k in range(BATCH):
        img = photos[rng.randint(len(photos))]
        y, x = rng.randint(img.shape[0] - PATCH + 1), rng.randint(img.shape[1] - PATCH + 1)
        p = np.rot90(img[y:y + PATCH, x:x + PATCH], rng.randint(4))
        out[k] = p[:, ::-1] if rng.randint(2) else p
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=2400)
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    rng = np.random.RandomState(SEED)
    photos = [photo(n) for n in TRAIN_COLOUR + TRAIN_GREY]
    held = photo(HELD_OUT)
    held_noisy = add_noise(held, np.random.RandomState(SEED + 1))

    net = Denoiser()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, args.steps, eta_min=2e-5)
    t0 = time.process_time()
    for step in range(1, args.steps + 1):
        clean = patches(photos, rng)
        noisy = add_noise(clean, rng)
        x = torch.from_numpy(noisy.transpose(0, 3, 1, 2).copy())
        y = torch.from_numpy(clean.transpose(0, 3, 1, 2).copy())
        opt.zero_grad()
        loss = nn.functional.mse_loss(net(x), y)
        loss.backward()
        opt.step()
        sched.step()
        if step % 400 == 0 or step == args.steps:
            with torch.no_grad():
                out = hwc(net(chw(held_noisy)))
            print(f"train_image: step {step}: loss {loss.item():.6f}, held-out {HELD_OUT} PSNR "
                  f"{psnr(to_bytes(out), to_bytes(held)):.2f} dB", flush=True)
    train_seconds = time.process_time() - t0
    net.eval()

    with torch.no_grad():
        denoised = hwc(net(chw(held_noisy)))
    clean_b, noisy_b, out_b = to_bytes(held), to_bytes(held_noisy), to_bytes(denoised)
    psnr_noisy, psnr_out = psnr(noisy_b, clean_b), psnr(out_b, clean_b)
    print(f"train_image: held-out {HELD_OUT} {held.shape[1]}x{held.shape[0]}, sigma {SIGMA:g}: "
          f"PSNR noisy {psnr_noisy:.2f} dB, denoised {psnr_out:.2f} dB (+{psnr_out - psnr_noisy:.2f} dB); "
          f"training {train_seconds:.0f} CPU-s")

    os.makedirs(os.path.join(OUT, "test_data_set_0"), exist_ok=True)
    model_path = os.path.join(OUT, "model.onnx")
    torch.onnx.export(net, chw(held_noisy[:64, :64]), model_path, opset_version=17,
                      input_names=["noisy"], output_names=["denoised"],
                      dynamic_axes={"noisy": {2: "height", 3: "width"}, "denoised": {2: "height", 3: "width"}})
    top, left, size = DEMO_CROP
    with open(os.path.join(OUT, "photo.png"), "wb") as f:
        f.write(png_bytes(to_bytes(held[top:top + size, left:left + size])))
    top, left, h, w = TEST_CROP
    x = chw(held_noisy[top:top + h, left:left + w])
    with torch.no_grad():
        y = net(x).numpy()
    with open(os.path.join(OUT, "test_data_set_0", "input_0.pb"), "wb") as f:
        f.write(tensor_proto("noisy", x.numpy()))
    with open(os.path.join(OUT, "test_data_set_0", "output_0.pb"), "wb") as f:
        f.write(tensor_proto("denoised", y))
    info = {
        "name": "denoise",
        "description": "A small residual CNN that removes Gaussian noise (sigma 25/255) from 8-bit RGB photos, "
                       "trained on skimage.data's sample photos (scripts/train_image.py); photo.png is a crop of "
                       "the held-out photo, test_data_set_0 a noisy crop of it and PyTorch's output.",
        "train_photos": TRAIN_COLOUR + TRAIN_GREY, "heldout_photo": HELD_OUT,
        "sigma": SIGMA, "steps": args.steps, "batch": BATCH, "patch": PATCH,
        "heldout_psnr_noisy_db": round(psnr_noisy, 2), "heldout_psnr_denoised_db": round(psnr_out, 2),
        "train_cpu_seconds": round(train_seconds),
        "params": sum(p.numel() for p in net.parameters()),
        "model_bytes": os.path.getsize(model_path),
        "torch_version": torch.__version__,
        "regenerate": "/usr/bin/python3 scripts/train_image.py",
    }
    with open(os.path.join(OUT, "info.json"), "w") as f:
        json.dump(info, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
