// Full NFNet-F0 against the official code and timm: loads DeepMind's npz and timm's safetensors of the same random
// weights (made by reference/official_weights.py; not committed, 286 MB each) into nfx's `nfnet-f0`, and prints the
// worst |nfx − reference| over each input batch's logits, divided by the largest |reference logit|.
//   npx tsx scripts/checkOfficialF0.ts [DIR=/tmp/f0] [--backend cpu|wasm]
// DIR holds F0.deepmind.npz, F0.timm.safetensors, F0.json ({official_logits, timm_logits, input_names}) and
// the inputs file F0.json names (default F0-inputs.json: {inputs: [{shape, data (base64 float32)}]}).
import fs from "node:fs";
import path from "node:path";
import { type BackendName, initBackend } from "../src/core/engine/backend/backend.js";
import { tf } from "../src/core/engine/tf.js";
import { buildModel } from "../src/core/models/build.js";
import { resolveModelSpec } from "../src/core/models/index.js";
import { assignWeights, fitWeights, readWeightsFile } from "../src/core/weights/weightsFile.js";

const args = process.argv.slice(2);
const bi = args.indexOf("--backend");
const backend = (bi >= 0 ? args[bi + 1] : "cpu") as BackendName;
const dir = args.find((a, i) => !a.startsWith("--") && (bi < 0 || i !== bi + 1)) ?? "/tmp/f0";
const meta = JSON.parse(fs.readFileSync(path.join(dir, "F0.json"), "utf8")) as {
  inputs?: string;
  input_names: string[];
  official_logits: Record<string, number[][]>;
  timm_logits: Record<string, number[][]>;
};
const inputs = (
  JSON.parse(fs.readFileSync(path.join(dir, path.basename(meta.inputs ?? "F0-inputs.json")), "utf8")) as {
    inputs: { shape: number[]; data: string }[];
  }
).inputs;
const unpack = (b64: string) => {
  const buf = Buffer.from(b64, "base64");
  return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
};

await initBackend(backend);
for (const [file, forms, ref] of [
  ["F0.deepmind.npz", "official", "official_logits"],
  ["F0.timm.safetensors", "timm", "timm_logits"],
] as const) {
  const weights = readWeightsFile(path.join(dir, file));
  meta.input_names.forEach((name, i) => {
    const input = inputs[i];
    if (!input) throw new Error(`no input ${i} (${name})`);
    const [, h, w, c] = input.shape as [number, number, number, number];
    const want = (meta[ref][name] ?? []).flat();
    const model = buildModel(resolveModelSpec({ name: "nfnet-f0", forms }), {
      numClasses: want.length / (input.shape[0] as number),
      inputShape: [h, w, c],
      seed: 0,
    });
    try {
      assignWeights(model, fitWeights(model, weights));
      const got = tf.tidy(
        () =>
          model
            .apply(tf.tensor4d(unpack(input.data), input.shape as [number, number, number, number]), {
              training: false,
            })
            .dataSync() as Float32Array,
      );
      const scale = Math.max(...want.map(Math.abs));
      const worst = Math.max(...want.map((v, k) => Math.abs(v - (got[k] as number))));
      console.log(
        `${backend} ${file} (${forms} forms) ${name}: max |Δ| ${worst.toExponential(3)}, / max |logit| ${(worst / scale).toExponential(3)}`,
      );
    } finally {
      model.dispose();
    }
  });
}
