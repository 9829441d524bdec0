// Stopping a sweep: a first interrupt (or --fail-fast) lets running runs reach their next step, and kills the
// workers of those that take longer than the grace period; a second interrupt kills every worker at once. Either
// way the runs they trained are stored interrupted, to be re-run by the next sweep.

import type { SweepEvents } from "./events.js";
import type { WorkerPool } from "./workerPool.js";

export class SweepStop {
  /** Why the sweep is stopping (null while it runs). */
  why: string | null = null;
  /** Whether it was told to stop at once. */
  atOnce = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly pool: WorkerPool,
    private readonly ev: SweepEvents | undefined,
    private readonly graceMs: number,
  ) {}

  /** Marks the sweep stopping for `why` unless it already is, without telling any worker. */
  mark(why: string): void {
    this.why = this.why ?? why;
  }

  /**
   * Stops between steps: running runs reach their next step and are stored interrupted; nothing new starts.
   * False when the sweep was already stopping.
   */
  betweenSteps(why: string): boolean {
    if (this.why !== null) return false;
    this.why = why;
    this.ev?.stopping?.(why);
    for (const w of this.pool.workers()) this.pool.stop(w);
    this.timer = setTimeout(() => {
      for (const w of this.pool.workers()) if (w.runId !== null) this.pool.kill(w);
    }, this.graceMs);
    return true;
  }

  /** Stops at once: every worker is killed; the runs they trained are stored interrupted. False when already done. */
  now(): boolean {
    if (this.atOnce) return false;
    this.atOnce = true;
    this.mark("interrupted");
    this.ev?.stopping?.("second interrupt: stopping at once");
    for (const w of this.pool.workers()) {
      if (w.runId !== null) w.stopping = true;
      this.pool.kill(w);
    }
    return true;
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}
