import { Flags } from "@oclif/core";
import { type BackendName, initBackend } from "../core/engine/backend/backend.js";
import { resolveEvalTarget } from "../core/runWeights/evalTarget.js";
import { evalWeights } from "../core/runWeights/runWeights.js";
import { WEIGHT_SOURCES, type WeightSource } from "../core/weights/nameMaps.js";
import { NfxCommand } from "../ui/command.js";
import { failWith } from "../ui/errors.js";
import { backendFlag, dbFlag, quietFlag, setFlag } from "../ui/flags.js";
import { formatPercent } from "../ui/format.js";

/** A progress line on stderr, redrawn at most every 500 ms and at the end. */
function evalProgress(): (done: number, total: number) => void {
  let last = 0;
  return (done, total) => {
    if (done === total || performance.now() - last > 500) {
      last = performance.now();
      process.stderr.write(`\reval ${done}/${total} examples`);
      if (done === total) process.stderr.write("\n");
    }
  };
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
      const target = resolveEvalTarget({
        weights: flags.weights,
        db: flags.db,
        config: flags.config,
        sets: flags.set,
        model: flags.model,
      });
      await initBackend(flags.backend as BackendName);
      const quiet = flags.quiet || this.jsonEnabled();
      const res = await evalWeights({
        ...target,
        split: flags.split as "train" | "test",
        names: (flags.names as WeightSource | undefined) ?? null,
        progress: quiet ? undefined : evalProgress(),
      });
      if (!this.jsonEnabled()) {
        this.log(
          `${res.model} on ${target.data.name} ${res.split} (${res.n} examples): top-1 ${formatPercent(res.top1)}, loss ${res.loss.toFixed(4)}` +
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
