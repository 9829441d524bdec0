import { Args } from "@oclif/core";
import { notesOf, setNote } from "../../core/store/runNotes.js";
import { RunStore } from "../../core/store/runStore.js";
import { NfxCommand } from "../../ui/command.js";
import { failWith } from "../../ui/errors.js";
import { dbFlag } from "../../ui/flags.js";

export default class RunsNote extends NfxCommand {
  static override description =
    'Write a note on a run ("" removes it); without text, print its note. Notes are not part of a run\'s identity.';
  static override examples = [
    '<%= config.bin %> runs note 3 "lr too high: loss spikes at step 40"',
    "<%= config.bin %> runs note 3",
    '<%= config.bin %> runs note 3 ""',
  ];
  static override enableJsonFlag = true;
  static override args = {
    run: Args.string({ description: "run id or config-hash prefix", required: true }),
    text: Args.string({ description: "the note (replaces the run's note; empty removes it)" }),
  };
  static override flags = { db: dbFlag };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(RunsNote);
    try {
      const store = RunStore.open(flags.db, { mustExist: true, readonly: args.text === undefined });
      try {
        const run = store.getRun(args.run);
        if (!run) throw new Error(`no run '${args.run}' in ${flags.db} (see nfx runs)`);
        if (args.text !== undefined) setNote(store, run.id, args.text);
        const note = notesOf(store, [run.id]).get(run.id)?.note ?? null;
        if (!this.jsonEnabled()) this.log(`run ${run.id}: ${note ?? "no note"}`);
        return { id: run.id, note };
      } finally {
        store.close();
      }
    } catch (err) {
      return failWith(this, err);
    }
  }
}
