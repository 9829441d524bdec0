// One spelling of keys in every JSON document nfx prints (--json, --progress jsonl): snake_case, the spelling of the
// store's columns, `nfx runs`, `nfx models` and the dry run, which most documents already used. The library's
// TypeScript objects keep camelCase; the CLI's documents are written through jsonDocument. Keys that are data are
// kept as written: a run's `config` (whose `model.*` options are the model's own names, `skipGainInit`, as a config
// file writes them) and dotted keys (`agc.lambda`, `model.skipGainInit`: config keys and run fields).

/** Subtrees whose keys are config keys, kept as written. */
const DATA_SUBTREES = new Set(["config", "base"]);

/** `runIds` → `run_ids`, `orchestratorCpuSeconds` → `orchestrator_cpu_seconds`; a snake_case key stays itself. */
export function snakeCase(key: string): string {
  if (key.includes(".")) return key;
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z])([A-Z][a-z])/g, "$1_$2")
    .toLowerCase();
}

/** `doc` with every key in snake_case (see the header), as a new value; `doc` itself is left unchanged. */
export function jsonDocument(doc: unknown): unknown {
  if (Array.isArray(doc)) return doc.map(jsonDocument);
  if (doc === null || typeof doc !== "object" || !isPlainRecord(doc)) return doc;
  return Object.fromEntries(
    Object.entries(doc).map(([k, v]) => [snakeCase(k), DATA_SUBTREES.has(k) ? v : jsonDocument(v)]),
  );
}

function isPlainRecord(v: object): v is Record<string, unknown> {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
