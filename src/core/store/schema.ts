// The store's schema as a list of migrations: migration i brings a store from user_version i to i+1.
// Never edit a migration that has shipped; append a new one. A migration is SQL, or a function for what SQL
// cannot compute (a config hash); each runs in one transaction with the version bump.
import type Database from "better-sqlite3";
import { sha256Hex } from "../base/files.js";
import { configHash } from "../config/hash.js";
import type { RunConfig } from "../config/schema.js";

export type Migration = string | ((db: Database.Database) => void);

const DONE_FIRST = ["completed", "diverged", "collapsed", "interrupted", "failed", "running", "pending"];

/**
 * Recomputes every run's `config_hash` from its stored config with the current identity (config/hash.ts). Runs
 * that now share an identity trained the same thing (they differed only in keys that change nothing). Nothing is
 * deleted: one keeps the hash (a finished run first, then the one that finished earliest, then the lowest id);
 * each other keeps its rows, metrics, evals and artifacts, gets `duplicate_of` = the kept run's id and a hash of
 * its own (16 hex digits derived from the shared hash and its id, so it matches no config). Returns the
 * (duplicate id, kept id) pairs.
 */
export function rehashRuns(db: Database.Database): { id: number; duplicateOf: number }[] {
  const rows = db.prepare("SELECT id, config_json, status, finished_at FROM runs").all() as {
    id: number;
    config_json: string;
    status: string;
    finished_at: string | null;
  }[];
  const groups = new Map<string, typeof rows>();
  for (const r of rows) {
    const h = configHash(JSON.parse(r.config_json) as RunConfig);
    groups.set(h, [...(groups.get(h) ?? []), r]);
  }
  // Two passes keep the UNIQUE index satisfied while hashes move between rows.
  db.prepare("UPDATE runs SET config_hash = 'rehash:' || id").run();
  const setHash = db.prepare("UPDATE runs SET config_hash = ?, duplicate_of = ? WHERE id = ?");
  const dups: { id: number; duplicateOf: number }[] = [];
  for (const [hash, group] of groups) {
    group.sort(
      (a, b) =>
        DONE_FIRST.indexOf(a.status) - DONE_FIRST.indexOf(b.status) ||
        (a.finished_at ?? "~").localeCompare(b.finished_at ?? "~") ||
        a.id - b.id,
    );
    const [kept, ...rest] = group as [(typeof rows)[number], ...typeof rows];
    setHash.run(hash, null, kept.id);
    for (const r of rest) {
      const own = sha256Hex(`${hash}:duplicate:${r.id}`).slice(0, 16);
      setHash.run(own, kept.id, r.id);
      dups.push({ id: r.id, duplicateOf: kept.id });
    }
  }
  return dups;
}

