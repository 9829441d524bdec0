// Notes and tags: the one thing the dashboard writes (core/store/runNotes.ts), and only where the store can be
// written by this user. A write must come from the dashboard's own page: a POST with a JSON body and the header
// X-Nfx-Write, which a page of another site cannot send here without a CORS preflight this server never grants.
import path from "node:path";
import { canWrite } from "../core/store/connection.js";
import { changeTags, MAX_NOTE, notesOf, setNote } from "../core/store/runNotes.js";
import { RunStore } from "../core/store/runStore.js";
import { HttpError } from "./request.js";

/** Whether this user may write the store (the file and the folder its journal goes in). */
export function storeWritable(db: string): boolean {
  return canWrite(db) && canWrite(path.dirname(path.resolve(db)));
}

type NotesBody = { add?: unknown; remove?: unknown; note?: unknown };

function strings(v: unknown, name: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((t) => typeof t === "string")) throw new HttpError(400, `${name}: a list of tags`);
  return v as string[];
}

/** POST /api/runs/:ref/notes {add?, remove?, note?}: changes the run's tags and note; answers them after. */
export function writeNotes(db: string, ref: string, body: NotesBody): unknown {
  if (!storeWritable(db))
    throw new HttpError(403, `${db}: the store is read-only for this user; notes need a writable store`);
  const add = strings(body.add, "add");
  const remove = strings(body.remove, "remove");
  if (body.note !== undefined && typeof body.note !== "string") throw new HttpError(400, "note: text");
  if (typeof body.note === "string" && body.note.length > MAX_NOTE)
    throw new HttpError(400, `note: at most ${MAX_NOTE} characters`);
  const store = RunStore.open(db, { mustExist: true });
  try {
    let run: ReturnType<RunStore["getRun"]>;
    try {
      run = store.getRun(ref);
    } catch (err) {
      throw new HttpError(400, (err as Error).message);
    }
    if (!run) throw new HttpError(404, `no run '${ref}' in the store`);
    try {
      if (add.length || remove.length) changeTags(store, run.id, add, remove);
      if (typeof body.note === "string") setNote(store, run.id, body.note);
    } catch (err) {
      if (err instanceof HttpError) throw err;
      throw new HttpError(400, (err as Error).message);
    }
    return { id: run.id, ...(notesOf(store, [run.id]).get(run.id) ?? { note: null, tags: [] }) };
  } finally {
    store.close();
  }
}
