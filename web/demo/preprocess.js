// Image <-> tensor conversions shared by the demo page (demo.js) and the browser test, which
// recomputes the page's input tensors from the PNG files in Node and checks them.

export const IMAGENET_MEAN = [0.485, 0.456, 0.406];
export const IMAGENET_STD = [0.229, 0.224, 0.225];

// RGBA bytes (row-major, w x h) -> Float32Array in NCHW order (1x3xhxw), value = f(byte, channel).
export function rgbaToChw(rgba, w, h, f) {
  const plane = w * h, out = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < plane; i++) out[c * plane + i] = f(rgba[4 * i + c], c);
  }
  return out;
}

// fast-neural-style takes pixel values in 0..255.
export const styleInput = (rgba, w, h) => rgbaToChw(rgba, w, h, (v) => v);

// ImageNet classifiers take (v/255 - mean) / std per channel.
export const classifierInput = (rgba, w, h) =>
  rgbaToChw(rgba, w, h, (v, c) => (v / 255 - IMAGENET_MEAN[c]) / IMAGENET_STD[c]);

// 1x3xhxw -> RGBA bytes, the tensor's [min, max] stretched to 0..255 (the shared style model has
// random weights, so its output is not in pixel range; a trained one would be clamped instead).
export function chwToRgba(chw, w, h) {
  let min = Infinity, max = -Infinity;
  for (const v of chw) { if (v < min) min = v; if (v > max) max = v; }
  const plane = w * h, scale = max > min ? 255 / (max - min) : 0;
  const rgba = new Uint8ClampedArray(4 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) rgba[4 * i + c] = (chw[c * plane + i] - min) * scale;
    rgba[4 * i + 3] = 255;
  }
  return { rgba, min, max };
}

// The k largest logits with their softmax probabilities, best first.
export function topK(logits, k) {
  let max = -Infinity;
  for (const v of logits) if (v > max) max = v;
  let sum = 0;
  for (const v of logits) sum += Math.exp(v - max);
  return Array.from(logits, (logit, index) => ({ index, logit }))
    .sort((a, b) => b.logit - a.logit).slice(0, k)
    .map((e) => ({ ...e, prob: Math.exp(e.logit - max) / sum }));
}

// The digit canvas (white ink on black, w x h, both multiples of 8) -> the digit model's input
// (1x1x8x8): the mean ink of each block, as scikit-learn's digits count the set pixels of 4x4
// blocks of 32x32 bitmaps (0..16, divided by 16 in training).
export function digitInput(rgba, w, h) {
  const bw = w / 8, bh = h / 8, out = new Float32Array(64);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) out[8 * Math.floor(y / bh) + Math.floor(x / bw)] += rgba[4 * (y * w + x)] / 255;
  }
  return out.map((v) => v / (bw * bh));
}

// A held-out digit's 64 pixels (0..16) painted at w x h: each pixel a block of gray.
export function digitRgba(pixels, w, h) {
  const rgba = new Uint8ClampedArray(4 * w * h), bw = w / 8, bh = h / 8;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = Math.round((255 * pixels[8 * Math.floor(y / bh) + Math.floor(x / bw)]) / 16), i = 4 * (y * w + x);
      rgba[i] = rgba[i + 1] = rgba[i + 2] = v;
      rgba[i + 3] = 255;
    }
  }
  return rgba;
}
