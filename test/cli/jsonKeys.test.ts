// One spelling of JSON keys across commands (issue 27, item 17): snake_case, as the store's columns, `nfx runs`,
// `nfx models` and the dry run already wrote them; the odd ones out (sweep and run results, doctor, bench, spp,
// runs rm, the report's arms) now follow. Config keys and dotted field names are data and stay as written.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { jsonDocument, snakeCase } from "../../src/ui/jsonKeys.js";

describe("JSON documents spell keys in snake_case", () => {
  it("camelCase keys of nfx's own objects become snake_case; snake_case keys stay", () => {
    const cases: [string, string][] = [
      ["runIds", "run_ids"],
      ["orchestratorCpuSeconds", "orchestrator_cpu_seconds"],
      ["tfjsBackend", "tfjs_backend"],
      ["nfxKernels", "nfx_kernels"],
      ["peakRssBytes", "peak_rss_bytes"],
      ["vsPytorch", "vs_pytorch"],
      ["avgSqMean", "avg_sq_mean"],
      ["config_hash", "config_hash"],
      ["id", "id"],
      ["agc.lambda", "agc.lambda"],
      ["model.skipGainInit", "model.skipGainInit"],
    ];
    for (const [from, to] of cases) assert.equal(snakeCase(from), to, from);
  });

  it("nested documents: arrays and objects converted, a run's config and dotted keys kept", () => {
    const doc = {
      sweepId: 1,
      failedRuns: [{ runId: 3, config: { model: { name: "nf-resnet-micro", skipGainInit: 1 } } }],
      point: { "model.skipGainInit": 1 },
      when: null,
      list: [1, "a", null],
    };
    assert.deepEqual(jsonDocument(doc), {
      sweep_id: 1,
      failed_runs: [{ run_id: 3, config: { model: { name: "nf-resnet-micro", skipGainInit: 1 } } }],
      point: { "model.skipGainInit": 1 },
      when: null,
      list: [1, "a", null],
    });
    assert.equal(doc.sweepId, 1, "the library's object is left as it was");
  });
});
