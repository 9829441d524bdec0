// The words of a cost estimate (experiments/costEstimate.ts): the runs to train with their steps, images and time,
// what the times were estimated from, and the total on this machine's workers.
import type { ExpectedStop } from "../core/sweep/earlyStops.js";
import type { CostBasis, CostEstimate, RunCost } from "../core/sweep/estimate.js";
import { pointLabel } from "../core/sweep/expand.js";
import { count } from "../core/text/plural.js";
import { formatDuration, table } from "./format.js";

const thousands = (n: number) => n.toLocaleString("en-US");

/** Up to 6 run ids, then how many more. */
function ids(runIds: readonly number[]): string {
  const shown = runIds.slice(0, 6).join(", ");
  return runIds.length > 6 ? `${shown} and ${runIds.length - 6} more` : shown;
}

/** What a run's time was estimated from, in a few words. */
export function basisText(b: CostBasis): string {
  switch (b.kind) {
    case "stored-steps":
      return `stored runs ${ids(b.runIds)}: ${b.secondsPerStep.toFixed(3)} s/step`;
    case "stored-images":
      return `stored runs ${ids(b.runIds)} (other batch sizes): ${(b.secondsPerImage * 1000).toFixed(2)} ms/image`;
    case "calibrated":
      return (
        `calibrated: ${b.model} at batch ${b.batch}, ${b.imagesPerS.toFixed(0)} images/s in micro-batches of ${b.micro} ` +
        `(${b.cached ? "cached" : "measured now"}, load average ${b.load.toFixed(1)})`
      );
    case "none":
      return `no estimate: ${b.why}`;
  }
}

/** Why runs are expected to stop early, in a few words. */
function stopText(s: ExpectedStop): string {
  return s.from.kind === "stored"
    ? `their other seeds in the store (runs ${ids(s.from.runIds)}) stopped early`
    : `the sweep file's early_stops: ${s.from.source}`;
}

/** The runs to train as a table: index, hash, point, steps (expected of planned), images, time, and its basis. */
export function costTable(runs: readonly RunCost[]): string {
  return table(
    ["#", "hash", "point", "steps", "images", "time", "from"],
    runs.map((r) => [
      String(r.index),
      r.hash,
      pointLabel(r.point),
      r.steps === null ? "?" : r.stop ? `${thousands(r.stop.steps)} of ${thousands(r.steps)}` : thousands(r.steps),
      r.images === null ? "?" : thousands(r.images),
      r.seconds === null ? "?" : formatDuration(r.seconds),
      r.basis.kind === "calibrated" ? "calibrated" : r.basis.kind === "none" ? "—" : "stored",
    ]),
  );
}

/** The summary: what is trained, its steps and images, the wall time on the workers, and what it came from. */
export function costSummary(name: string, cost: CostEstimate & { planned: number; settled: number }): string[] {
  const m = cost.machine;
  const toTrain = cost.runs.length;
  const lines = [
    `${name}: ${count(toTrain, "run")} to train of ${cost.planned} (${cost.settled} in the store): ` +
      `${thousands(cost.steps)} steps, ${thousands(cost.images)} images` +
      (cost.expectedSteps < cost.steps ? ` (${thousands(cost.expectedSteps)} steps expected: see below)` : ""),
  ];
  if (toTrain === 0) return lines;
  const wall = cost.seconds === null ? "unknown (a run could not be timed)" : `≈ ${formatDuration(cost.seconds)}`;
  lines.push(
    `estimated time: ${wall} on ${m.backend}, ${m.host} (${count(m.cores, "core")}), ${count(cost.workers, "worker")} at once`,
  );
  const bases = new Map<string, number>();
  for (const r of cost.runs) bases.set(basisText(r.basis), (bases.get(basisText(r.basis)) ?? 0) + 1);
  for (const [text, n] of bases) lines.push(`  ${count(n, "run")} timed from ${text}`);
  const stops = new Map<string, number>();
  for (const r of cost.runs) if (r.stop) stops.set(stopText(r.stop), (stops.get(stopText(r.stop)) ?? 0) + 1);
  for (const [text, n] of stops) lines.push(`  ${count(n, "run")} timed to an early stop: ${text}`);
  lines.push(
    stops.size
      ? "  the other runs counted at all their steps: a run that diverges unforeseen stops early and costs less"
      : "  each run counted at all its steps: a run that diverges stops early and costs less",
  );
  return lines;
}
