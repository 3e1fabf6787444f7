// The module in a Web Worker (main.ts starts it): loads the model once, runs it on each image
// the page posts and posts back the result (or the error).
import createModel from "./model/tiny.js";
import type { Reply } from "./main.js";

const ready = createModel();

self.onmessage = async (e: MessageEvent<Float32Array>) => {
  let reply: Reply;
  try {
    const out = (await ready).run({ image: e.data });
    reply = { where: "worker", shape: out.probs.shape, data: Array.from(out.probs.data) };
  } catch (err) {
    reply = { error: String(err) };
  }
  self.postMessage(reply);
};
