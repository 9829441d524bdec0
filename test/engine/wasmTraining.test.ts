// Training a net that uses every op family on wasm: gradients equal cpu's, and 100 steps leak nothing.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { tf } from "../../src/core/engine/tf.js";
import { randomData, relError, rng } from "./gradcheck.js";
import { tinyNet } from "./tinyNet.js";

const SHAPE: [number, number, number, number] = [4, 11, 13, 3];
const CLASSES = 5;

function batch(seed: number): { x: tf.Tensor4D; labels: tf.Tensor2D } {
  const r = rng(seed);
  const x = tf.tensor4d(randomData(r, SHAPE), SHAPE);
  const labels = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: SHAPE[0] }, () => Math.floor(r() * CLASSES)),
      "int32",
    ),
    CLASSES,
  ) as tf.Tensor2D;
  return { x, labels };
}

async function gradientsOn(backend: string): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const net = tinyNet(3, SHAPE[3], CLASSES);
  const { x, labels } = batch(11);
  const { grads, value } = tf.variableGrads(() => net.loss(x, labels, 5), net.params);
  const out = net.params.map((p) => grads[p.name]?.dataSync() as Float32Array);
  tf.dispose([value, x, labels, ...Object.values(grads), ...net.params]);
  return out;
}

describe("training on wasm", () => {
  before(async () => {
    await initBackend("wasm");
  });

  test("every parameter's gradient of a full net equals the cpu backend's", async () => {
    const cpu = await gradientsOn("cpu");
    const wasm = await gradientsOn("wasm");
    assert.equal(wasm.length, cpu.length);
    cpu.forEach((c, i) => {
      const err = relError(wasm[i] as Float32Array, c);
      assert.ok(err < 1e-4, `parameter ${i}: relative error ${err.toExponential(2)}`);
    });
  });

  test("no leak: tensors and backend buffers constant across 100 SGD steps", async () => {
    await tf.setBackend("wasm");
    const net = tinyNet(4, SHAPE[3], CLASSES);
    const opt = tf.train.sgd(0.05);
    const { x, labels } = batch(12);
    const step = (i: number): number => {
      const cost = opt.minimize(() => net.loss(x, labels, i), true, net.params);
      const v = cost?.dataSync()[0] ?? Number.NaN;
      cost?.dispose();
      return v;
    };
    step(0); // the optimizer creates its state on the first step
    const start = tf.memory();
    const losses: number[] = [];
    for (let i = 1; i <= 100; i++) losses.push(step(i));
    const end = tf.memory();
    assert.equal(end.numTensors, start.numTensors, "numTensors grew");
    assert.equal(end.numDataBuffers, start.numDataBuffers, "backend data buffers grew");
    assert.ok(losses.every(Number.isFinite), "loss went non-finite");
    const first = (losses[0] as number) + (losses[1] as number);
    const last = (losses[98] as number) + (losses[99] as number);
    assert.ok(last < first, `loss did not fall: ${first / 2} → ${last / 2}`);
    tf.dispose([x, labels, ...net.params]);
    opt.dispose();
  });
});
