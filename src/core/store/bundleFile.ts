// The bundle file format: JSON lines, a header first, then the sweeps, then each run followed by its metrics, evals
// and (when there are some) artifacts lines, and (version ≥ 2) an end line counting the lines before it. `readBundle`
// reads one and checks it whole, so that a truncated or malformed bundle is refused before anything is imported.
import fs from "node:fs";
import { SCHEMA_VERSION } from "./schema.js";

export const BUNDLE_FORMAT = "nfx-bundle";

export type Row = Record<string, unknown>;

export type Line =
  | { type: "header"; format: string; version: number; schema_version: number; exported_at: string; runs: number }
  | { type: "sweep"; row: Row }
  | { type: "run"; row: Row; sweeps: string[] }
  | { type: "metrics"; hash: string; rows: [number, string, number | null][] }
  | { type: "evals"; hash: string; rows: [number, string, number, number | null, number][] }
  | { type: "artifacts"; hash: string; rows: Row[] }
  /** The last line (bundle version ≥ 2): the number of lines before it, so that a cut anywhere is seen. */
  | { type: "end"; lines: number };

/** Version 2 ends with an `end` line; version 1 bundles (without it) are still read. */
export const BUNDLE_VERSION = 2;

/** The lines of a bundle file, read and checked whole (see readBundle). */
export type BundleLines = readonly Line[];

function readText(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new Error(`${file}: no such bundle file`);
    if (code === "EISDIR") throw new Error(`${file}: is a directory, not a bundle file`);
    if (code === "EACCES" || code === "EPERM") throw new Error(`${file}: cannot read the bundle (permission denied)`);
    throw new Error(`${file}: cannot read the bundle (${code ?? (err as Error).message})`);
  }
}

const isObject = (v: unknown): v is Row => typeof v === "object" && v !== null && !Array.isArray(v);

/** The non-blank lines of a bundle parsed as JSON, with their line numbers; `raw`: every line of the text. */
function parseLines(file: string, text: string): { raw: string[]; parsed: Line[]; lineNo: number[] } {
  const raw = text.split("\n");
  const parsed: Line[] = [];
  const lineNo: number[] = [];
  raw.forEach((l, i) => {
    if (!l.trim()) return;
    try {
      parsed.push(JSON.parse(l) as Line);
    } catch {
      throw new Error(
        `${file}:${i + 1}: not an nfx bundle line (invalid JSON${i === raw.length - 1 ? "; the file is cut off" : ""})`,
      );
    }
    lineNo.push(i + 1);
  });
  return { raw, parsed, lineNo };
}

type Header = Extract<Line, { type: "header" }>;

function checkHeader(file: string, head: Line | undefined): Header {
  if (!isObject(head) || head.type !== "header" || head.format !== BUNDLE_FORMAT) {
    throw new Error(`${file}: not an nfx bundle (export one with \`nfx export --format bundle\`)`);
  }
  if (head.schema_version > SCHEMA_VERSION) {
    throw new Error(`${file}: bundle from a newer store schema (v${head.schema_version} > v${SCHEMA_VERSION})`);
  }
  return head;
}

/**
 * Walks the lines after the header in order: each run must be followed by its metrics and evals lines before the
 * next run (or the end), and nothing may follow an end line.
 */
class BodyCheck {
  runs = 0;
  ended = false;
  /** The run whose metrics or evals line is still to come, by the line hash, with the run's line number. */
  private open: { hash: string; line: number; missing: Set<string> } | null = null;

  constructor(private readonly file: string) {}

  line(line: Line, k: number, at: number): void {
    const file = this.file;
    const type = isObject(line) ? line.type : undefined;
    if (this.ended) throw new Error(`${file}:${at}: a line after the bundle's end line`);
    if (type === "end") {
      const n = (line as { lines?: unknown }).lines;
      if (n !== k)
        throw new Error(`${file}:${at}: the end line counts ${String(n)} lines before it, the file has ${k}`);
      this.ended = true;
    } else if (type === "sweep") {
      if (!isObject((line as { row?: unknown }).row)) throw new Error(`${file}:${at}: malformed sweep line`);
    } else if (type === "run") {
      this.run(line, at);
    } else if (type === "metrics" || type === "evals" || type === "artifacts") {
      this.rowsOfRun(line, type, at);
    } else {
      throw new Error(`${file}:${at}: not an nfx bundle line (type ${JSON.stringify(type ?? null)})`);
    }
  }

  /** At a run line or the file's end: the run before must have had its metrics and evals lines. */
  close(at: number): void {
    if (this.open?.missing.size) {
      const what = [...this.open.missing].join(" and ");
      throw new Error(
        `${this.file}:${at}: incomplete bundle: run ${this.open.hash} (line ${this.open.line}) has no ${what} line (truncated?)`,
      );
    }
    this.open = null;
  }

  private run(line: Line, at: number): void {
    this.close(at);
    const l = line as { row?: unknown; sweeps?: unknown };
    if (
      !isObject(l.row) ||
      typeof l.row.config_hash !== "string" ||
      typeof l.row.config_json !== "string" ||
      !Array.isArray(l.sweeps)
    ) {
      throw new Error(`${this.file}:${at}: malformed run line (no row with config_hash and config_json)`);
    }
    this.runs++;
    this.open = { hash: l.row.config_hash, line: at, missing: new Set(["metrics", "evals"]) };
  }

  private rowsOfRun(line: Line, type: "metrics" | "evals" | "artifacts", at: number): void {
    const l = line as { hash?: unknown; rows?: unknown };
    if (typeof l.hash !== "string" || !Array.isArray(l.rows))
      throw new Error(`${this.file}:${at}: malformed ${type} line`);
    if (this.open === null || this.open.hash !== l.hash) {
      throw new Error(`${this.file}:${at}: ${type} line for run ${l.hash}, which is not the run before it`);
    }
    this.open.missing.delete(type);
  }
}

/**
 * Reads a bundle file and checks that it is whole before anything is imported: the header first, every line valid
 * JSON of a known type, each run followed by its metrics and evals lines (exportBundle writes both, even empty),
 * the header's run count reached, and the file ending with a newline (not cut mid-line). A truncated or malformed
 * bundle is refused whole.
 * @throws Error, one line `file:line: what is wrong or missing` (`file: …` for a file that cannot be read).
 */
export function readBundle(file: string): BundleLines {
  const text = readText(file);
  const { raw, parsed, lineNo } = parseLines(file, text);
  const head = checkHeader(file, parsed[0]);
  const end = raw.length; // the line after the last one: where a missing line would be
  const body = new BodyCheck(file);
  for (let k = 1; k < parsed.length; k++) body.line(parsed[k] as Line, k, lineNo[k] as number);
  body.close(end);
  if (body.runs !== head.runs) {
    throw new Error(
      `${file}:${end}: incomplete bundle: the header (line 1) announces ${head.runs} runs, the file holds ${body.runs} (truncated?)`,
    );
  }
  if (!body.ended && (head.version ?? 1) >= 2) {
    throw new Error(`${file}:${end}: incomplete bundle: no end line (truncated?)`);
  }
  if (!text.endsWith("\n")) throw new Error(`${file}:${raw.length}: incomplete bundle: the last line is cut off`);
  return body.ended ? parsed.slice(0, -1) : parsed;
}
