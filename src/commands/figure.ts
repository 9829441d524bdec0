import { Args, Flags, type Interfaces } from "@oclif/core";
import { DEFAULT_MODEL } from "../core/config/schema.js";
import type { BackendName } from "../core/engine/backend/backend.js";
import { BAND_HELP, BAND_KINDS, type BandKind } from "../core/plot/bands.js";
import { checkWritableOut, figuresDirFor } from "../core/plot/outputDir.js";
import { parseFormats } from "../core/plot/render.js";
import { count } from "../core/text/plural.js";
import { type CostOptions, estimateFigure, estimatesFirst, type FigureCost } from "../experiments/costEstimate.js";
import { parsePreset } from "../experiments/figures/presets.js";
import { FIGURE_NAMES, OTHER_FIGURES, SWEEP_FIGURES, sweepFigure } from "../experiments/figures/registry.js";
import { runFigure } from "../experiments/figures/runFigure.js";
import { collectPendingShards } from "../experiments/slurmSweep.js";
import { NfxCommand } from "../ui/command.js";
import { failWith } from "../ui/errors.js";
import { costSummary, costTable } from "../ui/estimate.js";
import { backendFlag, dbFlag, quietFlag } from "../ui/flags.js";
import { listenForInterrupts } from "../ui/interrupt.js";
import { sweepProgress } from "../ui/progress.js";

const LIST = [
  ...SWEEP_FIGURES.map((f) => `  ${f.name.padEnd(12)} ${f.description}`),
  ...Object.entries(OTHER_FIGURES).map(([n, d]) => `  ${n.padEnd(12)} ${d}`),
].join("\n");

export default class Figure extends NfxCommand {
  static override description =
    `Regenerate one of the paper's figures from the store (running what is missing with --run-missing).\n\nFigures:\n${LIST}`;
  static override examples = [
    "<%= config.bin %> figure fig2b --preset quick --run-missing --out results/figures",
    "<%= config.bin %> figure fig2b --preset quick --dry-run",
    "<%= config.bin %> figure fig2a --format svg,png,html",
    "<%= config.bin %> figure curves --of fig2b",
    "<%= config.bin %> figure spp --model nf-resnet-micro",
  ];
  static override enableJsonFlag = true;
  static override args = { name: Args.string({ description: `figure (${FIGURE_NAMES.join(", ")})`, required: true }) };
  static override flags = {
    preset: Flags.string({
      description:
        "which sweep of the figure: quick (2 CPU cores, minutes), standard (fig2b only: λ 0.01–0.16 and none × batch 64–1024, about an hour on 2 CPU cores) or full (the paper's grid)",
      default: "quick",
    }),
    "run-missing": Flags.boolean({ description: "train the runs of the figure's sweep that the store lacks first" }),
    "dry-run": Flags.boolean({
      description:
        "print the runs --run-missing would train, their steps and images and the estimated time; run nothing",
    }),
    out: Flags.string({
      description:
        "directory for the figure (default: figures/ beside the --db store; NAME-figures/ for a store NAME.db not named nfx.db)",
    }),
    format: Flags.string({ description: "comma-separated: json, svg, png, html", default: "json,svg,png" }),
    of: Flags.string({ description: "curves: draw the training curves of this figure's sweep" }),
    where: Flags.string({ description: `curves: draw the runs this filter selects, e.g. "train.batch_size = 512"` }),
    model: Flags.string({ description: "spp: the model variant", default: DEFAULT_MODEL }),
    jobs: Flags.integer({ description: "worker processes for --run-missing (default: the number of cores)", min: 1 }),
    band: Flags.string({
      description: `band around means over seeds: ${BAND_HELP}`,
      options: [...BAND_KINDS],
    }),
    db: dbFlag,
    backend: backendFlag,
    quiet: quietFlag,
  };

