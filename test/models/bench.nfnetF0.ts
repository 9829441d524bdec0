// Benchmark (not a test): NFNet-F0 at its training resolution (192 px), one forward + backward pass on wasm, with
// the time of each phase and the peak memory. Run: node --import tsx test/models/bench.nfnetF0.ts [batch] [px]
import { initBackend } from "../../src/core/engine/backend.js";
import { tf } from "../../src/core/engine/tf.js";
import { buildModel, countModel, resolveModelSpec } from "../../src/core/models/index.js";

const batch = Number(process.argv[2] ?? 1);
const px = Number(process.argv[3] ?? 192);
const backend = await initBackend("wasm");
const spec = resolveModelSpec({ name: "nfnet-f0" });
const count = countModel(spec, { px, inChannels: 3, numClasses: 1000 });

let t = performance.now();
const model = buildModel(spec, { numClasses: 1000, inputShape: [px, px, 3], seed: 0 });
const buildS = (performance.now() - t) / 1000;
const x = tf.randomNormal([batch, px, px, 3], 0, 1, "float32", 1) as tf.Tensor4D;
const labels = tf.tidy(() => tf.oneHot(tf.zeros([batch], "int32"), 1000));
const vars = model.params.map((p) => p.variable);

t = performance.now();
const fwd = tf.tidy(() => model.apply(x, { training: false }));
fwd.dataSync();
fwd.dispose();
const forwardS = (performance.now() - t) / 1000;

let loss = Number.NaN;
t = performance.now();
const info = await tf.profile(() => {
  const { value, grads } = tf.variableGrads(
    () => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true, seed: 0 })) as tf.Scalar,
    vars,
  );
  loss = value.dataSync()[0] as number;
  value.dispose();
  for (const g of Object.values(grads)) g.dispose();
});
const stepS = (performance.now() - t) / 1000;
const result = {
  model: spec.name,
  backend: `${backend.name} ${backend.version}`,
  device: backend.device,
  px,
  batch,
  params: count.params,
  macs_per_image: count.macs,
  build_s: +buildS.toFixed(2),
  forward_s: +forwardS.toFixed(2),
  forward_backward_s: +stepS.toFixed(2),
  loss,
  peak_tensor_bytes: info.peakBytes,
  peak_rss_bytes: process.resourceUsage().maxRSS * 1024,
};
console.log(JSON.stringify(result, null, 2));
model.dispose();
