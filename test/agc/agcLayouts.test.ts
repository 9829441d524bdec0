// Kernels whose unit is not the last axis (issue 27 item 10): unit axes given per parameter (agcClip,
// clipGradients, unitwiseNorm), told by withAgc from the tfjs layers it knows, refused where it cannot tell.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { AgcOptionsError, agcClip, clipGradients, unitwiseNorm } from "../../src/core/agc/agc.js";
import { withAgc } from "../../src/core/agc/agcOptimizer.js";
import { layerUnitAxes } from "../../src/core/agc/tfjsLayers.js";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { tf } from "../../src/core/engine/tf.js";

const close = (got: ArrayLike<number>, want: number[], tol = 1e-6) => {
  assert.equal(got.length, want.length);
  want.forEach((w, i) => {
    assert.ok(Math.abs((got[i] as number) - w) <= tol * Math.max(1, Math.abs(w)), `[${i}] ${got[i]} ≉ ${w}`);
  });
};

before(async () => {
  await initBackend("cpu");
});

/** The depthwise probe: W = ones [3,3,2,1], G = ones on channel 0 and zeros on channel 1, λ 0.1. */
function depthwiseProbe() {
  const W = tf.ones([3, 3, 2, 1]);
  const G = tf.stack([tf.ones([3, 3, 1]), tf.zeros([3, 3, 1])], 2);
  return { W, G };
}

/** The conv2dTranspose probe: [1,1,2,2] (kh, kw, out, in), W [[3,4],[1,0]], G [[0.3,0.4],[0.001,0]], λ 0.01. */
function transposeProbe() {
  const W = tf.tensor4d([3, 4, 1, 0], [1, 1, 2, 2]);
  const G = tf.tensor4d([0.3, 0.4, 0.001, 0], [1, 1, 2, 2]);
  return { W, G };
}

