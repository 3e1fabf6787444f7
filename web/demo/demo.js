// Demo page: loads the compiled models listed in models.json (written by scripts/build_demo.sh),
// runs them (a digit drawn or held out; a noisy photo) and shows results and timings. Everything it computes is also
// left in window.__results for tests/web/demo.test.mjs.
import { imageInput, imageRgba, addNoise, psnr, digitInput, digitRgba } from './preprocess.js';

const results = { errors: [], done: false };
window.__results = results;
const $ = (id) => document.getElementById(id);
const ms = (t) => `${t.toFixed(1)} ms`;

// The picture's RGBA bytes at the model's input size, drawn on `canvas`.
async function pixels(url, canvas, w, h) {
  const blob = await (await fetch(url)).blob();
  const bmp = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  canvas.width = w; canvas.height = h;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(bmp, 0, 0, w, h);
  return ctx.getImageData(0, 0, w, h).data;
}

async function load(spec) {
  const t0 = performance.now();
  const mod = await import(new URL(spec.module, location.href).href);
  const model = await (mod.createModel || mod.default)();
  return { model, loadMs: performance.now() - t0 };
}

async function timedRun(model, x) {
  const t0 = performance.now();
  const out = await model.run({ [model.inputs[0].name]: x });
  const runMs = performance.now() - t0;
  const o = out[model.outputs[0].name];
  return { data: o.data, shape: o.shape, runMs };
}

const tasks = {
  // The digit canvas: classified live while the visitor draws; "again" shows the next held-out
  // digit (heldout.u8: 65 bytes each, the label then 64 pixels of 0..16).
  async digits(spec, model, status) {
    const canvas = $('digit-draw');
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    const { width: w, height: h } = canvas;
    const heldout = new Uint8Array(await (await fetch(spec.heldout)).arrayBuffer());
    let next = 0, label = null;
    const classify = async () => {
      const x = digitInput(ctx.getImageData(0, 0, w, h).data, w, h);
      const y = await timedRun(model, x);
      y.input = x;
      y.digit = y.data.indexOf(Math.max(...y.data));
      $('digit-seen').textContent = `the model sees a ${y.digit} (${(100 * y.data[y.digit]).toFixed(1)} %)`
        + (label === null ? '' : `; the held-out digit is a ${label}`);
      $('digit-probs').replaceChildren(...Array.from(y.data, (p) => {
        const li = document.createElement('li');
        li.textContent = `${'█'.repeat(Math.round(20 * p)).padEnd(20, '·')} ${(100 * p).toFixed(1)} %`;
        return li;
      }));
      status(`${spec.model}: run ${y.runMs < 0.1 ? 'under 0.1 ms' : ms(y.runMs)}`);
      return y;
    };
    const paint = (pixels, digitLabel) => {
      ctx.putImageData(new ImageData(digitRgba(pixels, w, h), w, h), 0, 0);
      label = digitLabel;
    };
    const clear = () => { ctx.fillStyle = '#000'; ctx.fillRect(0, 0, w, h); label = null; };
    // Drawing: white strokes as thick as the digits' pen (6 of the 32 pixels: their 1s fill two
    // 4x4 blocks across), classified once per frame.
    let last = null, queued = false;
    const point = (e) => {
      const r = canvas.getBoundingClientRect();
      return [((e.clientX - r.left) * w) / r.width, ((e.clientY - r.top) * h) / r.height];
    };
    const live = () => {
      if (queued) return;
      queued = true;
      requestAnimationFrame(() => { queued = false; classify().catch((e) => fail('digits', e, status)); });
    };
    canvas.addEventListener('pointerdown', (e) => {
      if (label !== null) clear();
      canvas.setPointerCapture(e.pointerId);
      last = point(e);
    });
    canvas.addEventListener('pointermove', (e) => {
      if (!last) return;
      const p = point(e);
      Object.assign(ctx, { strokeStyle: '#fff', lineWidth: 6, lineCap: 'round', lineJoin: 'round' });
      ctx.beginPath(); ctx.moveTo(...last); ctx.lineTo(...p); ctx.stroke();
      last = p;
      live();
    });
    const end = () => { last = null; };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
    $('digit-clear').onclick = () => { clear(); live(); };
    // For the browser test: paints 64 pixels (0..16) and classifies them as a drawing would be.
    window.__classifyDigit = async (pixels) => {
      paint(pixels, null);
      const y = await classify();
      return { input: Array.from(y.input), output: Array.from(y.data), digit: y.digit };
    };
    clear();
    const again = async () => {
      const at = 65 * (next++ % (heldout.length / 65));
      paint(heldout.subarray(at + 1, at + 65), heldout[at]);
      return classify();
    };
    return { again };
  },
  // The denoiser: the held-out photo, Gaussian noise (spec.sigma) added in the page from a seed,
  // and the model's output, each with its PSNR against the photo; "new noise" takes the next seed.
  async denoise(spec, model, status) {
    const [, , h, w] = model.inputs[0].shape;
    const clean = await pixels(spec.image, $('denoise-clean'), w, h);
    let seed = spec.seed;
    const draw = (id, rgba) => {
      const c = $(id);
      c.width = w; c.height = h;
      c.getContext('2d').putImageData(new ImageData(rgba, w, h), 0, 0);
    };
    const again = async () => {
      status(`running ${model.name}…`);
      const noisy = addNoise(clean, spec.sigma, seed);
      draw('denoise-noisy', noisy);
      const x = imageInput(noisy, w, h);
      const y = await timedRun(model, x);
      const out = imageRgba(y.data, w, h);
      draw('denoise-out', out);
      y.input = x;
      y.report = { seed, sigma: spec.sigma, psnrNoisy: psnr(noisy, clean), psnrDenoised: psnr(out, clean) };
      const db = (v) => `${v.toFixed(2)} dB`;
      $('denoise-psnr-noisy').textContent = `PSNR ${db(y.report.psnrNoisy)}`;
      $('denoise-psnr-out').textContent = `PSNR ${db(y.report.psnrDenoised)}`;
      $('denoise-gain').textContent = `The network gains ${(y.report.psnrDenoised - y.report.psnrNoisy).toFixed(2)} dB `
        + `(noise seed ${seed}, sigma ${spec.sigma} of 255 levels).`;
      seed += 1;
      return y;
    };
    return { again };
  },
};

