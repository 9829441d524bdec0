// Sweep progress on stderr: a live bar with ETA on a terminal, one line per event otherwise.
import chalk from "chalk";
import type { SweepEvents } from "../core/sweep/runSweep.js";
import { bar, formatDuration, formatPercent } from "./format.js";

export function sweepProgress(stream: NodeJS.WriteStream = process.stderr): SweepEvents {
  const tty = stream.isTTY === true;
  let sweepStarted = 0;
  let todo = 0;
  let done = 0;
  let runStarted = 0;
  let label = "";
  let lastDraw = 0;
  let lastLine = -1;
  const clear = () => {
    if (tty) stream.write("\r\x1b[2K");
  };
  /** ETA: finished runs' mean time for the rest, refined by the running run's own pace. */
  const eta = (fracOfRun: number) => {
    const elapsed = (performance.now() - sweepStarted) / 1000;
    const units = done + fracOfRun;
    return units > 0 ? (elapsed / units) * (todo - units) : Number.NaN;
  };
  return {
    sweepStart(info) {
      sweepStarted = performance.now();
      todo = info.todo;
      stream.write(
        `${chalk.bold("sweep")}: ${info.total} runs, ${info.skipped} already done, ${info.todo} to run ` +
          chalk.dim(`(backend ${info.backend.name} ${info.backend.version} on ${info.backend.device})\n`),
      );
    },
    runStart(info) {
      runStarted = performance.now();
      label = Object.entries(info.run.point)
        .map(([k, v]) => `${k}=${v === null ? "none" : String(v)}`)
        .join(" ");
      lastLine = -1;
      if (!tty) stream.write(`[${info.position + 1}/${info.todo}] run ${info.id} ${label}: ${info.stepsTotal} steps\n`);
    },
    runStep(info) {
      const t = performance.now();
      const frac = (info.step + 1) / info.stepsTotal;
      const rate = (info.step + 1) / ((t - runStarted) / 1000);
      const status = `loss ${info.metrics.loss?.toFixed(3)}  ${rate.toFixed(1)} step/s  ETA ${formatDuration(eta(frac))}`;
      if (tty) {
        if (t - lastDraw < 100 && info.step + 1 < info.stepsTotal) return;
        lastDraw = t;
        clear();
        stream.write(
          `[${done + 1}/${todo}] ${label} ${bar(frac)} ${info.step + 1}/${info.stepsTotal}  ${chalk.dim(status)}`,
        );
      } else {
        const decile = Math.floor(frac * 4);
        if (decile > lastLine) {
          lastLine = decile;
          if (decile > 0) stream.write(`  ${info.step + 1}/${info.stepsTotal} steps  ${status}\n`);
        }
      }
    },
    runEnd(info) {
      done++;
      clear();
      const color = info.status === "completed" ? chalk.green : info.status === "diverged" ? chalk.yellow : chalk.red;
      const extra = info.error ? chalk.dim(` (${info.error})`) : "";
      stream.write(
        `${color("●")} run ${info.id} ${label}: ${color(info.status)}  test top-1 ${formatPercent(info.testTop1)}  ` +
          `${formatDuration(info.seconds)}${extra}\n`,
      );
    },
  };
}
