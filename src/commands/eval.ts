import fs from "node:fs";
import { Flags } from "@oclif/core";
import { setDotted } from "../core/config/dotted.js";
import { parseSetOverride } from "../core/config/setOverride.js";
import { readYamlFile } from "../core/config/yamlFile.js";
import { type BackendName, initBackend } from "../core/engine/backend/backend.js";
import { finalWeightsPath } from "../core/runWeights/finalWeights.js";
import { evalWeights } from "../core/runWeights/runWeights.js";
import { RunStore } from "../core/store/runStore.js";
import type { StoredRun } from "../core/store/runTypes.js";
import { WEIGHT_SOURCES, type WeightSource } from "../core/weights/nameMaps.js";
import { readSafetensorsMetadata } from "../core/weights/safetensors.js";
import { CHECKPOINT_RECORD_KEY } from "../core/weights/weightsFile.js";
import { NfxCommand } from "../ui/command.js";
import { failWith } from "../ui/errors.js";
import { backendFlag, dbFlag, quietFlag, setFlag } from "../ui/flags.js";
import { formatPercent } from "../ui/format.js";

/** The stored run whose checkpoint `file` is (by its record's config hash), or null (not a checkpoint, no store). */
function checkpointRun(file: string, db: string): StoredRun | null {
  let hash: string | undefined;
  try {
    const record = readSafetensorsMetadata(file)[CHECKPOINT_RECORD_KEY];
    hash = record ? (JSON.parse(record) as { configHash?: string }).configHash : undefined;
  } catch {
    return null; // not safetensors, or unreadable: evalWeights says what is wrong with it
  }
  if (!hash || !fs.existsSync(db)) return null;
  const store = RunStore.open(db, { readonly: true });
  try {
    const run = store.getRun(hash);
    return run?.config_hash === hash ? run : null;
  } finally {
    store.close();
  }
}

export default class Eval extends NfxCommand {
  static override description =
    "Measure top-1 and loss of given weights (a safetensors/npz file, or a stored run's final weights) on a dataset split.";
  static override examples = [
    "<%= config.bin %> eval --weights f0.safetensors --model nfnet-f0 --set data.name=imagefolder --set data.path=val/",
    "<%= config.bin %> eval --weights 12 --split test --json",
    "<%= config.bin %> eval --weights results/checkpoints/nfx.db/<hash>/final.safetensors",
  ];
  static override enableJsonFlag = true;
  static override flags = {
    weights: Flags.string({
      description:
        "weights file (safetensors, npz, or an nfx checkpoint), or a run id / config-hash prefix (its final checkpoint)",
      required: true,
    }),
    config: Flags.string({ char: "c", description: "config file (YAML) whose model.* and data.* to use" }),
    model: Flags.string({ description: "model variant (model.name); overrides the config's" }),
    set: setFlag,
    split: Flags.string({ description: "dataset split", options: ["test", "train"], default: "test" }),
    names: Flags.string({ description: "the file's tensor names (default: detected)", options: [...WEIGHT_SOURCES] }),
    db: dbFlag,
    backend: backendFlag,
    quiet: quietFlag,
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Eval);
    try {
      const cfg: Record<string, unknown> = {};
      let weights = flags.weights;
      const fromCheckpoint = fs.existsSync(weights) ? checkpointRun(weights, flags.db) : null;
      if (fromCheckpoint) {
        // An nfx checkpoint of a run in the store: its config supplies model and data unless given.
        cfg.model = structuredClone(fromCheckpoint.config.model);
        cfg.data = structuredClone(fromCheckpoint.config.data);
        cfg.seed = fromCheckpoint.config.seed;
      } else if (!fs.existsSync(weights)) {
        // A path (a separator or a weights extension) that does not exist is a missing file, not a run reference.
        if (/[\\/]|\.(safetensors|npz)$/i.test(weights)) throw new Error(`--weights ${weights}: no such file`);
        // Not a file: a stored run, whose config supplies model and data unless given.
        const store = RunStore.open(flags.db, { readonly: true });
        try {
          const run = store.getRun(weights);
          if (!run) throw new Error(`--weights ${weights}: no such file, and no run '${weights}' in ${flags.db}`);
          weights = finalWeightsPath(store, run);
          cfg.model = structuredClone(run.config.model);
          cfg.data = structuredClone(run.config.data);
          cfg.seed = run.config.seed;
        } finally {
          store.close();
        }
      }
      if (flags.config) {
        const file = (readYamlFile(flags.config).data ?? {}) as Record<string, unknown>;
        for (const k of ["model", "data", "seed"]) if (file[k] !== undefined) cfg[k] = file[k];
      }
      for (const s of flags.set) {
        const [k, v] = parseSetOverride(s);
        setDotted(cfg, k, v);
      }
      if (flags.model) setDotted(cfg, "model.name", flags.model);
      const model = cfg.model as { name?: string } | undefined;
      if (!model?.name) throw new Error("name the model: --model NAME, --config FILE or --set model.name=NAME");
      const data = cfg.data as { name?: string } | undefined;
      if (!data?.name) throw new Error("name the dataset: --set data.name=… (and data.path), or --config FILE");
      for (const k of ["init_from", "init_from_names", "init_from_sha256"])
        delete (model as Record<string, unknown>)[k];
      await initBackend(flags.backend as BackendName);
      const quiet = flags.quiet || this.jsonEnabled();
      let last = 0;
      const res = await evalWeights({
        weights,
        model: model as { name: string },
        data: data as { name: string },
        split: flags.split as "train" | "test",
        names: (flags.names as WeightSource | undefined) ?? null,
        seed: typeof cfg.seed === "number" ? cfg.seed : 0,
        progress: quiet
          ? undefined
          : (done, total) => {
              if (done === total || performance.now() - last > 500) {
                last = performance.now();
                process.stderr.write(`\reval ${done}/${total} examples`);
                if (done === total) process.stderr.write("\n");
              }
            },
      });
      if (!this.jsonEnabled()) {
        this.log(
          `${res.model} on ${data.name} ${res.split} (${res.n} examples): top-1 ${formatPercent(res.top1)}, loss ${res.loss.toFixed(4)}` +
            (res.checkpointWeights === "ema"
              ? " (the checkpoint's EMA averages)"
              : res.checkpointWeights === "param"
                ? " (the checkpoint's parameters)"
                : ""),
        );
      }
      return res;
    } catch (err) {
      return failWith(this, err);
    }
  }
}
