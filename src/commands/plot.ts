import { Flags } from "@oclif/core";
import { BAND_HELP, BAND_KINDS, type BandKind } from "../core/plot/bands.js";
import { checkWritableOut, figuresDirFor } from "../core/plot/outputDir.js";
import { DEFAULT_STEP_Y, DEFAULT_Y, plotSpec, STEP, TOP1_HELP } from "../core/plot/plotSelection.js";
import { parseFormats, writeFigure } from "../core/plot/render.js";
import { RunStore } from "../core/store/runStore.js";
import { NfxCommand } from "../ui/command.js";
import { failWith } from "../ui/errors.js";
import { dbFlag } from "../ui/flags.js";

export default class Plot extends NfxCommand {
  static override description =
    "Plot any run field against another (config keys such as agc.lambda, summary metrics such as top1, test_top1, final_loss, images_per_s), or per-step curves with --x step; mean and band (--band) over seeds.";
  static override examples = [
    "<%= config.bin %> plot --x agc.lambda --y top1 --color train.batch_size --log-x",
    "<%= config.bin %> plot --x train.batch_size --y top1 --color model.name --column agc.granularity --where \"data.name = 'fashion-mnist'\"",
    '<%= config.bin %> plot --x step --y loss --y clip_frac --color agc.lambda --where "train.batch_size = 512"',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    x: Flags.string({ description: `run field on x, or "${STEP}" for per-step curves`, required: true }),
    y: Flags.string({
      description: `field on y (default ${DEFAULT_Y}; ${TOP1_HELP}); with --x ${STEP}, per-step metrics such as loss, lr, grad_norm, clip_frac, test_top1 (repeatable; default ${DEFAULT_STEP_Y})`,
      multiple: true,
      multipleNonGreedy: true, // one value per --flag: positional arguments may follow it
    }),
    color: Flags.string({ description: "one line per value of this key" }),
    column: Flags.string({ description: "one panel per value of this key" }),
    where: Flags.string({
      description: `keep the runs this filter selects (the language of \`nfx runs --where\`), e.g. "agc.lambda <= 0.04 and train.batch_size in (256, 1024)"`,
    }),
    "log-x": Flags.boolean({ description: "log scale on x (λ, batch size)" }),
    out: Flags.string({
      description:
        "directory for the figure (default: figures/ beside the --db store; NAME-figures/ for a store NAME.db not named nfx.db)",
    }),
    name: Flags.string({ description: "file name without extension", default: "plot" }),
    format: Flags.string({ description: "comma-separated: json, svg, png, html", default: "json,svg" }),
    band: Flags.string({
      description: `band around means over seeds: ${BAND_HELP}`,
      options: [...BAND_KINDS],
    }),
    db: dbFlag,
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Plot);
    try {
      const formats = parseFormats(flags.format);
      const store = RunStore.open(flags.db, { readonly: true });
      try {
        const out = figuresDirFor(flags.db, flags.out);
        checkWritableOut(out, "figures", flags.out !== undefined);
        const spec = plotSpec(store, {
          x: flags.x,
          y: flags.y ?? [],
          color: flags.color,
          column: flags.column,
          where: flags.where,
          logX: flags["log-x"],
          band: flags.band as BandKind | undefined,
        });
        const files = await writeFigure(spec, out, flags.name, formats);
        if (!this.jsonEnabled())
          for (const [format, file] of Object.entries(files)) this.log(`${format.padEnd(5)} ${file}`);
        return { files };
      } finally {
        store.close();
      }
    } catch (err) {
      return failWith(this, err);
    }
  }
}
