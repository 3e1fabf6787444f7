// A consumer app of `onnx2cpp build --target wasm` bundled by Vite with no configuration (test
// wasm/vite_*, vite_test.sh): the module in ./model/ (tiny.js, tiny.wasm, tiny.weights.bin,
// tiny.d.ts) imported as it is, the model run on the page and in a Web Worker (worker.ts).
// The test calls window.o2cRun(image) and compares both results with the reference outputs.
import createModel from "./model/tiny.js";
import type { Inputs, Model, Outputs } from "./model/tiny.js";

export interface Result {
  where: "page" | "worker";
  shape: number[];
  data: number[];
}

export type Reply = Result | { error: string };

declare global {
  interface Window {
    o2cRun?: (image: number[]) => Promise<Result[]>;
  }
}

export function result(where: Result["where"], out: Outputs): Result {
  return { where, shape: out.probs.shape, data: Array.from(out.probs.data) };
}

async function onPage(image: Float32Array): Promise<Result> {
  const model: Model = await createModel();
  const feeds: Inputs = { image };
  return result("page", model.run(feeds));
}

function inWorker(image: Float32Array): Promise<Result> {
  const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
  return new Promise<Result>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<Reply>) => {
      worker.terminate();
      if ("error" in e.data) reject(new Error("worker: " + e.data.error));
      else resolve(e.data);
    };
    worker.onerror = (e: ErrorEvent) => reject(new Error("worker: " + e.message));
    worker.postMessage(image, [image.buffer]);
  });
}

const status = document.getElementById("status");
window.o2cRun = async (image: number[]): Promise<Result[]> => {
  const results = [await onPage(Float32Array.from(image)), await inWorker(Float32Array.from(image))];
  if (status) status.textContent = results.map((r) => r.where + ": " + r.data.map((v) => v.toFixed(3)).join(" ")).join("; ");
  return results;
};
if (status) status.textContent = "ready";