async function start(key, spec) {
  const el = $(`${key}-status`);
  const status = (s, bad) => { el.textContent = s; el.classList.toggle('error', !!bad); };
  if (!spec || spec.skipped) {
    status(`not built: ${spec ? spec.skipped : 'missing from models.json'}`, true);
    results[key] = { skipped: spec ? spec.skipped : 'missing' };
    return;
  }
  try {
    const { model, loadMs } = await load(spec);
    const task = await tasks[key](spec, model, status);
    const show = async () => {
      const y = await task.again();
      results[key] = { model: spec.model, loadMs, runMs: y.runMs, input: y.input, output: y.data,
                       shape: y.shape, ...y.report };
      status(`${spec.model}: load ${ms(loadMs)} (fetch + compile${spec.weights === 'file'
        ? ' + weights' : ''}), run ${ms(y.runMs)}`);
    };
    await show();
    const btn = $(`${key}-again`);
    btn.disabled = false;
    btn.onclick = () => show().catch((e) => fail(key, e, status));
  } catch (e) {
    fail(key, e, status);
  }
}

function fail(key, e, status) {
  status(`error: ${e && e.message ? e.message : e}`, true);
  results.errors.push(`${key}: ${e && e.stack ? e.stack : e}`);
  console.error(`${key}:`, e);
}

const manifest = await (await fetch('models.json')).json();
// One after the other: the page runs on one thread, and the timings should not overlap.
await start('digits', manifest.digits);
await start('denoise', manifest.denoise);
results.done = true;