  async run(): Promise<unknown> {
    const { args, flags, metadata } = await this.parse(Figure);
    try {
      refuseForeignFlags(args.name, flags, (f) => metadata.flags[f]?.setFromDefault !== true);
      if (flags["dry-run"]) return await this.dryRun(args.name, flags);
      const quiet = flags.quiet || this.jsonEnabled();
      const out = figuresDirFor(flags.db, flags.out);
      checkWritableOut(out, "figures", flags.out !== undefined);
      // Results of Slurm tasks that finished since the last look come in first.
      collectPendingShards(flags.db);
      const estimate = await this.estimateFirst(args.name, flags, quiet);
      const interrupts = listenForInterrupts();
      const started = performance.now();
      const result = await runFigure(args.name, {
        preset: parsePreset(flags.preset),
        runMissing: flags["run-missing"],
        out,
        db: flags.db,
        backend: flags.backend as BackendName,
        formats: parseFormats(flags.format),
        events: quiet ? undefined : sweepProgress(),
        signal: interrupts.signal,
        stopNow: interrupts.now,
        of: flags.of,
        where: flags.where,
        model: flags.model,
        jobs: flags.jobs,
        band: flags.band as BandKind | undefined,
      }).finally(() => interrupts.dispose());
      const seconds = (performance.now() - started) / 1000;
      if (!quiet) {
        const missing = result.missing ? `, ${result.missing} missing` : "";
        if (result.sweep_file)
          this.log(
            `${result.figure}: ${count(result.runs, "run")} drawn (${result.ran} run now${missing}) in ${seconds.toFixed(0)}s`,
          );
        this.log(result.devices);
        for (const [format, file] of Object.entries(result.files)) this.log(`${format.padEnd(5)} ${file}`);
      }
      if (result.failed) {
        process.stderr.write(`nfx: error: ${result.figure}: ${result.failed}\n`);
        return this.finish({ ...result, seconds, ...estimate }, 1);
      }
      return { ...result, seconds, ...estimate };
    } catch (err) {
      return failWith(this, err);
    }
  }

  /** --dry-run: the runs --run-missing would train and what they would cost here; nothing runs. */
  private async dryRun(name: string, flags: FigureFlags): Promise<FigureCost> {
    const cost = await estimateFigure(name, parsePreset(flags.preset), costOptions(flags));
    if (this.jsonEnabled()) return cost;
    this.log(costTable(cost.runs));
    for (const line of costSummary(`${name} (${cost.sweep_file})`, cost)) this.log(line);
    return cost;
  }

  /** --run-missing of a full preset: its estimate, shown (unless quiet) before anything trains; {} otherwise. */
  private async estimateFirst(name: string, flags: FigureFlags, quiet: boolean): Promise<{ estimate?: FigureCost }> {
    const preset = parsePreset(flags.preset);
    if (!flags["run-missing"] || !estimatesFirst(preset) || !sweepFigure(name)) return {};
    const estimate = await estimateFigure(name, preset, costOptions(flags));
    if (!quiet) for (const line of costSummary(`${name} (${estimate.sweep_file})`, estimate)) this.log(line);
    return { estimate };
  }
}

type FigureFlags = Interfaces.InferredFlags<typeof Figure.flags>;

/** The kinds of figure: the sweep figures, training curves (of a figure's sweep with --of) and spp. */
type FigureKind = "sweep" | "curves" | "curves --of" | "spp";

function figureKind(name: string, flags: FigureFlags): FigureKind {
  if (name === "spp") return "spp";
  if (name === "curves") return flags.of === undefined ? "curves" : "curves --of";
  return "sweep";
}

/**
 * The figure-specific flags and the kinds of figure each acts on (issue 27: `--where` and `--of` on fig2b were
 * accepted and ignored). --dry-run is refused by the estimate itself for a figure that trains nothing; --jobs sizes the
 * training of --run-missing and the estimate of --dry-run.
 */
const FLAG_KINDS: Record<string, { kinds: readonly FigureKind[]; what: string }> = {
  preset: { kinds: ["sweep", "curves --of"], what: "the sweep figures and curves --of" },
  "run-missing": { kinds: ["sweep", "curves --of"], what: "the sweep figures and curves --of" },
  of: { kinds: ["curves", "curves --of"], what: "curves" },
  where: { kinds: ["curves"], what: "curves without --of; --of and --where are two ways to choose runs" },
  model: { kinds: ["spp"], what: "spp" },
  band: { kinds: ["sweep", "curves", "curves --of"], what: "the sweep figures and curves" },
};

/**
 * Refuses a flag the user gave that the figure does not use, naming the flag and what it is for, rather than
 * drawing the figure as if it were not there.
 * @throws Error `--FLAG: does not apply to NAME (it is for …)`.
 */
function refuseForeignFlags(name: string, flags: FigureFlags, given: (flag: string) => boolean): void {
  if (!FIGURE_NAMES.includes(name)) return; // runFigure names the known figures
  const kind = figureKind(name, flags);
  const set = (f: string) => flags[f as keyof FigureFlags] !== undefined && flags[f as keyof FigureFlags] !== false;
  for (const [flag, scope] of Object.entries(FLAG_KINDS)) {
    if (set(flag) && given(flag) && !scope.kinds.includes(kind))
      throw new Error(`--${flag}: does not apply to ${kind === "curves --of" ? kind : name} (it is for ${scope.what})`);
  }
  const training = flags["run-missing"] === true || flags["dry-run"] === true;
  if (flags.jobs !== undefined && !training)
    throw new Error(`--jobs: has no effect on ${name} without --run-missing or --dry-run (it sizes their training)`);
}

function costOptions(flags: FigureFlags): CostOptions {
  return { db: flags.db, backend: flags.backend as BackendName, jobs: flags.jobs };
}
