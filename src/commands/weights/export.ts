import { Args, Flags } from "@oclif/core";
import { initBackend } from "../../core/engine/backend/backend.js";
import { exportFormatOf, exportRunWeights } from "../../core/runWeights/runWeights.js";
import { RunStore } from "../../core/store/runStore.js";
import { WEIGHT_SOURCES, type WeightSource } from "../../core/weights/nameMaps.js";
import { NfxCommand } from "../../ui/command.js";
import { failWith } from "../../ui/errors.js";
import { dbFlag } from "../../ui/flags.js";

export default class WeightsExport extends NfxCommand {
  static override description =
    "Export a run's final weights (from its final checkpoint: the EMA averages when it kept them, else the parameters; BatchNorm running statistics under nfx names) as safetensors or NumPy npz (by --out's extension), under nfx's names or those of timm (PyTorch layouts) or DeepMind's official code.";
  static override examples = [
    "<%= config.bin %> weights export 12 --out f0.safetensors",
    "<%= config.bin %> weights export 1a2b3c --names timm --out dm_nfnet_f0.safetensors",
    "<%= config.bin %> weights export 12 --names deepmind --out f0.npz",
  ];
  static override enableJsonFlag = true;
  static override args = { run: Args.string({ description: "run id or a prefix of its config hash", required: true }) };
  static override flags = {
    db: dbFlag,
    names: Flags.string({
      description: "tensor names and layouts: nfx, timm (OIHW convs, [out,in] linear) or deepmind (Haiku module/param)",
      options: [...WEIGHT_SOURCES],
      default: "nfx",
    }),
    out: Flags.string({
      char: "o",
      description: "output file: .safetensors (with nfx's metadata) or .npz (NumPy); the extension picks the format",
      required: true,
    }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(WeightsExport);
    try {
      exportFormatOf(flags.out);
      // The weights pass through tfjs tensors: its backend, chosen as every command chooses it, keeps tfjs's
      // "install our node backend" banner off (initBackend).
      await initBackend("cpu");
      const store = RunStore.open(flags.db, { readonly: true });
      try {
        const run = store.getRun(args.run);
        if (!run) throw new Error(`no run '${args.run}' in ${flags.db} (see nfx runs)`);
        const res = exportRunWeights(store, run, flags.names as WeightSource, flags.out);
        const result = { run: run.id, config_hash: run.config_hash, names: flags.names, ...res };
        if (!this.jsonEnabled()) {
          const which =
            res.weights === "ema"
              ? "its EMA averages (optim.ema_decay), the weights its test top-1 was measured with"
              : res.weights === "param"
                ? "its trained parameters"
                : "its weights";
          this.log(
            `wrote ${res.tensors} tensors of run ${run.id} (${flags.names} names, ${res.format}) to ${res.out}: ` +
              `${which}, from ${res.from}`,
          );
        }
        return result;
      } finally {
        store.close();
      }
    } catch (err) {
      return failWith(this, err);
    }
  }
}
