// Notes and tags on runs (schema v7): a researcher's words about a run — "lr too high", `baseline`, `paper` —
// kept beside it and never part of its config or identity. Tags are short words (letters, digits, `_-.:/`); a
// note is free text, one per run (an empty note removes it).
import type { StoreConn } from "./connection.js";
import { now } from "./runTypes.js";

/** What a tag may be: a word a filter or a shell can carry without quoting. */
const TAG = /^[\p{L}\p{N}_.:/-]{1,64}$/u;

/** The longest note kept, in characters. */
export const MAX_NOTE = 10_000;

/** Throws one line naming the tag at fault. */
export function checkTag(tag: string): string {
  if (!TAG.test(tag)) throw new Error(`tag '${tag}': 1–64 letters, digits or _ . : / - (no spaces or commas)`);
  return tag;
}

export interface RunNotes {
  note: string | null;
  tags: string[];
}

/** Adds and removes tags of run `id` in one transaction; returns its tags after. */
export function changeTags(store: StoreConn, id: number, add: readonly string[], remove: readonly string[]): string[] {
  for (const t of [...add, ...remove]) checkTag(t);
  store.write(`tagging run ${id}`, () => {
    const ins = store.db.prepare("INSERT OR IGNORE INTO run_tags (run_id, tag, created_at) VALUES (?, ?, ?)");
    const del = store.db.prepare("DELETE FROM run_tags WHERE run_id = ? AND tag = ?");
    for (const t of remove) del.run(id, t);
    for (const t of add) ins.run(id, t, now());
  });
  return notesOf(store, [id]).get(id)?.tags ?? [];
}

/** Sets (or, with empty text, removes) the note of run `id`. Throws for a note over MAX_NOTE characters. */
export function setNote(store: StoreConn, id: number, text: string): void {
  if (text.length > MAX_NOTE) throw new Error(`note: ${text.length} characters, at most ${MAX_NOTE}`);
  store.write(`noting run ${id}`, () => {
    if (!text.trim()) store.db.prepare("DELETE FROM run_notes WHERE run_id = ?").run(id);
    else
      store.db
        .prepare(
          "INSERT INTO run_notes (run_id, note, updated_at) VALUES (?, ?, ?) " +
            "ON CONFLICT (run_id) DO UPDATE SET note = excluded.note, updated_at = excluded.updated_at",
        )
        .run(id, text, now());
  });
}

/** Notes and tags of the runs `ids` (those with neither are absent from the map); tags sorted. */
export function notesOf(store: StoreConn, ids: readonly number[]): Map<number, RunNotes> {
  const out = new Map<number, RunNotes>();
  if (!ids.length) return out;
  const entry = (id: number) => {
    let e = out.get(id);
    if (!e) {
      e = { note: null, tags: [] };
      out.set(id, e);
    }
    return e;
  };
  store.read(() => {
    // A store of an older nfx read where it cannot be upgraded (RunStore.open) has no notes yet.
    if (!store.db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'run_notes'").get()) return;
    // In chunks: SQLite binds at most 32,766 parameters per statement.
    for (let i = 0; i < ids.length; i += 5000) {
      const chunk = ids.slice(i, i + 5000);
      const marks = chunk.map(() => "?").join(",");
      const notes = store.db.prepare(`SELECT run_id, note FROM run_notes WHERE run_id IN (${marks})`).all(...chunk) as {
        run_id: number;
        note: string;
      }[];
      for (const n of notes) entry(n.run_id).note = n.note;
      const tags = store.db
        .prepare(`SELECT run_id, tag FROM run_tags WHERE run_id IN (${marks}) ORDER BY tag`)
        .all(...chunk) as { run_id: number; tag: string }[];
      for (const t of tags) entry(t.run_id).tags.push(t.tag);
    }
  });
  return out;
}
