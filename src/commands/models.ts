import { modelCatalog } from "../core/models/catalog.js";
import { NfxCommand } from "../ui/command.js";
import { table } from "../ui/format.js";

/** Exact, with thousands separators: counts are pinned to the official code's integers, not rounded. */
function count(n: number): string {
  return n.toLocaleString("en-US");
}

function gmacs(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)}G` : `${(n / 1e6).toFixed(2)}M`;
}

export default class Models extends NfxCommand {
  static override description =
    "List the model zoo: parameters and multiply-accumulates (the paper's FLOPs) counted from layer shapes.";
  static override examples = ["<%= config.bin %> models", "<%= config.bin %> models --json"];
  static override enableJsonFlag = true;

  async run(): Promise<unknown> {
    await this.parse(Models);
    const rows = modelCatalog();
    this.log(
      table(
        ["name", "family", "depths", "widths", "params", "FLOPs (MACs)", "train px", "test px", "official code"],
        rows.map((r) => [
          r.name,
          r.family,
          r.depths.join(","),
          r.widths.join(","),
          count(r.params),
          gmacs(r.flops),
          String(r.train_px),
          String(r.test_px),
          r.official ?? "nfx only",
        ]),
      ),
    );
    this.log(
      "FLOPs: multiply-accumulates per image at test px, counted as the official code counts them " +
        "(NFNet rows: equal to its count_flops).",
    );
    this.log(
      "official code: the deepmind-research nfnets/ model and variant a row equals tensor for tensor; " +
        "'nfx only' rows are nfx's own, not pinned to an official network.",
    );
    return rows;
  }
}
