// For tsc only (not bundled): the declarations are strict, not `any`. Each @ts-expect-error
// fails the check if the line it marks type-checks.
import createModel from "./model/tiny.js";
import type { CreateModelOptions, Inputs, Model } from "./model/tiny.js";

export async function strictness(options: CreateModelOptions): Promise<void> {
  const model: Model = await createModel(options);
  const name: "tiny" = model.name;
  const input: "image" = model.inputs[0].name;
  const dtype: "float32" = model.inputs[0].dtype;
  // @ts-expect-error: the input is missing
  const missing: Inputs = {};
  // @ts-expect-error: the wrong typed array
  const wrong: Inputs = { image: new Float64Array(784) };
  // @ts-expect-error: no such output
  const none = model.run({ image: new Float32Array(784) }).logits;
  // @ts-expect-error: options are checked too
  await createModel({ locateFile: 1 });
  console.log(name, input, dtype, missing, wrong, none);
}
