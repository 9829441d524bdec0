// Run by simdKernels.test.ts in a child process with NFX_WASM_FMA=0: the plain (no fused multiply-add) build of
// nfx's kernels must give the cpu backend's conv and gradients too. Prints one JSON line.
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { tf } from "../../src/core/engine/tf.js";
import { gradsOn, randomData, relError, rng } from "./gradcheck.js";

const info = await initBackend("wasm");
const r = rng(7);
const inputs = [
  { shape: [2, 9, 11, 12], data: randomData(r, [2, 9, 11, 12]) },
  { shape: [3, 3, 12, 16], data: randomData(r, [3, 3, 12, 16]) },
];
const f = (x: tf.Tensor, w: tf.Tensor): tf.Tensor => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, [2, 1], "same");
const cpu = await gradsOn("cpu", f, inputs, 8);
const wasm = await gradsOn("wasm", f, inputs, 8);
const errors = cpu.map((c, i) => relError(wasm[i] as Float32Array, c));
console.log(JSON.stringify({ build: info.nfxKernels, errors }));
