import { Flags } from "@oclif/core";
import { besideStore } from "../core/plot/outputDir.js";
import { parseFormats } from "../core/plot/render.js";
import { parsePreset } from "../experiments/figures/presets.js";
import { buildReport, claimsInOrder } from "../experiments/report/buildReport.js";
import { NfxCommand } from "../ui/command.js";
import { failWith } from "../ui/errors.js";
import { dbFlag } from "../ui/flags.js";
import { table } from "../ui/format.js";

export default class Report extends NfxCommand {
  static override description =
    "Check each AGC claim of the paper against the stored runs of its figure: holds, does not hold, or not enough runs, with the evidence. Writes report.html (offline) and report.md.";
  static override examples = [
    "<%= config.bin %> report",
    "<%= config.bin %> report --preset full --out results/report --json",
  ];
  static override enableJsonFlag = true;
  static override flags = {
    preset: Flags.string({ description: "whose runs decide: the quick or the full presets' sweeps", default: "quick" }),
    out: Flags.string({
      description: "directory for report.html, report.md and the figures (default: report/ beside the --db store)",
    }),
    format: Flags.string({ description: "formats of the figures beside the report", default: "json,svg,png" }),
    db: dbFlag,
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Report);
    try {
      const written = await buildReport({
        preset: parsePreset(flags.preset),
        db: flags.db,
        out: besideStore(flags.db, "report", flags.out),
        formats: parseFormats(flags.format),
      });
      const claims = claimsInOrder(written.report).map(({ figure, claim }) => ({
        id: claim.rule.id,
        title: claim.rule.title,
        verdict: claim.verdict,
        figure: figure.figure,
        runs: figure.runs,
        tests: claim.tests.map((t) => ({
          measures: t.measures,
          verdict: t.verdict,
          comparisons: t.comparisons.map((c) => ({
            condition: c.condition,
            verdict: c.verdict,
            estimate: c.estimate,
            arms: c.arms,
          })),
        })),
      }));
      if (!this.jsonEnabled()) {
        this.log(
          table(
            ["#", "claim", "verdict", "figure", "runs"],
            claims.map((c) => [String(c.id), c.title, c.verdict, c.figure, String(c.runs)]),
          ),
        );
        this.log(`report: ${written.html} (markdown ${written.markdown})`);
      }
      return { html: written.html, markdown: written.markdown, claims };
    } catch (err) {
      return failWith(this, err);
    }
  }
}
