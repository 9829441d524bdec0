// Sweep progress on stderr. On a terminal: a live block with one line per worker (its run, a bar, steps/s, loss)
// under a sweep bar with an ETA from finished runs. Elsewhere (logs, CI): one line per run start and end.
import chalk from "chalk";
import type { HeldRun, SweepEvents } from "../core/sweep/events.js";
import type { ResumePoint } from "../core/sweep/resume.js";
import { count } from "../core/text/plural.js";
import { writeValue } from "../core/text/writtenForm.js";
import { bar, formatDuration, formatPercent } from "./format.js";
import { jsonDocument } from "./jsonKeys.js";
import { liveLine, shortPointLabel } from "./liveLine.js";

interface Live {
  id: number;
  label: string;
  shortLabel: string;
  started: number;
  /** The step this attempt started at (a resumed run's checkpoint): its rate counts the steps after it only. */
  startStep: number;
  step: number;
  stepsTotal: number;
  loss: number | undefined;
}

/** The axis values that set a run apart, or its hash when it has none (a single run). */
function runLabel(run: { point: Record<string, unknown>; hash: string }): string {
  const text = Object.entries(run.point)
    .map(([k, v]) => `${k}=${writeValue(v)}`)
    .join(" ");
  return text || run.hash.slice(0, 10);
}

/**
 * Progress of a sweep on `stream`; `single` for `nfx run`, whose opening line speaks of its one run instead of
 * counting a sweep's; `threads`, the --threads given (said to have no effect when `auto` picks a one-thread backend).
 */
export function sweepProgress(
  stream: NodeJS.WriteStream = process.stderr,
  opts: { single?: boolean; threads?: number } = {},
): SweepEvents {
  const block = new LiveBlock(stream);
  /** The last quarter of its steps each run has said it reached (the line-per-event display). */
  const quarter = new Map<number, number>();
  return {
    sweepStart(info) {
      block.begin(info.todo, info.jobs);
      stream.write(sweepStartLine(info, opts.single === true));
    },
    backendReady(backend) {
      block.above(chalk.dim(`backend ${backend.name} ${backend.version} on ${backend.device}\n`));
      const note = threadsNote(backend.name, opts.threads);
      if (note) block.above(chalk.yellow(note));
    },
    runStart(info) {
      const label = runLabel(info.run);
      block.runStarted(info, label);
      if (!block.tty)
        stream.write(
          `[${info.position + 1}/${info.todo}] w${info.slot} run ${info.id} ${label}: ${count(info.stepsTotal, "step")}` +
            `${resumedText(info.resumed)}\n`,
        );
      else {
        if (info.resumed) block.above(chalk.dim(`run ${info.id} ${label}${resumedText(info.resumed)}\n`));
        block.draw(true);
      }
      const moved = otherBackendLine(info);
      if (moved) block.above(chalk.yellow(moved));
    },
    runStep(info) {
      const l = block.stepped(info.slot, info.step, info.metrics.loss);
      if (!l || block.tty) return;
      const q = Math.floor((l.step / Math.max(1, l.stepsTotal)) * 4);
      if (q > (quarter.get(info.id) ?? 0) && l.step < l.stepsTotal) {
        quarter.set(info.id, q);
        const rate = attemptRate(l, performance.now());
        stream.write(
          `  run ${info.id}: ${l.step}/${count(l.stepsTotal, "step")}  loss ${l.loss?.toFixed(3)}  ${rate.toFixed(1)} step/s\n`,
        );
      }
    },
    runEnd(info) {
      block.ended(info.slot);
      block.above(runEndLine(info));
    },
    waiting(info) {
      const runs = info.runs.map((h) => `run ${h.id} (${heldText(h)})`).join(", ");
      block.above(
        chalk.yellow(`waiting for ${count(info.runs.length, "run")} that another process is training: ${runs}\n`),
      );
    },
    reaped(orphans) {
      for (const o of orphans) block.above(chalk.yellow(`run ${o.id}: ${o.reason}; training it here\n`));
    },
    stopping(why) {
      block.above(chalk.yellow(`stopping (${why}): interrupting running runs…\n`));
    },
  };
}

type SweepStartInfo = Parameters<NonNullable<SweepEvents["sweepStart"]>>[0];
type RunStartInfo = Parameters<NonNullable<SweepEvents["runStart"]>>[0];
type RunEndInfo = Parameters<NonNullable<SweepEvents["runEnd"]>>[0];

