// Every kernel nfx registers on wasm must give the cpu backend's gradients (relative error < 1e-4) over randomized
// shapes, strides, paddings and odd sizes; and training on wasm must not leak tensors or backend buffers.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { tf } from "../../src/core/engine/tf.js";
import { WASM_GRADIENT_KERNELS } from "../../src/core/engine/wasm/wasmGradients.js";
import {
  type ConvCase,
  checkAgainstCpu,
  convCase,
  GRAD_TOL,
  int,
  pick,
  randomData,
  relError,
  rng,
} from "./gradcheck.js";

describe("wasm gradient kernels match the cpu backend", () => {
  before(async () => {
    await initBackend("wasm");
  });

  test("registers every kernel it claims on wasm", () => {
    for (const k of WASM_GRADIENT_KERNELS) {
      assert.equal(tf.getKernel(k.kernelName, "wasm")?.kernelFunc, k.kernelFunc, k.kernelName);
    }
  });

  test("conv2d: Conv2DBackpropInput and Conv2DBackpropFilter over 60 random geometries", async () => {
    for (let seed = 1; seed <= 60; seed++) {
      const c = convCase(seed, false);
      await checkAgainstCpu(
        "wasm",
        `conv2d ${JSON.stringify(c)}`,
        (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad),
        [c.x, c.w],
        seed,
      );
    }
  });

  test("conv2d with Cin % 4 = 0 and Cout % 8 = 0 (the SIMD filter-gradient kernel) over 40 random geometries", async () => {
    for (let seed = 201; seed <= 240; seed++) {
      const c = convCase(seed, false, true);
      await checkAgainstCpu(
        "wasm",
        `conv2d ${JSON.stringify(c)}`,
        (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad),
        [c.x, c.w],
        seed,
      );
    }
  });

  test("depthwiseConv2d (channel multiplier 1–3): both backprop kernels over 40 random geometries", async () => {
    for (let seed = 101; seed <= 140; seed++) {
      const c = convCase(seed, true);
      // tfjs's depthwise op requires equal strides.
      const s = c.strides[0];
      await checkAgainstCpu(
        "wasm",
        `depthwise ${JSON.stringify(c)}`,
        (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, s, c.pad),
        [c.x, c.w],
        seed,
      );
    }
  });

  test("conv2d on realistic sizes (32×32, 3×3 and 7×7/2 stems, 1×1/2 shortcuts)", async () => {
    const cases: ConvCase[] = [
      { x: [2, 32, 32, 16], w: [3, 3, 16, 24], strides: [1, 1], pad: "same" },
      { x: [2, 15, 13, 32], w: [3, 3, 32, 64], strides: [2, 2], pad: "same" },
      // Filters too large for the SIMD filter-gradient kernel: the conv trick and the 1×1 GEMMs.
      { x: [1, 7, 6, 96], w: [3, 3, 96, 96], strides: [1, 1], pad: "same" },
      { x: [1, 9, 9, 72], w: [3, 3, 72, 112], strides: [2, 2], pad: "valid" },
      { x: [2, 5, 5, 256], w: [1, 1, 256, 264], strides: [2, 2], pad: "valid" },
      { x: [1, 4, 4, 260], w: [1, 1, 260, 256], strides: [1, 1], pad: "same" },
      { x: [2, 33, 31, 3], w: [7, 7, 3, 8], strides: [2, 2], pad: "same" },
      { x: [2, 17, 17, 12], w: [1, 1, 12, 20], strides: [2, 2], pad: "valid" },
      { x: [3, 9, 7, 6], w: [1, 1, 6, 5], strides: [1, 1], pad: "same" },
      { x: [2, 8, 8, 6], w: [1, 1, 6, 9], strides: [2, 2], pad: "same" },
      { x: [2, 7, 9, 4], w: [1, 1, 4, 3], strides: [3, 2], pad: "valid" },
      {
        x: [1, 28, 28, 8],
        w: [3, 3, 8, 8],
        strides: [2, 2],
        pad: [
          [0, 0],
          [1, 1],
          [1, 1],
          [0, 0],
        ],
      },
    ];
    for (const [i, c] of cases.entries()) {
      await checkAgainstCpu(
        "wasm",
        `conv2d ${JSON.stringify(c)}`,
        (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad),
        [c.x, c.w],
        1000 + i,
      );
    }
  });

  test("a numeric pad with a non-square kernel or unequal strides is refused on wasm instead of corrupting its heap", async () => {
    await tf.setBackend("wasm");
    const x = tf.ones([1, 6, 7, 2]) as tf.Tensor4D;
    assert.throws(() => tf.conv2d(x, tf.ones([3, 1, 2, 2]) as tf.Tensor4D, 2, 2), /numeric pad/);
    assert.throws(() => tf.depthwiseConv2d(x, tf.ones([1, 3, 2, 1]) as tf.Tensor4D, 1, 1), /numeric pad/);
    assert.throws(() => tf.conv2d(x, tf.ones([2, 2, 2, 2]) as tf.Tensor4D, [2, 1], 0), /unequal strides 2×1/);
    assert.deepEqual(tf.conv2d(x, tf.ones([3, 3, 2, 2]) as tf.Tensor4D, 2, 2).shape, [1, 4, 5, 2]);
  });

  test("forward conv2d and depthwiseConv2d on wasm equal cpu over 40 random geometries each (tfjs's 'same' bug)", async () => {
    // XNNPACK returned zeros for "same" with a kernel side of 1 at stride > 1 (wasmPadGuard.ts); this compares
    // values, where the gradient checks above would not notice a wrong forward pass.
    for (let seed = 301; seed <= 380; seed++) {
      const depthwise = seed > 340;
      const c = convCase(seed, depthwise);
      const s = c.strides[0];
      const r = rng(seed);
      const [xData, wData] = [randomData(r, c.x), randomData(r, c.w)];
      const outputs: Float32Array[] = [];
      for (const backend of ["cpu", "wasm"]) {
        await tf.setBackend(backend);
        const y = tf.tidy(() => {
          const x = tf.tensor4d(xData, c.x as [number, number, number, number]);
          const w = tf.tensor4d(wData, c.w as [number, number, number, number]);
          return depthwise ? tf.depthwiseConv2d(x, w, s, c.pad) : tf.conv2d(x, w, c.strides, c.pad);
        });
        outputs.push(y.dataSync() as Float32Array);
        y.dispose();
      }
      const err = relError(outputs[1] as Float32Array, outputs[0] as Float32Array);
      assert.ok(err < GRAD_TOL, `${depthwise ? "depthwise" : "conv2d"} ${JSON.stringify(c)}: ${err} (seed ${seed})`);
    }
    await tf.setBackend("wasm");
    const x = tf.range(1, 13).reshape([1, 4, 3, 1]) as tf.Tensor4D;
    const y = tf.conv2d(x, tf.ones([1, 3, 1, 8]) as tf.Tensor4D, [2, 1], "same");
    assert.deepEqual(
      Array.from(y.dataSync()).filter((_, i) => i % 8 === 0),
      [3, 6, 5, 15, 24, 17],
    );
  });

  test("MaxPoolGrad (replaced) and AvgPoolGrad over 30 random pools", async () => {
    for (let seed = 201; seed <= 230; seed++) {
      const r = rng(seed);
      const k: [number, number] = [int(r, 1, 4), int(r, 1, 4)];
      const s: [number, number] = [int(r, 1, 3), int(r, 1, 3)];
      const pad = pick(r, ["same", "valid"] as const);
      const shape = [int(r, 1, 3), int(r, k[0], 12), int(r, k[1], 12), int(r, 1, 5)];
      const label = `pool k=${k} s=${s} ${pad} ${shape}`;
      await checkAgainstCpu("wasm", `max${label}`, (x) => tf.maxPool(x as tf.Tensor4D, k, s, pad), [shape], seed);
      await checkAgainstCpu("wasm", `avg${label}`, (x) => tf.avgPool(x as tf.Tensor4D, k, s, pad), [shape], seed);
    }
  });

  test("BatchMatMul and _FusedMatMul, transposed or not, on XNNPACK and nfx's kernel: values and gradients", async () => {
    const r = rng(300);
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      // Small sizes (XNNPACK), and K ≥ 16 with N % 8 = 0 (single products: nfx's SIMD kernel, wasmMatMul.ts).
      for (const [batch, simd] of [
        [[], false],
        [[3], false],
        [[], true],
        [[3], true],
      ] as const) {
        const [m, k, n] = simd
          ? [int(r, 1, 9), int(r, 16, 40), 8 * int(r, 1, 3)]
          : [int(r, 1, 9), int(r, 1, 9), int(r, 1, 9)];
        const aShape = [...batch, ...(ta ? [k, m] : [m, k])];
        const bShape = [...batch, ...(tb ? [n, k] : [k, n])];
        const label = `matMul ta=${ta} tb=${tb} ${aShape}·${bShape}`;
        await checkAgainstCpu(
          "wasm",
          label,
          (a, b) => tf.matMul(a as tf.Tensor, b as tf.Tensor, ta, tb),
          [aShape, bShape],
          301,
        );
        const a = randomData(r, aShape);
        const b = randomData(r, bShape);
        const bias = randomData(r, [n]);
        const fused = async (backend: string) => {
          await tf.setBackend(backend);
          return tf.tidy(() =>
            tf.fused
              .matMul({
                a: tf.tensor(a, aShape),
                b: tf.tensor(b, bShape),
                transposeA: ta,
                transposeB: tb,
                bias: tf.tensor1d(bias),
                activation: "relu",
              })
              .dataSync(),
          ) as Float32Array;
        };
        const err = relError(await fused("wasm"), await fused("cpu"));
        assert.ok(err < GRAD_TOL, `fused ${label}: differs from cpu by ${err.toExponential(2)}`);
      }
    }
  });

  test("UnsortedSegmentSum (via gather's gradient and directly)", async () => {
    const ids = [0, 3, 3, 1, 5, 0, 2, 3];
    await checkAgainstCpu("wasm", "gather", (x) => tf.gather(x, tf.tensor1d(ids, "int32")), [[6, 4]], 7);
    await checkAgainstCpu(
      "wasm",
      "unsortedSegmentSum",
      (x) => tf.unsortedSegmentSum(x, tf.tensor1d(ids, "int32"), 7),
      [[8, 3, 2]],
      8,
    );
  });
});

