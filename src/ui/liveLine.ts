// One worker's line in the live progress block, fitted to the terminal's width. The line must not wrap (the block
// is erased by its line count), and the point being trained is what it is for: the bar, the loss and the speed give
// way first, then the point's keys are shortened to their last part, and only then is the point cut.
import chalk from "chalk";
import { writeValue } from "../core/text/writtenForm.js";
import { bar } from "./format.js";

/** What one live line shows. */
export interface LiveLineInput {
  slot: number;
  id: number;
  /** The run's axis values (`key=value …`), or its hash when it has none. */
  label: string;
  /** The same with each key shortened to its last dotted part where that stays unambiguous. */
  shortLabel: string;
  step: number;
  stepsTotal: number;
  loss: number | undefined;
  /** Steps per second of this attempt. */
  rate: number;
}

interface Layout {
  short: boolean;
  barWidth: number;
  loss: boolean;
  rate: boolean;
}

/** From the fullest line to the barest: the first that fits is drawn. */
const LAYOUTS: Layout[] = [
  { short: false, barWidth: 16, loss: true, rate: true },
  { short: false, barWidth: 8, loss: false, rate: true },
  { short: false, barWidth: 0, loss: false, rate: false },
  { short: true, barWidth: 8, loss: false, rate: true },
  { short: true, barWidth: 0, loss: false, rate: false },
];

/** The shortest a cut point may get (then the line may be cut by the terminal, as a last resort). */
const MIN_LABEL = 10;

/** A point's `key=value` pairs with keys shortened to their last part (`agc.lambda` → `lambda`) unless two clash. */
export function shortPointLabel(point: Record<string, unknown>): string {
  const keys = Object.keys(point);
  const last = (k: string) => k.slice(k.lastIndexOf(".") + 1);
  const clash = (k: string) => keys.filter((o) => last(o) === last(k)).length > 1;
  return keys.map((k) => `${clash(k) ? k : last(k)}=${writeValue(point[k])}`).join(" ");
}

/** The plain text of `line` under `layout`, in parts: what is styled dim is the tail. */
function parts(line: LiveLineInput, layout: Layout, label: string): { head: string; tail: string } {
  const barText =
    layout.barWidth > 0 ? ` ${bar(line.stepsTotal ? line.step / line.stepsTotal : 0, layout.barWidth)}` : "";
  const loss = layout.loss && line.loss !== undefined ? `loss ${line.loss.toFixed(3)}  ` : "";
  const rate = layout.rate ? `${line.rate.toFixed(1)} step/s` : "";
  const tail = `${loss}${rate}`;
  return {
    head: `w${line.slot} run ${line.id} ${label}${barText} ${line.step}/${line.stepsTotal}`,
    tail: tail ? `  ${tail}` : "",
  };
}

/**
 * The live line of one worker, at most `columns - 1` characters wide (the last column would wrap on some
 * terminals): the fullest layout that fits, else the barest with its point cut to fit (`…`).
 */
export function liveLine(line: LiveLineInput, columns: number): string {
  const width = columns - 1;
  for (const layout of LAYOUTS) {
    const p = parts(line, layout, layout.short ? line.shortLabel : line.label);
    if (p.head.length + p.tail.length <= width) return styled(line.slot, p);
  }
  const bare = parts(line, LAYOUTS[LAYOUTS.length - 1] as Layout, "");
  const room = Math.max(MIN_LABEL, width - bare.head.length);
  const label = line.shortLabel.length > room ? `${line.shortLabel.slice(0, room - 1)}…` : line.shortLabel;
  return styled(line.slot, parts(line, LAYOUTS[LAYOUTS.length - 1] as Layout, label));
}

function styled(slot: number, p: { head: string; tail: string }): string {
  const prefix = `w${slot}`;
  return `${chalk.dim(prefix)}${p.head.slice(prefix.length)}${p.tail ? chalk.dim(p.tail) : ""}`;
}