/** The sweep's opening line: what it will train, skip and leave to others (`nfx run`: its one run's state). */
function sweepStartLine(info: SweepStartInfo, single: boolean): string {
  const orphans = info.orphans.length ? `, ${count(info.orphans.length, "orphaned run")} re-queued` : "";
  if (single && info.total === 1) {
    const state = info.todo ? "to train" : info.elsewhere ? "held by another process" : "already stored";
    return `${chalk.bold("run")}: ${state}${orphans}\n`;
  }
  const elsewhere = info.elsewhere ? `, ${info.elsewhere} held by another process` : "";
  return (
    `${chalk.bold("sweep")}: ${count(info.total, "run")}, ${info.skipped} already done, ${info.todo} to run` +
    `${elsewhere}${orphans}${info.todo ? chalk.dim(` (${count(info.jobs, "worker")})`) : ""}\n`
  );
}

/** Steps per second of this attempt: the steps it trained (not those its checkpoint holds) over its own time. */
function attemptRate(l: Live, now: number): number {
  return (l.step - l.startStep) / Math.max(1e-3, (now - l.started) / 1000);
}

/**
 * A run's time: the whole training time, and this attempt's beside it when earlier attempts of a resumed run count
 * too ("23s (6s this attempt)").
 */
function runTimeText(info: RunEndInfo): string {
  const earlier = info.totalSeconds - info.seconds;
  return earlier >= 0.5
    ? `${formatDuration(info.totalSeconds)} (${formatDuration(info.seconds)} this attempt)`
    : formatDuration(info.seconds);
}

/** A run's closing line: its status, loss, accuracy, speed and time. */
function runEndLine(info: RunEndInfo): string {
  const rate =
    info.seconds > 0 && info.stepsTrained > 0 ? `${(info.stepsTrained / info.seconds).toFixed(1)} step/s  ` : "";
  // Red only for a failure of the run's own; an interrupted run is re-run by the next sweep.
  const color =
    info.status === "completed"
      ? chalk.green
      : info.status === "diverged" || info.status === "collapsed" || info.status === "interrupted"
        ? chalk.yellow
        : chalk.red;
  const extra = info.error ? chalk.dim(` (${info.error})`) : "";
  const loss = info.finalLoss === null ? "" : `loss ${info.finalLoss.toFixed(3)}  `;
  return (
    `${color("●")} run ${info.id} ${runLabel(info.run)}: ${color(info.status)}  ${loss}` +
    `test top-1 ${formatPercent(info.testTop1)}  ${rate}${runTimeText(info)}${extra}\n`
  );
}

/**
 * What is training now, and on a terminal the live block that shows it: one line per worker under the sweep bar,
 * redrawn in place; lines about the sweep are written above it. Elsewhere nothing is drawn.
 */
class LiveBlock {
  readonly tty: boolean;
  /** Each worker slot's run. */
  private readonly live = new Map<number, Live>();
  private sweepStarted = 0;
  private todo = 0;
  private done = 0;
  private jobs = 1;
  private drawnLines = 0;
  private lastDraw = 0;

  constructor(private readonly stream: NodeJS.WriteStream) {
    this.tty = stream.isTTY === true;
  }

  begin(todo: number, jobs: number): void {
    this.sweepStarted = performance.now();
    this.todo = todo;
    this.jobs = jobs;
  }

  runStarted(info: RunStartInfo, label: string): void {
    this.todo = info.todo;
    this.live.set(info.slot, {
      id: info.id,
      label,
      shortLabel: shortPointLabel(info.run.point) || label,
      started: performance.now(),
      startStep: info.resumed?.step ?? 0,
      step: info.resumed?.step ?? 0,
      stepsTotal: info.stepsTotal,
      loss: undefined,
    });
  }

  /** Records a step of the run in `slot` (and redraws, at most every 100 ms); its run, or none if unknown. */
  stepped(slot: number, step: number, loss: number | undefined): Live | undefined {
    const l = this.live.get(slot);
    if (!l) return undefined;
    l.step = step + 1;
    l.loss = loss;
    this.draw();
    return l;
  }

  /** The run in `slot` ended: it leaves the block and counts as done. */
  ended(slot: number): void {
    this.live.delete(slot);
    this.done++;
  }

  /** ETA: mean wall time of finished runs for the rest, divided among the workers. */
  private eta(): number {
    const runningFrac = [...this.live.values()].reduce((s, l) => s + (l.stepsTotal ? l.step / l.stepsTotal : 0), 0);
    const units = this.done + runningFrac;
    if (units <= 0) return Number.NaN;
    const elapsed = (performance.now() - this.sweepStarted) / 1000;
    return (elapsed / units) * (this.todo - units);
  }

  private erase(): void {
    if (!this.tty || this.drawnLines === 0) return;
    this.stream.write(`\x1b[${this.drawnLines}A\r\x1b[J`);
    this.drawnLines = 0;
  }