describe("agcClip with unit axes (issue 27.10's probes)", () => {
  it("depthwise [3,3,2,1], unit = channel (unitAxes [2, 3]): 0.1 per element of channel 0, 0 elsewhere", () => {
    const { W, G } = depthwiseProbe();
    const out = agcClip(G, W, { lambda: 0.1, granularity: "unit", unitAxes: [2, 3] });
    const want = Array.from({ length: 18 }, (_, i) => (i % 2 === 0 ? 0.1 : 0)); // [h][w][c][m]: c alternates
    close(out.dataSync(), want);
    // Without unit axes the official rule takes the last axis (size 1): one unit, 0.1·√2 per element.
    const whole = agcClip(G, W, { lambda: 0.1, granularity: "unit" }).dataSync();
    close([whole[0] as number], [0.1 * Math.SQRT2]);
  });

  it("conv2dTranspose [1,1,2,2], unit = output channel (unitAxes [2]): [0.03, 0.04, 0.001, 0]", () => {
    const { W, G } = transposeProbe();
    close(agcClip(G, W, { lambda: 0.01, granularity: "unit", unitAxes: [2] }).dataSync(), [0.03, 0.04, 0.001, 0]);
    close(agcClip(G, W, { lambda: 0.01, granularity: "unit", unitAxes: [-2] }).dataSync(), [0.03, 0.04, 0.001, 0]);
  });

  it("the issue 25.5 probe with unitAxes [1] gives the per-column answer [0.3, 0] (the official rule's is [0.5, 0])", () => {
    const out = agcClip(tf.tensor2d([[1, 0]]), tf.tensor2d([[3, 4]]), {
      lambda: 0.1,
      granularity: "unit",
      unitAxes: [1],
    });
    close(out.dataSync(), [0.3, 0]);
  });

  // Own tries: layouts the issue does not list. Oracle: every unit clipped on its own as a whole tensor (`layer`),
  // with λ between two units' ratios ‖G_i‖/‖W_i‖ (computed on the unit's own slice) so that some clip and some do not.
  const layouts: [string, number[], number[]][] = [
    ["depthwise with multiplier 2 [3,3,4,2]", [3, 3, 4, 2], [2, 3]],
    ["conv2dTranspose [3,3,3,2]", [3, 3, 3, 2], [2]],
    ["PyTorch OIHW conv [4,2,3,3]", [4, 2, 3, 3], [0]],
    ["PyTorch linear [out, in] [5,3]", [5, 3], [0]],
    ["rank 3 with two unit axes [2,3,4]", [2, 3, 4], [0, 2]],
    ["conv3d [2,2,2,3,4]", [2, 2, 2, 3, 4], [4]],
    ["a [1,C] kernel taken per column", [1, 6], [1]],
    ["every element its own unit [2,3]", [2, 3], [0, 1]],
  ];
  for (const [name, shape, unitAxes] of layouts) {
    it(`${name}, unitAxes [${unitAxes}]: equals clipping each unit alone`, () => {
      const W = tf.randomNormal(shape, 0, 1, "float32", 7);
      const G = tf.randomNormal(shape, 0, 1, "float32", 9);
      const rest = shape.map((_, a) => a).filter((a) => !unitAxes.includes(a));
      const units = unitAxes.reduce((n, a) => n * (shape[a] as number), 1);
      const rows = (t: tf.Tensor) => tf.unstack(t.transpose([...unitAxes, ...rest]).reshape([units, -1]));
      const [g, w] = [rows(G), rows(W)] as [tf.Tensor[], tf.Tensor[]];
      const ratios = g.map(
        (gi, u) => (gi.norm().dataSync()[0] as number) / ((w[u] as tf.Tensor).norm().dataSync()[0] as number),
      );
      const sorted = [...ratios].sort((a, b) => a - b);
      const half = Math.floor(units / 2);
      const lambda = ((sorted[half - 1] as number) + (sorted[half] as number)) / 2;
      const out = rows(agcClip(G, W, { lambda, granularity: "unit", unitAxes }));
      g.forEach((gi, u) => {
        const alone = agcClip(gi, w[u] as tf.Tensor, { lambda, granularity: "layer" });
        close((out[u] as tf.Tensor).dataSync(), Array.from(alone.dataSync()), 1e-5);
      });
      const clipped = ratios.filter((r) => r > lambda).length;
      assert.equal(clipped, units - half, "the upper half of the units clip");
      const counts = clipGradients([G], [{ value: W, unitAxes }], { lambda, granularity: "unit" }).clippedByRole;
      assert.deepEqual(counts?.counts.arraySync(), [[clipped, units]], "clipGradients counts units");
    });
  }

  it("unitwiseNorm takes unit axes: a depthwise kernel's norm per channel, kept dims", () => {
    const { W } = depthwiseProbe();
    const n = unitwiseNorm(W, [2, 3]);
    assert.deepEqual(n.shape, [1, 1, 2, 1]);
    close(n.dataSync(), [3, 3]);
    assert.deepEqual(unitwiseNorm(W, []).shape, []);
  });

  it("refuses unit axes that do not fit, and a rank-5 tensor without them, naming unitAxes", () => {
    const g = tf.zeros([2, 3]);
    const bad: unknown[] = [[2], [-3], [0, 0], [0.5], "1", [Number.NaN]];
    for (const unitAxes of bad) {
      assert.throws(
        () => agcClip(g, g, { lambda: 0.1, granularity: "unit", unitAxes: unitAxes as number[] }),
        (e: unknown) =>
          e instanceof AgcOptionsError && e.option === "unitAxes" && /^agcClip: grad: unitAxes/.test(e.message),
        JSON.stringify(unitAxes),
      );
    }
    const g5 = tf.zeros([1, 2, 2, 3, 4]);
    assert.throws(
      () => agcClip(g5, g5, { lambda: 0.1, granularity: "unit" }),
      /rank-5 tensor \[1,2,2,3,4\] has no default unit axes .*give unitAxes/,
    );
    assert.throws(
      () => clipGradients([g5], [{ value: g5 }], { lambda: 0.1, granularity: "unit" }),
      /clipGradients: gradient 0: a rank-5 tensor/,
    );
    assert.throws(
      () => clipGradients([g], [{ value: g, unitAxes: [4] }], { lambda: 0.1, granularity: "unit" }),
      /clipGradients: gradient 0: unitAxes must hold integer axes in \[-2, 2\)/,
    );
  });

  it("`layer` takes the whole tensor whatever unitAxes say, and a rank-5 tensor needs none for it", () => {
    const { W, G } = transposeProbe();
    const layer = agcClip(G, W, { lambda: 0.01, granularity: "layer", unitAxes: [2] }).dataSync();
    const whole = 0.01 * Math.sqrt(26); // ‖W‖ = √26, ‖G‖ ≈ 0.5
    close([Math.hypot(...Array.from(layer))], [whole]);
    const g5 = tf.ones([1, 2, 2, 3, 4]);
    assert.equal(agcClip(g5, g5, { lambda: 0.1, granularity: "layer" }).shape.length, 5);
  });
});

