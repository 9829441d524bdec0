// UX report (ux4): the library's AGC refuses unknown roles — in `exclude`, in withAgc's `roles`, in clipGradients'
// targets — with one AgcOptionsError naming the option and a did-you-mean, from the one role list the models use;
// and each entry point's type accepts exactly the granularities its runtime check does.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import {
  AGC_CLIP_GRANULARITIES,
  AGC_GRANULARITIES,
  PARAM_ROLES as AGC_ROLES,
  type AgcClipOptions,
  AgcOptionsError,
  agcClip,
  clipGradients,
  globalNorm,
  suggestRoles,
  withAgc,
} from "../../src/core/agc/index.js";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { tf } from "../../src/core/engine/tf.js";
import { PARAM_ROLES as MODEL_ROLES } from "../../src/core/models/types.js";
import { PARAM_ROLES as PACKAGE_ROLES } from "../../src/index.js";

before(async () => {
  await initBackend("cpu");
});

/** Asserts fn throws an AgcOptionsError for `option` whose message matches `message`. */
function refuses(fn: () => unknown, option: string, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof AgcOptionsError, String(err));
    assert.equal(err.option, option);
    assert.match(err.message, message);
    return true;
  });
}

describe("AGC refuses unknown roles (one list: PARAM_ROLES)", () => {
  it("the role list is the models' list itself, also as the package exports it", () => {
    assert.equal(AGC_ROLES, MODEL_ROLES);
    assert.equal(PACKAGE_ROLES, MODEL_ROLES);
    assert.ok(AGC_ROLES.includes("classifier_weight"));
  });

  it("the probe: withAgc with exclude ['classifer_weight'] is refused, naming exclude, with a did-you-mean", () => {
    refuses(
      () =>
        withAgc(tf.train.sgd(0.1), {
          lambda: 0.01,
          granularity: "unit",
          // @ts-expect-error the type refuses a role not in PARAM_ROLES, as the runtime check does.
          exclude: ["classifer_weight"],
        }),
      "exclude",
      /^withAgc: exclude\[0\]: unknown role "classifer_weight" \(did you mean classifier_weight\?\); roles: stem_conv,/,
    );
  });

  it("the probe: clipGradients with exclude ['classifer_weight'] refuses instead of clipping the classifier", () => {
    const w = tf.ones([100]);
    const g = tf.fill([100], 1e20);
    const target = { value: w, role: "classifier_weight" as const };
    refuses(
      // @ts-expect-error the type refuses a role not in PARAM_ROLES, as the runtime check does.
      () => clipGradients([g], [target], { lambda: 0.01, granularity: "unit", exclude: ["classifer_weight"] }),
      "exclude",
      /^clipGradients: exclude\[0\]: unknown role "classifer_weight" \(did you mean classifier_weight\?\)/,
    );
    // Spelt right, the classifier's gradient is left as it is (not 0.01·ones).
    const res = clipGradients([g], [target], { lambda: 0.01, granularity: "unit", exclude: ["classifier_weight"] });
    assert.equal(res.grads[0], g);
  });

  it("the probe: withAgc roles naming 'clasifier' are refused, naming roles and the roles it may mean", () => {
    refuses(
      () =>
        withAgc(tf.train.sgd(0.1), {
          lambda: 0.01,
          granularity: "unit",
          // @ts-expect-error the type refuses a role not in PARAM_ROLES, as the runtime check does.
          roles: { "head/kernel": "clasifier" },
          exclude: ["classifier_weight"],
        }),
      "roles",
      /^withAgc: roles\['head\/kernel'\]: unknown role "clasifier" \(did you mean classifier_weight or classifier_bias\?\)/,
    );
    refuses(
      () => withAgc(tf.train.sgd(0.1), { lambda: 0.01, granularity: "unit", roles: new Map([["k", 3 as never]]) }),
      "roles",
      /^withAgc: roles\['k'\]: unknown role 3 \(not a string\)/,
    );
  });

  it("clipGradients refuses a target with an unknown role, and exclude entries that are no role at all", () => {
    const t = tf.ones([2, 3]);
    refuses(
      () =>
        clipGradients(
          [t, t],
          [
            { value: t, role: "bias" },
            { value: t, role: "Bias" as never },
          ],
          {
            lambda: 0.01,
            granularity: "layer",
          },
        ),
      "targets",
      /^clipGradients: targets\[1\]\.role: unknown role "Bias" \(did you mean bias\?\)/,
    );
    refuses(
      () => clipGradients([t], [{ value: t }], { lambda: 0.01, granularity: "global", exclude: [1 as never] }),
      "exclude",
      /^clipGradients: exclude\[0\]: unknown role 1 \(not a string\); roles: /,
    );
    // A target without a role is clipped (and counted under "").
    const res = clipGradients([t.mul(100)], [{ value: t }], { lambda: 0.01, granularity: "layer", exclude: ["bias"] });
    assert.deepEqual(res.clippedByRole?.roles, [""]);
    assert.deepEqual(Array.from(res.clippedByRole?.counts.dataSync() ?? []), [1, 1]);
  });

  it("withAgc refuses an exclude that no variable can match (no roles given)", () => {
    refuses(
      () => withAgc(tf.train.sgd(0.1), { lambda: 0.01, granularity: "unit", exclude: ["classifier_weight"] }),
      "roles",
      /^withAgc: exclude \[classifier_weight\] can match no variable: give roles/,
    );
  });

  it("suggestions: a whole role, else every role with the closest word, else none", () => {
    assert.deepEqual(suggestRoles("skipgain"), ["skip_gain"]);
    assert.deepEqual(suggestRoles("conv"), ["stem_conv", "body_conv", "shortcut_conv"]);
    assert.deepEqual(suggestRoles("zzzzzzzz"), []);
  });
});

describe("each AGC entry point's type takes exactly the granularities its runtime check accepts", () => {
  it("agcClip: unit and layer; clipGradients and withAgc: unit, layer, global, none", () => {
    const g = tf.ones([4, 3]);
    for (const granularity of AGC_GRANULARITIES) {
      const clip = () => agcClip(g, g, { lambda: 0.01, granularity } as AgcClipOptions);
      if ((AGC_CLIP_GRANULARITIES as readonly string[]).includes(granularity)) clip();
      else refuses(clip, "granularity", /^agcClip: granularity must be one of unit, layer \(global and none are/);
      clipGradients([g], [{ value: g, role: "body_conv" }], { lambda: 0.01, granularity });
      withAgc(tf.train.sgd(0.1), { lambda: 0.01, granularity });
    }
    assert.deepEqual([...AGC_CLIP_GRANULARITIES], ["unit", "layer"]);
    // @ts-expect-error agcClip's type refuses `global` (clipGradients/withAgc's), as its runtime check does.
    refuses(() => agcClip(g, g, { lambda: 0.01, granularity: "global" }), "granularity", /^agcClip: granularity/);
    // @ts-expect-error agcClip's type refuses `none`, as its runtime check does.
    refuses(() => agcClip(g, g, { lambda: 0.01, granularity: "none" }), "granularity", /^agcClip: granularity/);
    // @ts-expect-error agcClip's type refuses λ null (clipGradients/withAgc's "no clipping"), as its runtime does.
    refuses(() => agcClip(g, g, { lambda: null, granularity: "unit" }), "lambda", /^agcClip: lambda must be/);
  });
});

it("globalNorm refuses what is not a list of tensors as its docstring says (AgcOptionsError naming ts)", () => {
  refuses(() => globalNorm([tf.ones([2]), 3 as never]), "ts", /^globalNorm: ts must be a list of tensors/);
});
