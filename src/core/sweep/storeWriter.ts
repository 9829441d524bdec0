// The orchestrator's write path: what workers report is buffered and written in one transaction per flush, which
// also refreshes the heartbeat of every run this process holds. Flushing on a timer keeps the number of
// transactions independent of the step rate, so logging stays a small, fixed cost.
import type { RunOwner } from "../store/runOwner.js";
import type { MetricRow, RunStore, WriteBatch } from "../store/runStore.js";
import type { StepRows } from "./protocol.js";

export class StoreWriter {
  private metrics = new Map<number, { rows: MetricRow[]; stepsDone: number }>();
  private evals: WriteBatch["evals"] = [];
  private timer: NodeJS.Timeout | null = null;
  /** Seconds spent writing the store (for the logging-overhead figure). */
  writeSeconds = 0;
  flushes = 0;
  rowsWritten = 0;

  constructor(
    private readonly store: RunStore,
    private readonly owner: RunOwner,
    private readonly everyMs: number,
  ) {}

  start(): void {
    // A timed flush that fails (the store stayed busy past its wait) keeps its rows for the next flush; the
    // flush at a run's end or at stop() then throws to the sweep, which stops.
    this.timer = setInterval(() => {
      try {
        this.flush();
      } catch {
        // kept: see flush()
      }
    }, this.everyMs);
  }

  addSteps(runId: number, steps: StepRows): void {
    let entry = this.metrics.get(runId);
    if (!entry) {
      entry = { rows: [], stepsDone: 0 };
      this.metrics.set(runId, entry);
    }
    for (const [step, values] of steps) {
      for (const [name, value] of Object.entries(values)) entry.rows.push({ step, name, value });
      entry.stepsDone = Math.max(entry.stepsDone, step + 1);
    }
  }

  addEval(e: WriteBatch["evals"][number]): void {
    this.evals.push(e);
  }

  /**
   * Writes everything buffered (and the heartbeat) in one transaction, waiting for a busy store (see
   * RunStore.write). When the write fails, nothing is dropped: the rows stay buffered and the error is thrown.
   */
  flush(): void {
    const t0 = performance.now();
    const batch: WriteBatch = {
      metrics: [...this.metrics].map(([runId, m]) => ({ runId, rows: m.rows, stepsDone: m.stepsDone })),
      evals: this.evals,
    };
    this.store.writeBatch(batch, this.owner);
    this.metrics = new Map();
    this.evals = [];
    this.flushes++;
    this.rowsWritten += batch.metrics.reduce((n, m) => n + m.rows.length, 0) + batch.evals.length;
    this.writeSeconds += (performance.now() - t0) / 1000;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.flush();
  }
}
