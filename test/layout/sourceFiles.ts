// The project's TypeScript sources, read with the project's own `typescript` parser: what the layout tests check.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/** The repository's root (this file is test/layout/sourceFiles.ts). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** One source file: its path relative to the root (with `/`), its text and its parsed tree. */
export interface SourceFile {
  rel: string;
  text: string;
  tree: ts.SourceFile;
}

/** Every `.ts` file under `dir` (relative to the root), declarations aside, in path order. */
export function sourceFiles(dir = "src"): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) {
        const text = fs.readFileSync(p, "utf8");
        const rel = path.relative(ROOT, p).split(path.sep).join("/");
        out.push({ rel, text, tree: ts.createSourceFile(rel, text, ts.ScriptTarget.Latest, true) });
      }
    }
  };
  walk(path.join(ROOT, dir));
  return out;
}

/** 1-based line of a position in a file. */
export function lineOf(file: SourceFile, pos: number): number {
  return file.tree.getLineAndCharacterOfPosition(pos).line + 1;
}