describe("withAgc tells unit axes from tfjs layers (model option)", () => {
  const build = () =>
    tf.sequential({
      layers: [
        tf.layers.depthwiseConv2d({ inputShape: [5, 5, 2], kernelSize: 3, depthMultiplier: 2, useBias: true }),
        tf.layers.conv2dTranspose({ filters: 3, kernelSize: 2 }),
        tf.layers.separableConv2d({ filters: 3, kernelSize: 3, depthMultiplier: 2 }),
        tf.layers.conv2d({ filters: 2, kernelSize: 1 }),
        tf.layers.batchNormalization(),
        tf.layers.flatten(),
        tf.layers.dense({ units: 4 }),
      ],
    });

  it("knows Dense, Conv2D, DepthwiseConv2D, Conv2DTranspose, SeparableConv2D and vectors", () => {
    const model = build();
    const axes = layerUnitAxes(model);
    const byKind = new Map(
      [...axes].map(([name, a]) => [name.replace(/^[a-z0-9_]+?_([A-Z][A-Za-z0-9]+?)\d+\//, "$1/"), a]),
    );
    assert.deepEqual(Object.fromEntries(byKind), {
      "DepthwiseConv2D/depthwise_kernel": [2, 3],
      "DepthwiseConv2D/bias": [],
      "Conv2DTranspose/kernel": [2],
      "Conv2DTranspose/bias": [],
      "SeparableConv2D/depthwise_kernel": [2, 3],
      "SeparableConv2D/pointwise_kernel": [3],
      "SeparableConv2D/bias": [],
      "Conv2D/kernel": [3],
      "Conv2D/bias": [],
      "BatchNormalization/gamma": [],
      "BatchNormalization/beta": [],
      "Dense/kernel": [1],
      "Dense/bias": [],
    });
    model.dispose();
  });

  it("a step through withAgc(sgd(1), {model}) clips each kernel per its own units (the two probes in layers)", () => {
    const dw = tf.layers.depthwiseConv2d({ inputShape: [3, 3, 2], kernelSize: 3, useBias: false });
    const tr = tf.layers.conv2dTranspose({ filters: 2, kernelSize: 1, useBias: false });
    const model = tf.sequential({ layers: [dw, tr] });
    const [dwKernel] = dw.getWeights() as [tf.Tensor];
    dw.setWeights([tf.ones(dwKernel.shape)]);
    tr.setWeights([transposeProbe().W]);
    const opt = withAgc(tf.train.sgd(1), { lambda: 0.1, granularity: "unit", model });
    const dwName = dw.trainableWeights[0]?.name as string;
    const trName = tr.trainableWeights[0]?.name as string;
    opt.applyGradients({ [dwName]: depthwiseProbe().G });
    close(
      tf
        .ones([3, 3, 2, 1])
        .sub(dw.getWeights()[0] as tf.Tensor)
        .dataSync(),
      Array.from({ length: 18 }, (_, i) => (i % 2 ? 0 : 0.1)),
    );
    const opt2 = withAgc(tf.train.sgd(1), { lambda: 0.01, granularity: "unit", model });
    opt2.applyGradients({ [trName]: transposeProbe().G });
    close(
      transposeProbe()
        .W.sub(tr.getWeights()[0] as tf.Tensor)
        .dataSync(),
      [0.03, 0.04, 0.001, 0],
    );
    model.dispose();
  });

  it("refuses a layer whose layout it does not know, naming layer, class and weight; unitAxes lets it through", () => {
    const model = tf.sequential({
      layers: [tf.layers.embedding({ inputDim: 10, outputDim: 4, inputLength: 2, name: "emb" }), tf.layers.flatten()],
    });
    const name = model.layers[0]?.trainableWeights[0]?.name as string;
    assert.throws(
      () => withAgc(tf.train.sgd(1), { lambda: 0.1, granularity: "unit", model }),
      (e: unknown) =>
        e instanceof AgcOptionsError &&
        e.option === "model" &&
        e.message.includes(`layer 'emb' (Embedding) weight '${name}' [10,4]: its unit axes are unknown`),
    );
    // `layer` clips whole tensors: the layers' layouts do not matter and nothing is refused.
    withAgc(tf.train.sgd(1), { lambda: 0.1, granularity: "layer", model }).applyGradients({ [name]: tf.ones([10, 4]) });
    const opt = withAgc(tf.train.sgd(1), {
      lambda: 0.1,
      granularity: "unit",
      model: [tf.layers.dense({ units: 2, inputShape: [3] })],
      unitAxes: { [name]: [1] },
    });
    opt.applyGradients({ [name]: tf.ones([10, 4]) });
    model.dispose();
  });

  it("with a model, a gradient for a variable that is neither the model's nor in unitAxes is refused", () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
    const stray = tf.variable(tf.ones([3, 3, 2, 2]), true, "units_stray_kernel");
    const opt = withAgc(tf.train.sgd(1), { lambda: 0.1, granularity: "unit", model });
    assert.throws(
      () => opt.applyGradients({ units_stray_kernel: tf.ones([3, 3, 2, 2]) }),
      /withAgc: variable 'units_stray_kernel' is no trainable weight of the model given/,
    );
    assert.deepEqual(Array.from(stray.dataSync().slice(0, 2)), [1, 1], "the inner optimizer did not step");
    assert.throws(
      () => withAgc(tf.train.sgd(1), { lambda: 0.1, granularity: "unit", model: {} as tf.layers.Layer }),
      /model must be a tfjs LayersModel/,
    );
    assert.throws(
      () => withAgc(tf.train.sgd(1), { lambda: 0.1, granularity: "unit", unitAxes: { a: 3 as unknown as number[] } }),
      /unitAxes\['a'\] must be a list of axes/,
    );
    model.dispose();
    stray.dispose();
  });

  it("walks nested models and tells weights created after withAgc (an unbuilt layer)", () => {
    const inner = tf.sequential({ layers: [tf.layers.depthwiseConv2d({ inputShape: [4, 4, 2], kernelSize: 3 })] });
    const outer = tf.sequential({ layers: [inner, tf.layers.flatten(), tf.layers.dense({ units: 2 })] });
    const axes = [...layerUnitAxes(outer).values()];
    assert.deepEqual(axes, [[2, 3], [], [1], []]);
    const late = tf.layers.conv2dTranspose({ filters: 2, kernelSize: 1, useBias: false });
    const opt = withAgc(tf.train.sgd(1), { lambda: 0.01, granularity: "unit", model: [late] });
    late.apply(tf.zeros([1, 2, 2, 2]));
    late.setWeights([transposeProbe().W]);
    opt.applyGradients({ [late.trainableWeights[0]?.name as string]: transposeProbe().G });
    close(
      transposeProbe()
        .W.sub(late.getWeights()[0] as tf.Tensor)
        .dataSync(),
      [0.03, 0.04, 0.001, 0],
    );
    outer.dispose();
  });
});