export const MIGRATIONS: readonly Migration[] = [
  `
  CREATE TABLE sweeps (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    file        TEXT,
    spec_json   TEXT NOT NULL,
    created_at  TEXT NOT NULL
  );
  CREATE TABLE runs (
    id              INTEGER PRIMARY KEY,
    config_hash     TEXT NOT NULL UNIQUE,
    config_json     TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending','running','completed','diverged','failed','interrupted')),
    -- the ablation axes, as indexed columns for queries
    model           TEXT NOT NULL,
    dataset         TEXT NOT NULL,
    agc_granularity TEXT NOT NULL,
    agc_lambda      REAL,
    batch_size      INTEGER NOT NULL,
    seed            INTEGER NOT NULL,
    -- timings
    created_at      TEXT NOT NULL,
    started_at      TEXT,
    finished_at     TEXT,
    heartbeat_at    TEXT,
    duration_s      REAL,
    steps_total     INTEGER,
    steps_done      INTEGER NOT NULL DEFAULT 0,
    -- outcome
    test_top1       REAL,
    final_loss      REAL,
    summary_json    TEXT,
    error           TEXT,
    -- environment
    backend         TEXT,
    backend_version TEXT,
    device          TEXT,
    host            TEXT,
    node_version    TEXT,
    nfx_version     TEXT,
    git_commit      TEXT,
    git_dirty       INTEGER,
    env_json        TEXT
  );
  CREATE INDEX runs_axes ON runs (model, dataset, agc_granularity, agc_lambda, batch_size, seed);
  CREATE INDEX runs_status ON runs (status);
  CREATE TABLE sweep_runs (
    sweep_id INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
    run_id   INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    PRIMARY KEY (sweep_id, run_id)
  ) WITHOUT ROWID;
  CREATE TABLE metrics (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step   INTEGER NOT NULL,
    name   TEXT NOT NULL,
    value  REAL,
    PRIMARY KEY (run_id, name, step)
  ) WITHOUT ROWID;
  CREATE TABLE evals (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step   INTEGER NOT NULL,
    split  TEXT NOT NULL,
    top1   REAL NOT NULL,
    loss   REAL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (run_id, split, step)
  ) WITHOUT ROWID;
  `,
  // v2: ownership and heartbeats for parallel and concurrent sweeps (a run is claimed by one orchestrator process;
  // a dead owner or a stale heartbeat makes it reclaimable), attempt counts, sweeps identified across stores (uid)
  // for export/import, and artifacts (files a run produced, content-hashed).
  `
  ALTER TABLE runs ADD COLUMN owner_host TEXT;
  ALTER TABLE runs ADD COLUMN owner_pid INTEGER;
  ALTER TABLE runs ADD COLUMN worker_pid INTEGER;
  ALTER TABLE runs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE runs ADD COLUMN optim_lr REAL;
  UPDATE runs SET optim_lr = json_extract(config_json, '$.optim.lr');
  CREATE INDEX runs_owner ON runs (status, owner_host, owner_pid);
  ALTER TABLE sweeps ADD COLUMN uid TEXT;
  UPDATE sweeps SET uid = lower(hex(randomblob(16))) WHERE uid IS NULL;
  CREATE UNIQUE INDEX sweeps_uid ON sweeps (uid);
  ALTER TABLE sweeps ADD COLUMN host TEXT;
  ALTER TABLE sweeps ADD COLUMN pid INTEGER;
  ALTER TABLE sweeps ADD COLUMN finished_at TEXT;
  ALTER TABLE sweeps ADD COLUMN outcome_json TEXT;
  CREATE TABLE artifacts (
    id         INTEGER PRIMARY KEY,
    run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    path       TEXT NOT NULL,
    sha256     TEXT,
    bytes      INTEGER,
    created_at TEXT NOT NULL,
    meta_json  TEXT,
    UNIQUE (run_id, kind, path)
  );
  `,
  // v3: a run's identity leaves out execution details (train.micro_batch), keys made inert by others (agc.eps and
  // agc.exclude without clipping, optim.sam_fraction without SAM, train.epochs under train.steps, …) and keys at
  // their frozen baseline, so that adding a defaulted key keeps every hash (config/hash.ts). Stored hashes are
  // recomputed; runs that turn out to be one identity are kept, the repeats marked `duplicate_of` (rehashRuns).
  (db) => {
    db.exec("ALTER TABLE runs ADD COLUMN duplicate_of INTEGER REFERENCES runs(id) ON DELETE SET NULL");
    rehashRuns(db);
  },
  // v4: the status `collapsed` (a run that made every step but did not train: core/train/outcome.ts). The CHECK
  // constraint of v1 lists the statuses; SQLite cannot alter a constraint, and rebuilding `runs` would cascade
  // deletes into metrics, evals and artifacts (foreign keys cannot be turned off inside the migration's
  // transaction). So the constraint's text is widened in place — SQLite's documented procedure for changing a
  // CHECK constraint (sqlite.org/lang_altertable.html §7: writable_schema, then bump schema_version); every stored
  // row satisfies the wider constraint, and an integrity check confirms the file.
  (db) => {
    const before = "'failed','interrupted')";
    const after = "'failed','interrupted','collapsed')";
    const row = db.prepare("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'runs'").get() as
      | { sql: string }
      | undefined;
    if (!row?.sql.includes(before)) throw new Error("schema v4: the runs table's status constraint is not nfx's");
    const version = db.pragma("schema_version", { simple: true }) as number;
    db.unsafeMode(true);
    try {
      db.pragma("writable_schema = ON");
      db.prepare("UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = 'runs'").run(
        row.sql.replace(before, after),
      );
      db.pragma(`schema_version = ${version + 1}`);
      db.pragma("writable_schema = OFF");
    } finally {
      db.unsafeMode(false);
    }
    const check = db.pragma("integrity_check", { simple: true });
    if (check !== "ok") throw new Error(`schema v4: integrity check after widening the status constraint: ${check}`);
  },
  // v5: a run's identity reads values that spell one training two ways in one spelling (config/hash.ts,
  // identityCanonical): a data.train_size / data.test_size equal to the dataset's whole split counts as null (all
  // of it), a train.steps equal to the steps train.epochs gives counts as null. Stored hashes are recomputed; runs
  // that turn out to be one are kept, the repeats marked `duplicate_of` (rehashRuns).
  (db) => {
    rehashRuns(db);
  },
  // v6: for BatchNorm models a micro-batch smaller than the batch is ghost batch norm (statistics per micro-batch),
  // a different training, so that micro-batch enters the identity (config/hash.ts, isGhostBatchNorm). Stored
  // hashes are recomputed: ghost-BN runs get their own; a full-batch run and a ghost-BN run that shared a hash
  // before are now two (nothing is marked duplicate that trained differently).
  (db) => {
    rehashRuns(db);
  },
  // v7: notes and tags on runs (nfx runs note|tag, nfx ui): what a researcher says about a run, not what it is, so
  // never part of its identity or config; they go when the run is deleted. IF NOT EXISTS: a store marked with an
  // older version after these tables were made (as the tests of the rehashing migrations make theirs) migrates too.
  `
  CREATE TABLE IF NOT EXISTS run_notes (
    run_id     INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
    note       TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS run_tags (
    run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    tag        TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (run_id, tag)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS run_tags_tag ON run_tags (tag);
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