  draw(force = false): void {
    if (!this.tty) return;
    const t = performance.now();
    if (!force && t - this.lastDraw < 100) return;
    this.lastDraw = t;
    this.erase();
    const lines: string[] = [];
    // A live line must not wrap, or erasing by line count would leave debris: it is fitted to the width.
    const columns = this.stream.columns ?? 120;
    for (const [slot, l] of [...this.live].sort((a, b) => a[0] - b[0])) {
      lines.push(liveLine({ ...l, slot, rate: attemptRate(l, t) }, columns));
    }
    const etaS = this.eta();
    lines.push(
      `${chalk.bold("sweep")} ${bar(this.todo ? this.done / this.todo : 1)} ${this.done}/${count(this.todo, "run")}` +
        chalk.dim(`  ${count(this.jobs, "worker")}  ETA ${Number.isFinite(etaS) ? formatDuration(etaS) : "…"}`),
    );
    this.stream.write(`${lines.join("\n")}\n`);
    this.drawnLines = lines.length;
  }

  /** Writes `text` above the live block. */
  above(text: string): void {
    this.erase();
    this.stream.write(text);
    this.draw(true);
  }
}

/** `--threads` given when `auto` picked a backend that computes on one thread: it has no effect; else null. */
function threadsNote(backend: string, threads: number | undefined): string | null {
  if (threads === undefined || (backend !== "wasm" && backend !== "cpu")) return null;
  return `--threads ${threads} has no effect: ${backend} computes on one thread (it sets TensorFlow's threads on the tensorflow backends)\n`;
}

/** The line for a run continued from a checkpoint another backend wrote, or null. */
function otherBackendLine(info: RunStartInfo): string | null {
  const wrote = info.resumed?.backend ?? null;
  if (wrote === null || info.backend === null || wrote === info.backend) return null;
  return (
    `run ${info.id}: its checkpoint of step ${info.resumed?.step} was written on ${wrote}; it continues on ` +
    `${info.backend}, not bit for bit the uninterrupted run (recorded as resumed_from_backend)\n`
  );
}

/** `, resumed from step N (checkpoint FILE)` and the newer checkpoints passed over, or nothing for a fresh run. */
function resumedText(resumed: ResumePoint | null): string {
  if (!resumed) return "";
  const skipped = resumed.skipped.map((s) => `; passed over ${s.file}: ${s.why}`).join("");
  return `, resumed from step ${resumed.step} (${resumed.file}${skipped})`;
}

/**
 * Who holds a run and what this process saw of its heartbeat, on its own clock: "pid 123 on host h, heartbeat 2 s
 * ago" once it was seen to change, "heartbeat unchanged for 5 s" until then.
 */
function heldText(h: HeldRun): string {
  const age = Math.round(h.heartbeatAgeSeconds ?? 0);
  const beat =
    h.heartbeatAgeSeconds === null
      ? "no heartbeat yet"
      : h.heartbeatAdvancing
        ? `heartbeat ${age} s ago`
        : `heartbeat unchanged for ${age} s`;
  return `${h.owner ? `pid ${h.owner.pid} on host ${h.owner.host}` : "owner unknown"}, ${beat}`;
}

/** Progress as JSON lines (one object per event) for scripts that follow a sweep live. */
export function sweepJsonProgress(stream: NodeJS.WriteStream = process.stderr): SweepEvents {
  const emit = (event: string, data: Record<string, unknown>) =>
    stream.write(`${JSON.stringify(jsonDocument({ event, t: new Date().toISOString(), ...data }))}\n`);
  return {
    sweepStart: (i) => emit("sweep-start", { ...i, orphans: i.orphans }),
    backendReady: (b) => emit("backend", { backend: b }),
    runStart: (i) =>
      emit("run-start", {
        id: i.id,
        slot: i.slot,
        point: i.run.point,
        hash: i.run.hash,
        steps: i.stepsTotal,
        resumed_from: i.resumed?.step ?? null,
        resumed_backend: i.resumed?.backend ?? null,
        backend: i.backend,
      }),
    runEnd: (i) =>
      emit("run-end", {
        id: i.id,
        slot: i.slot,
        status: i.status,
        test_top1: i.testTop1,
        final_loss: i.finalLoss,
        seconds: i.seconds,
        total_seconds: i.totalSeconds,
        steps_trained: i.stepsTrained,
        error: i.error,
      }),
    waiting: (i) => emit("waiting", { runs: i.runs }),
    reaped: (orphans) => emit("reaped", { orphans }),
    stopping: (why) => emit("stopping", { why }),
  };
}
