// Imports point one way (../shared/DESIGN.md, issue 23): commands → experiments → core, and inside core from a
// higher floor to a lower one, never across the never-rules. Checked on the source: every import, `export … from`
// and `import("…")` of every src/**/*.ts file, type-only ones included (a type is knowledge too), read with the
// typescript parser. A failure lists each offending import as file:line → target.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import ts from "typescript";
import { lineOf, type SourceFile, sourceFiles } from "./sourceFiles.js";

/**
 * The floors, lowest first. A folder may import its own files and folders on a LOWER floor only: two folders on
 * one floor know nothing of each other. Each row says why its folders sit where they do.
 */
const FLOORS: { floor: number; areas: string[]; why: string }[] = [
  { floor: 0, areas: ["core/base", "core/text"], why: "ground floor: files, cache dir, seeded random; wording" },
  { floor: 1, areas: ["core/engine"], why: "tfjs backends and kernels: knows no data, model or run" },
  {
    floor: 2,
    areas: ["core/data", "core/agc", "core/optim"],
    why: "datasets, clipping and optimizers work on any tensors (roles, decay masks come in as data)",
  },
  { floor: 3, areas: ["core/models"], why: "a model names its parameters' roles with AGC's words (agc/roles.ts)" },
  {
    floor: 4,
    areas: ["core/config", "core/weights"],
    why: "a config validates model and data keys; weight-file formats fit tensors to a model plan",
  },
  {
    floor: 5,
    areas: ["core/train", "core/store"],
    why: "a run (writes checkpoints as safetensors, may start from weights) and the store, apart: train ↛ store",
  },
  {
    floor: 6,
    areas: ["core/sweep", "core/plot", "core/runWeights"],
    why: "what runs, stores and reads runs: the sweep, figures, the weights of stored runs (need store and train)",
  },
  { floor: 7, areas: ["experiments", "ui"], why: "the paper's figures as data; the terminal's words and flags" },
  {
    floor: 7.5,
    areas: ["dashboard"],
    why: "the browser's pages over the store (nfx ui): draws the paper's figures (experiments), knows no command",
  },
  { floor: 8, areas: ["commands", "index.ts"], why: "the CLI and the library: what users call" },
];

/** DESIGN.md's never-rules, checked on their own so that a failure names the rule even if the floors change. */
const NEVER: { from: (area: string) => boolean; to: (area: string) => boolean; rule: string }[] = [
  { from: (a) => a.startsWith("core"), to: (a) => a === "commands", rule: "core ↛ commands" },
  { from: (a) => a.startsWith("core"), to: (a) => a === "ui" || a === "experiments", rule: "core ↛ ui, experiments" },
  { from: (a) => a === "experiments", to: (a) => a === "commands", rule: "experiments ↛ commands" },
  { from: (a) => a.startsWith("core"), to: (a) => a === "dashboard", rule: "core ↛ dashboard" },
  { from: (a) => a === "dashboard", to: (a) => a === "commands", rule: "dashboard ↛ commands" },
  { from: (a) => a === "core/models", to: (a) => a === "core/train", rule: "models ↛ train" },
  { from: (a) => a === "core/engine", to: (a) => a === "core/models", rule: "engine ↛ models" },
  { from: (a) => a === "core/agc", to: (a) => a === "core/models", rule: "agc ↛ models" },
  { from: (a) => a === "core/train", to: (a) => a === "core/store", rule: "train ↛ store" },
];

/** A src path's area: `core/<folder>` inside core, else its first segment (`commands`, `ui`, `index.ts`, …). */
function areaOf(srcRel: string): string {
  const parts = srcRel.replace(/^src\//, "").split("/");
  if (parts[0] === "core") return parts.length > 2 ? `core/${parts[1]}` : "core";
  return parts[0] as string;
}

function floorOf(area: string): number | undefined {
  return FLOORS.find((f) => f.areas.includes(area))?.floor;
}

/** Every relative import of a file with its line and the src path it resolves to. */
function importsOf(file: SourceFile): { line: number; target: string }[] {
  const info = ts.preProcessFile(file.text, true, true);
  return info.importedFiles
    .filter((f) => f.fileName.startsWith("."))
    .map((f) => ({
      line: lineOf(file, f.pos),
      target: path.posix.normalize(path.posix.join(path.posix.dirname(file.rel), f.fileName)),
    }));
}

const files = sourceFiles("src");

test("every src folder has a floor", () => {
  const missing = [...new Set(files.map((f) => areaOf(f.rel)))].filter((a) => floorOf(a) === undefined);
  assert.deepEqual(
    missing,
    [],
    `add these to FLOORS in test/layout/imports.test.ts, with a why: ${missing.join(", ")}`,
  );
});

test("the parser sees imports (a guard against a check that passes by reading nothing)", () => {
  const all = files.flatMap(importsOf);
  assert.ok(all.length > 500, `only ${all.length} relative imports found in src`);
  assert.ok(
    all.some((i) => i.target === "src/core/engine/tf.js"),
    "some file imports the engine's tf",
  );
});

test("imports point down the floors: none points up or across one floor", () => {
  const bad: string[] = [];
  for (const file of files) {
    const from = areaOf(file.rel);
    const fromFloor = floorOf(from);
    for (const imp of importsOf(file)) {
      const to = areaOf(imp.target);
      const toFloor = floorOf(to);
      if (to === from || fromFloor === undefined || toFloor === undefined) continue;
      if (toFloor >= fromFloor) {
        bad.push(`${file.rel}:${imp.line} → ${imp.target} (${from}, floor ${fromFloor} → ${to}, floor ${toFloor})`);
      }
    }
  }
  assert.deepEqual(bad, [], `imports that point up or across:\n  ${bad.join("\n  ")}`);
});

test("no import crosses DESIGN.md's never-rules", () => {
  const bad: string[] = [];
  for (const file of files) {
    const from = areaOf(file.rel);
    for (const imp of importsOf(file)) {
      const to = areaOf(imp.target);
      for (const n of NEVER)
        if (n.from(from) && n.to(to)) bad.push(`${file.rel}:${imp.line} → ${imp.target} (${n.rule})`);
    }
  }
  assert.deepEqual(bad, [], `imports across a never-rule:\n  ${bad.join("\n  ")}`);
});
