import { Args, Flags } from "@oclif/core";
import { changeTags, notesOf } from "../../core/store/runNotes.js";
import { RunStore } from "../../core/store/runStore.js";
import { NfxCommand } from "../../ui/command.js";
import { failWith } from "../../ui/errors.js";
import { dbFlag } from "../../ui/flags.js";

export default class RunsTag extends NfxCommand {
  static override description =
    "Tag a run (or untag it with --remove); without tags, list its tags. Tags are not part of a run's identity.";
  static override examples = [
    "<%= config.bin %> runs tag 3 baseline paper",
    "<%= config.bin %> runs tag 3 paper --remove",
    "<%= config.bin %> runs tag 1a2b3c --json",
  ];
  static override strict = false;
  static override enableJsonFlag = true;
  static override args = {
    run: Args.string({ description: "run id or config-hash prefix", required: true }),
    tags: Args.string({ description: "tags: letters, digits, _ . : / - (several allowed)" }),
  };
  static override flags = {
    db: dbFlag,
    remove: Flags.boolean({ description: "remove these tags instead of adding them", default: false }),
  };

  async run(): Promise<unknown> {
    const { argv, flags } = await this.parse(RunsTag);
    const [ref, ...tags] = argv as string[];
    try {
      const store = RunStore.open(flags.db, { mustExist: true, readonly: tags.length === 0 });
      try {
        const run = store.getRun(ref as string);
        if (!run) throw new Error(`no run '${ref}' in ${flags.db} (see nfx runs)`);
        const after = tags.length
          ? changeTags(store, run.id, flags.remove ? [] : tags, flags.remove ? tags : [])
          : (notesOf(store, [run.id]).get(run.id)?.tags ?? []);
        if (!this.jsonEnabled()) this.log(`run ${run.id}: ${after.length ? after.join(", ") : "no tags"}`);
        return { id: run.id, tags: after };
      } finally {
        store.close();
      }
    } catch (err) {
      return failWith(this, err);
    }
  }
}
