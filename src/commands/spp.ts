import { Flags } from "@oclif/core";
import { type BackendName, initBackend } from "../core/engine/backend/backend.js";
import { resolveModelSpec } from "../core/models/resolve.js";
import { parseFormats } from "../core/plot/render.js";
import { sppFigure } from "../core/plot/sppSpec.js";
import { NfxCommand } from "../ui/command.js";
import { failWith } from "../ui/errors.js";
import { backendFlag } from "../ui/flags.js";

export default class Spp extends NfxCommand {
  static override description =
    "Signal propagation at initialization: per residual block, the output's average channel squared mean and variance and the residual branch's variance on N(0,1) inputs, as a Vega-Lite figure.";
  static override examples = [
    "<%= config.bin %> spp --model nf-resnet-micro",
    "<%= config.bin %> spp --model nf-resnet-50 --px 64 --batch 4 --compare-no-ws --json",
    "<%= config.bin %> spp --model nf-resnet-micro --format svg,png,html",
  ];
  static override enableJsonFlag = true;
  static override flags = {
    model: Flags.string({ char: "m", description: "model variant (see `nfx models`)", required: true }),
    out: Flags.string({ description: "directory for the figure", default: "results/figures" }),
    format: Flags.string({ description: "comma-separated: json, svg, png, html", default: "json,svg" }),
    px: Flags.integer({ description: "input resolution (default: the variant's training resolution)", min: 1 }),
    batch: Flags.integer({ description: "number of random images", default: 16, min: 2 }),
    seed: Flags.integer({ description: "seed for the weights and the inputs", default: 0 }),
    "skip-gain": Flags.string({
      description: "skip-gain value at init (1 shows the residual branches; the trained model starts at 0)",
      default: "1",
    }),
    "compare-no-ws": Flags.boolean({ description: "also plot the same network without weight standardization" }),
    backend: backendFlag,
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Spp);
    try {
      const skipGainInit = Number(flags["skip-gain"]);
      if (!Number.isFinite(skipGainInit)) throw new Error(`--skip-gain must be a number (got '${flags["skip-gain"]}')`);
      const formats = parseFormats(flags.format);
      const spec = resolveModelSpec({ name: flags.model });
      await initBackend(flags.backend as BackendName);
      const result = await sppFigure(spec, {
        px: flags.px,
        batch: flags.batch,
        seed: flags.seed,
        skipGainInit,
        compareNoWs: flags["compare-no-ws"],
        dir: flags.out,
        formats,
      });
      if (!this.jsonEnabled()) {
        for (const run of result.runs) {
          this.log(run.label);
          for (const b of run.spp.blocks) {
            this.log(
              `  ${b.name.padEnd(16)} var ${b.avgVar.toFixed(3)} (expected ${b.expectedVar.toFixed(3)})  sq-mean ${b.avgSqMean.toFixed(3)}  residual var ${b.residualVar.toFixed(3)}`,
            );
          }
        }
        for (const [format, file] of Object.entries(result.figure)) this.log(`${format.padEnd(5)} ${file}`);
      }
      return { model: spec.name, runs: result.runs, figure: result.figure };
    } catch (err) {
      return failWith(this, err);
    }
  }
}
