// Image <-> tensor conversions shared by the demo page (demo.js) and the browser test, which
// recomputes the page's input tensors (the noisy photo, the drawn digits) in Node and checks them.

// RGBA bytes (row-major, w x h) -> Float32Array in NCHW order (1x3xhxw), value = f(byte, channel).
export function rgbaToChw(rgba, w, h, f) {
  const plane = w * h, out = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < plane; i++) out[c * plane + i] = f(rgba[4 * i + c], c);
  }
  return out;
}

// The denoiser (models/denoise, scripts/train_image.py) takes RGB / 255.
export const imageInput = (rgba, w, h) => rgbaToChw(rgba, w, h, (v) => v / 255);

// Its output (1x3xhxw, 0..1 give or take) -> RGBA bytes: value * 255, rounded and clamped to 0..255.
export function imageRgba(chw, w, h) {
  const plane = w * h, rgba = new Uint8ClampedArray(4 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) rgba[4 * i + c] = Math.round(255 * chw[c * plane + i]);
    rgba[4 * i + 3] = 255;
  }
  return rgba;
}

// mulberry32: a seeded 32-bit generator of uniforms in [0, 1), the same numbers in every engine.
function uniforms(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The photo with Gaussian noise of standard deviation `sigma` (in 0..255 levels, independent per
// channel, Box-Muller from the seeded generator) added, rounded and clamped to 8 bits, as the
// denoiser was trained (scripts/train_image.py): a noisy 8-bit photo, the same for the same seed.
export function addNoise(rgba, sigma, seed) {
  const next = uniforms(seed), out = new Uint8ClampedArray(rgba.length);
  let spare = null;
  const gauss = () => {
    if (spare !== null) { const g = spare; spare = null; return g; }
    const r = Math.sqrt(-2 * Math.log(1 - next())), phi = 2 * Math.PI * next();
    spare = r * Math.sin(phi);
    return r * Math.cos(phi);
  };
  for (let i = 0; i < rgba.length; i += 4) {
    for (let c = 0; c < 3; c++) out[i + c] = Math.round(rgba[i + c] + sigma * gauss());
    out[i + 3] = 255;
  }
  return out;
}

// Peak signal-to-noise ratio of two RGBA pictures' RGB bytes, in dB: 10 log10(255^2 / MSE).
export function psnr(a, b) {
  let sum = 0, n = 0;
  for (let i = 0; i < a.length; i += 4) {
    for (let c = 0; c < 3; c++, n++) sum += (a[i + c] - b[i + c]) ** 2;
  }
  return 10 * Math.log10((255 * 255 * n) / sum);
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
