// Reading YAML with positions, so that every config fault names file:line:column.
import fs from "node:fs";
import { isMap, isSeq, LineCounter, parseDocument, type Node as YamlNode } from "yaml";
import { ConfigError } from "./configError.js";

/**
 * Maps a path of keys/indices to where it is written (`file:line:col`), or undefined where nothing is written (a
 * sweep given as an object, not a file).
 */
export type Locate = (path: readonly (string | number)[]) => string | undefined;

export interface YamlFile {
  file: string;
  data: unknown;
  /** `file:line:col` of the value at a path of keys/indices (the nearest existing ancestor if absent). */
  locate(path: readonly (string | number)[]): string;
}

export function readYamlFile(file: string): YamlFile {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : String(err);
    throw new ConfigError("", `cannot read config: ${why}`, file);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const first = doc.errors[0];
  if (first) {
    const { line, col } = lineCounter.linePos(first.pos[0]);
    const where = `${file}:${line}:${col}`;
    const msg = first.message.split("\n")[0] ?? "malformed YAML";
    throw new ConfigError("", `malformed YAML: ${msg.replace(/ at line \d+, column \d+.*$/, "")}`, where);
  }
  const posOf = (node: YamlNode | null | undefined): string => {
    const offset = node?.range?.[0] ?? 0;
    const { line, col } = lineCounter.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  return {
    file,
    data: doc.toJS(),
    locate(path) {
      let node: unknown = doc.contents;
      let found = node as YamlNode | null;
      for (const key of path) {
        if (isMap(node)) {
          const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
          if (!pair) break;
          node = pair.value;
          found = (pair.key as YamlNode) ?? found;
        } else if (isSeq(node) && typeof key === "number") {
          node = node.items[key];
          found = (node as YamlNode) ?? found;
        } else break;
      }
      return posOf(found);
    },
  };
}
