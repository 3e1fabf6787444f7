// The training demo (index.html): trains model/digits.js (onnx2cpp train --target wasm, built
// by scripts/build_train_demo.sh) on digits.json, plots the loss and held-out accuracy, then
// classifies what is drawn on the pad. window.trainResult reports the run (tests/web/train.test.mjs).
import createModel from "./model/digits.js";

const STEPS = 300, LR = 0.01, EVAL_EVERY = 10;

const status = document.getElementById("status");
const data = await (await fetch("digits.json")).json();
const model = await createModel();
const [input] = model.inputs;
const batch = input.shape[0], features = input.shape[1];

// Pixels (0..max) of digit i of a split as the model's features (0..1).
const fill = (x, slot, split, i) => {
  for (let k = 0; k < features; ++k) x[slot * features + k] = split.pixels[i * features + k] / data.max;
};

// A shuffled order of the training digits, reshuffled each epoch (fixed seed: the same run every time).
let seed = 1;
const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296);
let order = [], at = 0;
const next = () => {
  if (at === order.length) {
    order = Array.from(data.train.labels, (_, i) => i);
    for (let i = order.length - 1; i > 0; --i) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    at = 0;
  }
  return order[at++];
};

// Scores of the digits [first, first + n) of a split (n <= batch; the rest of the batch is padding).
const x = new Float32Array(batch * features);
const scores = (split, first, n) => {
  x.fill(0);
  for (let s = 0; s < n; ++s) fill(x, s, split, first + s);
  return model.run({ [input.name]: x })[model.outputs[0].name].data;
};
const argmax = (a, row, classes) => {
  let best = 0;
  for (let c = 1; c < classes; ++c) if (a[row * classes + c] > a[row * classes + best]) best = c;
  return best;
};
const classes = model.outputs[0].shape[1];
const accuracy = () => {
  let right = 0;
  const n = data.test.labels.length;
  for (let first = 0; first < n; first += batch) {
    const m = Math.min(batch, n - first), y = scores(data.test, first, m);
    for (let s = 0; s < m; ++s) right += argmax(y, s, classes) === data.test.labels[first + s];
  }
  return right / n;
};

// The chart: loss per step (blue, left axis from 0 to the first loss), accuracy (green, 0..1).
const chart = document.getElementById("chart"), g = chart.getContext("2d");
const draw = (losses, accuracies) => {
  const w = chart.width, h = chart.height, pad = 30, top = Math.max(...losses, 1e-6);
  g.clearRect(0, 0, w, h);
  g.strokeStyle = "#999";
  g.strokeRect(pad, 10, w - 2 * pad, h - pad - 10);
  g.fillStyle = "#333";
  g.font = "12px sans-serif";
  g.fillText(`loss (max ${top.toFixed(2)})`, pad + 4, 24);
  g.fillText("accuracy", w - pad - 60, 24);
  g.fillText(`step ${losses.length} / ${STEPS}`, w / 2 - 30, h - 8);
  const px = (s) => pad + (w - 2 * pad) * s / STEPS, py = (v) => 10 + (h - pad - 10) * (1 - v);
  const line = (points, color) => {
    g.strokeStyle = color;
    g.beginPath();
    points.forEach(([s, v], i) => (i ? g.lineTo(px(s), py(v)) : g.moveTo(px(s), py(v))));
    g.stroke();
  };
  line(losses.map((l, s) => [s, l / top]), "#1f5fbf");
  line(accuracies, "#2a9d3a");
};

const losses = [], accuracies = [[0, accuracy()]];
const targets = new BigInt64Array(batch);
const t0 = performance.now();
for (let step = 0; step < STEPS; ++step) {
  for (let s = 0; s < batch; ++s) {
    const i = next();
    fill(x, s, data.train, i);
    targets[s] = BigInt(data.train.labels[i]);
  }
  losses.push(model.trainStep({ [input.name]: x }, { [model.targets[0].name]: targets }, LR));
  if ((step + 1) % EVAL_EVERY === 0) {
    accuracies.push([step + 1, accuracy()]);
    draw(losses, accuracies);
    status.textContent = `step ${step + 1}: loss ${losses[step].toFixed(3)}, held-out accuracy ` +
      `${(100 * accuracies[accuracies.length - 1][1]).toFixed(1)}%`;
    await new Promise((r) => requestAnimationFrame(r));
  }
}
const ms = (performance.now() - t0) / STEPS;
status.textContent += ` (${ms.toFixed(2)} ms a step with evaluations)`;
window.trainResult = { losses, accuracies, msPerStep: ms, done: true };

// The pad: strokes on a 160x160 canvas, averaged down to the 8x8 digits' scale on release.
const pad = document.getElementById("pad"), p = pad.getContext("2d");
const clear = () => { p.fillStyle = "#000"; p.fillRect(0, 0, pad.width, pad.height); };
clear();
p.strokeStyle = "#fff";
p.lineWidth = 16;
p.lineCap = "round";
let drawing = false;
pad.addEventListener("pointerdown", (e) => { drawing = true; p.beginPath(); p.moveTo(e.offsetX, e.offsetY); });
pad.addEventListener("pointermove", (e) => { if (drawing) { p.lineTo(e.offsetX, e.offsetY); p.stroke(); } });
pad.addEventListener("pointerup", () => { drawing = false; classify(); });
document.getElementById("clear").addEventListener("click", () => { clear(); document.getElementById("prediction").textContent = ""; });

function classify() {
  const side = data.side, cell = pad.width / side, img = p.getImageData(0, 0, pad.width, pad.height).data;
  const digit = { pixels: new Array(features).fill(0) };
  for (let r = 0; r < side; ++r)
    for (let c = 0; c < side; ++c) {
      let sum = 0;
      for (let y = r * cell; y < (r + 1) * cell; ++y)
        for (let x0 = c * cell; x0 < (c + 1) * cell; ++x0) sum += img[(y * pad.width + x0) * 4];
      digit.pixels[r * side + c] = data.max * sum / (255 * cell * cell);
    }
  const y = scores(digit, 0, 1);
  const best = argmax(y, 0, classes);
  document.getElementById("prediction").textContent = `I read a ${best}`;
  window.trainResult.prediction = best;
}
