#!/usr/bin/env python3
"""Draws the demo's two bundled 224x224 RGB pictures with numpy (deterministic, no downloads)
adds seeded film grain and writes them as plain PNGs (8-bit RGB, no gamma or colour-profile chunks, so a browser's
canvas returns exactly these bytes):

    landscape.png   sky gradient, sun, two mountain ridges, a lake  (style transfer input)
    shapes.png      disc, square and triangle on a striped ground   (classifier input)

    python3 web/demo/make_images.py [OUTDIR]      # default: this script's folder
"""
import os, struct, sys, zlib
import numpy as np

N = 224
GRAIN = 4.0  # standard deviation of the added noise, in 0..255 levels


def png_bytes(rgb):
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[y].tobytes() for y in range(h))  # filter 0 on every row
    chunk = lambda tag, body: (struct.pack(">I", len(body)) + tag + body
                               + struct.pack(">I", zlib.crc32(tag + body) & 0xFFFFFFFF))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def landscape():
    y, x = np.mgrid[0:N, 0:N].astype(np.float64) / (N - 1)
    img = np.empty((N, N, 3))
    img[...] = np.stack([0.35 + 0.5 * y, 0.55 + 0.35 * y, 0.95 - 0.2 * y], -1)     # sky
    sun = (x - 0.72) ** 2 + (y - 0.25) ** 2 < 0.09 ** 2
    img[sun] = [1.0, 0.85, 0.3]
    far = 0.55 - 0.12 * np.sin(6.0 * x + 0.5) - 0.05 * np.sin(17.0 * x)
    img[y > far] = [0.45, 0.45, 0.6]
    near = 0.68 - 0.1 * np.sin(4.0 * x + 2.0) - 0.03 * np.sin(29.0 * x)
    img[y > near] = np.stack([0.2 + 0 * x, 0.5 - 0.2 * y, 0.2 + 0 * x], -1)[y > near]
    lake = y > 0.82
    img[lake] = np.stack([0.1 + 0.1 * np.sin(40 * y), 0.3 + 0 * y, 0.6 + 0.1 * np.sin(60 * x)], -1)[lake]
    return img


def shapes():
    y, x = np.mgrid[0:N, 0:N].astype(np.float64) / (N - 1)
    img = np.stack([0.9 - 0.2 * y, 0.88 + 0 * y, 0.8 + 0 * y], -1)
    stripes = (y > 0.75) & (np.floor(x * 16) % 2 == 0)
    img[y > 0.75] = [0.55, 0.4, 0.25]
    img[stripes] = [0.65, 0.5, 0.3]
    img[(x - 0.28) ** 2 + (y - 0.45) ** 2 < 0.15 ** 2] = [0.85, 0.15, 0.15]
    img[(abs(x - 0.7) < 0.12) & (abs(y - 0.35) < 0.12)] = [0.15, 0.35, 0.85]
    tri = (y < 0.72) & (y > 0.5) & (abs(x - 0.62) < (y - 0.5) * 0.9)
    img[tri] = [0.2, 0.7, 0.25]
    return img


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    rng = np.random.default_rng(20240601)
    for name, f in [("landscape.png", landscape), ("shapes.png", shapes)]:
        # Film grain: flat colour fields make the style model's InstanceNorm divide by tiny
        # variances, which magnifies rounding differences between runtimes far past 1e-3.
        grain = rng.normal(0.0, GRAIN, (N, N, 3))
        rgb = np.clip(np.round(f() * 255 + grain), 0, 255).astype(np.uint8)
        with open(os.path.join(out, name), "wb") as fh:
            fh.write(png_bytes(rgb))
        print(os.path.join(out, name))


if __name__ == "__main__":
    main()