describe("wasm Slice and StridedSlice (replaced by heap copies) match the cpu backend", () => {
  before(async () => {
    await initBackend("wasm");
  });

  const onBoth = async (f: () => tf.Tensor): Promise<[tf.Tensor, tf.Tensor]> => {
    await tf.setBackend("cpu");
    const c = f();
    await tf.setBackend("wasm");
    return [f(), c];
  };

  test("random slices, strided slices (begin/end masks) and splits of float, int and bool tensors", async () => {
    for (let seed = 400; seed < 520; seed++) {
      const r = rng(seed);
      const rank = int(r, 1, 5);
      const shape = Array.from({ length: rank }, () => int(r, 1, 7));
      const dtype = pick(r, ["float32", "float32", "int32", "bool"] as const);
      const data = Array.from(randomData(r, shape), (v) => (dtype === "float32" ? v : Math.round(v * 3)));
      const make = () => tf.tensor(data, shape, dtype);
      const begin = shape.map((d) => int(r, 0, d - 1));
      const size = shape.map((d, i) => (r() < 0.2 ? -1 : int(r, 0, d - (begin[i] as number))));
      const end = shape.map((d, i) => int(r, (begin[i] as number) + 1, d));
      const strides = shape.map(() => pick(r, [1, 1, 2, 3]));
      const masks = [0, 1].map(() => (r() < 0.3 ? int(r, 0, (1 << rank) - 1) : 0));
      const splitAxis = int(r, 0, rank - 1);
      const along = shape[splitAxis] as number;
      const first = int(r, 0, along);
      const splitSizes = [first, along - first].filter((n) => n > 0);
      const label = `seed ${seed} ${dtype} ${shape} begin ${begin} size ${size} end ${end} strides ${strides} masks ${masks}`;
      const cases: [string, () => tf.Tensor][] = [
        ["slice", () => tf.slice(make(), begin, size)],
        ["stridedSlice", () => tf.stridedSlice(make(), begin, end, strides, masks[0], masks[1])],
        [
          "split",
          // Each part flattened, so a part with the right elements in the wrong order would show.
          () => tf.concat(tf.split(make(), splitSizes, splitAxis).map((p) => p.flatten())),
        ],
      ];
      for (const [name, f] of cases) {
        const [w, c] = await onBoth(f);
        assert.deepEqual(w.shape, c.shape, `${name} ${label}: shape`);
        assert.deepEqual(Array.from(w.dataSync()), Array.from(c.dataSync()), `${name} ${label}: values`);
      }
    }
  });

  test("crops and strided subsampling of NHWC activations", async () => {
    const r = rng(7);
    const x = Array.from(randomData(r, [3, 9, 8, 5]));
    const [a, b] = await onBoth(() => tf.slice(tf.tensor4d(x, [3, 9, 8, 5]), [0, 1, 2, 0], [3, 7, 5, 5]));
    assert.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()));
    const [c, d] = await onBoth(() =>
      tf.stridedSlice(tf.tensor4d(x, [3, 9, 8, 5]), [0, 1, 0, 0], [3, 9, 8, 5], [1, 2, 2, 1]),
    );
    assert.deepEqual(c.shape, [3, 4, 4, 5]);
    assert.deepEqual(Array.from(c.dataSync()), Array.from(d.dataSync()));
    // A shrunk axis (x[:, 2]) and a new axis: reshaped views of the same copy.
    const shrink = () =>
      tf.stridedSlice(tf.tensor4d(x, [3, 9, 8, 5]), [0, 2, 0, 0], [3, 3, 8, 5], [1, 1, 1, 1], 0, 0, 0, 0, 2);
    const [e, f] = await onBoth(shrink);
    assert.deepEqual(e.shape, [3, 8, 5]);
    assert.deepEqual(Array.from(e.dataSync()), Array.from(f.dataSync()));
    const [g, h] = await onBoth(() =>
      tf.stridedSlice(tf.tensor2d(x.slice(0, 12), [3, 4]), [0, 1], [3, 4], [2, 1], 0, 0, 0, 1),
    );
    assert.deepEqual(g.shape, h.shape);
    assert.deepEqual(Array.from(g.dataSync()), Array.from(h.dataSync()));
  });

  test("Identity (tf.clone) shares data by reference count; disposing either side leaves the other intact", async () => {
    await tf.setBackend("wasm");
    const x = tf.tensor1d([1, 2, 3]);
    const c = tf.clone(x);
    assert.equal(c.dataId, x.dataId);
    x.dispose();
    assert.deepEqual(Array.from(c.dataSync()), [1, 2, 3]);
    const v = tf.variable(tf.tensor1d([4, 5]));
    const snapshot = tf.clone(v);
    v.assign(tf.tensor1d([6, 7]));
    assert.deepEqual(Array.from(snapshot.dataSync()), [4, 5], "a clone of a variable keeps its old value");
    tf.dispose([c, v, snapshot]);
  });
});
