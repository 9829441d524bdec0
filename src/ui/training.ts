// What a command that trains (`nfx sweep`, `nfx run`) hands its sweep: the progress display its flags ask for,
// and the two stops of Ctrl-C (ui/interrupt.ts).
import type { SweepEvents } from "../core/sweep/events.js";
import { listenForInterrupts } from "./interrupt.js";
import { sweepJsonProgress, sweepProgress } from "./progress.js";

export interface Training {
  /** No summary either: --quiet, or --json without --progress jsonl (stdout holds the one JSON document). */
  quiet: boolean;
  events: SweepEvents | undefined;
  /** Aborted by the first Ctrl-C (stop gracefully) and by the second (stop at once). */
  signal: AbortSignal;
  stopNow: AbortSignal;
  /** Stops listening for Ctrl-C: call it once training is over. */
  dispose(): void;
}

/** `single`: `nfx run`, whose progress speaks of its one run. */
export function startTraining(
  flags: { quiet: boolean; progress: string; threads?: number | undefined },
  json: boolean,
  single = false,
): Training {
  const interrupts = listenForInterrupts();
  const quiet = flags.quiet || (json && flags.progress !== "jsonl");
  return {
    quiet,
    events: quiet
      ? undefined
      : flags.progress === "jsonl"
        ? sweepJsonProgress()
        : sweepProgress(process.stderr, { single, ...(flags.threads === undefined ? {} : { threads: flags.threads }) }),
    signal: interrupts.signal,
    stopNow: interrupts.now,
    dispose: () => interrupts.dispose(),
  };
}
