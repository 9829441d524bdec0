import { createInterface } from "node:readline/promises";
import { Args, Flags } from "@oclif/core";
import { resolveRunRefs } from "../../core/store/removeRuns.js";
import { RunStore } from "../../core/store/runStore.js";
import { deleteRunsAndCheckpoints } from "../../core/sweep/resume.js";
import { NfxCommand } from "../../ui/command.js";
import { failWith } from "../../ui/errors.js";
import { dbFlag } from "../../ui/flags.js";

export default class RunsRm extends NfxCommand {
  static override description = "Delete runs (with their metrics, evals and artifacts) from the store.";
  static override examples = ["<%= config.bin %> runs rm 3 4 --yes", "<%= config.bin %> runs rm 1a2b3c"];
  static override strict = false;
  static override enableJsonFlag = true;
  static override args = { ids: Args.string({ description: "run ids or config-hash prefixes", required: true }) };
  static override flags = {
    db: dbFlag,
    yes: Flags.boolean({ char: "y", description: "do not ask for confirmation (required when not on a terminal)" }),
  };

  async run(): Promise<unknown> {
    const { argv, flags } = await this.parse(RunsRm);
    try {
      const store = RunStore.open(flags.db, { mustExist: true });
      try {
        const runs = resolveRunRefs(store, argv as string[]);
        if (!flags.yes) {
          if (!process.stdin.isTTY)
            throw new Error(`refusing to delete ${runs.length} runs without --yes (not a terminal)`);
          const rl = createInterface({ input: process.stdin, output: process.stderr });
          const answer = await rl.question(`delete ${runs.map((r) => `run ${r.id} (${r.status})`).join(", ")}? [y/N] `);
          rl.close();
          if (!/^y(es)?$/i.test(answer.trim())) {
            this.log("nothing deleted");
            return { deleted: 0 };
          }
        }
        const { deleted, checkpointBytes } = deleteRunsAndCheckpoints(store, runs);
        const freed = checkpointBytes ? ` and their checkpoints (${(checkpointBytes / 1e6).toFixed(1)} MB)` : "";
        if (!this.jsonEnabled()) this.log(`deleted ${deleted} run${deleted === 1 ? "" : "s"}${freed} from ${flags.db}`);
        return { deleted, ids: runs.map((r) => r.id), checkpointBytes };
      } finally {
        store.close();
      }
    } catch (err) {
      return failWith(this, err);
    }
  }
}
