// Demo page: loads the compiled models listed in models.json (written by scripts/build_demo.sh),
// runs them on the bundled pictures and shows results and timings. Everything it computes is also
// left in window.__results for tests/web/demo.test.mjs.
import { styleInput, classifierInput, chwToRgba, topK } from './preprocess.js';

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
  async style(spec, model, status) {
    const [, , h, w] = model.inputs[0].shape;
    const x = styleInput(await pixels(spec.image, $('style-in'), w, h), w, h);
    const again = async () => {
      status(`running ${model.name}…`);
      const y = await timedRun(model, x);
      const [, , oh, ow] = y.shape;
      const img = chwToRgba(y.data, ow, oh);
      const out = $('style-out');
      out.width = ow; out.height = oh;
      out.getContext('2d').putImageData(new ImageData(img.rgba, ow, oh), 0, 0);
      $('style-note').textContent = `output ${y.shape.join('×')}, values in [${img.min.toFixed(3)}, `
        + `${img.max.toFixed(3)}] stretched to 0–255 (the model has random weights)`;
      return y;
    };
    return { x, again };
  },
  async classifier(spec, model, status) {
    const [, , h, w] = model.inputs[0].shape;
    const x = classifierInput(await pixels(spec.image, $('classifier-in'), w, h), w, h);
    const again = async () => {
      status(`running ${model.name}…`);
      const y = await timedRun(model, x);
      y.top5 = topK(y.data, 5);
      $('classifier-top5').replaceChildren(...y.top5.map((e) => {
        const li = document.createElement('li');
        li.textContent = `class ${e.index}: ${(100 * e.prob).toFixed(2)}%  (logit ${e.logit.toFixed(4)})`;
        li.dataset.index = e.index;
        return li;
      }));
      return y;
    };
    return { x, again };
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
      results[key] = { model: spec.model, loadMs, runMs: y.runMs, input: task.x, output: y.data,
                       shape: y.shape, top5: y.top5 };
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
await start('style', manifest.style);
await start('classifier', manifest.classifier);
results.done = true;
